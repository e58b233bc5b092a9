//! # autocalls-api
//!
//! A hand-written client for Autocalls' *list conversations* endpoint
//! (`GET https://app.autocalls.ai/api/user/conversations`), and [`AutocallsSource`], its
//! [`ConversationSource`](conversations_core::ConversationSource) for conversations-rs.
//!
//! Autocalls publishes prose documentation only; the crate follows our OpenAPI document of
//! the endpoint, `specs/autocalls/openapi.yaml`, written from that page, and its tests hold
//! the client to it.
//!
//! - [`AutocallsClient`] (built with [`AutocallsClient::builder`]) lists one page with
//!   [`list_conversations`](AutocallsClient::list_conversations), or streams pages forward
//!   ([`pages`](AutocallsClient::pages)) and backward
//!   ([`pages_backward`](AutocallsClient::pages_backward)), `.items()` for conversations.
//! - [`ListConversationsRequest`] holds the query; it is checked before anything is sent.
//! - [`ConversationsPage`] and [`AutocallsConversation`] are the typed response, each record
//!   keeping its raw JSON.
//! - [`AutocallsSource`] maps the normalized query and model; [`normalize()`] maps one record.
//!
//! ## Layout
//!
//! The same six modules as `asapp-gen`, each using only those below it:
//!
//! | module      | holds |
//! |-------------|-------|
//! | `source`    | [`AutocallsSource`]: the normalized query mapped to a request, pages to the model |
//! | `client`    | [`AutocallsClient`] and its builder: one request through the shared transport |
//! | `request`   | [`ListConversationsRequest`]: the query parameters, checked before sending |
//! | `normalize` | [`normalize()`]: one record in the normalized model |
//! | `types`     | [`ConversationsPage`], [`AutocallsConversation`]: the response, typed ([`timestamp`] below it) |
//! | `protocol`  | [`PROVIDER`], [`DEFAULT_BASE_URL`], the path, and how an error body reads |
//!
//! Retries, timeouts, rate limits, redaction and logs are the transport's
//! (`conversations-transport`), never this crate's.
//!
//! **Time zone:** Autocalls sends `created_at`/`updated_at` as `2025-01-25 14:30:00`, with no
//! zone. The SDK takes them as **UTC**. RFC 3339 values are accepted too.
//!
//! ## Example
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use autocalls_api::{AutocallsClient, AutocallsSource, ListConversationsRequest};
//! use conversations_core::{Channel, ConversationQuery, ConversationSource, ConversationSourceExt};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = AutocallsClient::builder()
//!     .api_key(std::env::var("AUTOCALLS_API_KEY")?)
//!     .build()?;
//!
//! // Native: typed Autocalls records, page by page.
//! let request = ListConversationsRequest::new().customer_phone("+14155559876").per_page(50);
//! let page = client.list_conversations(&request).await?;
//! println!("{} on the first page", page.data.len());
//!
//! // Normalized: the same data through the ConversationSource trait.
//! let source = AutocallsSource::new(client);
//! let query = ConversationQuery::new().channel(Channel::Whatsapp).limit(100);
//! let conversations: Vec<_> = source.list(query).try_collect().await?;
//! println!("{} WhatsApp conversations", conversations.len());
//! # Ok(())
//! # }
//! ```

// Layers, each using only those below it: source → client → request → normalize → types →
// protocol (timestamp: a leaf of types).
mod client;
mod normalize;
mod protocol;
mod request;
mod source;
pub mod timestamp;
mod types;

pub use client::{AutocallsClient, AutocallsClientBuilder, BuildError};
pub use normalize::normalize;
pub use protocol::{DEFAULT_BASE_URL, PROVIDER};
pub use request::{
    ListConversationsRequest, PER_PAGE_DEFAULT, PER_PAGE_MAX, PER_PAGE_MIN, RequestError,
};
pub use source::AutocallsSource;
pub use types::{
    AutocallsConversation, ConversationType, ConversationsPage, Customer, WhatsappSender,
};

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
