//! The database side of a sync: the tables (created and migrated by versioned migrations),
//! batched upserts that commit rows and the stream's state in one transaction, per-stream
//! locks, and the state `--status` prints. Two backends, one interface: [`Store`].

mod postgres;
mod sqlite;
mod turns;

use std::fmt;

use conversations_core::ConversationQuery;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::SyncError;
use crate::row::Row;
use crate::target::Target;

/// One sync stream: a source and the query it is synced with. Its state (resume position,
/// high-water mark, last run) is one row of `sync_streams`, and two syncs of one stream
/// never run at once.
///
/// ```
/// use conversations_core::ConversationQuery;
/// use conversations_sync::StreamKey;
/// let key = StreamKey::listing("autocalls", &ConversationQuery::new().channel("whatsapp").page_size(50));
/// assert_eq!(key.query, "channel=whatsapp");
/// assert_eq!(key.to_string(), "autocalls (channel=whatsapp)");
/// assert_eq!(StreamKey::listing("autocalls", &ConversationQuery::new()).to_string(), "autocalls (all)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StreamKey {
    /// The provider's name, e.g. `autocalls`.
    pub source: String,
    /// The canonical query: the filters as `name=value` sorted by name and joined by `&`
    /// (page size and limit are not part of it); a lookup stream starts with `lookup`.
    pub query: String,
}

impl StreamKey {
    /// The stream of a listing of `source` with `query`'s filters.
    pub fn listing(source: &str, query: &ConversationQuery) -> Self {
        Self {
            source: source.to_owned(),
            query: canonical(query),
        }
    }

    /// The stream of lookups by external id on `source` (ids from a file), with `query`'s
    /// other filters.
    ///
    /// ```
    /// use conversations_sync::StreamKey;
    /// let key = StreamKey::lookup("asapp", &conversations_core::ConversationQuery::new());
    /// assert_eq!(key.query, "lookup");
    /// ```
    pub fn lookup(source: &str, query: &ConversationQuery) -> Self {
        let filters = canonical(query);
        Self {
            source: source.to_owned(),
            query: if filters.is_empty() {
                "lookup".to_owned()
            } else {
                format!("lookup&{filters}")
            },
        }
    }

    /// A 64-bit number naming the stream, for PostgreSQL's advisory locks.
    pub(crate) fn lock_id(&self) -> i64 {
        let digest = Sha256::digest(format!(
            "conversations-sync\0{}\0{}",
            self.source, self.query
        ));
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&digest[..8]);
        i64::from_be_bytes(bytes)
    }
}

impl fmt::Display for StreamKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let query = if self.query.is_empty() {
            "all"
        } else {
            &self.query
        };
        write!(f, "{} ({query})", self.source)
    }
}

fn canonical(query: &ConversationQuery) -> String {
    let mut filters: Vec<(&str, &str)> = query.filters().map(|(f, v)| (f.name(), v)).collect();
    filters.sort();
    filters
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// What a run did, so far or in all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunCounts {
    /// Records fetched.
    pub records: u64,
    /// Pages (or lookups) fetched.
    pub pages: u64,
    /// Rows new to the table.
    pub inserted: u64,
    /// Rows whose record changed.
    pub updated: u64,
    /// Rows seen again unchanged.
    pub unchanged: u64,
    /// Records with decode notes (fields off their documented types).
    pub with_notes: u64,
    /// Records that had the key of an earlier record of the run, with other bytes (an id
    /// sent once as a number and once as a string, a record changed between pages): the
    /// later one replaced the earlier in the row, and its notes say so
    /// ([`Found::DuplicateKey`](conversations_core::Found::DuplicateKey)).
    pub collisions: u64,
}

/// What one batch did to the table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    /// Rows new to the table.
    pub inserted: u64,
    /// Rows whose record changed (raw bytes differ): every column overwritten.
    pub updated: u64,
    /// Rows seen again unchanged (only `last_seen` moves).
    pub unchanged: u64,
}

