//! Retries, in one place: the policy every page fetch runs under, and `Retry-After` parsing.
//!
//! Backoff durations come from [`backon`]'s exponential builder (with jitter); this module
//! adds what backon does not know about: which [`Error`]s are worth retrying and the delay a
//! provider asks for in `Retry-After`.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use backon::{BackoffBuilder, ExponentialBuilder};

use conversations_core::{Error, Result};

/// How failed requests are retried: exponential backoff with jitter, bounded in attempts and
/// in total time, honoring `Retry-After`, and drawing on a [`RetryQuota`] shared by every
/// call of one client.
///
/// Only [retryable](Error::is_retryable) errors are retried (429, 5xx, transport); 400, 401,
/// 403, 404 and 422 never are. When the provider asked for a delay (`Retry-After`), the wait
/// is the longer of that and the backoff. The budget [`max_total_delay`](Self::max_total_delay)
/// counts all the time since the first attempt (attempts included, not only the waits): a wait
/// that would end past it is not made, and neither is one longer than
/// [`max_retry_after`](Self::max_retry_after) — the last error (a
/// [`RateLimited`](Error::RateLimited) with its `retry_after`, say) is returned at once, so
/// the caller can schedule. Arithmetic on server-sent delays saturates: no header value can
/// make it panic.
///
/// ```
/// use std::time::Duration;
/// use conversations_transport::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .max_attempts(5)
///     .initial_delay(Duration::from_millis(100))
///     .max_total_delay(Duration::from_secs(20));
/// assert_eq!(policy.attempts(), 5);
/// assert_eq!(RetryPolicy::none().attempts(), 1);
/// ```
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_delay: Duration,
    max_delay: Duration,
    max_total_delay: Duration,
    jitter: bool,
    honor_retry_after: bool,
    max_retry_after: Duration,
    quota: Option<Arc<RetryQuota>>,
}

impl PartialEq for RetryPolicy {
    fn eq(&self, other: &Self) -> bool {
        self.max_attempts == other.max_attempts
            && self.initial_delay == other.initial_delay
            && self.max_delay == other.max_delay
            && self.max_total_delay == other.max_total_delay
            && self.jitter == other.jitter
            && self.honor_retry_after == other.honor_retry_after
            && self.max_retry_after == other.max_retry_after
    }
}

impl Default for RetryPolicy {
    /// Four attempts, 250 ms initial delay doubling to at most 10 s, 30 s in total, with jitter,
    /// honoring `Retry-After` up to 30 s, no quota.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(10),
            max_total_delay: Duration::from_secs(30),
            jitter: true,
            honor_retry_after: true,
            max_retry_after: Duration::from_secs(30),
            quota: None,
        }
    }
}

/// A retry quota shared by every call of one client, so a storm of failures does not
/// multiply the load on a provider (aws-sdk-rust's standard retry mode is the model): a
/// retry takes 5 tokens (10 after a timeout or connection failure), a success gives 1 back
/// (a success after retries gives back what its retries took), up to the capacity. With the
/// bucket empty, failures are returned without retrying.
///
/// ```
/// use std::sync::Arc;
/// use conversations_transport::RetryQuota;
/// let quota = Arc::new(RetryQuota::new(10));
/// assert!(quota.try_take(5) && quota.try_take(5));
/// assert!(!quota.try_take(5), "empty: no more retries");
/// quota.give_back(5);
/// assert_eq!(quota.available(), 5);
/// ```
#[derive(Debug)]
pub struct RetryQuota {
    tokens: AtomicU32,
    capacity: u32,
}

/// Tokens a retry after an error response takes from a [`RetryQuota`].
pub const RETRY_COST: u32 = 5;
/// Tokens a retry after a timeout or connection failure takes from a [`RetryQuota`].
pub const TIMEOUT_RETRY_COST: u32 = 10;
/// The capacity of a client's [`RetryQuota`] unless told otherwise.
pub const DEFAULT_RETRY_QUOTA: u32 = 500;

impl RetryQuota {
    /// A full bucket of `capacity` tokens.
    pub fn new(capacity: u32) -> Self {
        Self {
            tokens: AtomicU32::new(capacity),
            capacity,
        }
    }

