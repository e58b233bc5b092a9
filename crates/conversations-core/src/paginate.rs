//! Auto-pagination: streams of pages and of items that follow cursors, prefetch the next
//! page while the caller works on the current one, honor a limit and detect cursor loops.
//!
//! [`Pages`] and [`Items`] work over any fetch function, so provider crates reuse them for
//! their native record types too.

use std::collections::{HashSet, VecDeque};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use futures::{FutureExt, Stream};

use crate::error::{Error, Result};
use crate::page::{Cursor, Direction, Page};

/// A function fetching the page at a cursor (`None`: the first page).
pub type PageFetcher<'a, T> =
    Box<dyn FnMut(Option<Cursor>) -> BoxFuture<'a, Result<Page<T>>> + Send + 'a>;

/// A check run on every item before it is handed out, with its position in the walk (from
/// 1); an error ends the walk after the items before it.
pub type ItemCheck<'a, T> = Box<dyn FnMut(&T, u64) -> Result<()> + Send + 'a>;

/// A stream of pages that follows cursors in one direction.
///
/// Made by [`ConversationSource::pages`](crate::ConversationSource::pages) or, over any fetch
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
/// let pages = Pages::new("demo", None, Direction::Forward, None, Box::new(|cursor: Option<Cursor>| {
///     let n: u32 = cursor.map_or(0, |c| c.as_str().parse().unwrap());
///     let next = (n < 2).then(|| Cursor::new((n + 1).to_string()));
///     future::ready(Ok(Page { items: vec![2 * n, 2 * n + 1], next, prev: None })).boxed()
/// }));
/// let all: Vec<u32> = pages.items().map(|r| r.unwrap()).collect().await;
/// assert_eq!(all, vec![0, 1, 2, 3, 4, 5]);
/// # });
/// ```
pub struct Pages<'a, T> {
    provider: String,
    fetch: PageFetcher<'a, T>,
    direction: Direction,
    remaining: Option<u64>,
    start: Option<Option<Cursor>>,
    in_flight: Option<BoxFuture<'a, Result<Page<T>>>>,
    ready: Option<Result<Page<T>>>,
    seen: HashSet<Cursor>,
    pending_error: Option<Error>,
    done: bool,
    check: Option<ItemCheck<'a, T>>,
    accepted: u64,
}

// Nothing is ever pinned in place inside a paginator: items are plain values in `Vec`s and
// futures are boxed, so moving one is always fine.
impl<T> Unpin for Pages<'_, T> {}
impl<T> Unpin for Items<'_, T> {}

impl<'a, T> std::fmt::Debug for Pages<'a, T> {
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
    /// let pages = Pages::new("demo", None, Direction::Forward, Some(1), Box::new(|_| {
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
        let mut seen = HashSet::new();
        if let Some(cursor) = &start {
            seen.insert(cursor.clone());
        }
        Self {
            provider: provider.into(),
            fetch,
            direction,
            remaining: limit,
            start: Some(start),
            in_flight: None,
            ready: None,
            seen,
            pending_error: None,
            done: false,
            check: None,
            accepted: 0,
        }
    }

    /// Runs `check` on every item, with its position in the walk (from 1), before it is
    /// handed out. The first error ends the walk: the items before it on its page are
    /// handed out, then the error.
    ///
    /// ```
    /// use futures::{future, FutureExt, StreamExt};
    /// use conversations_core::{Direction, Error, Page, Pages};
    /// # futures::executor::block_on(async {
    /// let pages = Pages::new("demo", None, Direction::Forward, None, Box::new(|_| {
    ///     future::ready(Ok(Page::single(vec![1, 2, -3, 4]))).boxed()
    /// }))
    /// .with_check(Box::new(|n: &i32, position| {
    ///     if *n < 0 { Err(Error::pagination("demo", format!("negative at {position}"))) } else { Ok(()) }
    /// }));
    /// let items: Vec<_> = pages.items().collect().await;
    /// assert_eq!(items.len(), 3);
    /// assert_eq!(items[2].as_ref().unwrap_err().to_string(), "demo: pagination error: negative at 3");
    /// # });
    /// ```
    pub fn with_check(mut self, check: ItemCheck<'a, T>) -> Self {
        self.check = Some(check);
        self
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
        let provider = error.provider().to_owned();
        Self {
            provider,
            fetch: Box::new(|_| {
                futures::future::ready(Err(Error::pagination("", "unreachable"))).boxed()
            }),
            direction: Direction::Forward,
            remaining: None,
            start: None,
            in_flight: None,
            ready: None,
            seen: HashSet::new(),
            pending_error: Some(error),
            done: false,
            check: None,
            accepted: 0,
        }
    }

    /// The same walk, as a stream of items.
    ///
    /// ```
    /// use futures::{future, FutureExt, StreamExt};
    /// use conversations_core::{Direction, Page, Pages};
    /// # futures::executor::block_on(async {
    /// let pages = Pages::new("demo", None, Direction::Forward, None, Box::new(|_| {
    ///     future::ready(Ok(Page::single(vec![1, 2]))).boxed()
    /// }));
    /// assert_eq!(pages.items().count().await, 2);
    /// # });
    /// ```
    pub fn items(self) -> Items<'a, T> {
        Items {
            pages: self,
            buffer: VecDeque::new(),
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

    /// Takes a finished fetch's result: truncates to the limit, checks the cursor and starts
    /// the next fetch.
    fn accept(&mut self, result: Result<Page<T>>, cx: &mut Context<'_>) -> Result<Page<T>> {
        let mut page = match result {
            Ok(page) => page,
            Err(error) => {
                self.done = true;
                return Err(error);
            }
        };
        if let Some(remaining) = self.remaining.as_mut() {
            let keep = usize::try_from(*remaining).unwrap_or(usize::MAX);
            page.items.truncate(keep);
            *remaining -= page.items.len() as u64;
        }
        if let Some(check) = self.check.as_mut() {
            let failed = page.items.iter().enumerate().find_map(|(i, item)| {
                check(item, self.accepted + i as u64 + 1)
                    .err()
                    .map(|e| (i, e))
            });
            if let Some((index, error)) = failed {
                page.items.truncate(index);
                self.accepted += index as u64;
                self.done = true;
                if page.items.is_empty() {
                    return Err(error);
                }
                self.pending_error = Some(error);
                return Ok(page);
            }
        }
        self.accepted += page.items.len() as u64;
        if self.remaining == Some(0) {
            self.done = true;
            return Ok(page);
        }
        match page.cursor(self.direction).cloned() {
            None => self.done = true,
            Some(cursor) if !self.seen.insert(cursor.clone()) => {
                self.pending_error = Some(Error::pagination(
                    self.provider.clone(),
                    format!(
                        "the provider repeated cursor {:?}; stopping instead of looping",
                        cursor.as_str()
                    ),
                ));
            }
            Some(cursor) => {
                self.in_flight = Some((self.fetch)(Some(cursor)));
                self.drive(cx);
            }
        }
        Ok(page)
    }
}

