//! Auto-pagination: streams of pages and of items that follow cursors, prefetch the next
//! page while the caller works on the current one, honor a limit and detect cursor loops.
//!
//! [`Pages`] and [`Items`] work over any fetch function, so provider crates reuse them for
//! their native record types too. [`Items::position`] says, after every item, exactly where
//! the walk stands: a [`Position`] to persist and resume from in a fresh process.

use std::collections::VecDeque;
use std::hash::{BuildHasher, Hash, RandomState};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use futures::{FutureExt, Stream};
use nohash_hasher::IntSet;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::page::{Cursor, Direction, Page};

/// A function fetching the page at a cursor (`None`: the first page). The second argument is
/// how many items the walk still wants (`None`: no limit), so a fetch can ask the server for
/// no more than that.
pub type PageFetcher<'a, T> =
    Box<dyn FnMut(Option<Cursor>, Option<u64>) -> BoxFuture<'a, Result<Page<T>>> + Send + 'a>;

/// Exactly where a walk stands: the cursor of the page being read (`None`: the first page)
/// and how many of that page's items were already delivered.
///
/// Read it with [`Items::position`] after any item, persist it (it serializes), and resume
/// in a fresh process with
/// [`ConversationSourceExt::list_from`](crate::ConversationSourceExt::list_from): the resumed walk
/// yields exactly the items not yet delivered, whether the first stopped at a limit, an
/// error or a kill.
///
/// ```
/// use conversations_core::{Cursor, Position};
/// let p = Position::start().at(Cursor::new("c2"), 3);
/// let saved = serde_json::to_string(&p).unwrap();
/// assert_eq!(saved, r#"{"cursor":"c2","skip":3}"#);
/// assert_eq!(serde_json::from_str::<Position>(&saved).unwrap(), p);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Position {
    /// The cursor the page being read was fetched with; `None` for the first page.
    pub cursor: Option<Cursor>,
    /// How many items of that page were delivered already.
    pub skip: u64,
}

impl Position {
    /// The start of a listing.
    ///
    /// ```
    /// assert_eq!(conversations_core::Position::start().skip, 0);
    /// ```
    pub fn start() -> Self {
        Self::default()
    }

    /// The position after `skip` items of the page at `cursor`.
    ///
    /// ```
    /// use conversations_core::{Cursor, Position};
    /// assert_eq!(Position::start().at(Cursor::new("c"), 2).skip, 2);
    /// ```
    pub fn at(mut self, cursor: Cursor, skip: u64) -> Self {
        self.cursor = Some(cursor);
        self.skip = skip;
        self
    }
}

/// Pages in a row that bring no record the walk has not delivered already (or no record at
/// all) before [`WalkGuard`] stops the walk.
pub const STALE_PAGES_LIMIT: u32 = 3;

/// The most record keys [`WalkGuard`] remembers (as 8-byte hashes, oldest forgotten first):
/// a server repeating records from further back than this is not recognized as looping.
pub const REMEMBERED_KEYS: usize = 1 << 20;

/// The longest cursor a walk sends back (bytes). A longer one cannot be valid in a URL
/// (servers refuse request lines past a few KiB to 64 KiB), so the walk stops instead of
/// retrying a request that cannot succeed.
pub const MAX_CURSOR_BYTES: usize = 64 * 1024;

/// Makes sure a walk ends, whatever the server sends: it remembers every cursor followed and
/// the keys of the records delivered (hashes, never the strings, so memory stays bounded
/// however long the cursors), and stops the walk with [`Error::Pagination`] when
///
/// - a page leads to a cursor already followed,
/// - [`STALE_PAGES_LIMIT`] pages in a row bring no record not delivered before (the same
///   records again, or empty pages that still lead on),
/// - a page leads to a cursor that cannot be sent (longer than [`MAX_CURSOR_BYTES`], or
///   holding control characters): an error that retrying cannot fix.
///
/// Its messages name the provider and the page, and never quote a cursor (it may be
/// megabytes long, or echo a credential): only its length.
///
/// [`Pages`] runs one for every walk; a walk of its own (a sync's, say) runs one too.
///
/// ```
/// use conversations_core::{Cursor, WalkGuard};
/// let mut guard = WalkGuard::new("demo", None);
/// // Three records, then the same three again and again with new cursors.
/// assert!(guard.page(["a", "b", "c"], Some(&Cursor::new("1"))).unwrap());
/// assert!(!guard.page(["a", "b", "c"], Some(&Cursor::new("2"))).unwrap());
/// assert!(!guard.page(["a", "b", "c"], Some(&Cursor::new("3"))).unwrap());
/// let err = guard.page(["a", "b", "c"], Some(&Cursor::new("4"))).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "demo: pagination error: pages 2 to 4 brought no record not already delivered; stopping instead of looping"
/// );
/// ```
#[derive(Debug, Clone)]
pub struct WalkGuard {
    provider: String,
    hasher: RandomState,
    // The values are keyed hashes (`hasher`'s) already: the sets take them as their own hash.
    cursors: IntSet<u64>,
    keys: IntSet<u64>,
    order: VecDeque<u64>,
    stale: u32,
    pages: u64,
    last_new: bool,
}

impl WalkGuard {
    /// A guard for a walk of `provider`'s starting at `start` (which counts as followed).
    ///
    /// ```
    /// use conversations_core::{Cursor, WalkGuard};
    /// let mut guard = WalkGuard::new("demo", Some(&Cursor::new("c1")));
    /// let err = guard.page(["x"], Some(&Cursor::new("c1"))).unwrap_err();
    /// assert!(err.to_string().contains("page 1 leads to a cursor already followed (2 bytes)"));
    /// ```
    pub fn new(provider: impl Into<String>, start: Option<&Cursor>) -> Self {
        let mut guard = Self {
            provider: provider.into(),
            hasher: RandomState::new(),
            cursors: IntSet::default(),
            keys: IntSet::default(),
            order: VecDeque::new(),
            stale: 0,
            pages: 0,
            last_new: false,
        };
        if let Some(cursor) = start {
            let hash = guard.hasher.hash_one(cursor.as_str());
            guard.cursors.insert(hash);
        }
        guard
    }

