//! Per-client rate limiting, shared by every call through one client: a request rate, a bound
//! on requests in flight, and adaptation to the provider — a 429 cuts the rate to 70% and the
//! rate climbs back gradually as requests succeed (AIMD, as TCP and aws-sdk-rust's adaptive
//! retry mode do), and a `Retry-After` pauses the whole client, not just the call that saw it.
//!
//! One pacer per client, never rebuilt: a GCRA (the algorithm of `governor`) whose period
//! changes in place when the rate adapts, so calls already waiting and calls to come share one
//! schedule. Each call reserves the next slot and sleeps until it (first come, first served),
//! and no slot is given that would put more than the rate's requests in any one-second window
//! (whatever the burst), so a server counting requests per second never sees more than the
//! rate. It runs on Tokio's clock: tests with paused time drive it exactly.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// How fast one client may send: requests per second (with a burst), requests in flight.
///
/// The rate holds over every one-second window: a burst lets requests after a quiet spell go
/// at once, never more than the rate within a second.
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

    /// At most `n` requests in any second (at least 1), evenly spaced (a burst of 1).
    ///
    /// ```
    /// use conversations_transport::RateLimit;
    /// assert_eq!(RateLimit::per_second(0), RateLimit::per_second(1));
    /// ```
    pub const fn per_second(n: u32) -> Self {
        let n = if n == 0 { 1 } else { n };
        Self {
            per_second: Some(n as f64),
            burst: 1,
            in_flight: None,
            adaptive: true,
        }
    }

    /// How many requests may go at once after a quiet spell (still no more than the rate in
    /// any one-second window).
    ///
    /// ```
    /// let limit = conversations_transport::RateLimit::per_second(100).burst(0);
    /// assert_eq!(limit, conversations_transport::RateLimit::per_second(100).burst(1));
    /// ```
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
    /// The rate now (`None`: unlimited) and the burst that goes with it (the configured one at
    /// the configured rate, 1 while slowed down).
    rate: Option<f64>,
    burst: u32,
    /// The GCRA's theoretical arrival time: when the next request would go at an even pace.
    next: Instant,
    successes: u32,
    paused_until: Option<Instant>,
    /// The slots given in the last second (oldest first; some may be still to come): the
    /// one-second window the rate holds over, and the rate to cut from when none is set.
    window: VecDeque<Instant>,
}

/// Held while a request is in flight.
pub(crate) struct Slot {
    _permit: Option<OwnedSemaphorePermit>,
}

const SECOND: Duration = Duration::from_secs(1);

impl Limiter {
    pub(crate) fn new(base: RateLimit, max_pause: Duration) -> Self {
        Self {
            base,
            max_pause,
            state: Mutex::new(State {
                rate: base.per_second,
                burst: base.burst,
                next: Instant::now(),
                successes: 0,
                paused_until: None,
                window: VecDeque::new(),
            }),
            in_flight: base.in_flight.map(|n| Arc::new(Semaphore::new(n))),
        }
    }

    /// Waits for a pause to end, a free slot, and this call's turn at the rate.
    pub(crate) async fn acquire(&self) -> Slot {
        self.wait_out_pause().await;
        let permit = match &self.in_flight {
            Some(semaphore) => Arc::clone(semaphore).acquire_owned().await.ok(),
            None => None,
        };
        loop {
            let now = Instant::now();
            let at = self.lock().reserve(now);
            // A slot due now is taken without a timer: a timer already due still costs a wake
            // of the runtime and a turn of its driver (two per request, +30% CPU on a listing
            // at no rate limit).
            if at > now {
                tokio::time::sleep_until(at).await;
            }
            // A 429 seen while this call waited pauses it too: its turn is given up (it still
            // counts in the window, which only makes the pace safer) and taken again after.
            if !self.wait_out_pause().await {
                break;
            }
        }
        Slot { _permit: permit }
    }

    /// Sleeps while the client is paused; whether it was.
    async fn wait_out_pause(&self) -> bool {
        let mut waited = false;
        loop {
            let paused = self.lock().paused_until.filter(|t| *t > Instant::now());
            match paused {
                Some(until) => tokio::time::sleep_until(until).await,
                None => return waited,
            }
            waited = true;
        }
    }

