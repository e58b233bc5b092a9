//! PostgreSQL: one connection for writes, each batch in one transaction with the stream's
//! state ([`batch`]: new keys copied straight in, known ones merged); `raw`, `notes` and
//! `metadata` as `jsonb`. A stream's lock is a session advisory lock on
//! a connection of its own, so the server drops it when the holder dies; the holder's host,
//! pid and start time sit in `sync_locks` for the next contender to read.

use std::sync::Arc;

use conversations_transport::Redactor;
use tokio_postgres::Client;

use super::{Holder, RunCounts, SavedState, StreamKey};
use crate::error::SyncError;
use crate::row::Row;
use crate::target::PostgresUrl;

mod batch;
pub(crate) mod connect;
mod payload;
mod repair;

/// The advisory lock every migration runs under, so two machines migrate one at a time.
const MIGRATION_LOCK: i64 = 0x636f_6e76_7379_6e63; // "convsync"

pub(super) struct PgStore {
    url: PostgresUrl,
    /// The connection string resolved, with its TLS connector.
    link: Arc<connect::Link>,
    /// Whether the first connection is encrypted, and with what (`-v`, `--status`).
    encryption: String,
    schema: Option<String>,
    /// The database and schema the tables live in: advisory locks are per database, so
    /// this is part of every lock's name (syncs into different schemas never collide).
    scope: String,
    /// The connections batches are written through (the first also reads the state).
    writers: batch::Writers,
}

/// A held advisory lock: its own connection, closed (and the lock released) on drop.
pub(crate) struct PgLock {
    client: Client,
    id: i64,
}

impl PgLock {
    /// Releases the lock now (dropping it releases it too, once the server notices the
    /// connection closed).
    pub(crate) async fn release(self) {
        let _ = self
            .client
            .execute("SELECT pg_advisory_unlock($1)", &[&self.id])
            .await;
    }
}

fn db_error(url: &PostgresUrl, doing: &'static str) -> impl Fn(tokio_postgres::Error) -> SyncError {
    let target = url.to_string();
    let redactor = url.redactor();
    move |e| SyncError::Database {
        target: target.clone(),
        doing,
        message: pg_message(&redactor, &e),
    }
}

/// The server's message (with its detail) when there is one, else the driver's; never the
/// password, whatever either echoes.
fn pg_message(redactor: &Redactor, e: &tokio_postgres::Error) -> String {
    let message = match e.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{} ({detail})", db.message()),
            None => db.message().to_owned(),
        },
        None => e.to_string(),
    };
    // On one line: the server's messages and details may span several.
    let redacted = redactor.redact_string(message);
    redacted.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn connect(link: &connect::Link, schema: Option<&str>) -> Result<Client, SyncError> {
    let client = link.connect().await?;
    if let Some(schema) = schema {
        // Created only when missing: a role with no CREATE on the database may use a schema
        // made for it (CREATE SCHEMA IF NOT EXISTS checks that right first).
        let exists: bool = client
            .query_one(
                // The server cuts a name to 63 bytes (with a notice); a `name`
                // parameter longer than that would be an error instead.
                "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname::text = left($1, 63))",
                &[&schema],
            )
            .await
            .map_err(db_error(&link.url, "selecting the schema"))?
            .get(0);
        let create = if exists {
            String::new()
        } else {
            format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\"; ")
        };
        client
            .batch_execute(&format!("{create}SET search_path TO \"{schema}\""))
            .await
            .map_err(db_error(&link.url, "selecting the schema"))?;
    }
    Ok(client)
}

