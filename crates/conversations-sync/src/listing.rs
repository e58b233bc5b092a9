//! **The listing walk**: a source's listing, page by page from the top, into a
//! [run](crate::run).
//!
//! When the stream has a finished walk behind it, the new walk gets a *floor*: that walk's
//! high-water mark (newest `created_at`) less the lookback. The walk stops at the first
//! record created before the floor — the listing is newest first, so everything after it is
//! older still — and fetches the next page ahead of time only while the current page's last
//! record is still above the floor, so an incremental run asks for exactly the pages the
//! lookback spans. The floor is fixed when a walk starts and saved with its position
//! ([`WalkState`]): a killed incremental run resumes from its position and still stops at the
//! same floor; a killed first (full) run resumes as a full walk. The high-water mark moves
//! only when a walk finishes.
//!
//! The order is not documented, so it is checked on every record (`created_at` never
//! increasing). Where it breaks, the floor is dropped: the walk goes on to the end (a full
//! walk), and the run says so. The rule is core's
//! ([`conversations_core::floor::Floor`]), the one `list --since` can use too.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use conversations_core::{
    Capabilities, Conversation, ConversationQuery, ConversationSource, ConversationSourceExt,
    Cursor, Error as SourceError, Page, Position, WalkGuard,
    floor::{Floor, Step},
};

use crate::destination::Destination;
use crate::error::SyncError;
use crate::run::{Interrupt, Observer, Outcome, Run, Summary, SyncOptions, interrupted};
use crate::source::SyncSource;
use crate::state::{Resume, StreamKey, WalkState, time_text};
use crate::store::Store;

/// Moves a resumed walk to `page_size` where that keeps the resume exact, and says what page
/// size it goes on with when that differs from the one asked for or the one it had.
///
/// A position's skip counts records from the start of the page at its cursor. When the
/// provider's pages resize (the page at a cursor starts at the same record whatever its size),
/// the walk takes the new size if the skip still falls within its first page; otherwise it
/// finishes with the size it started with, and the new one applies from the next walk.
fn resize(
    walk: &mut WalkState,
    page_size: Option<u32>,
    capabilities: &Capabilities,
) -> Option<String> {
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
    let key = listing_key(&source, &query)?;
    let lock = store.lock(&key).await?;
    let mut dest = store;
    let result = walk(&mut dest, key, source, query, options, observer, interrupt).await;
    lock.release().await;
    result
}

/// Syncs `source`'s listing for `query` into `dest`, as [`sync_listing`] does into a
/// [`Store`]: the same walk, batches and resume positions, written wherever `dest` writes
/// (see [`Destination`] for an example). Locking the stream, if `dest` needs it, is the
/// caller's.
pub async fn sync_listing_into(
    dest: &mut dyn Destination,
    source: impl Into<SyncSource>,
    query: ConversationQuery,
    options: &SyncOptions,
    observer: &mut dyn Observer,
    interrupt: Interrupt,
) -> Result<Summary, SyncError> {
    let source = source.into();
    let key = listing_key(&source, &query)?;
    walk(dest, key, source, query, options, observer, interrupt).await
}

/// The stream `query` lists on `source`, once the source has taken the query: one it cannot
/// take is refused before anything is written.
fn listing_key(source: &SyncSource, query: &ConversationQuery) -> Result<StreamKey, SyncError> {
    source
        .source()
        .capabilities()
        .validate(source.provider(), query)?;
    Ok(StreamKey::listing(source.name(), query))
}

async fn walk(
    dest: &mut dyn Destination,
    key: StreamKey,
    source: SyncSource,
    mut query: ConversationQuery,
    options: &SyncOptions,
    observer: &mut dyn Observer,
    mut interrupt: Interrupt,
) -> Result<Summary, SyncError> {
    let provider = source.provider().to_owned();
    let name = Arc::from(source.name());
    let source = Arc::clone(source.source());
    let (mut run, resume) = Run::start(dest, name, key, options, observer).await?;
    let high_water = run.state.high_water;
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
            // `since` bounds the walk as the lookback does: the higher floor wins.
            WalkState::new(Position::start(), page_size, floor.max(query.since))
        }
    };
    // The query's time bounds are the walk's (its floor, and records passed over), not the
    // provider's: they are not sent, and they are not part of the stream's identity.
    let (since, until) = (query.since.take(), query.until.take());
    query.page_size = walk.page_size;
    query.limit = None;
    let query = Arc::new(query);
    run.commit(Some(&Resume::Walk(walk.clone()))).await?;

    let mut guard = WalkGuard::new(provider.clone(), walk.position.cursor.as_ref());
    let mut cursor = walk.position.cursor.clone();
    let mut skip = walk.position.skip;
    // Core's "stop below the floor" rule, record by record (with the rest of the page).
    let mut floor = Floor::resumed(walk.floor, walk.order_broken);
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
        let ends_below = floor.is_below(page.items.last().and_then(|c| c.created_at));
        if next.is_some() && stop.is_none() && !ends_below {
            fetch = Some(spawn_fetch(&source, &query, next.clone()));
        }
        run.observer.fetched(&run.state.key, &run.state.counts);
        let mut stopped = false;
        // The records move into rows; their times stay behind for looking ahead.
        let times: Vec<Option<DateTime<Utc>>> = page.items.iter().map(|c| c.created_at).collect();
        for (i, conversation) in page.items.into_iter().enumerate().skip(offset) {
            match floor.step(conversation.created_at, times[i + 1..].iter().copied()) {
                Step::Stop => {
                    stopped = true;
                    break;
                }
                Step::OrderBroke => {
                    walk.order_broken = true;
                    walk.floor = None;
                    run.notice(
                        "the listing is not newest first (a created_at went up): \
                         finishing with a full walk"
                            .to_owned(),
                    );
                }
                Step::Take => {}
            }
            let t = conversation.created_at;
            if t.is_some_and(|t| since.is_some_and(|s| t < s) || until.is_some_and(|u| t >= u)) {
                // Outside the run's bounds (a record without a time is kept): passed over,
                // and not counted in the high-water mark, so a later run without `until`
                // still reaches what was newer.
                continue;
            }
            if let Some(t) = t {
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
                    if since == Some(floor) {
                        run.notice(format!("stopped below since ({})", time_text(&floor)));
                    } else {
                        run.notice(format!(
                            "stopped at the lookback boundary ({}: the last walk's newest record less --lookback)",
                            time_text(&floor)
                        ));
                    }
                }
                break Outcome::Complete;
            }
        }
    };
    match outcome {
        Outcome::Complete => {
            let newest = high_water.max(walk.high_water);
            run.state.high_water = newest;
            run.finish(None, Outcome::Complete).await
        }
        other => {
            let resume = Resume::Walk(walk);
            run.finish(Some(&resume), other).await
        }
    }
}
