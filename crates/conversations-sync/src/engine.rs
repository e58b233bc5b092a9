//! The sync itself: walk a listing (or look ids up), and commit every batch of rows together
//! with the stream's resume position, so a run killed at any moment resumes exactly where its
//! last commit left it.
//!
//! ## A listing walk, incremental
//!
//! A listing is walked page by page from the top. When the stream has a finished walk
//! behind it, the new walk gets a *floor*: that walk's high-water mark (newest `created_at`)
//! less the lookback. The walk stops at the first record created before the floor — the
//! listing is newest first, so everything after it is older still — and fetches the next page
//! ahead of time only while the current page's last record is still above the floor, so an
//! incremental run asks for exactly the pages the lookback spans. The floor is fixed when a
//! walk starts and saved with its position: a killed incremental run resumes from its
//! position and still stops at the same floor; a killed first (full) run resumes as a full
//! walk. The high-water mark moves only when a walk finishes.
//!
//! The order is not documented, so it is checked on every record (`created_at` never
//! increasing). Where it breaks, the floor is dropped: the walk goes on to the end (a full
//! walk), and the run says so.
//!
//! ## Records that share a key
//!
//! A row's key is the provider's id as text, so two records of one run may map to one row
//! with different bytes (an id sent as the number `5000001` and as the string `"5000001"`).
//! The later one is written; the run counts it ([`RunCounts::collisions`]), says so in a
//! notice (and the stream's saved message), and notes it on the row kept
//! (`id`, `Found::DuplicateKey`, `NoteAction::Kept`). Identical bytes sent twice are no
//! collision.
//!
//! ## Lookups
//!
//! A lookup stream (ids from a file) looks each distinct id up once through core's
//! [`Lookup`] (bounded concurrency; the client's rate limit sets the pace), taking the
//! answers in the order of the ids, and commits every batch with the count of ids done.
//!
//! An id the provider refuses for good (a 4xx other than 401, 403, 407, 408 and 429, or a
//! query it cannot take for that id) is recorded in the stream's state
//! ([`StreamState::failed`](crate::StreamState::failed), saved with the batch it falls in)
//! and the run goes on with the other ids; the run still counts it
//! ([`RunCounts::failed`]). Later runs skip the recorded ids, unless
//! [`SyncOptions::retry_failed`]; a lookup of one that succeeds takes it off the list. Any
//! other failure (after the client's retries: 5xx, rate limits, the network, credentials
//! refused) ends the run, and the rerun starts at that id (upserts make re-reading
//! harmless).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use conversations_core::{
    Capabilities, Conversation, ConversationQuery, ConversationSource, ConversationSourceExt,
    Cursor, DEFAULT_LOOKUP_CONCURRENCY, DecodeNote, Documented, Error as SourceError, Found,
    Lookup, NoteAction, Page, Position, WalkGuard,
};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::collisions::Collisions;
use crate::error::SyncError;
use crate::ids::{Digester, IdsInput, Scan};
use crate::row::{Row, time_text};
use crate::source::SyncSource;
use crate::store::{FailedId, RunCounts, Store, StreamKey, StreamState, plus};

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
    /// Lookups in flight at once in a lookup sync ([`sync_lookup`]); the client's rate limit
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
    fn notice(&mut self, _key: &StreamKey, _text: &str) {}
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
    pub notices: Vec<String>,
}

/// A signal to stop: send `true` and the sync commits what it fetched and returns
/// [`Outcome::Interrupted`].
pub type Interrupt = watch::Receiver<bool>;

/// Where an unfinished run stands, saved in `sync_streams.resume`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Resume {
    Walk(Walk),
    Lookup { ids_sha256: String, done: usize },
}

/// An unfinished listing walk.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Walk {
    /// The position after the last committed record.
    position: Position,
    /// The page size the walk started with (a position's skip counts in its pages).
    page_size: Option<u32>,
    /// Stop at the first record created before this; `None`: walk to the end.
    floor: Option<DateTime<Utc>>,
    /// The newest `created_at` this walk has seen.
    high_water: Option<DateTime<Utc>>,
    /// Whether the listing was found out of order (the walk then goes to the end).
    order_broken: bool,
}

/// A run in progress: the stream's state as saved, and what is not committed yet.
struct Run<'a> {
    store: &'a Store,
    /// The name rows are filed under.
    name: Arc<str>,
    state: StreamState,
    observer: &'a mut dyn Observer,
    notices: Vec<String>,
    rows: Vec<Row>,
    /// The records the batch being gathered holds when full (see [`FIRST_BATCH`]).
    limit: usize,
    /// The most any batch holds.
    batch_size: usize,
    started: Instant,
    /// Whether a batch of this run was started already.
    began: bool,
    /// The batches committing now, oldest first, with their record counts.
    pending: std::collections::VecDeque<(u64, crate::store::Commit)>,
    /// The run's keys, to find records that replace another of other bytes.
    collisions: Collisions,
}