impl PgStore {
    /// Opens the database at `url` (tables in `schema`, created if missing, when given) and
    /// migrates it. Without `create`, a database (or schema) where no sync made its tables is
    /// [`SyncError::NotSynced`] and left as it was.
    pub(super) async fn open_in(
        url: &PostgresUrl,
        schema: Option<&str>,
        create: bool,
    ) -> Result<Self, SyncError> {
        if let Some(schema) = schema
            && (schema.is_empty()
                || !schema
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
        {
            return Err(SyncError::BadTarget {
                reason: format!("schema {schema:?}: use lowercase letters, digits and _"),
            });
        }
        let link = connect::Link::new(url)?;
        let mut client = connect(&link, schema).await?;
        let encryption = link.encryption(&client).await;
        tracing::info!(
            server = %link.server(),
            application_name = link.resolved.config.get_application_name().unwrap_or_default(),
            encryption = %encryption,
            "connected to PostgreSQL"
        );
        if !create && version(&client, url).await?.is_none() {
            return Err(SyncError::NotSynced {
                target: url.to_string(),
                what: "no sync tables in this database (or schema)",
            });
        }
        migrate(&mut client, url, super::SCHEMA_VERSION).await?;
        let scope_row = client
            .query_one(
                "SELECT current_database()::text, current_schema()::text",
                &[],
            )
            .await
            .map_err(db_error(url, "reading the current schema"))?;
        let scope = format!(
            "{}.{}",
            scope_row.get::<_, Option<String>>(0).unwrap_or_default(),
            scope_row.get::<_, Option<String>>(1).unwrap_or_default()
        );
        let writers = batch::Writers::open(&link, schema, client).await?;
        Ok(Self {
            url: url.clone(),
            link,
            encryption,
            schema: schema.map(str::to_owned),
            scope,
            writers,
        })
    }

    /// The server, database and role, how the connection is encrypted, and the schema the
    /// tables are in: `127.0.0.1:5432, database crm, user sync, TLSv1.3 …, schema public`.
    pub(super) fn server(&self) -> String {
        let schema = self.scope.split_once('.').map_or("", |(_, s)| s);
        format!(
            "{}, {}, schema {schema}",
            self.link.server(),
            self.encryption
        )
    }

    /// What libpq would have warned about while connecting.
    pub(super) fn warnings(&self) -> &[String] {
        &self.link.resolved.warnings
    }

    /// [`Store::read_text`](super::Store::read_text), in a read-only transaction.
    pub(super) async fn read_text(
        &self,
        sql: &str,
        params: &[&str],
    ) -> Result<Vec<Vec<Option<String>>>, SyncError> {
        let err = db_error(&self.url, "running a read-only query");
        let mut client = self.writers.reader().await;
        let tx = client
            .build_transaction()
            .read_only(true)
            .start()
            .await
            .map_err(&err)?;
        let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = params
            .iter()
            .map(|p| p as &(dyn tokio_postgres::types::ToSql + Sync))
            .collect();
        let rows = tx.query(sql, &params).await.map_err(&err)?;
        tx.commit().await.map_err(&err)?;
        rows.iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| r.try_get::<_, Option<String>>(i))
                    .collect::<Result<Vec<_>, _>>()
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(&err)
    }

    pub(super) async fn schema_version(&self) -> Result<i64, SyncError> {
        let client = self.writers.reader().await;
        let row = client
            .query_one(
                "SELECT coalesce(max(version), 0)::bigint FROM sync_migrations",
                &[],
            )
            .await
            .map_err(db_error(&self.url, "reading the schema version"))?;
        Ok(row.get(0))
    }

    /// The advisory lock's id of `key`'s stream. Advisory locks are per database: the
    /// schema is part of the lock's name.
    fn lock_id(&self, key: &StreamKey) -> i64 {
        StreamKey {
            source: key.source.clone(),
            query: format!("{}\0{}", key.query, self.scope),
        }
        .lock_id()
    }