    /// Takes `cost` tokens if there are that many.
    pub fn try_take(&self, cost: u32) -> bool {
        self.tokens
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |t| t.checked_sub(cost))
            .is_ok()
    }

    /// Gives `amount` tokens back, up to the capacity.
    pub fn give_back(&self, amount: u32) {
        let capacity = self.capacity;
        let _ = self
            .tokens
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |t| {
                Some(t.saturating_add(amount).min(capacity))
            });
    }

    /// Tokens left.
    pub fn available(&self) -> u32 {
        self.tokens.load(Ordering::SeqCst)
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    ///
    /// ```
    /// assert_eq!(conversations_transport::RetryPolicy::none().attempts(), 1);
    /// ```
    pub fn none() -> Self {
        Self::default().max_attempts(1)
    }

    /// Attempts in all, the first included (at least 1).
    ///
    /// ```
    /// assert_eq!(conversations_transport::RetryPolicy::default().max_attempts(0).attempts(), 1);
    /// ```
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The first backoff delay; each later one doubles, up to [`max_delay`](Self::max_delay).
    ///
    /// ```
    /// use std::time::Duration;
    /// use conversations_core::{ApiErrorDetails, Error};
    /// use conversations_transport::RetryPolicy;
    /// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
    /// let policy = RetryPolicy::default().initial_delay(Duration::from_secs(1)).jitter(false);
    /// let started = tokio::time::Instant::now();
    /// let failed = policy.retry(|| async { Err::<(), _>(Error::from_status("p", ApiErrorDetails::new(503), None)) });
    /// assert!(failed.await.is_err());
    /// // Four attempts, three waits: 1 s, 2 s, 4 s (on Tokio's paused clock: no real wait).
    /// assert_eq!(started.elapsed(), Duration::from_secs(7));
    /// # });
    /// ```
    pub fn initial_delay(mut self, delay: Duration) -> Self {
        self.initial_delay = delay;
        self
    }

    /// The longest single backoff delay.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conversations_core::{ApiErrorDetails, Error};
    /// use conversations_transport::RetryPolicy;
    /// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
    /// let policy = RetryPolicy::default()
    ///     .initial_delay(Duration::from_secs(1))
    ///     .max_delay(Duration::from_secs(2))
    ///     .jitter(false);
    /// let started = tokio::time::Instant::now();
    /// let failed = policy.retry(|| async { Err::<(), _>(Error::from_status("p", ApiErrorDetails::new(503), None)) });
    /// assert!(failed.await.is_err());
    /// // Waits of 1 s, 2 s, then 2 s again instead of 4 s.
    /// assert_eq!(started.elapsed(), Duration::from_secs(5));
    /// # });
    /// ```
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The most time spent waiting between attempts, in all.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU32, Ordering};
    /// use std::time::Duration;
    /// use conversations_core::{ApiErrorDetails, Error};
    /// use conversations_transport::RetryPolicy;
    /// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
    /// let policy = RetryPolicy::default()
    ///     .initial_delay(Duration::from_secs(1))
    ///     .max_total_delay(Duration::from_secs(2))
    ///     .jitter(false);
    /// let calls = AtomicU32::new(0);
    /// let failed = policy.retry(|| async {
    ///     calls.fetch_add(1, Ordering::SeqCst);
    ///     Err::<(), _>(Error::from_status("p", ApiErrorDetails::new(503), None))
    /// });
    /// assert!(failed.await.is_err());
    /// // After a wait of 1 s, the next (2 s) would pass the 2 s in all: the error is returned.
    /// assert_eq!(calls.load(Ordering::SeqCst), 2);
    /// # });
    /// ```
    pub fn max_total_delay(mut self, delay: Duration) -> Self {
        self.max_total_delay = delay;
        self
    }

    /// Whether to add random jitter to backoff delays (on by default).
    ///
    /// ```
    /// use std::time::Duration;
    /// use conversations_core::{ApiErrorDetails, Error};
    /// use conversations_transport::RetryPolicy;
    /// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
    /// let policy = RetryPolicy::default().max_attempts(2).jitter(false);
    /// let started = tokio::time::Instant::now();
    /// let failed = policy.retry(|| async { Err::<(), _>(Error::from_status("p", ApiErrorDetails::new(503), None)) });
    /// assert!(failed.await.is_err());
    /// // Without jitter, the one wait is exactly the initial delay, 250 ms.
    /// assert_eq!(started.elapsed(), Duration::from_millis(250));
    /// # });
    /// ```
    pub fn jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// Whether to wait at least as long as a provider's `Retry-After` asks (on by default).
    ///
    /// ```
    /// use std::time::Duration;
    /// use conversations_core::{ApiErrorDetails, Error};
    /// use conversations_transport::RetryPolicy;
    /// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
    /// let slow_down = || async {
    ///     Err::<(), _>(Error::from_status("p", ApiErrorDetails::new(429), Some(Duration::from_secs(20))))
    /// };
    /// let policy = RetryPolicy::default().max_attempts(2).jitter(false);
    /// let started = tokio::time::Instant::now();
    /// assert!(policy.clone().retry(slow_down).await.is_err());
    /// assert_eq!(started.elapsed(), Duration::from_secs(20), "waited as asked");
    /// let started = tokio::time::Instant::now();
    /// assert!(policy.honor_retry_after(false).retry(slow_down).await.is_err());
    /// assert_eq!(started.elapsed(), Duration::from_millis(250), "its own backoff only");
    /// # });
    /// ```
    pub fn honor_retry_after(mut self, honor: bool) -> Self {
        self.honor_retry_after = honor;
        self
    }

    /// The longest `Retry-After` waited for (default 30 s); a provider asking for longer gets
    /// its error returned at once, with the delay it asked for, for the caller to schedule.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU32, Ordering};
    /// use std::time::Duration;
    /// use conversations_core::{ApiErrorDetails, Error};
    /// use conversations_transport::RetryPolicy;
    /// # tokio::runtime::Builder::new_current_thread().enable_time().start_paused(true).build().unwrap().block_on(async {
    /// let calls = AtomicU32::new(0);
    /// let policy = RetryPolicy::default().max_retry_after(Duration::from_secs(5));
    /// let error = policy
    ///     .retry(|| async {
    ///         calls.fetch_add(1, Ordering::SeqCst);
    ///         Err::<(), _>(Error::from_status("p", ApiErrorDetails::new(429), Some(Duration::from_secs(10))))
    ///     })
    ///     .await
    ///     .unwrap_err();
    /// assert_eq!(calls.load(Ordering::SeqCst), 1, "no retry");
    /// assert_eq!(error.retry_after(), Some(Duration::from_secs(10)), "for the caller to schedule");
    /// # });
    /// ```
    pub fn max_retry_after(mut self, delay: Duration) -> Self {
        self.max_retry_after = delay;
        self
    }

    /// The longest `Retry-After` waited for (see [`max_retry_after`](Self::max_retry_after)).
    ///
    /// ```
    /// assert_eq!(conversations_transport::RetryPolicy::default().retry_after_ceiling().as_secs(), 30);
    /// ```
    pub fn retry_after_ceiling(&self) -> Duration {
        self.max_retry_after
    }

    /// Draws every retry from `quota`, shared with the other calls of the same client.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use conversations_transport::{RetryPolicy, RetryQuota};
    /// let p = RetryPolicy::default().quota(Arc::new(RetryQuota::new(500)));
    /// assert!(p.retry_quota().is_some());
    /// ```
    pub fn quota(mut self, quota: Arc<RetryQuota>) -> Self {
        self.quota = Some(quota);
        self
    }

    /// The quota retries draw from, if any.
    ///
    /// ```
    /// assert!(conversations_transport::RetryPolicy::default().retry_quota().is_none());
    /// ```
    pub fn retry_quota(&self) -> Option<&Arc<RetryQuota>> {
        self.quota.as_ref()
    }

    /// The total time budget (see [`max_total_delay`](Self::max_total_delay)).
    ///
    /// ```
    /// assert_eq!(conversations_transport::RetryPolicy::default().budget().as_secs(), 30);
    /// ```
    pub fn budget(&self) -> Duration {
        self.max_total_delay
    }

    /// Attempts in all, the first included.
    ///
    /// ```
    /// assert_eq!(conversations_transport::RetryPolicy::default().attempts(), 4);
    /// ```
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    fn backoff(&self) -> impl Iterator<Item = Duration> {
        let builder = ExponentialBuilder::new()
            .with_min_delay(self.initial_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.max_attempts.saturating_sub(1) as usize);
        let builder = if self.jitter {
            builder.with_jitter()
        } else {
            builder
        };
        builder.build()
    }

    /// Runs `operation` until it succeeds, fails with an error that is not retryable, or the
    /// policy's attempts or total delay run out; then returns its last result.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU32, Ordering};
    /// use std::time::Duration;
    /// use conversations_core::{ApiErrorDetails, Error};
    /// use conversations_transport::RetryPolicy;
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let calls = AtomicU32::new(0);
    /// let policy = RetryPolicy::default().initial_delay(Duration::ZERO).jitter(false);
    /// let result = policy
    ///     .retry(|| async {
    ///         if calls.fetch_add(1, Ordering::SeqCst) < 2 {
    ///             Err(Error::from_status("p", ApiErrorDetails::new(503), None))
    ///         } else {
    ///             Ok("page")
    ///         }
    ///     })
    ///     .await;
    /// assert_eq!(result.unwrap(), "page");
    /// assert_eq!(calls.load(Ordering::SeqCst), 3);
    /// # });
    /// ```
    pub async fn retry<T, F, Fut>(&self, mut operation: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let mut backoff = self.backoff();
        let started = tokio::time::Instant::now();
        let mut taken = 0u32;
        loop {
            let error = match operation().await {
                Ok(value) => {
                    if let Some(quota) = &self.quota {
                        quota.give_back(if taken > 0 { taken } else { 1 });
                    }
                    return Ok(value);
                }
                Err(error) => error,
            };
            let Some(delay) = self.next_delay(&error, &mut backoff, started.elapsed()) else {
                return Err(error);
            };
            if let Some(quota) = &self.quota {
                let cost = if matches!(error, Error::Transport { .. }) {
                    TIMEOUT_RETRY_COST
                } else {
                    RETRY_COST
                };
                if !quota.try_take(cost) {
                    return Err(error);
                }
                taken = taken.saturating_add(cost);
            }
            tokio::time::sleep(delay).await;
        }
    }

    /// The wait before the next attempt after `error`, `elapsed` into the budget, or `None`
    /// to give up. Never adds server-sent durations: they are compared.
    fn next_delay(
        &self,
        error: &Error,
        backoff: &mut impl Iterator<Item = Duration>,
        elapsed: Duration,
    ) -> Option<Duration> {
        if !error.is_retryable() {
            return None;
        }
        let backoff_delay = backoff.next()?;
        let asked = error.retry_after().filter(|_| self.honor_retry_after);
        if asked.is_some_and(|asked| asked > self.max_retry_after) {
            return None;
        }
        let delay = asked.map_or(backoff_delay, |asked| asked.max(backoff_delay));
        let remaining = self.max_total_delay.saturating_sub(elapsed);
        (delay <= remaining).then_some(delay)
    }
}