impl<'a> Run<'a> {
    async fn start(
        store: &'a Store,
        name: Arc<str>,
        key: StreamKey,
        options: &SyncOptions,
        observer: &'a mut dyn Observer,
    ) -> Result<(Self, Option<Resume>), SyncError> {
        let mut state = store
            .load(&key)
            .await?
            .unwrap_or_else(|| StreamState::new(key.clone()));
        let mut discarded = false;
        let resume = match &state.resume {
            Some(text) => match serde_json::from_str::<Resume>(text) {
                Ok(resume) => Some(resume),
                // --full-refresh starts the stream over: a position it cannot read is
                // discarded (the advice the error gives).
                Err(_) if options.full_refresh => {
                    discarded = true;
                    None
                }
                Err(e) => {
                    return Err(SyncError::BadState {
                        target: store.target().to_owned(),
                        stream: key.to_string(),
                        message: e.to_string(),
                    });
                }
            },
            None => None,
        };
        state.status = "running".to_owned();
        state.started_at = Some(time_text(&Utc::now()));
        state.finished_at = None;
        state.counts = RunCounts::default();
        state.message = None;
        let mut run = Self {
            store,
            name,
            state,
            observer,
            notices: Vec::new(),
            rows: Vec::new(),
            limit: FIRST_BATCH.min(options.batch_size).max(1),
            batch_size: options.batch_size.max(1),
            started: Instant::now(),
            began: false,
            pending: std::collections::VecDeque::new(),
            collisions: Collisions::default(),
        };
        if discarded {
            run.notice(
                "the saved position was unreadable and is discarded (--full-refresh): \
                 starting over"
                    .to_owned(),
            );
        }
        Ok((run, resume))
    }

    fn notice(&mut self, text: String) {
        self.observer.notice(&self.state.key, &text);
        self.notices.push(text);
    }

