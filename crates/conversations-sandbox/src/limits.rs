//! Realistic servers: a per-provider latency added before each answer, and a real rate limit
//! per provider (a token bucket; beyond it, the provider's own 429 with `Retry-After` in whole
//! seconds), so tests and benchmarks meet servers that take time and push back.
//!
//! Each provider also counts what its clients' pacing looks like from the server: the most
//! requests that arrived within any one second (a sliding window), 429s or not.
//!
//! Both run on Tokio's clock (`tokio::time`), so tests with paused time
//! (`#[tokio::test(start_paused = true)]`) control them exactly.
//!
//! [`LatencySpec`] and [`RateLimitSpec`] parse the text forms a command line takes, in the
//! grammar fault specs share (the provider prefix, durations; see `crate::spec`):
//!
//! ```text
//! latency    = [provider ":"] duration                   e.g. asapp:50ms, 2s, all:1m
//! rate-limit = [provider ":"] rate ["," "burst=" N]      e.g. asapp:100/s, autocalls:30/m,burst=5
//! provider   = asapp | autocalls | all                   (omitted: both, each its own bucket)
//! duration   = N | humantime                             (a bare number is milliseconds; else
//!                                                          250ms, 2s, 1m, 1m30s, no spaces)
//! rate       = X ["/s" | "/m" | "/min" | "/h"]           (X > 0, decimals allowed; bare: per second)
//! N          = a positive whole number                   (burst default: the rate a second,
//!                                                          rounded up, at least 1)
//! ```

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use crate::provider::Provider;
use crate::spec::{PrefixError, parse_duration, provider_prefix, split_provider, targets};

/// A token bucket: `per_second` tokens a second, at most `burst` saved up. A request takes a
/// token, or is answered 429.
///
/// ```
/// use conversations_sandbox::RateLimit;
/// let limit = RateLimit::per_second(100);
/// assert_eq!(limit.burst, 100);
/// assert_eq!(RateLimit::per_second(10).with_burst(1).burst, 1);
/// assert_eq!(RateLimit::per_minute(30).per_second, 0.5);
/// assert_eq!(RateLimit::per_minute(30).burst, 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Tokens added each second. A rate that is not a positive number admits nothing (and
    /// says `Retry-After: 86400`).
    pub per_second: f64,
    /// The most tokens saved up: the requests allowed at once after a quiet spell (at least 1
    /// in effect).
    pub burst: u32,
}

impl RateLimit {
    /// `n` requests a second (at least 1), with a burst of `n`.
    pub fn per_second(n: u32) -> Self {
        Self {
            per_second: f64::from(n.max(1)),
            burst: n.max(1),
        }
    }

    /// `n` requests a minute (at least 1), with a burst of the rate a second rounded up.
    ///
    /// ```
    /// use conversations_sandbox::RateLimit;
    /// assert_eq!(RateLimit::per_minute(120), RateLimit::per_second(2));
    /// ```
    pub fn per_minute(n: u32) -> Self {
        Self::rate(f64::from(n.max(1)) / 60.0)
    }

    /// `per_second` requests a second, with a burst of that rounded up (at least 1).
    fn rate(per_second: f64) -> Self {
        Self {
            per_second,
            burst: default_burst(per_second),
        }
    }

    /// The same rate with another burst (at least 1).
    pub fn with_burst(mut self, burst: u32) -> Self {
        self.burst = burst.max(1);
        self
    }

    /// The rate in requests a minute, rounded (what `X-RateLimit-Limit` says).
    pub(crate) fn per_minute_rounded(&self) -> u64 {
        let n = (self.per_second * 60.0).round();
        if n.is_finite() && n > 0.0 {
            n.min(u64::MAX as f64) as u64
        } else {
            0
        }
    }
}

/// The burst of a rate: the rate a second, rounded up, at least 1.
fn default_burst(per_second: f64) -> u32 {
    let b = per_second.ceil();
    if b.is_finite() && b >= 1.0 {
        b.min(f64::from(u32::MAX)) as u32
    } else {
        1
    }
}

