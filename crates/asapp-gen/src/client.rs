//! [`AsappClient`]: the hand-written, authenticated client for ASAPP's *list conversations*
//! operation, and its [`AsappClientBuilder`].
//!
//! The client sends the request with `reqwest` itself and decodes the answer into the
//! generated [`types`], so that it controls every error exactly: a typed
//! [`Error`] per status with ASAPP's code and request id, and a bounded body snippet for
//! bodies that are not what the spec promises.

use std::fmt;
use std::time::Duration;

use conversations_core::decode;
use conversations_core::endpoint::{BaseUrl, BaseUrlError};
use conversations_core::{
    Capabilities, Conversation, ConversationQuery, Error, Filter, RawJson, RetryPolicy,
};
use reqwest::header::{ACCEPT, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::generated::{self, types};
use crate::source::AsappSource;
use crate::{error_body, list_body};

/// The provider name that tags every record and error: `"asapp"`.
///
/// ```
/// assert_eq!(asapp_gen::PROVIDER, "asapp");
/// ```
pub const PROVIDER: &str = "asapp";

/// ASAPP's base URL as the spec's `servers` gives it.
///
/// ```
/// assert_eq!(asapp_gen::DEFAULT_BASE_URL, "https://api.sandbox.asapp.com");
/// ```
pub const DEFAULT_BASE_URL: &str = "https://api.sandbox.asapp.com";

/// The path of the *list conversations* operation (`getConversations`).
///
/// ```
/// assert_eq!(asapp_gen::CONVERSATIONS_PATH, "/conversation/v1/conversations");
/// ```
pub const CONVERSATIONS_PATH: &str = "/conversation/v1/conversations";

/// The whole-request timeout used unless [`AsappClientBuilder::timeout`] says otherwise.
///
/// ```
/// assert_eq!(asapp_gen::DEFAULT_TIMEOUT.as_secs(), 30);
/// ```
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The connect timeout used unless [`AsappClientBuilder::connect_timeout`] says otherwise.
///
/// ```
/// assert_eq!(asapp_gen::DEFAULT_CONNECT_TIMEOUT.as_secs(), 10);
/// ```
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

const API_ID_HEADER: HeaderName = HeaderName::from_static("asapp-api-id");
const API_SECRET_HEADER: HeaderName = HeaderName::from_static("asapp-api-secret");

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
    /// A credential is empty, blank or not safe in an HTTP header.
    #[error("the ASAPP {credential} is {problem}")]
    InvalidCredential {
        /// Which credential: `"API id"` or `"API secret"`.
        credential: &'static str,
        /// What is wrong with it (never its value).
        problem: &'static str,
    },
    /// The base URL was refused.
    #[error("invalid ASAPP base URL: {0}")]
    BaseUrl(#[from] BaseUrlError),
    /// The HTTP client could not be built (e.g. the TLS backend failed to start).
    #[error("cannot build the HTTP client: {0}")]
    HttpClient(String),
    /// A connect timeout was set along with a caller-supplied client, which is already built
    /// and cannot take one.
    #[error("connect_timeout cannot apply to a caller-supplied http_client: set it on that client")]
    ConnectTimeoutWithHttpClient,
    /// [`AsappClientBuilder::build_generated`] was asked to use a caller-supplied client,
    /// which it cannot add authentication headers to.
    #[error(
        "build_generated cannot use a caller-supplied http_client: it needs to set default auth headers"
    )]
    GeneratedWithHttpClient,
}

