//! How a sandbox is set up before it starts: data set, address, credentials, initial faults.

use std::net::{Ipv4Addr, SocketAddr};

use crate::faults::FaultSpec;

/// The fixed seed used when [`SandboxConfig::seed`] is not called.
pub const DEFAULT_SEED: u64 = 20_250_125;

/// The number of conversations (both providers together) when
/// [`SandboxConfig::dataset_size`] is not called.
pub const DEFAULT_DATASET_SIZE: usize = 3000;

/// The demo ASAPP API id (`asapp-api-id` header) a sandbox accepts by default.
pub const DEFAULT_ASAPP_API_ID: &str = "sandbox-asapp-id";

/// The demo ASAPP API secret (`asapp-api-secret` header) a sandbox accepts by default.
pub const DEFAULT_ASAPP_API_SECRET: &str = "sandbox-asapp-secret";

/// The demo Autocalls API key (`Authorization: Bearer …`) a sandbox accepts by default.
pub const DEFAULT_AUTOCALLS_API_KEY: &str = "sandbox-autocalls-key";

/// The credentials a sandbox accepts. They are demo values, never real secrets.
///
/// ```
/// use conversations_sandbox::{Credentials, DEFAULT_AUTOCALLS_API_KEY};
///
/// assert_eq!(Credentials::default().autocalls_api_key, DEFAULT_AUTOCALLS_API_KEY);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Expected value of the ASAPP `asapp-api-id` header.
    pub asapp_api_id: String,
    /// Expected value of the ASAPP `asapp-api-secret` header.
    pub asapp_api_secret: String,
    /// Expected Autocalls bearer token.
    pub autocalls_api_key: String,
}

impl Default for Credentials {
    fn default() -> Self {
        Credentials {
            asapp_api_id: DEFAULT_ASAPP_API_ID.to_owned(),
            asapp_api_secret: DEFAULT_ASAPP_API_SECRET.to_owned(),
            autocalls_api_key: DEFAULT_AUTOCALLS_API_KEY.to_owned(),
        }
    }
}

/// Builder for a [`Sandbox`](crate::Sandbox).
///
/// Defaults: [`DEFAULT_DATASET_SIZE`] conversations, [`DEFAULT_SEED`], address
/// `127.0.0.1:0` (an ephemeral port), the `DEFAULT_*` demo credentials, no faults.
///
/// ```
/// use conversations_sandbox::SandboxConfig;
///
/// let config = SandboxConfig::new()
///     .dataset_size(300)
///     .seed(7)
///     .addr("127.0.0.1:0".parse().unwrap())
///     .asapp_credentials("my-id", "my-secret")
///     .autocalls_api_key("my-key")
///     .fault("autocalls:429*1".parse().unwrap());
/// # let _ = config;
/// ```
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub(crate) dataset_size: usize,
    pub(crate) seed: u64,
    pub(crate) addr: SocketAddr,
    pub(crate) credentials: Credentials,
    pub(crate) faults: Vec<FaultSpec>,
    pub(crate) latency: Vec<(crate::Provider, std::time::Duration)>,
    pub(crate) rate_limits: Vec<(crate::Provider, crate::limits::RateLimit)>,
    pub(crate) drift: bool,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            dataset_size: DEFAULT_DATASET_SIZE,
            seed: DEFAULT_SEED,
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            credentials: Credentials::default(),
            faults: Vec::new(),
            latency: Vec::new(),
            rate_limits: Vec::new(),
            drift: false,
        }
    }
}

impl SandboxConfig {
    /// A configuration with every default.
    pub fn new() -> Self {
        Self::default()
    }

    /// Total conversations across both providers: `n / 3` ASAPP items, the rest Autocalls.
    pub fn dataset_size(mut self, n: usize) -> Self {
        self.dataset_size = n;
        self
    }

    /// Seed for the deterministic data set: same seed and size, byte-identical responses.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The address to listen on. Port `0` picks a free port; read it back with
    /// [`Sandbox::addr`](crate::Sandbox::addr).
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// The `asapp-api-id` / `asapp-api-secret` header values to accept.
    pub fn asapp_credentials(
        mut self,
        api_id: impl Into<String>,
        api_secret: impl Into<String>,
    ) -> Self {
        self.credentials.asapp_api_id = api_id.into();
        self.credentials.asapp_api_secret = api_secret.into();
        self
    }

    /// The Autocalls bearer token to accept.
    pub fn autocalls_api_key(mut self, key: impl Into<String>) -> Self {
        self.credentials.autocalls_api_key = key.into();
        self
    }

    /// A fault to install when the sandbox starts (may be called repeatedly; applied in order).
    pub fn fault(mut self, spec: FaultSpec) -> Self {
        self.faults.push(spec);
        self
    }

    /// Adds `latency` before each answer of `provider`.
    ///
    /// ```
    /// use conversations_sandbox::{Provider, SandboxConfig};
    /// let config = SandboxConfig::new().latency(Provider::Asapp, std::time::Duration::from_millis(50));
    /// # let _ = config;
    /// ```
    pub fn latency(mut self, provider: crate::Provider, latency: std::time::Duration) -> Self {
        self.latency.push((provider, latency));
        self
    }

    /// Limits `provider` to `limit` (a token bucket; beyond it, 429 with `Retry-After`).
    ///
    /// ```
    /// use conversations_sandbox::{Provider, RateLimit, SandboxConfig};
    /// let config = SandboxConfig::new().rate_limit(Provider::Asapp, RateLimit::per_second(100));
    /// # let _ = config;
    /// ```
    pub fn rate_limit(
        mut self,
        provider: crate::Provider,
        limit: crate::limits::RateLimit,
    ) -> Self {
        self.rate_limits.push((provider, limit));
        self
    }
}
