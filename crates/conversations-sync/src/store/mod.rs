//! The database side of a sync: the tables (created and migrated by versioned migrations),
//! batched upserts that commit rows and the stream's state in one transaction, per-stream
//! locks, and the state `--status` prints. Two backends, one interface: [`Store`].

mod migrations;
mod postgres;
mod sqlite;
mod turns;

pub use sqlite::row_text as sqlite_row_text;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::SyncError;
use crate::row::Row;
pub use crate::state::{FailedId, RunCounts, StreamKey, StreamState};
use crate::state::{Resume, StreamStatus, time_from, time_text};
use crate::target::Target;

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

/// One stream's state as a row of `sync_streams` holds it (times and the position as text):
/// what the backends read and write. [`StreamState`] is its typed form.
#[derive(Debug, Clone)]
pub(crate) struct SavedState {
    pub(crate) key: StreamKey,
    pub(crate) resume: Option<String>,
    pub(crate) high_water: Option<String>,
    pub(crate) status: String,
    pub(crate) started_at: Option<String>,
    pub(crate) finished_at: Option<String>,
    pub(crate) counts: RunCounts,
    pub(crate) message: Option<String>,
    pub(crate) failed: Vec<FailedId>,
}

impl SavedState {
    /// The state typed: an unreadable position is [`Resume::Unreadable`], an unreadable time
    /// none, an unknown status `failed`.
    pub(crate) fn typed(self) -> StreamState {
        let mut state = StreamState::new(self.key);
        state.resume = self.resume.as_deref().map(Resume::read);
        state.high_water = self.high_water.as_deref().and_then(time_from);
        state.status = self.status.parse().unwrap_or(StreamStatus::Failed);
        state.started_at = self.started_at.as_deref().and_then(time_from);
        state.finished_at = self.finished_at.as_deref().and_then(time_from);
        state.counts = self.counts;
        state.message = self.message;
        state.failed = self.failed;
        state
    }

    /// `state` as saved. A position that cannot be written is [`SyncError::BadState`].
    pub(crate) fn of(state: &StreamState, target: &str) -> Result<Self, SyncError> {
        let resume = match &state.resume {
            None => None,
            Some(Resume::Unreadable { text, .. }) => Some(text.clone()),
            Some(resume) => {
                Some(
                    serde_json::to_string(resume).map_err(|e| SyncError::BadState {
                        target: target.to_owned(),
                        stream: state.key.to_string(),
                        message: e.to_string(),
                    })?,
                )
            }
        };
        Ok(Self {
            key: state.key.clone(),
            resume,
            high_water: state.high_water.as_ref().map(time_text),
            status: state.status.as_str().to_owned(),
            started_at: state.started_at.as_ref().map(time_text),
            finished_at: state.finished_at.as_ref().map(time_text),
            counts: state.counts,
            message: state.message.clone(),
            failed: state.failed.clone(),
        })
    }
}
/// Who holds a stream's lock: written where the next contender reads it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Holder {
    pub(crate) host: String,
    pub(crate) pid: u32,
    pub(crate) since: String,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "host {}, pid {}, since {}",
            self.host, self.pid, self.since
        )
    }
}

impl Holder {
    /// A holder that left no trace of who it is (its file or row unreadable).
    pub(crate) fn unknown() -> Self {
        Self {
            host: "unknown".to_owned(),
            pid: 0,
            since: "unknown".to_owned(),
        }
    }

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
    /// The target, password redacted, for messages.
    target: String,
}

enum Backend {
    Sqlite(sqlite::SqliteStore),
    Postgres(Box<postgres::PgStore>),
}

