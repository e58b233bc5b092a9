//! # conversations-transport
//!
//! The HTTP layer every conversations-rs provider shares, so that retries, timeouts, secret
//! handling, redirects, error mapping and request logs are written once (apache
//! `object_store`'s `client` module is the model):
//!
//! - [`ClientOptions`]: connect timeout, per-attempt timeout, a wall-clock deadline per page
//!   that includes retries, retry policy and a per-client retry quota, user agent, proxy, and
//!   a hook to configure `reqwest` further. They hold whatever the hook does: the client never
//!   follows redirects, so credentials never reach another host.
//! - [`Credentials`]: auth headers checked once and marked sensitive.
//! - [`Transport`]: one provider's authenticated GETs. A provider supplies only its
//!   [`Protocol`] (name, request-id header, error envelope), its endpoint and how to decode a
//!   page; the status decides the error and its retryability, whatever the body.
//! - [`Redactor`]: whatever a server sends back (error bodies, request ids, messages built
//!   from them) has the credentials taken out before it reaches an error or a log line.
//! - Bounds: a response body larger than [`ClientOptions::max_body_size`] is an error, read
//!   no further and not retried.
//! - Logs: a `tracing` span per request (provider, source name, path) with an event per
//!   attempt (attempt, status, request id, latency, bytes) — never a secret, a phone number or
//!   any query value.
//!
//! - Retries, in one home ([`RetryPolicy`], [`RetryQuota`], `Retry-After`): every request a
//!   [`Transport`] makes runs under them. A source that does not use the transport gets the
//!   same retries from the [`Retrying`] adapter; `conversations-core`'s trait retries nothing.
//! - [`BaseUrl`]: `https` everywhere, plain `http` only on loopback.
//!
//! ## Example: a provider's client in a few lines
//!
//! ```no_run
//! use conversations_core::ApiErrorDetails;
//! use conversations_transport::{ClientOptions, Credentials, Protocol, Transport};
//!
//! fn envelope(body: &[u8], details: &mut ApiErrorDetails) {
//!     if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
//!         details.message = v["error"].as_str().map(str::to_owned);
//!     }
//! }
//! const PARLEY: Protocol = Protocol {
//!     provider: "parley",
//!     request_id_header: None,
//!     error_details: envelope,
//!     default_rate_limit: conversations_transport::RateLimit::unlimited(),
//! };
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let transport = Transport::new(
//!     PARLEY,
//!     "https://api.parley.example",
//!     Credentials::header("x-parley-key", "API key", &"key".into())?,
//!     &ClientOptions::new(),
//! )?;
//! let page = transport.get("/v2/chats", &[("page", "1")]).await?;
//! println!("{}", page.body.len());
//! # Ok(()) }
//! ```

mod credentials;
mod endpoint;
mod options;
mod rate;
mod redact;
mod retry;
mod retrying;
mod transport;
mod transport_error;

pub use credentials::{CredentialError, Credentials};
pub use endpoint::{BaseUrl, BaseUrlError};
pub use options::{
    ClientOptions, ConfigureHttp, DEFAULT_CONNECT_TIMEOUT, DEFAULT_DEADLINE, DEFAULT_MAX_BODY_SIZE,
    DEFAULT_TIMEOUT,
};
pub use rate::RateLimit;
pub use redact::{MIN_RUN, REDACTED, Redactor};
pub use retry::{
    DEFAULT_RETRY_QUOTA, RETRY_COST, RetryPolicy, RetryQuota, TIMEOUT_RETRY_COST, parse_retry_after,
};
pub use retrying::Retrying;
pub use transport::{MAX_ERROR_BODY, Protocol, Response, Transport};
pub use transport_error::TransportError;

/// Why a client could not be built. Never holds a credential's value.
///
/// ```
/// use conversations_transport::{BuildError, ClientOptions};
/// let err = ClientOptions::new().proxy("not a url").build_http("demo", Default::default()).unwrap_err();
/// assert!(matches!(err, BuildError::Proxy));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The base URL was refused (not a URL, not https, credentials or query in it…).
    #[error("bad base URL: {0}")]
    BaseUrl(#[from] BaseUrlError),
    /// A credential was refused.
    #[error(transparent)]
    Credential(#[from] CredentialError),
    /// The proxy URL could not be used (its text is not repeated: it may hold a password).
    #[error("the proxy URL is not valid")]
    Proxy,
    /// The HTTP client could not be built (the TLS backend failed to start, say).
    #[error("could not build the HTTP client: {0}")]
    HttpClient(String),
}
