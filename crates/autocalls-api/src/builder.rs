//! [`AutocallsClientBuilder`]: API key, base URL, timeouts, HTTP client and retry policy, and
//! the [`BuildError`]s it refuses with.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use conversations_core::RetryPolicy;
use conversations_core::endpoint::{BaseUrl, BaseUrlError};
use reqwest::header::HeaderValue;
use secrecy::zeroize::Zeroize;
use secrecy::{ExposeSecret, SecretString};

use crate::client::{AutocallsClient, ClientInner, ENDPOINT_PATH};

/// The production base URL; the client appends `/user/conversations`.
pub const DEFAULT_BASE_URL: &str = "https://app.autocalls.ai/api";
/// The request timeout of the HTTP client the builder makes, unless [`AutocallsClientBuilder::timeout`] says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The connect timeout of the HTTP client the builder makes, unless [`AutocallsClientBuilder::connect_timeout`] says otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why [`AutocallsClientBuilder::build`] refused. Never shows the API key.
///
/// ```
/// use autocalls_api::{AutocallsClient, BuildError};
///
/// let err = AutocallsClient::builder().build().unwrap_err();
/// assert!(matches!(err, BuildError::MissingApiKey));
/// let err = AutocallsClient::builder().api_key("k").base_url("http://example.com/api").build().unwrap_err();
/// assert!(matches!(err, BuildError::BaseUrl(_)));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No API key was given.
    #[error("no API key was given (call AutocallsClientBuilder::api_key)")]
    MissingApiKey,
    /// The API key is empty or blank.
    #[error("the API key is empty or blank")]
    EmptyApiKey,
    /// The API key holds characters an HTTP header cannot carry (only visible ASCII, no spaces).
    #[error(
        "the API key holds characters not allowed in an Authorization header (visible ASCII only, no spaces)"
    )]
    InvalidApiKey,
    /// The base URL was refused (not a URL, not https, credentials or query in it…).
    #[error("bad base URL: {0}")]
    BaseUrl(#[from] BaseUrlError),
    /// A connect timeout was set together with a caller-supplied HTTP client, which cannot
    /// take one after it is built: set it on that client instead.
    #[error(
        "connect_timeout cannot be applied to a caller-supplied http_client; set it on that client"
    )]
    ConnectTimeoutWithHttpClient,
    /// The HTTP client could not be built (e.g. the TLS backend failed to initialize).
    #[error("could not build the HTTP client: {0}")]
    HttpClient(#[source] reqwest::Error),
}

/// Builds an [`AutocallsClient`]. Only [`api_key`](Self::api_key) is required.
///
/// `Debug` never shows the key.
///
/// ```
/// use std::time::Duration;
/// use autocalls_api::AutocallsClient;
/// use conversations_core::RetryPolicy;
///
/// let builder = AutocallsClient::builder()
///     .api_key("YOUR_API_KEY")
///     .base_url("https://app.autocalls.ai/api")
///     .timeout(Duration::from_secs(20))
///     .connect_timeout(Duration::from_secs(5))
///     .retry_policy(RetryPolicy::default().max_attempts(3));
/// assert!(!format!("{builder:?}").contains("YOUR_API_KEY"));
/// let client = builder.build().unwrap();
/// assert_eq!(client.endpoint().as_str(), "https://app.autocalls.ai/api/user/conversations");
/// ```
#[derive(Clone, Default)]
pub struct AutocallsClientBuilder {
    api_key: Option<SecretString>,
    base_url: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    http_client: Option<reqwest::Client>,
    retry_policy: Option<RetryPolicy>,
}

impl fmt::Debug for AutocallsClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AutocallsClientBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "[REDACTED]"))
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("http_client", &self.http_client.as_ref().map(|_| "custom"))
            .field("retry_policy", &self.retry_policy)
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

    /// The timeout of each request, from connecting to the end of the body (default
    /// [`DEFAULT_TIMEOUT`] for the client the builder makes). With a caller-supplied
    /// [`http_client`](Self::http_client), it is applied to each request when set.
    ///
    /// ```
    /// use std::time::Duration;
    /// let builder = autocalls_api::AutocallsClient::builder().timeout(Duration::from_secs(5));
    /// # let _ = builder;
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The connect timeout of the HTTP client the builder makes (default
    /// [`DEFAULT_CONNECT_TIMEOUT`]). Refused with a caller-supplied client.
    ///
    /// ```
    /// use std::time::Duration;
    /// let builder = autocalls_api::AutocallsClient::builder().connect_timeout(Duration::from_secs(2));
    /// # let _ = builder;
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Uses this HTTP client (for shared connection pools, proxies, custom TLS) instead of
    /// making one. The builder's own client follows no redirects; a supplied one is used as is.
    ///
    /// ```
    /// let client = autocalls_api::AutocallsClient::builder()
    ///     .api_key("k")
    ///     .http_client(reqwest::Client::new())
    ///     .build()
    ///     .unwrap();
    /// # let _ = client;
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// How failed requests are retried (default [`RetryPolicy::default`]): by
    /// [`AutocallsClient::list_conversations`], the client's page streams, and
    /// [`AutocallsSource`](crate::AutocallsSource)'s provided methods.
    ///
    /// ```
    /// use conversations_core::RetryPolicy;
    /// let builder = autocalls_api::AutocallsClient::builder().retry_policy(RetryPolicy::none());
    /// # let _ = builder;
    /// ```
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = Some(policy);
        self
    }

    /// Checks everything and builds the client.
    ///
    /// ```
    /// use autocalls_api::{AutocallsClient, BuildError};
    /// assert!(matches!(AutocallsClient::builder().api_key("").build(), Err(BuildError::EmptyApiKey)));
    /// assert!(matches!(AutocallsClient::builder().api_key("a b").build(), Err(BuildError::InvalidApiKey)));
    /// ```
    pub fn build(self) -> Result<AutocallsClient, BuildError> {
        let key = self.api_key.ok_or(BuildError::MissingApiKey)?;
        let auth = authorization(&key)?;
        let base_url = BaseUrl::parse(self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))?;
        let (http, request_timeout) = match self.http_client {
            Some(client) => {
                if self.connect_timeout.is_some() {
                    return Err(BuildError::ConnectTimeoutWithHttpClient);
                }
                (client, self.timeout)
            }
            None => {
                let client = reqwest::Client::builder()
                    .timeout(self.timeout.unwrap_or(DEFAULT_TIMEOUT))
                    .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
                    .redirect(reqwest::redirect::Policy::none())
                    .user_agent(concat!(
                        "conversations-rs/autocalls-api ",
                        env!("CARGO_PKG_VERSION")
                    ))
                    .build()
                    .map_err(BuildError::HttpClient)?;
                (client, None)
            }
        };
        Ok(AutocallsClient {
            inner: Arc::new(ClientInner {
                http,
                endpoint: base_url.join(ENDPOINT_PATH),
                base_url,
                auth,
                request_timeout,
                retry: self.retry_policy.unwrap_or_default(),
            }),
        })
    }
}

/// `Bearer <key>`, checked and marked sensitive.
fn authorization(key: &SecretString) -> Result<HeaderValue, BuildError> {
    let key = key.expose_secret();
    if key.trim().is_empty() {
        return Err(BuildError::EmptyApiKey);
    }
    if !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(BuildError::InvalidApiKey);
    }
    let mut text = format!("Bearer {key}");
    let value = HeaderValue::from_str(&text);
    text.zeroize();
    let mut value = value.map_err(|_| BuildError::InvalidApiKey)?;
    value.set_sensitive(true);
    Ok(value)
}
