//! Records off their documented types, end to end: listed with their notes and a summary
//! line per provider by default; refused at the first one with `--strict`.
#![allow(clippy::unwrap_used)]

mod common;

use common::run_ok;
use httpmock::prelude::*;

const KEY: &str = "k3y-never-printed";

fn record(id: &str, assistant_id: &str) -> String {
    format!(
        r#"{{"id":"{id}","assistant_id":{assistant_id},"assistant_name":"Ann","type":"api","variables":null,"message_count":1,"total_cost":0.5,"ai_enabled":true,"created_at":"2025-01-25 09:00:00","updated_at":"2025-01-25 09:00:00","customer":{{"name":"Jane Doe","phone":"+14155559876"}}}}"#
    )
}

/// A server with three records; the second sends `assistant_id` as a number (PHP's habit).
fn server() -> (MockServer, Vec<String>) {
    let server = MockServer::start();
    let records = vec![
        record("c-1", "\"a-1\""),
        record("c-2", "102"),
        record("c-3", "\"a-3\""),
    ];
    let body = format!(
        r#"{{"data":[{}],"per_page":15,"next_cursor":null,"prev_cursor":null}}"#,
        records.join(",")
    );
    server.mock(|when, then| {
        when.method(GET).path("/api/user/conversations");
        then.status(200)
            .header("content-type", "application/json")
            .body(body);
    });
    (server, records)
}

/// `conversations` ([`common::bare`]) pointed at `server` for Autocalls.
fn conversations(server: &MockServer) -> std::process::Command {
    let mut cmd = common::bare();
    cmd.env("AUTOCALLS_API_KEY", KEY)
        .env("AUTOCALLS_BASE_URL", server.url("/api"));
    cmd
}

#[test]
fn off_spec_records_are_listed_with_notes_and_summarized() {
    let (server, records) = server();
    let mut list = conversations(&server);
    list.args(["list", "--provider", "autocalls", "--format", "ndjson"]);
    let out = run_ok(&mut list);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "every record: {stdout}");
    for (line, raw) in lines.iter().zip(&records) {
        assert!(
            line.contains(&format!("\"raw\":{raw}")),
            "raw written verbatim: {line}"
        );
    }
    let second: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(second["agent"]["id"], "102");
    assert_eq!(
        second["notes"],
        serde_json::json!([{"path": "assistant_id", "documented": "string", "found": "number", "action": "converted"}])
    );
    assert!(
        serde_json::from_str::<serde_json::Value>(lines[0])
            .unwrap()
            .get("notes")
            .is_none()
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr.trim(),
        "autocalls: 1 of 3 records had fields off their documented types: assistant_id \
         (number, documented string); see \"notes\" in json or ndjson output (--strict refuses them)"
    );
}

#[test]
fn strict_stops_at_the_first_off_spec_record_naming_it() {
    let (server, _) = server();
    for format in ["ndjson", "json", "csv", "table"] {
        let out = conversations(&server)
            .args([
                "list",
                "--provider",
                "autocalls",
                "--strict",
                "--format",
                format,
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains(
                "autocalls: record 2 of the listing is off its documented types: assistant_id (number, documented string)"
            ),
            "{format}: {stderr}"
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(
            stdout.contains("c-1") && !stdout.contains("c-2"),
            "{format}: {stdout}"
        );
        for text in [&stdout, &stderr] {
            assert!(!text.contains(KEY));
        }
        assert!(
            !stderr.contains("Jane") && !stderr.contains("+1415"),
            "no record contents in errors"
        );
    }
}
