//! [`AutocallsClient`]: `GET /user/conversations`, one page at a time or as streams of pages
//! and items following `next_cursor` forward or `prev_cursor` backward; and its
//! [`AutocallsClientBuilder`] (API key, base URL, the shared [`ClientOptions`]) with the
//! [`BuildError`]s it refuses with.
//!
//! Every request goes through the shared [`Transport`] (retries, timeouts, rate limit,
//! logs); this module says what to send (`request`) and how to read the answer (`types`,
//! `normalize`).

use std::fmt;
use std::sync::Arc;

use conversations_core::{
    Conversation, Cursor, Direction, EncodedConversation, Error, Page, Pages,
};
use conversations_transport::{
    BaseUrl, ClientOptions, Credentials, Response, RetryPolicy, Transport,
};
use reqwest::Url;
use secrecy::SecretString;

use crate::protocol::{DEFAULT_BASE_URL, ENDPOINT_PATH, PROTOCOL, PROVIDER};
use crate::request::ListConversationsRequest;
use crate::types::{
    AutocallsConversation, ConversationsPage, decode_owned, decode_page, decode_record, decode_with,
};

/// A client for Autocalls' list-conversations endpoint.
///
/// Cheap to clone (the state is shared). `Debug` never shows the API key. Requests carry
/// `Authorization: Bearer <key>` (a header marked sensitive) and `Accept: application/json`
/// (without it a Laravel API may answer an authentication failure with a redirect to a login
/// page instead of a `401`).
///
/// ```no_run
/// use futures::TryStreamExt;
/// use autocalls_api::{AutocallsClient, ConversationType, ListConversationsRequest};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = AutocallsClient::builder().api_key("YOUR_API_KEY").build()?;
///
/// // One page.
/// let request = ListConversationsRequest::new().conversation_type(ConversationType::Whatsapp).per_page(10);
/// let page = client.list_conversations(&request).await?;
/// println!("{} conversations, next cursor {:?}", page.data.len(), page.next_cursor);
///
/// // Every conversation, following next_cursor.
/// let all: Vec<_> = client.pages(request).items().try_collect().await?;
/// println!("{} in all", all.len());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct AutocallsClient {
    inner: Arc<ClientInner>,
}

struct ClientInner {
    transport: Transport,
    endpoint: Url,
}

impl fmt::Debug for AutocallsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AutocallsClient")
            .field("endpoint", &self.inner.endpoint.as_str())
            .field("transport", &self.inner.transport)
            .finish_non_exhaustive()
    }
}

impl AutocallsClient {
    /// A builder; only [`api_key`](AutocallsClientBuilder::api_key) is required.
    ///
    /// ```
    /// let client = autocalls_api::AutocallsClient::builder().api_key("k").build().unwrap();
    /// assert_eq!(client.base_url().as_str(), "https://app.autocalls.ai/api");
    /// ```
    pub fn builder() -> AutocallsClientBuilder {
        AutocallsClientBuilder::new()
    }

    /// The base URL.
    ///
    /// ```
    /// let client = autocalls_api::AutocallsClient::builder().api_key("k").build().unwrap();
    /// assert_eq!(client.base_url().url().scheme(), "https");
    /// ```
    pub fn base_url(&self) -> &BaseUrl {
        self.inner.transport.base_url()
    }

    /// The URL requests go to: the base URL and `/user/conversations`.
    ///
    /// ```
    /// let client = autocalls_api::AutocallsClient::builder().api_key("k").build().unwrap();
    /// assert_eq!(client.endpoint().path(), "/api/user/conversations");
    /// ```
    pub fn endpoint(&self) -> &Url {
        &self.inner.endpoint
    }

    /// The retry policy every request runs under: [`list_conversations`](Self::list_conversations),
    /// the page streams and [`AutocallsSource`](crate::AutocallsSource) alike.
    ///
    /// ```
    /// let client = autocalls_api::AutocallsClient::builder().api_key("k").build().unwrap();
    /// assert_eq!(client.retry_policy().attempts(), 4);
    /// ```
    pub fn retry_policy(&self) -> &RetryPolicy {
        self.inner.transport.retry_policy()
    }

