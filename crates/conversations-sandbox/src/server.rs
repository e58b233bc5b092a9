//! The running server: start-up, routing, the index and 404 pages, and shutdown. What the
//! handlers share is in [`crate::state`], the handlers in [`crate::asapp`] and
//! [`crate::autocalls`].

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::config::{Credentials, SandboxConfig};
use crate::dataset::Dataset;
use crate::faults::Faults;
use crate::limits::RateLimit;
use crate::mutate::Mutator;
use crate::provider::Provider;
use crate::respond::json_response;
use crate::state::AppState;
use crate::{asapp, autocalls};

/// The ASAPP list path, relative to [`Sandbox::asapp_base_url`].
pub(crate) const ASAPP_PATH: &str = "/conversation/v1/conversations";
/// The Autocalls list path, relative to the server root (the base URL ends in `/api`).
pub(crate) const AUTOCALLS_PATH: &str = "/api/user/conversations";

/// A running sandbox server serving both providers on one port.
///
/// Dropping it asks the server to stop (in-flight requests finish in the background);
/// [`shutdown`](Self::shutdown) stops it and waits.
///
/// ```
/// use conversations_sandbox::{Provider, Sandbox, SandboxConfig};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let sandbox = Sandbox::start(SandboxConfig::new().dataset_size(30)).await?;
/// assert!(sandbox.asapp_base_url().starts_with("http://127.0.0.1:"));
/// assert!(sandbox.autocalls_base_url().ends_with("/api"));
/// assert_eq!(sandbox.requests(Provider::Asapp), 0);
/// sandbox.shutdown().await;
/// # Ok(())
/// # }
/// ```
pub struct Sandbox {
    state: Arc<AppState>,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("addr", &self.addr)
            .field("dataset", &self.state.snapshot())
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Generates the data set, binds `config`'s address and starts serving in a Tokio task.
    ///
    /// Must be called within a Tokio runtime. Fails only if the address cannot be bound.
    pub async fn start(config: SandboxConfig) -> io::Result<Sandbox> {
        config.check_size()?;
        let listener = TcpListener::bind(config.addr).await?;
        let addr = listener.local_addr()?;
        let dataset = Arc::new(Dataset::with_drift(
            config.seed,
            config.dataset_size,
            config.drift,
        ));
        let faults = Faults::new();
        for spec in &config.faults {
            spec.apply_to(&faults);
        }
        let state = Arc::new(AppState::new(
            dataset,
            config.credentials,
            faults,
            format!("{}/user/conversations", autocalls_base_url(addr)),
            config.seed,
        ));
        for (provider, latency) in &config.latency {
            state.limits.of(*provider).set_latency(*latency);
        }
        for (provider, limit) in &config.rate_limits {
            state.limits.of(*provider).set_rate_limit(Some(*limit));
        }
        let (tx, rx) = oneshot::channel::<()>();
        let app = router(Arc::clone(&state));
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    // Either an explicit signal or the sender being dropped stops the server.
                    let _ = rx.await;
                })
                .await
        });
        Ok(Sandbox {
            state,
            addr,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// The address the server listens on (with the real port when `:0` was configured).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The ASAPP base URL, e.g. `http://127.0.0.1:PORT`; clients append
    /// `/conversation/v1/conversations`.
    pub fn asapp_base_url(&self) -> String {
        format!("http://{}", client_addr(self.addr))
    }

    /// The Autocalls base URL, e.g. `http://127.0.0.1:PORT/api`; clients append
    /// `/user/conversations`.
    pub fn autocalls_base_url(&self) -> String {
        autocalls_base_url(self.addr)
    }

    /// The credentials this sandbox accepts.
    pub fn credentials(&self) -> &Credentials {
        &self.state.credentials
    }

    /// The data set as generated when the sandbox started: what it serves until the first
    /// [`mutate`](Self::mutate) call. For the data set served now, changes included, see
    /// [`snapshot`](Self::snapshot).
    pub fn dataset(&self) -> &Dataset {
        self.state.initial()
    }

    /// The data set being served right now, [`mutate`](Self::mutate) changes included. A
    /// snapshot never changes; take another one after a change. Cheap: it shares the records.
    ///
    /// ```
    /// use conversations_sandbox::{Sandbox, SandboxConfig};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sandbox = Sandbox::start(SandboxConfig::new().dataset_size(30)).await?;
    /// assert_eq!(sandbox.snapshot().autocalls(), sandbox.dataset().autocalls());
    /// sandbox.mutate().add_autocalls(1);
    /// assert_eq!(sandbox.snapshot().autocalls().len(), 21);
    /// assert_eq!(sandbox.dataset().autocalls().len(), 20);
    /// # Ok(())
    /// # }
    /// ```
    pub fn snapshot(&self) -> Arc<Dataset> {
        self.state.snapshot()
    }

    /// Changes the data being served: add Autocalls conversations, update existing ones,
    /// revise ASAPP metadata (see [`Mutator`]). Requests arriving afterwards see the change.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use conversations_sandbox::{Sandbox, SandboxConfig};
    /// let sandbox = Sandbox::start(SandboxConfig::new().dataset_size(30)).await?;
    /// let ids = sandbox.mutate().add_autocalls(1);
    /// assert!(sandbox.mutate().touch_autocalls(&ids[0]));
    /// # Ok(())
    /// # }
    /// ```
    pub fn mutate(&self) -> Mutator<'_> {
        Mutator::new(&self.state)
    }

    /// The fault plan, switchable while the server runs.
    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }

    /// How many requests `provider`'s paths have received so far, whatever their outcome
    /// (faults, authentication and validation failures and unknown paths under the provider's
    /// prefix included). Incremented before the response is sent.
    pub fn requests(&self, provider: Provider) -> u64 {
        self.state.requests(provider)
    }

    /// Waits `latency` before each answer of `provider` from now on (zero: none), whatever
    /// the answer (429s, faults and errors included). Requests already waiting keep the
    /// latency they started with.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use conversations_sandbox::{LatencySpec, Provider, Sandbox, SandboxConfig};
    /// let sandbox = Sandbox::start(SandboxConfig::new().dataset_size(10)).await?;
    /// sandbox.set_latency(Provider::Asapp, std::time::Duration::from_millis(50));
    /// // From text, e.g. a command line's `autocalls:20ms`:
    /// let spec: LatencySpec = "autocalls:20ms".parse()?;
    /// for provider in spec.providers() {
    ///     sandbox.set_latency(*provider, spec.latency);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn set_latency(&self, provider: Provider, latency: Duration) {
        self.state.limits.of(provider).set_latency(latency);
    }

    /// Limits `provider` to `limit` from now on (`None`: no limit), with a full bucket. Beyond
    /// it the provider answers 429 in its own format (ASAPP `429-01 Too Many Requests`,
    /// Autocalls `{"message":"Too Many Attempts."}`) with `Retry-After` in whole seconds: the
    /// wait for the next token, rounded up, at least 1.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use conversations_sandbox::{Provider, RateLimit, Sandbox, SandboxConfig};
    /// let sandbox = Sandbox::start(SandboxConfig::new().dataset_size(10)).await?;
    /// sandbox.set_rate_limit(Provider::Asapp, Some(RateLimit::per_second(100)));
    /// assert_eq!(sandbox.rate_limited(Provider::Asapp), 0);
    /// # Ok(()) }
    /// ```
    pub fn set_rate_limit(&self, provider: Provider, limit: Option<RateLimit>) {
        self.state.limits.of(provider).set_rate_limit(limit);
    }

    /// How many requests of `provider` the rate limit answered with 429 (injected
    /// [`Fault::RateLimited`](crate::faults::Fault::RateLimited) answers are not counted here). They are also counted by
    /// [`requests`](Self::requests).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use conversations_sandbox::{Provider, RateLimit, Sandbox, SandboxConfig};
    /// let config = SandboxConfig::new().dataset_size(30);
    /// let sandbox = Sandbox::start(config.rate_limit(Provider::Autocalls, RateLimit::per_second(1))).await?;
    /// let url = format!("{}/user/conversations", sandbox.autocalls_base_url());
    /// let key = &sandbox.credentials().autocalls_api_key;
    /// let http = reqwest::Client::new();
    /// let mut statuses = Vec::new();
    /// for _ in 0..3 {
    ///     statuses.push(http.get(&url).bearer_auth(key).send().await?.status().as_u16());
    /// }
    /// // One token, then turned away (unless this machine took a whole second in between).
    /// assert_eq!(statuses[0], 200);
    /// let limited = statuses.iter().filter(|s| **s == 429).count() as u64;
    /// assert_eq!(sandbox.rate_limited(Provider::Autocalls), limited);
    /// assert_eq!(sandbox.requests(Provider::Autocalls), 3);
    /// # Ok(()) }
    /// ```
    pub fn rate_limited(&self, provider: Provider) -> u64 {
        self.state.limits.of(provider).limited()
    }

    /// The most requests of `provider`'s list endpoint that arrived within one second (any
    /// window `(t - 1 s, t]`, on Tokio's clock) since the sandbox started, turned away by the
    /// rate limit or not: how fast a client really sent, as the server saw it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use conversations_sandbox::{Provider, Sandbox, SandboxConfig};
    /// let sandbox = Sandbox::start(SandboxConfig::new().dataset_size(30)).await?;
    /// let url = format!("{}/user/conversations", sandbox.autocalls_base_url());
    /// let key = &sandbox.credentials().autocalls_api_key;
    /// let http = reqwest::Client::new();
    /// http.get(&url).bearer_auth(key).send().await?;
    /// assert_eq!(sandbox.busiest_second(Provider::Autocalls), 1);
    /// assert_eq!(sandbox.busiest_second(Provider::Asapp), 0);
    /// # Ok(()) }
    /// ```
    pub fn busiest_second(&self, provider: Provider) -> u64 {
        self.state.limits.of(provider).busiest_second()
    }

    /// Stops accepting connections, lets in-flight requests finish (at most 5 seconds) and
    /// waits for the server task.
    pub async fn shutdown(mut self) {
        self.stop().await;
    }

    /// Serves until Ctrl-C (SIGINT), then shuts down: the stand-alone server's main loop.
    ///
    /// If the process cannot listen for Ctrl-C, this serves until the process ends.
    pub async fn serve_forever(mut self) {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        self.stop().await;
    }

    async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The address clients should use: a wildcard bind address is reached through loopback.