    /// Adapts to an answer: a 429 cuts the rate to 70% and pauses the client for its
    /// `Retry-After`; successes bring the rate back step by step. The pacer stays the same
    /// one: only its period changes.
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
            state.forget_before(now);
            let current = state
                .rate
                .unwrap_or_else(|| (state.window.len() as f64).max(1.0));
            // Multiplicative decrease, gentler than halving (aws-sdk-rust's adaptive mode uses
            // 0.7): one 429 in a thousand should not cost half the throughput.
            state.rate = Some((current * 0.7).max(MIN_RATE));
            state.burst = 1;
            state.successes = 0;
        } else if (200..300).contains(&status) {
            let Some(rate) = state.rate else { return };
            if self.base.per_second == Some(rate) {
                // At the configured rate already: nothing to recover.
                return;
            }
            state.successes += 1;
            if state.successes < RECOVER_EVERY {
                return;
            }
            state.successes = 0;
            let next = rate * 1.25 + 1.0;
            match self.base.per_second {
                Some(base) if next >= base => {
                    state.rate = Some(base);
                    state.burst = self.base.burst;
                }
                None if next >= 1000.0 => state.rate = None,
                _ => state.rate = Some(next),
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

impl State {
    /// The next free slot at or after `now`, taken: the GCRA's (at most `burst` early), moved
    /// later if it would be the rate's `n + 1`-th request within one second.
    fn reserve(&mut self, now: Instant) -> Instant {
        self.forget_before(now);
        let Some(rate) = self.rate else {
            self.window.push_back(now);
            return now;
        };
        let period = period(rate);
        let early = period.saturating_mul(self.burst.max(1) - 1);
        let mut at = now.max(self.next.checked_sub(early).unwrap_or(now));
        // Whole requests a second: 2.5/s allows 2 in any second, 0.25/s allows 1.
        let per_window = (rate.floor() as usize).max(1);
        if self.window.len() >= per_window {
            let oldest_in_window = self.window[self.window.len() - per_window];
            at = at.max(oldest_in_window + SECOND);
        }
        self.next = at.max(self.next) + period;
        self.window.push_back(at);
        while self.window.len() > per_window {
            self.window.pop_front();
        }
        at
    }

    /// Drops the slots that no window from `now` on can hold.
    fn forget_before(&mut self, now: Instant) {
        // Slots are given in order: drop the expired ones from the front, not a scan of all.
        while self
            .window
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= SECOND)
        {
            self.window.pop_front();
        }
    }
}

/// The time between two requests at `rate`, rounded up to the nanosecond so that `rate`
/// periods never fit in less than a second.
fn period(rate: f64) -> Duration {
    let nanos = (1e9 / rate.max(MIN_RATE)).ceil();
    Duration::from_nanos(nanos as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The most slots in any one-second window `[t, t + 1 s)` of `times` (sorted).
    fn busiest_second(times: &[Instant]) -> usize {
        let mut busiest = 0;
        let mut first = 0;
        for (i, t) in times.iter().enumerate() {
            while *t - times[first] >= SECOND {
                first += 1;
            }
            busiest = busiest.max(i + 1 - first);
        }
        busiest
    }

    /// `tasks` calls at once, each taking `each` turns and reporting `status` after each;
    /// the times of the turns, sorted.
    async fn run(limiter: Arc<Limiter>, tasks: usize, each: usize, status: u16) -> Vec<Instant> {
        let calls = (0..tasks).map(|_| {
            let limiter = Arc::clone(&limiter);
            tokio::spawn(async move {
                let mut times = Vec::new();
                for _ in 0..each {
                    let _slot = limiter.acquire().await;
                    times.push(Instant::now());
                    limiter.observe(status, None);
                }
                times
            })
        });
        let mut times: Vec<Instant> = futures::future::join_all(calls)
            .await
            .into_iter()
            .flat_map(Result::unwrap)
            .collect();
        times.sort();
        times
    }

    #[tokio::test(start_paused = true)]
    async fn successes_never_take_the_rate_past_one_window() {
        // The bug this replaced: every few successes built a new pacer with a fresh burst,
        // and calls still waiting on the old one ran beside it.
        let limiter = Arc::new(Limiter::new(RateLimit::per_second(100), SECOND * 60));
        let times = run(Arc::clone(&limiter), 32, 50, 200).await;
        assert_eq!(busiest_second(&times), 100);
        // And no slower than the rate: 1,600 turns, the first at once, one every 10 ms.
        assert_eq!(
            times[times.len() - 1] - times[0],
            Duration::from_millis(15_990)
        );
        assert_eq!(limiter.current_rate(), Some(100.0));
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_still_keeps_every_window() {
        let limiter = Arc::new(Limiter::new(
            RateLimit::per_second(10).burst(10),
            SECOND * 60,
        ));
        let times = run(limiter, 8, 10, 200).await;
        assert_eq!(busiest_second(&times), 10);
        // Ten at once, then the next ten a second later.
        assert_eq!(times[9], times[0]);
        assert_eq!(times[10] - times[0], SECOND);
    }

    #[tokio::test(start_paused = true)]
    async fn a_fractional_rate_keeps_its_whole_requests_a_second() {
        let mut state = State {
            rate: Some(2.5),
            burst: 1,
            next: Instant::now(),
            successes: 0,
            paused_until: None,
            window: VecDeque::new(),
        };
        let now = Instant::now();
        let times: Vec<Instant> = (0..20).map(|_| state.reserve(now)).collect();
        assert_eq!(busiest_second(&times), 2);
        assert_eq!(times[1] - times[0], Duration::from_millis(400));
        assert_eq!(times[2] - times[0], SECOND);
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_pauses_every_waiting_call_slows_them_and_they_recover() {
        let limiter = Arc::new(Limiter::new(RateLimit::per_second(100), SECOND * 60));
        let waiting = tokio::spawn(run(Arc::clone(&limiter), 32, 20, 200));
        tokio::time::sleep(Duration::from_millis(205)).await;
        let throttled = Instant::now();
        limiter.observe(429, Some(SECOND * 2));
        assert_eq!(limiter.current_rate(), Some(70.0));
        let times = waiting.await.unwrap();
        assert_eq!(times.len(), 640);
        // Nothing went while paused (turns reserved before the 429 included).
        let paused = throttled..throttled + SECOND * 2;
        assert!(times.iter().all(|t| !paused.contains(t)));
        assert!(busiest_second(&times) <= 100);
        // Successes brought the rate back to the configured one, and kept it there.
        assert_eq!(limiter.current_rate(), Some(100.0));
    }

    #[tokio::test(start_paused = true)]
    async fn unlimited_until_a_429_then_cut_from_what_was_sent() {
        let limiter = Arc::new(Limiter::new(RateLimit::unlimited(), SECOND * 60));
        let times = run(Arc::clone(&limiter), 4, 10, 200).await;
        assert_eq!(times[39], times[0], "no pacing without a rate");
        limiter.observe(429, None);
        assert_eq!(limiter.current_rate(), Some(28.0));
    }
}
