//! `conversations sync` and the database it is given (issue 20): `--status` creates nothing;
//! `sqlite::memory:` is refused; a foreign `conversations` table and a database of a newer
//! version are refused in one line, leaving the database as it was; an unreadable resume
//! position is discarded by the `--full-refresh` its error advises; an id the provider refuses
//! for good is recorded as failed, the run goes on and exits 1, later runs skip it (and
//! `--retry-failed` tries it again); `--status` says `running` only while a live process holds
//! the stream's lock. Each on SQLite and PostgreSQL where it applies.
//!
//! PostgreSQL comes from `CONVERSATIONS_TEST_PG` (default
//! `postgres://postgres@127.0.0.1:5432/test`), each test in a schema of its own. Nothing
//! waits on a clock: the tests act on the child's committed-batch lines and on the server
//! telling them a session ended.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use httpmock::prelude::*;

mod common;

use common::pg::{pg, pg_rows, pg_url};
use common::wait_for_batches;

const KEY: &str = "autocalls-sync-state-key";

/// A database for one test: a SQLite file in a directory of its own, or a fresh PostgreSQL
/// schema (selected through the URL's `options`; its sessions named after it).
enum Db {
    Sqlite(tempfile::TempDir),
    Postgres(String),
}

impl Db {
    fn sqlite() -> Self {
        Db::Sqlite(tempfile::tempdir().unwrap())
    }

    fn postgres(name: &str) -> Self {
        let schema = format!("state_{name}_{}", std::process::id());
        pg(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        ));
        Db::Postgres(schema)
    }

    fn to(&self) -> String {
        match self {
            Db::Sqlite(dir) => format!("sqlite:{}", dir.path().join("c.db").display()),
            Db::Postgres(schema) => format!(
                "{}?options=-csearch_path%3D{schema}&application_name={schema}",
                pg_url()
            ),
        }
    }

    /// Runs `sql` on the database (`{s}` is the schema's prefix: `schema.` or nothing).
    fn exec(&self, sql: &str) {
        match self {
            Db::Sqlite(dir) => rusqlite::Connection::open(dir.path().join("c.db"))
                .unwrap()
                .execute_batch(&sql.replace("{s}", ""))
                .unwrap(),
            Db::Postgres(schema) => pg(&sql.replace("{s}", &format!("{schema}."))),
        }
    }

    /// The names of the tables there, sorted.
    fn tables(&self) -> Vec<String> {
        match self {
            Db::Sqlite(dir) => {
                let conn = rusqlite::Connection::open(dir.path().join("c.db")).unwrap();
                let mut stmt = conn
                    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                    .unwrap();
                stmt.query_map([], |r| r.get::<_, String>(0))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap()
            }
            Db::Postgres(schema) => pg_rows(&format!(
                "SELECT table_name::text FROM information_schema.tables
                 WHERE table_schema = '{schema}' ORDER BY 1"
            )),
        }
    }

    /// The files of the SQLite database's directory.
    fn files(&self) -> Vec<String> {
        match self {
            Db::Sqlite(dir) => files(dir.path()),
            Db::Postgres(_) => Vec::new(),
        }
    }

    /// Waits until the server has ended every session of this database's syncs (a killed
    /// client's sessions end when the server notices; `pg_terminate_backend` with a timeout
    /// returns once they have).
    fn sessions_ended(&self) {
        if let Db::Postgres(schema) = self {
            pg(&format!(
                "SELECT pg_terminate_backend(pid, 30000) FROM pg_stat_activity
                 WHERE application_name = '{schema}'"
            ));
        }
    }
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A sandbox whose Autocalls key is [`KEY`].
struct Env(common::SandboxEnv);

impl Env {
    fn start(size: usize) -> Self {
        Self(common::SandboxEnv::with_autocalls_key(size, KEY))
    }

    fn conversations(&self) -> Command {
        self.0.autocalls_cli(KEY)
    }

    /// `conversations sync --provider autocalls --to <db>` and `extra`.
    fn sync(&self, db: &Db, extra: &[&str]) -> Command {
        let mut cmd = self.conversations();
        cmd.args(["sync", "--provider", "autocalls", "--to", &db.to()])
            .args(extra);
        cmd
    }

