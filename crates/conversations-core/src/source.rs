//! The [`ConversationSource`] trait (what a provider says: its name, its capabilities, one
//! page) and [`ConversationSourceExt`] (the validating, paginating walks every caller gets
//! for free, implemented once for every source).

use std::sync::Arc;

use async_trait::async_trait;

use crate::capabilities::Capabilities;
use crate::decode::EncodedConversation;
use crate::error::{Error, Result};
use crate::floor::{Floor, Step};
use crate::model::Conversation;
use crate::page::{Cursor, Direction, Page};
use crate::paginate::{Items, Keep, Pages, Position};
use crate::query::ConversationQuery;

/// The pages of a [`ConversationSource`] walk: records are fetched encoded and decoded as
/// each page is handed out.
pub type ConversationPages<'a> = Pages<'a, Conversation, EncodedConversation>;

/// The conversations of a [`ConversationSource`] walk, each decoded only when it is handed
/// out.
pub type ConversationItems<'a> = Items<'a, Conversation, EncodedConversation>;

/// A provider of conversations.
///
/// Implementors write three methods: [`provider`](Self::provider),
/// [`capabilities`](Self::capabilities) and [`list_page`](Self::list_page) (one attempt at
/// one page). Callers use [`ConversationSourceExt`], implemented for every source, which
/// validates the query against the capabilities before any request and auto-paginates:
/// [`fetch_page`](ConversationSourceExt::fetch_page), [`pages`](ConversationSourceExt::pages),
/// [`list`](ConversationSourceExt::list), [`list_from`](ConversationSourceExt::list_from)
/// and [`listing`](ConversationSourceExt::listing).
///
/// Nothing here retries: a source built on `conversations-transport` has every request
/// retried there, and `conversations_transport::Retrying` retries any other source's pages.
///
/// A source that can point into its response body may also implement
/// [`list_page_encoded`](Self::list_page_encoded): listings then decode each record only
/// when it is handed out, so a large page costs little more than its body.
///
/// The trait is object safe: `Box<dyn ConversationSource>` and `Arc<dyn ConversationSource>`
/// work, and both implement the trait themselves.
///
/// ```
/// use async_trait::async_trait;
/// use conversations_core::{
///     Capabilities, Conversation, ConversationQuery, ConversationSource, ConversationSourceExt, Cursor, Page, Result,
/// };
///
/// /// A provider with exactly one conversation.
/// struct One;
///
/// #[async_trait]
/// impl ConversationSource for One {
///     fn provider(&self) -> &str {
///         "one"
///     }
///     fn capabilities(&self) -> Capabilities {
///         Capabilities::new()
///     }
///     async fn list_page(&self, _: &ConversationQuery, _: Option<&Cursor>) -> Result<Page<Conversation>> {
///         Ok(Page::single(vec![Conversation::new("one", serde_json::json!({}))]))
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// use futures::TryStreamExt;
/// let source: Box<dyn ConversationSource> = Box::new(One);
/// let all: Vec<Conversation> = source.list(ConversationQuery::new()).try_collect().await.unwrap();
/// assert_eq!(all.len(), 1);
/// // A filter the source does not support is refused, never ignored.
/// let err = source.list(ConversationQuery::new().channel("api")).try_collect::<Vec<_>>().await;
/// assert!(err.is_err());
/// # });
/// ```
#[async_trait]
pub trait ConversationSource: Send + Sync {
    /// The provider's name, e.g. `"asapp"`; it tags every record and error.
    fn provider(&self) -> &str;

    /// What this source supports: filters, page sizes, directions.
    fn capabilities(&self) -> Capabilities;

    /// One attempt at one page: the first page for `cursor = None`, else the page at `cursor`.
    ///
    /// Implementations should return [`Error::InvalidQuery`] for a query their capabilities
    /// refuse (callers going through [`ConversationSourceExt`] are checked already). One
    /// call is one attempt: retries are the transport's.
    async fn list_page(
        &self,
        query: &ConversationQuery,
        cursor: Option<&Cursor>,
    ) -> Result<Page<Conversation>>;

