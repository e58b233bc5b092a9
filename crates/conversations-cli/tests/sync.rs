//! `conversations sync` end to end against a sandbox hosted in this process: killed with
//! SIGKILL at seeded points and run again, the table equals a clean sync (SQLite and
//! PostgreSQL); a re-run with nothing new asks only for the lookback's pages; a second sync of
//! a running stream is refused naming the holder. The child prints a JSON line per committed
//! batch (`--progress-lines`), and the tests act on those lines: nothing waits on a clock.
//!
//! PostgreSQL comes from `CONVERSATIONS_TEST_PG` (default
//! `postgres://postgres@127.0.0.1:5432/test`), each test in its own schema; an unreachable
//! server fails the test, naming the URL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};

use conversations_sandbox::{Provider, Sandbox, SandboxConfig};

mod common;

use common::pg::{pg, pg_rows, pg_url};
use common::wait_for_batches;

const KEY: &str = "autocalls-sync-test-key";

/// A sandbox on a runtime of its own, its Autocalls key [`KEY`].
struct Env(common::SandboxEnv);

impl Env {
    fn start(size: usize) -> Self {
        Self::start_with(SandboxConfig::new().dataset_size(size))
    }

    fn start_with(config: SandboxConfig) -> Self {
        Self(common::SandboxEnv::start(config.autocalls_api_key(KEY)))
    }

    fn sandbox(&self) -> &Sandbox {
        self.0.sandbox()
    }

    /// `conversations sync --provider autocalls --to <to>` against this sandbox.
    fn sync(&self, to: &str, extra: &[&str]) -> Command {
        let mut cmd = self.conversations();
        cmd.args(["sync", "--provider", "autocalls", "--to", to])
            .args(extra);
        cmd
    }

    /// `conversations` with the environment pointing Autocalls at this sandbox.
    fn conversations(&self) -> Command {
        self.0.autocalls_cli(KEY)
    }
}

/// A database for one test: a SQLite file, or a fresh PostgreSQL schema (selected through
/// the URL's `options`).
enum Db {
    Sqlite(tempfile::TempDir, &'static str),
    Postgres(String),
}

impl Db {
    fn sqlite(name: &'static str) -> Self {
        Db::Sqlite(tempfile::tempdir().unwrap(), name)
    }

    fn postgres(name: &str) -> Self {
        let schema = format!("cli_{name}_{}", std::process::id());
        pg(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        ));
        Db::Postgres(schema)
    }

    fn to(&self) -> String {
        match self {
            Db::Sqlite(dir, name) => format!("sqlite:{}", dir.path().join(name).display()),
            Db::Postgres(schema) => {
                format!("{}?options=-csearch_path%3D{schema}", pg_url())
            }
        }
    }

    /// The first column of every row of `sql`, as text (`{t}` names the table).
    fn texts(&self, sql: &str) -> Vec<String> {
        match self {
            Db::Sqlite(dir, name) => {
                let conn = rusqlite::Connection::open(dir.path().join(name)).unwrap();
                let mut stmt = conn.prepare(&sql.replace("{t}", "conversations")).unwrap();
                stmt.query_map([], |r| r.get::<_, String>(0))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap()
            }
            Db::Postgres(schema) => {
                pg_rows(&sql.replace("{t}", &format!("{schema}.conversations")))
            }
        }
    }

    /// Every row, as the columns a clean sync decides (not the seen times), in key order.
    fn rows(&self) -> Vec<String> {
        match self {
            Db::Sqlite(dir, name) => {
                let conn = rusqlite::Connection::open(dir.path().join(name)).unwrap();
                let mut stmt = conn
                    .prepare(
                        "SELECT source, key, raw_hash, raw, ifnull(notes, ''),
                                ifnull(agent_name, ''), ifnull(total_cost, ''),
                                ifnull(created_at, ''), ifnull(channel, '')
                         FROM conversations ORDER BY source, key",
                    )
                    .unwrap();
                stmt.query_map([], |r| {
                    let cols: Vec<String> = (0..9)
                        .map(|i| {
                            r.get::<_, rusqlite::types::Value>(i)
                                .map(|v| format!("{v:?}"))
                        })
                        .collect::<Result<_, _>>()?;
                    Ok(cols.join("|"))
                })
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
            }
            Db::Postgres(schema) => pg_rows(&format!(
                "SELECT concat_ws('|', source, key, raw_hash, raw::text, notes::text,
                        agent_name, total_cost::text, created_at::text, channel)
                 FROM {schema}.conversations ORDER BY source, key"
            )),
        }
    }
}