    /// Takes the next page: the keys of its records (any hashable identity: an id, the raw
    /// bytes) and the cursor it leads to. `Ok(true)` when the page brought a record not
    /// delivered before, `Ok(false)` when it did not (the caller may skip its records: they
    /// were all delivered already); an error when the walk must stop here.
    ///
    /// ```
    /// use conversations_core::{Cursor, WalkGuard};
    /// let mut guard = WalkGuard::new("demo", None);
    /// assert!(!guard.page(Vec::<&str>::new(), Some(&Cursor::new("1"))).unwrap());
    /// let long = Cursor::new("x".repeat(70_000));
    /// let err = guard.page(["a"], Some(&long)).unwrap_err();
    /// assert!(err.to_string().contains("page 2 leads to a cursor of 70000 bytes"));
    /// ```
    pub fn page<K: Hash>(
        &mut self,
        keys: impl IntoIterator<Item = K>,
        next: Option<&Cursor>,
    ) -> Result<bool> {
        self.pages += 1;
        let mut fresh = false;
        for key in keys {
            let hash = self.hasher.hash_one(key);
            if self.keys.insert(hash) {
                fresh = true;
                self.order.push_back(hash);
                if self.order.len() > REMEMBERED_KEYS
                    && let Some(old) = self.order.pop_front()
                {
                    self.keys.remove(&old);
                }
            }
        }
        self.settle(fresh, next)
    }

    /// [`page`](Self::page) for records without a usable identity: a page counts as
    /// bringing something new whenever it is not empty.
    ///
    /// ```
    /// use conversations_core::{Cursor, WalkGuard};
    /// let mut guard = WalkGuard::new("demo", None);
    /// assert!(guard.page_of(2, Some(&Cursor::new("1"))).unwrap());
    /// assert!(!guard.page_of(0, Some(&Cursor::new("2"))).unwrap());
    /// ```
    pub fn page_of(&mut self, items: usize, next: Option<&Cursor>) -> Result<bool> {
        self.pages += 1;
        self.settle(items > 0, next)
    }

    /// Whether the last page taken brought a record not delivered before (also when it
    /// ended the walk with an error).
    ///
    /// ```
    /// use conversations_core::{Cursor, WalkGuard};
    /// let mut guard = WalkGuard::new("demo", Some(&Cursor::new("c")));
    /// assert!(guard.page(["new"], Some(&Cursor::new("c"))).is_err());
    /// assert!(guard.last_was_new());
    /// ```
    pub fn last_was_new(&self) -> bool {
        self.last_new
    }

    fn settle(&mut self, fresh: bool, next: Option<&Cursor>) -> Result<bool> {
        let page = self.pages;
        self.last_new = fresh;
        if fresh {
            self.stale = 0;
        } else if next.is_some() {
            self.stale += 1;
            if self.stale >= STALE_PAGES_LIMIT {
                return Err(Error::pagination(
                    self.provider.clone(),
                    format!(
                        "pages {} to {page} brought no record not already delivered; stopping \
                         instead of looping",
                        page + 1 - u64::from(self.stale)
                    ),
                ));
            }
        }
        if let Some(cursor) = next {
            let text = cursor.as_str();
            if text.len() > MAX_CURSOR_BYTES || text.chars().any(char::is_control) {
                return Err(Error::pagination(
                    self.provider.clone(),
                    format!(
                        "page {page} leads to a cursor of {} bytes{} that cannot be sent back; \
                         stopping",
                        text.len(),
                        if text.len() > MAX_CURSOR_BYTES {
                            ""
                        } else {
                            " holding control characters"
                        }
                    ),
                ));
            }
            if !self.cursors.insert(self.hasher.hash_one(text)) {
                return Err(Error::pagination(
                    self.provider.clone(),
                    format!(
                        "page {page} leads to a cursor already followed ({} bytes); stopping \
                         instead of looping",
                        text.len()
                    ),
                ));
            }
        }
        Ok(fresh)
    }
}

