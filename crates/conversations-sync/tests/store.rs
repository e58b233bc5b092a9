//! The store layer on both databases: upsert counts (inserted, updated, unchanged), idempotent
//! migrations, stable keys for id-less records, the per-stream lock, and a resumed walk
//! after a provider failure. PostgreSQL comes from `CONVERSATIONS_TEST_PG` (default
//! `postgres://postgres@127.0.0.1:5432/test`), each test in a schema of its own; an
//! unreachable server fails the test, naming the URL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use conversations_core::{
    Capabilities, Conversation, ConversationQuery, ConversationSource, Cursor, DecodeNote,
    Documented, Error, Found, MemorySource, NoteAction, Page, Participant, ParticipantRole,
    RawJson, Result as SourceResult,
};
use conversations_sync::{
    Outcome, Quiet, Store, SyncError, SyncOptions, Target, sync_listing, sync_lookup,
};

/// Where the tests' PostgreSQL is.
fn pg_url() -> String {
    std::env::var("CONVERSATIONS_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A fresh store: a SQLite file in a temp dir, or a fresh schema in the test PostgreSQL.
struct Db {
    target: Target,
    schema: Option<String>,
    _dir: tempfile::TempDir,
}

impl Db {
    fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let target = format!("sqlite:{}", dir.path().join("c.db").display())
            .parse()
            .unwrap();
        Self {
            target,
            schema: None,
            _dir: dir,
        }
    }

    fn postgres(test: &str) -> Self {
        let schema = format!("store_{test}_{}", std::process::id());
        Self {
            target: pg_url().parse().unwrap(),
            schema: Some(schema),
            _dir: tempfile::tempdir().unwrap(),
        }
    }

    async fn open(&self) -> Store {
        let opened = match &self.schema {
            Some(schema) => {
                // A fresh schema each run.
                if let Target::Postgres(_) = &self.target {
                    let (client, conn) = tokio_postgres::connect(&pg_url(), tokio_postgres::NoTls)
                        .await
                        .unwrap_or_else(|e| {
                            panic!(
                                "PostgreSQL is not reachable at {} ({e}): start it (see .ci/run) \
                                 or set CONVERSATIONS_TEST_PG",
                                self.target
                            )
                        });
                    tokio::spawn(conn);
                    client
                        .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
                        .await
                        .unwrap();
                }
                Store::open_in_schema(&self.target, schema).await
            }
            None => Store::open(&self.target).await,
        };
        opened.unwrap_or_else(|e| panic!("cannot open {}: {e}", self.target))
    }
}

fn record(id: Option<&str>, raw: &str) -> Conversation {
    let mut c = Conversation::new("memory", RawJson::parse(raw).unwrap());
    c.id = id.map(str::to_owned);
    c.created_at = Some(chrono::Utc::now());
    c
}

async fn sync(store: &Store, records: Vec<Conversation>) -> conversations_sync::Summary {
    let source: Arc<dyn ConversationSource> = Arc::new(MemorySource::new("memory", records));
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let summary = sync_listing(
        store,
        source,
        ConversationQuery::new(),
        &SyncOptions::default().full_refresh(true).batch_size(2),
        &mut Quiet,
        rx,
    )
    .await
    .unwrap();
    assert!(matches!(summary.outcome, Outcome::Complete), "{summary:?}");
    summary
}

async fn upsert_counts(db: Db) {
    let store = db.open().await;
    let first = sync(
        &store,
        vec![
            record(Some("a"), r#"{"id":"a","v":1}"#),
            record(Some("b"), r#"{"id":"b","v":1}"#),
            record(None, r#"{"no":"id"}"#),
        ],
    )
    .await;
    assert_eq!(
        (
            first.counts.inserted,
            first.counts.updated,
            first.counts.unchanged
        ),
        (3, 0, 0)
    );
    let second = sync(
        &store,
        vec![
            record(Some("a"), r#"{"id":"a","v":2}"#),
            record(Some("b"), r#"{"id":"b","v":1}"#),
            record(None, r#"{"no":"id"}"#),
            record(Some("c"), r#"{"id":"c","v":1}"#),
        ],
    )
    .await;
    assert_eq!(
        (
            second.counts.inserted,
            second.counts.updated,
            second.counts.unchanged
        ),
        (1, 1, 2),
        "c new, a changed, b and the id-less record (same bytes, same key) unchanged"
    );
    assert_eq!(second.counts.records, 4);
    let status = store.status().await.unwrap();
    assert_eq!(status.len(), 1);
    assert_eq!(status[0].status, "complete");
    assert_eq!(status[0].resume, None);
    assert_eq!(status[0].counts.updated, 1);
}

async fn migrations_are_idempotent(db: Db) {
    let store = db.open().await;
    sync(&store, vec![record(Some("a"), r#"{"id":"a"}"#)]).await;
    drop(store);
    // Opening again migrates nothing and keeps the data.
    let again = match &db.schema {
        Some(schema) => Store::open_in_schema(&db.target, schema).await.unwrap(),
        None => Store::open(&db.target).await.unwrap(),
    };
    assert_eq!(
        again.schema_version().await.unwrap(),
        conversations_sync::SCHEMA_VERSION
    );
    assert_eq!(again.status().await.unwrap().len(), 1);
    let s = sync(&again, vec![record(Some("a"), r#"{"id":"a"}"#)]).await;
    assert_eq!(s.counts.unchanged, 1);
}

async fn one_sync_per_stream(db: Db) {
    let store = db.open().await;
    let key = conversations_sync::StreamKey::listing("memory", &ConversationQuery::new());
    let held = store.lock(&key).await.unwrap();
    let other = conversations_sync::StreamKey::listing(
        "memory",
        &ConversationQuery::new().channel("whatsapp"),
    );
    let _fine = store.lock(&other).await.expect("another stream is free");
    let err = match store.lock(&key).await {
        Err(e) => e,
        Ok(_) => panic!("the second lock of one stream must be refused"),
    };
    match &err {
        SyncError::LockHeld { host, pid, .. } => {
            assert_eq!(pid, &std::process::id().to_string());
            assert!(!host.is_empty());
        }
        other => panic!("expected LockHeld, got {other}"),
    }
    assert!(
        err.to_string()
            .contains("another sync of memory (all) is running"),
        "{err}"
    );
    drop(held);
    let _again = store.lock(&key).await.expect("free once released");
}

/// A source of `total` records in pages of 10 that fails every fetch from `fail_at` on
/// (after retries) until `failing` is cleared.
struct Flaky {
    records: Vec<Conversation>,
    fail_at: usize,
    failing: std::sync::atomic::AtomicBool,
    fetches: AtomicUsize,
}

#[conversations_core::async_trait]
impl ConversationSource for Flaky {
    fn provider(&self) -> &str {
        "flaky"
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities::new()
    }
    async fn list_page(
        &self,
        _: &ConversationQuery,
        cursor: Option<&Cursor>,
    ) -> SourceResult<Page<Conversation>> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        let start: usize = cursor.map_or(0, |c| c.as_str().parse().unwrap());
        if start >= self.fail_at && self.failing.load(Ordering::SeqCst) {
            return Err(Error::pagination("flaky", "the server is down"));
        }
        let end = (start + 10).min(self.records.len());
        Ok(Page {
            items: self.records[start..end].to_vec(),
            next: (end < self.records.len()).then(|| Cursor::new(end.to_string())),
            prev: None,
        })
    }
}

async fn failure_commits_and_resumes(db: Db) {
    let store = db.open().await;
    let records: Vec<Conversation> = (0..35)
        .map(|i| record(Some(&format!("r{i}")), &format!(r#"{{"id":"r{i}"}}"#)))
        .collect();
    let flaky = Arc::new(Flaky {
        records,
        fail_at: 20,
        failing: true.into(),
        fetches: AtomicUsize::new(0),
    });
    let source: Arc<dyn ConversationSource> = flaky.clone();
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let options = SyncOptions::default().batch_size(7);
    let first = sync_listing(
        &store,
        source.clone(),
        ConversationQuery::new(),
        &options,
        &mut Quiet,
        rx.clone(),
    )
    .await
    .unwrap();
    assert!(matches!(first.outcome, Outcome::Failed(_)), "{first:?}");
    assert_eq!(first.counts.inserted, 20, "what was fetched is committed");
    let state = &store.status().await.unwrap()[0];
    assert_eq!(state.status, "failed");
    assert!(state.resume.is_some());
    flaky.failing.store(false, Ordering::SeqCst);
    let before = flaky.fetches.load(Ordering::SeqCst);
    let second = sync_listing(
        &store,
        source,
        ConversationQuery::new(),
        &options,
        &mut Quiet,
        rx,
    )
    .await
    .unwrap();
    assert!(matches!(second.outcome, Outcome::Complete), "{second:?}");
    assert_eq!((second.counts.inserted, second.counts.unchanged), (15, 0));
    assert_eq!(
        flaky.fetches.load(Ordering::SeqCst) - before,
        2,
        "resumed at page 3"
    );
}

/// A lookup source over `MemorySource::demo`: counts each id's lookups and the most in
/// flight at once, and fails the lookup of `fail_id` while `failing` is set.
struct Lookups {
    demo: MemorySource,
    fail_id: String,
    failing: std::sync::atomic::AtomicBool,
    asked: std::sync::Mutex<Vec<String>>,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
}

#[conversations_core::async_trait]
impl ConversationSource for Lookups {
    fn provider(&self) -> &str {
        "lookups"
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities::new().supports(conversations_core::Filter::ExternalId)
    }
    async fn list_page(
        &self,
        query: &ConversationQuery,
        cursor: Option<&Cursor>,
    ) -> SourceResult<Page<Conversation>> {
        let id = query.external_id.clone().unwrap_or_default();
        self.asked.lock().unwrap().push(id.clone());
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_in_flight.fetch_max(now, Ordering::SeqCst);
        // Let the other lookups start before this one answers.
        tokio::task::yield_now().await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        if id == self.fail_id && self.failing.load(Ordering::SeqCst) {
            return Err(Error::pagination("lookups", "the server is down"));
        }
        self.demo.list_page(query, cursor).await
    }
}

async fn lookup_failure_commits_and_resumes_each_id_once(db: Db) {
    let store = db.open().await;
    // demo(14): two conversations for each of ext-0 … ext-6; ext-7 … ext-9 find nothing.
    let ids: Vec<String> = [0, 1, 2, 1, 3, 4, 5, 6, 0, 7, 8, 9]
        .iter()
        .map(|i| format!("ext-{i}"))
        .collect();
    let source = Arc::new(Lookups {
        demo: MemorySource::demo(14),
        fail_id: "ext-6".to_owned(),
        failing: true.into(),
        asked: Default::default(),
        in_flight: AtomicUsize::new(0),
        most_in_flight: AtomicUsize::new(0),
    });
    let dyn_source: Arc<dyn ConversationSource> = source.clone();
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let options = SyncOptions::default().batch_size(2).lookup_concurrency(3);
    let run = || async {
        sync_lookup(
            &store,
            dyn_source.clone(),
            ConversationQuery::new(),
            ids.clone(),
            &options,
            &mut Quiet,
            rx.clone(),
        )
        .await
    };
    let first = run().await.unwrap();
    assert!(matches!(first.outcome, Outcome::Failed(_)), "{first:?}");
    assert_eq!(
        first.counts.inserted, 12,
        "ext-0 … ext-5, before the failed id, are committed"
    );
    assert!(source.most_in_flight.load(Ordering::SeqCst) <= 3);
    source.failing.store(false, Ordering::SeqCst);
    source.asked.lock().unwrap().clear();
    let second = run().await.unwrap();
    assert!(matches!(second.outcome, Outcome::Complete), "{second:?}");
    assert_eq!((second.counts.inserted, second.counts.pages), (2, 4));
    let mut asked = source.asked.lock().unwrap().clone();
    asked.sort();
    assert_eq!(
        asked,
        ["ext-6", "ext-7", "ext-8", "ext-9"],
        "the rerun starts at the failed id and asks each id once"
    );
    assert!(
        source.most_in_flight.load(Ordering::SeqCst) > 1,
        "lookups run side by side"
    );
}

/// A client on the test PostgreSQL, its `search_path` set to `schema`.
async fn pg_in(schema: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(&pg_url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
        .batch_execute(&format!("SET search_path TO \"{schema}\""))
        .await
        .unwrap();
    client
}

/// SQL run against a store's database from the test, beside the store's own connections.
enum Sql {
    Sqlite(std::path::PathBuf),
    Postgres(tokio_postgres::Client),
}

impl Sql {
    async fn of(db: &Db) -> Self {
        match &db.target {
            Target::Sqlite(path) => Sql::Sqlite(path.clone()),
            _ => Sql::Postgres(pg_in(db.schema.as_deref().unwrap()).await),
        }
    }

    async fn run(&self, sql: &str) {
        match self {
            Sql::Sqlite(path) => rusqlite::Connection::open(path)
                .unwrap()
                .execute_batch(sql)
                .unwrap(),
            Sql::Postgres(client) => client.batch_execute(sql).await.unwrap(),
        }
    }

    /// The row of `key`: its record as received (PostgreSQL: `coalesce(raw_text, raw::text)`,
    /// the recovery the README gives), its notes, its customer name, and whether `raw_text`
    /// is set (PostgreSQL: `raw` had characters replaced; SQLite has no such column).
    async fn row(&self, key: &str) -> Stored {
        match self {
            Sql::Sqlite(path) => rusqlite::Connection::open(path)
                .unwrap()
                .query_row(
                    "SELECT raw, notes, customer_name FROM conversations WHERE key = ?1",
                    [key],
                    |r| {
                        Ok(Stored {
                            raw: r.get(0)?,
                            notes: notes(r.get::<_, Option<String>>(1)?),
                            customer_name: r.get(2)?,
                            raw_text: false,
                        })
                    },
                )
                .unwrap_or_else(|e| panic!("row {key:?}: {e}")),
            Sql::Postgres(client) => {
                let r = client
                    .query_one(
                        "SELECT coalesce(raw_text, raw::text), notes::text, customer_name,
                                raw_text IS NOT NULL
                         FROM conversations WHERE key = $1",
                        &[&key],
                    )
                    .await
                    .unwrap_or_else(|e| panic!("row {key:?}: {e}"));
                Stored {
                    raw: r.get(0),
                    notes: notes(r.get(1)),
                    customer_name: r.get(2),
                    raw_text: r.get(3),
                }
            }
        }
    }

    /// The business columns of `key`'s row: its name and external id.
    async fn business(&self, key: &str) -> (Option<String>, Option<String>) {
        let query = "SELECT business_name, business_external_id FROM conversations WHERE key = ";
        match self {
            Sql::Sqlite(path) => rusqlite::Connection::open(path)
                .unwrap()
                .query_row(&format!("{query}?1"), [key], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap(),
            Sql::Postgres(client) => {
                let r = client
                    .query_one(&format!("{query}$1"), &[&key])
                    .await
                    .unwrap();
                (r.get(0), r.get(1))
            }
        }
    }

    async fn keys(&self) -> Vec<String> {
        let query = "SELECT key FROM conversations ORDER BY key";
        match self {
            Sql::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).unwrap();
                let mut stmt = conn.prepare(query).unwrap();
                stmt.query_map([], |r| r.get(0))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap()
            }
            Sql::Postgres(client) => client
                .query(query, &[])
                .await
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect(),
        }
    }
}

/// A row as read back by [`Sql::row`].
#[derive(Debug)]
struct Stored {
    raw: String,
    notes: Vec<String>,
    customer_name: Option<String>,
    raw_text: bool,
}

/// A notes column's JSON as the notes' display texts.
fn notes(json: Option<String>) -> Vec<String> {
    let notes: Vec<DecodeNote> = json.map_or_else(Vec::new, |j| serde_json::from_str(&j).unwrap());
    notes.iter().map(ToString::to_string).collect()
}

/// Batches overlap (PostgreSQL writes two at once; SQLite has the next one built and
/// waiting while one is written), yet they commit in order: when one fails, the one after it
/// writes nothing, so the saved position never passes rows that are not in the table; the
/// rerun resumes there and ends complete. `refuse` makes the database refuse the row `r12`
/// (in the third batch, r10 … r14) with "refused for the test"; `allow` undoes it.
async fn a_failed_batch_stops_the_ones_after_it(db: Db, refuse: &str, allow: &str) {
    let store = db.open().await;
    let sql = Sql::of(&db).await;
    sql.run(refuse).await;
    let records: Vec<Conversation> = (0..30)
        .map(|i| record(Some(&format!("r{i}")), &format!(r#"{{"id":"r{i}"}}"#)))
        .collect();
    let source: Arc<dyn ConversationSource> = Arc::new(MemorySource::new("memory", records));
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let options = SyncOptions::default().batch_size(5);
    let failed = sync_listing(
        &store,
        source.clone(),
        ConversationQuery::new().page_size(5),
        &options,
        &mut Quiet,
        rx.clone(),
    )
    .await;
    let error = failed.expect_err("the database refused a batch");
    assert!(
        error.to_string().contains("refused for the test"),
        "{error}"
    );
    let mut expected: Vec<String> = (0..10).map(|i| format!("r{i}")).collect();
    expected.sort();
    assert_eq!(
        sql.keys().await,
        expected,
        "the batches before the failed one, none after"
    );
    sql.run(allow).await;
    let again = sync_listing(
        &store,
        source,
        ConversationQuery::new().page_size(5),
        &options,
        &mut Quiet,
        rx,
    )
    .await
    .unwrap();
    assert!(matches!(again.outcome, Outcome::Complete), "{again:?}");
    assert_eq!(again.counts.inserted, 20, "resumed after r9: {again:?}");
    assert_eq!(sql.keys().await.len(), 30);
}

#[tokio::test]
async fn sqlite_a_failed_batch_stops_the_ones_after_it() {
    a_failed_batch_stops_the_ones_after_it(
        Db::sqlite(),
        "CREATE TRIGGER refuse BEFORE INSERT ON conversations
         WHEN NEW.key = 'r12' BEGIN SELECT RAISE(ABORT, 'refused for the test'); END;",
        "DROP TRIGGER refuse",
    )
    .await;
}

#[tokio::test]
async fn postgres_a_failed_batch_stops_the_ones_after_it() {
    a_failed_batch_stops_the_ones_after_it(
        Db::postgres("ordered"),
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE EXCEPTION 'refused for the test'; END $$;
         CREATE TRIGGER refuse BEFORE INSERT ON conversations
         FOR EACH ROW WHEN (NEW.key = 'r12') EXECUTE FUNCTION refuse();",
        "DROP TRIGGER refuse ON conversations",
    )
    .await;
}

/// A record with NUL characters (in a name, and as `\u0000` in its raw JSON) is stored like
/// any other: PostgreSQL, which stores no NUL, gets U+FFFD in their place; SQLite keeps them.
async fn nul_characters_do_not_stop_a_sync(db: Db) {
    let store = db.open().await;
    let mut odd = record(Some("nul-1"), r#"{"id":"nul-1","name":"Ana\u0000Lee"}"#);
    odd.agent = Some(
        conversations_core::Participant::new(conversations_core::ParticipantRole::HumanAgent)
            .with_name("Ana\0Lee"),
    );
    odd.metadata
        .insert("note".into(), serde_json::json!("a\u{0}b"));
    let plain = record(Some("plain-1"), r#"{"id":"plain-1"}"#);
    let summary = sync(&store, vec![odd, plain]).await;
    assert_eq!(summary.counts.inserted, 2);
    // Again, unchanged: the stored hash is of the bytes received, whatever was stored.
    let again = sync(
        &store,
        vec![{
            let mut c = record(Some("nul-1"), r#"{"id":"nul-1","name":"Ana\u0000Lee"}"#);
            c.agent = Some(
                conversations_core::Participant::new(
                    conversations_core::ParticipantRole::HumanAgent,
                )
                .with_name("Ana\0Lee"),
            );
            c
        }],
    )
    .await;
    assert_eq!(again.counts.inserted, 0);
}

/// Any string the JSON decoder accepts is stored in both databases. JSON allows a lone
/// surrogate escape (`"\ud800"`) and `\u0000`, which PostgreSQL's `jsonb` refuses (and its
/// `text` cannot hold U+0000): without care, such a record fails its batch on every run and
/// nothing is stored. PostgreSQL gets U+FFFD in their place, the row's notes name each
/// string replaced, and `raw_text` keeps the text as received; SQLite keeps everything as
/// received (and the decoder's own note). Either way the record is recoverable byte for byte.
async fn strings_postgresql_cannot_hold_do_not_stop_a_sync(db: Db) {
    let store = db.open().await;
    let sql = Sql::of(&db).await;
    let postgres = matches!(sql, Sql::Postgres(_));
    let surrogate_raw = r#"{"id":"sur-1","customer":{"name":"Ana\ud800"},"memo":"x\udc00y"}"#;
    let nul_raw = r#"{"id":"nul-1","customer":{"name":"Ana\u0000Lee"},"transcript":[{"text":"ok"},{"text":"a\u0000"}]}"#;
    let records = || {
        // As the decoder leaves them: the lone surrogate of a field it reads is U+FFFD there,
        // and noted; U+0000 is a character like any other.
        let mut surrogate = record(Some("sur-1"), surrogate_raw);
        surrogate.customer =
            Some(Participant::new(ParticipantRole::Customer).with_name("Ana\u{fffd}"));
        surrogate.notes.push(DecodeNote::new(
            "customer.name",
            Documented::String,
            Found::LoneSurrogate,
            NoteAction::Replaced,
        ));
        let mut nul = record(Some("nul-1"), nul_raw);
        nul.customer = Some(Participant::new(ParticipantRole::Customer).with_name("Ana\0Lee"));
        let plain = record(Some("plain-1"), r#"{"id":"plain-1"}"#);
        vec![surrogate, nul, plain]
    };
    let first = sync(&store, records()).await;
    assert_eq!(first.counts.inserted, 3, "{first:?}");
    // Again: unchanged, the hash being of the bytes received, whatever was stored.
    let again = sync(&store, records()).await;
    assert_eq!((again.counts.inserted, again.counts.unchanged), (0, 3));

    let surrogate = sql.row("sur-1").await;
    assert_eq!(surrogate.raw, surrogate_raw, "recoverable byte for byte");
    assert_eq!(surrogate.customer_name.as_deref(), Some("Ana\u{fffd}"));
    let nul = sql.row("nul-1").await;
    assert_eq!(nul.raw, nul_raw, "recoverable byte for byte");
    let plain = sql.row("plain-1").await;
    assert!(!plain.raw_text && plain.notes.is_empty());
    let decoders = "customer.name (string with a lone surrogate, replaced by U+FFFD)";
    if postgres {
        assert!(surrogate.raw_text && nul.raw_text);
        assert_eq!(
            surrogate.notes,
            [
                decoders,
                "memo (string with a lone surrogate, replaced by U+FFFD)"
            ],
            "the decoder's note once, and the string only the store replaced"
        );
        assert_eq!(nul.customer_name.as_deref(), Some("Ana\u{fffd}Lee"));
        assert_eq!(
            nul.notes,
            [
                "customer.name (string with U+0000, replaced by U+FFFD)",
                "transcript.1.text (string with U+0000, replaced by U+FFFD)"
            ]
        );
        // What jsonb holds: the same record, U+FFFD in place of each.
        let Sql::Postgres(client) = &sql else {
            unreachable!()
        };
        let row = client
            .query_one(
                "SELECT raw->'customer'->>'name', raw->>'memo' FROM conversations WHERE key = 'sur-1'",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(row.get::<_, String>(0), "Ana\u{fffd}");
        assert_eq!(row.get::<_, String>(1), "x\u{fffd}y");
    } else {
        assert_eq!(surrogate.notes, [decoders], "nothing more was replaced");
        assert_eq!(
            nul.customer_name.as_deref(),
            Some("Ana\0Lee"),
            "kept as received"
        );
        assert!(nul.notes.is_empty(), "{:?}", nul.notes);
    }
}

/// Two records of one walk that map to one row (an id sent as the number `5000001` and as the
/// string `"5000001"`) but differ in their bytes are never merged in silence: the run counts
/// them and says so (summary, notices, `--status`), and the row kept — the last one — says so
/// in its notes. The same bytes sent twice are no collision. Within one batch and across two.
async fn records_sharing_a_key_are_reported(db: Db) {
    let store = db.open().await;
    let sql = Sql::of(&db).await;
    let as_number = record(Some("5000001"), r#"{"id":5000001,"name":"Ana"}"#);
    let as_string = record(Some("5000001"), r#"{"id":"5000001","name":"Ana"}"#);
    let twice = record(Some("y"), r#"{"id":"y"}"#);
    let other = record(Some("x"), r#"{"id":"x"}"#);
    // Batches of two: [5000001, "5000001"], [y, y], [x].
    let summary = sync(
        &store,
        vec![as_number, as_string, twice.clone(), twice, other.clone()],
    )
    .await;
    assert_eq!(summary.counts.collisions, 1, "{summary:?}");
    assert_eq!(summary.counts.inserted, 3, "{summary:?}");
    let notice = "1 record shared a key with another record of this run whose bytes differ; \
                  the last one was kept (see its notes)";
    assert!(
        summary.notices.iter().any(|n| n.to_string() == notice),
        "{:?}",
        summary.notices
    );
    let state = &store.status().await.unwrap()[0];
    assert_eq!(state.counts.collisions, 1);
    assert!(
        state.message.as_deref().is_some_and(|m| m.contains(notice)),
        "{:?}",
        state.message
    );
    let kept = sql.row("5000001").await;
    let raw: serde_json::Value = serde_json::from_str(&kept.raw).unwrap();
    assert_eq!(raw["id"], "5000001", "the later record is the one kept");
    assert_eq!(
        kept.notes,
        ["id (key shared with another record of the walk; this one kept)"]
    );
    assert!(sql.row("y").await.notes.is_empty(), "the same bytes twice");

    // A later run, the two records in different batches: [k, x], [k'].
    let k1 = record(Some("k"), r#"{"id":"k","v":1}"#);
    let k2 = record(Some("k"), r#"{"id":"k","v":2}"#);
    let summary = sync(&store, vec![k1, other, k2]).await;
    assert_eq!(summary.counts.collisions, 1, "{summary:?}");
    let kept = sql.row("k").await;
    let raw: serde_json::Value = serde_json::from_str(&kept.raw).unwrap();
    assert_eq!(raw["v"], 2, "the later record is the one kept");
    assert_eq!(
        kept.notes,
        ["id (key shared with another record of the walk; this one kept)"]
    );
    assert_eq!(store.status().await.unwrap()[0].counts.collisions, 1);
}

/// A record listed twice, in two consecutive batches (in swapped order: a listing that
/// shifted under the walk): the later copy wins, nothing is counted twice, and batches written
/// side by side do not wait on each other forever.
async fn a_record_listed_in_two_batches(db: Db) {
    let store = db.open().await;
    let v = |id: &str, n: u32| record(Some(id), &format!(r#"{{"id":"{id}","v":{n}}}"#));
    let listing = vec![
        v("a", 1),
        v("b", 1),
        v("c", 1),
        v("d", 1),
        v("e", 1),
        // The next batch starts with e and d again, changed.
        v("e", 2),
        v("d", 2),
        v("f", 1),
        v("g", 1),
        v("h", 1),
    ];
    let source: Arc<dyn ConversationSource> = Arc::new(MemorySource::new("memory", listing));
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let summary = sync_listing(
        &store,
        source,
        ConversationQuery::new().page_size(5),
        &SyncOptions::default().batch_size(5),
        &mut Quiet,
        rx,
    )
    .await
    .unwrap();
    assert!(matches!(summary.outcome, Outcome::Complete), "{summary:?}");
    assert_eq!(
        (summary.counts.inserted, summary.counts.updated),
        (8, 2),
        "{summary:?}"
    );
}

/// Records what the observer is told of each commit.
#[derive(Default)]
struct Commits(Vec<u64>, Option<conversations_sync::RunCounts>);

impl conversations_sync::Observer for Commits {
    fn committed(
        &mut self,
        _key: &conversations_sync::StreamKey,
        records: u64,
        totals: &conversations_sync::RunCounts,
    ) {
        self.0.push(records);
        self.1 = Some(*totals);
    }
}

/// A run's first batch is small and each one after it twice the one before, up to the batch
/// size, so the database starts writing early; the last rows commit as a batch of their own,
/// beside the others, and the state alone follows with the run's counts.
async fn batches_start_small_and_the_last_rows_commit_beside_the_others(db: Db) {
    let store = db.open().await;
    let records: Vec<Conversation> = (0..3000)
        .map(|i| record(Some(&format!("r{i}")), &format!(r#"{{"id":"r{i}"}}"#)))
        .collect();
    let source: Arc<dyn ConversationSource> = Arc::new(MemorySource::new("memory", records));
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let mut commits = Commits::default();
    let summary = sync_listing(
        &store,
        source,
        ConversationQuery::new().page_size(100),
        &SyncOptions::default().batch_size(1200),
        &mut commits,
        rx,
    )
    .await
    .unwrap();
    assert!(matches!(summary.outcome, Outcome::Complete), "{summary:?}");
    assert_eq!(conversations_sync::FIRST_BATCH, 500);
    assert_eq!(
        commits.0,
        [0, 500, 1000, 1200, 300, 0],
        "the stream's start, 500, 1,000, then the batch size; the rest; the final state"
    );
    assert_eq!(summary.counts.inserted, 3000);
    assert_eq!(
        commits.1,
        Some(summary.counts),
        "the last commit carries the run's counts"
    );
    let saved = store.status().await.unwrap();
    assert_eq!(
        (saved[0].status.as_str(), saved[0].counts),
        ("complete", summary.counts)
    );
}

/// The business's name and external id have columns of their own, as in CSV (the flat view
/// of core both take their columns from).
async fn the_business_columns_are_written(db: Db) {
    let store = db.open().await;
    let sql = Sql::of(&db).await;
    let mut with = record(Some("b-1"), r#"{"id":"b-1"}"#);
    let mut business = Participant::new(ParticipantRole::Business).with_name("Acme Ltd");
    business.external_id = Some("acme-7".to_owned());
    with.business = Some(business);
    let without = record(Some("b-2"), r#"{"id":"b-2"}"#);
    sync(&store, vec![with, without]).await;
    assert_eq!(
        sql.business("b-1").await,
        (Some("Acme Ltd".to_owned()), Some("acme-7".to_owned()))
    );
    assert_eq!(sql.business("b-2").await, (None, None));
}

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::Db::sqlite()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::Db::postgres(stringify!($name))).await;
                }
            )*
        }
    };
}

both!(
    upsert_counts,
    migrations_are_idempotent,
    one_sync_per_stream,
    failure_commits_and_resumes,
    lookup_failure_commits_and_resumes_each_id_once,
    nul_characters_do_not_stop_a_sync,
    strings_postgresql_cannot_hold_do_not_stop_a_sync,
    records_sharing_a_key_are_reported,
    a_record_listed_in_two_batches,
    batches_start_small_and_the_last_rows_commit_beside_the_others,
    the_business_columns_are_written,
);

/// Many small batches into PostgreSQL on a runtime with threads, every fourth meeting a key of
/// the batch before it (so it waits for that one to commit before touching the table, while
/// the batch after it does not): each connection still takes its batches in the order they
/// were started, and the sync ends — a later batch holding a connection an earlier one waits
/// for would wait on that one's commit forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_batches_take_their_connections_in_order() {
    let db = Db::postgres("conn_order");
    let store = db.open().await;
    let v = |i: usize| record(Some(&format!("r{i}")), &format!(r#"{{"id":"r{i}"}}"#));
    let mut listing = Vec::new();
    let mut next = 0;
    for batch in 0..400 {
        let fresh = if batch % 4 == 2 { 2 } else { 3 };
        for _ in 0..fresh {
            listing.push(v(next));
            next += 1;
        }
        if batch % 4 == 2 {
            listing.push(v(next - 3));
        }
    }
    let source: Arc<dyn ConversationSource> = Arc::new(MemorySource::new("memory", listing));
    let (_tx, rx) = tokio::sync::watch::channel(false);
    // A guard, not a pace: a deadlock would otherwise hang the test run.
    let summary = tokio::time::timeout(
        std::time::Duration::from_secs(120),
        sync_listing(
            &store,
            source,
            ConversationQuery::new().page_size(3),
            &SyncOptions::default().batch_size(3),
            &mut Quiet,
            rx,
        ),
    )
    .await
    .expect("the sync ended")
    .unwrap();
    assert!(matches!(summary.outcome, Outcome::Complete), "{summary:?}");
    assert_eq!(summary.counts.inserted, next as u64);
    assert_eq!(summary.counts.records, 1200);
}

#[test]
fn unreachable_postgres_is_a_typed_error_without_the_password() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // Port 1 on loopback: nothing listens there.
    let target: Target = "postgres://u:s3cret@127.0.0.1:1/db".parse().unwrap();
    let err = match rt.block_on(Store::open(&target)) {
        Err(e) => e,
        Ok(_) => panic!("nothing listens on port 1"),
    };
    assert!(matches!(err, SyncError::Connect { .. }), "{err}");
    assert!(!err.to_string().contains("s3cret"), "{err}");
    assert!(err.to_string().contains("127.0.0.1:1"), "{err}");
}
