//! What request handlers share: the data set being served, credentials, the fault plan,
//! limits and counters ([`AppState`]), and how a request's fate is drawn from them
//! ([`draw_fault`]) before a handler answers it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use crate::config::Credentials;
use crate::dataset::Dataset;
use crate::faults::{Fault, Faults};
use crate::limits::{Limited, ProviderLimits};
use crate::prng::SplitMix64;
use crate::provider::Provider;

/// Everything request handlers share.
pub(crate) struct AppState {
    /// The data set as generated at start ([`Sandbox::dataset`](crate::Sandbox::dataset)).
    initial: Arc<Dataset>,
    /// The data set being served: replaced, never changed in place, by each mutation.
    current: RwLock<Arc<Dataset>>,
    pub(crate) credentials: Credentials,
    pub(crate) faults: Faults,
    /// `<autocalls base URL>/user/conversations`, served in the `path` field.
    pub(crate) autocalls_path: String,
    asapp_requests: AtomicU64,
    autocalls_requests: AtomicU64,
    request_ids: AtomicU64,
    seed: u64,
    pub(crate) limits: ProviderLimits,
}

impl AppState {
    /// The state of a sandbox serving `dataset`, with no request counted yet and no limits.
    pub(crate) fn new(
        dataset: Arc<Dataset>,
        credentials: Credentials,
        faults: Faults,
        autocalls_path: String,
        seed: u64,
    ) -> AppState {
        AppState {
            current: RwLock::new(Arc::clone(&dataset)),
            initial: dataset,
            credentials,
            faults,
            autocalls_path,
            asapp_requests: AtomicU64::new(0),
            autocalls_requests: AtomicU64::new(0),
            request_ids: AtomicU64::new(0),
            seed,
            limits: ProviderLimits::default(),
        }
    }

    /// The data set as generated at start.
    pub(crate) fn initial(&self) -> &Dataset {
        &self.initial
    }

    /// Counts a request received by `provider`.
    pub(crate) fn count(&self, provider: Provider) {
        self.counter(provider).fetch_add(1, Ordering::SeqCst);
    }

    /// How many requests `provider` has received.
    pub(crate) fn requests(&self, provider: Provider) -> u64 {
        self.counter(provider).load(Ordering::SeqCst)
    }

    fn counter(&self, provider: Provider) -> &AtomicU64 {
        match provider {
            Provider::Asapp => &self.asapp_requests,
            Provider::Autocalls => &self.autocalls_requests,
        }
    }

    /// The data set being served now. Cheap (a reference count); a request holds its snapshot
    /// to the end, so a concurrent mutation never changes a page being cut.
    pub(crate) fn snapshot(&self) -> Arc<Dataset> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Applies `change` to a new version of the data set and serves that version from then on
    /// if `changed` says the result changed something.
    pub(crate) fn change<R>(
        &self,
        change: impl FnOnce(&mut Dataset) -> R,
        changed: impl FnOnce(&R) -> bool,
    ) -> R {
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        let mut next = current.next_version();
        let result = change(&mut next);
        if changed(&result) {
            *current = Arc::new(next);
        }
        result
    }

    /// A fresh UUID-shaped request id (deterministic per sandbox seed and request number).
    pub(crate) fn next_request_id(&self) -> String {
        let n = self.request_ids.fetch_add(1, Ordering::SeqCst);
        SplitMix64::new(self.seed ^ n.wrapping_mul(0xA076_1D64_78BD_642F)).uuid()
    }
}

/// What a handler should do about the request, once any latency or delay has elapsed.
pub(crate) enum FaultOutcome {
    /// Answer normally.
    Proceed,
    /// Answer normally, but loop the cursor (Autocalls).
    CursorLoop,
    /// The rate limit turned the request away: answer 429.
    Limited(Limited),
    /// Answer with this fault instead.
    Fail(Fault),
}

/// Decides the fate of a request to `provider`: the rate limit judges it on arrival, the
/// provider's latency then passes (whatever the answer), then the fault plan is drawn (unless
/// the limit turned it away), sleeping for [`Fault::Delay`].
pub(crate) async fn draw_fault(state: &AppState, provider: Provider) -> FaultOutcome {
    let limits = state.limits.of(provider);
    let admitted = limits.admit();
    let latency = limits.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if let Err(limited) = admitted {
        return FaultOutcome::Limited(limited);
    }
    match state.faults.take(provider) {
        None => FaultOutcome::Proceed,
        Some(Fault::Delay(d)) => {
            tokio::time::sleep(d).await;
            FaultOutcome::Proceed
        }
        Some(Fault::CursorLoop) => FaultOutcome::CursorLoop,
        Some(fault) => FaultOutcome::Fail(fault),
    }
}
