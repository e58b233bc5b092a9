//! Fault injection: make the next requests (or all of them) fail the way real services fail.
//!
//! [`Faults`] holds, per provider, a FIFO queue of one-shot faults and an optional standing
//! fault. Each request to a provider's endpoint takes the front of that provider's queue; when
//! the queue is empty the standing fault (set with [`Faults::always`]) applies, if any.
//!
//! [`FaultSpec`] parses the textual form used by `conversations sandbox serve --fault`, in
//! the grammar latency and rate-limit specs share (the provider prefix, durations):
//!
//! ```text
//! spec     = [provider ":"] fault ["*" times]
//! provider = "asapp" | "autocalls" | "all"            (omitted: both providers)
//! fault    = "429" ["=" retry] | "rate-limited" ["=" retry]
//!          | "503" | "unavailable"
//!          | "500" .. "599" (other than 503) | "server-error" ["=" status]
//!          | "401" | "unauthorized"
//!          | "delay=" duration                      (duration: a bare number is ms, else
//!                                                    humantime's: 250ms, 2s, 1m, 1m30s)
//!          | "cursor-loop"                          (Autocalls only)
//! retry    = seconds | "none" | "date:" seconds     (Retry-After: delta-seconds, absent, or an
//!                                                    HTTP-date that many seconds after parsing)
//! times    = a positive integer                     (omitted: always, until cleared)
//! ```
//!
//! Examples: `autocalls:429*2`, `asapp:503`, `429=none*1`, `autocalls:502*3`,
//! `all:delay=150ms`, `autocalls:cursor-loop`.

use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use crate::provider::Provider;
use crate::spec::{PrefixError, parse_duration, split_provider};

/// The value of a `Retry-After` header sent with [`Fault::RateLimited`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// `Retry-After: <seconds>`.
    Seconds(u64),
    /// `Retry-After: <HTTP-date>`, e.g. `Wed, 21 Oct 2026 07:28:00 GMT`.
    HttpDate(SystemTime),
    /// No `Retry-After` header at all.
    None,
}

/// One way a request can fail (or be slowed down).
///
/// ```
/// use std::time::Duration;
/// use conversations_sandbox::{Fault, RetryAfter};
///
/// let faults = [
///     Fault::RateLimited { retry_after: RetryAfter::Seconds(2) },
///     Fault::Unavailable,
///     Fault::ServerError { status: 502 },
///     Fault::Delay(Duration::from_millis(5)),
///     Fault::CursorLoop,
///     Fault::Unauthorized,
/// ];
/// assert_eq!(faults.len(), 6);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `429 Too Many Requests` with the provider's error body and, unless
    /// [`RetryAfter::None`], a `Retry-After` header.
    RateLimited {
        /// What the `Retry-After` header says.
        retry_after: RetryAfter,
    },
    /// `503 Service Unavailable` with the provider's error body.
    Unavailable,
    /// An error status. `502` and `504` answer with an HTML page, as a gateway in front of the
    /// service would; other statuses answer with the provider's JSON error body. A `status`
    /// outside `400..=599` is served as `500`.
    ServerError {
        /// The HTTP status code to answer with.
        status: u16,
    },
    /// Wait this long, then answer normally (authentication and validation included).
    Delay(Duration),
    /// Autocalls only (ASAPP answers normally): answer normally, but with `next_cursor` equal to
    /// the `cursor` the request sent. A request without a cursor gets the normal first page,
    /// whose `next_cursor` then comes back unchanged forever while the fault lasts.
    CursorLoop,
    /// `401` with the provider's error body, whatever the credentials.
    Unauthorized,
}

/// How many requests a [`FaultSpec`] applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultTimes {
    /// The next `n` requests to the provider (queued behind faults already injected).
    Next(u32),
    /// Every request until [`Faults::clear`].
    Always,
}

/// A fault, the provider(s) it targets and how often: the parsed form of `autocalls:429*2`.
///
/// See the [module syntax](self) for the grammar.
///
/// ```
/// use conversations_sandbox::{Fault, FaultSpec, FaultTimes, Provider, RetryAfter};
///
/// let spec: FaultSpec = "autocalls:429*2".parse()?;
/// assert_eq!(spec.provider, Some(Provider::Autocalls));
/// assert_eq!(spec.fault, Fault::RateLimited { retry_after: RetryAfter::Seconds(1) });
/// assert_eq!(spec.times, FaultTimes::Next(2));
///
/// let spec: FaultSpec = "delay=250ms".parse()?;
/// assert_eq!(spec.provider, None); // both providers
/// assert_eq!(spec.times, FaultTimes::Always);
///
/// assert!("asapp:cursor-loop".parse::<FaultSpec>().is_err());
/// # Ok::<(), conversations_sandbox::FaultSpecError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultSpec {
    /// The provider whose endpoint misbehaves; `None` for both.
    pub provider: Option<Provider>,
    /// What goes wrong.
    pub fault: Fault,
    /// For how many requests.
    pub times: FaultTimes,
}