/// One stream's saved state: a row of `sync_streams`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamState {
    /// The stream.
    pub key: StreamKey,
    /// Where an unfinished run resumes (JSON); `None` when the last run finished.
    pub resume: Option<String>,
    /// The newest `created_at` of a finished walk (RFC 3339).
    pub high_water: Option<String>,
    /// `running`, `complete`, `interrupted` or `failed`.
    pub status: String,
    /// When the last run started (RFC 3339).
    pub started_at: Option<String>,
    /// When the last run ended (RFC 3339), if it did.
    pub finished_at: Option<String>,
    /// The last run's counts (so far, for a run that did not end).
    pub counts: RunCounts,
    /// What the last run had to say: an error, a broken order.
    pub message: Option<String>,
}

impl StreamState {
    /// The state of a stream never synced.
    pub(crate) fn new(key: StreamKey) -> Self {
        Self {
            key,
            resume: None,
            high_water: None,
            status: "new".to_owned(),
            started_at: None,
            finished_at: None,
            counts: RunCounts::default(),
            message: None,
        }
    }
}

/// Who holds a stream's lock: written where the next contender reads it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Holder {
    pub(crate) host: String,
    pub(crate) pid: u32,
    pub(crate) since: String,
}

impl Holder {
    pub(crate) fn me() -> Self {
        Self {
            host: gethostname::gethostname().to_string_lossy().into_owned(),
            pid: std::process::id(),
            since: crate::row::time_text(&chrono::Utc::now()),
        }
    }

    pub(crate) fn refusal(key: &StreamKey, holder: Option<Holder>) -> SyncError {
        let unknown = || "unknown".to_owned();
        SyncError::LockHeld {
            stream: key.to_string(),
            host: holder.as_ref().map_or_else(unknown, |h| h.host.clone()),
            pid: holder.as_ref().map_or_else(unknown, |h| h.pid.to_string()),
            since: holder.map_or_else(unknown, |h| h.since),
        }
    }
}

/// A database a sync writes to, opened and migrated.
///
/// One `Store` serves one run at a time: its batches commit in the order they were started,
/// and a failed batch stops the ones after it. Streams that should sync side by side (other
/// processes or machines included) each open a `Store` of their own on the same database.
///
/// ```
/// use conversations_sync::{Store, Target};
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let dir = tempfile::tempdir().unwrap();
/// let target: Target = format!("sqlite:{}", dir.path().join("c.db").display()).parse().unwrap();
/// let store = Store::open(&target).await.unwrap();
/// assert_eq!(store.schema_version().await.unwrap(), conversations_sync::SCHEMA_VERSION);
/// assert!(store.status().await.unwrap().is_empty());
/// # });
/// ```
pub struct Store {
    inner: Backend,
}

enum Backend {
    Sqlite(sqlite::SqliteStore),
    Postgres(Box<postgres::PgStore>),
}

/// The schema version this build migrates to.
pub const SCHEMA_VERSION: i64 = 6;

/// A stream's lock, held until dropped (or the process dies: the OS or the server releases it).
pub struct StreamLock {
    inner: LockInner,
}

enum LockInner {
    File(#[allow(dead_code)] std::fs::File),
    Postgres(postgres::PgLock),
}

impl StreamLock {
    /// Releases the lock now, so the next sync of the stream can start at once.
    pub async fn release(self) {
        match self.inner {
            LockInner::File(file) => drop(file),
            LockInner::Postgres(lock) => lock.release().await,
        }
    }
}

impl Store {
    /// Opens (creating if needed) the database at `target` and brings its tables to
    /// [`SCHEMA_VERSION`].
    pub async fn open(target: &Target) -> Result<Self, SyncError> {
        let inner = match target {
            Target::Sqlite(path) => Backend::Sqlite(sqlite::SqliteStore::open(path).await?),
            Target::Postgres(url) => {
                Backend::Postgres(Box::new(postgres::PgStore::open(url).await?))
            }
        };
        Ok(Self { inner })
    }

    /// Opens a PostgreSQL database with `search_path` set to `schema` (created if missing):
    /// tests and side-by-side installs keep their tables apart this way.
    pub async fn open_in_schema(target: &Target, schema: &str) -> Result<Self, SyncError> {
        match target {
            Target::Postgres(url) => Ok(Self {
                inner: Backend::Postgres(Box::new(
                    postgres::PgStore::open_in(url, Some(schema)).await?,
                )),
            }),
            Target::Sqlite(_) => Self::open(target).await,
        }
    }

    /// The highest migration applied.
    pub async fn schema_version(&self) -> Result<i64, SyncError> {
        match &self.inner {
            Backend::Sqlite(s) => s.schema_version().await,
            Backend::Postgres(s) => s.schema_version().await,
        }
    }

