//! Per-client rate limiting, shared by every call through one client: a request rate (paced by
//! `governor`'s GCRA), a bound on requests in flight, and adaptation to the provider — a 429
//! cuts the rate to 70% and the rate climbs back gradually as requests succeed (AIMD, as TCP and
//! aws-sdk-rust's adaptive retry mode do), and a `Retry-After` pauses the whole client, not
//! just the call that saw it.

use std::collections::VecDeque;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// How fast one client may send: requests per second (with a burst), requests in flight.
///
/// ```
/// use conversations_transport::RateLimit;
/// let limit = RateLimit::per_second(100).burst(10).in_flight(32);
/// assert_eq!(limit.rate(), Some(100.0));
/// assert_eq!(RateLimit::unlimited().rate(), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    per_second: Option<f64>,
    burst: u32,
    in_flight: Option<usize>,
    adaptive: bool,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self::unlimited()
    }
}

/// The slowest an adaptive client goes after repeated 429s: a request every 4 seconds.
const MIN_RATE: f64 = 0.25;
/// Successes between two steps of recovery after a 429.
const RECOVER_EVERY: u32 = 5;

impl RateLimit {
    /// No rate of our own (429s still slow the client down, adaptively).
    pub const fn unlimited() -> Self {
        Self {
            per_second: None,
            burst: 1,
            in_flight: None,
            adaptive: true,
        }
    }

    /// At most `n` requests per second (a burst of a tenth of that, at least 1).
    pub const fn per_second(n: u32) -> Self {
        let n = if n == 0 { 1 } else { n };
        Self {
            per_second: Some(n as f64),
            burst: if n >= 10 { n / 10 } else { 1 },
            in_flight: None,
            adaptive: true,
        }
    }

    /// How many requests may go at once after a quiet spell.
    pub fn burst(mut self, burst: u32) -> Self {
        self.burst = burst.max(1);
        self
    }

    /// At most `n` requests in flight at once.
    pub fn in_flight(mut self, n: usize) -> Self {
        self.in_flight = Some(n.max(1));
        self
    }

    /// Whether 429s slow the client down and pause it (on by default). Off, the rate stays
    /// what it is configured to be.
    pub fn adaptive(mut self, adaptive: bool) -> Self {
        self.adaptive = adaptive;
        self
    }

    /// The configured rate, if any.
    pub fn rate(&self) -> Option<f64> {
        self.per_second
    }
}

/// The limiter a transport holds; shared by its clones.
pub(crate) struct Limiter {
    base: RateLimit,
    /// The longest `Retry-After` that pauses the client; a longer one fails its call at once
    /// (the caller schedules) and does not freeze the others.
    max_pause: Duration,
    state: Mutex<State>,
    in_flight: Option<Arc<Semaphore>>,
}

struct State {
    /// The rate now (`None`: unlimited), and its pacer.
    rate: Option<f64>,
    pacer: Option<Arc<DefaultDirectRateLimiter>>,
    successes: u32,
    paused_until: Option<Instant>,
    /// Requests started in the last second (oldest first), for a rate to cut from when none
    /// is configured.
    started: VecDeque<Instant>,
}

/// Held while a request is in flight.
pub(crate) struct Slot {
    _permit: Option<OwnedSemaphorePermit>,
}

impl Limiter {
    pub(crate) fn new(base: RateLimit, max_pause: Duration) -> Self {
        Self {
            base,
            max_pause,
            state: Mutex::new(State {
                rate: base.per_second,
                pacer: base.per_second.map(|r| pacer(r, base.burst)),
                successes: 0,
                paused_until: None,
                started: VecDeque::new(),
            }),
            in_flight: base.in_flight.map(|n| Arc::new(Semaphore::new(n))),
        }
    }

    /// Waits for a pause to end, a free slot, and the pacer.
    pub(crate) async fn acquire(&self) -> Slot {
        loop {
            let paused = self.lock().paused_until.filter(|t| *t > Instant::now());
            match paused {
                Some(until) => tokio::time::sleep_until(until).await,
                None => break,
            }
        }
        let permit = match &self.in_flight {
            Some(semaphore) => Arc::clone(semaphore).acquire_owned().await.ok(),
            None => None,
        };
        let pacer = self.lock().pacer.clone();
        if let Some(pacer) = pacer {
            pacer.until_ready().await;
        }
        let mut state = self.lock();
        let now = Instant::now();
        // Times arrive in order: drop the expired ones from the front, not a scan of all.
        while state
            .started
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
        {
            state.started.pop_front();
        }
        state.started.push_back(now);
        Slot { _permit: permit }
    }

    /// Adapts to an answer: a 429 cuts the rate to 70% and pauses the client for its
    /// `Retry-After`; successes bring the rate back step by step.
    pub(crate) fn observe(&self, status: u16, retry_after: Option<Duration>) {
        if !self.base.adaptive {
            return;
        }
        let mut state = self.lock();
        if status == 429 {
            let now = Instant::now();
            if let Some(delay) = retry_after.filter(|d| *d <= self.max_pause)
                && let Some(until) = now.checked_add(delay)
            {
                state.paused_until = Some(state.paused_until.map_or(until, |t| t.max(until)));
            }
            let current = state
                .rate
                .unwrap_or_else(|| (state.started.len() as f64).max(1.0));
            // Multiplicative decrease, gentler than halving (aws-sdk-rust's adaptive mode uses
            // 0.7): one 429 in a thousand should not cost half the throughput.
            let halved = (current * 0.7).max(MIN_RATE);
            state.rate = Some(halved);
            state.pacer = Some(pacer(halved, 1));
            state.successes = 0;
        } else if (200..300).contains(&status) {
            let Some(rate) = state.rate else { return };
            state.successes += 1;
            if state.successes < RECOVER_EVERY {
                return;
            }
            state.successes = 0;
            let next = rate * 1.25 + 1.0;
            match self.base.per_second {
                Some(base) if next >= base => {
                    state.rate = Some(base);
                    state.pacer = Some(pacer(base, self.base.burst));
                }
                None if next >= 1000.0 => {
                    state.rate = None;
                    state.pacer = None;
                }
                _ => {
                    state.rate = Some(next);
                    state.pacer = Some(pacer(next, 1));
                }
            }
        }
    }

    /// The rate now, in requests per second (`None`: unlimited).
    pub(crate) fn current_rate(&self) -> Option<f64> {
        self.lock().rate
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn pacer(rate: f64, burst: u32) -> Arc<DefaultDirectRateLimiter> {
    let period = Duration::from_secs_f64(1.0 / rate.max(MIN_RATE));
    let quota = Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN));
    Arc::new(RateLimiter::direct(quota))
}
