//! SQLite: one file, WAL journal, writes on a blocking thread so fetching goes on meanwhile.
//! A stream's lock is an OS file lock beside the database (released by the kernel when the
//! holder dies, even by SIGKILL), holding the holder's host, pid and start time.

use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use fs4::fs_std::FileExt;
use rusqlite::{Connection, OptionalExtension, params};

use super::{Holder, RunCounts, SavedState, StreamKey, Written, plus};
use crate::error::SyncError;
use crate::row::{COLUMNS, Row, time_text};

mod checkpoint;

use checkpoint::Checkpointer;

pub(super) struct SqliteStore {
    /// Declared first: dropped (its thread ended) before the writer's connection closes.
    checkpointer: Option<Checkpointer>,
    path: PathBuf,
    conn: Arc<Mutex<Connection>>,
    /// The order batches commit in: each waits for the one started before it, and writes
    /// nothing if that one failed.
    turns: super::turns::Turns,
}

fn db_error(path: &Path, doing: &'static str) -> impl Fn(rusqlite::Error) -> SyncError + use<> {
    let target = format!("sqlite:{}", path.display());
    move |e| SyncError::Database {
        target: target.clone(),
        doing,
        message: one_line(&e.to_string()),
    }
}

/// The first `width` columns of `row` as text, as [`Store::read_text`](super::Store::read_text)
/// gives them: NULL as `None`, numbers in their decimal form, text (and blobs) as they are
/// (invalid UTF-8 replaced).
pub fn row_text(row: &rusqlite::Row<'_>, width: usize) -> rusqlite::Result<Vec<Option<String>>> {
    (0..width)
        .map(|i| {
            Ok(match row.get_ref(i)? {
                rusqlite::types::ValueRef::Null => None,
                rusqlite::types::ValueRef::Integer(n) => Some(n.to_string()),
                rusqlite::types::ValueRef::Real(x) => Some(x.to_string()),
                rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                    Some(String::from_utf8_lossy(t).into_owned())
                }
            })
        })
        .collect()
}

/// How every connection opens the file: read-write, created only when asked, and its name a
/// plain path, never a `file:` URI (which could name an in-memory database).
fn flags(create: bool) -> rusqlite::OpenFlags {
    let flags =
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags | rusqlite::OpenFlags::SQLITE_OPEN_CREATE
    } else {
        flags
    }
}

impl SqliteStore {
    /// Opens the database at `path` and migrates it. With `create`, a missing file is created;
    /// without, a missing file or one no sync wrote is [`SyncError::NotSynced`] and left as it
    /// was.
    pub(super) async fn open(path: &Path, create: bool) -> Result<Self, SyncError> {
        let path = path.to_path_buf();
        let opened = path.clone();
        let (conn, checkpointer) = tokio::task::spawn_blocking(move || -> Result<_, SyncError> {
            let target = format!("sqlite:{}", opened.display());
            let connect = |e: rusqlite::Error| SyncError::Connect {
                target: target.clone(),
                message: one_line(&e.to_string()),
            };
            if !create && !opened.exists() {
                return Err(SyncError::NotSynced {
                    target,
                    what: "no such file",
                });
            }
            let mut conn = Connection::open_with_flags(&opened, flags(create)).map_err(connect)?;
            conn.busy_timeout(std::time::Duration::from_secs(30))
                .map_err(connect)?;
            // 64 KiB pages (for a new database; an existing one keeps its own): a sync writes
            // rows of about 1 KB by the thousand, and every page a batch dirties is written
            // to the WAL and back; with 16 times fewer, larger pages a batch costs a third
            // less (BENCHMARKS.md). Readers scan whole tables for reports, which big pages
            // suit too. (Set before the first read, which fixes an empty file's page size;
            // it writes nothing.)
            conn.pragma_update(None, "page_size", 65_536)
                .map_err(connect)?;
            // Before anything changes the file (its journal mode, its tables): a database of
            // another application or of a newer version is refused as it is.
            let version = preflight(&conn, &opened)?;
            if !create && version.is_none() {
                return Err(SyncError::NotSynced {
                    target,
                    what: "no sync tables in it",
                });
            }
            // WAL: readers never block the sync; NORMAL: every commit survives a process
            // kill (only a power cut may lose the last ones, never half of one).
            conn.pragma_update(None, "journal_mode", "WAL")
                .map_err(connect)?;
            conn.pragma_update(None, "synchronous", "NORMAL")
                .map_err(connect)?;
            // The primary key's index takes random keys (provider ids): a batch touches
            // pages all over it. A page cache that holds it spares re-reading them. The WAL
            // is truncated back to 64 MB after a checkpoint.
            conn.pragma_update(None, "cache_size", -65_536)
                .map_err(connect)?;
            conn.pragma_update(None, "journal_size_limit", 67_108_864)
                .map_err(connect)?;
            migrate(&mut conn, &opened, super::SCHEMA_VERSION)?;
            let checkpointer = Checkpointer::start(&opened, &conn);
            Ok((conn, checkpointer))
        })
        .await
        .map_err(|e| SyncError::Connect {
            target: format!("sqlite:{}", path.display()),
            message: e.to_string(),
        })??;
        Ok(Self {
            checkpointer,
            path,
            conn: Arc::new(Mutex::new(conn)),
            turns: Default::default(),
        })
    }