    fn status(&self, db: &Db) -> Output {
        self.conversations()
            .args(["sync", "--status", "--to", &db.to()])
            .output()
            .unwrap()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts `out` failed with `code` and one line on stderr holding every one of `needles`;
/// returns that line.
fn one_line_error(out: &Output, code: i32, needles: &[&str]) -> String {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "{needle:?} in {stderr}");
    }
    stderr
}

#[test]
fn status_in_an_empty_directory_says_so_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::bare()
        .current_dir(dir.path())
        .args(["sync", "--status"])
        .output()
        .unwrap();
    one_line_error(
        &out,
        1,
        &[
            "sqlite:conversations.db: no such file",
            "no sync has written there",
        ],
    );
    assert!(files(dir.path()).is_empty(), "{:?}", files(dir.path()));
}

#[test]
fn postgres_status_without_sync_tables_says_so_and_creates_nothing() {
    let db = Db::postgres("empty");
    let out = common::bare()
        .args(["sync", "--status", "--to", &db.to()])
        .output()
        .unwrap();
    one_line_error(&out, 1, &["no sync tables", "no sync has written there"]);
    assert!(db.tables().is_empty(), "{:?}", db.tables());
}

#[test]
fn an_in_memory_sqlite_database_is_refused_and_no_lock_file_is_left() {
    let dir = tempfile::tempdir().unwrap();
    for to in ["sqlite::memory:", "sqlite://:memory:"] {
        let out = common::bare()
            .current_dir(dir.path())
            .env("AUTOCALLS_API_KEY", KEY)
            // Nothing listens there: were the target taken, no request would leave the host.
            .env("AUTOCALLS_BASE_URL", "http://127.0.0.1:9/api")
            .args(["sync", "--provider", "autocalls", "--to", to])
            .output()
            .unwrap();
        one_line_error(&out, 2, &["invalid --to", "in-memory"]);
    }
    assert!(files(dir.path()).is_empty(), "{:?}", files(dir.path()));
}

/// Another application's `conversations` table: one line naming it, and the database left
/// as it was (no table of ours, SQLite's journal mode untouched).
fn a_foreign_table_is_refused_leaving_nothing(db: Db) {
    let env = Env::start(30);
    db.exec("CREATE TABLE {s}conversations (id INTEGER PRIMARY KEY, note TEXT)");
    let before = db.tables();
    let files_before = db.files();
    let out = env.sync(&db, &[]).output().unwrap();
    one_line_error(
        &out,
        1,
        &[
            "a table named conversations is there already",
            "not made by conversations sync",
        ],
    );
    assert_eq!(db.tables(), before, "nothing left behind");
    assert_eq!(db.files(), files_before, "no WAL, no lock file");
    // --status sees no sync there either, and creates nothing.
    let status = env.status(&db);
    assert_eq!(status.status.code(), Some(1), "{}", text(&status.stderr));
    assert_eq!(db.tables(), before);
}

#[test]
fn sqlite_a_foreign_table_is_refused_leaving_nothing() {
    a_foreign_table_is_refused_leaving_nothing(Db::sqlite());
}

#[test]
fn postgres_a_foreign_table_is_refused_leaving_nothing() {
    a_foreign_table_is_refused_leaving_nothing(Db::postgres("foreign"));
}

/// A database a newer build migrated: refused, naming both versions, by a sync and by
/// `--status`; nothing changed.
fn a_newer_database_is_refused_naming_both_versions(db: Db) {
    let env = Env::start(30);
    let first = env.sync(&db, &[]).output().unwrap();
    assert!(first.status.success(), "{}", text(&first.stderr));
    db.exec(
        "INSERT INTO {s}sync_migrations (version, description, applied_at)
         VALUES (99, 'from the future', '2099-01-01T00:00:00Z')",
    );
    let known = conversations_sync::SCHEMA_VERSION.to_string();
    let needles = [
        "schema version 99",
        "made by a newer conversations",
        &format!("up to {known}"),
    ];
    let out = env.sync(&db, &[]).output().unwrap();
    one_line_error(&out, 1, &needles);
    let out = env.status(&db);
    one_line_error(&out, 1, &needles);
}

