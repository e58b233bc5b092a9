//! `--since` / `--until` on `list` and `sync`, end to end on the built-in sandbox: exactly the
//! records of a full listing created inside the bounds, in fewer requests where the listing
//! comes newest first (Autocalls); refused, with the reason, for ASAPP, whose records carry no
//! creation time; bad values are one line and exit 2.
#![allow(clippy::unwrap_used)]

mod common;

use common::{assert_success, bare as conversations, sandbox_list};
use serde_json::Value;

/// Fails the test unless `out` is a refusal: exit 2, one line on stderr starting with
/// `start`, nothing on stdout.
fn assert_refused(out: &std::process::Output, start: &str) {
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with(start), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(out.stdout.is_empty());
}

/// `list --sandbox --provider autocalls --format ndjson -v ARGS`: the records' (id,
/// created_at), and how many requests answered 200.
fn list(args: &[&str]) -> (Vec<(String, String)>, usize) {
    let out = sandbox_list("autocalls")
        .args(["--format", "ndjson", "-v"])
        .args(["--page-size", "10"])
        .args(args)
        .output()
        .unwrap();
    assert_success(&out);
    let records = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).unwrap();
            (
                v["id"].as_str().unwrap().to_owned(),
                v["created_at"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let requests = String::from_utf8_lossy(&out.stderr)
        .matches("status=200")
        .count();
    (records, requests)
}

#[test]
fn list_bounds_are_a_filter_of_the_full_listing_in_fewer_requests() {
    let (all, all_requests) = list(&[]);
    assert!(
        all.len() > 100,
        "the sandbox's Autocalls listing: {}",
        all.len()
    );
    // Bounds inside the data: a week below the newest record, less its newest day.
    let newest: chrono::DateTime<chrono::Utc> = all[0].1.parse().unwrap();
    let since = (newest - chrono::Duration::days(7)).to_rfc3339();
    let until = (newest - chrono::Duration::days(1)).to_rfc3339();
    let (bounded, requests) = list(&["--since", &since, "--until", &until]);
    let want: Vec<_> = all
        .iter()
        .filter(|(_, created)| {
            let t: chrono::DateTime<chrono::Utc> = created.parse().unwrap();
            t.to_rfc3339() >= since && t.to_rfc3339() < until
        })
        .cloned()
        .collect();
    assert!(!want.is_empty());
    assert_eq!(bounded, want);
    assert!(
        requests < all_requests / 2,
        "the walk stops below --since: {requests} requests against {all_requests}"
    );
}

#[test]
fn asapp_refuses_the_bounds_with_the_reason() {
    let out = sandbox_list("asapp")
        .args(["--external-id", "crm-lead-12301"])
        .args(["--since", "7d"])
        .output()
        .unwrap();
    assert_refused(
        &out,
        "error: asapp: invalid query: asapp's records carry no creation time",
    );
}

#[test]
fn a_bad_when_is_one_line_and_exit_2_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");
    let to = format!("sqlite:{}", db.display());
    for args in [vec!["list"], vec!["sync", "--to", &to]] {
        let out = conversations()
            .args(&args)
            .args(["--sandbox", "--provider", "autocalls", "--until", "soonish"])
            .output()
            .unwrap();
        assert_refused(&out, "error: --until: ");
    }
    assert!(!db.exists(), "nothing created");
}

#[test]
fn sync_since_stores_exactly_the_bounded_records() {
    let (all, _) = list(&[]);
    let newest: chrono::DateTime<chrono::Utc> = all[0].1.parse().unwrap();
    let since = (newest - chrono::Duration::days(3)).to_rfc3339();
    let want = all
        .iter()
        .filter(|(_, created)| {
            created
                .parse::<chrono::DateTime<chrono::Utc>>()
                .unwrap()
                .to_rfc3339()
                >= since
        })
        .count();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");
    let out = conversations()
        .args([
            "sync",
            "--sandbox",
            "--provider",
            "autocalls",
            "--since",
            &since,
        ])
        .arg("--to")
        .arg(format!("sqlite:{}", db.display()))
        .output()
        .unwrap();
    assert_success(&out);
    let rows: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT count(*) FROM conversations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows as usize, want);
}