/// The identity of an item for [`WalkGuard`]: what tells two records apart (an id, the raw
/// bytes).
pub type ItemKey<'a, T> = Box<dyn for<'t> Fn(&'t T) -> &'t [u8] + Send + 'a>;

/// Turns an item as fetched (`W`) into the item handed out (`T`): identity for a plain walk,
/// a provider's decoder for one that fetches records encoded.
type ItemFinish<'a, W, T> = Box<dyn FnMut(W) -> T + Send + 'a>;

/// A check run on every item before it is handed out, with its position in the walk (from
/// 1); an error ends the walk after the items before it.
pub type ItemCheck<'a, T> = Box<dyn FnMut(&T, u64) -> Result<()> + Send + 'a>;

/// A stream of pages that follows cursors in one direction.
///
/// `T` is the item handed out; `W` (the same by default) is the item as fetched. A
/// [`ConversationSource`](crate::ConversationSource) walk fetches
/// [`EncodedConversation`](crate::EncodedConversation)s and decodes each one only when it is
/// handed out ([`ConversationPages`](crate::ConversationPages)), so a large page never holds
/// its body and all its decoded records at once.
///
/// Made by [`ConversationSourceExt::pages`](crate::ConversationSourceExt::pages) or, over any fetch
/// function, by [`Pages::new`]. As soon as a page is handed out, the fetch of the next one
/// starts, so it loads while the caller works on the current page. It stops after the last
/// page, after the page that reaches the limit (never fetching past it), after the first
/// error, or with [`Error::Pagination`] when a cursor repeats.
///
/// ```
/// use futures::{future, FutureExt, StreamExt};
/// use conversations_core::{Cursor, Direction, Page, Pages};
///
/// # futures::executor::block_on(async {
/// // Three pages of two numbers, cursors "1" and "2".
/// let pages = Pages::new("demo", None, Direction::Forward, None, Box::new(|cursor: Option<Cursor>, _| {
///     let n: u32 = cursor.map_or(0, |c| c.as_str().parse().unwrap());
///     let next = (n < 2).then(|| Cursor::new((n + 1).to_string()));
///     future::ready(Ok(Page { items: vec![2 * n, 2 * n + 1], next, prev: None })).boxed()
/// }));
/// let all: Vec<u32> = pages.items().map(|r| r.unwrap()).collect().await;
/// assert_eq!(all, vec![0, 1, 2, 3, 4, 5]);
/// # });
/// ```
pub struct Pages<'a, T, W = T> {
    provider: String,
    fetch: PageFetcher<'a, W>,
    direction: Direction,
    remaining: Option<u64>,
    start: Option<Option<Cursor>>,
    in_flight: Option<BoxFuture<'a, Result<Page<W>>>>,
    ready: Option<Result<Page<W>>>,
    guard: WalkGuard,
    key: Option<ItemKey<'a, W>>,
    pending_error: Option<Error>,
    done: bool,
    finish: ItemFinish<'a, W, T>,
    check: Option<ItemCheck<'a, T>>,
    accepted: u64,
    /// Items to drop from the first page (a resumed walk).
    skip: u64,
    /// The cursor of the fetch in flight, and of the page last handed out.
    fetching: Option<Cursor>,
    last: PageMark,
    /// Items of the page last handed out (after its offset), for [`Pages::position`].
    handed: u64,
    /// Whether a page was taken yet (before, the walk stands where it starts).
    taken: bool,
    /// Whether to fetch the page after a page ahead of time ([`Pages::fetch_ahead_while`]).
    ahead: Option<Ahead<'a, T, W>>,
    /// The next page's cursor, when its fetch waits for the caller to ask for it.
    deferred: Option<Cursor>,
}

/// A walk's rule for fetching ahead: a predicate on a page's last item, and how to copy a
/// fetched item to look at it.
type Ahead<'a, T, W> = (Box<dyn FnMut(&T) -> bool + Send + 'a>, fn(&W) -> W);

/// Where the page last handed out came from and leads to, for [`Items::position`].
#[derive(Debug, Clone, Default)]
struct PageMark {
    cursor: Option<Cursor>,
    /// Items of the page dropped before it was handed out (a resume's skip).
    offset: u64,
    /// Whether every item the server sent (after the offset) was handed out: not cut by a
    /// limit or a failed check.
    complete: bool,
    /// The cursor leading on from it.
    next: Option<Cursor>,
}

impl PageMark {
    /// The position once `delivered` of the page's handed-out items were delivered, `rest`
    /// of them still buffered.
    fn position(&self, delivered: u64, rest: usize) -> Option<Position> {
        if rest == 0 && self.complete {
            // The page is done: on to the next one, or the walk is over.
            return self.next.clone().map(|next| Position {
                cursor: Some(next),
                skip: 0,
            });
        }
        Some(Position {
            cursor: self.cursor.clone(),
            skip: self.offset + delivered,
        })
    }
}

// Nothing is ever pinned in place inside a paginator: items are plain values in `Vec`s and
// futures are boxed, so moving one is always fine.
impl<T, W> Unpin for Pages<'_, T, W> {}
impl<T, W> Unpin for Items<'_, T, W> {}

impl<'a, T, W> std::fmt::Debug for Pages<'a, T, W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages")
            .field("provider", &self.provider)
            .field("direction", &self.direction)
            .field("remaining", &self.remaining)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<'a, T: Send + 'a> Pages<'a, T> {
    /// Pages from `start` (`None`: the first page) walking in `direction`, stopping after
    /// `limit` items in all; `provider` names the source in errors.
    ///
    /// ```
    /// use futures::{future, FutureExt, StreamExt};
    /// use conversations_core::{Direction, Page, Pages};
    /// # futures::executor::block_on(async {
    /// let pages = Pages::new("demo", None, Direction::Forward, Some(1), Box::new(|_, _| {
    ///     future::ready(Ok(Page::single(vec!["a", "b"]))).boxed()
    /// }));
    /// let pages: Vec<_> = pages.collect().await;
    /// assert_eq!(pages[0].as_ref().unwrap().items, vec!["a"]);
    /// # });
    /// ```
    pub fn new(
        provider: impl Into<String>,
        start: Option<Cursor>,
        direction: Direction,
        limit: Option<u64>,
        fetch: PageFetcher<'a, T>,
    ) -> Self {
        Pages::finishing(
            provider,
            start,
            direction,
            limit,
            fetch,
            Box::new(|item| item),
        )
    }

    /// A stream that yields `error` and ends, without fetching anything.
    ///
    /// ```
    /// use futures::StreamExt;
    /// use conversations_core::{Error, Pages};
    /// # futures::executor::block_on(async {
    /// let mut pages = Pages::<u8>::failed(Error::invalid_query("demo", "bad"));
    /// assert!(pages.next().await.unwrap().is_err());
    /// assert!(pages.next().await.is_none());
    /// # });
    /// ```
    pub fn failed(error: Error) -> Self {
        Pages::failed_finishing(error, Box::new(|item| item))
    }
}

impl<'a, T: Send + 'a, W: Send + 'a> Pages<'a, T, W> {
    /// Like [`Pages::new`], for a walk that fetches items as `W` and hands each out as the
    /// `T` that `finish` makes of it: on a page as it is handed out, in [`Items`] one item
    /// at a time (so the finished items of a large page are never all held at once).
    pub(crate) fn finishing(
        provider: impl Into<String>,
        start: Option<Cursor>,
        direction: Direction,
        limit: Option<u64>,
        fetch: PageFetcher<'a, W>,
        finish: ItemFinish<'a, W, T>,
    ) -> Self {
        let provider = provider.into();
        let guard = WalkGuard::new(provider.clone(), start.as_ref());
        Self {
            provider,
            fetch,
            direction,
            remaining: limit,
            start: Some(start),
            in_flight: None,
            ready: None,
            guard,
            key: None,
            pending_error: None,
            done: false,
            finish,
            check: None,
            accepted: 0,
            skip: 0,
            fetching: None,
            last: PageMark::default(),
            handed: 0,
            taken: false,
            ahead: None,
            deferred: None,
        }
    }

