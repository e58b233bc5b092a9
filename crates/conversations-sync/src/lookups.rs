//! **Lookups**: a lookup stream (ids from a file, [`IdsInput`]) looks each distinct id up
//! once through core's [`Lookup`] (bounded concurrency; the client's rate limit sets the
//! pace), taking the answers in the order of the ids, and hands them to a
//! [run](crate::run) that commits every batch with the count of ids done.
//!
//! An id the provider refuses for good (a 4xx other than 401, 403, 407, 408 and 429, or a
//! query it cannot take for that id) is recorded in the stream's state
//! ([`StreamState::failed`](crate::StreamState::failed), saved with the batch it falls in)
//! and the run goes on with the other ids; the run still counts it
//! ([`RunCounts::failed`](crate::RunCounts::failed)). Later runs skip the recorded ids,
//! unless [`SyncOptions::retry_failed`]; a lookup of one that succeeds takes it off the list.
//! Any other failure (after the client's retries: 5xx, rate limits, the network, credentials
//! refused) ends the run, and the rerun starts at that id (upserts make re-reading
//! harmless).

use std::collections::HashSet;
use std::sync::Arc;

use chrono::Utc;
use conversations_core::{ConversationQuery, Error as SourceError, Lookup};
use futures::StreamExt;

use crate::destination::Destination;
use crate::error::SyncError;
use crate::ids::{Digester, IdsInput, Scan};
use crate::notice::Notice;
use crate::run::{Interrupt, Observer, Outcome, Run, Summary, SyncOptions, interrupted};
use crate::source::SyncSource;
use crate::state::{FailedId, Resume, StreamKey, time_text};
use crate::store::Store;

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
/// [`RunCounts::failed`](crate::RunCounts::failed), and the run goes on; later runs skip it unless
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
    let (name, key, lookup) = lookups(source.into(), query, options)?;
    let lock = store.lock(&key).await?;
    let mut dest = store;
    let result = look_up(
        &mut dest, name, key, lookup, ids, options, observer, interrupt,
    )
    .await;
    lock.release().await;
    result
}

/// Syncs the conversations of `ids` from `source` into `dest`, as [`sync_lookup_ids`] does
/// into a [`Store`]: the same lookups, batches and resume positions, written wherever `dest`
/// writes. Locking the stream, if `dest` needs it, is the caller's.
///
/// ```
/// use std::sync::Arc;
/// use conversations_core::{ConversationQuery, ConversationSource, MemorySource};
/// use conversations_sync::{IdsInput, Quiet, Store, SyncOptions, Target, sync_lookup_into};
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # let dir = tempfile::tempdir().unwrap();
/// let target: Target = format!("sqlite:{}", dir.path().join("c.db").display()).parse()?;
/// let mut store = Store::open(&target).await?;
/// let source: Arc<dyn ConversationSource> = Arc::new(MemorySource::demo(20));
/// let ids = IdsInput::list(vec!["ext-1".into(), "ext-2".into()]);
/// let (_stop, interrupt) = tokio::sync::watch::channel(false);
/// let summary = sync_lookup_into(&mut store, source, ConversationQuery::new(), &ids, &SyncOptions::default(), &mut Quiet, interrupt)
///     .await?;
/// assert_eq!(summary.counts.pages, 2);
/// # Ok::<(), conversations_sync::SyncError>(())
/// # }).unwrap();
/// ```
pub async fn sync_lookup_into(
    dest: &mut dyn Destination,
    source: impl Into<SyncSource>,
    query: ConversationQuery,
    ids: &IdsInput,
    options: &SyncOptions,
    observer: &mut dyn Observer,
    interrupt: Interrupt,
) -> Result<Summary, SyncError> {
    let (name, key, lookup) = lookups(source.into(), query, options)?;
    look_up(dest, name, key, lookup, ids, options, observer, interrupt).await
}

/// The name rows are filed under, the stream, and the lookups of a lookup sync of `source`
/// with `query`'s filters; a query the source cannot take is refused before anything is
/// written.
fn lookups(
    source: SyncSource,
    query: ConversationQuery,
    options: &SyncOptions,
) -> Result<(Arc<str>, StreamKey, Lookup), SyncError> {
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
    Ok((Arc::from(source.name()), key, lookup))
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
    dest: &mut dyn Destination,
    name: Arc<str>,
    key: StreamKey,
    lookup: Lookup,
    ids: &IdsInput,
    options: &SyncOptions,
    observer: &mut dyn Observer,
    mut interrupt: Interrupt,
) -> Result<Summary, SyncError> {
    let (mut run, resume) = Run::start(dest, name, key, options, observer).await?;
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
                run.notice(Notice::SkippedFailed {
                    ids: fed.skipped as u64,
                });
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
        let ids = run.state.counts.failed;
        run.notice(Notice::RecordedFailed { ids });
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