/// Why a [`LatencySpec`] or [`RateLimitSpec`] string was rejected.
///
/// ```
/// use conversations_sandbox::{LimitSpecError, RateLimitSpec};
/// let err = "sms:5/s".parse::<RateLimitSpec>().unwrap_err();
/// assert_eq!(err, LimitSpecError::UnknownProvider("sms".into()));
/// assert_eq!(err.to_string(), "unknown provider `sms` (expected `asapp`, `autocalls` or `all`)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitSpecError {
    /// The string was empty (or only whitespace).
    #[error("empty spec")]
    Empty,
    /// The part before `:` is not `asapp`, `autocalls` or `all`.
    #[error("unknown provider `{0}` (expected `asapp`, `autocalls` or `all`)")]
    UnknownProvider(String),
    /// The latency is not like `50ms`, `2s`, `1m` or `250`.
    #[error("invalid latency `{0}` (expected e.g. 50ms, 2s, 1m, or a number of milliseconds)")]
    InvalidDuration(String),
    /// The rate is not a positive number, optionally followed by `/s`, `/m`, `/min` or `/h`.
    #[error(
        "invalid rate `{0}` (expected a positive number of requests and a unit, e.g. 100/s, 30/m, 1000/h; a bare number is per second)"
    )]
    InvalidRate(String),
    /// What follows the rate is not `burst=N` with `N` a positive whole number.
    #[error("invalid burst `{0}` (expected burst=N, N a positive whole number)")]
    InvalidBurst(String),
}

impl From<PrefixError> for LimitSpecError {
    fn from(e: PrefixError) -> Self {
        match e {
            PrefixError::Empty => LimitSpecError::Empty,
            PrefixError::UnknownProvider(p) => LimitSpecError::UnknownProvider(p),
        }
    }
}

/// A latency and the provider(s) it applies to: the parsed form of `asapp:50ms`.
///
/// ```text
/// latency  = [provider ":"] duration      provider: asapp | autocalls | all (omitted: both)
/// duration = N | humantime               a bare number is milliseconds; else 250ms, 2s, 1m30s
/// ```
///
/// ```
/// use std::time::Duration;
/// use conversations_sandbox::{LatencySpec, Provider};
///
/// let spec: LatencySpec = "asapp:50ms".parse()?;
/// assert_eq!(spec.provider, Some(Provider::Asapp));
/// assert_eq!(spec.latency, Duration::from_millis(50));
/// assert_eq!(spec.to_string(), "asapp:50ms");
///
/// let both: LatencySpec = "2s".parse()?;
/// assert_eq!(both.providers(), &Provider::ALL);
/// assert_eq!("1m30s".parse::<LatencySpec>()?.latency, Duration::from_secs(90));
///
/// let err = "asapp:fast".parse::<LatencySpec>().unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "invalid latency `fast` (expected e.g. 50ms, 2s, 1m, or a number of milliseconds)"
/// );
/// # Ok::<(), conversations_sandbox::LimitSpecError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LatencySpec {
    /// The provider that answers late; `None` for both.
    pub provider: Option<Provider>,
    /// The delay before each answer.
    pub latency: Duration,
}

impl LatencySpec {
    /// The providers this spec applies to.
    ///
    /// ```
    /// use conversations_sandbox::{LatencySpec, Provider};
    /// let spec: LatencySpec = "autocalls:5ms".parse()?;
    /// assert_eq!(spec.providers(), &[Provider::Autocalls]);
    /// # Ok::<(), conversations_sandbox::LimitSpecError>(())
    /// ```
    pub fn providers(&self) -> &'static [Provider] {
        targets(self.provider)
    }
}

impl FromStr for LatencySpec {
    type Err = LimitSpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (provider, rest) = split_provider(s)?;
        let latency =
            parse_duration(rest).ok_or_else(|| LimitSpecError::InvalidDuration(rest.to_owned()))?;
        Ok(LatencySpec { provider, latency })
    }
}

impl fmt::Display for LatencySpec {
    /// `provider:Nms` (whole milliseconds; `all:` for both), which parses back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}ms",
            provider_prefix(self.provider),
            self.latency.as_millis()
        )
    }
}