/// A small deterministic generator (xorshift), so the kill points are the same every run.
struct Seeded(u64);

impl Seeded {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn kill_loop(clean: Db, killed: Db) {
    let env = Env::start(6000);
    let expected = env.sandbox().dataset().autocalls().len();
    assert!(expected >= 2000, "a few thousand records: {expected}");
    let args = ["--batch-size", "40", "--progress-lines"];

    let out = env.sync(&clean.to(), &args).output().unwrap();
    common::assert_success(&out);
    let want = clean.rows();
    assert_eq!(want.len(), expected);

    let mut rng = Seeded(0x5eed_1234_abcd_ef01);
    let mut kills = 0;
    for _ in 0..5 {
        let mut child = env
            .sync(&killed.to(), &args)
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let after = 1 + rng.below(12) as usize;
        let reached = wait_for_batches(&mut child, after);
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        if !reached {
            break;
        }
        kills += 1;
    }
    assert!(kills >= 3, "the sync was killed mid-run {kills} times");
    let out = env.sync(&killed.to(), &args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("resuming an unfinished full walk"),
        "{stderr}"
    );
    let got = killed.rows();
    assert_eq!(got.len(), expected, "nothing missing, nothing twice");
    assert!(
        got == want,
        "the killed-and-resumed table differs from a clean sync"
    );
}

#[test]
fn sqlite_kill_loop_ends_equal_to_a_clean_sync() {
    kill_loop(Db::sqlite("clean.db"), Db::sqlite("killed.db"));
}

#[test]
fn postgres_kill_loop_ends_equal_to_a_clean_sync() {
    kill_loop(Db::postgres("kill_clean"), Db::postgres("kill_killed"));
}

#[test]
fn a_rerun_with_nothing_new_asks_only_for_the_lookback_pages() {
    let env = Env::start(3000);
    let db = Db::sqlite("c.db");
    let first = env.sync(&db.to(), &["--page-size", "20"]).output().unwrap();
    assert!(first.status.success());
    let all = env.sandbox().dataset().autocalls();
    let pages_all = all.len().div_ceil(20) as u64;
    assert_eq!(env.sandbox().requests(Provider::Autocalls), pages_all);

    // The records within 3 days of the newest, then the page holding the first one older.
    let within = within_three_days(all);
    let lookback_pages = (within / 20 + 1) as u64;
    assert!(
        lookback_pages < pages_all / 2,
        "{lookback_pages} of {pages_all}"
    );

    let again = env.sync(&db.to(), &["--page-size", "20"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&again.stdout);
    common::assert_success(&again);
    assert_eq!(
        env.sandbox().requests(Provider::Autocalls) - pages_all,
        lookback_pages,
        "{stdout}"
    );
    assert!(stdout.contains("0 inserted, 0 updated"), "{stdout}");

    // --full-refresh walks everything again.
    let full = env
        .sync(&db.to(), &["--page-size", "20", "--full-refresh"])
        .output()
        .unwrap();
    assert!(full.status.success());
    assert_eq!(
        env.sandbox().requests(Provider::Autocalls),
        2 * pages_all + lookback_pages
    );
}

fn one_runs_one_is_refused(db: Db) {
    let env = Env::start(2000);
    let mut first = env
        .sync(&db.to(), &["--batch-size", "20", "--progress-lines"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    assert!(wait_for_batches(&mut first, 1));
    // Freeze the first sync mid-run (it holds the lock), so the second surely meets it.
    let pid = first.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-STOP", &pid])
            .status()
            .unwrap()
            .success()
    );
    let second = env.sync(&db.to(), &[]).output().unwrap();
    assert!(
        Command::new("kill")
            .args(["-CONT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("another sync of autocalls (all) is running")
            && stderr.contains(&format!("pid {pid}")),
        "{stderr}"
    );
    // The first goes on to the end (its stderr drained so it never blocks).
    let out = first.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(db.rows().len(), env.sandbox().dataset().autocalls().len());
}

#[test]
fn sqlite_second_sync_of_a_stream_is_refused() {
    one_runs_one_is_refused(Db::sqlite("c.db"));
}

#[test]
fn postgres_second_sync_of_a_stream_is_refused() {
    one_runs_one_is_refused(Db::postgres("refused"));
}

#[test]
fn bad_targets_and_id_files_are_usage_errors_without_secrets() {
    let env = Env::start(100);
    let out = env.sync("mysql://u:pw-s3cret@h/db", &[]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("invalid --to"), "{stderr}");

    let out = env
        .sync("postgres://u:pw-s3cret@127.0.0.1:1/db", &[])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot open 127.0.0.1:1, database db, user u: connection refused"),
        "{stderr}"
    );
    assert!(!stderr.contains("pw-s3cret"), "{stderr}");

    let dir = tempfile::tempdir().unwrap();
    let ids = dir.path().join("ids.txt");
    std::fs::write(&ids, "a\n\n  b  \nc\u{1b}d\n").unwrap();
    let db = Db::sqlite("c.db");
    let out = env
        .sync(&db.to(), &["--external-ids-from", ids.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("line 4: a control character"), "{stderr}");
}

#[test]
fn a_rerun_picks_up_exactly_what_the_sandbox_gained_and_changed() {
    let env = Env::start(3000);
    let db = Db::sqlite("d.db");
    let first = env.sync(&db.to(), &["--page-size", "20"]).output().unwrap();
    assert!(first.status.success());
    let before = env.sandbox().requests(Provider::Autocalls);
    let rows_before = db.rows().len();

    // Between runs the server gains conversations and changes recent ones.
    let all = env.sandbox().dataset().autocalls().to_vec();
    let added = env.sandbox().mutate().add_autocalls(7);
    assert_eq!(added.len(), 7);
    for record in &all[..3] {
        assert!(
            env.sandbox()
                .mutate()
                .touch_autocalls(record["id"].as_str().unwrap())
        );
    }

    let again = env.sync(&db.to(), &["--page-size", "20"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&again.stdout);
    common::assert_success(&again);
    assert!(stdout.contains("7 inserted, 3 updated"), "{stdout}");
    assert_eq!(db.rows().len(), rows_before + 7);

    // No more pages than the lookback needs: the records within 3 days of the last run's
    // newest, plus the seven new ones, in pages of 20, and the page past the floor.
    let within = within_three_days(&all);
    let pages = env.sandbox().requests(Provider::Autocalls) - before;
    assert!(
        pages <= ((within + 7) / 20 + 1) as u64,
        "{pages} pages for {within} + 7 records"
    );
}

/// How many of `all` (Autocalls records, newest first) lie within 3 days of the newest: the
/// lookback of an incremental sync.
fn within_three_days(all: &[serde_json::Value]) -> usize {
    let newest = all[0]["created_at"].as_str().unwrap();
    let floor = chrono::NaiveDateTime::parse_from_str(newest, "%Y-%m-%d %H:%M:%S").unwrap()
        - chrono::Duration::days(3);
    let floor = floor.format("%Y-%m-%d %H:%M:%S").to_string();
    all.iter()
        .take_while(|c| c["created_at"].as_str().unwrap() >= floor.as_str())
        .count()
}

/// `sync --account A --account B`: two accounts of one provider, each in a stream of its own
/// and its rows filed under its name, the provider beside it.
fn accounts_sync_into_streams_of_their_own(db: Db) {
    let env = Env::start(150);
    let dir = tempfile::tempdir().unwrap();
    let config = common::two_accounts_config(dir.path(), &env.sandbox().autocalls_base_url());
    let sync = |extra: &[&str]| {
        env.conversations()
            .env("EU_KEY", KEY)
            .env("US_KEY", KEY)
            .args(["sync", "--to", &db.to(), "--config"])
            .arg(&config)
            .args(extra)
            .output()
            .unwrap()
    };
    let out = sync(&["--account", "acme-eu", "--account", "acme-us"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    common::assert_success(&out);
    let n = env.sandbox().dataset().autocalls().len();
    for account in ["acme-eu", "acme-us"] {
        assert!(
            stdout.contains(&format!("{account} (all): complete: {n} records")),
            "{stdout}"
        );
    }
    assert_eq!(
        db.texts(
            "SELECT source || '|' || provider || '|' || count(*) FROM {t}
             GROUP BY source, provider ORDER BY source"
        ),
        [
            format!("acme-eu|autocalls|{n}"),
            format!("acme-us|autocalls|{n}")
        ]
    );
    let status = sync(&["--status"]);
    let status = String::from_utf8_lossy(&status.stdout);
    assert!(
        status.contains("acme-eu (all)") && status.contains("acme-us (all)"),
        "{status}"
    );
    // The streams are the accounts': a rerun of one is incremental, the other untouched.
    let again = sync(&["--account", "acme-us"]);
    let again = String::from_utf8_lossy(&again.stdout);
    assert!(
        again.contains("acme-us (all): complete") && again.contains("0 inserted"),
        "{again}"
    );
    assert!(!again.contains("acme-eu"), "{again}");
    assert!(!again.contains(KEY), "no secret printed");
}

#[test]
fn sqlite_accounts_sync_into_streams_of_their_own() {
    accounts_sync_into_streams_of_their_own(Db::sqlite("accounts.db"));
}

#[test]
fn postgres_accounts_sync_into_streams_of_their_own() {
    accounts_sync_into_streams_of_their_own(Db::postgres("accounts"));
}

/// Ctrl-C (SIGINT) mid-run: what was fetched is committed, the run says how to resume and
/// exits 130, `--status` shows it interrupted, and the same command resumes it to the end.
fn ctrl_c_commits_and_says_how_to_resume(db: Db) {
    // Pages answered in 40 ms each: the run lasts long after the signal is sent.
    let env = Env::start_with(
        SandboxConfig::new()
            .dataset_size(1500)
            .latency(Provider::Autocalls, std::time::Duration::from_millis(40)),
    );
    let expected = env.sandbox().dataset().autocalls().len();
    let args = [
        "--batch-size",
        "40",
        "--page-size",
        "20",
        "--progress-lines",
    ];
    let mut child = env
        .sync(&db.to(), &args)
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    assert!(wait_for_batches(&mut child, 2), "two batches committed");
    let signal = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(signal.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains(
            "interrupted; everything fetched is committed. Run the same command again to resume"
        ),
        "{stderr}"
    );
    let kept = db.rows().len();
    assert!(
        kept >= 80 && kept < expected,
        "{kept} of {expected} rows committed"
    );

    let status = env
        .conversations()
        .args(["sync", "--status", "--to", &db.to()])
        .output()
        .unwrap();
    let status = String::from_utf8_lossy(&status.stdout);
    assert!(status.contains("status      interrupted"), "{status}");
    assert!(
        !status.contains("resume      none"),
        "a position to resume from: {status}"
    );

    let again = env
        .sync(&db.to(), &["--batch-size", "40", "--page-size", "20"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(again.status.success(), "{stderr}");
    assert!(
        stderr.contains("resuming an unfinished full walk"),
        "{stderr}"
    );
    assert_eq!(db.rows().len(), expected, "nothing missing, nothing twice");
}

#[test]
fn sqlite_ctrl_c_commits_and_says_how_to_resume() {
    ctrl_c_commits_and_says_how_to_resume(Db::sqlite("interrupted.db"));
}

#[test]
fn postgres_ctrl_c_commits_and_says_how_to_resume() {
    ctrl_c_commits_and_says_how_to_resume(Db::postgres("interrupted"));
}
