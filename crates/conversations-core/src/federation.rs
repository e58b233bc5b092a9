//! Federation: several sources listed concurrently into one stream, each item tagged with
//! the name of the source it came from.
//!
//! Sources are told apart by a caller-given name (two Autocalls accounts, say), defaulting to
//! the provider's name. A query a source cannot take is known before any request:
//! [`Federation::split_refused`] sets those sources aside with the reason, so a caller can
//! list from the others and say which were left out.

use std::sync::Arc;

use futures::stream::{self, BoxStream, StreamExt};

use crate::error::{Error, Result};
use crate::model::Conversation;
use crate::paginate::Position;
use crate::query::ConversationQuery;
use crate::source::{ConversationSource, ConversationSourceExt};

/// One item of a federated listing: a conversation or an error, tagged with its source's name.
#[derive(Debug)]
#[non_exhaustive]
pub struct FederatedItem {
    /// The name of the source the item came from (shared, not copied per item).
    pub source: Arc<str>,
    /// The conversation, or the error that ended that source's listing.
    pub result: Result<Conversation>,
}

/// One source of a federation, with its name and query.
#[derive(Clone)]
struct Member {
    name: Arc<str>,
    source: Arc<dyn ConversationSource>,
    query: ConversationQuery,
}

/// Lists several sources at once into one stream.
///
/// Each source runs its own query; items from one source keep that source's order, and the
/// sources interleave as their pages arrive. When one source fails, its error arrives tagged
/// with the source's name and the others go on; with [`fail_fast`](Self::fail_fast) the
/// stream ends after the first error instead.
///
/// ```
/// use std::sync::Arc;
/// use futures::StreamExt;
/// use conversations_core::{ConversationQuery, Federation, MemorySource};
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let a = MemorySource::new("memory", conversations_core::demo_conversations("memory", 3));
/// let b = MemorySource::new("memory", conversations_core::demo_conversations("memory", 2));
/// let federation = Federation::new()
///     .named_source("acme", Arc::new(a), ConversationQuery::new())
///     .named_source("globex", Arc::new(b), ConversationQuery::new());
/// let items: Vec<_> = federation.list().collect().await;
/// assert_eq!(items.len(), 5);
/// assert_eq!(items.iter().filter(|i| &*i.source == "globex").count(), 2);
/// # });
/// ```
#[derive(Clone, Default)]
pub struct Federation {
    members: Vec<Member>,
    fail_fast: bool,
}

impl std::fmt::Debug for Federation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Federation")
            .field("sources", &self.names())
            .field("fail_fast", &self.fail_fast)
            .finish()
    }
}

impl Federation {
    /// A federation with no sources, carrying on past errors.
    ///
    /// ```
    /// assert!(conversations_core::Federation::new().is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a source, named after its provider, listing `query`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use conversations_core::{ConversationQuery, Federation, MemorySource};
    /// let f = Federation::new().source(Arc::new(MemorySource::demo(1)), ConversationQuery::new());
    /// assert_eq!(f.names(), ["memory"]);
    /// ```
    pub fn source(self, source: Arc<dyn ConversationSource>, query: ConversationQuery) -> Self {
        let name: Arc<str> = Arc::from(source.provider());
        self.named_source(name, source, query)
    }

    /// Adds a source under a caller-given `name` (it tags the source's items), listing `query`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use conversations_core::{ConversationQuery, Federation, MemorySource};
    /// let f = Federation::new().named_source("eu-account", Arc::new(MemorySource::demo(1)), ConversationQuery::new());
    /// assert_eq!(f.names(), ["eu-account"]);
    /// ```
    pub fn named_source(
        mut self,
        name: impl Into<Arc<str>>,
        source: Arc<dyn ConversationSource>,
        query: ConversationQuery,
    ) -> Self {
        self.members.push(Member {
            name: name.into(),
            source,
            query,
        });
        self
    }

