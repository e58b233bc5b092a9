//! [`Retrying`]: the transport's retries for a source that does not make its requests
//! through a [`Transport`](crate::Transport) (an SDK of its own, a file, a queue).
//!
//! Sources built on the transport need nothing more: every request they make is retried
//! there. `conversations-core` retries nothing, so wrapping such a source would retry twice.

use async_trait::async_trait;
use conversations_core::{
    Capabilities, Conversation, ConversationQuery, ConversationSource, Cursor, EncodedConversation,
    Page, Result,
};

use crate::retry::RetryPolicy;

/// A source whose page fetches are retried under a [`RetryPolicy`].
///
/// Each attempt at a page is one call to the inner source's
/// [`list_page`](ConversationSource::list_page) (or
/// [`list_page_encoded`](ConversationSource::list_page_encoded)); only
/// [retryable](conversations_core::Error::is_retryable) errors are tried again.
///
/// ```
/// use std::time::Duration;
/// use futures::TryStreamExt;
/// use conversations_core::{ApiErrorDetails, ConversationQuery, ConversationSourceExt, Error, MemorySource};
/// use conversations_transport::{RetryPolicy, Retrying};
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let flaky = MemorySource::demo(5);
/// flaky.fail_next(Error::from_status("memory", ApiErrorDetails::new(503), None));
/// let source = Retrying::new(flaky, RetryPolicy::default().initial_delay(Duration::ZERO));
/// let all: Vec<_> = source.list(ConversationQuery::new()).try_collect().await.unwrap();
/// assert_eq!(all.len(), 5);
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct Retrying<S> {
    inner: S,
    policy: RetryPolicy,
}

impl<S: ConversationSource> Retrying<S> {
    /// Wraps `inner`, retrying its page fetches under `policy`.
    pub fn new(inner: S, policy: RetryPolicy) -> Self {
        Self { inner, policy }
    }

    /// The source wrapped.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// The policy its fetches run under.
    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }
}

#[async_trait]
impl<S: ConversationSource> ConversationSource for Retrying<S> {
    fn provider(&self) -> &str {
        self.inner.provider()
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    async fn list_page(
        &self,
        query: &ConversationQuery,
        cursor: Option<&Cursor>,
    ) -> Result<Page<Conversation>> {
        self.policy
            .retry(|| self.inner.list_page(query, cursor))
            .await
    }

    async fn list_page_encoded(
        &self,
        query: &ConversationQuery,
        cursor: Option<&Cursor>,
    ) -> Result<Page<EncodedConversation>> {
        self.policy
            .retry(|| self.inner.list_page_encoded(query, cursor))
            .await
    }
}
