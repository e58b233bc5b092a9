//! [`Transport`]: one provider's authenticated GETs, with every request retried, timed,
//! bounded by the page deadline, logged and mapped to [`Error`] the same way for every
//! provider.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Instant, SystemTime};

use bytes::Bytes;
use conversations_core::{ApiErrorDetails, Error};
use reqwest::header::{ACCEPT, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use tracing::Instrument;

use crate::BuildError;
use crate::credentials::Credentials;
use crate::endpoint::BaseUrl;
use crate::options::ClientOptions;
use crate::rate::{Limiter, RateLimit};
use crate::redact::Redactor;
use crate::retry::{RetryPolicy, RetryQuota, parse_retry_after};
use crate::transport_error::TransportError;

/// The most of an error body read; the rest is not needed to report the error.
pub const MAX_ERROR_BODY: usize = 64 * 1024;

/// What a provider tells the transport about itself: its name, where it puts the request id,
/// and how to read its error envelope. Everything else is the transport's.
///
/// ```
/// use conversations_core::ApiErrorDetails;
/// use conversations_transport::Protocol;
///
/// fn laravel(body: &[u8], details: &mut ApiErrorDetails) {
///     if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
///         details.message = v["message"].as_str().map(str::to_owned);
///     }
/// }
/// const AUTOCALLS: Protocol = Protocol {
///     provider: "autocalls",
///     request_id_header: Some("x-request-id"),
///     error_details: laravel,
///     default_rate_limit: conversations_transport::RateLimit::unlimited(),
/// };
///
/// // An error body in the provider's envelope fills the details; any other body leaves them.
/// let mut details = ApiErrorDetails::new(429);
/// (AUTOCALLS.error_details)(br#"{"message": "Too Many Attempts."}"#, &mut details);
/// assert_eq!(details.to_string(), "HTTP 429: Too Many Attempts.");
/// (AUTOCALLS.error_details)(b"<html>Bad Gateway</html>", &mut details);
/// assert_eq!(details.message.as_deref(), Some("Too Many Attempts."));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Protocol {
    /// The provider's name, tagging every error and log line.
    pub provider: &'static str,
    /// The response header carrying the provider's request id, if it sends one.
    pub request_id_header: Option<&'static str>,
    /// Fills `message`, `code`, `request_id`, `field_errors` from an error body, when the
    /// body is the provider's envelope; leaves them alone otherwise (the status decides the
    /// error, never the body).
    pub error_details: fn(&[u8], &mut ApiErrorDetails),
    /// The rate a client keeps to unless its options say otherwise: the provider's documented
    /// limit, or [`RateLimit::unlimited`] when it documents none.
    pub default_rate_limit: RateLimit,
}

/// A successful (2xx) response.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// The provider's request id, from the protocol's header.
    pub request_id: Option<String>,
    /// The body.
    pub body: Bytes,
}

/// One provider's HTTP client: a base URL, credentials, and the shared behaviour of
/// [`ClientOptions`]. Cheap to clone; clones share the connection pool and the retry quota.
///
/// Every [`get`](Self::get) is retried under the options' [`RetryPolicy`] (only 429, 5xx
/// and transport failures; the status decides, whatever the body), honoring `Retry-After`
/// (seconds or HTTP date, up to its ceiling), within the page deadline, drawing on the
/// client's retry quota. Errors never hold the URL's query (phone numbers, external ids),
/// and log lines never hold a secret or a query value.
///
/// ```no_run
/// use conversations_transport::{ClientOptions, Credentials, Protocol, Transport};
/// # fn details(_: &[u8], _: &mut conversations_core::ApiErrorDetails) {}
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// const DEMO: Protocol = Protocol { provider: "demo", request_id_header: None, error_details: details, default_rate_limit: conversations_transport::RateLimit::unlimited() };
/// let transport = Transport::new(
///     DEMO,
///     "https://api.example.com",
///     Credentials::bearer("API key", &"key".into())?,
///     &ClientOptions::new(),
/// )?;
/// let response = transport.get("/v1/things", &[("q", "+1 555")]).await?;
/// println!("{} bytes", response.body.len());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
}

struct Inner {
    protocol: Protocol,
    name: Arc<str>,
    http: reqwest::Client,
    base: BaseUrl,
    credentials: Credentials,
    timeout: std::time::Duration,
    retry: RetryPolicy,
    request_id_header: Option<HeaderName>,
    limiter: Limiter,
    redactor: Redactor,
    max_body_size: u64,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("provider", &self.inner.protocol.provider)
            .field("name", &self.inner.name)
            .field("base_url", &self.inner.base.as_str())
            .field("credentials", &self.inner.credentials)
            .field("timeout", &self.inner.timeout)
            .field("retry", &self.inner.retry)
            .finish()
    }
}