impl FaultSpec {
    /// Installs this spec into `faults` (queues it, or makes it the standing fault).
    ///
    /// With no provider, the fault applies to both, except [`Fault::CursorLoop`], which only
    /// Autocalls can exhibit.
    ///
    /// ```
    /// use conversations_sandbox::{FaultSpec, Faults, Provider};
    ///
    /// let faults = Faults::new();
    /// "503*2".parse::<FaultSpec>()?.apply_to(&faults);
    /// assert_eq!(faults.queued(Provider::Asapp), 2);
    /// assert_eq!(faults.queued(Provider::Autocalls), 2);
    /// # Ok::<(), conversations_sandbox::FaultSpecError>(())
    /// ```
    pub fn apply_to(&self, faults: &Faults) {
        let targets = match (self.provider, self.fault) {
            (Some(p), _) => [Some(p), None],
            (None, Fault::CursorLoop) => [Some(Provider::Autocalls), None],
            (None, _) => [Some(Provider::Asapp), Some(Provider::Autocalls)],
        };
        for p in targets.into_iter().flatten() {
            match self.times {
                FaultTimes::Next(n) => faults.inject(p, self.fault, n),
                FaultTimes::Always => faults.always(p, self.fault),
            }
        }
    }
}

/// Why a fault spec string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultSpecError {
    /// The string was empty (or only whitespace).
    #[error("empty fault spec")]
    Empty,
    /// The part before `:` is not `asapp`, `autocalls` or `all`.
    #[error("unknown provider `{0}` (expected `asapp`, `autocalls` or `all`)")]
    UnknownProvider(String),
    /// The fault name is not one of the documented ones.
    #[error(
        "unknown fault `{0}` (expected 429, rate-limited, 503, unavailable, 5xx, server-error, 401, unauthorized, delay=DURATION or cursor-loop)"
    )]
    UnknownFault(String),
    /// A server-error status outside `500..=599`.
    #[error("invalid server-error status `{0}` (expected 500..=599)")]
    InvalidStatus(String),
    /// The `Retry-After` part after `429=` is not seconds, `none` or `date:SECONDS`.
    #[error("invalid retry-after `{0}` (expected SECONDS, `none` or `date:SECONDS`)")]
    InvalidRetryAfter(String),
    /// The duration after `delay=` is not like `250ms`, `2s`, `1m`, `1m30s` or `250`.
    #[error("invalid delay `{0}` (expected e.g. 250ms, 2s, 1m, or a number of milliseconds)")]
    InvalidDuration(String),
    /// The count after `*` is not a positive integer.
    #[error("invalid count `{0}` after `*` (expected a positive integer)")]
    InvalidTimes(String),
    /// The fault cannot happen on that provider (`cursor-loop` on ASAPP, which has no cursors).
    #[error("fault `{fault}` is not supported by {provider}")]
    Unsupported {
        /// The fault as written.
        fault: String,
        /// The provider it was aimed at.
        provider: Provider,
    },
}

impl FromStr for FaultSpec {
    type Err = FaultSpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (provider, rest) = split_provider(s)?;
        let (fault_text, times) = match rest.rsplit_once('*') {
            Some((fault, count)) => {
                let n = count
                    .trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| FaultSpecError::InvalidTimes(count.to_owned()))?;
                (fault, FaultTimes::Next(n))
            }
            None => (rest, FaultTimes::Always),
        };
        let fault = fault_text.parse::<Fault>()?;
        if fault == Fault::CursorLoop && provider == Some(Provider::Asapp) {
            return Err(FaultSpecError::Unsupported {
                fault: fault_text.trim().to_owned(),
                provider: Provider::Asapp,
            });
        }
        Ok(FaultSpec {
            provider,
            fault,
            times,
        })
    }
}

impl FromStr for Fault {
    type Err = FaultSpecError;

