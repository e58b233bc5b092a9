//! Output as people live with it: no table header over a failed listing, Ctrl-C closing every
//! format cleanly (exit 130), `--output` renamed into place only on success.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::Duration;

use conversations_sandbox::{Provider, Sandbox, SandboxConfig};

const KEY: &str = "habits-k3y";

struct Env {
    _runtime: tokio::runtime::Runtime,
    sandbox: Sandbox,
}

fn env() -> Env {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let sandbox = runtime
        .block_on(Sandbox::start(
            SandboxConfig::new()
                .dataset_size(300)
                .autocalls_api_key(KEY),
        ))
        .unwrap();
    Env {
        _runtime: runtime,
        sandbox,
    }
}

fn conversations(env: &Env, key: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_conversations"));
    for var in [
        "RUST_LOG",
        "ASAPP_API_ID",
        "ASAPP_API_SECRET",
        "ASAPP_BASE_URL",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("AUTOCALLS_API_KEY", key)
        .env("AUTOCALLS_BASE_URL", env.sandbox.autocalls_base_url());
    cmd
}

#[test]
fn no_header_over_a_failed_listing() {
    let env = env();
    for format in ["table", "csv"] {
        let out = conversations(&env, "wrong-key")
            .args(["list", "--provider", "autocalls", "--format", format])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{format}");
        assert!(
            out.stdout.is_empty(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[test]
fn ctrl_c_closes_every_format_cleanly() {
    let env = env();
    // Slow pages: the listing is surely still running when the signal comes.
    env.sandbox
        .set_latency(Provider::Autocalls, Duration::from_millis(300));
    for format in ["json", "ndjson", "csv", "table"] {
        let mut child = conversations(&env, KEY)
            .args([
                "list",
                "--provider",
                "autocalls",
                "--page-size",
                "1",
                "--format",
                format,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        // Wait, on the output itself, for the first record.
        let mut seen = String::new();
        while !seen.contains("autocalls") {
            let mut line = String::new();
            assert!(
                stdout.read_line(&mut line).unwrap() > 0,
                "{format}: output ended early"
            );
            seen.push_str(&line);
        }
        let kill = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        stdout.read_to_string(&mut seen).unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(130), "{format}");
        assert!(seen.ends_with('\n'), "{format}: a final newline");
        if format == "json" {
            let parsed: serde_json::Value =
                serde_json::from_str(&seen).expect("a closed JSON array");
            assert!(parsed.as_array().is_some_and(|a| !a.is_empty()));
        }
        if format == "ndjson" {
            assert!(
                seen.lines()
                    .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
            );
        }
    }
}

#[test]
fn output_is_renamed_into_place_only_on_success() {
    let env = env();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.ndjson");
    let ok = conversations(&env, KEY)
        .args([
            "list",
            "--provider",
            "autocalls",
            "--limit",
            "5",
            "--format",
            "ndjson",
            "--output",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert!(ok.status.success());
    assert!(ok.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&file).unwrap().lines().count(), 5);

    std::fs::write(&file, "before\n").unwrap();
    let failed = conversations(&env, "wrong-key")
        .args([
            "list",
            "--provider",
            "autocalls",
            "--format",
            "ndjson",
            "-o",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(failed.status.code(), Some(3));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "before\n",
        "left as it was"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "no temporary file left behind");
}
