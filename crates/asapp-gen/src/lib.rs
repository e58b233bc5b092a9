//! # asapp-gen
//!
//! ASAPP's *list conversations* operation for conversations-rs, from ASAPP's own OpenAPI
//! document: `build.rs` runs [progenitor](https://docs.rs/progenitor) over
//! `specs/asapp/openapi.yaml` (its packaged copy, `openapi.yaml` in this crate) at build
//! time, and this crate adds what a caller needs on top.
//!
//! - [`types`]: the generated types, untouched (`ConversationList`, `Conversation`, `Agent`,
//!   `Customer`, `ErrorEnvelope`, `ErrorDetails`), and [`AsappConversation`], one item
//!   with its exact bytes.
//! - [`AsappClient`]: built with [`AsappClient::builder`]; sends the two auth headers
//!   (secret held in a [`secrecy::SecretString`], header marked sensitive) through the
//!   shared transport (retries, timeouts, rate limit, logs), checks the base URL (`https`,
//!   or `http` to loopback), and maps every failure to a typed [`conversations_core::Error`].
//! - [`AsappSource`]: the normalized
//!   [`ConversationSource`](conversations_core::ConversationSource), provider `"asapp"`,
//!   requiring an external id; [`normalize()`] maps one item.
//!
//! ## Layout
//!
//! The same six modules as `autocalls-api`, each using only those below it:
//!
//! | module      | holds |
//! |-------------|-------|
//! | `source`    | [`AsappSource`]: the normalized query mapped to a request, items to the model |
//! | `client`    | [`AsappClient`] and its builder: one request through the shared transport |
//! | `request`   | the one request (`externalId`), checked before sending |
//! | `normalize` | [`normalize()`]: one item in the normalized model |
//! | [`types`]   | the generated types and [`AsappConversation`]; the list body decoded |
//! | `protocol`  | [`PROVIDER`], [`DEFAULT_BASE_URL`], [`CONVERSATIONS_PATH`], how an error body reads |
//!
//! Below them, `generated` is progenitor's output (where generated code ends); only its
//! types leave it. Its client is not handed out, since it would skip the transport:
//!
//! ```compile_fail
//! let raw = asapp_gen::AsappClient::builder().api_id("i").api_secret("s").build_generated();
//! ```
//!
//! ```compile_fail
//! let raw = asapp_gen::generated::Client::new("https://api.sandbox.asapp.com");
//! ```
//!
//! ## Example
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use conversations_core::{ConversationQuery, ConversationSource, ConversationSourceExt};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = asapp_gen::AsappClient::builder()
//!     .api_id(std::env::var("ASAPP_API_ID")?)
//!     .api_secret(std::env::var("ASAPP_API_SECRET")?)
//!     .build()?;
//!
//! // ASAPP's own types, each with the JSON it came from.
//! for listed in client.list_conversations("id-111").await? {
//!     println!("{:?}", listed.typed()?.customer.name);
//! }
//!
//! // The normalized model, retried under the client's policy.
//! let source = client.into_source();
//! let all: Vec<_> = source
//!     .list(ConversationQuery::new().external_id("id-111"))
//!     .try_collect()
//!     .await?;
//! println!("{} conversations", all.len());
//! # Ok(())
//! # }
//! ```

// Layers, each using only those below it: source → client → request → normalize → types →
// protocol → generated (progenitor's output, where generated code ends).
mod client;
mod generated;
mod normalize;
mod protocol;
mod request;
mod source;
pub mod types;

pub use client::{AsappClient, AsappClientBuilder, BuildError};
pub use normalize::normalize;
pub use protocol::{CONVERSATIONS_PATH, DEFAULT_BASE_URL, PROVIDER};
pub use source::AsappSource;
pub use types::AsappConversation;

/// The README's example, compiled as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
