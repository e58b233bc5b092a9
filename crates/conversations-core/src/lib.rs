//! # conversations-core
//!
//! The contract every conversations-rs provider keeps: a normalized [`Conversation`] model,
//! a [`ConversationQuery`] checked against each source's [`Capabilities`], [`Page`]s with
//! opaque serializable [`Cursor`]s, one [`Error`] type, and the object-safe
//! [`ConversationSource`] trait whose provided methods auto-paginate ([`pages`](ConversationSource::pages),
//! [`list`](ConversationSource::list)), retry under a [`RetryPolicy`] and stop on cursor loops.
//! [`Federation`] lists several sources at once. [`MemorySource`] is an in-memory source for
//! tests, and the `testkit` feature adds `testkit`, the conformance suite.
//!
//! Provider crates: `asapp-gen` (ASAPP) and `autocalls-api` (Autocalls). A third party adds a
//! provider by implementing [`ConversationSource`] in its own crate.
//!
//! ## Example
//!
//! ```
//! use futures::TryStreamExt;
//! use conversations_core::{
//!     Channel, ConversationQuery, ConversationSource, Error, MemorySource,
//! };
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
//! // Any source works the same way through the trait, boxed or not.
//! let source: Box<dyn ConversationSource> = Box::new(MemorySource::demo(50));
//!
//! let query = ConversationQuery::new()
//!     .channel(Channel::Whatsapp)
//!     .page_size(5)
//!     .limit(8);
//! let conversations: Vec<_> = source.list(query).try_collect().await?;
//! assert_eq!(conversations.len(), 8);
//! assert!(conversations.iter().all(|c| c.channel == Some(Channel::Whatsapp)));
//!
//! // Bad queries are refused before any request.
//! let bad = ConversationQuery::new().page_size(1000);
//! let err = source.list(bad).try_collect::<Vec<_>>().await.unwrap_err();
//! assert!(matches!(err, Error::InvalidQuery { .. }));
//! # Ok::<(), Error>(())
//! # }).unwrap();
//! ```
//!
//! ## Choices
//!
//! - Backoff delays come from [`backon`](https://docs.rs/backon): well kept, small, with
//!   jitter and bounded attempts; the retry loop around it (which errors, `Retry-After`,
//!   total budget) lives in [`retry`].
//! - `Retry-After` HTTP dates are parsed with `httpdate`; timestamps are `chrono` UTC.

pub mod capabilities;
pub mod decode;
pub mod encoded;
pub mod endpoint;
pub mod error;
pub mod federation;
pub mod flat;
pub mod floor;
pub mod lookup;
pub mod memory;
pub mod model;
pub mod note;
pub mod page;
pub mod paginate;
pub mod query;
pub mod raw;
pub mod retry;
pub mod source;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod timestamp;

pub use async_trait::async_trait;

pub use capabilities::{Capabilities, MAX_FILTER_LEN, PageSizeBounds};
pub use encoded::{
    ConversationItems, ConversationPages, DecodeFn, ENCODED_BODY_MIN, EncodedConversation,
};
pub use error::{ApiErrorDetails, BoxError, Error, Result};
pub use federation::{FederatedItem, Federation};
pub use lookup::{DEFAULT_LOOKUP_CONCURRENCY, Lookup, LookupResult};
pub use memory::MemorySource;
pub use model::{Channel, Conversation, Participant, ParticipantRole};
pub use note::{DecodeNote, Documented, Found, JsonType, NoteAction};
pub use page::{Cursor, Direction, Page};
pub use paginate::{ItemCheck, Items, PageFetcher, Pages, Position};
pub use query::{ConversationQuery, Filter};
pub use raw::RawJson;
pub use retry::{
    DEFAULT_RETRY_QUOTA, RETRY_COST, RetryPolicy, RetryQuota, TIMEOUT_RETRY_COST, parse_retry_after,
};
pub use source::ConversationSource;
