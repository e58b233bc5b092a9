//! [`AutocallsSource`]: Autocalls as a [`ConversationSource`], provider name `"autocalls"`.
//!
//! | normalized filter        | Autocalls parameter     | note                                        |
//! |--------------------------|-------------------------|---------------------------------------------|
//! | [`Filter::Channel`]      | `type`                  | `test`, `widget`, `whatsapp` or `api` only  |
//! | [`Filter::AgentId`]      | `assistant_id`          | the assistant's **integer** id (records carry its UUID) |
//! | [`Filter::CustomerPhone`]| `customer_phone`        | exact match, sent as given                  |
//! | [`Filter::BusinessPhone`]| `whatsapp_sender_phone` | exact match, sent as given                  |
//! | [`Filter::ExternalId`]   | `external_identifier`   |                                             |
//!
//! Page sizes 1–100 (default 15); pages forward (`next_cursor`) and backward (`prev_cursor`).

use async_trait::async_trait;
use conversations_core::{
    Capabilities, Conversation, ConversationQuery, ConversationSource, Cursor, EncodedConversation,
    Error, Filter, Page, PageSizeBounds,
};

use crate::client::AutocallsClient;
use crate::protocol::PROVIDER;
use crate::request::{ListConversationsRequest, PER_PAGE_DEFAULT, PER_PAGE_MAX, PER_PAGE_MIN};
use crate::types::ConversationType;

/// Autocalls as a [`ConversationSource`].
///
/// | normalized filter        | Autocalls parameter     | note                                        |
/// |--------------------------|-------------------------|---------------------------------------------|
/// | [`Filter::Channel`]      | `type`                  | `test`, `widget`, `whatsapp` or `api` only  |
/// | [`Filter::AgentId`]      | `assistant_id`          | the assistant's **integer** id (records carry its UUID) |
/// | [`Filter::CustomerPhone`]| `customer_phone`        | exact match, sent as given                  |
/// | [`Filter::BusinessPhone`]| `whatsapp_sender_phone` | exact match, sent as given                  |
/// | [`Filter::ExternalId`]   | `external_identifier`   |                                             |
///
///
/// [`list_page`](ConversationSource::list_page) checks the query before any request (the
/// capabilities, a `channel` among the four documented types, an `agent_id` that is an
/// unsigned integer); every request is retried once, in the shared transport, under the
/// client's [`RetryPolicy`](conversations_transport::RetryPolicy) — native and trait calls alike.
///
/// ```no_run
/// use futures::TryStreamExt;
/// use autocalls_api::{AutocallsClient, AutocallsSource};
/// use conversations_core::{Channel, ConversationQuery, ConversationSource, ConversationSourceExt};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = AutocallsClient::builder().api_key("YOUR_API_KEY").build()?;
/// let source = AutocallsSource::new(client);
/// let query = ConversationQuery::new().channel(Channel::Whatsapp).page_size(100).limit(500);
/// let conversations: Vec<_> = source.list(query).try_collect().await?;
/// println!("{}", conversations.len());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct AutocallsSource {
    client: AutocallsClient,
}

impl AutocallsSource {
    /// A source over `client`.
    ///
    /// ```
    /// use conversations_core::{ConversationSource, ConversationSourceExt};
    /// let client = autocalls_api::AutocallsClient::builder().api_key("k").build().unwrap();
    /// assert_eq!(autocalls_api::AutocallsSource::new(client).provider(), "autocalls");
    /// ```
    pub fn new(client: AutocallsClient) -> Self {
        Self { client }
    }

    /// The client underneath, for native calls.
    ///
    /// ```
    /// let client = autocalls_api::AutocallsClient::builder().api_key("k").build().unwrap();
    /// let source = autocalls_api::AutocallsSource::new(client);
    /// assert_eq!(source.client().endpoint().path(), "/api/user/conversations");
    /// ```
    pub fn client(&self) -> &AutocallsClient {
        &self.client
    }