    /// [`Pages::failed`] for a walk of [`finishing`](Self::finishing).
    pub(crate) fn failed_finishing(error: Error, finish: ItemFinish<'a, W, T>) -> Self {
        let mut pages = Self::finishing(
            error.provider().to_owned(),
            None,
            Direction::Forward,
            None,
            Box::new(|_, _| {
                futures::future::ready(Err(Error::pagination("", "unreachable"))).boxed()
            }),
            finish,
        );
        pages.start = None;
        pages.pending_error = Some(error);
        pages
    }

    /// Resumes a walk: drops the first `skip` items of the first page (see [`Position`]).
    ///
    /// ```
    /// use futures::{future, FutureExt, StreamExt};
    /// use conversations_core::{Direction, Page, Pages};
    /// # futures::executor::block_on(async {
    /// let pages = Pages::new("demo", None, Direction::Forward, None, Box::new(|_, _| {
    ///     future::ready(Ok(Page::single(vec![1, 2, 3]))).boxed()
    /// }))
    /// .skip_first(2);
    /// let items: Vec<i32> = pages.items().map(|r| r.unwrap()).collect().await;
    /// assert_eq!(items, [3]);
    /// # });
    /// ```
    pub fn skip_first(mut self, skip: u64) -> Self {
        self.skip = skip;
        self
    }

    /// Runs `check` on every item, with its position in the walk (from 1), before it is
    /// handed out. The first error ends the walk: the items before it are handed out, then
    /// the error.
    ///
    /// ```
    /// use futures::{future, FutureExt, StreamExt};
    /// use conversations_core::{Direction, Error, Page, Pages};
    /// # futures::executor::block_on(async {
    /// let pages = Pages::new("demo", None, Direction::Forward, None, Box::new(|_, _| {
    ///     future::ready(Ok(Page::single(vec![1, 2, -3, 4]))).boxed()
    /// }))
    /// .check(Box::new(|n: &i32, position| {
    ///     if *n < 0 { Err(Error::pagination("demo", format!("negative at {position}"))) } else { Ok(()) }
    /// }));
    /// let items: Vec<_> = pages.items().collect().await;
    /// assert_eq!(items.len(), 3);
    /// assert_eq!(items[2].as_ref().unwrap_err().to_string(), "demo: pagination error: negative at 3");
    /// # });
    /// ```
    pub fn check(mut self, check: ItemCheck<'a, T>) -> Self {
        self.check = Some(check);
        self
    }

    /// Tells the walk what identifies an item, so that pages bringing only items delivered
    /// already are recognized (see [`WalkGuard`]): such a page is handed out empty, and
    /// [`STALE_PAGES_LIMIT`] of them in a row end the walk. Without it only empty pages count.
    ///
    /// ```
    /// use futures::{future, FutureExt, StreamExt};
    /// use conversations_core::{Cursor, Direction, Page, Pages};
    /// # futures::executor::block_on(async {
    /// // A server that answers every page with the same two records and a new cursor.
    /// let mut n = 0;
    /// let pages = Pages::new("loopy", None, Direction::Forward, None, Box::new(move |_, _| {
    ///     n += 1;
    ///     future::ready(Ok(Page { items: vec!["a", "b"], next: Some(Cursor::new(n.to_string())), prev: None })).boxed()
    /// }))
    /// .key(Box::new(|item: &&str| item.as_bytes()));
    /// let items: Vec<_> = pages.items().collect().await;
    /// assert_eq!(items.len(), 3, "a, b, then the error");
    /// assert!(items[2].as_ref().unwrap_err().to_string().contains("no record not already delivered"));
    /// # });
    /// ```
    pub fn key(mut self, key: ItemKey<'a, W>) -> Self {
        self.key = Some(key);
        self
    }

    /// Where the walk stands after the pages handed out so far, as [`Items::position`] says
    /// it for items: persist it and resume with
    /// [`ConversationSourceExt::list_from`](crate::ConversationSourceExt::list_from). After a
    /// whole page it is the start of the next one; after a page the walk ended on (a check
    /// that refused an item, a cursor the walk will not follow) it stays on that page, past
    /// what the page brought. `None` once every page was handed out.
    ///
    /// ```
    /// use futures::{future, FutureExt, StreamExt};
    /// use conversations_core::{Cursor, Direction, Page, Pages, Position};
    /// # futures::executor::block_on(async {
    /// let mut pages = Pages::new("demo", None, Direction::Forward, None, Box::new(|cursor: Option<Cursor>, _| {
    ///     let next = cursor.is_none().then(|| Cursor::new("2"));
    ///     future::ready(Ok(Page { items: vec![1, 2], next, prev: None })).boxed()
    /// }));
    /// assert_eq!(pages.position(), Some(Position::start()));
    /// pages.next().await;
    /// assert_eq!(pages.position(), Some(Position::start().at(Cursor::new("2"), 0)));
    /// pages.next().await;
    /// assert_eq!(pages.position(), None);
    /// # });
    /// ```
    pub fn position(&self) -> Option<Position> {
        if self.taken {
            return self.last.position(self.handed, 0);
        }
        // Nothing taken yet: where the walk starts (its cursor is in flight, or not yet asked).
        let cursor = match &self.start {
            Some(start) => start.clone(),
            None => self.fetching.clone(),
        };
        Some(Position {
            cursor,
            skip: self.skip,
        })
    }