/// Builds an [`AsappClient`]; start from [`AsappClient::builder`].
///
/// `Debug` shows the API secret as `[REDACTED]`.
///
/// ```
/// use std::time::Duration;
/// use asapp_gen::AsappClient;
/// use conversations_core::RetryPolicy;
///
/// let client = AsappClient::builder()
///     .api_id("my-api-id")
///     .api_secret("my-api-secret")
///     .base_url("https://api.sandbox.asapp.com")
///     .timeout(Duration::from_secs(20))
///     .connect_timeout(Duration::from_secs(5))
///     .retry_policy(RetryPolicy::default().max_attempts(3))
///     .build()
///     .unwrap();
/// assert_eq!(client.base_url().as_str(), "https://api.sandbox.asapp.com");
/// assert!(!format!("{client:?}").contains("my-api-secret"));
/// ```
#[derive(Default)]
#[must_use]
pub struct AsappClientBuilder {
    api_id: Option<String>,
    api_secret: Option<SecretString>,
    base_url: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    http_client: Option<reqwest::Client>,
    retry_policy: Option<RetryPolicy>,
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
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("http_client", &self.http_client.as_ref().map(|_| ".."))
            .field("retry_policy", &self.retry_policy)
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
    /// assert!(matches!(err, BuildError::BaseUrl(_)));
    /// ```
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Sets the timeout for a whole request, body included (default [`DEFAULT_TIMEOUT`]).
    ///
    /// ```
    /// let builder = asapp_gen::AsappClient::builder().timeout(std::time::Duration::from_secs(5));
    /// # let _ = builder;
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets the connect timeout (default [`DEFAULT_CONNECT_TIMEOUT`]) of the client this
    /// builder makes. Refused ([`BuildError::ConnectTimeoutWithHttpClient`]) together with
    /// [`http_client`](Self::http_client), whose connect timeout is its own.
    ///
    /// ```
    /// let builder = asapp_gen::AsappClient::builder().connect_timeout(std::time::Duration::from_secs(2));
    /// # let _ = builder;
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Uses a caller-supplied `reqwest::Client` (to share a connection pool, a proxy, …).
    /// A [`timeout`](Self::timeout), when set, is then applied to each request. Note that the client's
    /// redirect policy is the caller's: the one this builder makes follows no redirects,
    /// so the credentials never reach another host.
    ///
    /// ```
    /// let builder = asapp_gen::AsappClient::builder().http_client(reqwest::Client::new());
    /// # let _ = builder;
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Sets how [`AsappSource`] retries failed pages (default [`RetryPolicy::default`]).
    ///
    /// ```
    /// use conversations_core::RetryPolicy;
    /// let builder = asapp_gen::AsappClient::builder().retry_policy(RetryPolicy::none());
    /// # let _ = builder;
    /// ```
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = Some(policy);
        self
    }

    /// Checks everything and builds the client.
    ///
    /// ```
    /// use asapp_gen::{AsappClient, BuildError};
    /// let err = AsappClient::builder().api_id("id").api_secret("line\nbreak").build().unwrap_err();
    /// assert_eq!(
    ///     err,
    ///     BuildError::InvalidCredential { credential: "API secret", problem: "not safe in an HTTP header (visible ASCII only)" }
    /// );
    /// ```
    pub fn build(self) -> Result<AsappClient, BuildError> {
        let (credentials, base_url) = self.checked()?;
        let (http, per_request_timeout) = match self.http_client {
            Some(_) if self.connect_timeout.is_some() => {
                return Err(BuildError::ConnectTimeoutWithHttpClient);
            }
            Some(client) => (client, self.timeout),
            None => (self.own_http_client(None)?, None),
        };
        Ok(AsappClient {
            http,
            base_url,
            credentials,
            per_request_timeout,
            retry_policy: self.retry_policy.unwrap_or_default(),
        })
    }

    /// Builds the raw, generated client ([`generated::Client`]) instead, over a
    /// `reqwest::Client` that sends both auth headers (marked sensitive) on every request,
    /// with the same base URL checks and timeouts. For callers who want the operation
    /// exactly as progenitor generated it (which also sends an `api-version` header).
    ///
    /// ```
    /// let raw = asapp_gen::AsappClient::builder()
    ///     .api_id("my-api-id")
    ///     .api_secret("my-api-secret")
    ///     .build_generated()
    ///     .unwrap();
    /// assert!(!format!("{raw:?}").contains("my-api-secret"));
    /// ```
    pub fn build_generated(self) -> Result<generated::Client, BuildError> {
        if self.http_client.is_some() {
            return Err(BuildError::GeneratedWithHttpClient);
        }
        let (credentials, base_url) = self.checked()?;
        let http = self.own_http_client(Some(&credentials))?;
        Ok(generated::Client::new_with_client(base_url.as_str(), http))
    }

    fn checked(&self) -> Result<(Credentials, BaseUrl), BuildError> {
        let api_id = self.api_id.as_deref().ok_or(BuildError::MissingApiId)?;
        let api_secret = self
            .api_secret
            .as_ref()
            .ok_or(BuildError::MissingApiSecret)?;
        let credentials = Credentials {
            api_id: header_value("API id", api_id)?,
            api_secret: header_value("API secret", api_secret.expose_secret())?,
        };
        let base_url = BaseUrl::parse(self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))?;
        Ok((credentials, base_url))
    }

    fn own_http_client(
        &self,
        default_auth: Option<&Credentials>,
    ) -> Result<reqwest::Client, BuildError> {
        let mut builder = reqwest::Client::builder()
            .timeout(self.timeout.unwrap_or(DEFAULT_TIMEOUT))
            .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
            // Custom auth headers would follow a redirect to any host: follow none.
            .redirect(reqwest::redirect::Policy::none());
        if let Some(credentials) = default_auth {
            let mut headers = reqwest::header::HeaderMap::new();
            credentials.apply(&mut headers);
            builder = builder.default_headers(headers);
        }
        builder
            .build()
            .map_err(|e| BuildError::HttpClient(e.to_string()))
    }
}

/// Both auth header values, marked sensitive.
#[derive(Clone)]
struct Credentials {
    api_id: HeaderValue,
    api_secret: HeaderValue,
}

impl Credentials {
    fn apply(&self, headers: &mut reqwest::header::HeaderMap) {
        headers.insert(API_ID_HEADER, self.api_id.clone());
        headers.insert(API_SECRET_HEADER, self.api_secret.clone());
    }
}