    /// Ends the stream after the first error (off by default: other sources go on).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use futures::StreamExt;
    /// use conversations_core::{ApiErrorDetails, ConversationQuery, Error, Federation, MemorySource};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let federation = |fail_fast: bool| {
    ///     let mut federation = Federation::new().fail_fast(fail_fast);
    ///     for name in ["a", "b"] {
    ///         let broken = MemorySource::new(name, vec![]);
    ///         broken.fail_next(Error::from_status(name, ApiErrorDetails::new(401), None));
    ///         federation = federation.source(Arc::new(broken), ConversationQuery::new());
    ///     }
    ///     federation
    /// };
    /// assert_eq!(federation(false).list().count().await, 2, "both errors");
    /// assert_eq!(federation(true).list().count().await, 1, "the first error only");
    /// # });
    /// ```
    pub fn fail_fast(mut self, fail_fast: bool) -> Self {
        self.fail_fast = fail_fast;
        self
    }

    /// Whether no source was added.
    ///
    /// ```
    /// assert!(conversations_core::Federation::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The sources' names, in the order added.
    ///
    /// ```
    /// assert!(conversations_core::Federation::new().names().is_empty());
    /// ```
    pub fn names(&self) -> Vec<&str> {
        self.members.iter().map(|m| &*m.name).collect()
    }

    /// Sets aside the sources whose capabilities refuse their query, before any request:
    /// returns the federation of the others, and each refused source's name with the
    /// [`Error::InvalidQuery`] saying why.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use conversations_core::{Capabilities, ConversationQuery, Federation, Filter, MemorySource};
    /// let ids_only = MemorySource::new("ids-only", vec![]).with_capabilities(Capabilities::new().requires(Filter::ExternalId));
    /// let query = ConversationQuery::new().channel("whatsapp");
    /// let (usable, refused) = Federation::new()
    ///     .source(Arc::new(ids_only), query.clone())
    ///     .source(Arc::new(MemorySource::demo(3)), query)
    ///     .split_refused();
    /// assert_eq!(usable.names(), ["memory"]);
    /// assert_eq!(&*refused[0].0, "ids-only");
    /// ```
    pub fn split_refused(self) -> (Self, Vec<(Arc<str>, Error)>) {
        let mut refused = Vec::new();
        let mut usable = Vec::new();
        for member in self.members {
            let provider = member.source.provider().to_owned();
            match member
                .source
                .capabilities()
                .validate(&provider, &member.query)
            {
                Ok(()) => usable.push(member),
                Err(error) => refused.push((member.name, error)),
            }
        }
        (
            Self {
                members: usable,
                fail_fast: self.fail_fast,
            },
            refused,
        )
    }

    /// Lists every source concurrently, as a stream that owns what it needs (`'static`: it
    /// can be spawned, and outlive the federation).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use futures::StreamExt;
    /// use conversations_core::{ApiErrorDetails, ConversationQuery, Error, Federation, MemorySource};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let broken = MemorySource::new("broken", vec![]);
    /// broken.fail_next(Error::from_status("broken", ApiErrorDetails::new(401), None));
    /// let items: Vec<_> = Federation::new()
    ///     .source(Arc::new(broken), ConversationQuery::new())
    ///     .source(Arc::new(MemorySource::demo(4)), ConversationQuery::new())
    ///     .list()
    ///     .collect()
    ///     .await;
    /// // The failing source's error arrives tagged; the other source still delivers all four.
    /// assert!(items.iter().any(|i| &*i.source == "broken" && i.result.is_err()));
    /// assert_eq!(items.iter().filter(|i| i.result.is_ok()).count(), 4);
    /// # });
    /// ```
    pub fn list(&self) -> BoxStream<'static, FederatedItem> {
        fn tagged(member: &Member) -> BoxStream<'static, FederatedItem> {
            let name = Arc::clone(&member.name);
            Arc::clone(&member.source)
                .listing(member.query.clone(), Position::start())
                .map(move |result| FederatedItem {
                    source: Arc::clone(&name),
                    result,
                })
                .boxed()
        }
        // One source needs no merging.
        let merged = match self.members.as_slice() {
            [one] => tagged(one),
            members => stream::select_all(members.iter().map(tagged)).boxed(),
        };
        if !self.fail_fast {
            return merged;
        }
        merged
            .scan(false, |failed, item| {
                if *failed {
                    return futures::future::ready(None);
                }
                *failed = item.result.is_err();
                futures::future::ready(Some(item))
            })
            .boxed()
    }
}