    /// Where the walk stands once the first `taken` items of the page last handed out are
    /// taken: on that page, past them (and past what was dropped from it before it was handed
    /// out), whether or not more pages follow. For a caller that commits part of a page.
    ///
    /// ```
    /// use futures::{future, FutureExt, StreamExt};
    /// use conversations_core::{Cursor, Direction, Page, Pages, Position};
    /// # futures::executor::block_on(async {
    /// let mut pages = Pages::new("demo", Some(Cursor::new("c")), Direction::Forward, None, Box::new(|_, _| {
    ///     future::ready(Ok(Page::single(vec![1, 2, 3]))).boxed()
    /// }))
    /// .skip_first(1);
    /// pages.next().await;
    /// assert_eq!(pages.position_in_page(1), Position::start().at(Cursor::new("c"), 2));
    /// # });
    /// ```
    pub fn position_in_page(&self, taken: u64) -> Position {
        match self.position() {
            Some(start) if !self.taken => Position {
                skip: start.skip + taken,
                ..start
            },
            _ => Position {
                cursor: self.last.cursor.clone(),
                skip: self.last.offset + taken,
            },
        }
    }

    /// Fetches the page after a page ahead of time (while the caller works on the current
    /// one) only when `ahead` says so of the current page's last item; otherwise the fetch
    /// waits until the caller asks for the next page. A walk that stops early by a rule of its
    /// own (a listing newest first that ends below a date, say) then asks for no page it will
    /// not read.
    ///
    /// ```
    /// use std::sync::{Arc, atomic::{AtomicU32, Ordering}};
    /// use futures::{future, FutureExt, StreamExt};
    /// use conversations_core::{Cursor, Direction, Page, Pages};
    /// # futures::executor::block_on(async {
    /// // Countdown pages: 9 8 7, 6 5 4, ...; fetch ahead only while a page ends above 5.
    /// let fetches = Arc::new(AtomicU32::new(0));
    /// let counter = fetches.clone();
    /// let mut pages = Pages::new("demo", None, Direction::Forward, None, Box::new(move |cursor: Option<Cursor>, _| {
    ///     counter.fetch_add(1, Ordering::SeqCst);
    ///     let top: u32 = cursor.map_or(9, |c| c.as_str().parse().unwrap());
    ///     let next = (top > 3).then(|| Cursor::new((top - 3).to_string()));
    ///     future::ready(Ok(Page { items: vec![top, top - 1, top - 2], next, prev: None })).boxed()
    /// }))
    /// .fetch_ahead_while(Box::new(|last: &u32| *last > 5));
    /// pages.next().await; // 9 8 7: the next page is fetched ahead
    /// pages.next().await; // 6 5 4: not this time
    /// assert_eq!(fetches.load(Ordering::SeqCst), 2);
    /// # });
    /// ```
    pub fn fetch_ahead_while(mut self, ahead: Box<dyn FnMut(&T) -> bool + Send + 'a>) -> Self
    where
        W: Clone,
    {
        self.ahead = Some((ahead, W::clone));
        self
    }

    /// The same walk, as a stream of items.
    ///
    /// ```
    /// use futures::{future, FutureExt, StreamExt};
    /// use conversations_core::{Direction, Page, Pages};
    /// # futures::executor::block_on(async {
    /// let pages = Pages::new("demo", None, Direction::Forward, None, Box::new(|_, _| {
    ///     future::ready(Ok(Page::single(vec![1, 2]))).boxed()
    /// }));
    /// assert_eq!(pages.items().count().await, 2);
    /// # });
    /// ```
    pub fn items(self) -> Items<'a, T, W> {
        let position = Position {
            cursor: match &self.start {
                Some(start) => start.clone(),
                None => None,
            },
            skip: self.skip,
        };
        Items {
            pages: self,
            buffer: VecDeque::new(),
            mark: PageMark::default(),
            delivered_in_page: 0,
            before_first_page: Some(position),
            window: None,
            remaining: None,
            closed: false,
        }
    }

    /// Drives the in-flight fetch, parking its result in `ready` when it completes.
    fn drive(&mut self, cx: &mut Context<'_>) {
        if let Some(fut) = self.in_flight.as_mut()
            && let Poll::Ready(result) = fut.poll_unpin(cx)
        {
            self.in_flight = None;
            self.ready = Some(result);
        }
    }

