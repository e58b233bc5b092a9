//! [`AsappClient`]: the hand-written, authenticated client for ASAPP's *list conversations*
//! operation, and its [`AsappClientBuilder`].
//!
//! Every request goes through the shared [`Transport`] (retries, timeouts, rate limit, logs);
//! the answer is decoded into the generated types (`types`), so that the client controls
//! every error exactly: a typed [`Error`] per status with ASAPP's code and request id, and a
//! bounded body snippet for bodies that are not what the spec promises. The generated
//! progenitor client is never handed out: it would skip the transport.

use std::fmt;

use conversations_core::{EncodedConversation, Error};
use conversations_transport::{BaseUrl, ClientOptions, Credentials, RetryPolicy, Transport};
use secrecy::SecretString;

use crate::normalize::to_conversation;
use crate::protocol::{DEFAULT_BASE_URL, PROTOCOL};
use crate::request::ListRequest;
use crate::types::{self, AsappConversation};

/// Why an [`AsappClient`] could not be built. Never holds a credential's value.
///
/// ```
/// use asapp_gen::{AsappClient, BuildError};
/// let err = AsappClient::builder().api_secret("s3cr3t").build().unwrap_err();
/// assert!(matches!(err, BuildError::MissingApiId));
/// assert_eq!(err.to_string(), "the ASAPP API id is missing (call .api_id(..))");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No API id was given.
    #[error("the ASAPP API id is missing (call .api_id(..))")]
    MissingApiId,
    /// No API secret was given.
    #[error("the ASAPP API secret is missing (call .api_secret(..))")]
    MissingApiSecret,
    /// A credential, the base URL or the HTTP options were refused.
    #[error("ASAPP: {0}")]
    Transport(#[from] conversations_transport::BuildError),
}

/// Builds an [`AsappClient`]; start from [`AsappClient::builder`].
///
/// Timeouts, retries, the per-page deadline, user agent and proxy are the shared
/// [`ClientOptions`] of every conversations-rs provider. `Debug` shows the API secret as
/// `[REDACTED]`.
///
/// ```
/// use std::time::Duration;
/// use asapp_gen::AsappClient;
/// use conversations_transport::RetryPolicy;
/// use conversations_transport::ClientOptions;
///
/// let client = AsappClient::builder()
///     .api_id("my-api-id")
///     .api_secret("my-api-secret")
///     .base_url("https://api.sandbox.asapp.com")
///     .options(ClientOptions::new().timeout(Duration::from_secs(20)).retry_policy(RetryPolicy::default().max_attempts(3)))
///     .build()
///     .unwrap();
/// assert_eq!(client.base_url().as_str(), "https://api.sandbox.asapp.com");
/// assert!(!format!("{client:?}").contains("my-api-secret"));
/// ```
#[derive(Default, Clone)]
#[must_use]
pub struct AsappClientBuilder {
    api_id: Option<String>,
    api_secret: Option<SecretString>,
    base_url: Option<String>,
    options: ClientOptions,
}

impl fmt::Debug for AsappClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsappClientBuilder")
            .field("api_id", &self.api_id)
            .field(
                "api_secret",
                &self.api_secret.as_ref().map(|_| "[REDACTED]"),
            )
            .field("base_url", &self.base_url)
            .field("options", &self.options)
            .finish()
    }
}

impl AsappClientBuilder {
    /// Sets the API id, sent as the `asapp-api-id` header.
    ///
    /// ```
    /// let builder = asapp_gen::AsappClient::builder().api_id("my-api-id");
    /// # let _ = builder;
    /// ```
    pub fn api_id(mut self, api_id: impl Into<String>) -> Self {
        self.api_id = Some(api_id.into());
        self
    }

    /// Sets the API secret, sent as the `asapp-api-secret` header (marked sensitive, so
    /// `reqwest`/`http` never print it).
    ///
    /// ```
    /// use secrecy::SecretString;
    /// let secret = SecretString::from("my-api-secret");
    /// let builder = asapp_gen::AsappClient::builder().api_secret(secret);
    /// assert!(!format!("{builder:?}").contains("my-api-secret"));
    /// ```
    pub fn api_secret(mut self, api_secret: impl Into<SecretString>) -> Self {
        self.api_secret = Some(api_secret.into());
        self
    }

    /// Sets the base URL (default [`DEFAULT_BASE_URL`]). It must be `https`, or plain
    /// `http` to a loopback host (`localhost`, `127.0.0.0/8`, `[::1]`) for tests.
    ///
    /// ```
    /// use asapp_gen::{AsappClient, BuildError};
    /// let err = AsappClient::builder()
    ///     .api_id("id")
    ///     .api_secret("secret")
    ///     .base_url("http://api.example.com")
    ///     .build()
    ///     .unwrap_err();
    /// assert!(matches!(err, BuildError::Transport(conversations_transport::BuildError::BaseUrl(_))));
    /// ```
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// The HTTP options shared by every provider (default [`ClientOptions::new`]).
    ///
    /// ```
    /// use conversations_transport::RetryPolicy;
    /// use conversations_transport::ClientOptions;
    /// let builder = asapp_gen::AsappClient::builder().options(ClientOptions::new().retry_policy(RetryPolicy::none()));
    /// # let _ = builder;
    /// ```
    pub fn options(mut self, options: ClientOptions) -> Self {
        self.options = options;
        self
    }