    /// One page of conversations.
    ///
    /// The request is [validated](ListConversationsRequest::validate) first: an invalid one
    /// is an [`Error::InvalidQuery`] and sends nothing. Failures worth retrying (429, 5xx,
    /// transport) are retried by the shared transport under the client's [`RetryPolicy`],
    /// honoring `Retry-After`, within the page deadline; build the client with
    /// [`RetryPolicy::none`] for a single attempt.
    ///
    /// ```no_run
    /// use autocalls_api::{AutocallsClient, ListConversationsRequest};
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = AutocallsClient::builder().api_key("YOUR_API_KEY").build()?;
    /// let page = client
    ///     .list_conversations(&ListConversationsRequest::new().customer_phone("+14155559876"))
    ///     .await?;
    /// for conversation in &page.data {
    ///     println!("{:?} {:?} {:?}", conversation.id, conversation.conversation_type, conversation.created_at);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list_conversations(
        &self,
        request: &ListConversationsRequest,
    ) -> Result<ConversationsPage, Error> {
        let response = self.send(request).await?;
        let mut page = decode_page(&response.body, Some(response.status))?;
        page.request_id = response.request_id;
        Ok(page)
    }

    /// One page as normalized records, each made straight from its bytes (for
    /// [`AutocallsSource`](crate::AutocallsSource)).
    pub(crate) async fn list_normalized(
        &self,
        request: &ListConversationsRequest,
    ) -> Result<Page<Conversation>, Error> {
        let response = self.send(request).await?;
        let page = decode_with(&response.body, Some(response.status), |raw| {
            decode_record(raw).into_normalized()
        })?;
        Ok(page_of(page.data, page.next_cursor, page.prev_cursor))
    }

    /// [`list_normalized`](Self::list_normalized) with each record left encoded: a slice of
    /// the body, decoded (exactly as `list_normalized` would) when a listing hands it out.
    pub(crate) async fn list_encoded(
        &self,
        request: &ListConversationsRequest,
    ) -> Result<Page<EncodedConversation>, Error> {
        let response = self.send(request).await?;
        let body = &response.body;
        let page = decode_with(body, Some(response.status), |raw| {
            EncodedConversation::in_body(body, raw, |raw| decode_owned(raw).into_normalized())
                .keyed_by("id")
        })?;
        Ok(page_of(page.data, page.next_cursor, page.prev_cursor))
    }

    /// The request, [validated](ListConversationsRequest::validate), through the shared
    /// transport: every way of listing sends exactly this.
    async fn send(&self, request: &ListConversationsRequest) -> Result<Response, Error> {
        request.validate()?;
        let pairs = request.query_pairs();
        let query: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.inner.transport.get(ENDPOINT_PATH, &query).await
    }

    /// Every page from `request.cursor` (the first page when `None`), following `next_cursor`,
    /// as a stream; `.items()` turns it into a stream of conversations.
    ///
    /// Built on [`conversations_core::Pages`]: the next page is fetched while the caller
    /// works on the current one, each fetch is retried under the client's policy, and a
    /// repeated cursor ends the stream with [`Error::Pagination`]. Filters and `per_page` are
    /// sent with every page. An invalid request yields one [`Error::InvalidQuery`].
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// use autocalls_api::{AutocallsClient, ListConversationsRequest};
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = AutocallsClient::builder().api_key("YOUR_API_KEY").build()?;
    /// let mut pages = client.pages(ListConversationsRequest::new().per_page(100));
    /// while let Some(page) = pages.try_next().await? {
    ///     println!("{} conversations; more: {}", page.items.len(), page.next.is_some());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn pages(
        &self,
        request: ListConversationsRequest,
    ) -> Pages<'static, AutocallsConversation> {
        self.walk(request, Direction::Forward)
    }

    /// Every page from `request.cursor` backward, following `prev_cursor`: give it a
    /// `prev_cursor` from an earlier page. Pages come newest-visited first (each page's items
    /// in the server's order). Without a cursor it yields the first page only, which has no
    /// previous page.
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// use autocalls_api::{AutocallsClient, ListConversationsRequest};
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = AutocallsClient::builder().api_key("YOUR_API_KEY").build()?;
    /// let request = ListConversationsRequest::new().per_page(10);
    /// let third = client.list_conversations(&request.clone().cursor("CURSOR_OF_PAGE_3")).await?;
    /// if let Some(prev) = third.prev_cursor {
    ///     let earlier: Vec<_> = client.pages_backward(request.cursor(prev)).items().try_collect().await?;
    ///     println!("{} conversations before page 3", earlier.len());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn pages_backward(
        &self,
        request: ListConversationsRequest,
    ) -> Pages<'static, AutocallsConversation> {
        self.walk(request, Direction::Backward)
    }

    fn walk(
        &self,
        mut request: ListConversationsRequest,
        direction: Direction,
    ) -> Pages<'static, AutocallsConversation> {
        if let Err(error) = request.validate() {
            return Pages::failed(error.into());
        }
        let start = request.cursor.take().map(Cursor::new);
        let request = Arc::new(request);
        let client = self.clone();
        Pages::new(
            PROVIDER,
            start,
            direction,
            None,
            Box::new(move |cursor: Option<Cursor>, _wanted: Option<u64>| {
                let client = client.clone();
                let mut request = (*request).clone();
                request.cursor = cursor.map(Cursor::into_string);
                Box::pin(async move {
                    let page = client.list_conversations(&request).await?;
                    Ok(page_of(page.data, page.next_cursor, page.prev_cursor))
                })
            }),
        )
    }
}