    /// The next page as fetched (its items not finished nor checked): skipped, cut to the
    /// limit, guarded against loops, with the next fetch started.
    fn poll_fetched(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Page<W>>>> {
        if let Some(error) = self.pending_error.take() {
            self.done = true;
            return Poll::Ready(Some(Err(error)));
        }
        if self.done {
            return Poll::Ready(None);
        }
        if let Some(start) = self.start.take() {
            self.fetching = start.clone();
            self.in_flight = Some((self.fetch)(start, self.remaining));
        } else if let Some(cursor) = self.deferred.take() {
            self.fetching = Some(cursor.clone());
            self.in_flight = Some((self.fetch)(Some(cursor), self.remaining));
        }
        self.drive(cx);
        match self.ready.take() {
            Some(result) => Poll::Ready(Some(self.accept(result, cx))),
            None => Poll::Pending,
        }
    }

    /// Takes a finished fetch's result: truncates to the limit, checks the cursor and starts
    /// the next fetch.
    fn accept(&mut self, result: Result<Page<W>>, cx: &mut Context<'_>) -> Result<Page<W>> {
        let mut page = match result {
            Ok(page) => page,
            Err(error) => {
                self.done = true;
                return Err(error);
            }
        };
        self.taken = true;
        self.handed = 0;
        let offset = std::mem::take(&mut self.skip).min(page.items.len() as u64);
        if offset > 0 {
            page.items.drain(..offset as usize);
        }
        self.last = PageMark {
            cursor: self.fetching.take(),
            offset,
            complete: true,
            next: page.cursor(self.direction).cloned(),
        };
        if let Some(remaining) = self.remaining.as_mut() {
            let keep = usize::try_from(*remaining).unwrap_or(usize::MAX);
            if page.items.len() > keep {
                page.items.truncate(keep);
                self.last.complete = false;
            }
            *remaining -= page.items.len() as u64;
        }
        if self.remaining == Some(0) {
            self.done = true;
            return Ok(page);
        }
        let next = page.cursor(self.direction).cloned();
        let verdict = match &self.key {
            Some(key) => self.guard.page(page.items.iter().map(key), next.as_ref()),
            None => self.guard.page_of(page.items.len(), next.as_ref()),
        };
        match verdict {
            // Every item was delivered already: hand out none of them again (they count as
            // passed over).
            Ok(false) => self.clear(&mut page),
            Ok(true) => {}
            Err(error) => {
                if !self.guard.last_was_new() {
                    self.clear(&mut page);
                }
                // The walk ends on this page: a resume starts past what it brought, never at
                // the cursor refused.
                self.last.complete = false;
                self.pending_error = Some(error);
                return Ok(page);
            }
        }
        match next {
            None => self.done = true,
            Some(cursor) if !self.worth_fetching_ahead(&page) => self.deferred = Some(cursor),
            Some(cursor) => {
                self.fetching = Some(cursor.clone());
                self.in_flight = Some((self.fetch)(Some(cursor), self.remaining));
                self.drive(cx);
            }
        }
        Ok(page)
    }

    /// Drops every item of `page`, as passed over.
    fn clear(&mut self, page: &mut Page<W>) {
        self.last.offset += page.items.len() as u64;
        page.items.clear();
    }

    /// Whether the [fetch-ahead rule](Self::fetch_ahead_while) wants the page after `page`
    /// now (without a rule, or for a page without items: yes).
    fn worth_fetching_ahead(&mut self, page: &Page<W>) -> bool {
        match (self.ahead.as_mut(), page.items.last()) {
            (Some((ahead, peek)), Some(last)) => ahead(&(self.finish)(peek(last))),
            _ => true,
        }
    }

    /// Finishes one item and runs the check on it: `Err` when the check refuses it, which
    /// ends the walk (nothing more is fetched; the page is no longer complete).
    fn finish_one(&mut self, item: W) -> Result<T> {
        let item = (self.finish)(item);
        if let Some(check) = self.check.as_mut()
            && let Err(error) = check(&item, self.accepted + 1)
        {
            self.stop_at_refused();
            return Err(error);
        }
        self.accepted += 1;
        Ok(item)
    }

    /// Finishes an item only to look at it (a window's look ahead): no check, no count.
    fn finish_peek(&mut self, item: W) -> T {
        (self.finish)(item)
    }

    /// The walk ends at an item the check refused: nothing more is fetched or reported.
    fn stop_at_refused(&mut self) {
        self.last.complete = false;
        self.done = true;
        self.in_flight = None;
        self.ready = None;
        self.deferred = None;
        self.pending_error = None;
    }
}

impl<'a, T: Send + 'a, W: Send + 'a> Stream for Pages<'a, T, W> {
    type Item = Result<Page<T>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let page = match this.poll_fetched(cx) {
            Poll::Ready(Some(Ok(page))) => page,
            Poll::Ready(Some(Err(error))) => return Poll::Ready(Some(Err(error))),
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Pending => return Poll::Pending,
        };
        let mut items = Vec::with_capacity(page.items.len());
        this.handed = 0;
        for item in page.items {
            match this.finish_one(item) {
                Ok(item) => {
                    items.push(item);
                    this.handed += 1;
                }
                Err(error) => {
                    if items.is_empty() {
                        return Poll::Ready(Some(Err(error)));
                    }
                    // The items before the refused one first, then the error.
                    this.pending_error = Some(error);
                    this.done = true;
                    break;
                }
            }
        }
        Poll::Ready(Some(Ok(Page {
            items,
            next: page.next,
            prev: page.prev,
        })))
    }
}

/// What a listing does with an item, as its [window](Items::window) says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Hand it out.
    Yes,
    /// Pass over it (it still counts as walked past, for [`Items::position`]).
    Skip,
    /// End the listing here, without it: nothing after it can be wanted.
    Stop,
}

/// A listing's window: given an item and the rest of its page (finished on demand, in
/// order), says whether to hand it out, pass over it or end the listing.
pub type ItemWindow<'a, T> = Box<dyn FnMut(&T, &mut dyn Iterator<Item = T>) -> Keep + Send + 'a>;

/// A listing's window and how to copy a fetched item to look at it ahead.
type Window<'a, T, W> = (ItemWindow<'a, T>, fn(&W) -> W);

/// A stream of items over a [`Pages`] walk.
///
/// While the caller consumes the items of one page, the next page is being fetched. Made by
/// [`ConversationSourceExt::list`](crate::ConversationSourceExt::list) or [`Pages::items`]. Items
/// fetched in another form (`W`, see [`Pages`]) are finished one at a time, as they are
/// handed out.
pub struct Items<'a, T, W = T> {
    pages: Pages<'a, T, W>,
    buffer: VecDeque<W>,
    /// The page the buffered items came from, and how many of its items were delivered.
    mark: PageMark,
    delivered_in_page: u64,
    /// Where the walk starts, until its first page is taken; then the position is derived from
    /// `mark`, `delivered_in_page` and what is still buffered (nothing is computed per item).
    before_first_page: Option<Position>,
    /// Which items to hand out ([`Items::window`]), with a way to look at the rest of the
    /// page without taking it.
    window: Option<Window<'a, T, W>>,
    /// How many more items to hand out, for a windowed listing's limit.
    remaining: Option<u64>,
    /// The window ended the listing.
    closed: bool,
}

