//! `-v` shows each request (never a secret or a query value); without it the CLI is quiet;
//! a query one provider cannot take leaves that provider out, said on stderr, and the
//! others still list.
#![allow(clippy::unwrap_used)]

mod common;

use common::sandbox_list;

const PHONE: &str = "+14155550100";

fn list(extra: &[&str]) -> std::process::Output {
    sandbox_list("autocalls")
        .args(["--whatsapp-sender-phone", PHONE])
        .args(["--page-size", "5", "--limit", "12", "--format", "ndjson"])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn quiet_without_v() {
    let out = list(&[]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stderr).unwrap(), "");
}

#[test]
fn v_logs_each_request_without_secrets_or_query_values() {
    let out = list(&["-v"]);
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().filter(|l| l.contains("response")).collect();
    assert_eq!(
        lines.len(),
        3,
        "three pages of 5 for a limit of 12: {stderr}"
    );
    for line in &lines {
        for field in [
            "provider",
            "autocalls",
            "attempt=1",
            "status=200",
            "latency_ms",
            "bytes",
        ] {
            assert!(line.contains(field), "{field} in {line}");
        }
    }
    assert!(
        !stderr.contains(PHONE) && !stderr.contains("4155550100"),
        "no query value: {stderr}"
    );
    assert!(
        !stderr.contains("sandbox-autocalls-key"),
        "no secret: {stderr}"
    );
}

#[test]
fn log_format_json_writes_json_lines() {
    let out = list(&["-v", "--log-format", "json"]);
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    let events: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        events
            .iter()
            .any(|e| e["status"] == 200 && e["span"]["provider"] == "autocalls")
    );
}

#[test]
fn a_provider_that_cannot_take_the_query_is_left_out_and_named() {
    let out = sandbox_list("all")
        .args(["--type", "whatsapp", "--limit", "5", "--format", "ndjson"])
        .output()
        .unwrap();
    let stderr = common::stderr_after_exit(&out, 0);
    assert!(
        stderr.starts_with("note: asapp left out: asapp: invalid query"),
        "{stderr}"
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 5);
    assert!(
        stdout
            .lines()
            .all(|l| l.contains(r#""provider":"autocalls""#))
    );

    // When no provider can take it: an error before any output.
    let out = sandbox_list("asapp")
        .args(["--type", "whatsapp", "--format", "table"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}