/// A rate limit and the provider(s) it applies to: the parsed form of `asapp:100/s,burst=20`.
///
/// ```text
/// rate-limit = [provider ":"] rate ["," "burst=" N]   provider: asapp | autocalls | all
/// rate       = X ["/s" | "/m" | "/min" | "/h"]        X > 0, decimals allowed; bare: per second
/// N          = a positive whole number                default: the rate a second, rounded up
/// ```
///
/// With no provider (or `all`), each provider gets its own bucket.
///
/// ```
/// use conversations_sandbox::{Provider, RateLimit, RateLimitSpec};
///
/// let spec: RateLimitSpec = "asapp:100/s".parse()?;
/// assert_eq!(spec.provider, Some(Provider::Asapp));
/// assert_eq!(spec.limit, RateLimit::per_second(100));
///
/// let spec: RateLimitSpec = "autocalls:30/m,burst=5".parse()?;
/// assert_eq!(spec.limit.per_second, 0.5);
/// assert_eq!(spec.limit.burst, 5);
/// assert_eq!(spec.to_string(), "autocalls:0.5/s,burst=5");
/// assert_eq!(spec.to_string().parse::<RateLimitSpec>()?, spec);
///
/// assert!("asapp:0/s".parse::<RateLimitSpec>().is_err());
/// assert!("asapp:10/s,burst=0".parse::<RateLimitSpec>().is_err());
/// # Ok::<(), conversations_sandbox::LimitSpecError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimitSpec {
    /// The provider that is limited; `None` for both (each its own bucket).
    pub provider: Option<Provider>,
    /// The limit.
    pub limit: RateLimit,
}

impl RateLimitSpec {
    /// The providers this spec applies to.
    ///
    /// ```
    /// use conversations_sandbox::{Provider, RateLimitSpec};
    /// let spec: RateLimitSpec = "all:10/s".parse()?;
    /// assert_eq!(spec.providers(), &Provider::ALL);
    /// # Ok::<(), conversations_sandbox::LimitSpecError>(())
    /// ```
    pub fn providers(&self) -> &'static [Provider] {
        targets(self.provider)
    }
}

impl FromStr for RateLimitSpec {
    type Err = LimitSpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (provider, rest) = split_provider(s)?;
        let (rate_text, burst_text) = match rest.split_once(',') {
            Some((rate, burst)) => (rate.trim(), Some(burst.trim())),
            None => (rest, None),
        };
        let invalid_rate = || LimitSpecError::InvalidRate(rate_text.to_owned());
        let (number, unit_seconds) = match rate_text.split_once('/') {
            None => (rate_text, 1.0),
            Some((n, unit)) => {
                let seconds = match unit.trim().to_ascii_lowercase().as_str() {
                    "s" | "sec" | "second" => 1.0,
                    "m" | "min" | "minute" => 60.0,
                    "h" | "hour" => 3600.0,
                    _ => return Err(invalid_rate()),
                };
                (n.trim(), seconds)
            }
        };
        let count: f64 = number
            .parse()
            .ok()
            .filter(|n: &f64| n.is_finite() && *n > 0.0)
            .ok_or_else(invalid_rate)?;
        let mut limit = RateLimit::rate(count / unit_seconds);
        if let Some(burst) = burst_text {
            let invalid_burst = || LimitSpecError::InvalidBurst(burst.to_owned());
            let n = burst
                .strip_prefix("burst")
                .map(str::trim_start)
                .and_then(|b| b.strip_prefix('='))
                .and_then(|b| b.trim().parse::<u32>().ok())
                .filter(|n| *n > 0)
                .ok_or_else(invalid_burst)?;
            limit.burst = n;
        }
        Ok(RateLimitSpec { provider, limit })
    }
}

impl fmt::Display for RateLimitSpec {
    /// `provider:RATE/s,burst=N` (`all:` for both), which parses back to an equal spec.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}/s,burst={}",
            provider_prefix(self.provider),
            self.limit.per_second,
            self.limit.burst
        )
    }
}