impl<'a, T, W: Clone> Items<'a, T, W> {
    /// Hands out only the items `window` keeps, ending where it says `Stop`, and at most
    /// `limit` of them.
    ///
    /// ```
    /// use futures::{future, FutureExt, StreamExt};
    /// use conversations_core::{Direction, Keep, Page, Pages};
    /// # futures::executor::block_on(async {
    /// let pages = Pages::new("demo", None, Direction::Forward, None, Box::new(|_, _| {
    ///     future::ready(Ok(Page::single(vec![9, 8, 7, 6, 5]))).boxed()
    /// }));
    /// let odd_down_to_six = pages.items().window(Box::new(|n: &i32, _rest| match n {
    ///     n if *n < 6 => Keep::Stop,
    ///     n if n % 2 == 0 => Keep::Skip,
    ///     _ => Keep::Yes,
    /// }), None);
    /// let kept: Vec<i32> = odd_down_to_six.map(|n| n.unwrap()).collect().await;
    /// assert_eq!(kept, [9, 7]);
    /// # });
    /// ```
    pub fn window(mut self, window: ItemWindow<'a, T>, limit: Option<u64>) -> Self {
        self.window = Some((window, W::clone));
        self.remaining = limit;
        self
    }
}

impl<T, W> Items<'_, T, W> {
    /// Where the walk stands after the items handed out so far: persist it and resume with
    /// [`ConversationSourceExt::list_from`](crate::ConversationSourceExt::list_from). `None` once
    /// the walk has delivered everything (nothing is left to resume).
    ///
    /// ```
    /// use futures::StreamExt;
    /// use conversations_core::{ConversationQuery, ConversationSource, ConversationSourceExt, MemorySource, Position};
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let source = MemorySource::demo(5);
    /// let query = ConversationQuery::new().page_size(2);
    /// let mut items = source.list(query.clone());
    /// let first = items.next().await.unwrap().unwrap();
    /// let saved = serde_json::to_string(&items.position()).unwrap();
    /// // … later, in a fresh process:
    /// let position: Option<Position> = serde_json::from_str(&saved).unwrap();
    /// let rest: Vec<_> = source.list_from(query, position.unwrap()).collect().await;
    /// assert_eq!(rest.len(), 4);
    /// assert_ne!(rest[0].as_ref().unwrap().id, first.id);
    /// # });
    /// ```
    pub fn position(&self) -> Option<Position> {
        if self.closed {
            return None;
        }
        match &self.before_first_page {
            Some(start) => Some(start.clone()),
            None => self
                .mark
                .position(self.delivered_in_page, self.buffer.len()),
        }
    }
}

impl<'a, T, W> std::fmt::Debug for Items<'a, T, W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Items")
            .field("pages", &self.pages)
            .field("buffered", &self.buffer.len())
            .finish()
    }
}

impl<'a, T: Send + 'a, W: Send + 'a> Stream for Items<'a, T, W> {
    type Item = Result<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.closed || this.remaining == Some(0) {
                return Poll::Ready(None);
            }
            if let Some(item) = this.buffer.pop_front() {
                let item = match this.pages.finish_one(item) {
                    Ok(item) => item,
                    Err(error) => {
                        this.buffer.clear();
                        this.mark.complete = false;
                        return Poll::Ready(Some(Err(error)));
                    }
                };
                this.delivered_in_page += 1;
                if let Some((window, peek)) = this.window.as_mut() {
                    let pages = &mut this.pages;
                    let mut rest = this.buffer.iter().map(|w| pages.finish_peek(peek(w)));
                    match window(&item, &mut rest) {
                        Keep::Yes => {
                            if let Some(remaining) = this.remaining.as_mut() {
                                *remaining -= 1;
                            }
                        }
                        Keep::Skip => continue,
                        Keep::Stop => {
                            this.closed = true;
                            this.buffer.clear();
                            this.pages.stop_at_refused();
                            return Poll::Ready(None);
                        }
                    }
                }
                // Keep the prefetch moving while the caller works through this page (every
                // few items: a poll of an in-flight request is cheap, not free).
                if this.buffer.len().is_multiple_of(8) {
                    this.pages.drive(cx);
                }
                return Poll::Ready(Some(Ok(item)));
            }
            match this.pages.poll_fetched(cx) {
                Poll::Ready(Some(Ok(page))) => {
                    this.mark = this.pages.last.clone();
                    this.delivered_in_page = 0;
                    this.before_first_page = None;
                    // The page's own allocation becomes the buffer (the last one is empty):
                    // no copy, no second array of a large page.
                    this.buffer = VecDeque::from(page.items);
                }
                Poll::Ready(Some(Err(error))) => return Poll::Ready(Some(Err(error))),
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use futures::{StreamExt, future};

    use super::*;

    /// `total` numbers in pages of `size`, cursors are offsets; counts fetches.
    fn numbers<'a>(total: u32, size: u32, fetches: Arc<AtomicUsize>) -> PageFetcher<'a, u32> {
        Box::new(move |cursor, _| {
            fetches.fetch_add(1, Ordering::SeqCst);
            let start: u32 = cursor.map_or(0, |c| c.as_str().parse().unwrap());
            let end = (start + size).min(total);
            let next = (end < total).then(|| Cursor::new(end.to_string()));
            let prev = (start > 0).then(|| Cursor::new(format!("p{start}")));
            future::ready(Ok(Page {
                items: (start..end).collect(),
                next,
                prev,
            }))
            .boxed()
        })
    }

    /// A walk of `total` numbers in pages of two, stopping after `limit`, and its fetch count.
    fn counted(total: u32, limit: Option<u64>) -> (Pages<'static, u32>, Arc<AtomicUsize>) {
        let fetches = Arc::new(AtomicUsize::new(0));
        let walk = Pages::new(
            "t",
            None,
            Direction::Forward,
            limit,
            numbers(total, 2, fetches.clone()),
        );
        (walk, fetches)
    }

    #[tokio::test]
    async fn limit_stops_without_fetching_past_it() {
        let (pages, fetches) = counted(100, Some(5));
        let items: Vec<u32> = pages.items().map(|r| r.unwrap()).collect().await;
        assert_eq!(items, vec![0, 1, 2, 3, 4]);
        assert_eq!(fetches.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn exact_limit_on_page_boundary_fetches_no_more() {
        let (pages, fetches) = counted(100, Some(4));
        assert_eq!(pages.items().count().await, 4);
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn repeated_cursor_ends_with_pagination_error() {
        let fetch: PageFetcher<'_, u32> = Box::new(|_, _| {
            future::ready(Ok(Page {
                items: vec![7],
                next: Some(Cursor::new("same")),
                prev: None,
            }))
            .boxed()
        });
        let results: Vec<_> = Pages::new("loopy", None, Direction::Forward, None, fetch)
            .items()
            .collect()
            .await;
        // Without a key only empty pages count as bringing nothing new: two pages, then the
        // error on the repeated cursor.
        assert_eq!(results.len(), 3, "two pages then the error: {results:?}");
        let err = results.last().unwrap().as_ref().unwrap_err();
        assert!(matches!(err, Error::Pagination { .. }));
        assert!(err.to_string().starts_with("loopy: pagination error"));
    }

    #[tokio::test]
    async fn starting_cursor_counts_as_seen() {
        let fetch: PageFetcher<'_, u32> = Box::new(|_, _| {
            future::ready(Ok(Page {
                items: vec![1],
                next: Some(Cursor::new("start")),
                prev: None,
            }))
            .boxed()
        });
        let results: Vec<_> = Pages::new(
            "t",
            Some(Cursor::new("start")),
            Direction::Forward,
            None,
            fetch,
        )
        .collect()
        .await;
        assert_eq!(results.len(), 2);
        assert!(results[1].is_err());
    }