    /// Who holds `key`'s advisory lock, if a live session does (read from `pg_locks`, taking
    /// nothing; the holder wrote its host, pid and start in `sync_locks`).
    pub(super) async fn held(&self, key: &StreamKey) -> Result<Option<Holder>, SyncError> {
        let id = self.lock_id(key);
        // A bigint advisory key shows as its high half in classid, its low half in objid.
        let (high, low) = ((id >> 32) & 0xffff_ffff, id & 0xffff_ffff);
        let client = self.writers.reader().await;
        let row = client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_locks
                     WHERE locktype = 'advisory' AND granted AND objsubid = 1
                       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                       AND classid::bigint = $1 AND objid::bigint = $2)",
                &[&high, &low],
            )
            .await
            .map_err(db_error(&self.url, "reading who holds the stream's lock"))?;
        if !row.get::<_, bool>(0) {
            return Ok(None);
        }
        let holder = client
            .query_opt(
                "SELECT host, pid, since FROM sync_locks WHERE source = $1 AND query = $2",
                &[&key.source, &key.query],
            )
            .await
            .map_err(db_error(&self.url, "reading who holds the stream's lock"))?
            .map(|r| Holder {
                host: r.get(0),
                pid: u32::try_from(r.get::<_, i64>(1)).unwrap_or(0),
                since: r.get(2),
            });
        Ok(Some(holder.unwrap_or_else(Holder::unknown)))
    }

    pub(super) async fn lock(&self, key: &StreamKey) -> Result<PgLock, SyncError> {
        let client = connect(&self.link, self.schema.as_deref()).await?;
        let err = db_error(&self.url, "taking the stream's advisory lock");
        let id = self.lock_id(key);
        let got: bool = client
            .query_one("SELECT pg_try_advisory_lock($1)", &[&id])
            .await
            .map_err(&err)?
            .get(0);
        if !got {
            let holder = client
                .query_opt(
                    "SELECT host, pid, since FROM sync_locks WHERE source = $1 AND query = $2",
                    &[&key.source, &key.query],
                )
                .await
                .map_err(&err)?
                .map(|r| Holder {
                    host: r.get(0),
                    pid: u32::try_from(r.get::<_, i64>(1)).unwrap_or(0),
                    since: r.get(2),
                });
            return Err(Holder::refusal(key, holder));
        }
        let me = Holder::me();
        client
            .execute(
                "INSERT INTO sync_locks (source, query, host, pid, since) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (source, query) DO UPDATE
                 SET host = excluded.host, pid = excluded.pid, since = excluded.since",
                &[&key.source, &key.query, &me.host, &i64::from(me.pid), &me.since],
            )
            .await
            .map_err(&err)?;
        Ok(PgLock { client, id })
    }

    pub(super) async fn status(&self) -> Result<Vec<SavedState>, SyncError> {
        let client = self.writers.reader().await;
        let rows = client
            .query(super::STATUS_SQL, &[])
            .await
            .map_err(db_error(&self.url, "reading the sync state"))?;
        let target = self.url.to_string();
        rows.iter()
            .map(|r| {
                let n = |i: usize| r.get::<_, i64>(i).max(0) as u64;
                let key = StreamKey {
                    source: r.get(0),
                    query: r.get(1),
                };
                let failed = super::failed_from(r.get::<_, Option<&str>>(16), &target, &key)?;
                Ok(SavedState {
                    key,
                    resume: r.get(2),
                    high_water: r.get(3),
                    status: r.get(4),
                    started_at: r.get(5),
                    finished_at: r.get(6),
                    counts: RunCounts {
                        records: n(7),
                        pages: n(8),
                        inserted: n(9),
                        updated: n(10),
                        unchanged: n(11),
                        with_notes: n(12),
                        collisions: n(14),
                        failed: n(15),
                    },
                    message: r.get(13),
                    failed,
                })
            })
            .collect()
    }

    pub(super) fn spawn_commit(
        &self,
        rows: Vec<Row>,
        state: SavedState,
        first: bool,
    ) -> super::Commit {
        self.writers.spawn(rows, state, first)
    }

    /// Batches a sync may have in flight at once.
    pub(super) fn in_flight(&self) -> usize {
        self.writers.in_flight()
    }
}

/// The schema version of the tables in the current schema: `None` when no sync made them.
async fn version(
    client: &impl tokio_postgres::GenericClient,
    url: &PostgresUrl,
) -> Result<Option<i64>, SyncError> {
    let err = db_error(url, "reading the schema version");
    let ours: bool = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = current_schema() AND c.relname = 'sync_migrations')",
            &[],
        )
        .await
        .map_err(&err)?
        .get(0);
    if !ours {
        return Ok(None);
    }
    let row = client
        .query_one(
            "SELECT coalesce(max(version), 0)::bigint FROM sync_migrations",
            &[],
        )
        .await
        .map_err(&err)?;
    Ok(Some(row.get(0)))
}

/// Reads the schema version and refuses, changing nothing, a database migrated by a newer
/// build ([`SyncError::NewerSchema`]) or one with a table of the sync's name in the current
/// schema that no sync made ([`SyncError::ForeignTable`]).
async fn preflight(
    client: &impl tokio_postgres::GenericClient,
    url: &PostgresUrl,
) -> Result<Option<i64>, SyncError> {
    let version = version(client, url).await?;
    match version {
        Some(found) if found > super::SCHEMA_VERSION => Err(SyncError::NewerSchema {
            target: url.to_string(),
            found,
            known: super::SCHEMA_VERSION,
        }),
        Some(_) => Ok(version),
        None => {
            let taken = client
                .query_opt(
                    // pg_class, not information_schema: every relation of the name (a
                    // view, an index) is in the way, whoever may read it.
                    "SELECT c.relname::text FROM pg_class c
                     JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname = current_schema()
                       AND c.relname IN ('conversations', 'sync_streams', 'sync_locks',
                                         'conversations_created_at')
                     ORDER BY c.relname LIMIT 1",
                    &[],
                )
                .await
                .map_err(db_error(url, "reading the schema version"))?;
            match taken {
                Some(row) => Err(SyncError::ForeignTable {
                    target: url.to_string(),
                    table: row.get(0),
                }),
                None => Ok(None),
            }
        }
    }
}

