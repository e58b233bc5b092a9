//! [`ClientOptions`]: every knob of the HTTP layer, in one place, for every provider.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::retry::RetryPolicy;

/// The connect timeout unless [`ClientOptions::connect_timeout`] says otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The timeout of one attempt (connect to end of body) unless [`ClientOptions::timeout`] says
/// otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The wall-clock deadline of one page, retries and waits included, unless
/// [`ClientOptions::deadline`] says otherwise.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(90);
/// The largest response body read unless [`ClientOptions::max_body_size`] says otherwise:
/// 32 MiB, some 300 times a full page of either provider.
pub const DEFAULT_MAX_BODY_SIZE: u64 = 32 * 1024 * 1024;

/// A caller's changes to the `reqwest::ClientBuilder` (proxy, TLS roots, pool settings…),
/// applied before the options that keep requests safe.
pub type ConfigureHttp =
    Arc<dyn Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync + 'static>;

/// How a provider client talks HTTP: timeouts, a per-page deadline, retries, user agent,
/// proxy, and anything else of `reqwest`'s through [`configure_http`](Self::configure_http).
///
/// The same options apply to every provider. Whatever a caller configures, the HTTP client is
/// always built with these timeouts and **without following redirects** (a redirect is an
/// error), so credentials never reach a host other than the configured base URL — which is
/// why a ready-made `reqwest::Client` is not accepted: its redirect policy cannot be changed,
/// and `reqwest` keeps custom credential headers (ASAPP's) across redirects.
///
/// ```
/// use std::time::Duration;
/// use conversations_transport::RetryPolicy;
/// use conversations_transport::ClientOptions;
///
/// let options = ClientOptions::new()
///     .timeout(Duration::from_secs(10))
///     .connect_timeout(Duration::from_secs(3))
///     .deadline(Duration::from_secs(60))
///     .retry_policy(RetryPolicy::default().max_attempts(6))
///     .user_agent("my-crm-sync/1.0")
///     .configure_http(|builder| builder.pool_max_idle_per_host(4));
/// assert_eq!(options.deadline_duration(), Duration::from_secs(60));
/// ```
#[derive(Clone)]
pub struct ClientOptions {
    pub(crate) connect_timeout: Duration,
    pub(crate) timeout: Duration,
    pub(crate) deadline: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) retry_quota: u32,
    pub(crate) user_agent: Option<String>,
    pub(crate) proxy: Option<String>,
    pub(crate) name: Option<Arc<str>>,
    pub(crate) configure: Option<ConfigureHttp>,
    pub(crate) rate_limit: Option<crate::RateLimit>,
    pub(crate) max_body_size: u64,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            deadline: DEFAULT_DEADLINE,
            retry: RetryPolicy::default(),
            retry_quota: crate::retry::DEFAULT_RETRY_QUOTA,
            user_agent: None,
            proxy: None,
            name: None,
            configure: None,
            rate_limit: None,
            max_body_size: DEFAULT_MAX_BODY_SIZE,
        }
    }
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientOptions")
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("deadline", &self.deadline)
            .field("retry", &self.retry)
            .field("retry_quota", &self.retry_quota)
            .field("user_agent", &self.user_agent)
            // A proxy URL may hold a password.
            .field("proxy", &self.proxy.as_ref().map(|_| "[set]"))
            .field("name", &self.name)
            .field("configure_http", &self.configure.as_ref().map(|_| ".."))
            .field("rate_limit", &self.rate_limit)
            .field("max_body_size", &self.max_body_size)
            .finish()
    }
}

impl ClientOptions {
    /// The defaults: 10 s connect timeout, 30 s per attempt, 90 s per page (retries
    /// included), [`RetryPolicy::default`] retries drawing on a quota of
    /// [`DEFAULT_RETRY_QUOTA`](crate::DEFAULT_RETRY_QUOTA) tokens per client.
    ///
    /// ```
    /// let o = conversations_transport::ClientOptions::new();
    /// assert_eq!(o.timeout_duration().as_secs(), 30);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The connect timeout.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conversations_transport::ClientOptions;
    /// assert!(format!("{:?}", ClientOptions::new()).contains("connect_timeout: 10s"));
    /// let o = ClientOptions::new().connect_timeout(Duration::from_secs(1));
    /// assert!(format!("{o:?}").contains("connect_timeout: 1s"));
    /// ```
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The largest response body read, in bytes (default [`DEFAULT_MAX_BODY_SIZE`]). A larger
    /// body — announced by `Content-Length` or found while reading — ends the request with
    /// [`Error::ResponseTooLarge`](conversations_core::Error::ResponseTooLarge), not retried:
    /// memory stays bounded whatever a server sends.
    ///
    /// ```
    /// let o = conversations_transport::ClientOptions::new().max_body_size(256 << 20);
    /// assert_eq!(o.max_body_size_bytes(), 256 << 20);
    /// ```
    pub fn max_body_size(mut self, bytes: u64) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// The largest response body read, in bytes.
    ///
    /// ```
    /// let o = conversations_transport::ClientOptions::new();
    /// assert_eq!(o.max_body_size_bytes(), conversations_transport::DEFAULT_MAX_BODY_SIZE);
    /// ```
    pub fn max_body_size_bytes(&self) -> u64 {
        self.max_body_size
    }