    #[tokio::test]
    async fn error_ends_the_stream() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = calls.clone();
        let fetch: PageFetcher<'_, u32> = Box::new(move |_, _| {
            counter.fetch_add(1, Ordering::SeqCst);
            future::ready(Err(Error::pagination("t", "boom"))).boxed()
        });
        let results: Vec<_> = Pages::new("t", None, Direction::Forward, None, fetch)
            .collect()
            .await;
        assert_eq!(results.len(), 1);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn prefetches_next_page_when_a_page_is_handed_out() {
        let (mut pages, fetches) = counted(10, None);
        let first = pages.next().await.unwrap().unwrap();
        assert_eq!(first.items, vec![0, 1]);
        // The second page was requested before the caller asked for it.
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_walk_ended_by_its_guard_stays_on_the_page_it_ended_on() {
        // Two records, then a cursor too long to send: the walk ends there, and its position
        // is past the page's records, on the page's own cursor, never on the refused one.
        let fetch: PageFetcher<'_, u32> = Box::new(|cursor: Option<Cursor>, _| {
            let next = Some(Cursor::new(match cursor {
                None => "2".to_owned(),
                Some(_) => "x".repeat(MAX_CURSOR_BYTES + 1),
            }));
            future::ready(Ok(Page {
                items: vec![1, 2],
                next,
                prev: None,
            }))
            .boxed()
        });
        let mut pages = Pages::new("t", None, Direction::Forward, None, fetch).skip_first(1);
        assert_eq!(pages.next().await.unwrap().unwrap().items, [2]);
        let at_two = Some(Position::start().at(Cursor::new("2"), 0));
        assert_eq!(pages.position(), at_two);
        assert_eq!(pages.next().await.unwrap().unwrap().items, [1, 2]);
        assert!(pages.next().await.unwrap().is_err());
        assert_eq!(
            pages.position(),
            Some(Position::start().at(Cursor::new("2"), 2))
        );
    }

    #[tokio::test]
    async fn a_page_of_records_delivered_before_is_passed_over_in_the_position() {
        // Records all known by one key: the first page brings something new, the next three
        // nothing, and the fourth ends the walk; a resume starts past that page's records.
        let fetch: PageFetcher<'_, u32> = Box::new(|cursor: Option<Cursor>, _| {
            let n: u32 = cursor.map_or(0, |c| c.as_str().parse().unwrap());
            future::ready(Ok(Page {
                items: vec![7, 8, 9],
                next: Some(Cursor::new((n + 1).to_string())),
                prev: None,
            }))
            .boxed()
        });
        let pages = Pages::new("t", None, Direction::Forward, None, fetch)
            .key(Box::new(|_: &u32| b"same".as_slice()));
        let mut items = pages.items();
        let mut taken = 0;
        while let Some(item) = items.next().await {
            if item.is_err() {
                break;
            }
            taken += 1;
        }
        assert_eq!(
            taken, 3,
            "the first page's records; the pages after it bring nothing"
        );
        assert_eq!(
            items.position(),
            Some(Position::start().at(Cursor::new("3"), 3))
        );
    }

    #[tokio::test]
    async fn a_fetch_not_made_ahead_is_made_when_the_next_page_is_asked_for() {
        let (pages, fetches) = counted(6, None);
        let mut pages = pages.fetch_ahead_while(Box::new(|last: &u32| *last < 1));
        assert_eq!(pages.next().await.unwrap().unwrap().items, [0, 1]);
        assert_eq!(
            fetches.load(Ordering::SeqCst),
            1,
            "the page ended at 1: no fetch ahead"
        );
        assert_eq!(pages.next().await.unwrap().unwrap().items, [2, 3]);
        assert_eq!(pages.next().await.unwrap().unwrap().items, [4, 5]);
        assert!(pages.next().await.is_none());
        assert_eq!(fetches.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn walks_backward_through_prev() {
        let fetch: PageFetcher<'_, u32> = Box::new(|cursor: Option<Cursor>, _| {
            // Cursor "pN": the two items before N.
            let end: u32 = cursor.map_or(6, |c| c.as_str()[1..].parse().unwrap());
            let start = end.saturating_sub(2);
            let prev = (start > 0).then(|| Cursor::new(format!("p{start}")));
            future::ready(Ok(Page {
                items: (start..end).collect(),
                next: None,
                prev,
            }))
            .boxed()
        });
        let pages: Vec<Vec<u32>> = Pages::new("t", None, Direction::Backward, None, fetch)
            .map(|p| p.unwrap().items)
            .collect()
            .await;
        assert_eq!(pages, vec![vec![4, 5], vec![2, 3], vec![0, 1]]);
    }
}