    /// Runs `f` on the connection on a blocking thread.
    async fn with<T: Send + 'static>(
        &self,
        doing: &'static str,
        f: impl FnOnce(&mut Connection, &Path) -> Result<T, SyncError> + Send + 'static,
    ) -> Result<T, SyncError> {
        let conn = Arc::clone(&self.conn);
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().map_err(|_| SyncError::Database {
                target: format!("sqlite:{}", path.display()),
                doing,
                message: "a previous write panicked".to_owned(),
            })?;
            f(&mut guard, &path)
        })
        .await
        .map_err(|e| SyncError::Database {
            target: format!("sqlite:{}", self.path.display()),
            doing,
            message: e.to_string(),
        })?
    }

    /// [`Store::read_text`](super::Store::read_text) on the writer's connection.
    pub(super) async fn read_text(
        &self,
        sql: &str,
        params: &[&str],
    ) -> Result<Vec<Vec<Option<String>>>, SyncError> {
        let sql = sql.to_owned();
        let params: Vec<String> = params.iter().map(|p| (*p).to_owned()).collect();
        self.with("running a query", move |conn, path| {
            let err = db_error(path, "running a query");
            let mut stmt = conn.prepare(&sql).map_err(&err)?;
            let width = stmt.column_count();
            let rows = stmt
                .query_map(rusqlite::params_from_iter(params.iter()), |r| {
                    row_text(r, width)
                })
                .map_err(&err)?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(&err)
        })
        .await
    }

    pub(super) async fn schema_version(&self) -> Result<i64, SyncError> {
        self.with("reading the schema version", |conn, path| {
            conn.query_row(
                "SELECT coalesce(max(version), 0) FROM sync_migrations",
                [],
                |r| r.get(0),
            )
            .map_err(db_error(path, "reading the schema version"))
        })
        .await
    }

    /// The lock file of `key`'s stream, beside the database.
    fn lock_path(&self, key: &StreamKey) -> PathBuf {
        let name = format!(
            "{}.sync-{:016x}.lock",
            self.path.file_name().map_or_else(
                || "conversations.db".into(),
                |n| n.to_string_lossy().into_owned()
            ),
            key.lock_id()
        );
        self.path.with_file_name(name)
    }

    /// Who holds `key`'s lock, if a live process does: a shared lock on its file is refused
    /// while it does (the probe holds one for an instant, never creating the file); the
    /// holder wrote its host, pid and start in the file.
    pub(super) fn held(&self, key: &StreamKey) -> Result<Option<Holder>, SyncError> {
        let lock_path = self.lock_path(key);
        let mut file = match std::fs::File::open(&lock_path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(SyncError::Database {
                    target: format!("sqlite:{}", self.path.display()),
                    doing: "reading the stream's lock file",
                    message: format!("{}: {e}", lock_path.display()),
                });
            }
        };
        let got = FileExt::try_lock_shared(&file).map_err(|e| SyncError::Database {
            target: format!("sqlite:{}", self.path.display()),
            doing: "reading the stream's lock file",
            message: format!("{}: {e}", lock_path.display()),
        })?;
        if got {
            return Ok(None);
        }
        let mut text = String::new();
        let _ = file.read_to_string(&mut text);
        Ok(Some(
            serde_json::from_str(&text).unwrap_or_else(|_| Holder::unknown()),
        ))
    }

    pub(super) fn lock(&self, key: &StreamKey) -> Result<std::fs::File, SyncError> {
        let lock_path = self.lock_path(key);
        let io = |e: std::io::Error| SyncError::Database {
            target: format!("sqlite:{}", self.path.display()),
            doing: "taking the stream's lock file",
            message: format!("{}: {e}", lock_path.display()),
        };
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(io)?;
        if !FileExt::try_lock_exclusive(&file).map_err(io)? {
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            return Err(Holder::refusal(key, serde_json::from_str(&text).ok()));
        }
        let me = serde_json::to_string(&Holder::me()).unwrap_or_default();
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        file.write_all(me.as_bytes()).map_err(io)?;
        file.flush().map_err(io)?;
        Ok(file)
    }

    pub(super) async fn status(&self) -> Result<Vec<SavedState>, SyncError> {
        self.with("reading the sync state", |conn, path| {
            let err = db_error(path, "reading the sync state");
            let target = format!("sqlite:{}", path.display());
            let mut stmt = conn.prepare(super::STATUS_SQL).map_err(&err)?;
            let rows = stmt
                .query_map([], |r| {
                    let n = |i: usize| r.get::<_, i64>(i).map(|v| v.max(0) as u64);
                    let key = StreamKey {
                        source: r.get(0)?,
                        query: r.get(1)?,
                    };
                    let failed: Option<String> = r.get(16)?;
                    let state = SavedState {
                        key,
                        resume: r.get(2)?,
                        high_water: r.get(3)?,
                        status: r.get(4)?,
                        started_at: r.get(5)?,
                        finished_at: r.get(6)?,
                        counts: RunCounts {
                            records: n(7)?,
                            pages: n(8)?,
                            inserted: n(9)?,
                            updated: n(10)?,
                            unchanged: n(11)?,
                            with_notes: n(12)?,
                            collisions: n(14)?,
                            failed: n(15)?,
                        },
                        message: r.get(13)?,
                        failed: Vec::new(),
                    };
                    Ok((state, failed))
                })
                .map_err(&err)?;
            let rows = rows.collect::<Result<Vec<_>, _>>().map_err(&err)?;
            rows.into_iter()
                .map(|(mut state, failed)| {
                    state.failed = super::failed_from(failed.as_deref(), &target, &state.key)?;
                    Ok(state)
                })
                .collect()
        })
        .await
    }

    /// Batches a sync may have going at once: one writing, the next one waiting for it,
    /// already built, so that the walk never waits for a batch to be written before it can
    /// hand over the next.
    pub(super) const IN_FLIGHT: usize = 2;

    /// Writes `rows` and `state` in one transaction on a blocking thread, after the batch
    /// started before it (unless this is a run's `first`) has committed; if that one failed,
    /// this one writes nothing.
    pub(super) fn spawn_commit(
        &self,
        rows: Vec<Row>,
        state: SavedState,
        first: bool,
    ) -> super::Commit {
        let conn = Arc::clone(&self.conn);
        let path = self.path.clone();
        let nudge = self.checkpointer.as_ref().and_then(Checkpointer::nudge);
        let (before, done) = self.turns.take(first);
        let handle = tokio::task::spawn_blocking(move || -> Result<_, SyncError> {
            let failed = |message: &str| SyncError::Database {
                target: format!("sqlite:{}", path.display()),
                doing: "writing a batch",
                message: message.to_owned(),
            };
            if let Some(before) = before
                && before.blocking_recv() != Ok(true)
            {
                return Err(failed("the batch before it was not written"));
            }
            let written = (|| {
                let err = db_error(&path, "writing a batch");
                let mut conn = conn
                    .lock()
                    .map_err(|_| failed("a previous write panicked"))?;
                let tx = conn
                    .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                    .map_err(&err)?;
                let now = time_text(&chrono::Utc::now());
                let written = upsert(&tx, &rows, &now).map_err(&err)?;
                save_state(&tx, &state, plus(state.counts, written)).map_err(&err)?;
                tx.commit().map_err(&err)?;
                Ok(written)
            })();
            let _ = done.send(written.is_ok());
            if let (Some(nudge), true) = (nudge, written.is_ok()) {
                nudge.committed();
            }
            // The rows go back to be freed by the caller, off this thread: the writer is the
            // slowest stage of a sync.
            written.map(|written| (written, rows))
        });
        let target = format!("sqlite:{}", self.path.display());
        Box::pin(async move {
            let (written, rows) = handle.await.map_err(|e| SyncError::Database {
                target,
                doing: "writing a batch",
                message: e.to_string(),
            })??;
            drop(rows);
            Ok(written)
        })
    }
}

