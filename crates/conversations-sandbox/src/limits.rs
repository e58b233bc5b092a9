//! Realistic servers: a per-provider latency added before each answer, and a real rate limit
//! per provider (a token bucket; beyond it, the provider's own 429 with `Retry-After` in whole
//! seconds), so tests and benchmarks meet servers that push back.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use crate::Provider;

/// A token bucket: `per_second` tokens a second, at most `burst` saved up.
///
/// ```
/// use conversations_sandbox::RateLimit;
/// let limit = RateLimit::per_second(100);
/// assert_eq!(limit.burst, 100);
/// assert_eq!(RateLimit::per_second(10).with_burst(1).burst, 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Tokens added each second.
    pub per_second: f64,
    /// The most tokens saved up (requests allowed at once after a quiet spell).
    pub burst: u32,
}

impl RateLimit {
    /// `n` requests a second, with a burst of `n`.
    pub fn per_second(n: u32) -> Self {
        Self {
            per_second: f64::from(n.max(1)),
            burst: n.max(1),
        }
    }

    /// The same rate with another burst (at least 1).
    pub fn with_burst(mut self, burst: u32) -> Self {
        self.burst = burst.max(1);
        self
    }
}

#[derive(Debug)]
struct Bucket {
    limit: RateLimit,
    tokens: f64,
    updated: Instant,
}

/// One provider's latency and rate limit, changeable while the sandbox runs.
#[derive(Debug, Default)]
pub(crate) struct Limits {
    latency_ms: AtomicU64,
    bucket: Mutex<Option<Bucket>>,
    limited: AtomicU64,
}

impl Limits {
    pub(crate) fn set_latency(&self, latency: Duration) {
        let ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        self.latency_ms.store(ms, Ordering::SeqCst);
    }

    pub(crate) fn latency(&self) -> Duration {
        Duration::from_millis(self.latency_ms.load(Ordering::SeqCst))
    }

    pub(crate) fn set_rate_limit(&self, limit: Option<RateLimit>) {
        let mut bucket = self.lock();
        *bucket = limit.map(|limit| Bucket {
            limit,
            tokens: f64::from(limit.burst),
            updated: Instant::now(),
        });
    }

    /// Takes a token, or says how many whole seconds until one is there (at least 1).
    pub(crate) fn admit(&self) -> Result<(), u64> {
        let mut guard = self.lock();
        let Some(bucket) = guard.as_mut() else {
            return Ok(());
        };
        let now = Instant::now();
        let elapsed = now.duration_since(bucket.updated).as_secs_f64();
        bucket.updated = now;
        bucket.tokens =
            (bucket.tokens + elapsed * bucket.limit.per_second).min(f64::from(bucket.limit.burst));
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        self.limited.fetch_add(1, Ordering::SeqCst);
        let wait = (1.0 - bucket.tokens) / bucket.limit.per_second;
        Err((wait.ceil() as u64).max(1))
    }

    pub(crate) fn limited(&self) -> u64 {
        self.limited.load(Ordering::SeqCst)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Bucket>> {
        self.bucket
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
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

    #[tokio::test(start_paused = true)]
    async fn the_bucket_refills_at_its_rate() {
        let limits = Limits::default();
        limits.set_rate_limit(Some(RateLimit::per_second(2).with_burst(2)));
        assert!(limits.admit().is_ok() && limits.admit().is_ok());
        assert_eq!(limits.admit(), Err(1));
        tokio::time::advance(Duration::from_millis(500)).await;
        assert!(limits.admit().is_ok());
        assert_eq!(limits.limited(), 1);
        limits.set_rate_limit(None);
        assert!((0..100).all(|_| limits.admit().is_ok()));
    }
}