    /// The timeout of one attempt, from connecting to the end of the body.
    ///
    /// ```
    /// let o = conversations_transport::ClientOptions::new().timeout(std::time::Duration::from_secs(5));
    /// assert_eq!(o.timeout_duration().as_secs(), 5);
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The timeout of one attempt.
    pub fn timeout_duration(&self) -> Duration {
        self.timeout
    }

    /// The wall-clock deadline of one page: attempts, waits and retries together. It replaces
    /// the retry policy's own budget ([`RetryPolicy::max_total_delay`]).
    ///
    /// ```
    /// let o = conversations_transport::ClientOptions::new().deadline(std::time::Duration::from_secs(20));
    /// assert_eq!(o.deadline_duration().as_secs(), 20);
    /// ```
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The per-page deadline.
    pub fn deadline_duration(&self) -> Duration {
        self.deadline
    }

    /// How failed requests are retried (its time budget is the page
    /// [`deadline`](Self::deadline)). Every call of one client also draws on a shared quota
    /// ([`retry_quota`](Self::retry_quota)).
    ///
    /// ```
    /// use conversations_transport::RetryPolicy;
    /// let o = conversations_transport::ClientOptions::new().retry_policy(RetryPolicy::none());
    /// assert_eq!(o.retry().attempts(), 1);
    /// ```
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The retry policy as it runs: with the page deadline as its budget.
    pub fn retry(&self) -> RetryPolicy {
        self.retry.clone().max_total_delay(self.deadline)
    }

    /// The size of the retry quota each client shares between its calls (default 500; a
    /// retry takes 5, or 10 after a timeout).
    ///
    /// ```
    /// use conversations_transport::ClientOptions;
    /// assert!(format!("{:?}", ClientOptions::new()).contains("retry_quota: 500"));
    /// // 100 tokens: 20 retries in all while nothing succeeds, then failures come back at once.
    /// assert!(format!("{:?}", ClientOptions::new().retry_quota(100)).contains("retry_quota: 100"));
    /// ```
    pub fn retry_quota(mut self, tokens: u32) -> Self {
        self.retry_quota = tokens;
        self
    }

    /// How fast the client may send, shared by all its calls (default: the provider's own,
    /// from its documented limits). 429s slow it down further, adaptively, and a
    /// `Retry-After` pauses the whole client.
    ///
    /// ```
    /// use conversations_transport::{ClientOptions, RateLimit};
    /// assert!(format!("{:?}", ClientOptions::new()).contains("rate_limit: None"), "the provider's own");
    /// let o = ClientOptions::new().rate_limit(RateLimit::per_second(20).in_flight(8));
    /// assert!(format!("{o:?}").contains("rate_limit: Some(RateLimit { per_second: Some(20.0)"));
    /// ```
    pub fn rate_limit(mut self, limit: crate::RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// The `User-Agent` (default `conversations-rs/<provider> <version>`).
    ///
    /// ```
    /// # // A one-request HTTP server on 127.0.0.1: answers `reply`, hands back the request.
    /// # fn serve_once(reply: &'static str) -> (String, std::thread::JoinHandle<String>) {
    /// #     use std::io::{Read, Write};
    /// #     let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// #     let url = format!("http://{}/", listener.local_addr().unwrap());
    /// #     let server = std::thread::spawn(move || {
    /// #         let (mut socket, _) = listener.accept().unwrap();
    /// #         let (mut request, mut buf) = (Vec::new(), [0u8; 1024]);
    /// #         while !request.ends_with(b"\r\n\r\n") {
    /// #             let n = socket.read(&mut buf).unwrap();
    /// #             request.extend_from_slice(&buf[..n]);
    /// #         }
    /// #         socket.write_all(reply.as_bytes()).unwrap();
    /// #         String::from_utf8(request).unwrap()
    /// #     });
    /// #     (url, server)
    /// # }
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use conversations_transport::ClientOptions;
    /// let ok = "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
    /// let (url, server) = serve_once(ok);
    /// let http = ClientOptions::new().build_http("demo", Default::default()).unwrap();
    /// http.get(url).send().await.unwrap();
    /// let default = format!("user-agent: conversations-rs/demo {}", env!("CARGO_PKG_VERSION"));
    /// assert!(server.join().unwrap().to_lowercase().contains(&default));
    ///
    /// let (url, server) = serve_once(ok);
    /// let http = ClientOptions::new().user_agent("acme-sync/2").build_http("demo", Default::default()).unwrap();
    /// http.get(url).send().await.unwrap();
    /// assert!(server.join().unwrap().contains("acme-sync/2"));
    /// # });
    /// ```
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Sends every request through this proxy (`http://`, `https://` or `socks5://` URL).
    ///
    /// ```
    /// let o = conversations_transport::ClientOptions::new().proxy("http://proxy.internal:3128");
    /// assert!(!format!("{o:?}").contains("proxy.internal"));
    /// ```
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = Some(url.into());
        self
    }