/// Applies the migrations up to version `up_to` that are not applied yet, all in one
/// transaction under an advisory lock (two machines migrate one at a time): a failure leaves
/// the database as it was (PostgreSQL's schema changes are transactional).
async fn migrate(client: &mut Client, url: &PostgresUrl, up_to: i64) -> Result<(), SyncError> {
    let err = db_error(url, "migrating the tables");
    // Up to date already: read only, no lock taken.
    if preflight(client, url).await?.is_some_and(|v| v >= up_to) {
        return Ok(());
    }
    let tx = client.transaction().await.map_err(&err)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(&err)?;
    // Again, under the lock: another machine may have migrated meanwhile.
    let current = preflight(&tx, url).await?.unwrap_or(0);
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS sync_migrations (
            version bigint PRIMARY KEY,
            description text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )",
    )
    .await
    .map_err(&err)?;
    for m in super::migrations::postgres()
        .into_iter()
        .filter(|m| m.version > current && m.version <= up_to)
    {
        tx.batch_execute(m.sql).await.map_err(&err)?;
        tx.execute(
            "INSERT INTO sync_migrations (version, description) VALUES ($1, $2)",
            &[&m.version, &m.description],
        )
        .await
        .map_err(&err)?;
    }
    tx.commit().await.map_err(&err)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn the_last_migration_is_the_schema_version() {
        assert_eq!(
            super::super::migrations::postgres()
                .last()
                .map(|m| m.version),
            Some(super::super::SCHEMA_VERSION)
        );
    }

    /// The test server of every machine (`CONVERSATIONS_TEST_PG`), like the other tests.
    fn test_url() -> PostgresUrl {
        let url = std::env::var("CONVERSATIONS_TEST_PG")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        match url.parse::<crate::Target>().unwrap() {
            crate::Target::Postgres(url) => url,
            crate::Target::Sqlite(_) => panic!("CONVERSATIONS_TEST_PG is not a postgres:// URL"),
        }
    }

    /// A schema of the test server to migrate in: `client` connected inside it, `admin`
    /// outside it (to drop it).
    struct Scratch {
        url: PostgresUrl,
        schema: String,
        admin: Client,
        client: Client,
    }

    impl Scratch {
        /// Schema `NAME_PID` (dropped first, if a run before this one left it), migrated up to
        /// `version`.
        async fn at_version(name: &str, version: i64) -> Self {
            let url = test_url();
            let schema = format!("{name}_{}", std::process::id());
            let link = connect::Link::new(&url).unwrap();
            let admin = connect(&link, None).await.unwrap();
            admin
                .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .await
                .unwrap();
            let mut client = connect(&link, Some(&schema)).await.unwrap();
            migrate(&mut client, &url, version).await.unwrap();
            Self {
                url,
                schema,
                admin,
                client,
            }
        }

        /// Drops the schema, then the connection inside it.
        async fn remove(self) {
            self.admin
                .batch_execute(&format!("DROP SCHEMA {} CASCADE", self.schema))
                .await
                .unwrap();
            drop(self.client);
        }
    }

    #[tokio::test]
    async fn a_version_1_database_gets_its_provider_column_filled() {
        let mut scratch = Scratch::at_version("unit_migrate", 1).await;
        scratch
            .client
            .batch_execute(
                "INSERT INTO conversations (source, key, metadata, raw, raw_hash, first_seen, last_seen)
                 VALUES ('autocalls', 'c-1', '{}', '{}', 'h', now(), now())",
            )
            .await
            .unwrap();
        migrate(
            &mut scratch.client,
            &scratch.url,
            super::super::SCHEMA_VERSION,
        )
        .await
        .unwrap();
        let row = scratch
            .client
            .query_one(
                "SELECT provider, (SELECT count(*) FROM sync_migrations) FROM conversations",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(row.get::<_, String>(0), "autocalls");
        assert_eq!(row.get::<_, i64>(1), super::super::SCHEMA_VERSION);
        scratch.remove().await;
    }

    #[tokio::test]
    async fn a_version_7_database_gets_its_business_names_from_raw() {
        let mut scratch = Scratch::at_version("unit_migrate_v7", 7).await;
        scratch
            .client
            .batch_execute(
                r#"INSERT INTO conversations (source, key, provider, metadata, raw, raw_hash, first_seen, last_seen) VALUES
                   ('acme', 'c-1', 'autocalls', '{}', '{"whatsapp_sender":{"name":"Acme Ltd","phone":"+1"}}', 'h', now(), now()),
                   ('autocalls', 'c-2', 'autocalls', '{}', '{"whatsapp_sender":{"name":7}}', 'h', now(), now()),
                   ('asapp', 'c-3', 'asapp', '{}', '{"whatsapp_sender":{"name":"x"}}', 'h', now(), now())"#,
            )
            .await
            .unwrap();
        migrate(&mut scratch.client, &scratch.url, 8).await.unwrap();
        let names: Vec<(String, Option<String>, Option<String>)> = scratch
            .client
            .query(
                "SELECT key, business_name, business_external_id FROM conversations ORDER BY key",
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        assert_eq!(
            names,
            [
                ("c-1".to_owned(), Some("Acme Ltd".to_owned()), None),
                ("c-2".to_owned(), None, None),
                ("c-3".to_owned(), None, None),
            ]
        );
        scratch.remove().await;
    }
}
