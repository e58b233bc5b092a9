//! # asapp-gen
//!
//! ASAPP's *list conversations* operation for conversations-rs, from ASAPP's own OpenAPI
//! document: `build.rs` runs [progenitor](https://docs.rs/progenitor) over
//! its `openapi.yaml` at build time, and this crate adds what a caller needs on top.
//!
//! - [`generated`]: the progenitor output, untouched: [`generated::Client`] (the raw
//!   operation) and [`types`] (`ConversationList`, `Conversation`, `Agent`, `Customer`,
//!   `ErrorEnvelope`, `ErrorDetails`).
//! - [`AsappClient`] ([`client`]): built with [`AsappClient::builder`]; sends the two auth
//!   headers (secret held in a [`secrecy::SecretString`], header marked sensitive), checks
//!   the base URL (`https`, or `http` to loopback), and maps every failure to a typed
//!   [`conversations_core::Error`].
//! - [`AsappSource`] ([`source`]): the normalized
//!   [`ConversationSource`](conversations_core::ConversationSource), provider `"asapp"`,
//!   requiring an external id; [`normalize()`] maps one item.
//!
//! ## Example
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use conversations_core::{ConversationQuery, ConversationSource};
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

pub mod client;
mod error_body;
pub mod generated;
mod list_body;
pub mod normalize;
pub mod source;

pub use client::{
    AsappClient, AsappClientBuilder, AsappConversation, BuildError, CONVERSATIONS_PATH,
    DEFAULT_BASE_URL, PROVIDER,
};
pub use generated::types;
pub use normalize::normalize;
pub use source::AsappSource;

/// The README's example, compiled as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
