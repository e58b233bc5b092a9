//! Walks end, whatever the pages say: the same records behind ever new cursors, empty pages
//! that still lead on, 60 KB cursors, a cursor already followed, a 10 MB cursor or one with a
//! newline (which cannot be sent). `list` and `sync` stop with exit 1 after a handful of
//! requests, each record delivered once, never quoting a cursor; `sync` keeps what came
//! before.

use std::collections::HashSet;

use super::Provider;
use crate::child::{Case, Run, case, run, run_cases};
use crate::server::{
    Request, Server, Step, autocalls_page, autocalls_record, autocalls_records, json,
};

/// The longest stderr line a run may print (cursors are never quoted).
const LONGEST_LINE: usize = 300;

/// A server looping in some way, the records it shows and the cursors it hands out.
type Pages = fn(&Request) -> (Vec<serde_json::Value>, Option<String>);

/// The same three records on every page, each page leading to a new cursor.
fn same_records(r: &Request) -> (Vec<serde_json::Value>, Option<String>) {
    (autocalls_records(3), Some(format!("c{}", r.n)))
}

/// The same three ids on every page, their bytes changing (a count that ticks), each page
/// leading to a new cursor.
fn same_ids_new_bytes(r: &Request) -> (Vec<serde_json::Value>, Option<String>) {
    let mut records = autocalls_records(3);
    for record in &mut records {
        record["message_count"] = serde_json::json!(r.n);
    }
    (records, Some(format!("c{}", r.n)))
}

/// Three records, then empty pages, each leading to a new cursor.
fn empty_pages(r: &Request) -> (Vec<serde_json::Value>, Option<String>) {
    let records = if r.n == 1 {
        autocalls_records(3)
    } else {
        Vec::new()
    };
    (records, Some(format!("c{}", r.n)))
}

/// Nothing but empty pages, each leading to a new cursor.
fn only_empty_pages(r: &Request) -> (Vec<serde_json::Value>, Option<String>) {
    (Vec::new(), Some(format!("c{}", r.n)))
}

/// The same three records, each page leading to a new cursor of 60 KB.
fn long_cursors(r: &Request) -> (Vec<serde_json::Value>, Option<String>) {
    (
        autocalls_records(3),
        Some(format!("{:06}{}", r.n, "Zx9".repeat(20_000))),
    )
}

/// Fresh records on every page, but the second page leads to itself.
fn repeated_cursor(r: &Request) -> (Vec<serde_json::Value>, Option<String>) {
    let page = usize::from(r.query("cursor").is_some());
    (
        (page * 3..page * 3 + 3).map(autocalls_record).collect(),
        Some("c1".to_owned()),
    )
}

/// Fresh records on every page, cursors going c1 → c2 → c1.
fn cursor_cycle(r: &Request) -> (Vec<serde_json::Value>, Option<String>) {
    let records = ((r.n - 1) * 3..r.n * 3).map(autocalls_record).collect();
    let next = if r.n % 2 == 1 { "c1" } else { "c2" };
    (records, Some(next.to_owned()))
}

/// Three records, and a next cursor of 10 MB: it cannot be sent.
fn huge_cursor(_: &Request) -> (Vec<serde_json::Value>, Option<String>) {
    (autocalls_records(3), Some("Q".repeat(10 * 1024 * 1024)))
}

/// Three records, and a next cursor holding a newline.
fn newline_cursor(_: &Request) -> (Vec<serde_json::Value>, Option<String>) {
    (
        autocalls_records(3),
        Some("abc\r\nx-injected: 1".to_owned()),
    )
}

fn server(pages: Pages) -> Server {
    Server::start(move |r| {
        let (records, next) = pages(r);
        vec![Step::Send(json(
            200,
            &autocalls_page(&records, next.as_deref()),
        ))]
    })
}

/// Ended with exit 1, the stderr naming Autocalls and `says`, no stderr line too long.
fn stopped(out: &Run, says: &str) {
    out.ended_with(1).stderr_has(&["autocalls", says]);
    for line in out.stderr.lines() {
        assert!(
            line.len() <= LONGEST_LINE,
            "a stderr line of {} characters: {}",
            line.len(),
            out.show()
        );
    }
}