impl Transport {
    /// A transport for `protocol` at `base_url` (https, or http to loopback only).
    ///
    /// ```
    /// use conversations_transport::{BuildError, ClientOptions, Credentials, Protocol, Transport};
    /// # fn details(_: &[u8], _: &mut conversations_core::ApiErrorDetails) {}
    /// const DEMO: Protocol = Protocol { provider: "demo", request_id_header: None, error_details: details, default_rate_limit: conversations_transport::RateLimit::unlimited() };
    /// let creds = Credentials::bearer("API key", &"k".into()).unwrap();
    /// let err = Transport::new(DEMO, "http://api.example.com", creds, &ClientOptions::new()).unwrap_err();
    /// assert!(matches!(err, BuildError::BaseUrl(_)));
    /// ```
    pub fn new(
        protocol: Protocol,
        base_url: &str,
        credentials: Credentials,
        options: &ClientOptions,
    ) -> Result<Self, BuildError> {
        let base = BaseUrl::parse(base_url)?;
        let http = options.build_http(protocol.provider, HeaderMap::new())?;
        let quota = Arc::new(RetryQuota::new(options.retry_quota));
        let redactor = credentials.redactor();
        Ok(Self {
            inner: Arc::new(Inner {
                protocol,
                name: options
                    .name
                    .clone()
                    .unwrap_or_else(|| Arc::from(protocol.provider)),
                http,
                base,
                credentials,
                timeout: options.timeout,
                retry: options.retry().quota(quota),
                request_id_header: protocol
                    .request_id_header
                    .and_then(|h| HeaderName::from_bytes(h.as_bytes()).ok()),
                limiter: Limiter::new(
                    options.rate_limit.unwrap_or(protocol.default_rate_limit),
                    options.retry.retry_after_ceiling(),
                ),
                redactor,
                max_body_size: options.max_body_size,
            }),
        })
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &BaseUrl {
        &self.inner.base
    }

    /// The provider's name.
    pub fn provider(&self) -> &'static str {
        self.inner.protocol.provider
    }

    /// The name requests are logged under (an account name, or the provider's).
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The request rate the client keeps to now, after adapting to 429s (`None`: unlimited).
    pub fn current_rate(&self) -> Option<f64> {
        self.inner.limiter.current_rate()
    }

    /// The redactor of this transport's credentials: a provider runs any text of its own that
    /// quotes a server through it (errors and request ids the transport returns have been
    /// through it already).
    ///
    /// ```
    /// use conversations_transport::{ClientOptions, Credentials, Protocol, Transport};
    /// # fn details(_: &[u8], _: &mut conversations_core::ApiErrorDetails) {}
    /// const DEMO: Protocol = Protocol { provider: "demo", request_id_header: None, error_details: details, default_rate_limit: conversations_transport::RateLimit::unlimited() };
    /// let creds = Credentials::bearer("API key", &"key-0123456789".into()).unwrap();
    /// let transport = Transport::new(DEMO, "https://api.example.com", creds, &ClientOptions::new()).unwrap();
    /// assert_eq!(transport.redactor().redact("echo key-0123456789"), "echo ***");
    /// ```
    pub fn redactor(&self) -> &Redactor {
        &self.inner.redactor
    }