/// A database error's text on one line (SQLite quotes statements with their newlines).
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The schema version of the database `conn` is open on: `None` when no sync made its tables.
fn version(conn: &Connection, path: &Path) -> Result<Option<i64>, SyncError> {
    let err = db_error(path, "reading the schema version");
    let ours: bool = conn
        .query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'sync_migrations'",
            [],
            |r| r.get(0),
        )
        .map_err(&err)?;
    if !ours {
        return Ok(None);
    }
    conn.query_row(
        "SELECT coalesce(max(version), 0) FROM sync_migrations",
        [],
        |r| r.get(0),
    )
    .map(Some)
    .map_err(&err)
}

/// Reads the schema version and refuses, changing nothing, a database migrated by a newer
/// build ([`SyncError::NewerSchema`]) or one with a table of the sync's name that no sync
/// made ([`SyncError::ForeignTable`]).
fn preflight(conn: &Connection, path: &Path) -> Result<Option<i64>, SyncError> {
    let target = || format!("sqlite:{}", path.display());
    let version = version(conn, path)?;
    match version {
        Some(found) if found > super::SCHEMA_VERSION => Err(SyncError::NewerSchema {
            target: target(),
            found,
            known: super::SCHEMA_VERSION,
        }),
        Some(_) => Ok(version),
        None => {
            let taken: Option<String> = conn
                .query_row(
                    // What migration 1 creates here (SQLite has no sync_locks: its locks
                    // are files); triggers have names of their own and are no obstacle.
                    "SELECT name FROM sqlite_master WHERE type <> 'trigger'
                         AND name IN ('conversations', 'sync_streams', 'conversations_created_at')
                     ORDER BY name LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .optional()
                .map_err(db_error(path, "reading the schema version"))?;
            match taken {
                Some(table) => Err(SyncError::ForeignTable {
                    target: target(),
                    table,
                }),
                None => Ok(None),
            }
        }
    }
}

/// Applies the migrations up to version `up_to` that are not applied yet, all in one
/// transaction: a failure leaves the database as it was (SQLite's schema changes are
/// transactional).
fn migrate(conn: &mut Connection, path: &Path, up_to: i64) -> Result<(), SyncError> {
    let err = db_error(path, "migrating the tables");
    // Up to date already: read only, so a sync writing (or frozen mid-batch) elsewhere does
    // not hold this one up before it even reaches the stream's lock.
    if preflight(conn, path)?.is_some_and(|v| v >= up_to) {
        return Ok(());
    }
    // IMMEDIATE: two processes migrating at once apply each version once (the second reads
    // the version again once it has the write lock).
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(&err)?;
    let current = preflight(&tx, path)?.unwrap_or(0);
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS sync_migrations (
            version INTEGER PRIMARY KEY,
            description TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )",
    )
    .map_err(&err)?;
    for m in super::migrations::sqlite()
        .into_iter()
        .filter(|m| m.version > current && m.version <= up_to)
    {
        tx.execute_batch(m.sql).map_err(&err)?;
        tx.execute(
            "INSERT INTO sync_migrations (version, description, applied_at) VALUES (?1, ?2, ?3)",
            params![m.version, m.description, time_text(&chrono::Utc::now())],
        )
        .map_err(&err)?;
    }
    tx.commit().map_err(&err)
}