/// A page of `items` with Autocalls' cursors as the model's.
fn page_of<T>(items: Vec<T>, next: Option<String>, prev: Option<String>) -> Page<T> {
    Page {
        items,
        next: next.map(Cursor::new),
        prev: prev.map(Cursor::new),
    }
}

/// Why [`AutocallsClientBuilder::build`] refused. Never shows the API key.
///
/// ```
/// use autocalls_api::{AutocallsClient, BuildError};
///
/// let err = AutocallsClient::builder().build().unwrap_err();
/// assert!(matches!(err, BuildError::MissingApiKey));
/// let err = AutocallsClient::builder().api_key("k").base_url("http://example.com/api").build().unwrap_err();
/// assert!(matches!(err, BuildError::Transport(conversations_transport::BuildError::BaseUrl(_))));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No API key was given.
    #[error("no API key was given (call AutocallsClientBuilder::api_key)")]
    MissingApiKey,
    /// The key, the base URL or the HTTP options were refused.
    #[error(transparent)]
    Transport(#[from] conversations_transport::BuildError),
}

/// Builds an [`AutocallsClient`]. Only [`api_key`](Self::api_key) is required.
///
/// Timeouts, retries, the per-page deadline, user agent and proxy are the shared
/// [`ClientOptions`] of every conversations-rs provider. `Debug` never shows the key.
///
/// ```
/// use std::time::Duration;
/// use autocalls_api::AutocallsClient;
/// use conversations_transport::RetryPolicy;
/// use conversations_transport::ClientOptions;
///
/// let builder = AutocallsClient::builder()
///     .api_key("YOUR_API_KEY")
///     .base_url("https://app.autocalls.ai/api")
///     .options(
///         ClientOptions::new()
///             .timeout(Duration::from_secs(20))
///             .retry_policy(RetryPolicy::default().max_attempts(3)),
///     );
/// assert!(!format!("{builder:?}").contains("YOUR_API_KEY"));
/// let client = builder.build().unwrap();
/// assert_eq!(client.endpoint().as_str(), "https://app.autocalls.ai/api/user/conversations");
/// ```
#[derive(Clone, Default)]
pub struct AutocallsClientBuilder {
    api_key: Option<SecretString>,
    base_url: Option<String>,
    options: ClientOptions,
}

impl fmt::Debug for AutocallsClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AutocallsClientBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "[REDACTED]"))
            .field("base_url", &self.base_url)
            .field("options", &self.options)
            .finish()
    }
}

impl AutocallsClientBuilder {
    /// A builder with nothing set; same as [`AutocallsClient::builder`].
    ///
    /// ```
    /// assert!(autocalls_api::AutocallsClientBuilder::new().build().is_err());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The API key, sent as `Authorization: Bearer <key>` (a header marked sensitive).
    ///
    /// ```
    /// use secrecy::SecretString;
    /// let key = SecretString::from("from-a-vault");
    /// let client = autocalls_api::AutocallsClient::builder().api_key(key).build().unwrap();
    /// # let _ = client;
    /// ```
    pub fn api_key(mut self, key: impl Into<SecretString>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The base URL (default [`DEFAULT_BASE_URL`]); the client appends `/user/conversations`.
    /// Must be `https`, except plain `http` to a loopback host (a local sandbox).
    ///
    /// ```
    /// let client = autocalls_api::AutocallsClient::builder()
    ///     .api_key("k")
    ///     .base_url("http://127.0.0.1:8080/api")
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(client.endpoint().as_str(), "http://127.0.0.1:8080/api/user/conversations");
    /// ```
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The HTTP options shared by every provider: timeouts, the per-page deadline, retries,
    /// user agent, proxy (default [`ClientOptions::new`]).
    ///
    /// ```
    /// use conversations_transport::RetryPolicy;
    /// use conversations_transport::ClientOptions;
    /// let builder = autocalls_api::AutocallsClient::builder()
    ///     .options(ClientOptions::new().retry_policy(RetryPolicy::none()));
    /// # let _ = builder;
    /// ```
    pub fn options(mut self, options: ClientOptions) -> Self {
        self.options = options;
        self
    }

    /// Checks everything and builds the client.
    ///
    /// ```
    /// use autocalls_api::{AutocallsClient, BuildError};
    /// assert!(matches!(AutocallsClient::builder().api_key("").build(), Err(BuildError::Transport(_))));
    /// assert!(AutocallsClient::builder().api_key("a b").build().is_err());
    /// ```
    pub fn build(self) -> Result<AutocallsClient, BuildError> {
        let key = self.api_key.ok_or(BuildError::MissingApiKey)?;
        let credentials = Credentials::bearer("API key", &key)
            .map_err(conversations_transport::BuildError::from)?;
        let base_url = self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        let transport = Transport::new(PROTOCOL, base_url, credentials, &self.options)?;
        Ok(AutocallsClient {
            inner: Arc::new(ClientInner {
                endpoint: transport.base_url().join(ENDPOINT_PATH),
                transport,
            }),
        })
    }
}
