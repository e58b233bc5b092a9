//! # conversations-sync
//!
//! Conversations into the database where the business uses them: SQLite by default,
//! PostgreSQL for teams. Incremental, resumable, exactly once.
//!
//! - [`Store`] opens a [`Target`] (`sqlite:PATH`, or a PostgreSQL connection string) and creates or migrates
//!   its tables: `conversations` (one row per conversation, keyed by source and provider id),
//!   `sync_streams` (one row per stream: resume position, high-water mark, last run's
//!   counts), `sync_migrations`, and in PostgreSQL `sync_locks`.
//! - PostgreSQL is reached as libpq reaches it ([`conninfo`]): a URL or `key=value` pairs,
//!   the `PG*` variables, `~/.pgpass`, Unix sockets, TLS by `sslmode` (`disable` to
//!   `verify-full`), a schema of its own ([`Store::open_in_schema`]); a refused password or
//!   role is [`SyncError::Auth`].
//! - [`sync_listing`] walks a source's listing and [`sync_lookup`] looks external ids up
//!   ([`sync_lookup_ids`]: from a file read as a stream, [`IdsInput`]);
//!   both commit each batch of rows together with the stream's position in one transaction,
//!   so a run killed at any moment and run again ends with the table a clean sync would
//!   give: nothing missing, nothing twice.
//! - Two syncs of one stream never run at once ([`Store::lock`]): the second gets
//!   [`SyncError::LockHeld`] naming the holder.
//!
//! ## Where exactly-once is decided
//!
//! - [`run`]: batches, and the commit of each batch together with the resume position in
//!   one transaction, in order. Nothing else decides what is saved.
//! - [`listing`]: the listing walk — where it resumes, and where it stops (the floor: the
//!   last walk's high-water mark less the lookback).
//! - [`lookups`]: lookups of ids ([`ids`]: the ids read as a stream, twice), resuming
//!   after the ids done.
//! - [`state`]: the stream's state, typed ([`Resume`] holds core's `Position`).
//! - [`destination`]: where batches are committed: a [`Store`] (SQLite or PostgreSQL,
//!   [`store`]), or any other [`Destination`] (a Singer tap, say).
//!
//! Built only on the public API of `conversations-core`.
//!
//! ```
//! use std::sync::Arc;
//! use conversations_core::{ConversationQuery, ConversationSource, MemorySource};
//! use conversations_sync::{Quiet, Store, SyncOptions, Target, sync_listing};
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! # let dir = tempfile::tempdir().unwrap();
//! let target: Target = format!("sqlite:{}", dir.path().join("conversations.db").display()).parse()?;
//! let store = Store::open(&target).await?;
//! let source: Arc<dyn ConversationSource> = Arc::new(MemorySource::demo(40));
//! let (_ctrl_c, interrupt) = tokio::sync::watch::channel(false);
//! let summary = sync_listing(&store, source, ConversationQuery::new(), &SyncOptions::default(), &mut Quiet, interrupt).await?;
//! assert_eq!(summary.counts.inserted, 40);
//! assert_eq!(store.status().await?[0].status, conversations_sync::StreamStatus::Complete);
//! # Ok::<(), conversations_sync::SyncError>(())
//! # }).unwrap();
//! ```

mod collisions;
pub mod conninfo;
pub mod destination;
pub mod error;
pub mod ids;
pub mod listing;
pub mod lookups;
pub mod notice;
pub mod row;
pub mod run;
pub mod source;
pub mod state;
pub mod store;
pub mod target;

pub use destination::{Batch, Commit, Destination};
pub use error::SyncError;
pub use ids::{IdsInput, read_ids};
pub use listing::{sync_listing, sync_listing_into};
pub use lookups::{sync_lookup, sync_lookup_ids, sync_lookup_into};
pub use notice::Notice;
pub use row::{Row, row_key};
pub use run::{FIRST_BATCH, Interrupt, Observer, Outcome, Quiet, Summary, SyncOptions};
pub use source::SyncSource;
pub use state::{
    FailedId, Resume, RunCounts, StreamKey, StreamState, StreamStatus, UnknownStatus, WalkState,
    time_text,
};
pub use store::{SCHEMA_VERSION, Store, StreamLock, Written};
pub use target::{PostgresUrl, Target};
