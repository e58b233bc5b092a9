//! Inputs (issue 20): an ids file's byte-order mark, ids read as a stream, `--limit` on
//! lookups, user text quoted short in errors, empty and invalid environment variables, table
//! widths into a pipe and with `COLUMNS`, and `sandbox serve --size` past what it holds.
//!
//! Every run is against the built-in sandbox (127.0.0.1) or sends no request at all; a run
//! that could hang without the change it tests is bounded (60 s, then killed and failed).
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use wait_timeout::ChildExt;

mod common;

use common::{bare, bare_assert as conversations, sandbox_list};

/// The longest a run may take: generous, only that it ends is asserted.
const LIMIT: Duration = Duration::from_secs(60);

/// The id with one ASAPP and two Autocalls conversations in the default sandbox.
const LEAD: &str = "crm-lead-12301";

fn ids_file(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(bytes).unwrap();
    file
}

/// `list --sandbox --format ndjson --external-ids-from FILE` and more arguments: its
/// records, stderr and exit code.
fn lookup(file: &tempfile::NamedTempFile, more: &[&str]) -> (Vec<serde_json::Value>, String, i32) {
    let out = conversations()
        .args([
            "list",
            "--sandbox",
            "--format",
            "ndjson",
            "--external-ids-from",
        ])
        .arg(file.path())
        .args(more)
        .output()
        .unwrap();
    let records = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let stderr = String::from_utf8(out.stderr).unwrap();
    (records, stderr, out.status.code().unwrap_or(-1))
}

#[test]
fn a_byte_order_mark_at_the_start_of_an_ids_file_is_ignored() {
    let file = ids_file(format!("\u{feff}{LEAD}\r\nno-such-lead\r\n").as_bytes());
    let (records, stderr, code) = lookup(&file, &["--provider", "asapp"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        records.len(),
        1,
        "the first id is {LEAD}, not BOM + {LEAD}: {stderr}"
    );
    assert_eq!(records[0]["asked_id"], LEAD);
}

#[test]
fn limit_bounds_the_records_of_a_lookup_as_of_a_listing() {
    let file = ids_file(format!("{LEAD}\n").as_bytes());
    let (records, stderr, code) = lookup(&file, &["--provider", "all"]);
    assert_eq!((records.len(), code), (3, 0), "{stderr}");
    for limit in ["1", "2"] {
        let (records, stderr, code) = lookup(&file, &["--provider", "all", "--limit", limit]);
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(records.len().to_string(), limit, "{stderr}");
    }
}

#[test]
fn ids_are_looked_up_as_they_are_read() {
    // The first id's records come out while stdin is still open: nothing waits for the end
    // of the ids.
    let mut child = sandbox_list("asapp")
        .args(["--format", "ndjson"])
        .args(["--external-ids-from", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{LEAD}").unwrap();
    stdin.flush().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (send, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let _ = send.send(line.unwrap());
        }
    });
    let first = lines.recv_timeout(LIMIT);
    if first.is_err() {
        let _ = child.kill();
        let _ = child.wait();
        panic!("no record within {LIMIT:?} while the ids were still open");
    }
    let record: serde_json::Value = serde_json::from_str(&first.unwrap()).unwrap();
    assert_eq!(record["asked_id"], LEAD);
    drop(stdin);
    let status = child.wait_timeout(LIMIT).unwrap();
    assert_eq!(status.and_then(|s| s.code()), Some(0));
}

#[test]
fn a_huge_line_is_refused_in_one_short_line_and_long_ids_are_quoted_short() {
    let mut text = format!("{LEAD}\n").into_bytes();
    text.extend(std::iter::repeat_n(b'x', 10 << 20));
    text.push(b'\n');
    let (_, stderr, code) = lookup(&ids_file(&text), &["--provider", "asapp"]);
    assert_eq!(code, 2, "{}", &stderr[..stderr.len().min(500)]);
    assert!(stderr.len() < 1000, "{} bytes of stderr", stderr.len());
    assert!(
        stderr.contains("line 2: the line is longer than 4096 bytes"),
        "{stderr}"
    );

    // An id the providers refuse (over 1024 bytes): each error quotes 100 characters of it.
    let long = "y".repeat(4000);
    let (_, stderr, code) = lookup(
        &ids_file(format!("{long}\n").as_bytes()),
        &["--provider", "all"],
    );
    assert_eq!(code, 2, "{}", &stderr[..stderr.len().min(500)]);
    assert!(!stderr.contains(&"y".repeat(101)), "{stderr}");
    assert!(
        stderr.contains(&format!("{}…", "y".repeat(100))),
        "{stderr}"
    );
}

#[test]
fn flags_quote_at_most_100_characters_of_what_was_given() {
    let long = "a".repeat(5000);
    for (flag, value) in [
        ("--fault", long.clone()),
        ("--latency", format!("asapp:{long}")),
        ("--rate-limit", format!("asapp:{long}")),
    ] {
        let out = conversations()
            .args(["sandbox", "serve", "--port", "0", flag, &value])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.len() < 400,
            "{flag}: {} bytes: {stderr}",
            stderr.len()
        );
        assert!(
            stderr.contains(&format!("error: invalid {flag} \"")),
            "{stderr}"
        );
    }
    let out = conversations()
        .args(["list", "--account", &long])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stderr.len() < 400,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_empty_config_variable_counts_as_unset() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("c.db").display());
    for args in [
        &[
            "list",
            "--sandbox",
            "--provider",
            "autocalls",
            "--limit",
            "1",
            "--format",
            "ndjson",
        ][..],
        &["sync", "--sandbox", "--provider", "autocalls", "--to", &db][..],
        &["accounts"][..],
    ] {
        let out = conversations()
            .env("CONVERSATIONS_CONFIG", "")
            .args(args)
            .output()
            .unwrap();
        common::assert_success_of(&format!("{args:?}"), &out);
    }
}