/// The schema version this build migrates to.
pub const SCHEMA_VERSION: i64 = 8;

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
    /// [`SCHEMA_VERSION`], all migrations in one transaction. Refused, with nothing changed:
    /// a database migrated by a newer build ([`SyncError::NewerSchema`]), and one holding a
    /// table of the sync's name that no sync made ([`SyncError::ForeignTable`]).
    pub async fn open(target: &Target) -> Result<Self, SyncError> {
        Self::opening(target, None, true).await
    }

    /// Opens the database at `target` only if a sync made its tables there (to read its
    /// state): a missing SQLite file, or a database without the sync's tables, is
    /// [`SyncError::NotSynced`], and nothing is created. Tables of an older version are
    /// migrated, as [`open`](Self::open) does.
    ///
    /// ```
    /// use conversations_sync::{Store, SyncError, Target};
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("none.db");
    /// let target: Target = format!("sqlite:{}", path.display()).parse().unwrap();
    /// let err = Store::open_existing(&target).await.err().unwrap();
    /// assert!(matches!(err, SyncError::NotSynced { .. }));
    /// assert!(!path.exists());
    /// # });
    /// ```
    pub async fn open_existing(target: &Target) -> Result<Self, SyncError> {
        Self::opening(target, None, false).await
    }

    /// Opens a PostgreSQL database with `search_path` set to `schema` (created if missing
    /// and the role may; used as it is otherwise): its tables, state and locks live there,
    /// apart from any other schema's. A SQLite target has no schemas: refused.
    ///
    /// ```
    /// use conversations_sync::{Store, SyncError, Target};
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let target: Target = "sqlite:c.db".parse().unwrap();
    /// let err = Store::open_in_schema(&target, "crm_sync").await.err().unwrap();
    /// assert!(matches!(err, SyncError::SchemaOnSqlite), "{err}");
    /// # });
    /// ```
    pub async fn open_in_schema(target: &Target, schema: &str) -> Result<Self, SyncError> {
        Self::opening(target, Some(schema), true).await
    }

    /// [`open_existing`](Self::open_existing) in `schema` (see
    /// [`open_in_schema`](Self::open_in_schema)): nothing is created, the schema included.
    pub async fn open_existing_in_schema(target: &Target, schema: &str) -> Result<Self, SyncError> {
        Self::opening(target, Some(schema), false).await
    }

    /// For PostgreSQL, where the store writes, never a password: the server (`host:port` or
    /// the socket), database, role, whether the connection is encrypted and with what, and
    /// the schema. `None` for SQLite (the target says it all).
    pub fn server(&self) -> Option<String> {
        match &self.inner {
            Backend::Sqlite(_) => None,
            Backend::Postgres(s) => Some(s.server()),
        }
    }

    /// What opening the database warned about, as libpq would (a password file readable by
    /// others, ignored): for the caller to show.
    pub fn warnings(&self) -> &[String] {
        match &self.inner {
            Backend::Sqlite(_) => &[],
            Backend::Postgres(s) => s.warnings(),
        }
    }

    async fn opening(
        target: &Target,
        schema: Option<&str>,
        create: bool,
    ) -> Result<Self, SyncError> {
        let inner = match target {
            Target::Sqlite(_) if schema.is_some() => return Err(SyncError::SchemaOnSqlite),
            Target::Sqlite(path) => Backend::Sqlite(sqlite::SqliteStore::open(path, create).await?),
            Target::Postgres(url) => Backend::Postgres(Box::new(
                postgres::PgStore::open_in(url, schema, create).await?,
            )),
        };
        Ok(Self {
            inner,
            target: target.to_string(),
        })
    }

    /// The target, password redacted.
    pub(crate) fn target(&self) -> &str {
        &self.target
    }

    /// The highest migration applied.
    pub async fn schema_version(&self) -> Result<i64, SyncError> {
        match &self.inner {
            Backend::Sqlite(s) => s.schema_version().await,
            Backend::Postgres(s) => s.schema_version().await,
        }
    }

    /// Runs one query that only reads (a report's aggregate, say) and returns its rows, each
    /// column as text (`NULL` as `None`). `params` are bound as text to `$1`, `$2`, … (in
    /// PostgreSQL cast them where text will not do: `$1::text::timestamptz`). PostgreSQL runs it in
    /// a read-only transaction, and its columns must be text (`sum(x)::text`); SQLite gives
    /// a number as its text.
    ///
    /// ```
    /// use conversations_sync::{Store, Target};
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let dir = tempfile::tempdir().unwrap();
    /// let target: Target = format!("sqlite:{}", dir.path().join("c.db").display()).parse().unwrap();
    /// let store = Store::open(&target).await.unwrap();
    /// let rows = store.read_text("SELECT count(*), $1 FROM conversations", &["x"]).await.unwrap();
    /// assert_eq!(rows, [[Some("0".to_owned()), Some("x".to_owned())]]);
    /// # });
    /// ```
    pub async fn read_text(
        &self,
        sql: &str,
        params: &[&str],
    ) -> Result<Vec<Vec<Option<String>>>, SyncError> {
        match &self.inner {
            Backend::Sqlite(s) => s.read_text(sql, params).await,
            Backend::Postgres(s) => s.read_text(sql, params).await,
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

    /// The saved state of `key`, if it was ever synced (its status as saved).
    pub async fn load(&self, key: &StreamKey) -> Result<Option<StreamState>, SyncError> {
        Ok(self
            .saved()
            .await?
            .into_iter()
            .find(|state| &state.key == key))
    }

    /// Every stream's state, by source and query. The status says `running` only while a
    /// live process holds the stream's lock (whatever was saved); a run saved as `running`
    /// whose lock nobody holds was stopped without ending (killed, its machine down) and
    /// shows as `interrupted`.
    pub async fn status(&self) -> Result<Vec<StreamState>, SyncError> {
        let mut streams = self.saved().await?;
        for state in &mut streams {
            if let Some(holder) = self.held(&state.key).await? {
                state.status = StreamStatus::Running;
                state.running = Some(holder.to_string());
            } else if state.status == StreamStatus::Running {
                state.status = StreamStatus::Interrupted;
                if state.message.is_none() {
                    state.message = Some(
                        "the last run stopped without ending (killed, or its machine went \
                         down); what it committed is kept: run the same command to resume"
                            .to_owned(),
                    );
                }
            }
        }
        Ok(streams)
    }

    /// Every stream's state as saved.
    async fn saved(&self) -> Result<Vec<StreamState>, SyncError> {
        let saved = match &self.inner {
            Backend::Sqlite(s) => s.status().await,
            Backend::Postgres(s) => s.status().await,
        }?;
        Ok(saved.into_iter().map(SavedState::typed).collect())
    }

    /// Who holds `key`'s lock, if a live process does.
    async fn held(&self, key: &StreamKey) -> Result<Option<Holder>, SyncError> {
        match &self.inner {
            Backend::Sqlite(s) => s.held(key),
            Backend::Postgres(s) => s.held(key).await,
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
        let state = match SavedState::of(state, &self.target) {
            Ok(state) => state,
            Err(e) => return Box::pin(std::future::ready(Err(e))),
        };
        match &self.inner {
            Backend::Sqlite(s) => s.spawn_commit(rows, state, first),
            Backend::Postgres(s) => s.spawn_commit(rows, state, first),
        }
    }
}

/// Every stream's state, in [`StreamState`]'s order of fields (the same SQL for both backends).
pub(crate) const STATUS_SQL: &str = "SELECT source, query, resume, high_water, last_status,
        last_started_at, last_finished_at, last_records, last_pages, last_inserted,
        last_updated, last_unchanged, last_with_notes, last_message, last_collisions,
        last_failed, failed_ids
    FROM sync_streams ORDER BY source, query";

/// Saves one stream's state: `$1` … `$17` in [`STATUS_SQL`]'s order (SQLite numbers `$n`
/// parameters in order of appearance, as PostgreSQL does).
pub(crate) const SAVE_STATE_SQL: &str = "INSERT INTO sync_streams (source, query, resume,
        high_water, last_status, last_started_at, last_finished_at, last_records, last_pages,
        last_inserted, last_updated, last_unchanged, last_with_notes, last_message,
        last_collisions, last_failed, failed_ids)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
    ON CONFLICT (source, query) DO UPDATE SET
        resume = excluded.resume, high_water = excluded.high_water,
        last_status = excluded.last_status, last_started_at = excluded.last_started_at,
        last_finished_at = excluded.last_finished_at, last_records = excluded.last_records,
        last_pages = excluded.last_pages, last_inserted = excluded.last_inserted,
        last_updated = excluded.last_updated, last_unchanged = excluded.last_unchanged,
        last_with_notes = excluded.last_with_notes, last_message = excluded.last_message,
        last_collisions = excluded.last_collisions, last_failed = excluded.last_failed,
        failed_ids = excluded.failed_ids";

/// A stream's failed ids as saved (`sync_streams.failed_ids`): JSON, `NULL` for none.
pub(crate) fn failed_text(failed: &[FailedId]) -> Option<String> {
    if failed.is_empty() {
        None
    } else {
        serde_json::to_string(failed).ok()
    }
}

/// A stream's failed ids read back. An unreadable list (edited by hand) is an error that
/// says how to forget it: `--full-refresh` does not (it restarts walks, not this list).
pub(crate) fn failed_from(
    text: Option<&str>,
    target: &str,
    key: &StreamKey,
) -> Result<Vec<FailedId>, SyncError> {
    match text {
        None => Ok(Vec::new()),
        Some(text) => serde_json::from_str(text).map_err(|e| SyncError::Database {
            target: target.to_owned(),
            doing: "reading the failed ids",
            message: format!(
                "sync_streams.failed_ids of {key} is unreadable ({e}); set it to NULL to \
                 forget those ids"
            ),
        }),
    }
}

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