    /// The native request for a normalized `query` at `cursor`, after every check: an
    /// [`Error::InvalidQuery`] for anything Autocalls would not take.
    ///
    /// ```
    /// use autocalls_api::{AutocallsSource, ConversationType};
    /// use conversations_core::{ConversationQuery, Cursor};
    ///
    /// let query = ConversationQuery::new().channel("api").agent_id("42").business_phone("+14155551234").page_size(20);
    /// let request = AutocallsSource::request_for(&query, Some(&Cursor::new("abc"))).unwrap();
    /// assert_eq!(request.conversation_type, Some(ConversationType::Api));
    /// assert_eq!(request.assistant_id, Some(42));
    /// assert_eq!(request.whatsapp_sender_phone.as_deref(), Some("+14155551234"));
    /// assert_eq!(request.per_page, Some(20));
    /// assert_eq!(request.cursor.as_deref(), Some("abc"));
    /// assert!(AutocallsSource::request_for(&ConversationQuery::new().agent_id("a1b2"), None).is_err());
    /// assert!(AutocallsSource::request_for(&ConversationQuery::new().channel("voice"), None).is_err());
    /// ```
    pub fn request_for(
        query: &ConversationQuery,
        cursor: Option<&Cursor>,
    ) -> Result<ListConversationsRequest, Error> {
        capabilities().validate(PROVIDER, query)?;
        let mut request = ListConversationsRequest::new();
        if let Some(channel) = &query.channel {
            let kind = ConversationType::from(channel.as_str());
            if !kind.is_known() {
                return Err(Error::invalid_query(
                    PROVIDER,
                    format!(
                        "filter channel {:?} is not an Autocalls conversation type (allowed: test, widget, whatsapp, api)",
                        channel.as_str()
                    ),
                ));
            }
            request.conversation_type = Some(kind);
        }
        if let Some(agent) = &query.agent_id {
            let id = agent
                .parse::<u64>()
                .ok()
                .filter(|_| agent.bytes().all(|b| b.is_ascii_digit()));
            let Some(id) = id else {
                return Err(Error::invalid_query(
                    PROVIDER,
                    format!(
                        "filter agent_id {agent:?} is not an unsigned integer (Autocalls filters by the assistant's integer id, not its UUID)"
                    ),
                ));
            };
            request.assistant_id = Some(id);
        }
        request.customer_phone = query.customer_phone.clone();
        request.whatsapp_sender_phone = query.business_phone.clone();
        request.external_identifier = query.external_id.clone();
        request.per_page = query.page_size;
        request.cursor = cursor.map(|c| c.as_str().to_owned());
        request.validate()?;
        Ok(request)
    }
}

impl From<AutocallsClient> for AutocallsSource {
    fn from(client: AutocallsClient) -> Self {
        Self::new(client)
    }
}

fn capabilities() -> Capabilities {
    Filter::ALL
        .into_iter()
        .fold(Capabilities::new(), Capabilities::supports)
        .paged(PageSizeBounds::new(
            PER_PAGE_MIN,
            PER_PAGE_MAX,
            PER_PAGE_DEFAULT,
        ))
        .backward()
        // Newest first, as the sandbox serves it; the docs do not promise an order, so every
        // walk bounded by `since` checks it record by record and goes on to the end if not.
        .newest_first()
        // Laravel's cursors hold the last row's sort key: the next page starts after it
        // whatever per_page says.
        .resizable_pages()
}

#[async_trait]
impl ConversationSource for AutocallsSource {
    fn provider(&self) -> &str {
        PROVIDER
    }

    fn capabilities(&self) -> Capabilities {
        capabilities()
    }

    async fn list_page(
        &self,
        query: &ConversationQuery,
        cursor: Option<&Cursor>,
    ) -> Result<Page<Conversation>, Error> {
        let request = Self::request_for(query, cursor)?;
        self.client.list_normalized(&request).await
    }

    /// Records are kept as slices of the page body and decoded one at a time as a listing
    /// hands them out: a page costs little more than its body.
    async fn list_page_encoded(
        &self,
        query: &ConversationQuery,
        cursor: Option<&Cursor>,
    ) -> Result<Page<EncodedConversation>, Error> {
        let request = Self::request_for(query, cursor)?;
        self.client.list_encoded(&request).await
    }
}
