//! `conversations report` end to end: `sync --sandbox` then a report of each format from the
//! same SQLite file, and bad input refused in one line with the usage exit code.

#![allow(clippy::unwrap_used)]

mod common;

use common::{assert_success_of, bare, run_ok};

fn synced() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    run_ok(
        bare()
            .current_dir(dir.path())
            .args(["sync", "--sandbox", "--provider", "autocalls"]),
    );
    dir
}

#[test]
fn two_commands_from_the_sandbox_to_every_format() {
    let dir = synced();
    let run = |args: &[&str]| {
        let out = bare()
            .current_dir(dir.path())
            .arg("report")
            .args(args)
            .output()
            .unwrap();
        assert_success_of(&format!("{args:?}"), &out);
        out.stdout
    };
    run(&["--format", "html", "--output", "report.html"]);
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), 3, "every view's chart");
    let table = String::from_utf8(run(&["cost", "--top", "3"])).unwrap();
    assert!(
        table.starts_with("Cost by assistant per day (UTC) — cost\nDAY "),
        "{table}"
    );
    assert!(table.lines().any(|l| l.starts_with("all ")), "{table}");
    let csv = String::from_utf8(run(&["volume", "--per", "month", "--format", "csv"])).unwrap();
    assert!(
        csv.starts_with("period,assistant,conversations,messages\n"),
        "{csv}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&run(&["cost", "--format", "json"])).unwrap();
    let total = json["reports"][0]["totals"]["cost"].as_str().unwrap();
    assert!(
        total.split_once('.').is_some_and(|(_, d)| d.len() == 4),
        "{total}"
    );
    assert!(run(&["notes", "--format", "svg"]).starts_with(b"<svg"));
    assert!(run(&["cost", "--format", "png"]).starts_with(b"\x89PNG"));
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let dir = synced();
    for (args, says) in [
        (
            vec!["cost", "--tz", "Mars/Olympus"],
            "error: --tz: \"Mars/Olympus\" is not an IANA time zone name",
        ),
        (
            vec!["cost", "--since", "last week"],
            "error: --since: \"last week\" is not a date",
        ),
        (vec!["--format", "csv"], "error: VIEW: name a view"),
    ] {
        let out = bare()
            .current_dir(dir.path())
            .arg("report")
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with(says), "{err}");
    }
    // A database no sync wrote: said so, nothing created.
    let out = bare()
        .current_dir(dir.path())
        .args(["report", "cost", "--from", "sqlite:none.db"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(!dir.path().join("none.db").exists());
}