impl<'a, T: Send + 'a> Stream for Pages<'a, T> {
    type Item = Result<Page<T>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if let Some(error) = this.pending_error.take() {
            this.done = true;
            return Poll::Ready(Some(Err(error)));
        }
        if this.done {
            return Poll::Ready(None);
        }
        if let Some(start) = this.start.take() {
            this.in_flight = Some((this.fetch)(start));
        }
        this.drive(cx);
        match this.ready.take() {
            Some(result) => Poll::Ready(Some(this.accept(result, cx))),
            None => Poll::Pending,
        }
    }
}

/// A stream of items over a [`Pages`] walk.
///
/// While the caller consumes the items of one page, the next page is being fetched. Made by
/// [`ConversationSource::list`](crate::ConversationSource::list) or [`Pages::items`].
pub struct Items<'a, T> {
    pages: Pages<'a, T>,
    buffer: VecDeque<T>,
}

impl<'a, T> std::fmt::Debug for Items<'a, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Items")
            .field("pages", &self.pages)
            .field("buffered", &self.buffer.len())
            .finish()
    }
}

impl<'a, T: Send + 'a> Stream for Items<'a, T> {
    type Item = Result<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(item) = this.buffer.pop_front() {
                // Keep the prefetch moving while the caller works through this page (every
                // few items: a poll of an in-flight request is cheap, not free).
                if this.buffer.len().is_multiple_of(8) {
                    this.pages.drive(cx);
                }
                return Poll::Ready(Some(Ok(item)));
            }
            match Pin::new(&mut this.pages).poll_next(cx) {
                Poll::Ready(Some(Ok(page))) => this.buffer.extend(page.items),
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
        Box::new(move |cursor| {
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

    #[tokio::test]
    async fn limit_stops_without_fetching_past_it() {
        let fetches = Arc::new(AtomicUsize::new(0));
        let pages = Pages::new(
            "t",
            None,
            Direction::Forward,
            Some(5),
            numbers(100, 2, fetches.clone()),
        );
        let items: Vec<u32> = pages.items().map(|r| r.unwrap()).collect().await;
        assert_eq!(items, vec![0, 1, 2, 3, 4]);
        assert_eq!(fetches.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn exact_limit_on_page_boundary_fetches_no_more() {
        let fetches = Arc::new(AtomicUsize::new(0));
        let pages = Pages::new(
            "t",
            None,
            Direction::Forward,
            Some(4),
            numbers(100, 2, fetches.clone()),
        );
        assert_eq!(pages.items().count().await, 4);
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn repeated_cursor_ends_with_pagination_error() {
        let fetch: PageFetcher<'_, u32> = Box::new(|_| {
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
        assert_eq!(results.len(), 3, "two pages then the error: {results:?}");
        let err = results.last().unwrap().as_ref().unwrap_err();
        assert!(matches!(err, Error::Pagination { .. }));
        assert!(err.to_string().starts_with("loopy: pagination error"));
    }

    #[tokio::test]
    async fn starting_cursor_counts_as_seen() {
        let fetch: PageFetcher<'_, u32> = Box::new(|_| {
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
        let fetch: PageFetcher<'_, u32> = Box::new(move |_| {
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
        let fetches = Arc::new(AtomicUsize::new(0));
        let mut pages = Pages::new(
            "t",
            None,
            Direction::Forward,
            None,
            numbers(10, 2, fetches.clone()),
        );
        let first = pages.next().await.unwrap().unwrap();
        assert_eq!(first.items, vec![0, 1]);
        // The second page was requested before the caller asked for it.
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn walks_backward_through_prev() {
        let fetch: PageFetcher<'_, u32> = Box::new(|cursor: Option<Cursor>| {
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