    /// One attempt at one page, its records left as the bytes received: each is decoded when
    /// a listing hands it out. The walks of the provided methods fetch through this.
    ///
    /// The default decodes the page with [`list_page`](Self::list_page) and wraps each
    /// record. A source whose pages can be large overrides it, keeping each record as a slice
    /// of the body ([`EncodedConversation::in_body`]) with its decoder; it must decode each
    /// record exactly as `list_page` would.
    ///
    /// ```
    /// use conversations_core::{ConversationQuery, ConversationSource, MemorySource};
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let source = MemorySource::demo(3);
    /// let page = source.list_page_encoded(&ConversationQuery::new(), None).await.unwrap();
    /// let first = page.items.into_iter().next().unwrap().decode();
    /// assert_eq!(first.provider, "memory");
    /// # });
    /// ```
    async fn list_page_encoded(
        &self,
        query: &ConversationQuery,
        cursor: Option<&Cursor>,
    ) -> Result<Page<EncodedConversation>> {
        Ok(self
            .list_page(query, cursor)
            .await?
            .map(EncodedConversation::decoded))
    }
}

/// What every [`ConversationSource`] can do, written once: validate a query against the
/// source's capabilities before any request, auto-paginate, follow cursors, resume from a
/// [`Position`], check strict listings, and stop on cursor loops.
///
/// Implemented for every source (and `Box`, `Arc` or `&` of one, sized or `dyn`); it cannot be
/// implemented by hand, so no source can change what a listing means. Bring it into scope to
/// call its methods:
///
/// ```
/// use futures::TryStreamExt;
/// use conversations_core::{ConversationQuery, ConversationSource, ConversationSourceExt, MemorySource};
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let source: Box<dyn ConversationSource> = Box::new(MemorySource::demo(7));
/// let all: Vec<_> = source.list(ConversationQuery::new().page_size(3)).try_collect().await.unwrap();
/// assert_eq!(all.len(), 7);
/// # });
/// ```
///
/// Retries are not here: they are the transport's, which every request of our providers
/// goes through (`conversations_transport::Retrying` adds them to any other source).
#[async_trait]
pub trait ConversationSourceExt: ConversationSource {
    /// One page, after checking `query` against the capabilities; strict queries fail on
    /// the first record off its documented types.
    ///
    /// ```
    /// use conversations_core::{ConversationQuery, ConversationSource, ConversationSourceExt, MemorySource};
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let source = MemorySource::new("memory", vec![]);
    /// let page = source.fetch_page(&ConversationQuery::new(), None).await.unwrap();
    /// assert!(page.items.is_empty() && page.next.is_none());
    /// # });
    /// ```
    async fn fetch_page(
        &self,
        query: &ConversationQuery,
        cursor: Option<&Cursor>,
    ) -> Result<Page<Conversation>> {
        self.capabilities().validate(self.provider(), query)?;
        if query.since.is_some() || query.until.is_some() {
            let why = "since/until bound listings (list, list_from, listing), not pages";
            return Err(Error::invalid_query(self.provider(), why));
        }
        let page = self.list_page(query, cursor).await?;
        if query.strict {
            let mut check = strict_check(self.provider());
            for (i, item) in page.items.iter().enumerate() {
                check(item, i as u64 + 1)?;
            }
        }
        Ok(page)
    }