    /// Parses the `fault` part of the [spec syntax](self), e.g. `429=5` or `delay=20ms`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Err(FaultSpecError::Empty);
        }
        let (name, arg) = match s.split_once('=') {
            Some((name, arg)) => (name.trim().to_ascii_lowercase(), Some(arg.trim())),
            None => (s.to_ascii_lowercase(), None),
        };
        let no_arg = |fault: Fault| match arg {
            None => Ok(fault),
            Some(_) => Err(FaultSpecError::UnknownFault(s.to_owned())),
        };
        match name.as_str() {
            "429" | "rate-limited" => Ok(Fault::RateLimited {
                retry_after: match arg {
                    None => RetryAfter::Seconds(1),
                    Some(a) => parse_retry_after(a)?,
                },
            }),
            "503" | "unavailable" => no_arg(Fault::Unavailable),
            "401" | "unauthorized" => no_arg(Fault::Unauthorized),
            "cursor-loop" => no_arg(Fault::CursorLoop),
            "delay" => match arg {
                Some(a) => parse_duration(a)
                    .map(Fault::Delay)
                    .ok_or_else(|| FaultSpecError::InvalidDuration(a.to_owned())),
                None => Err(FaultSpecError::InvalidDuration(String::new())),
            },
            "server-error" => match arg {
                None => Ok(Fault::ServerError { status: 500 }),
                Some(a) => parse_server_status(a),
            },
            n if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => match arg {
                None => parse_server_status(n),
                Some(_) => Err(FaultSpecError::UnknownFault(s.to_owned())),
            },
            _ => Err(FaultSpecError::UnknownFault(s.to_owned())),
        }
    }
}

fn parse_server_status(s: &str) -> Result<Fault, FaultSpecError> {
    match s.parse::<u16>() {
        Ok(503) => Ok(Fault::Unavailable),
        Ok(status @ 500..=599) => Ok(Fault::ServerError { status }),
        _ => Err(FaultSpecError::InvalidStatus(s.to_owned())),
    }
}

fn parse_retry_after(s: &str) -> Result<RetryAfter, FaultSpecError> {
    let invalid = || FaultSpecError::InvalidRetryAfter(s.to_owned());
    if s.eq_ignore_ascii_case("none") {
        return Ok(RetryAfter::None);
    }
    if let Some(secs) = s.strip_prefix("date:") {
        let secs: u64 = secs.trim().parse().map_err(|_| invalid())?;
        let at = SystemTime::now()
            .checked_add(Duration::from_secs(secs))
            .ok_or_else(invalid)?;
        return Ok(RetryAfter::HttpDate(at));
    }
    s.parse().map(RetryAfter::Seconds).map_err(|_| invalid())
}

impl From<PrefixError> for FaultSpecError {
    fn from(e: PrefixError) -> Self {
        match e {
            PrefixError::Empty => FaultSpecError::Empty,
            PrefixError::UnknownProvider(p) => FaultSpecError::UnknownProvider(p),
        }
    }
}

#[derive(Debug, Default)]
struct ProviderFaults {
    queue: VecDeque<(Fault, u32)>,
    always: Option<Fault>,
}

impl ProviderFaults {
    fn take(&mut self) -> Option<Fault> {
        if let Some((fault, remaining)) = self.queue.front_mut() {
            let fault = *fault;
            *remaining -= 1;
            if *remaining == 0 {
                self.queue.pop_front();
            }
            return Some(fault);
        }
        self.always
    }
}

#[derive(Debug, Default)]
struct State {
    asapp: ProviderFaults,
    autocalls: ProviderFaults,
}

impl State {
    fn provider(&mut self, provider: Provider) -> &mut ProviderFaults {
        match provider {
            Provider::Asapp => &mut self.asapp,
            Provider::Autocalls => &mut self.autocalls,
        }
    }
}

/// The runtime-switchable fault plan of a sandbox; see [`Sandbox::faults`](crate::Sandbox::faults).
///
/// Thread-safe: tests may change it while requests are in flight. A change affects requests
/// that arrive after it.
///
/// ```
/// use std::time::Duration;
/// use conversations_sandbox::{Fault, Faults, Provider};
///
/// let faults = Faults::new();
/// faults.inject(Provider::Autocalls, Fault::Unavailable, 2);
/// faults.inject(Provider::Autocalls, Fault::Unauthorized, 1);
/// faults.always(Provider::Autocalls, Fault::Delay(Duration::from_millis(1)));
/// assert_eq!(faults.queued(Provider::Autocalls), 3);
/// faults.clear();
/// assert_eq!(faults.queued(Provider::Autocalls), 0);
/// ```
#[derive(Debug, Default)]
pub struct Faults {
    state: Mutex<State>,
}

impl Faults {
    /// An empty fault plan: every request is answered normally.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the queues inconsistent; keep going.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Makes the next `times` requests to `provider` get `fault`, after any faults already
    /// queued for it (FIFO). `times == 0` does nothing.
    pub fn inject(&self, provider: Provider, fault: Fault, times: u32) {
        if times > 0 {
            self.lock()
                .provider(provider)
                .queue
                .push_back((fault, times));
        }
    }