/// The records printed: each one once, `n` of them.
fn each_once(out: &Run, n: usize) {
    let records = out.ndjson();
    let ids: HashSet<String> = records.iter().map(|r| r["raw"]["id"].to_string()).collect();
    assert_eq!(records.len(), n, "{}", out.show());
    assert_eq!(ids.len(), n, "each record once: {}", out.show());
}

fn list(
    name: &str,
    pages: Pages,
    flags: &'static [&'static str],
    says: &'static str,
    records: usize,
    requests: std::ops::RangeInclusive<usize>,
) -> Case {
    case(format!("list: {name}"), move || {
        let server = server(pages);
        let out = run(Provider::Autocalls.list(&server, flags));
        stopped(&out, says);
        each_once(&out, records);
        let seen = server.requests();
        assert!(
            requests.contains(&seen),
            "{seen} requests, expected {requests:?}: {}",
            out.show()
        );
        assert!(
            server.log().iter().all(|r| !r.oversized),
            "a request too long to be valid was sent: {}",
            out.show()
        );
    })
}

fn sync(
    name: &str,
    pages: Pages,
    says: &'static str,
    rows: i64,
    requests: std::ops::RangeInclusive<usize>,
) -> Case {
    case(format!("sync: {name}"), move || {
        let server = server(pages);
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("c.db");
        let mut cmd = Provider::Autocalls.cmd(&server);
        cmd.args(["sync", "--provider", "autocalls", "--to"])
            .arg(format!("sqlite:{}", db.display()));
        let out = run(cmd);
        assert!(!out.timed_out, "{}", out.show());
        assert_ne!(out.code, Some(0), "{}", out.show());
        out.no_panic().stderr_has(&["autocalls", says]);
        let seen = server.requests();
        assert!(
            requests.contains(&seen),
            "{seen} requests, expected {requests:?}: {}",
            out.show()
        );
        let stored: i64 = rusqlite::Connection::open(&db)
            .unwrap()
            .query_row("SELECT count(*) FROM conversations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(stored, rows, "rows committed: {}", out.show());
    })
}

const STALE: &str = "no record not already delivered";
const FOLLOWED: &str = "already followed";

#[test]
fn walks_end() {
    run_cases(vec![
        list(
            "the same 3 records behind ever new cursors",
            same_records,
            &[],
            STALE,
            3,
            2..=10,
        ),
        list(
            "the same 3 ids, their bytes changing, behind ever new cursors",
            same_ids_new_bytes,
            &[],
            STALE,
            3,
            2..=10,
        ),
        list(
            "nothing but empty pages that lead on",
            only_empty_pages,
            &[],
            STALE,
            0,
            2..=10,
        ),
        list(
            "empty pages that still lead on",
            empty_pages,
            &[],
            STALE,
            3,
            2..=10,
        ),
        list(
            "60 KB cursors (-vv)",
            long_cursors,
            &["-vv"],
            STALE,
            3,
            2..=10,
        ),
        list(
            "a page leading to itself",
            repeated_cursor,
            &[],
            FOLLOWED,
            6,
            2..=2,
        ),
        list("cursors in a cycle", cursor_cycle, &[], FOLLOWED, 9, 3..=3),
        list(
            "a 10 MB cursor (-vv)",
            huge_cursor,
            &["-vv"],
            "autocalls",
            3,
            1..=1,
        ),
        list(
            "a cursor holding a newline",
            newline_cursor,
            &[],
            "autocalls",
            3,
            1..=1,
        ),
        sync(
            "the same 3 records behind ever new cursors",
            same_records,
            STALE,
            3,
            2..=10,
        ),
        sync(
            "a page leading to itself",
            repeated_cursor,
            FOLLOWED,
            6,
            2..=2,
        ),
        sync("a 10 MB cursor", huge_cursor, "autocalls", 3, 1..=1),
    ]);
}
