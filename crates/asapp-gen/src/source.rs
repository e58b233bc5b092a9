//! [`AsappSource`]: ASAPP as a normalized [`ConversationSource`], the top of the crate, and
//! [`AsappClient::into_source`], kept here so that the client never refers up to its source.

use async_trait::async_trait;
use conversations_core::{
    Capabilities, Conversation, ConversationQuery, ConversationSource, Cursor, EncodedConversation,
    Page, Result,
};

use crate::client::AsappClient;
use crate::protocol::PROVIDER;
use crate::request::{self, ListRequest};
use crate::types::AsappConversation;

/// ASAPP as a [`ConversationSource`] named `"asapp"`.
///
/// ASAPP lists by external id only: [`capabilities`](ConversationSource::capabilities)
/// require [`Filter::ExternalId`](conversations_core::Filter::ExternalId) and support no other filter, and every match comes in one
/// page, with no cursor and no page size. Queries are checked before any request; each
/// request is retried once, in the shared transport, under the client's [`RetryPolicy`](conversations_transport::RetryPolicy).
///
/// ```no_run
/// use futures::TryStreamExt;
/// use conversations_core::{ConversationQuery, ConversationSource, ConversationSourceExt};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let source = asapp_gen::AsappClient::builder()
///     .api_id("my-api-id")
///     .api_secret("my-api-secret")
///     .build()?
///     .into_source();
/// let conversations: Vec<_> = source
///     .list(ConversationQuery::new().external_id("id-111"))
///     .try_collect()
///     .await?;
/// for c in conversations {
///     println!("{:?} {:?}", c.id, c.customer.and_then(|p| p.name));
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct AsappSource {
    client: AsappClient,
}

impl AsappSource {
    /// A source over `client`.
    ///
    /// ```
    /// use conversations_core::{ConversationSource, ConversationSourceExt, Filter};
    /// let client = asapp_gen::AsappClient::builder().api_id("id").api_secret("s").build().unwrap();
    /// let source = asapp_gen::AsappSource::new(client);
    /// assert!(source.capabilities().is_required(Filter::ExternalId));
    /// ```
    pub fn new(client: AsappClient) -> Self {
        Self { client }
    }

    /// The client underneath.
    ///
    /// ```
    /// let client = asapp_gen::AsappClient::builder().api_id("id").api_secret("s").build().unwrap();
    /// let source = client.into_source();
    /// assert_eq!(source.client().base_url().as_str(), "https://api.sandbox.asapp.com");
    /// ```
    pub fn client(&self) -> &AsappClient {
        &self.client
    }
}

#[async_trait]
impl ConversationSource for AsappSource {
    fn provider(&self) -> &str {
        PROVIDER
    }

    fn capabilities(&self) -> Capabilities {
        request::capabilities()
    }

    async fn list_page(
        &self,
        query: &ConversationQuery,
        cursor: Option<&Cursor>,
    ) -> Result<Page<Conversation>> {
        let request = ListRequest::from_query(query, cursor)?;
        let listed = self.client.list(request).await?;
        Ok(Page::single(
            listed
                .into_iter()
                .map(AsappConversation::into_normalized)
                .collect(),
        ))
    }

    /// Items are kept as slices of the body and normalized one at a time as a listing hands
    /// them out: a long list costs little more than its body.
    async fn list_page_encoded(
        &self,
        query: &ConversationQuery,
        cursor: Option<&Cursor>,
    ) -> Result<Page<EncodedConversation>> {
        let request = ListRequest::from_query(query, cursor)?;
        Ok(Page::single(self.client.list_encoded(request).await?))
    }
}

impl AsappClient {
    /// This client as a normalized [`ConversationSource`](conversations_core::ConversationSource).
    ///
    /// ```
    /// use conversations_core::{ConversationSource, ConversationSourceExt};
    /// let client = asapp_gen::AsappClient::builder().api_id("id").api_secret("s").build().unwrap();
    /// assert_eq!(client.into_source().provider(), "asapp");
    /// ```
    pub fn into_source(self) -> AsappSource {
        AsappSource::new(self)
    }
}