/// Upserts `rows`: a new key is inserted; a known key with other raw bytes gets every column
/// overwritten; a known key with the same bytes only has `last_seen` moved.
fn upsert(tx: &rusqlite::Transaction<'_>, rows: &[Row], now: &str) -> rusqlite::Result<Written> {
    let columns = COLUMNS.join(", ");
    let marks: Vec<String> = (1..=COLUMNS.len()).map(|i| format!("?{i}")).collect();
    let n = COLUMNS.len();
    let mut insert = tx.prepare_cached(&format!(
        "INSERT INTO conversations ({columns}, first_seen, last_seen)
         VALUES ({}, ?{}, ?{})
         ON CONFLICT (source, key) DO NOTHING",
        marks.join(", "),
        n + 1,
        n + 1
    ))?;
    let sets: Vec<String> = COLUMNS
        .iter()
        .enumerate()
        .skip(2)
        .map(|(i, c)| format!("{c} = ?{}", i + 1))
        .collect();
    let mut update = tx.prepare_cached(&format!(
        "UPDATE conversations SET {}, last_seen = ?{}
         WHERE source = ?1 AND key = ?2 AND raw_hash IS NOT ?{n}",
        sets.join(", "),
        n + 1
    ))?;
    let mut seen = tx
        .prepare_cached("UPDATE conversations SET last_seen = ?3 WHERE source = ?1 AND key = ?2")?;
    let mut written = Written::default();
    for row in rows {
        let r = row.values();
        let created = r.created_at.as_ref().map(time_text);
        let updated = r.updated_at.as_ref().map(time_text);
        let values: [&dyn rusqlite::ToSql; 28] = [
            &r.source,
            &r.key,
            &r.provider,
            &r.id,
            &r.external_id,
            &r.channel,
            &r.agent.role,
            &r.agent.id,
            &r.agent.external_id,
            &r.agent.name,
            &r.customer.id,
            &r.customer.external_id,
            &r.customer.name,
            &r.customer.phone,
            &r.business.id,
            &r.business.phone,
            &r.business.external_id,
            &r.business.name,
            &r.message_count,
            &r.total_cost,
            &r.ai_enabled,
            &created,
            &updated,
            &r.metadata,
            &r.raw,
            &r.notes,
            &r.raw_hash,
            &now,
        ];
        if insert.execute(&values[..])? == 1 {
            written.inserted += 1;
        } else if update.execute(&values[..])? == 1 {
            written.updated += 1;
        } else {
            seen.execute(params![r.source, r.key, now])?;
            written.unchanged += 1;
        }
    }
    Ok(written)
}