#[derive(Debug)]
struct Bucket {
    limit: RateLimit,
    tokens: f64,
    updated: Instant,
}

/// A request the rate limit turned away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limited {
    /// Whole seconds until a token is there (at least 1): the `Retry-After`.
    pub(crate) retry_after: u64,
    /// The limit in requests a minute, for `X-RateLimit-Limit`.
    pub(crate) per_minute: u64,
}

/// `Retry-After` when the rate admits nothing at all.
const NEVER_SECONDS: u64 = 86_400;

/// One provider's latency and rate limit, changeable while the sandbox runs.
#[derive(Debug, Default)]
pub(crate) struct Limits {
    latency_nanos: AtomicU64,
    bucket: Mutex<Option<Bucket>>,
    limited: AtomicU64,
    arrivals: Mutex<Arrivals>,
}

/// The arrivals of the last second, and the most there ever were.
#[derive(Debug, Default)]
struct Arrivals {
    /// Oldest first: the clock only moves forward.
    last_second: std::collections::VecDeque<Instant>,
    busiest: u64,
}

impl Arrivals {
    /// Counts an arrival at `now` in the window `(now - 1 s, now]`.
    fn record(&mut self, now: Instant) {
        while self
            .last_second
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= Duration::from_secs(1))
        {
            self.last_second.pop_front();
        }
        self.last_second.push_back(now);
        self.busiest = self.busiest.max(self.last_second.len() as u64);
    }
}

impl Limits {
    pub(crate) fn set_latency(&self, latency: Duration) {
        let nanos = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
        self.latency_nanos.store(nanos, Ordering::SeqCst);
    }

    pub(crate) fn latency(&self) -> Duration {
        Duration::from_nanos(self.latency_nanos.load(Ordering::SeqCst))
    }

    pub(crate) fn set_rate_limit(&self, limit: Option<RateLimit>) {
        let mut bucket = self.lock();
        *bucket = limit.map(|limit| Bucket {
            limit,
            tokens: f64::from(limit.burst.max(1)),
            updated: Instant::now(),
        });
    }

    /// Takes a token, or says how long until one is there; counts the arrival either way.
    pub(crate) fn admit(&self) -> Result<(), Limited> {
        self.arrivals
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .record(Instant::now());
        let mut guard = self.lock();
        let Some(bucket) = guard.as_mut() else {
            return Ok(());
        };
        let rate = bucket.limit.per_second;
        let per_minute = bucket.limit.per_minute_rounded();
        let burst = f64::from(bucket.limit.burst.max(1));
        let now = Instant::now();
        let elapsed = now.duration_since(bucket.updated).as_secs_f64();
        bucket.updated = now;
        let refill = if rate > 0.0 { elapsed * rate } else { 0.0 };
        bucket.tokens = (bucket.tokens + refill).min(burst);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        self.limited.fetch_add(1, Ordering::SeqCst);
        let wait = (1.0 - bucket.tokens) / rate;
        let retry_after = if wait.is_finite() && wait > 0.0 {
            (wait.ceil().min(NEVER_SECONDS as f64) as u64).max(1)
        } else if rate > 0.0 {
            1
        } else {
            NEVER_SECONDS
        };
        Err(Limited {
            retry_after,
            per_minute,
        })
    }

    pub(crate) fn limited(&self) -> u64 {
        self.limited.load(Ordering::SeqCst)
    }

    /// The most requests that arrived within one second, limited or not.
    pub(crate) fn busiest_second(&self) -> u64 {
        self.arrivals
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .busiest
    }