    /// Every page for `query`, following `next` cursors, as a stream.
    ///
    /// See [`Pages`] for prefetching, limits and cursor-loop detection.
    ///
    /// ```
    /// use futures::TryStreamExt;
    /// use conversations_core::{ConversationQuery, ConversationSource, ConversationSourceExt, MemorySource};
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let source = MemorySource::demo(5);
    /// let pages: Vec<_> = source.pages(ConversationQuery::new().page_size(2)).try_collect().await.unwrap();
    /// assert_eq!(pages.iter().map(|p| p.items.len()).collect::<Vec<_>>(), vec![2, 2, 1]);
    /// # });
    /// ```
    fn pages(&self, query: ConversationQuery) -> ConversationPages<'_> {
        self.pages_from(query, None, Direction::Forward)
    }

    /// Every conversation for `query`, in the provider's order, each exactly once.
    ///
    /// ```
    /// use futures::TryStreamExt;
    /// use conversations_core::{ConversationQuery, ConversationSource, ConversationSourceExt, MemorySource};
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let source = MemorySource::demo(5);
    /// let all: Vec<_> = source.list(ConversationQuery::new().limit(3)).try_collect().await.unwrap();
    /// assert_eq!(all.len(), 3);
    /// # });
    /// ```
    fn list(&self, query: ConversationQuery) -> ConversationItems<'_> {
        listing_items(self, query, Position::start())
    }

    /// Pages from `start` (a cursor saved from an earlier [`Page`]; `None` for the first
    /// page) in `direction`.
    ///
    /// ```
    /// use futures::TryStreamExt;
    /// use conversations_core::{ConversationQuery, ConversationSource, ConversationSourceExt, Cursor, Direction, MemorySource};
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let source = MemorySource::demo(5);
    /// let query = ConversationQuery::new().page_size(2);
    /// let first = source.fetch_page(&query, None).await.unwrap();
    /// // Persist the cursor, then resume later.
    /// let saved = serde_json::to_string(&first.next).unwrap();
    /// let resumed: Option<Cursor> = serde_json::from_str(&saved).unwrap();
    /// let rest: Vec<_> = source.pages_from(query, resumed, Direction::Forward).try_collect().await.unwrap();
    /// assert_eq!(rest.iter().map(|p| p.items.len()).sum::<usize>(), 3);
    /// # });
    /// ```
    fn pages_from(
        &self,
        query: ConversationQuery,
        start: Option<Cursor>,
        direction: Direction,
    ) -> ConversationPages<'_> {
        walk(self, query, start, direction, false)
    }

    /// Every conversation for `query` from `position` on — one read earlier from
    /// [`Items::position`](crate::Items::position), persisted, and loaded again, maybe in a fresh process. Yields
    /// exactly the conversations not yet delivered before it.
    ///
    /// ```
    /// use futures::TryStreamExt;
    /// use conversations_core::{ConversationQuery, ConversationSource, ConversationSourceExt, MemorySource};
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let source = MemorySource::demo(5);
    /// let query = ConversationQuery::new().page_size(2);
    /// let mut first_three = source.list(query.clone().limit(3));
    /// while first_three.try_next().await.unwrap().is_some() {}
    /// let position = first_three.position().unwrap();
    /// let rest: Vec<_> = source.list_from(query, position).try_collect().await.unwrap();
    /// assert_eq!(rest.len(), 2);
    /// # });
    /// ```
    fn list_from(&self, query: ConversationQuery, position: Position) -> ConversationItems<'_> {
        listing_items(self, query, position)
    }

    /// Like [`list_from`](Self::list_from), as a stream that owns the source (`'static`), so
    /// a listing can be spawned on a task or kept across calls.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use futures::TryStreamExt;
    /// use conversations_core::{ConversationQuery, ConversationSource, ConversationSourceExt, MemorySource, Position};
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let source: Arc<dyn ConversationSource> = Arc::new(MemorySource::demo(5));
    /// let listing = source.listing(ConversationQuery::new(), Position::start());
    /// let all = tokio::spawn(listing.try_collect::<Vec<_>>()).await.unwrap().unwrap();
    /// assert_eq!(all.len(), 5);
    /// # });
    /// ```
    fn listing(
        self: Arc<Self>,
        query: ConversationQuery,
        position: Position,
    ) -> ConversationItems<'static>
    where
        Self: 'static,
    {
        listing_items(self, query, position)
    }
}

impl<S: ConversationSource + ?Sized> ConversationSourceExt for S {}

/// The items of a listing from `position`: the walk, and, for a query bounded by
/// [`since`](ConversationQuery::since) or [`until`](ConversationQuery::until), a window that
/// hands out only what they keep — stopping below `since` where the listing comes newest
/// first (its order checked record by record), and counting the limit on what it keeps.
fn listing_items<'a, S, H>(
    handle: H,
    mut query: ConversationQuery,
    position: Position,
) -> ConversationItems<'a>
where
    S: ConversationSource + ?Sized,
    H: std::ops::Deref<Target = S> + Clone + Send + Sync + 'a,
{
    let (since, until) = (query.since, query.until);
    if since.is_none() && until.is_none() {
        return walk(handle, query, position.cursor, Direction::Forward, false)
            .skip_first(position.skip)
            .items();
    }
    let newest_first = handle.capabilities().lists_newest_first();
    let limit = query.limit.take();
    let mut floor = Floor::new(since.filter(|_| newest_first));
    let window = move |c: &Conversation, rest: &mut dyn Iterator<Item = Conversation>| {
        if floor.step(c.created_at, rest.map(|r| r.created_at)) == Step::Stop {
            return Keep::Stop;
        }
        let t = c.created_at;
        // A record without a time cannot be placed outside the bounds: it is kept.
        let outside =
            t.is_some_and(|t| since.is_some_and(|s| t < s) || until.is_some_and(|u| t >= u));
        if outside { Keep::Skip } else { Keep::Yes }
    };
    walk(handle, query, position.cursor, Direction::Forward, true)
        .skip_first(position.skip)
        .items()
        .window(Box::new(window), limit)
}