fn save_state(
    tx: &rusqlite::Transaction<'_>,
    state: &SavedState,
    counts: RunCounts,
) -> rusqlite::Result<()> {
    let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    tx.prepare_cached(super::SAVE_STATE_SQL)?.execute(params![
        state.key.source,
        state.key.query,
        state.resume,
        state.high_water,
        state.status,
        state.started_at,
        state.finished_at,
        n(counts.records),
        n(counts.pages),
        n(counts.inserted),
        n(counts.updated),
        n(counts.unchanged),
        n(counts.with_notes),
        state.message,
        n(counts.collisions),
        n(counts.failed),
        super::failed_text(&state.failed),
    ])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_last_migration_is_the_schema_version() {
        assert_eq!(
            super::super::migrations::sqlite().last().map(|m| m.version),
            Some(super::super::SCHEMA_VERSION)
        );
    }

    #[tokio::test]
    async fn a_new_database_has_large_pages_and_an_existing_one_keeps_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let page_size = |path: &Path| -> i64 {
            Connection::open(path)
                .unwrap()
                .pragma_query_value(None, "page_size", |r| r.get(0))
                .unwrap()
        };
        let new = dir.path().join("new.db");
        drop(SqliteStore::open(&new, true).await.unwrap());
        assert_eq!(page_size(&new), 65_536);
        let old = dir.path().join("old.db");
        Connection::open(&old)
            .unwrap()
            .execute_batch("CREATE TABLE other (x)")
            .unwrap();
        drop(SqliteStore::open(&old, true).await.unwrap());
        assert_eq!(page_size(&old), 4096);
    }

    #[test]
    fn a_version_1_database_gets_its_provider_column_filled() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.db");
        let mut conn = Connection::open(&path).unwrap();
        migrate(&mut conn, &path, 1).unwrap();
        conn.execute(
            "INSERT INTO conversations (source, key, metadata, raw, raw_hash, first_seen, last_seen)
             VALUES ('autocalls', 'c-1', '{}', '{}', 'h', 't', 't')",
            [],
        )
        .unwrap();
        migrate(&mut conn, &path, super::super::SCHEMA_VERSION).unwrap();
        let provider: String = conn
            .query_row("SELECT provider FROM conversations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(provider, "autocalls");
        let versions: i64 = conn
            .query_row("SELECT count(*) FROM sync_migrations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(versions, super::super::SCHEMA_VERSION);
    }

    #[test]
    fn a_version_7_database_gets_its_business_names_from_raw() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v7.db");
        let mut conn = Connection::open(&path).unwrap();
        migrate(&mut conn, &path, 7).unwrap();
        conn.execute_batch(
            r#"INSERT INTO conversations (source, key, provider, metadata, raw, raw_hash, first_seen, last_seen) VALUES
               ('acme', 'c-1', 'autocalls', '{}', '{"whatsapp_sender":{"name":"Acme Ltd","phone":"+1"}}', 'h', 't', 't'),
               ('autocalls', 'c-2', 'autocalls', '{}', '{"whatsapp_sender":{"name":7}}', 'h', 't', 't'),
               ('asapp', 'c-3', 'asapp', '{}', '{"whatsapp_sender":{"name":"not asapp"}}', 'h', 't', 't')"#,
        )
        .unwrap();
        migrate(&mut conn, &path, 8).unwrap();
        let names: Vec<(String, Option<String>, Option<String>)> = conn
            .prepare(
                "SELECT key, business_name, business_external_id FROM conversations ORDER BY key",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            names,
            [
                ("c-1".to_owned(), Some("Acme Ltd".to_owned()), None),
                ("c-2".to_owned(), None, None),
                ("c-3".to_owned(), None, None),
            ]
        );
    }

    #[test]
    fn a_migration_that_fails_leaves_every_pending_one_unapplied() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v5.db");
        let mut conn = Connection::open(&path).unwrap();
        migrate(&mut conn, &path, 5).unwrap();
        // Migration 7 will meet a column of its name (added by hand): it fails, after 6.
        conn.execute_batch("ALTER TABLE sync_streams ADD COLUMN last_failed INTEGER")
            .unwrap();
        let err = migrate(&mut conn, &path, super::super::SCHEMA_VERSION).unwrap_err();
        assert!(
            err.to_string()
                .contains("duplicate column name: last_failed"),
            "{err}"
        );
        assert!(!err.to_string().contains('\n'), "one line: {err}");
        let version: i64 = conn
            .query_row("SELECT max(version) FROM sync_migrations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, 5, "migration 6 rolled back with 7");
        let columns: i64 = conn
            .query_row(
                "SELECT count(*) FROM pragma_table_info('sync_streams') WHERE name = 'last_collisions'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(columns, 0);
    }
}