    /// Makes every request to `provider` get `fault` (once its queue is empty) until
    /// [`clear`](Self::clear). Replaces a previous standing fault for that provider.
    pub fn always(&self, provider: Provider, fault: Fault) {
        self.lock().provider(provider).always = Some(fault);
    }

    /// Removes every queued and standing fault of both providers.
    pub fn clear(&self) {
        *self.lock() = State::default();
    }

    /// Removes every queued and standing fault of one provider.
    pub fn clear_provider(&self, provider: Provider) {
        *self.lock().provider(provider) = ProviderFaults::default();
    }

    /// How many one-shot faults are still queued for `provider` (standing faults not counted).
    pub fn queued(&self, provider: Provider) -> u64 {
        self.lock()
            .provider(provider)
            .queue
            .iter()
            .map(|(_, n)| u64::from(*n))
            .sum()
    }

    /// Takes the fault for the request that just arrived, if any.
    pub(crate) fn take(&self, provider: Provider) -> Option<Fault> {
        self.lock().provider(provider).take()
    }
}

impl fmt::Display for FaultSpec {
    /// The canonical [spec syntax](self), e.g. `autocalls:429=1*2` or `all:503`; parsing it
    /// gives back an equal spec, except that an HTTP-date `Retry-After` is shown as `date`
    /// and delays are shown in whole milliseconds.
    ///
    /// ```
    /// use conversations_sandbox::FaultSpec;
    ///
    /// let spec: FaultSpec = "autocalls:429*2".parse()?;
    /// assert_eq!(spec.to_string(), "autocalls:429=1*2");
    /// assert_eq!(spec.to_string().parse::<FaultSpec>()?, spec);
    /// # Ok::<(), conversations_sandbox::FaultSpecError>(())
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.provider {
            Some(p) => write!(f, "{p}:{}", self.fault)?,
            None => write!(f, "all:{}", self.fault)?,
        }
        match self.times {
            FaultTimes::Next(n) => write!(f, "*{n}"),
            FaultTimes::Always => Ok(()),
        }
    }
}