/// A header value for a credential: not blank, visible ASCII only, marked sensitive.
fn header_value(credential: &'static str, value: &str) -> Result<HeaderValue, BuildError> {
    let invalid = |problem| BuildError::InvalidCredential {
        credential,
        problem,
    };
    if value.is_empty() {
        return Err(invalid("empty"));
    }
    if value.trim().is_empty() {
        return Err(invalid("blank"));
    }
    if value.trim() != value {
        return Err(invalid("surrounded by whitespace"));
    }
    if !value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(invalid("not safe in an HTTP header (visible ASCII only)"));
    }
    let mut header =
        HeaderValue::from_str(value).map_err(|_| invalid("not safe in an HTTP header"))?;
    header.set_sensitive(true);
    Ok(header)
}

/// One conversation as ASAPP sent it: the item's exact bytes.
///
/// [`typed`](Self::typed) reads it as the generated [`types::Conversation`] (strictly: the
/// spec's types or an error); [`into_normalized`](Self::into_normalized) maps it into the
/// normalized model tolerantly, noting what was off the spec.
///
/// ```
/// use asapp_gen::AsappConversation;
/// let listed = AsappConversation::from(serde_json::json!({"externalId": "id-1", "customer": {"externalId": "c-1"}, "new": 1}));
/// assert_eq!(listed.typed().unwrap().external_id, "id-1");
/// assert_eq!(listed.raw.get(), r#"{"customer":{"externalId":"c-1"},"externalId":"id-1","new":1}"#);
/// let c = listed.into_normalized();
/// assert_eq!(c.external_id.as_deref(), Some("id-1"));
///
/// let odd = AsappConversation::from(serde_json::json!({"externalId": 7, "customer": {"externalId": "c"}}));
/// assert!(odd.typed().is_err());
/// assert_eq!(odd.into_normalized().external_id.as_deref(), Some("7"));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AsappConversation {
    /// The item exactly as received.
    pub raw: RawJson,
}

impl AsappConversation {
    /// The item as the generated type, or [`Error::Decode`] naming where it is off the spec
    /// (a position and JSON type, never a value).
    pub fn typed(&self) -> Result<types::Conversation, Error> {
        serde_json::from_str(self.raw.get())
            .map_err(|e| Error::decode(PROVIDER, None, "conversation", decode::describe(&e), b""))
    }

    /// The item in the normalized model (see [`normalize()`](crate::normalize())).
    pub fn into_normalized(self) -> Conversation {
        crate::normalize::to_conversation(self.raw)
    }
}

impl From<RawJson> for AsappConversation {
    fn from(raw: RawJson) -> Self {
        Self { raw }
    }
}

impl From<serde_json::Value> for AsappConversation {
    fn from(value: serde_json::Value) -> Self {
        Self {
            raw: RawJson::from(value),
        }
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
    http: reqwest::Client,
    base_url: BaseUrl,
    credentials: Credentials,
    per_request_timeout: Option<Duration>,
    retry_policy: RetryPolicy,
}

impl fmt::Debug for AsappClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsappClient")
            .field("base_url", &self.base_url.as_str())
            .field("api_id", &self.credentials.api_id.to_str().unwrap_or("?"))
            .field("api_secret", &"[REDACTED]")
            .field("per_request_timeout", &self.per_request_timeout)
            .field("retry_policy", &self.retry_policy)
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
        &self.base_url
    }

    /// The retry policy [`AsappSource`] runs under.
    ///
    /// ```
    /// let client = asapp_gen::AsappClient::builder().api_id("id").api_secret("s").build().unwrap();
    /// assert_eq!(client.retry_policy().attempts(), 4);
    /// ```
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry_policy
    }

    /// This client as a normalized [`ConversationSource`](conversations_core::ConversationSource).
    ///
    /// ```
    /// use conversations_core::ConversationSource;
    /// let client = asapp_gen::AsappClient::builder().api_id("id").api_secret("s").build().unwrap();
    /// assert_eq!(client.into_source().provider(), "asapp");
    /// ```
    pub fn into_source(self) -> AsappSource {
        AsappSource::new(self)
    }

    /// `GET /conversation/v1/conversations?externalId=…`: every conversation with this
    /// external id, in ASAPP's order. One attempt, no retry ([`AsappSource`] retries).
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
        Capabilities::new()
            .requires(Filter::ExternalId)
            .validate(PROVIDER, &ConversationQuery::new().external_id(external_id))?;
        let mut url = self.base_url.join(CONVERSATIONS_PATH);
        url.query_pairs_mut().append_pair("externalId", external_id);
        let mut request = self
            .http
            .get(url)
            .header(ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(timeout) = self.per_request_timeout {
            request = request.timeout(timeout);
        }
        let mut request = request
            .build()
            .map_err(|e| Error::transport(PROVIDER, e.without_url()))?;
        self.credentials.apply(request.headers_mut());
        let response = self
            .http
            .execute(request)
            .await
            .map_err(|e| Error::transport(PROVIDER, e.without_url()))?;
        let status = response.status();
        if !status.is_success() {
            return Err(error_body::error_from_response(response).await);
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| Error::transport(PROVIDER, e.without_url()))?;
        list_body::decode_list(status.as_u16(), &body)
    }
}