#[test]
fn sqlite_a_newer_database_is_refused_naming_both_versions() {
    a_newer_database_is_refused_naming_both_versions(Db::sqlite());
}

#[test]
fn postgres_a_newer_database_is_refused_naming_both_versions() {
    a_newer_database_is_refused_naming_both_versions(Db::postgres("newer"));
}

/// An unreadable resume position: the error advises --full-refresh, which discards it and
/// syncs.
fn an_unreadable_position_is_discarded_by_full_refresh(db: Db) {
    let env = Env::start(60);
    let n = env.0.sandbox().dataset().autocalls().len();
    let first = env.sync(&db, &[]).output().unwrap();
    assert!(first.status.success(), "{}", text(&first.stderr));
    db.exec("UPDATE {s}sync_streams SET resume = '{\"walk\": {\"position\": 7'");
    let out = env.sync(&db, &[]).output().unwrap();
    one_line_error(
        &out,
        1,
        &[
            &db.to().split('?').next().unwrap().replace("sqlite:", ""),
            "the saved position of autocalls (all) is unreadable",
            "rerun with --full-refresh",
        ],
    );
    let out = env.sync(&db, &["--full-refresh"]).output().unwrap();
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("unreadable and is discarded"), "{stderr}");
    assert!(
        text(&out.stdout).contains(&format!("complete: {n} records")),
        "{}",
        text(&out.stdout)
    );
    let again = env.sync(&db, &[]).output().unwrap();
    assert!(again.status.success(), "{}", text(&again.stderr));
}

#[test]
fn sqlite_an_unreadable_position_is_discarded_by_full_refresh() {
    an_unreadable_position_is_discarded_by_full_refresh(Db::sqlite());
}

#[test]
fn postgres_an_unreadable_position_is_discarded_by_full_refresh() {
    an_unreadable_position_is_discarded_by_full_refresh(Db::postgres("unreadable"));
}

/// Answers ASAPP lookups of `id` with `status` and `body` (an error envelope or no
/// conversation).
fn answer<'a>(server: &'a MockServer, id: &str, status: u16, body: &str) -> httpmock::Mock<'a> {
    server.mock(|when, then| {
        when.method(GET)
            .path("/conversation/v1/conversations")
            .query_param("externalId", id);
        then.status(status)
            .header("content-type", "application/json")
            .header("x-request-id", "req-1")
            .body(body);
    })
}

const NONE: &str = r#"{"items":[]}"#;