    /// Takes the next record of the run. One whose key an earlier record of the run had,
    /// with other bytes, is counted as a collision and noted (`id`, [`Found::DuplicateKey`],
    /// [`NoteAction::Kept`]): it is the copy written (the last of a key in a batch, and
    /// batches commit in order), so its row says it replaced another.
    fn add(&mut self, conversation: Conversation) {
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
    fn full(&self) -> bool {
        self.rows.len() >= self.limit
    }

    /// Commits the pending rows with `resume` as the stream's position: once fewer batches
    /// than the store takes at once are committing (waiting for the oldest otherwise), starts
    /// this one, which runs while the walk goes on.
    async fn commit(&mut self, resume: Option<&Resume>) -> Result<(), SyncError> {
        while self.pending.len() >= self.store.in_flight() {
            self.settle_oldest().await?;
        }
        self.state.resume = match resume {
            Some(r) => Some(serde_json::to_string(r).map_err(|e| SyncError::BadState {
                target: self.store.target().to_owned(),
                stream: self.state.key.to_string(),
                message: e.to_string(),
            })?),
            None => None,
        };
        if !self.rows.is_empty() {
            self.limit = self.limit.saturating_mul(2).min(self.batch_size);
        }
        // The next batch's rows go straight into room for all of them: no regrowing.
        let rows = std::mem::replace(&mut self.rows, Vec::with_capacity(self.limit));
        let records = rows.len() as u64;
        let first = !self.began;
        self.began = true;
        self.pending
            .push_back((records, self.store.spawn_commit(rows, &self.state, first)));
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
    async fn finish(
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
            Outcome::Complete => "complete",
            Outcome::Interrupted => "interrupted",
            Outcome::Failed(_) => "failed",
        }
        .to_owned();
        self.state.finished_at = Some(time_text(&Utc::now()));
        if let Outcome::Failed(e) = &outcome {
            // The error first; the collisions of what was committed still said.
            self.state.message = Some(match &collided {
                Some(text) => format!("{e}; {text}"),
                None => e.to_string(),
            });
        } else if !self.notices.is_empty() {
            self.state.message = Some(self.notices.join("; "));
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

/// Moves a resumed walk to `page_size` where that keeps the resume exact, and says what page
/// size it goes on with when that differs from the one asked for or the one it had.
///
/// A position's skip counts records from the start of the page at its cursor. When the
/// provider's pages resize (the page at a cursor starts at the same record whatever its size),
/// the walk takes the new size if the skip still falls within its first page; otherwise it
/// finishes with the size it started with, and the new one applies from the next walk.
fn resize(walk: &mut Walk, page_size: Option<u32>, capabilities: &Capabilities) -> Option<String> {
    // A walk saved without a page size ran at the provider's default.
    let default = capabilities.page_size().map(|b| b.default);
    let (Some(was), Some(asked)) = (walk.page_size.or(default), page_size.or(default)) else {
        return None;
    };
    if was == asked {
        return None;
    }
    if capabilities.pages_resizable() && walk.position.skip <= u64::from(asked) {
        walk.page_size = Some(asked);
        return Some(format!(
            "resuming with {asked} records a page (the unfinished walk asked for {was}; \
             it resumes at the same record)"
        ));
    }
    Some(format!(
        "resuming with {was} records a page, the unfinished walk's, to resume at the same \
         record ({asked} from the next walk)"
    ))
}

/// The position after `skip` records of the page fetched with `cursor` (`None`: the first).
fn position_in(cursor: &Option<Cursor>, skip: u64) -> Position {
    let mut position = Position::start();
    position.cursor = cursor.clone();
    position.skip = skip;
    position
}

/// Fetches one page on a task of its own, so it loads while the previous page is written.
fn spawn_fetch(
    source: &Arc<dyn ConversationSource>,
    query: &Arc<ConversationQuery>,
    cursor: Option<Cursor>,
) -> tokio::task::JoinHandle<Result<Page<Conversation>, SourceError>> {
    let source = Arc::clone(source);
    let query = Arc::clone(query);
    tokio::spawn(async move { source.fetch_page(&query, cursor.as_ref()).await })
}

/// Waits for `fetch`, unless interrupted first (`None`).
async fn page_or_interrupt(
    fetch: &mut tokio::task::JoinHandle<Result<Page<Conversation>, SourceError>>,
    interrupt: &mut Interrupt,
    provider: &str,
) -> Option<Result<Page<Conversation>, SourceError>> {
    tokio::select! {
        joined = fetch => Some(joined.unwrap_or_else(|e| {
            Err(SourceError::pagination(provider, format!("the page fetch stopped: {e}")))
        })),
        _ = interrupted(interrupt) => None,
    }
}

async fn interrupted(interrupt: &mut Interrupt) {
    if interrupt.wait_for(|stop| *stop).await.is_err() {
        // The sender is gone: nobody can interrupt any more.
        futures::future::pending::<()>().await;
    }
}

/// Syncs `source`'s listing for `query` into `store`: resumes an unfinished walk, else walks
/// from the top — everything the first time or with `full_refresh`, else down to the last
/// walk's high-water mark less the lookback. Every `batch_size` records, the rows and the
/// position commit in one transaction.
///
/// Returns `Err` only when the sync could not start or the database failed; a provider
/// failure or an interrupt is an [`Outcome`], after committing what was fetched.
///
/// ```
/// use std::sync::Arc;
/// use conversations_core::{ConversationQuery, ConversationSource, ConversationSourceExt, MemorySource};
/// use conversations_sync::{Outcome, Quiet, Store, SyncOptions, Target, sync_listing};
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # let dir = tempfile::tempdir().unwrap();
/// let target: Target = format!("sqlite:{}", dir.path().join("c.db").display()).parse().unwrap();
/// let store = Store::open(&target).await.unwrap();
/// let source: Arc<dyn ConversationSource> = Arc::new(MemorySource::demo(25));
/// let (_stop, interrupt) = tokio::sync::watch::channel(false);
/// let options = SyncOptions::default().batch_size(10);
/// let summary = sync_listing(&store, source.clone(), ConversationQuery::new(), &options, &mut Quiet, interrupt.clone())
///     .await
///     .unwrap();
/// assert!(matches!(summary.outcome, Outcome::Complete));
/// assert_eq!(summary.counts.inserted, 25);
/// // Again: nothing new.
/// let again = sync_listing(&store, source, ConversationQuery::new(), &options.full_refresh(true), &mut Quiet, interrupt)
///     .await
///     .unwrap();
/// assert_eq!((again.counts.inserted, again.counts.unchanged), (0, 25));
/// # });
/// ```
pub async fn sync_listing(
    store: &Store,
    source: impl Into<SyncSource>,
    query: ConversationQuery,
    options: &SyncOptions,
    observer: &mut dyn Observer,
    interrupt: Interrupt,
) -> Result<Summary, SyncError> {
    let source = source.into();
    // A query the source cannot take is refused before anything is written.
    source
        .source()
        .capabilities()
        .validate(source.provider(), &query)?;
    let key = StreamKey::listing(source.name(), &query);
    let lock = store.lock(&key).await?;
    let result = walk(store, key, source, query, options, observer, interrupt).await;
    lock.release().await;
    result
}

async fn walk(
    store: &Store,
    key: StreamKey,
    source: SyncSource,
    query: ConversationQuery,
    options: &SyncOptions,
    observer: &mut dyn Observer,
    mut interrupt: Interrupt,
) -> Result<Summary, SyncError> {
    let provider = source.provider().to_owned();
    let name = Arc::from(source.name());
    let source = Arc::clone(source.source());
    let (mut run, resume) = Run::start(store, name, key, options, observer).await?;
    let high_water = run
        .state
        .high_water
        .as_deref()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc));
    // The page size asked for, or the provider's largest: the fewest requests.
    let capabilities = source.capabilities();
    let page_size = query.page_size.or(capabilities.page_size().map(|b| b.max));
    let mut walk = match resume {
        Some(Resume::Walk(mut walk)) if !options.full_refresh || walk.floor.is_none() => {
            run.notice(format!(
                "resuming an unfinished {} walk",
                if walk.floor.is_some() {
                    "incremental"
                } else {
                    "full"
                }
            ));
            if let Some(notice) = resize(&mut walk, page_size, &capabilities) {
                run.notice(notice);
            }
            walk
        }
        _ => {
            let floor = match high_water {
                Some(hw) if !options.full_refresh => {
                    let lookback = chrono::Duration::from_std(options.lookback)
                        .unwrap_or(chrono::Duration::MAX);
                    hw.checked_sub_signed(lookback)
                }
                _ => None,
            };
            Walk {
                position: Position::start(),
                page_size,
                floor,
                high_water: None,
                order_broken: false,
            }
        }
    };
    let mut query = query;
    query.page_size = walk.page_size;
    query.limit = None;
    let query = Arc::new(query);
    run.commit(Some(&Resume::Walk(walk.clone()))).await?;

    let mut guard = WalkGuard::new(provider.clone(), walk.position.cursor.as_ref());
    let mut cursor = walk.position.cursor.clone();
    let mut skip = walk.position.skip;
    let mut last_created: Option<DateTime<Utc>> = None;
    let mut fetch = Some(spawn_fetch(&source, &query, cursor.clone()));
    let outcome = 'walk: loop {
        let Some(mut in_flight) = fetch.take() else {
            fetch = Some(spawn_fetch(&source, &query, cursor.clone()));
            continue;
        };
        let mut page = match page_or_interrupt(&mut in_flight, &mut interrupt, &provider).await {
            None => {
                in_flight.abort();
                break Outcome::Interrupted;
            }
            Some(Err(e)) => break Outcome::Failed(e.into()),
            Some(Ok(page)) => page,
        };
        let total = page.items.len();
        let mut stop = None;
        run.state.counts.pages += 1;
        let offset = usize::try_from(skip)
            .unwrap_or(usize::MAX)
            .min(page.items.len());
        skip = 0;
        let next = page.next.clone();
        // The same guard as core's walks: a cursor followed before, pages that bring nothing
        // new, a cursor that cannot be sent end the walk (what came before stays committed).
        // A record counts as new by its bytes, not its id: one sent again with other bytes
        // is not skipped, and the collision check reports it.
        let keys = page.items[offset..].iter().map(|c| c.raw.get());
        match guard.page(keys, next.as_ref()) {
            Ok(true) => {}
            // Nothing new: its records were all taken already; on to the next page.
            Ok(false) => page.items.clear(),
            Err(e) => {
                if !guard.last_was_new() {
                    page.items.clear();
                }
                stop = Some(e);
            }
        }
        // Fetch the next page ahead only if this one does not end below the floor.
        let ends_below = |walk: &Walk| {
            walk.floor.is_some_and(|floor| {
                page.items
                    .last()
                    .and_then(|c| c.created_at)
                    .is_some_and(|t| t < floor)
            })
        };
        if next.is_some() && stop.is_none() && !ends_below(&walk) {
            fetch = Some(spawn_fetch(&source, &query, next.clone()));
        }
        run.observer.fetched(&run.state.key, &run.state.counts);
        let mut stopped = false;
        // The records move into rows; their times stay behind for looking ahead.
        let times: Vec<Option<DateTime<Utc>>> = page.items.iter().map(|c| c.created_at).collect();
        for (i, conversation) in page.items.into_iter().enumerate().skip(offset) {
            if let Some(t) = conversation.created_at {
                if last_created.is_some_and(|prev| t > prev) && !walk.order_broken {
                    walk.order_broken = true;
                    walk.floor = None;
                    run.notice(
                        "the listing is not newest first (a created_at went up): \
                         finishing with a full walk"
                            .to_owned(),
                    );
                }
                last_created = Some(t);
                if walk.floor.is_some_and(|floor| t < floor) {
                    // Below the floor: stop, unless the rest of this page (fetched already)
                    // shows the order broken, in which case this record proves nothing.
                    let mut newer = times[i + 1..].iter().flatten().copied();
                    let mut prev = t;
                    if newer.all(|next| {
                        let ok = next <= prev;
                        prev = next;
                        ok
                    }) {
                        stopped = true;
                        break;
                    }
                    walk.order_broken = true;
                    walk.floor = None;
                    run.notice(
                        "the listing is not newest first (a created_at went up): \
                         finishing with a full walk"
                            .to_owned(),
                    );
                }
                walk.high_water = walk.high_water.max(Some(t));
            }
            run.add(conversation);
            if run.full() {
                walk.position = position_in(&cursor, (i + 1) as u64);
                run.commit(Some(&Resume::Walk(walk.clone()))).await?;
                if *interrupt.borrow() {
                    if let Some(f) = fetch.take() {
                        f.abort();
                    }
                    break 'walk Outcome::Interrupted;
                }
            }
        }
        if let Some(e) = stop {
            // The records of this page are taken; a resume starts after them.
            walk.position = position_in(&cursor, total as u64);
            break Outcome::Failed(e.into());
        }
        match next {
            Some(n) if !stopped => {
                walk.position = Position::start().at(n.clone(), 0);
                cursor = Some(n);
            }
            _ => {
                if let Some(f) = fetch.take() {
                    f.abort();
                }
                if stopped && let Some(floor) = walk.floor {
                    run.notice(format!(
                        "stopped at the lookback boundary ({}: the last walk's newest record less --lookback)",
                        time_text(&floor)
                    ));
                }
                break Outcome::Complete;
            }
        }
    };
    match outcome {
        Outcome::Complete => {
            let newest = high_water.max(walk.high_water);
            run.state.high_water = newest.as_ref().map(time_text);
            run.finish(None, Outcome::Complete).await
        }
        other => {
            let resume = Resume::Walk(walk);
            run.finish(Some(&resume), other).await
        }
    }
}

/// Reads the ids of `--external-ids-from`: one a line, surrounding spaces and blank lines
/// ignored; a control character is refused, naming the line.
///
/// ```
/// let ids = conversations_sync::read_ids(" a-1 \n\nb-2\r\n").unwrap();
/// assert_eq!(ids, vec!["a-1", "b-2"]);
/// let err = conversations_sync::read_ids("ok\nbad\u{7}id\n").unwrap_err();
/// assert_eq!(err.to_string(), "--external-ids-from: line 2: a control character in the id");
/// ```
pub fn read_ids(text: &str) -> Result<Vec<String>, SyncError> {
    // One parser for every id list, in core: list and sync read ids the same way.
    conversations_core::parse_ids(text).map_err(|e| SyncError::BadIds {
        line: e.line,
        reason: e.reason,
    })
}

/// Syncs the conversations of `ids` (external ids) from `source` into `store`: the ids in
/// memory, as [`sync_lookup_ids`] with [`IdsInput::list`] (which see).
///
/// ```
/// use std::sync::Arc;
/// use conversations_core::{ConversationQuery, ConversationSource, ConversationSourceExt, MemorySource};
/// use conversations_sync::{Quiet, Store, SyncOptions, Target, sync_lookup};
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # let dir = tempfile::tempdir().unwrap();
/// let target: Target = format!("sqlite:{}", dir.path().join("c.db").display()).parse().unwrap();
/// let store = Store::open(&target).await.unwrap();
/// let demo = MemorySource::demo(10);
/// let ids: Vec<String> = {
///     use futures::TryStreamExt;
///     let all: Vec<_> = demo.list(ConversationQuery::new()).try_collect().await.unwrap();
///     all.iter().filter_map(|c| c.external_id.clone()).take(3).collect()
/// };
/// let source: Arc<dyn ConversationSource> = Arc::new(demo);
/// let (_stop, interrupt) = tokio::sync::watch::channel(false);
/// let summary = sync_lookup(&store, source, ConversationQuery::new(), ids, &SyncOptions::default(), &mut Quiet, interrupt)
///     .await
///     .unwrap();
/// assert!(summary.counts.inserted >= 3);
/// # });
/// ```
pub async fn sync_lookup(
    store: &Store,
    source: impl Into<SyncSource>,
    query: ConversationQuery,
    ids: Vec<String>,
    options: &SyncOptions,
    observer: &mut dyn Observer,
    interrupt: Interrupt,
) -> Result<Summary, SyncError> {
    let ids = IdsInput::list(ids);
    sync_lookup_ids(store, source, query, &ids, options, observer, interrupt).await
}

/// Syncs the conversations of `ids` (external ids, in memory or a file read as a stream)
/// from `source` into `store`, through core's [`Lookup`] (bounded concurrency, the client's
/// rate limit): each distinct id once, in the order given, committing every batch of rows
/// with the count of ids done, so a rerun with the same ids resumes after them (different
/// ids start over). Memory stays bounded whatever the number of ids: they are read twice,
/// once to count and hash them (to know whether a saved position applies), once for the
/// lookups (see [`IdsInput`]); repeats are skipped within core's
/// [`DEDUP_WINDOW`](conversations_core::DEDUP_WINDOW). With no position saved (or
/// [`SyncOptions::full_refresh`]) the lookups start at once, beside the first reading, and
/// the first commit waits for it; with one, they start once it ended.
///
/// An id the provider refuses for good (a non-retryable 4xx other than 401/403) is recorded
/// in the stream's [`failed`](crate::StreamState::failed) list, counted in
/// [`RunCounts::failed`], and the run goes on; later runs skip it unless
/// [`SyncOptions::retry_failed`]. The first id whose lookup fails otherwise (after its
/// retries) ends the run as [`Outcome::Failed`]: what was fetched before it is committed, and
/// the rerun starts at it. A bad line is [`SyncError::BadIds`] before anything is written
/// (or, were the file changed during the run, ends it as [`Outcome::Failed`]).
///
/// ```
/// use std::io::Write;
/// use std::sync::Arc;
/// use conversations_core::{ConversationQuery, ConversationSource, ConversationSourceExt, MemorySource};
/// use conversations_sync::{IdsInput, Quiet, Store, SyncOptions, Target, sync_lookup_ids};
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # let dir = tempfile::tempdir().unwrap();
/// let target: Target = format!("sqlite:{}", dir.path().join("c.db").display()).parse().unwrap();
/// let store = Store::open(&target).await.unwrap();
/// // The demo's ids are ext-0 to ext-6; a file of them with repeats, read as a stream.
/// let path = dir.path().join("ids.txt");
/// std::fs::write(&path, "ext-1\next-2\next-1\n\next-2\n").unwrap();
/// let ids = IdsInput::open(&path).unwrap();
/// let source: Arc<dyn ConversationSource> = Arc::new(MemorySource::demo(20));
/// let (_stop, interrupt) = tokio::sync::watch::channel(false);
/// let summary = sync_lookup_ids(&store, Arc::clone(&source), ConversationQuery::new(), &ids, &SyncOptions::default(), &mut Quiet, interrupt.clone())
///     .await
///     .unwrap();
/// assert_eq!(summary.counts.pages, 2, "one lookup per distinct id");
/// assert!(summary.counts.inserted >= 2);
/// # });
/// ```
pub async fn sync_lookup_ids(
    store: &Store,
    source: impl Into<SyncSource>,
    query: ConversationQuery,
    ids: &IdsInput,
    options: &SyncOptions,
    observer: &mut dyn Observer,
    interrupt: Interrupt,
) -> Result<Summary, SyncError> {
    let source = source.into();
    let mut query = query;
    query.external_id = None;
    query.page_size = None;
    query.limit = None;
    // The whole query is checked (with a stand-in id) before anything is written.
    let probe = query.clone().external_id("id");
    source
        .source()
        .capabilities()
        .validate(source.provider(), &probe)?;
    let lookup = Lookup::new(Arc::clone(source.source()))?
        .query(query.clone())
        .concurrency(options.lookup_concurrency)
        .in_input_order(true);
    let key = StreamKey::lookup(source.name(), &query);
    let lock = store.lock(&key).await?;
    let name = Arc::from(source.name());
    let result = look_up(store, name, key, lookup, ids, options, observer, interrupt).await;
    lock.release().await;
    result
}

/// The most ids handed from the reading thread to the lookups at once.
const ID_BATCH: usize = 512;

/// Batches of ids read ahead of the lookups.
const ID_BATCHES_AHEAD: usize = 4;

/// What the second pass found: the ids it read (to check against the first pass's), and
/// how many of those handed over it skipped as refused for good before.
struct Fed {
    read: Scan,
    skipped: usize,
}

/// The second pass, on a blocking thread: the distinct ids from place `done` on, less the
/// `skipped` ones, sent in batches. Ends early (with `None`) when nobody listens any more.
fn feed(
    ids: &IdsInput,
    done: usize,
    skipped: &HashSet<String>,
    send: &tokio::sync::mpsc::Sender<Vec<(usize, String)>>,
) -> Result<Option<Fed>, SyncError> {
    let mut digest = Digester::default();
    let mut skipping = 0;
    let mut batch = Vec::new();
    let listener = send.clone();
    for item in ids.places_until(move || listener.is_closed())? {
        let (place, id) = item?;
        digest.add(&id);
        if place < done {
            continue;
        }
        if skipped.contains(&id) {
            skipping += 1;
            continue;
        }
        batch.push((place, id));
        if batch.len() >= ID_BATCH && send.blocking_send(std::mem::take(&mut batch)).is_err() {
            return Ok(None);
        }
    }
    if send.is_closed() || (!batch.is_empty() && send.blocking_send(batch).is_err()) {
        return Ok(None);
    }
    Ok(Some(Fed {
        read: digest.finish(),
        skipped: skipping,
    }))
}

/// The first pass's answer, awaited (the reading stopped when `stop` is set; a panic there
/// is one here).
async fn scanned(
    scanning: &mut tokio::task::JoinHandle<Result<Option<Scan>, SyncError>>,
) -> Result<Option<Scan>, SyncError> {
    match scanning.await {
        Ok(scan) => scan,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(SyncError::IdsChanged {
            reason: "reading the ids stopped unexpectedly",
        }),
    }
}

#[allow(clippy::too_many_arguments)]
async fn look_up(
    store: &Store,
    name: Arc<str>,
    key: StreamKey,
    lookup: Lookup,
    ids: &IdsInput,
    options: &SyncOptions,
    observer: &mut dyn Observer,
    mut interrupt: Interrupt,
) -> Result<Summary, SyncError> {
    let (mut run, resume) = Run::start(store, name, key, options, observer).await?;
    // The first pass counts and hashes the distinct ids: a saved position counts ids done,
    // valid for the same ids only.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut scanning = {
        let (ids, stop) = (ids.clone(), Arc::clone(&stop));
        tokio::task::spawn_blocking(move || ids.scan(&stop))
    };
    let saved = match &resume {
        Some(Resume::Lookup { ids_sha256, done }) if !options.full_refresh => {
            Some((ids_sha256.clone(), *done))
        }
        _ => None,
    };
    // With a position saved, the lookups wait for the first pass (to know where they
    // start); without, they start at once, beside it, and the first commit waits for it.
    let mut scan: Option<Scan> = None;
    let mut done = 0;
    if let Some((saved_sha256, saved_done)) = saved {
        let first = tokio::select! {
            first = scanned(&mut scanning) => first?,
            _ = interrupted(&mut interrupt) => None,
        };
        let Some(first) = first else {
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            // Stopped before any lookup: the saved position stays as it was.
            return run.finish(resume.as_ref(), Outcome::Interrupted).await;
        };
        if first.sha256 == saved_sha256 {
            run.notice(format!(
                "resuming after {saved_done} of {} ids",
                first.count
            ));
            done = saved_done.min(first.count);
        }
        run.commit(Some(&lookup_state(&first, done))).await?;
        scan = Some(first);
    }
    // Skipping recorded failures moves the position as looking them up would: places count.
    let skipped: HashSet<String> = if options.retry_failed {
        HashSet::new()
    } else {
        run.state.failed.iter().map(|f| f.id.clone()).collect()
    };
    // The second pass, on a thread of its own, a few batches ahead of the lookups.
    let (send, mut receive) = tokio::sync::mpsc::channel(ID_BATCHES_AHEAD);
    let reading = {
        let ids = ids.clone();
        tokio::task::spawn_blocking(move || feed(&ids, done, &skipped, &send))
    };
    // The ids handed to the lookups and not answered yet, with their places: answers come
    // in input order (the lookup's own dedup may skip an id this one kept, when repeats lie
    // further apart than its window: such an id was looked up already, and counts as done).
    let asked = Arc::new(std::sync::Mutex::new(std::collections::VecDeque::new()));
    let ids_stream = {
        let asked = Arc::clone(&asked);
        futures::stream::poll_fn(move |cx| receive.poll_recv(cx))
            .flat_map(futures::stream::iter)
            .map(move |(place, id): (usize, String)| {
                if let Ok(mut asked) = asked.lock() {
                    asked.push_back((place, id.clone()));
                }
                id
            })
    };
    let mut answers = lookup.run(ids_stream);
    let mut committed = done;
    let outcome = loop {
        let answer = tokio::select! {
            answer = answers.next() => answer,
            // The first pass ending while the lookups run: the first commit can go.
            first = scanned(&mut scanning), if scan.is_none() => {
                match first {
                    Ok(Some(first)) => {
                        run.commit(Some(&lookup_state(&first, done))).await?;
                        committed = done;
                        scan = Some(first);
                        continue;
                    }
                    // A bad line: nothing was committed; the lookups are dropped.
                    Ok(None) => unreachable!("the first pass is stopped only after the loop"),
                    Err(e) => return Err(e),
                }
            }
            _ = interrupted(&mut interrupt) => break Outcome::Interrupted,
        };
        let Some(answer) = answer else {
            break Outcome::Complete;
        };
        let place = {
            let mut asked = asked.lock().unwrap_or_else(|e| e.into_inner());
            let mut place = None;
            while let Some((p, id)) = asked.pop_front() {
                if *id == *answer.id {
                    place = Some(p);
                    break;
                }
            }
            place.unwrap_or(done)
        };
        run.state.counts.pages += 1;
        match answer.result {
            Ok(records) => {
                run.state.failed.retain(|f| *f.id != *answer.id);
                records.into_iter().for_each(|c| run.add(c));
            }
            Err(e) if refused_for_good(&e) => {
                run.state.counts.failed += 1;
                let failed = FailedId {
                    id: answer.id.to_string(),
                    error: e.to_string(),
                    at: time_text(&Utc::now()),
                };
                match run.state.failed.iter_mut().find(|f| f.id == failed.id) {
                    Some(known) => *known = failed,
                    None => run.state.failed.push(failed),
                }
            }
            Err(e) => break Outcome::Failed(e.into()),
        }
        done = place + 1;
        run.observer.fetched(&run.state.key, &run.state.counts);
        // A batch of rows, or of ids (a lookup may find nothing: the position still moves).
        if run.full() || done - committed >= options.batch_size {
            if scan.is_none() {
                // A batch is due before the first pass ended: it waits for it.
                let first = tokio::select! {
                    first = scanned(&mut scanning) => first?,
                    _ = interrupted(&mut interrupt) => break Outcome::Interrupted,
                };
                scan = first;
            }
            if let Some(first) = &scan {
                run.commit(Some(&lookup_state(first, done))).await?;
                committed = done;
            }
        }
    };
    // Nobody listens any more: the second pass ends at its next batch; the first one, when
    // the run ends early, at its next check.
    drop(answers);
    if !matches!(outcome, Outcome::Complete) {
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    let fed = reading.await.unwrap_or(Err(SyncError::IdsChanged {
        reason: "reading the ids stopped unexpectedly",
    }));
    let outcome = match (outcome, scan.is_some()) {
        // The lookups ended before the first pass: its answer is needed to finish.
        (Outcome::Complete, false) => match scanned(&mut scanning).await {
            Ok(Some(first)) => {
                scan = Some(first);
                Outcome::Complete
            }
            Ok(None) => unreachable!("the first pass is stopped only once it ended here"),
            Err(e) => return Err(e),
        },
        (outcome, _) => outcome,
    };
    let outcome = match (outcome, fed, &scan) {
        (Outcome::Complete, Ok(Some(fed)), Some(first)) if fed.read == *first => {
            if fed.skipped > 0 {
                run.notice(format!(
                    "skipping {} {} the provider refused for good before (--retry-failed \
                     looks them up again)",
                    fed.skipped,
                    if fed.skipped == 1 { "id" } else { "ids" }
                ));
            }
            done = first.count;
            Outcome::Complete
        }
        (Outcome::Complete, Err(e), _) => Outcome::Failed(e),
        (Outcome::Complete, _, _) => Outcome::Failed(SyncError::IdsChanged {
            reason: "the file changed during the run (the ids read again differ from the ids \
                     read first); run the same command again",
        }),
        (other, _, _) => other,
    };
    if run.state.counts.failed > 0 {
        let n = run.state.counts.failed;
        run.notice(format!(
            "{n} {} refused by the provider for good, recorded as failed (sync --status \
             lists them); later runs skip them, --retry-failed looks them up again",
            if n == 1 { "id was" } else { "ids were" }
        ));
    }
    match (outcome, &scan) {
        (Outcome::Complete, _) => run.finish(None, Outcome::Complete).await,
        (other, Some(first)) => run.finish(Some(&lookup_state(first, done)), other).await,
        // Stopped before the first pass ended: no position can be saved for these ids
        // (the rows fetched are kept; the next run starts over).
        (other, None) => run.finish(None, other).await,
    }
}

/// The position after `done` of the distinct ids `scan` counted.
fn lookup_state(scan: &Scan, done: usize) -> Resume {
    Resume::Lookup {
        ids_sha256: scan.sha256.clone(),
        done,
    }
}

/// Whether `error` is the provider's last word on one id: a 4xx that trying again would not
/// change (not 401 or 403, which are the credentials', nor 407, 408 or 429), or a query it
/// cannot take for that id. Anything else may pass, or concerns every id.
fn refused_for_good(error: &SourceError) -> bool {
    if error.is_retryable() {
        return false;
    }
    match error {
        SourceError::InvalidQuery { .. } => true,
        SourceError::Unauthorized { .. } | SourceError::Forbidden { .. } => false,
        other => other
            .status()
            .is_some_and(|s| (400..500).contains(&s) && !matches!(s, 401 | 403 | 407 | 408 | 429)),
    }
}

#[cfg(test)]
mod tests {
    use conversations_core::ApiErrorDetails;