/// Parses a `Retry-After` header value: delay-seconds (`"120"`) or an HTTP date
/// (`"Wed, 21 Oct 2015 07:28:00 GMT"`), relative to `now`.
///
/// Returns `None` for a value that is neither; a date in the past is a zero delay.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use conversations_transport::parse_retry_after;
///
/// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_470);
/// assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
/// assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now), Some(Duration::from_secs(10)));
/// assert_eq!(parse_retry_after("soon", now), None);
/// ```
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse::<u64>().ok().map(Duration::from_secs);
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;
    use conversations_core::ApiErrorDetails;

    fn status(code: u16, retry_after: Option<Duration>) -> Error {
        Error::from_status("p", ApiErrorDetails::new(code), retry_after)
    }

    fn fast() -> RetryPolicy {
        RetryPolicy::default()
            .initial_delay(Duration::from_millis(10))
            .jitter(false)
    }

    async fn count_calls(policy: &RetryPolicy, make: impl Fn() -> Error) -> (u32, Error) {
        let calls = AtomicU32::new(0);
        let err = policy
            .retry(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err::<(), _>(make())
            })
            .await
            .unwrap_err();
        (calls.load(Ordering::SeqCst), err)
    }

    #[tokio::test(start_paused = true)]
    async fn never_retries_client_errors() {
        for code in [400, 401, 403, 404, 422] {
            let (calls, err) = count_calls(&fast(), || status(code, None)).await;
            assert_eq!(calls, 1, "{code} was retried");
            assert_eq!(err.status(), Some(code));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn retries_retryable_errors_up_to_max_attempts() {
        for code in [429, 500, 502, 503] {
            let (calls, _) = count_calls(&fast().max_attempts(3), || status(code, None)).await;
            assert_eq!(calls, 3, "{code}");
        }
        let (calls, _) = count_calls(&fast().max_attempts(3), || {
            Error::transport("p", std::io::Error::other("reset"))
        })
        .await;
        assert_eq!(calls, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn honors_retry_after_and_total_budget() {
        let policy = fast()
            .max_attempts(10)
            .max_total_delay(Duration::from_secs(5));
        let start = tokio::time::Instant::now();
        // Each wait is 2 s (Retry-After beats the 10 ms backoff): 2 waits fit in 5 s, a third does not.
        let (calls, err) = count_calls(&policy, || status(429, Some(Duration::from_secs(2)))).await;
        assert_eq!(calls, 3);
        assert_eq!(start.elapsed(), Duration::from_secs(4));
        assert_eq!(err.retry_after(), Some(Duration::from_secs(2)));
    }

    #[tokio::test(start_paused = true)]
    async fn ignores_retry_after_when_told() {
        let policy = fast().max_attempts(2).honor_retry_after(false);
        let start = tokio::time::Instant::now();
        let (calls, _) = count_calls(&policy, || status(429, Some(Duration::from_secs(60)))).await;
        assert_eq!(calls, 2);
        assert!(start.elapsed() < Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn backoff_grows_exponentially_without_jitter() {
        let policy = fast().max_attempts(4);
        let start = tokio::time::Instant::now();
        let (calls, _) = count_calls(&policy, || status(503, None)).await;
        assert_eq!(calls, 4);
        // 10 + 20 + 40 ms.
        assert_eq!(start.elapsed(), Duration::from_millis(70));
    }

    #[tokio::test(start_paused = true)]
    async fn huge_retry_after_never_panics_and_returns_at_once() {
        for secs in [u64::MAX, u64::MAX / 2, 10_000_000_000] {
            // An earlier wait first, then the huge one: no Duration addition overflows.
            let calls = AtomicU32::new(0);
            let start = tokio::time::Instant::now();
            let err = fast()
                .max_attempts(5)
                .retry(|| async {
                    let n = calls.fetch_add(1, Ordering::SeqCst);
                    let asked = if n == 0 { 1 } else { secs };
                    Err::<(), _>(status(429, Some(Duration::from_secs(asked))))
                })
                .await
                .unwrap_err();
            assert_eq!(calls.load(Ordering::SeqCst), 2);
            assert_eq!(err.retry_after(), Some(Duration::from_secs(secs)));
            assert_eq!(start.elapsed(), Duration::from_secs(1));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_budget_counts_attempts_not_only_waits() {
        // Each attempt takes 10 s (a slow timeout): the 30 s budget allows no more than that.
        let calls = AtomicU32::new(0);
        let err = fast()
            .max_attempts(10)
            .retry(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_secs(10)).await;
                Err::<(), _>(Error::transport("p", std::io::Error::other("timed out")))
            })
            .await
            .unwrap_err();
        assert!(err.is_retryable());
        assert_eq!(
            calls.load(Ordering::SeqCst),
            3,
            "not ten: 3 x 10 s fill the budget"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_retry_after_past_the_ceiling_returns_at_once_for_the_caller_to_schedule() {
        let calls = AtomicU32::new(0);
        let err = RetryPolicy::default()
            .retry(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err::<(), _>(status(429, Some(Duration::from_secs(3600))))
            })
            .await
            .unwrap_err();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(
            matches!(err, Error::RateLimited { retry_after: Some(d), .. } if d.as_secs() == 3600)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_shared_quota_bounds_retries_across_calls() {
        let quota = Arc::new(RetryQuota::new(20));
        let policy = fast().max_attempts(10).quota(Arc::clone(&quota));
        let calls = AtomicU32::new(0);
        for _ in 0..3 {
            let _ = policy
                .retry(|| async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Err::<(), _>(status(503, None))
                })
                .await;
        }
        // 20 tokens pay for 4 retries in all (5 each): 3 first attempts + 4 retries.
        assert_eq!(calls.load(Ordering::SeqCst), 7);
        assert_eq!(quota.available(), 0);
        // A success gives a token back.
        policy.retry(|| async { Ok::<_, Error>(()) }).await.unwrap();
        assert_eq!(quota.available(), 1);
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("", now), None);
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            None,
            "overflow is not a delay"
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(Duration::ZERO),
            "a past date means now"
        );
    }
}