    /// Checks everything and builds the client.
    ///
    /// ```
    /// use asapp_gen::{AsappClient, BuildError};
    /// let err = AsappClient::builder().api_id("id").api_secret("line\nbreak").build().unwrap_err();
    /// assert_eq!(err.to_string(), "ASAPP: the API secret is not safe in an HTTP header (visible ASCII only, no spaces)");
    /// ```
    pub fn build(self) -> Result<AsappClient, BuildError> {
        let credentials = self.credentials()?;
        let base_url = self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        let transport = Transport::new(PROTOCOL, base_url, credentials, &self.options)?;
        Ok(AsappClient {
            transport,
            api_id: self.api_id.unwrap_or_default(),
        })
    }

    fn credentials(&self) -> Result<Credentials, BuildError> {
        let api_id = self.api_id.as_deref().ok_or(BuildError::MissingApiId)?;
        let api_secret = self
            .api_secret
            .as_ref()
            .ok_or(BuildError::MissingApiSecret)?;
        let credentials = Credentials::header("asapp-api-id", "API id", &api_id.into())
            .and_then(|id| {
                Ok(id.and(Credentials::header(
                    "asapp-api-secret",
                    "API secret",
                    api_secret,
                )?))
            })
            .map_err(conversations_transport::BuildError::from)?;
        Ok(credentials)
    }
}

/// An authenticated client for ASAPP's *list conversations* operation.
///
/// Cheap to clone (the connection pool is shared). `Debug` shows the API secret as
/// `[REDACTED]`. Use [`list_conversations`](Self::list_conversations) for ASAPP's own
/// types, or [`into_source`](Self::into_source) for the normalized
/// [`ConversationSource`](conversations_core::ConversationSource).
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = asapp_gen::AsappClient::builder()
///     .api_id(std::env::var("ASAPP_API_ID")?)
///     .api_secret(std::env::var("ASAPP_API_SECRET")?)
///     .build()?;
/// for listed in client.list_conversations("id-111").await? {
///     let typed = listed.typed()?;
///     println!("{} {:?}", typed.external_id, typed.id);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct AsappClient {
    transport: Transport,
    api_id: String,
}

impl fmt::Debug for AsappClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsappClient")
            .field("base_url", &self.transport.base_url().as_str())
            .field("api_id", &self.api_id)
            .field("api_secret", &"[REDACTED]")
            .field("transport", &self.transport)
            .finish_non_exhaustive()
    }
}

impl AsappClient {
    /// A builder; `api_id` and `api_secret` are required.
    ///
    /// ```
    /// let client = asapp_gen::AsappClient::builder().api_id("id").api_secret("secret").build();
    /// assert!(client.is_ok());
    /// ```
    pub fn builder() -> AsappClientBuilder {
        AsappClientBuilder::default()
    }

    /// The checked base URL.
    ///
    /// ```
    /// let client = asapp_gen::AsappClient::builder().api_id("id").api_secret("s").build().unwrap();
    /// assert_eq!(client.base_url().as_str(), asapp_gen::DEFAULT_BASE_URL);
    /// ```
    pub fn base_url(&self) -> &BaseUrl {
        self.transport.base_url()
    }

    /// The retry policy every request runs under, native and through
    /// [`AsappSource`](crate::AsappSource) alike.
    ///
    /// ```
    /// let client = asapp_gen::AsappClient::builder().api_id("id").api_secret("s").build().unwrap();
    /// assert_eq!(client.retry_policy().attempts(), 4);
    /// ```
    pub fn retry_policy(&self) -> &RetryPolicy {
        self.transport.retry_policy()
    }

    /// `GET /conversation/v1/conversations?externalId=…`: every conversation with this
    /// external id, in ASAPP's order, retried by the shared transport under the client's
    /// [`RetryPolicy`] (429, 5xx — an HTML gateway page too — and transport failures).
    ///
    /// Sends the two auth headers, `Accept: application/json` and the `externalId` query
    /// parameter, nothing else. Errors: [`Error::InvalidQuery`] for an empty, blank, overlong
    /// or control-character id (nothing is sent); a non-2xx status is the variant
    /// [`Error::from_status`] picks, with ASAPP's code, message and request id, and the
    /// `Retry-After` delay; a body that is not the JSON the spec describes is
    /// [`Error::Decode`] with the status and a bounded snippet (for a bad item, naming its
    /// index); no response is [`Error::Transport`].
    ///
    /// ```no_run
    /// # async fn run(client: asapp_gen::AsappClient) -> Result<(), conversations_core::Error> {
    /// let listed = client.list_conversations("id-111").await?;
    /// for item in &listed {
    ///     assert_eq!(item.typed()?.external_id, "id-111");
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn list_conversations(
        &self,
        external_id: &str,
    ) -> Result<Vec<AsappConversation>, Error> {
        self.list(ListRequest::new(external_id)?).await
    }

    /// One checked request, each item as its bytes.
    pub(crate) async fn list(
        &self,
        request: ListRequest<'_>,
    ) -> Result<Vec<AsappConversation>, Error> {
        let response = self.transport.get(request.path(), &request.query()).await?;
        types::decode_list(response.status, &response.body)
    }

    /// [`list_conversations`](Self::list_conversations) with each item left encoded: a slice
    /// of the body, normalized (exactly as [`AsappConversation::into_normalized`] would) when
    /// a listing hands it out.
    pub(crate) async fn list_encoded(
        &self,
        request: ListRequest<'_>,
    ) -> Result<Vec<EncodedConversation>, Error> {
        let response = self.transport.get(request.path(), &request.query()).await?;
        let body = &response.body;
        types::decode_list_with(response.status, body, |raw| {
            EncodedConversation::in_body(body, raw, to_conversation).keyed_by("id")
        })
    }
}