    fn lock(&self) -> MutexGuard<'_, Option<Bucket>> {
        self.bucket.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Both providers' limits.
#[derive(Debug, Default)]
pub(crate) struct ProviderLimits {
    asapp: Limits,
    autocalls: Limits,
}

impl ProviderLimits {
    pub(crate) fn of(&self, provider: Provider) -> &Limits {
        match provider {
            Provider::Asapp => &self.asapp,
            Provider::Autocalls => &self.autocalls,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retry(limits: &Limits) -> Option<u64> {
        limits.admit().err().map(|l| l.retry_after)
    }

    #[tokio::test(start_paused = true)]
    async fn the_bucket_refills_at_its_rate() {
        let limits = Limits::default();
        limits.set_rate_limit(Some(RateLimit::per_second(2).with_burst(2)));
        assert!(limits.admit().is_ok() && limits.admit().is_ok());
        assert_eq!(
            limits.admit(),
            Err(Limited {
                retry_after: 1,
                per_minute: 120
            })
        );
        tokio::time::advance(Duration::from_millis(500)).await;
        assert!(limits.admit().is_ok());
        assert_eq!(limits.limited(), 1);
        limits.set_rate_limit(None);
        assert!((0..100).all(|_| limits.admit().is_ok()));
    }

    #[tokio::test(start_paused = true)]
    async fn the_busiest_second_is_a_sliding_window() {
        let limits = Limits::default();
        let arrive = |n: usize| {
            for _ in 0..n {
                let _ = limits.admit();
            }
        };
        assert_eq!(limits.busiest_second(), 0);
        // Three at 0.6 s and three at 1.5 s: six within one second.
        tokio::time::advance(Duration::from_millis(600)).await;
        arrive(3);
        tokio::time::advance(Duration::from_millis(900)).await;
        arrive(3);
        assert_eq!(limits.busiest_second(), 6);
        // Four at 2.5 s: those of 1.5 s are a whole second old, out of the window.
        tokio::time::advance(Duration::from_millis(1000)).await;
        arrive(4);
        assert_eq!(limits.busiest_second(), 6);
        // Limited or not, every arrival counts.
        limits.set_rate_limit(Some(RateLimit::per_second(1).with_burst(1)));
        arrive(7);
        assert_eq!(limits.busiest_second(), 11);
        assert_eq!(limits.limited(), 6);
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_is_the_wait_for_a_token_rounded_up() {
        let limits = Limits::default();
        // One token every 4 seconds.
        limits.set_rate_limit(Some(RateLimit::per_minute(15)));
        assert!(limits.admit().is_ok());
        assert_eq!(retry(&limits), Some(4));
        tokio::time::advance(Duration::from_millis(1500)).await;
        assert_eq!(retry(&limits), Some(3)); // 2.5 s to go
        tokio::time::advance(Duration::from_millis(2499)).await;
        assert_eq!(retry(&limits), Some(1)); // 1 ms to go: at least 1
        tokio::time::advance(Duration::from_millis(1)).await;
        assert!(limits.admit().is_ok());
        assert_eq!(limits.limited(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn odd_limits_never_panic() {
        let limits = Limits::default();
        for limit in [
            RateLimit {
                per_second: 0.0,
                burst: 0,
            },
            RateLimit {
                per_second: f64::NAN,
                burst: 3,
            },
            RateLimit {
                per_second: -5.0,
                burst: 1,
            },
            RateLimit {
                per_second: f64::INFINITY,
                burst: u32::MAX,
            },
            RateLimit {
                per_second: 1e-300,
                burst: 1,
            },
        ] {
            limits.set_rate_limit(Some(limit));
            for _ in 0..3 {
                let _ = limits.admit();
            }
            tokio::time::advance(Duration::from_secs(3600)).await;
            let _ = limits.admit();
        }
        limits.set_rate_limit(Some(RateLimit {
            per_second: 0.0,
            burst: 1,
        }));
        assert!(limits.admit().is_ok());
        assert_eq!(retry(&limits), Some(NEVER_SECONDS));
    }

    #[test]
    fn latency_keeps_sub_millisecond_precision() {
        let limits = Limits::default();
        limits.set_latency(Duration::from_micros(1500));
        assert_eq!(limits.latency(), Duration::from_micros(1500));
        limits.set_latency(Duration::MAX);
        assert_eq!(limits.latency(), Duration::from_nanos(u64::MAX));
    }

    #[test]
    fn latency_specs() {
        let spec = |s: &str| s.parse::<LatencySpec>();
        assert_eq!(
            spec("autocalls:250ms"),
            Ok(LatencySpec {
                provider: Some(Provider::Autocalls),
                latency: Duration::from_millis(250)
            })
        );
        assert_eq!(
            spec("all:2s").map(|s| (s.provider, s.latency)),
            Ok((None, Duration::from_secs(2)))
        );
        assert_eq!(
            spec(" 75 ").map(|s| s.latency),
            Ok(Duration::from_millis(75))
        );
        assert_eq!(
            spec("ASAPP:1m").map(|s| s.latency),
            Ok(Duration::from_secs(60))
        );
        assert_eq!(
            spec("asapp:1m30s").map(|s| s.latency),
            Ok(Duration::from_secs(90))
        );
        assert_eq!(spec(""), Err(LimitSpecError::Empty));
        assert_eq!(
            spec("sms:5ms"),
            Err(LimitSpecError::UnknownProvider("sms".to_owned()))
        );
        assert_eq!(
            spec("asapp:5 minutes"),
            Err(LimitSpecError::InvalidDuration("5 minutes".to_owned()))
        );
        assert_eq!(
            spec("asapp:"),
            Err(LimitSpecError::InvalidDuration(String::new()))
        );
        for text in ["asapp:50ms", "all:0ms", "autocalls:2000ms"] {
            let parsed = spec(text).expect("valid");
            assert_eq!(parsed.to_string(), text);
            assert_eq!(spec(&parsed.to_string()), Ok(parsed));
        }
    }

    #[test]
    fn rate_limit_specs() {
        let spec = |s: &str| s.parse::<RateLimitSpec>();
        let limit = |s: &str| spec(s).map(|s| (s.limit.per_second, s.limit.burst));
        assert_eq!(limit("asapp:100/s"), Ok((100.0, 100)));
        assert_eq!(limit("asapp:100/s,burst=20"), Ok((100.0, 20)));
        assert_eq!(limit("asapp:100/s, burst = 20"), Ok((100.0, 20)));
        assert_eq!(limit("100"), Ok((100.0, 100)));
        assert_eq!(limit("autocalls:90/min"), Ok((1.5, 2)));
        assert_eq!(limit("autocalls:3600/h"), Ok((1.0, 1)));
        assert_eq!(limit("2.5/s"), Ok((2.5, 3)));
        assert_eq!(
            spec("asapp:5/s").map(|s| s.provider),
            Ok(Some(Provider::Asapp))
        );
        assert_eq!(spec("all:5/s").map(|s| s.provider), Ok(None));
        assert_eq!(spec("5/s").map(|s| s.providers().len()), Ok(2));
        for bad in [
            "asapp:0/s",
            "asapp:-1/s",
            "asapp:x/s",
            "asapp:5/day",
            "asapp:inf",
            "asapp:NaN/s",
            "asapp:",
        ] {
            assert!(
                matches!(spec(bad), Err(LimitSpecError::InvalidRate(_))),
                "{bad}: {:?}",
                spec(bad)
            );
        }
        for bad in [
            "asapp:5/s,burst=0",
            "asapp:5/s,burst=-1",
            "asapp:5/s,bursts=2",
            "asapp:5/s,",
            "asapp:5/s,burst=1.5",
        ] {
            assert!(
                matches!(spec(bad), Err(LimitSpecError::InvalidBurst(_))),
                "{bad}: {:?}",
                spec(bad)
            );
        }
        assert_eq!(
            spec("sms:5/s"),
            Err(LimitSpecError::UnknownProvider("sms".to_owned()))
        );
        assert_eq!(spec("  "), Err(LimitSpecError::Empty));
        for text in [
            "asapp:100/s,burst=20",
            "all:0.16666666666666666/s,burst=1",
            "autocalls:1/s,burst=1",
        ] {
            let parsed = spec(text).expect("valid");
            assert_eq!(parsed.to_string(), text);
            assert_eq!(spec(&parsed.to_string()), Ok(parsed));
        }
        assert_eq!(
            spec("all:10/m").map(|s| s.to_string()),
            Ok("all:0.16666666666666666/s,burst=1".to_owned())
        );
    }
}
