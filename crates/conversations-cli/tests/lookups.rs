//! `list --external-ids-from`: many ids at once, each record tagged with the id it answers,
//! failed ids listed and written for a rerun, bad id files refused naming the line.
#![allow(clippy::unwrap_used)]

use std::io::Write;

mod common;

use common::{bare_assert as conversations, sandbox_list};

fn ids_file(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    file
}

#[test]
fn every_record_says_which_id_it_answers() {
    // crm-lead-12301 has one ASAPP and two Autocalls conversations in the default sandbox.
    let file = ids_file("  crm-lead-12301 \n\ncrm-lead-12301\nno-such-lead\n");
    let out = sandbox_list("all")
        .args(["--format", "ndjson", "--concurrency", "4"])
        .arg("--external-ids-from")
        .arg(file.path())
        .output()
        .unwrap();
    common::assert_success(&out);
    let records: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 3, "the repeated id is looked up once");
    assert!(records.iter().all(|r| r["asked_id"] == "crm-lead-12301"));
    for provider in ["asapp", "autocalls"] {
        assert!(records.iter().any(|r| r["provider"] == provider));
    }
}

#[test]
fn ids_come_from_stdin_too_and_an_empty_list_is_fine() {
    let mut list = sandbox_list("autocalls");
    list.args(["--format", "json", "--external-ids-from", "-"]);
    let out = assert_cmd::Command::from_std(list)
        .write_stdin("")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), "[]");
}

#[test]
fn a_control_character_is_a_usage_error_naming_its_line() {
    let file = ids_file("crm-1\ncrm-2\ncrm\u{7}3\n");
    let out = conversations()
        .args(["list", "--sandbox", "--provider", "all"])
        .arg("--external-ids-from")
        .arg(file.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("line 3: a control character")
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn failed_ids_are_listed_and_written_for_a_rerun() {
    let file = ids_file("crm-a\ncrm-b\n");
    let failed = tempfile::NamedTempFile::new().unwrap();
    let out = conversations()
        .env("ASAPP_API_ID", "id")
        .env("ASAPP_API_SECRET", "s3cret")
        // Nothing listens there: every lookup fails after its retries.
        .env("ASAPP_BASE_URL", "http://127.0.0.1:9")
        .args(["list", "--provider", "asapp", "--format", "csv"])
        .arg("--external-ids-from")
        .arg(file.path())
        .arg("--failed-ids")
        .arg(failed.path())
        .output()
        .unwrap();
    let stderr = common::stderr_after_exit(&out, 1);
    assert!(
        stderr.contains("2 lookups failed (0 answered); ids that failed: crm-a, crm-b"),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cret"));
    // Written as they fail (in any order), one a line.
    let written = std::fs::read_to_string(failed.path()).unwrap();
    let mut lines: Vec<&str> = written.lines().collect();
    lines.sort_unstable();
    assert_eq!(lines, ["crm-a", "crm-b"], "{written:?}");
    assert!(written.ends_with('\n'));
}