fn client_addr(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::from((Ipv4Addr::LOCALHOST, addr.port()))
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::from((Ipv6Addr::LOCALHOST, addr.port()))
        }
        _ => addr,
    }
}

fn autocalls_base_url(addr: SocketAddr) -> String {
    format!("http://{}/api", client_addr(addr))
}

fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(index))
        .route(
            ASAPP_PATH,
            get(asapp::list).fallback(asapp::method_not_allowed),
        )
        .route(
            AUTOCALLS_PATH,
            get(autocalls::list).fallback(autocalls::method_not_allowed),
        )
        .fallback(not_found)
        .with_state(state)
}

#[derive(Serialize)]
struct Index {
    name: &'static str,
    asapp: IndexEntry,
    autocalls: IndexEntry,
}

#[derive(Serialize)]
struct IndexEntry {
    list: String,
    auth: &'static str,
}

/// `GET /`: where things are, for people exploring with curl.
async fn index(State(state): State<Arc<AppState>>) -> Response {
    json_response(
        StatusCode::OK,
        &Index {
            name: "conversations-sandbox",
            asapp: IndexEntry {
                list: ASAPP_PATH.to_owned(),
                auth: "headers asapp-api-id and asapp-api-secret",
            },
            autocalls: IndexEntry {
                list: state.autocalls_path.clone(),
                auth: "header Authorization: Bearer <key>",
            },
        },
    )
}

/// Unknown paths: a 404 in the style of the provider whose prefix the path has.
async fn not_found(State(state): State<Arc<AppState>>, uri: Uri) -> Response {
    let path = uri.path();
    if path == "/api" || path.starts_with("/api/") {
        state.count(Provider::Autocalls);
        autocalls::message_response(StatusCode::NOT_FOUND, "Not Found")
    } else if path.starts_with("/conversation") {
        state.count(Provider::Asapp);
        asapp::error_response(&state.next_request_id(), StatusCode::NOT_FOUND, "Not Found")
    } else {
        autocalls::message_response(StatusCode::NOT_FOUND, "Not Found")
    }
}
