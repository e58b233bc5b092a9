//! Federation: several sources listed concurrently into one stream, each item tagged with its
//! provider.

use std::sync::Arc;

use futures::stream::{self, BoxStream, StreamExt};

use crate::error::Result;
use crate::model::Conversation;
use crate::query::ConversationQuery;
use crate::source::ConversationSource;

/// One item of a federated listing: a conversation or an error, tagged with the provider.
#[derive(Debug)]
pub struct FederatedItem {
    /// The provider the item came from.
    pub provider: String,
    /// The conversation, or the error that ended that provider's listing.
    pub result: Result<Conversation>,
}

/// Lists several sources at once into one stream.
///
/// Each source runs its own query; items from one source keep that source's order, and the
/// sources interleave as their pages arrive. When one source fails, its error arrives tagged
/// with its provider and the others go on; with [`fail_fast`](Self::fail_fast) the stream
/// ends after the first error instead.
///
/// ```
/// use std::sync::Arc;
/// use futures::StreamExt;
/// use conversations_core::{ConversationQuery, Federation, MemorySource};
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let a = MemorySource::new("a", conversations_core::memory::demo_conversations("a", 3));
/// let b = MemorySource::new("b", conversations_core::memory::demo_conversations("b", 2));
/// let federation = Federation::new()
///     .source(Arc::new(a), ConversationQuery::new())
///     .source(Arc::new(b), ConversationQuery::new());
/// let items: Vec<_> = federation.list().collect().await;
/// assert_eq!(items.len(), 5);
/// assert_eq!(items.iter().filter(|i| i.provider == "b").count(), 2);
/// # });
/// ```
#[derive(Clone, Default)]
pub struct Federation {
    members: Vec<(Arc<dyn ConversationSource>, ConversationQuery)>,
    fail_fast: bool,
}

impl std::fmt::Debug for Federation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Federation")
            .field(
                "providers",
                &self
                    .members
                    .iter()
                    .map(|(s, _)| s.provider())
                    .collect::<Vec<_>>(),
            )
            .field("fail_fast", &self.fail_fast)
            .finish()
    }
}

impl Federation {
    /// An empty federation.
    ///
    /// ```
    /// assert!(conversations_core::Federation::new().is_empty());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a source with the query to run against it.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use conversations_core::{ConversationQuery, Federation, MemorySource};
    /// let f = Federation::new().source(Arc::new(MemorySource::demo(1)), ConversationQuery::new());
    /// assert!(!f.is_empty());
    /// ```
    pub fn source(mut self, source: Arc<dyn ConversationSource>, query: ConversationQuery) -> Self {
        self.members.push((source, query));
        self
    }

    /// Ends the whole stream after the first error from any source (off by default).
    ///
    /// ```
    /// let f = conversations_core::Federation::new().fail_fast(true);
    /// # let _ = f;
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

    /// Lists every source concurrently.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use futures::StreamExt;
    /// use conversations_core::{ApiErrorDetails, ConversationQuery, Error, Federation, MemorySource, RetryPolicy};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let broken = MemorySource::new("broken", vec![]).with_retry_policy(RetryPolicy::none());
    /// broken.fail_next(Error::from_status("broken", ApiErrorDetails::new(401), None));
    /// let items: Vec<_> = Federation::new()
    ///     .source(Arc::new(broken), ConversationQuery::new())
    ///     .source(Arc::new(MemorySource::demo(4)), ConversationQuery::new())
    ///     .list()
    ///     .collect()
    ///     .await;
    /// // The failing source's error arrives tagged; the other source still delivers all four.
    /// assert!(items.iter().any(|i| i.provider == "broken" && i.result.is_err()));
    /// assert_eq!(items.iter().filter(|i| i.result.is_ok()).count(), 4);
    /// # });
    /// ```
    pub fn list(&self) -> BoxStream<'_, FederatedItem> {
        let streams = self.members.iter().map(|(source, query)| {
            let provider = source.provider().to_owned();
            source
                .list(query.clone())
                .map(move |result| FederatedItem {
                    provider: provider.clone(),
                    result,
                })
                .boxed()
        });
        let merged = stream::select_all(streams);
        if !self.fail_fast {
            return merged.boxed();
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
