//! **The run**: where exactly-once is decided. A run gathers records into batches (small
//! first, [`FIRST_BATCH`], then doubling up to [`SyncOptions::batch_size`]) and hands each
//! to the [`Destination`] together with the stream's state *after* its last record — the
//! resume position — to commit in one transaction: both land or neither does. Batches commit
//! in the order they were handed over (a few may be in flight at once, and one that fails
//! stops the ones after it), so the position saved is always just after the last record
//! saved: a run killed at any moment and run again resumes there, nothing missing, nothing
//! twice. The state alone, with the run's counts and status, is committed last.
//!
//! The walks that feed a run are [`listing`](crate::listing) (a listing, down to a floor)
//! and [`lookups`](crate::lookups) (ids from a file).
//!
//! ## Records that share a key
//!
//! A row's key is the provider's id as text, so two records of one run may map to one row
//! with different bytes (an id sent as the number `5000001` and as the string `"5000001"`).
//! The later one is written; the run counts it ([`RunCounts::collisions`]), says so in a
//! notice (and the stream's saved message), and notes it on the row kept
//! (`id`, `Found::DuplicateKey`, `NoteAction::Kept`). Identical bytes sent twice are no
//! collision.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use conversations_core::{
    Conversation, DEFAULT_LOOKUP_CONCURRENCY, DecodeNote, Documented, Found, NoteAction,
};
use tokio::sync::watch;

use crate::collisions::Collisions;
use crate::destination::{Batch, Commit, Destination};
use crate::error::SyncError;
use crate::notice::Notice;
use crate::row::Row;
use crate::state::{Resume, RunCounts, StreamKey, StreamState, StreamStatus};
use crate::store::plus;

/// The records of a run's first batch (or [`SyncOptions::batch_size`], if smaller); each
/// batch after it holds twice as many as the one before, up to the batch size.
///
/// ```
/// // With the default 5,000: batches of 500, 1,000, 2,000, 4,000, then 5,000 each.
/// assert_eq!(conversations_sync::FIRST_BATCH, 500);
/// ```
pub const FIRST_BATCH: usize = 500;

/// How a sync runs.
///
/// ```
/// let options = conversations_sync::SyncOptions::default();
/// assert_eq!(options.batch_size, 5000);
/// assert_eq!(options.lookback, std::time::Duration::from_secs(3 * 86_400));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SyncOptions {
    /// Records per transaction (rows and position commit together), at most. A run's first
    /// batches are smaller — [`FIRST_BATCH`] records, then twice as many each time up to
    /// this — so the database starts writing while the first pages are still arriving.
    pub batch_size: usize,
    /// How far before the last walk's high-water mark an incremental walk still looks, for
    /// conversations still being updated.
    pub lookback: Duration,
    /// Walk everything, ignoring the high-water mark (an unfinished full walk still resumes).
    pub full_refresh: bool,
    /// Lookups in flight at once in a lookup sync ([`sync_lookup`](crate::sync_lookup)); the client's rate limit
    /// still sets the pace.
    pub lookup_concurrency: usize,
    /// Look up again the ids of the list that the stream recorded as refused for good
    /// ([`StreamState::failed`]); without it they are skipped.
    pub retry_failed: bool,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            batch_size: 5000,
            lookback: Duration::from_secs(3 * 86_400),
            full_refresh: false,
            lookup_concurrency: DEFAULT_LOOKUP_CONCURRENCY,
            retry_failed: false,
        }
    }
}

impl SyncOptions {
    /// Sets [`batch_size`](Self::batch_size) (at least 1).
    ///
    /// ```
    /// assert_eq!(conversations_sync::SyncOptions::default().batch_size(0).batch_size, 1);
    /// ```
    pub fn batch_size(mut self, n: usize) -> Self {
        self.batch_size = n.max(1);
        self
    }

    /// Sets [`lookback`](Self::lookback).
    ///
    /// ```
    /// use std::time::Duration;
    /// let o = conversations_sync::SyncOptions::default().lookback(Duration::from_secs(3600));
    /// assert_eq!(o.lookback.as_secs(), 3600);
    /// ```
    pub fn lookback(mut self, lookback: Duration) -> Self {
        self.lookback = lookback;
        self
    }

    /// Sets [`lookup_concurrency`](Self::lookup_concurrency) (at least 1).
    ///
    /// ```
    /// let o = conversations_sync::SyncOptions::default().lookup_concurrency(0);
    /// assert_eq!(o.lookup_concurrency, 1);
    /// ```
    pub fn lookup_concurrency(mut self, n: usize) -> Self {
        self.lookup_concurrency = n.max(1);
        self
    }

    /// Sets [`full_refresh`](Self::full_refresh).
    ///
    /// ```
    /// assert!(conversations_sync::SyncOptions::default().full_refresh(true).full_refresh);
    /// ```
    pub fn full_refresh(mut self, full: bool) -> Self {
        self.full_refresh = full;
        self
    }

