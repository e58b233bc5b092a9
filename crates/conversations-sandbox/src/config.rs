//! How a sandbox is set up before it starts: data set (size, seed, drift), address,
//! credentials, initial faults, latency and rate limits; and whether the data set fits
//! ([`MAX_DATASET_SIZE`], the memory available).

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use crate::faults::FaultSpec;
use crate::limits::{LatencySpec, RateLimit, RateLimitSpec};
use crate::provider::Provider;

/// The fixed seed used when [`SandboxConfig::seed`] is not called.
pub const DEFAULT_SEED: u64 = 20_250_125;

/// The number of conversations (both providers together) when
/// [`SandboxConfig::dataset_size`] is not called.
pub const DEFAULT_DATASET_SIZE: usize = 3000;

/// The most conversations a sandbox generates: about 5 GB of memory (some 500 bytes each).
/// [`Sandbox::start`](crate::Sandbox::start) refuses more, and a size the memory available
/// cannot hold, before generating anything.
pub const MAX_DATASET_SIZE: usize = 10_000_000;

/// About how many bytes of memory one generated conversation takes (measured: 500).
const BYTES_PER_CONVERSATION: u64 = 512;

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
/// use conversations_sandbox::{Provider, Sandbox, SandboxConfig};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let config = SandboxConfig::new()
///     .dataset_size(300)
///     .seed(7)
///     .addr("127.0.0.1:0".parse()?)
///     .asapp_credentials("my-id", "my-secret")
///     .autocalls_api_key("my-key")
///     .fault("autocalls:429*1".parse()?);
/// let sandbox = Sandbox::start(config).await?;
/// assert_eq!((sandbox.dataset().seed(), sandbox.dataset().asapp().len()), (7, 100));
/// assert_eq!(sandbox.credentials().autocalls_api_key, "my-key");
/// assert_eq!(sandbox.faults().queued(Provider::Autocalls), 1);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub(crate) dataset_size: usize,
    pub(crate) seed: u64,
    pub(crate) addr: SocketAddr,
    pub(crate) credentials: Credentials,
    pub(crate) faults: Vec<FaultSpec>,
    pub(crate) latency: Vec<(Provider, Duration)>,
    pub(crate) rate_limits: Vec<(Provider, RateLimit)>,
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

    /// Total conversations across both providers: `n / 3` ASAPP items, the rest Autocalls
    /// (at most [`MAX_DATASET_SIZE`], and what the memory available holds: checked when the
    /// sandbox starts).
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

    /// Waits `latency` before each answer of `provider`'s list endpoint (errors, faults and
    /// 429s included), on Tokio's clock. The last call for a provider wins; change it while
    /// running with [`Sandbox::set_latency`](crate::Sandbox::set_latency).
    ///
    /// ```
    /// use std::time::Duration;
    /// use conversations_sandbox::{Provider, Sandbox, SandboxConfig};
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let config = SandboxConfig::new().latency(Provider::Autocalls, Duration::from_secs(2));
    /// let sandbox = Sandbox::start(config.dataset_size(30)).await?;
    /// let url = format!("{}/user/conversations", sandbox.autocalls_base_url());
    /// let key = &sandbox.credentials().autocalls_api_key;
    /// // Tokio's clock is paused: the wait passes at once, and shows on that clock.
    /// let start = tokio::time::Instant::now();
    /// reqwest::Client::new().get(&url).bearer_auth(key).send().await?;
    /// assert!(start.elapsed() >= Duration::from_secs(2));
    /// # Ok(()) }
    /// ```
    pub fn latency(mut self, provider: Provider, latency: Duration) -> Self {
        self.latency.push((provider, latency));
        self
    }

    /// [`latency`](Self::latency) from its text form, e.g. `asapp:50ms` (see [`LatencySpec`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// use conversations_sandbox::{Sandbox, SandboxConfig};
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let config = SandboxConfig::new().latency_spec("all:2s".parse()?);
    /// let sandbox = Sandbox::start(config.dataset_size(30)).await?;
    /// let url = format!("{}/user/conversations", sandbox.autocalls_base_url());
    /// let key = &sandbox.credentials().autocalls_api_key;
    /// // Tokio's clock is paused: the wait passes at once, and shows on that clock.
    /// let start = tokio::time::Instant::now();
    /// reqwest::Client::new().get(&url).bearer_auth(key).send().await?;
    /// assert!(start.elapsed() >= Duration::from_secs(2));
    /// # Ok(()) }
    /// ```
    pub fn latency_spec(self, spec: LatencySpec) -> Self {
        spec.providers()
            .iter()
            .fold(self, |config, p| config.latency(*p, spec.latency))
    }

    /// Limits `provider` to `limit`, a token bucket: beyond it the provider answers 429 in its
    /// own error format with `Retry-After` in whole seconds (the wait for the next token,
    /// rounded up, at least 1), and [`Sandbox::rate_limited`](crate::Sandbox::rate_limited)
    /// counts it. The last call for a provider wins; change it while running with
    /// [`Sandbox::set_rate_limit`](crate::Sandbox::set_rate_limit).
    ///
    /// ```
    /// use conversations_sandbox::{Provider, RateLimit, Sandbox, SandboxConfig};
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let config = SandboxConfig::new().rate_limit(Provider::Autocalls, RateLimit::per_second(1));
    /// let sandbox = Sandbox::start(config.dataset_size(30)).await?;
    /// let url = format!("{}/user/conversations", sandbox.autocalls_base_url());
    /// let key = &sandbox.credentials().autocalls_api_key;
    /// let http = reqwest::Client::new();
    /// // Tokio's clock is paused: no token comes back between these two requests.
    /// assert_eq!(http.get(&url).bearer_auth(key).send().await?.status(), 200);
    /// let limited = http.get(&url).bearer_auth(key).send().await?;
    /// assert_eq!(limited.status(), 429);
    /// assert_eq!(limited.headers()["retry-after"], "1");
    /// assert_eq!(sandbox.rate_limited(Provider::Autocalls), 1);
    /// # Ok(()) }
    /// ```
    pub fn rate_limit(mut self, provider: Provider, limit: RateLimit) -> Self {
        self.rate_limits.push((provider, limit));
        self
    }

    /// [`rate_limit`](Self::rate_limit) from its text form, e.g. `asapp:100/s,burst=20` (see
    /// [`RateLimitSpec`]). Without a provider, each provider gets its own bucket.
    ///
    /// ```
    /// use conversations_sandbox::{Provider, Sandbox, SandboxConfig};
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // One request every two seconds.
    /// let config = SandboxConfig::new().rate_limit_spec("autocalls:30/m".parse()?);
    /// let sandbox = Sandbox::start(config.dataset_size(30)).await?;
    /// let url = format!("{}/user/conversations", sandbox.autocalls_base_url());
    /// let key = &sandbox.credentials().autocalls_api_key;
    /// let http = reqwest::Client::new();
    /// // Tokio's clock is paused: no token comes back between these two requests.
    /// assert_eq!(http.get(&url).bearer_auth(key).send().await?.status(), 200);
    /// let limited = http.get(&url).bearer_auth(key).send().await?;
    /// assert_eq!(limited.status(), 429);
    /// assert_eq!(limited.headers()["retry-after"], "2");
    /// assert_eq!(sandbox.rate_limited(Provider::Autocalls), 1);
    /// # Ok(()) }
    /// ```
    pub fn rate_limit_spec(self, spec: RateLimitSpec) -> Self {
        spec.providers()
            .iter()
            .fold(self, |config, p| config.rate_limit(*p, spec.limit))
    }

    /// Drift mode: serves a deterministic third of each provider's records off their
    /// documented types, the way real servers drift from their docs (default: off, and then
    /// every byte is as without this option).
    ///
    /// The `k`-th record in served order (from 0) drifts when `k % 3 == 2`; slot `(k / 3) % 7`
    /// (Autocalls) or `(k / 3) % 4` (ASAPP) picks the field:
    ///
    /// | slot | Autocalls | ASAPP |
    /// |------|-----------|-------|
    /// | 0 | `assistant_id`: the assistant's integer id (a number, not a UUID string) | `metadata`: `null` |
    /// | 1 | `variables`: `[]` | `agent`: `null` |
    /// | 2 | `total_cost`: a numeric string (`"0.0021"`) | `metadata.priority`: an extra entry `2` (a number) |
    /// | 3 | `message_count`: a numeric string (`"12"`) | `new_field`: an extra unknown field |
    /// | 4 | `customer`: `null` (WhatsApp records, which have a customer: `ai_enabled` instead) | |
    /// | 5 | `ai_enabled`: `null` | |
    /// | 6 | `new_field`: an extra unknown field `{"kind":"unannounced","version":2}` | |
    ///
    /// Ids, `created_at`, filters and cursors are unaffected. Same seed and size, same
    /// drifted records; [`Dataset::drifted_autocalls`](crate::Dataset::drifted_autocalls) and
    /// [`Dataset::drifted_asapp`](crate::Dataset::drifted_asapp) list them.
    ///
    /// ```
    /// use conversations_sandbox::{Sandbox, SandboxConfig};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sandbox = Sandbox::start(SandboxConfig::new().dataset_size(30).drift(true)).await?;
    /// assert!(sandbox.dataset().drifts());
    /// assert_eq!(sandbox.dataset().drifted_autocalls().next().map(|d| d.index), Some(2));
    /// # Ok(()) }
    /// ```
    pub fn drift(mut self, on: bool) -> Self {
        self.drift = on;
        self
    }
}