/// The paginated walk every provided method runs: validate, then pages from `start`, each
/// fetch asking no more than the walk still wants (within
/// the source's page sizes), and strict listings checked record by record. `handle` is the
/// source borrowed (`&S`) or owned (`Arc<S>`), which sets the walk's lifetime.
fn walk<'a, S, H>(
    handle: H,
    query: ConversationQuery,
    start: Option<Cursor>,
    direction: Direction,
    windowed: bool,
) -> ConversationPages<'a>
where
    S: ConversationSource + ?Sized,
    H: std::ops::Deref<Target = S> + Clone + Send + Sync + 'a,
{
    let provider = handle.provider().to_owned();
    let capabilities = handle.capabilities();
    if let Err(error) = capabilities.validate(&provider, &query) {
        return Pages::failed_finishing(error, Box::new(EncodedConversation::decode));
    }
    if !windowed && (query.since.is_some() || query.until.is_some()) {
        return Pages::failed_finishing(
            Error::invalid_query(
                provider,
                "since/until bound listings (list, list_from, listing), not pages",
            ),
            Box::new(EncodedConversation::decode),
        );
    }
    // Forward is following the `next` cursors a source hands out, which every walk does: a
    // cursor it handed out is a place to start from. Backward needs the source's word.
    if direction == Direction::Backward && !capabilities.pages_backward() && start.is_some() {
        return Pages::failed_finishing(
            Error::invalid_query(provider, format!("this source cannot page {direction:?}")),
            Box::new(EncodedConversation::decode),
        );
    }
    let limit = query.limit;
    let strict = query.strict;
    let bounds = capabilities
        .page_size()
        .filter(|_| capabilities.pages_resizable());
    let query = Arc::new(query);
    let fetcher = handle.clone();
    let pages = Pages::finishing(
        provider.clone(),
        start,
        direction,
        limit,
        Box::new(move |cursor: Option<Cursor>, wanted: Option<u64>| {
            let source = fetcher.clone();
            let query = match (wanted, bounds) {
                (Some(wanted), Some(bounds))
                    if wanted < u64::from(query.page_size.unwrap_or(bounds.default)) =>
                {
                    // Never ask for more than the walk still wants.
                    let mut smaller = (*query).clone();
                    smaller.page_size = Some((wanted as u32).max(bounds.min));
                    Arc::new(smaller)
                }
                _ => Arc::clone(&query),
            };
            Box::pin(async move { source.list_page_encoded(&query, cursor.as_ref()).await })
        }),
        Box::new(EncodedConversation::decode),
    );
    // A record is known by its id when it is decoded already, else by its bytes.
    let pages = pages.key(Box::new(EncodedConversation::key));
    if strict {
        pages.check(strict_check(&provider))
    } else {
        pages
    }
}

/// The check strict listings run on every record: its first note, if any, as an
/// [`Error::OffSpec`].
fn strict_check<'a>(provider: &str) -> crate::paginate::ItemCheck<'a, Conversation> {
    let provider = provider.to_owned();
    Box::new(
        move |conversation: &Conversation, position| match conversation.notes.first() {
            Some(note) => Err(Error::off_spec(provider.clone(), position, note.clone())),
            None => Ok(()),
        },
    )
}

macro_rules! delegate_source {
    ($ty:ty) => {
        #[async_trait]
        impl<S: ConversationSource + ?Sized> ConversationSource for $ty {
            fn provider(&self) -> &str {
                (**self).provider()
            }
            fn capabilities(&self) -> Capabilities {
                (**self).capabilities()
            }
            async fn list_page(
                &self,
                query: &ConversationQuery,
                cursor: Option<&Cursor>,
            ) -> Result<Page<Conversation>> {
                (**self).list_page(query, cursor).await
            }
            async fn list_page_encoded(
                &self,
                query: &ConversationQuery,
                cursor: Option<&Cursor>,
            ) -> Result<Page<EncodedConversation>> {
                (**self).list_page_encoded(query, cursor).await
            }
        }
    };
}

delegate_source!(Box<S>);
delegate_source!(Arc<S>);
delegate_source!(&S);