#[test]
fn an_invalid_base_url_names_its_variable_or_flag() {
    let out = conversations()
        .env("AUTOCALLS_API_KEY", "k")
        .env("AUTOCALLS_BASE_URL", "not a url")
        .args(["list", "--provider", "autocalls"])
        .output()
        .unwrap();
    let stderr = common::stderr_after_exit(&out, 2);
    assert!(
        stderr.contains("autocalls: AUTOCALLS_BASE_URL: bad base URL"),
        "{stderr}"
    );

    let out = conversations()
        .env("ASAPP_API_ID", "id")
        .env("ASAPP_API_SECRET", "s")
        .args(["list", "--provider", "asapp", "--external-id", "x"])
        .args(["--asapp-base-url", "ftp://127.0.0.1/"])
        .output()
        .unwrap();
    let stderr = common::stderr_after_exit(&out, 2);
    assert!(stderr.contains("asapp: --asapp-base-url: "), "{stderr}");
}

/// `list --sandbox --provider autocalls --limit 5` as a table into a pipe, with `COLUMNS`
/// set to `columns` if given.
fn table(columns: Option<&str>) -> (String, String, i32) {
    let mut cmd = sandbox_list("autocalls");
    if let Some(columns) = columns {
        cmd.env("COLUMNS", columns);
    }
    let out = cmd.args(["--limit", "5"]).output().unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn a_table_into_a_pipe_keeps_whole_values_or_fits_columns() {
    let (text, stderr, code) = table(None);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(text.lines().count(), 6, "{text}");
    assert!(!text.contains('…'), "{text}");
    // Every id whole (36 characters, a UUID), below the ID title.
    let at = text.lines().next().unwrap().find(" ID ").unwrap() + 1;
    for line in text.lines().skip(1) {
        let id = line[at..].split_whitespace().next().unwrap();
        assert_eq!(id.len(), 36, "{text}");
    }

    let (text, stderr, code) = table(Some("100"));
    assert_eq!(code, 0, "{stderr}");
    assert!(text.contains('…'), "{text}");
    assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");

    let (text, stderr, code) = table(Some("wide"));
    assert_eq!(code, 2);
    assert!(text.is_empty());
    assert!(
        stderr.contains("COLUMNS must be a positive whole number"),
        "{stderr}"
    );
}

#[test]
fn sandbox_serve_refuses_a_size_it_cannot_hold() {
    let mut child = bare()
        .args(["sandbox", "serve", "--port", "0", "--size", "99999999999"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let Some(status) = child.wait_timeout(LIMIT).unwrap() else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("`sandbox serve --size 99999999999` ran on for {LIMIT:?}");
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("error: invalid --size 99999999999: a data set of 99999999999 conversations is more than the sandbox holds"),
        "{stderr}"
    );
}