    /// The retry policy every call runs under (with the client's shared quota).
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// `GET {base}{path}?{query}`, retried (see [`Transport`]); a 2xx response's body, or the
    /// error.
    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Response, Error> {
        let mut url = self.inner.base.join(path);
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in query {
                pairs.append_pair(name, value);
            }
        }
        let attempt = AtomicU32::new(0);
        let span = tracing::info_span!(
            "request",
            provider = self.inner.protocol.provider,
            source = %self.inner.name,
            path = %url.path(),
        );
        let deadline = self.inner.retry.budget();
        let retried = self.inner.retry.retry(|| {
            let n = attempt.fetch_add(1, Ordering::SeqCst) + 1;
            self.attempt(&url, n)
        });
        // The deadline holds even for an attempt still in flight when it passes.
        let result = match tokio::time::timeout(deadline, retried)
            .instrument(span.clone())
            .await
        {
            Ok(result) => result,
            Err(_) => Err(Error::transport(
                self.inner.protocol.provider,
                DeadlinePassed(deadline),
            )),
        };
        // Whatever the server sent back has the credentials taken out before anyone sees it.
        let result = result.map_err(|error| self.inner.redactor.redact_error(error));
        if let Err(error) = &result {
            span.in_scope(|| {
                tracing::warn!(
                    attempts = attempt.load(Ordering::SeqCst),
                    status = error.status(),
                    request_id = error.request_id(),
                    "request failed: {}",
                    error_kind(error)
                );
            });
        }
        result
    }

    /// One attempt, logged.
    async fn attempt(&self, url: &reqwest::Url, attempt: u32) -> Result<Response, Error> {
        let inner = &*self.inner;
        let provider = inner.protocol.provider;
        let _slot = inner.limiter.acquire().await;
        let started = Instant::now();
        let mut request = inner
            .http
            .get(url.clone())
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .timeout(inner.timeout)
            .build()
            .map_err(|e| transport_error(provider, e))?;
        inner.credentials.apply(request.headers_mut());
        let response = match inner.http.execute(request).await {
            Ok(response) => response,
            Err(e) => {
                let error = transport_error(provider, e);
                tracing::info!(
                    attempt,
                    latency_ms = started.elapsed().as_millis() as u64,
                    "no response: {}",
                    error_kind(&error)
                );
                return Err(error);
            }
        };
        let status = response.status().as_u16();
        let request_id = inner
            .request_id_header
            .as_ref()
            .and_then(|h| response.headers().get(h))
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| inner.redactor.redact(v).into_owned());
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        inner.limiter.observe(status, retry_after);
        if (200..300).contains(&status) {
            let body = read_body(response, inner.max_body_size)
                .await
                .map_err(|e| match e {
                    BodyError::TooLarge => Error::ResponseTooLarge {
                        provider: provider.to_owned(),
                        limit: inner.max_body_size,
                        status,
                    },
                    BodyError::Read(e) => transport_error(provider, e),
                })?;
            tracing::info!(
                attempt,
                status,
                request_id = request_id.as_deref(),
                latency_ms = started.elapsed().as_millis() as u64,
                bytes = body.len(),
                "response"
            );
            return Ok(Response {
                status,
                request_id,
                body,
            });
        }
        let body = bounded_body(response).await;
        let mut details = ApiErrorDetails::new(status);
        if let Some(id) = &request_id {
            details = details.request_id(id.clone());
        }
        (inner.protocol.error_details)(&body, &mut details);
        // Before the log line below: a gateway may echo the credential in any of these.
        let mut details = details.redact_with(&|t: &str| inner.redactor.redact(t).into_owned());
        if (300..400).contains(&status) {
            details.message = Some(
                "the server answered with a redirect, which is not followed: credentials are \
                 only sent to the configured base URL"
                    .to_owned(),
            );
        }
        tracing::info!(
            attempt,
            status,
            request_id = details.request_id.as_deref(),
            retry_after_s = retry_after.map(|d| d.as_secs()),
            latency_ms = started.elapsed().as_millis() as u64,
            bytes = body.len(),
            "error response"
        );
        Err(Error::from_status(provider, details, retry_after))
    }
}

/// The page deadline passed, retries included.
#[derive(Debug)]
struct DeadlinePassed(std::time::Duration);

impl fmt::Display for DeadlinePassed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no answer within the page deadline of {}s (retries included)",
            self.0.as_secs_f64()
        )
    }
}

impl std::error::Error for DeadlinePassed {}

/// Why a 2xx body could not be had.
enum BodyError {
    /// Larger than the limit (announced or found while reading).
    TooLarge,
    /// The connection failed while reading.
    Read(reqwest::Error),
}

/// A 2xx body, read chunk by chunk up to `limit` bytes: a larger one (by its
/// `Content-Length` or as it arrives) is refused without reading the rest.
async fn read_body(mut response: reqwest::Response, limit: u64) -> Result<Bytes, BodyError> {
    let announced = response.content_length();
    if announced.is_some_and(|n| n > limit) {
        return Err(BodyError::TooLarge);
    }
    let capacity = announced.unwrap_or(16 * 1024).min(limit);
    let mut body = Vec::with_capacity(usize::try_from(capacity).unwrap_or(usize::MAX));
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Read)? {
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(body))
}

/// The start of an error body, at most [`MAX_ERROR_BODY`] bytes; whatever could be read.
async fn bounded_body(mut response: reqwest::Response) -> Vec<u8> {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        body.extend_from_slice(&chunk);
        if body.len() >= MAX_ERROR_BODY {
            body.truncate(MAX_ERROR_BODY);
            break;
        }
    }
    body
}

/// A transport failure without the URL (its query may hold phone numbers or ids).
fn transport_error(provider: &str, error: reqwest::Error) -> Error {
    Error::transport(provider, TransportError::new(error))
}

/// What kind of error, for a log line: no values, no URLs.
fn error_kind(error: &Error) -> &'static str {
    match error {
        Error::Unauthorized { .. } => "unauthorized",
        Error::Forbidden { .. } => "forbidden",
        Error::NotFound { .. } => "not found",
        Error::RateLimited { .. } => "rate limited",
        Error::Unavailable { .. } => "unavailable",
        Error::Transport { .. } => "transport",
        Error::Decode { .. } => "decode",
        Error::ResponseTooLarge { .. } => "response too large",
        _ => "request failed",
    }
}