    /// The name the client's requests are logged under (default: the provider's name), such
    /// as an account name when one provider has several.
    ///
    /// ```
    /// use conversations_transport::ClientOptions;
    /// assert!(format!("{:?}", ClientOptions::new()).contains("name: None"));
    /// assert!(format!("{:?}", ClientOptions::new().name("acme-eu")).contains(r#"name: Some("acme-eu")"#));
    /// ```
    pub fn name(mut self, name: impl Into<Arc<str>>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Changes the `reqwest::ClientBuilder` before the client is built (TLS roots, pool
    /// sizes, local address…). The timeouts and the no-redirect policy are applied after it,
    /// so they hold whatever it does.
    ///
    /// ```
    /// # // A one-request HTTP server on 127.0.0.1: answers `reply`, hands back the request.
    /// # fn serve_once(reply: &'static str) -> (String, std::thread::JoinHandle<String>) {
    /// #     use std::io::{Read, Write};
    /// #     let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// #     let url = format!("http://{}/", listener.local_addr().unwrap());
    /// #     let server = std::thread::spawn(move || {
    /// #         let (mut socket, _) = listener.accept().unwrap();
    /// #         let (mut request, mut buf) = (Vec::new(), [0u8; 1024]);
    /// #         while !request.ends_with(b"\r\n\r\n") {
    /// #             let n = socket.read(&mut buf).unwrap();
    /// #             request.extend_from_slice(&buf[..n]);
    /// #         }
    /// #         socket.write_all(reply.as_bytes()).unwrap();
    /// #         String::from_utf8(request).unwrap()
    /// #     });
    /// #     (url, server)
    /// # }
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use std::time::Duration;
    /// use conversations_transport::ClientOptions;
    /// let (url, server) = serve_once("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
    /// let http = ClientOptions::new()
    ///     // A timeout set here is replaced by the options' own (30 s), applied after.
    ///     .configure_http(|b| b.timeout(Duration::ZERO).tcp_nodelay(true))
    ///     .build_http("demo", Default::default())
    ///     .unwrap();
    /// assert!(http.get(url).send().await.unwrap().status().is_success());
    /// # server.join().unwrap();
    /// # });
    /// ```
    pub fn configure_http(
        mut self,
        configure: impl Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync + 'static,
    ) -> Self {
        self.configure = Some(Arc::new(configure));
        self
    }

    /// Builds the `reqwest::Client` these options describe, for `provider`, with `headers`
    /// sent on every request (for a generated client that cannot add them per request).
    ///
    /// ```
    /// # // A one-request HTTP server on 127.0.0.1: answers `reply`, hands back the request.
    /// # fn serve_once(reply: &'static str) -> (String, std::thread::JoinHandle<String>) {
    /// #     use std::io::{Read, Write};
    /// #     let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// #     let url = format!("http://{}/", listener.local_addr().unwrap());
    /// #     let server = std::thread::spawn(move || {
    /// #         let (mut socket, _) = listener.accept().unwrap();
    /// #         let (mut request, mut buf) = (Vec::new(), [0u8; 1024]);
    /// #         while !request.ends_with(b"\r\n\r\n") {
    /// #             let n = socket.read(&mut buf).unwrap();
    /// #             request.extend_from_slice(&buf[..n]);
    /// #         }
    /// #         socket.write_all(reply.as_bytes()).unwrap();
    /// #         String::from_utf8(request).unwrap()
    /// #     });
    /// #     (url, server)
    /// # }
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use reqwest::header::{HeaderMap, HeaderValue};
    /// let mut headers = HeaderMap::new();
    /// headers.insert("x-api-key", HeaderValue::from_static("k"));
    /// let http = conversations_transport::ClientOptions::new().build_http("demo", headers).unwrap();
    /// let (url, server) = serve_once("HTTP/1.1 302 Found\r\nlocation: http://elsewhere.invalid/\r\ncontent-length: 0\r\n\r\n");
    /// let response = http.get(url).send().await.unwrap();
    /// // The headers go on every request, and a redirect is not followed: the key stays here.
    /// assert!(server.join().unwrap().contains("x-api-key: k"));
    /// assert_eq!(response.status(), 302);
    /// # });
    /// ```
    pub fn build_http(
        &self,
        provider: &str,
        headers: reqwest::header::HeaderMap,
    ) -> Result<reqwest::Client, crate::BuildError> {
        let mut builder = reqwest::Client::builder();
        if let Some(configure) = &self.configure {
            builder = configure(builder);
        }
        if let Some(proxy) = &self.proxy {
            let proxy =
                reqwest::Proxy::all(proxy.as_str()).map_err(|_| crate::BuildError::Proxy)?;
            builder = builder.proxy(proxy);
        }
        let user_agent = self.user_agent.clone().unwrap_or_else(|| {
            format!("conversations-rs/{provider} {}", env!("CARGO_PKG_VERSION"))
        });
        builder
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            // Credentials go to the configured host only: a redirect is an error.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(user_agent)
            .default_headers(headers)
            .build()
            .map_err(|e| crate::BuildError::HttpClient(e.to_string()))
    }
}