    /// Sets [`retry_failed`](Self::retry_failed).
    ///
    /// ```
    /// assert!(conversations_sync::SyncOptions::default().retry_failed(true).retry_failed);
    /// ```
    pub fn retry_failed(mut self, retry: bool) -> Self {
        self.retry_failed = retry;
        self
    }
}

/// Told what a sync is doing, as it does it (progress bars, machine-readable lines).
pub trait Observer: Send {
    /// A page (or a lookup) arrived; `totals` are the run's counts so far.
    fn fetched(&mut self, _key: &StreamKey, _totals: &RunCounts) {}
    /// A batch of `records` committed (rows and position together); `totals` are the run's.
    fn committed(&mut self, _key: &StreamKey, _records: u64, _totals: &RunCounts) {}
    /// Something the user should know: a resume, a broken order, where the walk stopped.
    fn notice(&mut self, _key: &StreamKey, _notice: &Notice) {}
}

/// An observer that ignores everything.
///
/// ```
/// let _quiet = conversations_sync::Quiet;
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct Quiet;

impl Observer for Quiet {}

/// How a run ended.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// Everything was fetched and committed.
    Complete,
    /// Interrupted (Ctrl-C): what was fetched is committed; the same command resumes.
    Interrupted,
    /// The provider failed after its retries: what was fetched is committed; the same
    /// command resumes from there.
    Failed(SyncError),
}

/// What a run did.
#[derive(Debug)]
pub struct Summary {
    /// The stream.
    pub key: StreamKey,
    /// The run's counts.
    pub counts: RunCounts,
    /// How long it took.
    pub duration: Duration,
    /// How it ended.
    pub outcome: Outcome,
    /// What the user should know (also passed to [`Observer::notice`]).
    pub notices: Vec<Notice>,
}

/// A signal to stop: send `true` and the sync commits what it fetched and returns
/// [`Outcome::Interrupted`].
pub type Interrupt = watch::Receiver<bool>;

/// A run in progress: the stream's state as saved, and what is not committed yet.
pub(crate) struct Run<'a> {
    dest: &'a mut dyn Destination,
    /// The name rows are filed under.
    name: Arc<str>,
    pub(crate) state: StreamState,
    pub(crate) observer: &'a mut dyn Observer,
    notices: Vec<Notice>,
    rows: Vec<Row>,
    /// The records the batch being gathered holds when full (see [`FIRST_BATCH`]).
    limit: usize,
    /// The most any batch holds.
    batch_size: usize,
    started: Instant,
    /// Whether a batch of this run was started already.
    began: bool,
    /// The batches committing now, oldest first, with their record counts.
    pending: VecDeque<(u64, Commit)>,
    /// The run's keys, to find records that replace another of other bytes.
    collisions: Collisions,
}

impl<'a> Run<'a> {
    pub(crate) async fn start(
        dest: &'a mut dyn Destination,
        name: Arc<str>,
        key: StreamKey,
        options: &SyncOptions,
        observer: &'a mut dyn Observer,
    ) -> Result<(Self, Option<Resume>), SyncError> {
        let mut state = dest
            .load(&key)
            .await?
            .unwrap_or_else(|| StreamState::new(key.clone()));
        let mut discarded = false;
        let resume = match state.resume.take() {
            // A full refresh starts the stream over: a position it cannot read is discarded
            // (the advice the error gives).
            Some(Resume::Unreadable { .. }) if options.full_refresh => {
                discarded = true;
                None
            }
            Some(Resume::Unreadable { error, .. }) => {
                return Err(SyncError::BadState {
                    target: dest.target().to_owned(),
                    stream: key.to_string(),
                    message: error,
                });
            }
            resume => resume,
        };
        state.status = StreamStatus::Running;
        state.started_at = Some(Utc::now());
        state.finished_at = None;
        state.counts = RunCounts::default();
        state.message = None;
        let mut run = Self {
            dest,
            name,
            state,
            observer,
            notices: Vec::new(),
            rows: Vec::new(),
            limit: FIRST_BATCH.min(options.batch_size).max(1),
            batch_size: options.batch_size.max(1),
            started: Instant::now(),
            began: false,
            pending: VecDeque::new(),
            collisions: Collisions::default(),
        };
        if discarded {
            run.notice(Notice::PositionDiscarded);
        }
        Ok((run, resume))
    }

    pub(crate) fn notice(&mut self, notice: impl Into<Notice>) {
        let notice = notice.into();
        self.observer.notice(&self.state.key, &notice);
        self.notices.push(notice);
    }

