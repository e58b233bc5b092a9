//! [`AutocallsClientBuilder`]: API key, base URL and the shared [`ClientOptions`], and the
//! [`BuildError`]s it refuses with.

use std::fmt;
use std::sync::Arc;

use conversations_transport::{ClientOptions, Credentials, Transport};
use secrecy::SecretString;

use crate::client::{AutocallsClient, ClientInner, ENDPOINT_PATH};
use crate::error_body::PROTOCOL;

/// The production base URL; the client appends `/user/conversations`.
pub const DEFAULT_BASE_URL: &str = "https://app.autocalls.ai/api";

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
/// use conversations_core::RetryPolicy;
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
    /// use conversations_core::RetryPolicy;
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
