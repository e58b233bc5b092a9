//! # conversations-core
//!
//! The contract every conversations-rs provider keeps: a normalized [`Conversation`] model,
//! a [`ConversationQuery`] checked against each source's [`Capabilities`], [`Page`]s with
//! opaque serializable [`Cursor`]s, one [`Error`] type, and the object-safe
//! [`ConversationSource`] trait (what a provider implements: its name, its capabilities, one
//! page) with [`ConversationSourceExt`] (what every caller gets: validated, auto-paginated,
//! resumable listings that stop on cursor loops — [`pages`](ConversationSourceExt::pages),
//! [`list`](ConversationSourceExt::list), [`listing`](ConversationSourceExt::listing)).
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
//!     Channel, ConversationQuery, ConversationSource, ConversationSourceExt, Error, MemorySource,
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
//! Core knows no provider and no HTTP: retries, timeouts, base URLs and rate limits are
//! `conversations-transport`'s. Provider authors also use [`decode`] (tolerant, lossless
//! decoding) and, with the `testkit` feature, the conformance kit.
//!
//! ## Choices
//!
//! - Timestamps are `chrono` UTC; JSON is `serde_json`, records kept as received
//!   ([`RawJson`]).

// The user's contract, each module private behind the flat re-exports below.
mod capabilities;
mod error;
mod federation;
mod lookup;
mod memory;
mod model;
mod note;
mod page;
mod paginate;
mod query;
mod raw;
mod source;
mod timestamp;

// Column and rule types named by their module: a conversation's flat view (CSV, tables,
// database rows) and the "stop below the floor" rule of incremental walks.
pub mod flat;
pub mod floor;

// For provider authors: the decode toolkit and the conformance kit.
pub mod decode;
#[cfg(feature = "testkit")]
pub mod testkit;

pub use async_trait::async_trait;

pub use capabilities::{Capabilities, MAX_FILTER_LEN, PageSizeBounds};
pub use decode::{DecodeFn, ENCODED_BODY_MIN, EncodedConversation};
pub use error::{
    ApiErrorDetails, BoxError, Error, QUOTE_CHARS, QUOTE_FIELDS, Result, SNIPPET_CHARS, quote,
};
pub use federation::{FederatedItem, Federation};
pub use lookup::{
    DEDUP_WINDOW, DEFAULT_LOOKUP_CONCURRENCY, IdLines, IdsError, Lookup, LookupResult,
    MAX_ID_BYTES, ReadIdsError, SeenIds, parse_ids,
};
pub use memory::{MEMORY_DEFAULT_PAGE_SIZE, MemorySource, demo_conversations};
pub use model::{Channel, Conversation, Participant, ParticipantRole};
pub use note::{DecodeNote, Documented, Found, JsonType, NoteAction};
pub use page::{Cursor, Direction, Page};
pub use paginate::{
    ItemCheck, ItemKey, ItemWindow, Items, Keep, MAX_CURSOR_BYTES, PageFetcher, Pages, Position,
    REMEMBERED_KEYS, STALE_PAGES_LIMIT, WalkGuard,
};
pub use query::{ConversationQuery, Filter};
pub use raw::RawJson;
pub use source::{ConversationItems, ConversationPages, ConversationSource, ConversationSourceExt};
pub use timestamp::format as format_timestamp;