/// An id the provider refuses for good: recorded as failed (`--status`, `--failed-ids`),
/// the run goes on with the other ids and exits 1; the next run skips it; `--retry-failed`
/// looks it up again, and once answered it leaves the list.
fn a_refused_id_is_recorded_and_skipped(db: Db) {
    let server = MockServer::start();
    for id in ["a-1", "a-2", "a-3"] {
        answer(&server, id, 200, NONE);
    }
    // A refusal that trying again would not change.
    let mut bad = answer(
        &server,
        "bad-1",
        400,
        r#"{"error":{"requestId":"req-1","code":"400-02","message":"Unknown id"}}"#,
    );
    let dir = tempfile::tempdir().unwrap();
    let ids = dir.path().join("ids.txt");
    std::fs::write(&ids, "a-1\nbad-1\na-2\na-3\n").unwrap();
    let failed = dir.path().join("failed.txt");
    let sync = |extra: &[&str]| {
        common::bare()
            .env("ASAPP_API_ID", "id")
            .env("ASAPP_API_SECRET", "asapp-secret-never-printed")
            .env("ASAPP_BASE_URL", server.base_url())
            .args(["sync", "--provider", "asapp", "--to", &db.to()])
            .arg("--external-ids-from")
            .arg(&ids)
            .args(extra)
            .output()
            .unwrap()
    };

    let out = sync(&["--failed-ids", failed.to_str().unwrap()]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stdout.contains("complete: 0 records in 4 lookups") && stdout.contains("1 id refused"),
        "every id looked up: {stdout}"
    );
    assert!(
        stderr.contains("1 id was refused by the provider for good, recorded as failed"),
        "{stderr}"
    );
    assert!(!stderr.contains("asapp-secret-never-printed"));
    assert_eq!(std::fs::read_to_string(&failed).unwrap(), "bad-1\n");
    assert_eq!(bad.calls(), 1, "a 400 is not retried");

    let status = common::bare()
        .args(["sync", "--status", "--to", &db.to(), "--failed-ids", "-"])
        .output()
        .unwrap();
    let shown = text(&status.stdout);
    assert!(status.status.success(), "{}", text(&status.stderr));
    assert!(
        shown.contains("failed ids  1 refused by the provider"),
        "{shown}"
    );
    assert!(
        shown.contains("bad-1  asapp: ") && shown.contains("400"),
        "{shown}"
    );
    assert!(shown.ends_with("bad-1\n"), "--failed-ids -: {shown}");

    // The next run skips it, and does not stop at it.
    let out = sync(&[]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("complete: 0 records in 3 lookups"),
        "{stdout}"
    );
    assert!(
        stderr.contains("skipping 1 id the provider refused"),
        "{stderr}"
    );
    assert_eq!(bad.calls(), 1, "skipped");

    // --retry-failed asks again: still refused, still listed.
    let out = sync(&["--retry-failed"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(bad.calls(), 2);

    // Answered at last: off the list.
    bad.delete();
    answer(&server, "bad-1", 200, NONE);
    let out = sync(&["--retry-failed", "--failed-ids", failed.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&failed).unwrap(), "");
    let status = common::bare()
        .args(["sync", "--status", "--to", &db.to()])
        .output()
        .unwrap();
    assert!(!text(&status.stdout).contains("failed ids"));
}

#[test]
fn sqlite_a_refused_id_is_recorded_and_skipped() {
    a_refused_id_is_recorded_and_skipped(Db::sqlite());
}

#[test]
fn postgres_a_refused_id_is_recorded_and_skipped() {
    a_refused_id_is_recorded_and_skipped(Db::postgres("refused_id"));
}

fn signal(child: &Child, name: &str) {
    let sent = Command::new("kill")
        .args([name, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

/// `--status` says `running` while a live process holds the stream's lock (frozen with
/// SIGSTOP, it still does), and `interrupted` once the process is gone (SIGKILL: it saved
/// nothing more), not `running` for good.
fn status_running_comes_from_the_lock(db: Db) {
    let env = Env::start(2000);
    let mut child = env
        .sync(
            &db,
            &[
                "--batch-size",
                "20",
                "--page-size",
                "20",
                "--progress-lines",
            ],
        )
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    assert!(wait_for_batches(&mut child, 1));
    signal(&child, "-STOP");
    let status = env.status(&db);
    let shown = text(&status.stdout);
    assert!(status.status.success(), "{}", text(&status.stderr));
    assert!(
        shown.contains("status      running (host ")
            && shown.contains(&format!(", pid {}, since ", child.id())),
        "{shown}"
    );

    child.kill().unwrap(); // SIGKILL, stopped or not
    child.wait().unwrap();
    db.sessions_ended();
    let status = env.status(&db);
    let shown = text(&status.stdout);
    assert!(status.status.success(), "{}", text(&status.stderr));
    assert!(shown.contains("status      interrupted"), "{shown}");
    assert!(
        shown.contains("the last run stopped without ending"),
        "{shown}"
    );
    // And the same command resumes it.
    let again = env
        .sync(&db, &["--batch-size", "20", "--page-size", "20"])
        .output()
        .unwrap();
    let stderr = text(&again.stderr);
    assert!(again.status.success(), "{stderr}");
    assert!(stderr.contains("resuming an unfinished"), "{stderr}");
    let status = text(&env.status(&db).stdout);
    assert!(status.contains("status      complete"), "{status}");
}

#[test]
fn sqlite_status_running_comes_from_the_lock() {
    status_running_comes_from_the_lock(Db::sqlite());
}

#[test]
fn postgres_status_running_comes_from_the_lock() {
    status_running_comes_from_the_lock(Db::postgres("running"));
}
