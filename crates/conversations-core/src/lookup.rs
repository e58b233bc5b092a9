//! [`Lookup`]: every conversation for many external ids (CRM ids) at once, on any source that
//! filters by external id — ids from a stream of any length, bounded concurrency, each id
//! looked up once, results tagged with the id asked, as they complete or in input order.
//!
//! Politeness is the client's: the transport's per-client rate limit and retry quota hold
//! across every lookup of one client, however many run at once.

mod ids;
mod seen;

use std::sync::Arc;

use futures::stream::{BoxStream, Stream, StreamExt, TryStreamExt};

use crate::error::{Error, Result};
use crate::model::Conversation;
use crate::paginate::Position;
use crate::query::{ConversationQuery, Filter};
use crate::source::{ConversationSource, ConversationSourceExt};

pub use ids::{IdLines, IdsError, MAX_ID_BYTES, ReadIdsError, parse_ids};
pub use seen::{DEDUP_WINDOW, SeenIds};

/// Lookups in flight at once unless [`Lookup::concurrency`] says otherwise: enough to keep a
/// provider answering in 50 ms busy at several hundred requests per second, while the
/// client's rate limit decides the pace.
pub const DEFAULT_LOOKUP_CONCURRENCY: usize = 32;

/// The answer for one asked id: every conversation with it, or the error (after retries)
/// that ended its lookup.
#[derive(Debug)]
#[non_exhaustive]
pub struct LookupResult {
    /// The id as asked.
    pub id: Arc<str>,
    /// Its conversations, or why they could not be listed.
    pub result: Result<Vec<Conversation>>,
}

/// Looks up many external ids on one source.
///
/// Each distinct id is looked up once (later repeats are skipped; ids are remembered as
/// 128-bit hashes, 16 bytes each, the latest [`DEDUP_WINDOW`] at most, so a stream of any
/// length stays small: a repeat more than [`DEDUP_WINDOW`]` / 2` distinct ids after its last
/// appearance may be looked up again); at most
/// [`concurrency`](Self::concurrency) lookups run at once and the input is pulled only as
/// they finish; a failed id is reported with its error and the others go on. In the end,
/// ids answered + ids failed = distinct ids given (counting a repeat looked up again as one
/// more, past the window).
///
/// ```
/// use std::sync::Arc;
/// use futures::StreamExt;
/// use conversations_core::{Lookup, MemorySource};
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let source = Arc::new(MemorySource::demo(20));
/// let ids = futures::stream::iter(["ext-1", "ext-2", "ext-1", "no-such-id"].map(String::from));
/// let results: Vec<_> = Lookup::new(source).unwrap().in_input_order(true).run(ids).collect().await;
/// let ids: Vec<&str> = results.iter().map(|r| &*r.id).collect();
/// assert_eq!(ids, ["ext-1", "ext-2", "no-such-id"]);
/// assert!(results[0].result.as_ref().unwrap().iter().all(|c| c.external_id.as_deref() == Some("ext-1")));
/// assert!(results[2].result.as_ref().unwrap().is_empty());
/// # });
/// ```
#[derive(Clone)]
pub struct Lookup {
    source: Arc<dyn ConversationSource>,
    base: ConversationQuery,
    concurrency: usize,
    ordered: bool,
}

impl std::fmt::Debug for Lookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lookup")
            .field("provider", &self.source.provider())
            .field("concurrency", &self.concurrency)
            .field("ordered", &self.ordered)
            .finish_non_exhaustive()
    }
}

impl Lookup {
    /// Lookups on `source`, which must support [`Filter::ExternalId`].
    ///
    /// ```
    /// use std::sync::Arc;
    /// use conversations_core::{Capabilities, Filter, Lookup, MemorySource};
    /// let channels_only = MemorySource::demo(1).with_capabilities(Capabilities::new().supports(Filter::Channel));
    /// assert!(Lookup::new(Arc::new(channels_only)).is_err());
    /// ```
    pub fn new(source: Arc<dyn ConversationSource>) -> Result<Self> {
        if !source.capabilities().is_supported(Filter::ExternalId) {
            return Err(Error::invalid_query(
                source.provider(),
                "this source cannot look conversations up by external id",
            ));
        }
        Ok(Self {
            source,
            base: ConversationQuery::new(),
            concurrency: DEFAULT_LOOKUP_CONCURRENCY,
            ordered: false,
        })
    }

