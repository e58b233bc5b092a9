//! A local HTTP server that behaves like the ASAPP and Autocalls *list conversations*
//! endpoints, as their vendor documentation describes them.
//!
//! One [`Sandbox`] serves both providers on one `127.0.0.1` port, from a deterministic
//! [`Dataset`] (same seed and size, byte-identical responses):
//!
//! | provider  | base URL                                  | endpoint                                   |
//! |-----------|-------------------------------------------|--------------------------------------------|
//! | ASAPP     | [`Sandbox::asapp_base_url`] `http://…`    | `GET /conversation/v1/conversations?externalId=…`, headers `asapp-api-id`, `asapp-api-secret` |
//! | Autocalls | [`Sandbox::autocalls_base_url`] `http://…/api` | `GET /api/user/conversations`, header `Authorization: Bearer …`, filters and cursor pagination |
//!
//! Faults (rate limiting, outages, gateway errors, slow answers, looping cursors, revoked
//! credentials) can be switched on and off at runtime through [`Sandbox::faults`], or from
//! text with [`FaultSpec`] (`autocalls:429*2`). [`Sandbox::requests`] counts what each
//! provider received, so tests can assert that a client sent nothing, or retried.
//!
//! Servers that behave like real ones:
//! - a latency per provider ([`SandboxConfig::latency`], [`Sandbox::set_latency`],
//!   [`LatencySpec`] for `asapp:50ms`) and a real token-bucket rate limit per provider
//!   ([`SandboxConfig::rate_limit`], [`Sandbox::set_rate_limit`], [`RateLimitSpec`] for
//!   `asapp:100/s,burst=20`), both on Tokio's clock, so paused-time tests control them;
//!   [`Sandbox::rate_limited`] counts the 429s;
//! - drift mode ([`SandboxConfig::drift`]): a deterministic third of the records served off
//!   their documented types, listed by [`Dataset::drifted_autocalls`] and
//!   [`Dataset::drifted_asapp`];
//! - data that changes while it runs ([`Sandbox::mutate`]): new conversations on top, updated
//!   ones, revised ASAPP metadata; [`Sandbox::snapshot`] is the data set served now.
//!
//! A page costs the same at any data set size: filters are served from posting lists built
//! once, and the cursor is found by binary search.
//!
//! The crate speaks only the providers' wire formats and depends on no other crate of the
//! workspace.
//!
//! # Example
//!
//! ```
//! use conversations_sandbox::{Fault, Provider, RetryAfter, Sandbox, SandboxConfig};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sandbox = Sandbox::start(SandboxConfig::new().dataset_size(300).seed(7)).await?;
//! let http = reqwest::Client::new();
//! let key = &sandbox.credentials().autocalls_api_key;
//!
//! // First page of WhatsApp conversations, ten at a time.
//! let url = format!("{}/user/conversations", sandbox.autocalls_base_url());
//! let page: serde_json::Value = http
//!     .get(&url)
//!     .bearer_auth(key)
//!     .query(&[("type", "whatsapp"), ("per_page", "10")])
//!     .send()
//!     .await?
//!     .json()
//!     .await?;
//! assert_eq!(page["per_page"], 10);
//! assert!(page["data"].as_array().is_some_and(|d| d.len() == 10));
//! assert!(page["prev_cursor"].is_null());
//!
//! // The next page, re-sending the filters with the cursor.
//! let next: serde_json::Value = http
//!     .get(&url)
//!     .bearer_auth(key)
//!     .query(&[("type", "whatsapp"), ("per_page", "10")])
//!     .query(&[("cursor", page["next_cursor"].as_str().unwrap_or_default())])
//!     .send()
//!     .await?
//!     .json()
//!     .await?;
//! assert_ne!(next["data"][0], page["data"][0]);
//!
//! // ASAPP: look one conversation up by its externalId.
//! let external_id = sandbox.dataset().asapp_external_ids()[0].to_owned();
//! let items: serde_json::Value = http
//!     .get(format!("{}/conversation/v1/conversations", sandbox.asapp_base_url()))
//!     .header("asapp-api-id", &sandbox.credentials().asapp_api_id)
//!     .header("asapp-api-secret", &sandbox.credentials().asapp_api_secret)
//!     .query(&[("externalId", external_id.as_str())])
//!     .send()
//!     .await?
//!     .json()
//!     .await?;
//! assert_eq!(items["items"][0], sandbox.dataset().asapp()[0]);
//!
//! // Make the next Autocalls request hit a rate limit.
//! sandbox.faults().inject(
//!     Provider::Autocalls,
//!     Fault::RateLimited { retry_after: RetryAfter::Seconds(2) },
//!     1,
//! );
//! let limited = http.get(&url).bearer_auth(key).send().await?;
//! assert_eq!(limited.status(), 429);
//! assert_eq!(limited.headers()["retry-after"], "2");
//! assert_eq!(sandbox.requests(Provider::Autocalls), 3);
//!
//! sandbox.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod asapp;
mod autocalls;
mod config;
mod cursor;
mod dataset;
mod datetime;
mod drift;
pub mod faults;
mod fields;
mod generate;
mod index;
mod limits;
mod listing;
mod mutate;
mod prng;
mod provider;
mod query;
mod records;

mod respond;
mod server;
mod spec;

mod state;

pub use config::{
    Credentials, DEFAULT_ASAPP_API_ID, DEFAULT_ASAPP_API_SECRET, DEFAULT_AUTOCALLS_API_KEY,
    DEFAULT_DATASET_SIZE, DEFAULT_SEED, MAX_DATASET_SIZE, SandboxConfig,
};
pub use dataset::Dataset;
pub use faults::{Fault, FaultSpec, FaultSpecError, FaultTimes, Faults, RetryAfter};
pub use limits::{LatencySpec, LimitSpecError, RateLimit, RateLimitSpec};
pub use mutate::Mutator;
pub use provider::{Provider, UnknownProvider};
pub use records::{Assistant, DriftedRecord};
pub use server::Sandbox;