    /// Takes `key`'s lock, or says who holds it ([`SyncError::LockHeld`]).
    pub async fn lock(&self, key: &StreamKey) -> Result<StreamLock, SyncError> {
        let inner = match &self.inner {
            Backend::Sqlite(s) => LockInner::File(s.lock(key)?),
            Backend::Postgres(s) => LockInner::Postgres(s.lock(key).await?),
        };
        Ok(StreamLock { inner })
    }

    /// The saved state of `key`, if it was ever synced.
    pub async fn load(&self, key: &StreamKey) -> Result<Option<StreamState>, SyncError> {
        Ok(self
            .status()
            .await?
            .into_iter()
            .find(|state| &state.key == key))
    }

    /// Every stream's state, by source and query.
    pub async fn status(&self) -> Result<Vec<StreamState>, SyncError> {
        match &self.inner {
            Backend::Sqlite(s) => s.status().await,
            Backend::Postgres(s) => s.status().await,
        }
    }

    /// Batches a sync may have in flight at once ([`spawn_commit`](Self::spawn_commit)):
    /// for SQLite one writing and one waiting, for PostgreSQL several writing; they commit in
    /// order.
    pub(crate) fn in_flight(&self) -> usize {
        match &self.inner {
            Backend::Sqlite(_) => sqlite::SqliteStore::IN_FLIGHT,
            Backend::Postgres(s) => s.in_flight(),
        }
    }

    /// Starts, on a task of its own, one transaction that upserts `rows` (keyed by source and
    /// key; a changed record overwrites every column) and saves `state` with the batch's
    /// counts added: either both land or neither does. The caller goes on fetching while it
    /// runs, keeps at most [`in_flight`](Self::in_flight) batches going, and awaits them in
    /// the order it started them; they commit in that order.
    ///
    /// `first` marks a run's first batch: it commits after no earlier batch (a failed run
    /// before it, in the same store, does not hold it back).
    pub(crate) fn spawn_commit(&self, rows: Vec<Row>, state: &StreamState, first: bool) -> Commit {
        let rows = crate::row::dedupe(rows);
        match &self.inner {
            Backend::Sqlite(s) => s.spawn_commit(rows, state.clone(), first),
            Backend::Postgres(s) => s.spawn_commit(rows, state.clone(), first),
        }
    }
}

/// Every stream's state, in [`StreamState`]'s order of fields (the same SQL for both backends).
pub(crate) const STATUS_SQL: &str = "SELECT source, query, resume, high_water, last_status,
        last_started_at, last_finished_at, last_records, last_pages, last_inserted,
        last_updated, last_unchanged, last_with_notes, last_message, last_collisions
    FROM sync_streams ORDER BY source, query";

/// Saves one stream's state: `$1` … `$15` in [`STATUS_SQL`]'s order (SQLite numbers `$n`
/// parameters in order of appearance, as PostgreSQL does).
pub(crate) const SAVE_STATE_SQL: &str = "INSERT INTO sync_streams (source, query, resume,
        high_water, last_status, last_started_at, last_finished_at, last_records, last_pages,
        last_inserted, last_updated, last_unchanged, last_with_notes, last_message,
        last_collisions)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
    ON CONFLICT (source, query) DO UPDATE SET
        resume = excluded.resume, high_water = excluded.high_water,
        last_status = excluded.last_status, last_started_at = excluded.last_started_at,
        last_finished_at = excluded.last_finished_at, last_records = excluded.last_records,
        last_pages = excluded.last_pages, last_inserted = excluded.last_inserted,
        last_updated = excluded.last_updated, last_unchanged = excluded.last_unchanged,
        last_with_notes = excluded.last_with_notes, last_message = excluded.last_message,
        last_collisions = excluded.last_collisions";

/// A batch's transaction, running.
pub(crate) type Commit = futures::future::BoxFuture<'static, Result<Written, SyncError>>;

/// `state`'s counts plus what a batch wrote.
pub(crate) fn plus(counts: RunCounts, written: Written) -> RunCounts {
    RunCounts {
        inserted: counts.inserted + written.inserted,
        updated: counts.updated + written.updated,
        unchanged: counts.unchanged + written.unchanged,
        ..counts
    }
}