    use super::*;

    #[test]
    fn a_file_changed_between_the_two_passes_reads_other_ids() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ids.txt");
        std::fs::write(&path, "a\nb\na\nc\n").unwrap();
        let ids = IdsInput::open(&path).unwrap();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let first = ids.scan(&stop).unwrap().unwrap();
        let (send, mut receive) = tokio::sync::mpsc::channel(16);
        // Unchanged: every id from place 1 on less the skipped, and the same ids read.
        let skipped = HashSet::from(["c".to_owned()]);
        let fed = feed(&ids, 1, &skipped, &send).unwrap().unwrap();
        assert_eq!(receive.try_recv().unwrap(), [(1, "b".to_owned())]);
        assert_eq!((fed.read, fed.skipped), (first.clone(), 1));
        // Edited in place (the same file, opened once): the second pass reads other ids.
        std::fs::write(&path, "a\nx\nc\n").unwrap();
        let fed = feed(&ids, 0, &HashSet::new(), &send).unwrap().unwrap();
        assert_ne!(fed.read, first);
    }

    #[test]
    fn only_a_4xx_that_trying_again_would_not_change_is_an_ids_last_word() {
        let status = |s| SourceError::from_status("asapp", ApiErrorDetails::new(s), None);
        for s in [400, 404, 409, 410, 422] {
            assert!(refused_for_good(&status(s)), "{s}");
        }
        for s in [401, 403, 407, 408, 429, 500, 502, 503] {
            assert!(!refused_for_good(&status(s)), "{s}");
        }
        assert!(refused_for_good(&SourceError::invalid_query(
            "asapp",
            "externalId too long"
        )));
        assert!(!refused_for_good(&SourceError::transport(
            "asapp",
            "connection reset"
        )));
    }
}
