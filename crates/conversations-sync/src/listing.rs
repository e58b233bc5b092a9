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
//!
//! The walk itself is core's ([`ConversationSourceExt::pages_from`]): its guard ends it on a
//! cursor loop or pages that bring nothing new, and its fetch ahead follows the floor
//! ([`Pages::fetch_ahead_while`](conversations_core::Pages::fetch_ahead_while)). What is
//! left here is what makes it a sync's: batches committed with the position after their last
//! record, the floor and the run's time bounds applied record by record, and the notices.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use conversations_core::{
    Capabilities, Conversation, ConversationQuery, ConversationSource, ConversationSourceExt,
    Cursor, Direction, EncodedConversation, Error as SourceError, Page, Position,
    floor::{Floor, Step},
};
use futures::StreamExt;
use tokio_util::task::AbortOnDropHandle;

use crate::destination::Destination;
use crate::error::SyncError;
use crate::notice::Notice;
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

/// A source whose every page is fetched on a task of its own. Core's walk starts the fetch
/// of the next page as it hands one out, but polls it only when asked for that page; on a
/// task of its own the fetch loads while the walk writes the page before it. Dropped, the
/// fetch stops.
struct OwnTask(Arc<dyn ConversationSource>);

/// Runs `fetch` on a task of its own, stopped when the caller drops it.
async fn on_own_task<T: Send + 'static>(
    provider: &str,
    fetch: impl Future<Output = Result<T, SourceError>> + Send + 'static,
) -> Result<T, SourceError> {
    AbortOnDropHandle::new(tokio::spawn(fetch))
        .await
        .unwrap_or_else(|e| {
            Err(SourceError::pagination(
                provider,
                format!("the page fetch stopped: {e}"),
            ))
        })
}

#[async_trait]
impl ConversationSource for OwnTask {
    fn provider(&self) -> &str {
        self.0.provider()
    }

    fn capabilities(&self) -> Capabilities {
        self.0.capabilities()
    }

    /// The source's own: core's walks fetch through `list_page_encoded`.
    async fn list_page(
        &self,
        query: &ConversationQuery,
        cursor: Option<&Cursor>,
    ) -> Result<Page<Conversation>, SourceError> {
        self.0.list_page(query, cursor).await
    }

    async fn list_page_encoded(
        &self,
        query: &ConversationQuery,
        cursor: Option<&Cursor>,
    ) -> Result<Page<EncodedConversation>, SourceError> {
        let (source, query, cursor) = (Arc::clone(&self.0), query.clone(), cursor.cloned());
        on_own_task(self.provider(), async move {
            source.list_page_encoded(&query, cursor.as_ref()).await
        })
        .await
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
    run.commit(Some(&Resume::Walk(walk.clone()))).await?;

    // Core's "stop below the floor" rule, record by record (with the rest of the page); and
    // for fetching ahead: a page that ends below the floor is the last one worth fetching
    // the next of before it is read.
    let mut floor = Floor::resumed(walk.floor, walk.order_broken);
    let ahead = floor.clone();
    let fetcher = OwnTask(Arc::clone(&source));
    // Core's walk: its guard ends it on a cursor followed before, pages that bring nothing
    // new, or a cursor that cannot be sent (what came before stays committed). A record
    // counts as new by its bytes, not its id: one sent again with other bytes is not passed
    // over, and the collision check reports it.
    let mut pages = fetcher
        .pages_from(query, walk.position.cursor.clone(), Direction::Forward)
        .skip_first(walk.position.skip)
        .key(Box::new(EncodedConversation::text))
        .fetch_ahead_while(Box::new(move |last: &Conversation| {
            !ahead.is_below(last.created_at)
        }));
    let outcome = 'walk: loop {
        let fetched = tokio::select! {
            page = pages.next() => page,
            _ = interrupted(&mut interrupt) => break Outcome::Interrupted,
        };
        let page = match fetched {
            Some(Ok(page)) => page,
            Some(Err(e)) => {
                // Where the walk stands: after the last page, or (when the walk ended on it)
                // past the records it brought.
                if let Some(position) = pages.position() {
                    walk.position = position;
                }
                break Outcome::Failed(e.into());
            }
            None => break Outcome::Complete,
        };
        run.state.counts.pages += 1;
        run.observer.fetched(&run.state.key, &run.state.counts);
        let mut stopped = false;
        // The records move into rows; their times stay behind for looking ahead.
        let times: Vec<Option<DateTime<Utc>>> = page.items.iter().map(|c| c.created_at).collect();
        for (i, conversation) in page.items.into_iter().enumerate() {
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
                walk.position = pages.position_in_page(i as u64 + 1);
                run.commit(Some(&Resume::Walk(walk.clone()))).await?;
                if *interrupt.borrow() {
                    break 'walk Outcome::Interrupted;
                }
            }
        }
        match pages.position() {
            // On to the next page, or (where the walk ends on this one) past its records.
            Some(position) if !stopped && page.next.is_some() => walk.position = position,
            _ => {
                if stopped && let Some(floor) = walk.floor {
                    if since == Some(floor) {
                        run.notice(format!("stopped below since ({})", time_text(&floor)));
                    } else {
                        run.notice(Notice::LookbackBoundary { floor });
                    }
                }
                break Outcome::Complete;
            }
        }
    };
    // A fetch ahead still in flight is not wanted any more.
    drop(pages);
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
