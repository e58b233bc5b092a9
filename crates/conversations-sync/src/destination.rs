//! [`Destination`]: where a run writes — a database ([`Store`]), or anything else that can
//! commit a batch of records together with the stream's state (a Singer tap or Airbyte
//! source writing RECORD and STATE messages, say). Exactly-once rests on that one promise:
//! the records of a batch and the state that covers them land together, or neither does,
//! and batches land in the order the run hands them over.

use futures::future::BoxFuture;

use crate::error::SyncError;
use crate::row::Row;
use crate::state::{StreamKey, StreamState};
use crate::store::{Store, Written};

/// A batch's commit, running: awaited by the run in the order the batches were handed over.
pub type Commit = BoxFuture<'static, Result<Written, SyncError>>;

/// One batch of a run: the records fetched since the last batch, and the stream's state once
/// they are in (its [`resume`](StreamState::resume) position is just after the last of them).
#[derive(Debug)]
#[non_exhaustive]
pub struct Batch {
    /// The records, in the order they were fetched (a key may come twice: the later copy is
    /// the newer).
    pub rows: Vec<Row>,
    /// The stream's state to save with them.
    pub state: StreamState,
    /// Whether this is the run's first batch (it waits for no batch of an earlier run).
    pub first: bool,
}

/// Where a run writes: loads a stream's saved state when a run starts, and commits each
/// batch of records together with the state that covers them.
///
/// The run ([`sync_listing_into`](crate::sync_listing_into),
/// [`sync_lookup_into`](crate::sync_lookup_into)) hands batches over in order and awaits
/// their [`Commit`]s in that order, keeping at most [`in_flight`](Self::in_flight) going at
/// once. A destination must either write a batch's records and its state both, or neither;
/// then a run killed at any moment and run again from the last saved state gives what one
/// clean run would: nothing missing, nothing twice (records may be written again, so write
/// them by key).
///
/// An in-memory destination, collecting records and states (as a tap would write RECORD and
/// STATE messages), resuming where its last state says:
///
/// ```
/// use std::sync::Arc;
/// use conversations_core::{ConversationQuery, ConversationSource, MemorySource, async_trait};
/// use conversations_sync::{
///     Batch, Commit, Destination, Quiet, StreamKey, StreamState, StreamStatus, SyncError,
///     SyncOptions, Written, sync_listing_into,
/// };
///
/// #[derive(Default)]
/// struct Collect {
///     records: Vec<String>,
///     states: Vec<StreamState>,
/// }
///
/// #[async_trait]
/// impl Destination for Collect {
///     fn target(&self) -> &str {
///         "memory"
///     }
///
///     async fn load(&mut self, key: &StreamKey) -> Result<Option<StreamState>, SyncError> {
///         Ok(self.states.iter().rev().find(|s| &s.key == key).cloned())
///     }
///
///     fn commit(&mut self, batch: Batch) -> Commit {
///         let inserted = batch.rows.len() as u64;
///         self.records.extend(batch.rows.iter().map(|r| r.key().to_owned()));
///         // A STATE message, as a tap would write it.
///         let _message = serde_json::to_string(&batch.state).unwrap();
///         self.states.push(batch.state);
///         Box::pin(async move { Ok(Written { inserted, ..Written::default() }) })
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let source: Arc<dyn ConversationSource> = Arc::new(MemorySource::demo(25));
/// let mut into = Collect::default();
/// let (_stop, interrupt) = tokio::sync::watch::channel(false);
/// let options = SyncOptions::default().batch_size(10);
/// let summary = sync_listing_into(&mut into, source, ConversationQuery::new(), &options, &mut Quiet, interrupt)
///     .await?;
/// assert_eq!(summary.counts.inserted, 25);
/// assert_eq!(into.records.len(), 25);
/// let last = into.states.last().unwrap();
/// assert_eq!((last.status, last.resume.is_none()), (StreamStatus::Complete, true));
/// assert!(last.high_water.is_some());
/// # Ok::<(), SyncError>(())
/// # }).unwrap();
/// ```
#[async_trait::async_trait]
pub trait Destination: Send {
    /// What the destination is, for messages (a database's target, password redacted).
    fn target(&self) -> &str;

    /// The state last saved for `key`; `None` for a stream never synced.
    async fn load(&mut self, key: &StreamKey) -> Result<Option<StreamState>, SyncError>;

    /// How many batches may be committing at once (1: each waits for the one before).
    fn in_flight(&self) -> usize {
        1
    }

    /// Starts committing `batch`: its records and its state in one go, after the batches
    /// handed over before it (a batch after one that failed writes nothing). The work may
    /// run on while the walk goes on; the returned future says how it ended.
    fn commit(&mut self, batch: Batch) -> Commit;
}

/// A [`Store`] as a destination, owned or borrowed: each call is the store's own method.
macro_rules! store_destination {
    ($ty:ty) => {
        #[async_trait::async_trait]
        impl Destination for $ty {
            fn target(&self) -> &str {
                Store::target(self)
            }

            async fn load(&mut self, key: &StreamKey) -> Result<Option<StreamState>, SyncError> {
                Store::load(self, key).await
            }

            fn in_flight(&self) -> usize {
                Store::in_flight(self)
            }

            fn commit(&mut self, batch: Batch) -> Commit {
                self.spawn_commit(batch.rows, &batch.state, batch.first)
            }
        }
    };
}

store_destination!(Store);
store_destination!(&Store);