    /// Takes the next record of the run. One whose key an earlier record of the run had,
    /// with other bytes, is counted as a collision and noted (`id`, [`Found::DuplicateKey`],
    /// [`NoteAction::Kept`]): it is the copy written (the last of a key in a batch, and
    /// batches commit in order), so its row says it replaced another.
    pub(crate) fn add(&mut self, conversation: Conversation) {
        self.state.counts.records += 1;
        if conversation.has_notes() {
            self.state.counts.with_notes += 1;
        }
        let mut row = Row::new(conversation, &self.name);
        if self.collisions.differs(row.key(), row.fingerprint()) {
            self.state.counts.collisions += 1;
            row.note(DecodeNote::new(
                "id",
                Documented::String,
                Found::DuplicateKey,
                NoteAction::Kept,
            ));
        }
        self.rows.push(row);
    }

    /// Whether the batch being gathered is full.
    pub(crate) fn full(&self) -> bool {
        self.rows.len() >= self.limit
    }

    /// Commits the pending rows with `resume` as the stream's position: once fewer batches
    /// than the store takes at once are committing (waiting for the oldest otherwise), starts
    /// this one, which runs while the walk goes on.
    pub(crate) async fn commit(&mut self, resume: Option<&Resume>) -> Result<(), SyncError> {
        while self.pending.len() >= self.dest.in_flight().max(1) {
            self.settle_oldest().await?;
        }
        self.state.resume = resume.cloned();
        if !self.rows.is_empty() {
            self.limit = self.limit.saturating_mul(2).min(self.batch_size);
        }
        // The next batch's rows go straight into room for all of them: no regrowing.
        let rows = std::mem::replace(&mut self.rows, Vec::with_capacity(self.limit));
        let records = rows.len() as u64;
        let first = !self.began;
        self.began = true;
        let batch = Batch {
            rows,
            state: self.state.clone(),
            first,
        };
        self.pending.push_back((records, self.dest.commit(batch)));
        Ok(())
    }

    /// Waits for the oldest batch committing now, if any. If it failed, the batches after it
    /// (which then write nothing) are waited for too before the error is returned: a run
    /// leaves nothing of its own still talking to the database when it ends.
    async fn settle_oldest(&mut self) -> Result<(), SyncError> {
        if let Some((records, commit)) = self.pending.pop_front() {
            let written = match commit.await {
                Ok(written) => written,
                Err(e) => {
                    for (_, later) in self.pending.drain(..) {
                        let _ = later.await;
                    }
                    return Err(e);
                }
            };
            self.state.counts = plus(self.state.counts, written);
            self.observer
                .committed(&self.state.key, records, &self.state.counts);
        }
        Ok(())
    }

    /// Waits for every batch committing now.
    async fn settle(&mut self) -> Result<(), SyncError> {
        while !self.pending.is_empty() {
            self.settle_oldest().await?;
        }
        Ok(())
    }

    /// Commits what is pending, then the final status.
    pub(crate) async fn finish(
        mut self,
        resume: Option<&Resume>,
        outcome: Outcome,
    ) -> Result<Summary, SyncError> {
        // The last rows go like any batch (still `running`), beside the ones committing;
        // the state alone follows once all have, carrying the run's counts and its end.
        if !self.rows.is_empty() {
            self.commit(resume).await?;
        }
        let collided = (self.state.counts.collisions > 0)
            .then(|| collision_notice(self.state.counts.collisions));
        if let Some(text) = &collided {
            self.notice(text.clone());
        }
        self.state.status = match &outcome {
            Outcome::Complete => StreamStatus::Complete,
            Outcome::Interrupted => StreamStatus::Interrupted,
            Outcome::Failed(_) => StreamStatus::Failed,
        };
        self.state.finished_at = Some(Utc::now());
        if let Outcome::Failed(e) = &outcome {
            // The error first; the collisions of what was committed still said.
            self.state.message = Some(match &collided {
                Some(text) => format!("{e}; {text}"),
                None => e.to_string(),
            });
        } else if !self.notices.is_empty() {
            let said: Vec<String> = self.notices.iter().map(Notice::to_string).collect();
            self.state.message = Some(said.join("; "));
        }
        // Every batch settled first: the last state saved carries the run's counts.
        self.settle().await?;
        self.commit(resume).await?;
        self.settle().await?;
        Ok(Summary {
            key: self.state.key.clone(),
            counts: self.state.counts,
            duration: self.started.elapsed(),
            outcome,
            notices: self.notices,
        })
    }
}

/// What a run says of its records that replaced another of their key with other bytes (in
/// its notices, and in the stream's saved message).
fn collision_notice(n: u64) -> String {
    if n == 1 {
        "1 record shared a key with another record of this run whose bytes differ; the last \
         one was kept (see its notes)"
            .to_owned()
    } else {
        format!(
            "{n} records shared a key with another record of this run whose bytes differ; the \
             last one was kept (see their notes)"
        )
    }
}

pub(crate) async fn interrupted(interrupt: &mut Interrupt) {
    if interrupt.wait_for(|stop| *stop).await.is_err() {
        // The sender is gone: nobody can interrupt any more.
        futures::future::pending::<()>().await;
    }
}