impl SandboxConfig {
    /// Refuses a data set over [`MAX_DATASET_SIZE`] or larger than the memory available
    /// (Linux's `MemAvailable`; elsewhere only the maximum is checked), with an error saying
    /// so, instead of generating until memory runs out.
    ///
    /// ```
    /// use conversations_sandbox::{MAX_DATASET_SIZE, SandboxConfig};
    /// assert!(SandboxConfig::new().check_size().is_ok());
    /// let err = SandboxConfig::new().dataset_size(MAX_DATASET_SIZE + 1).check_size().unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// assert!(err.to_string().starts_with("a data set of 10000001 conversations is more than"));
    /// ```
    pub fn check_size(&self) -> io::Result<()> {
        let size = self.dataset_size;
        if size > MAX_DATASET_SIZE {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "a data set of {size} conversations is more than the sandbox holds \
                     (at most {MAX_DATASET_SIZE})"
                ),
            ));
        }
        let needed = (size as u64).saturating_mul(BYTES_PER_CONVERSATION);
        if let Some(available) = available_memory()
            && needed > available
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "a data set of {size} conversations needs about {} MiB of memory; {} MiB \
                     are available",
                    needed >> 20,
                    available >> 20
                ),
            ));
        }
        Ok(())
    }
}

/// The memory available to new processes, in bytes (`MemAvailable` in `/proc/meminfo`), when
/// the system says.
fn available_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib.saturating_mul(1024))
}