    /// The rest of the query each lookup runs (other filters, `strict`, a page size); its
    /// external id is set per lookup.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use futures::StreamExt;
    /// use conversations_core::{Channel, ConversationQuery, Lookup, MemorySource};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// // In the demo data, `ext-1` has three conversations, one of them on the widget.
    /// let lookup = Lookup::new(Arc::new(MemorySource::demo(20)))
    ///     .unwrap()
    ///     .query(ConversationQuery::new().channel("widget"));
    /// let results: Vec<_> = lookup.run(futures::stream::iter(["ext-1".to_owned()])).collect().await;
    /// let found = results[0].result.as_ref().unwrap();
    /// assert_eq!(found.len(), 1);
    /// assert_eq!(found[0].channel, Some(Channel::Widget));
    /// assert_eq!(found[0].external_id.as_deref(), Some("ext-1"), "the id is set per lookup");
    /// # });
    /// ```
    pub fn query(mut self, base: ConversationQuery) -> Self {
        self.base = base;
        self
    }

    /// At most `n` lookups at once (at least 1; default [`DEFAULT_LOOKUP_CONCURRENCY`]).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use conversations_core::{Lookup, MemorySource};
    /// let lookup = Lookup::new(Arc::new(MemorySource::demo(1))).unwrap();
    /// assert!(format!("{:?}", lookup.clone().concurrency(4)).contains("concurrency: 4"));
    /// // Zero would never start a lookup: it counts as one.
    /// assert!(format!("{:?}", lookup.concurrency(0)).contains("concurrency: 1"));
    /// ```
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Results in the order the ids came (a reorder buffer of at most
    /// [`concurrency`](Self::concurrency) results), instead of as they complete (the default).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use futures::StreamExt;
    /// use conversations_core::{Lookup, MemorySource};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let lookup = Lookup::new(Arc::new(MemorySource::demo(20))).unwrap().in_input_order(true);
    /// let asked = ["ext-6", "ext-0", "ext-3", "ext-5"].map(String::from);
    /// let results: Vec<_> = lookup.run(futures::stream::iter(asked.clone())).collect().await;
    /// let answered: Vec<&str> = results.iter().map(|r| &*r.id).collect();
    /// assert_eq!(answered, asked);
    /// # });
    /// ```
    pub fn in_input_order(mut self, ordered: bool) -> Self {
        self.ordered = ordered;
        self
    }

    /// Looks up every distinct id of `ids`, as a stream that owns what it needs.
    pub fn run<S>(&self, ids: S) -> BoxStream<'static, LookupResult>
    where
        S: Stream<Item = String> + Send + 'static,
    {
        let mut seen = SeenIds::default();
        let source = Arc::clone(&self.source);
        let base = self.base.clone();
        let lookups = ids
            .filter(move |id| futures::future::ready(seen.insert(id)))
            .map(move |id| {
                let source = Arc::clone(&source);
                let query = base.clone().external_id(id.clone());
                async move {
                    let result = source.listing(query, Position::start()).try_collect().await;
                    LookupResult {
                        id: Arc::from(id),
                        result,
                    }
                }
            });
        if self.ordered {
            lookups.buffered(self.concurrency).boxed()
        } else {
            lookups.buffer_unordered(self.concurrency).boxed()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemorySource;

    #[tokio::test]
    async fn an_empty_stream_is_an_empty_answer() {
        let lookup = Lookup::new(Arc::new(MemorySource::demo(3))).unwrap();
        let results: Vec<_> = lookup.run(futures::stream::empty()).collect().await;
        assert!(results.is_empty());
    }
}