impl fmt::Display for Fault {
    /// The [spec syntax](self) for this fault (an HTTP-date retry is shown as `date`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::RateLimited {
                retry_after: RetryAfter::Seconds(s),
            } => write!(f, "429={s}"),
            Fault::RateLimited {
                retry_after: RetryAfter::HttpDate(_),
            } => write!(f, "429=date"),
            Fault::RateLimited {
                retry_after: RetryAfter::None,
            } => write!(f, "429=none"),
            Fault::Unavailable => write!(f, "503"),
            Fault::ServerError { status } => write!(f, "{status}"),
            Fault::Delay(d) => write!(f, "delay={}ms", d.as_millis()),
            Fault::CursorLoop => write!(f, "cursor-loop"),
            Fault::Unauthorized => write!(f, "401"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(s: &str) -> Result<FaultSpec, FaultSpecError> {
        s.parse()
    }

    #[test]
    fn parses_the_documented_examples() {
        assert_eq!(
            spec("autocalls:429*2"),
            Ok(FaultSpec {
                provider: Some(Provider::Autocalls),
                fault: Fault::RateLimited {
                    retry_after: RetryAfter::Seconds(1)
                },
                times: FaultTimes::Next(2),
            })
        );
        assert_eq!(spec("asapp:503").map(|s| s.fault), Ok(Fault::Unavailable));
        assert_eq!(
            spec("429=none*1").map(|s| (s.provider, s.fault)),
            Ok((
                None,
                Fault::RateLimited {
                    retry_after: RetryAfter::None
                }
            ))
        );
        assert_eq!(
            spec("autocalls:502*3").map(|s| s.fault),
            Ok(Fault::ServerError { status: 502 })
        );
        assert_eq!(
            spec("all:delay=150ms").map(|s| s.fault),
            Ok(Fault::Delay(Duration::from_millis(150)))
        );
        assert_eq!(
            spec("autocalls:cursor-loop").map(|s| s.fault),
            Ok(Fault::CursorLoop)
        );
        assert_eq!(
            spec("AUTOCALLS:Unauthorized").map(|s| s.fault),
            Ok(Fault::Unauthorized)
        );
        assert_eq!(
            spec("server-error=504").map(|s| s.fault),
            Ok(Fault::ServerError { status: 504 })
        );
        assert_eq!(
            spec("delay=2s").map(|s| s.fault),
            Ok(Fault::Delay(Duration::from_secs(2)))
        );
        assert_eq!(
            spec("delay=1m").map(|s| s.fault),
            Ok(Fault::Delay(Duration::from_secs(60)))
        );
        assert_eq!(
            spec("delay=7").map(|s| s.fault),
            Ok(Fault::Delay(Duration::from_millis(7)))
        );
        // humantime's forms, as latency specs take them.
        assert_eq!(
            spec("autocalls:delay=1m30s*2").map(|s| (s.provider, s.fault)),
            Ok((
                Some(Provider::Autocalls),
                Fault::Delay(Duration::from_secs(90))
            ))
        );
        assert!(matches!(
            spec("autocalls:429=date:30*1").map(|s| s.fault),
            Ok(Fault::RateLimited {
                retry_after: RetryAfter::HttpDate(_)
            })
        ));
        assert_eq!(spec("429=date:30").map(|s| s.provider), Ok(None));
    }

    #[test]
    fn rejects_with_typed_errors() {
        assert_eq!(spec(""), Err(FaultSpecError::Empty));
        assert_eq!(spec("  "), Err(FaultSpecError::Empty));
        assert!(matches!(
            spec("asap:429"),
            Err(FaultSpecError::UnknownProvider(_))
        ));
        assert!(matches!(
            spec("autocalls:teapot"),
            Err(FaultSpecError::UnknownFault(_))
        ));
        assert!(matches!(spec("418"), Err(FaultSpecError::InvalidStatus(_))));
        assert!(matches!(
            spec("99999999"),
            Err(FaultSpecError::InvalidStatus(_))
        ));
        assert!(matches!(
            spec("429=soon"),
            Err(FaultSpecError::InvalidRetryAfter(_))
        ));
        assert!(matches!(
            spec("429=date:x"),
            Err(FaultSpecError::InvalidRetryAfter(_))
        ));
        assert!(matches!(
            spec("delay=fast"),
            Err(FaultSpecError::InvalidDuration(_))
        ));
        assert!(matches!(
            spec("delay"),
            Err(FaultSpecError::InvalidDuration(_))
        ));
        assert!(matches!(
            spec("delay=99999999999999999999m"),
            Err(FaultSpecError::InvalidDuration(_))
        ));
        assert!(matches!(
            spec("429*0"),
            Err(FaultSpecError::InvalidTimes(_))
        ));
        assert!(matches!(
            spec("429*many"),
            Err(FaultSpecError::InvalidTimes(_))
        ));
        assert!(matches!(
            spec("503=3"),
            Err(FaultSpecError::UnknownFault(_))
        ));
        assert!(matches!(
            spec("asapp:cursor-loop*2"),
            Err(FaultSpecError::Unsupported { .. })
        ));
        let message = spec("asap:429")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(message.contains("asap"), "{message}");
    }

    #[test]
    fn queue_is_fifo_then_standing_fault() {
        let faults = Faults::new();
        faults.always(Provider::Asapp, Fault::Unauthorized);
        faults.inject(Provider::Asapp, Fault::Unavailable, 2);
        faults.inject(Provider::Asapp, Fault::CursorLoop, 0);
        faults.inject(Provider::Asapp, Fault::ServerError { status: 500 }, 1);
        assert_eq!(faults.take(Provider::Autocalls), None);
        assert_eq!(faults.take(Provider::Asapp), Some(Fault::Unavailable));
        assert_eq!(faults.take(Provider::Asapp), Some(Fault::Unavailable));
        assert_eq!(
            faults.take(Provider::Asapp),
            Some(Fault::ServerError { status: 500 })
        );
        assert_eq!(faults.take(Provider::Asapp), Some(Fault::Unauthorized));
        assert_eq!(faults.take(Provider::Asapp), Some(Fault::Unauthorized));
        faults.clear_provider(Provider::Asapp);
        assert_eq!(faults.take(Provider::Asapp), None);
    }

    #[test]
    fn provider_less_cursor_loop_targets_autocalls_only() {
        let faults = Faults::new();
        spec("cursor-loop*1").expect("valid").apply_to(&faults);
        assert_eq!(faults.queued(Provider::Asapp), 0);
        assert_eq!(faults.queued(Provider::Autocalls), 1);
    }

    #[test]
    fn display_round_trips() {
        for text in [
            "429=3",
            "429=none",
            "503",
            "502",
            "delay=20ms",
            "cursor-loop",
            "401",
        ] {
            let fault: Fault = text.parse().expect("valid");
            assert_eq!(fault.to_string(), text);
        }
    }
}
