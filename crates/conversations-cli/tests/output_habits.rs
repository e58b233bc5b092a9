//! Output as people live with it: no table header over a failed listing, Ctrl-C closing every
//! format cleanly (exit 130), `--output` renamed into place only on success; for a plain
//! listing and for `--external-ids-from` lookups alike.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::Duration;

use conversations_sandbox::{Fault, Provider, SandboxConfig};

mod common;

const KEY: &str = "habits-k3y";

use common::SandboxEnv as Env;

fn env() -> Env {
    Env::start(
        SandboxConfig::new()
            .dataset_size(300)
            .autocalls_api_key(KEY),
    )
}

fn conversations(env: &Env, key: &str) -> Command {
    env.autocalls_cli(key)
}

/// `conversations` looking ids up in the sandbox's ASAPP, with `secret`.
fn asapp(env: &Env, secret: &str) -> Command {
    let mut cmd = conversations(env, KEY);
    cmd.env("ASAPP_API_ID", &env.sandbox().credentials().asapp_api_id)
        .env("ASAPP_API_SECRET", secret)
        .env("ASAPP_BASE_URL", env.sandbox().asapp_base_url());
    cmd
}

/// A file of every ASAPP external id of the sandbox.
fn ids_file(env: &Env) -> (tempfile::NamedTempFile, Vec<String>) {
    let ids: Vec<String> = env
        .sandbox()
        .dataset()
        .asapp_external_ids()
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert!(ids.len() > 3);
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), ids.join("\n")).unwrap();
    (file, ids)
}

/// Kills `child` if it has not ended when the returned guard is dropped: a test that fails
/// must not hang the suite. It never decides a test's outcome.
struct KillOnDrop(u32);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", &self.0.to_string()])
            .stderr(Stdio::null())
            .status();
    }
}

/// Sends SIGINT (Ctrl-C) to `child`.
fn interrupt(child: &std::process::Child) {
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
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
    env.sandbox()
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
        interrupt(&child);
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

#[test]
fn ctrl_c_closes_every_format_cleanly_with_lookups_in_flight() {
    let env = env();
    let secret = env.sandbox().credentials().asapp_api_secret.clone();
    let (file, ids) = ids_file(&env);
    for format in ["json", "ndjson", "csv", "table"] {
        // The first lookup is answered at once; every one after it hangs for an hour, so the
        // run is surely waiting on the network when the signal comes.
        env.sandbox().faults().clear();
        env.sandbox()
            .faults()
            .inject(Provider::Asapp, Fault::Delay(Duration::ZERO), 1);
        env.sandbox()
            .faults()
            .always(Provider::Asapp, Fault::Delay(Duration::from_secs(3600)));
        let mut child = asapp(&env, &secret)
            .args([
                "list",
                "--provider",
                "asapp",
                "--concurrency",
                "1",
                "--format",
                format,
                "--external-ids-from",
            ])
            .arg(file.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let _guard = KillOnDrop(child.id());
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        // Wait, on the output itself, for the first id's record (shown as it came: the output
        // is flushed before the run waits). Read as it comes, not by lines: a JSON array's
        // element gets its line break only when the next one (or the closing bracket) comes.
        let mut bytes = Vec::new();
        while !String::from_utf8_lossy(&bytes).contains(&ids[0]) {
            let mut chunk = [0u8; 4096];
            let n = stdout.read(&mut chunk).unwrap();
            assert!(
                n > 0,
                "{format}: output ended early: {}",
                String::from_utf8_lossy(&bytes)
            );
            bytes.extend_from_slice(&chunk[..n]);
        }
        let mut seen = String::from_utf8(bytes).unwrap();
        interrupt(&child);
        stdout.read_to_string(&mut seen).unwrap();
        let status = child.wait().unwrap();
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        assert_eq!(status.code(), Some(130), "{format}: {stderr}");
        assert!(seen.ends_with('\n'), "{format}: a final newline");
        assert!(stderr.contains("interrupted: "), "{format}: {stderr}");
        assert!(
            !seen.contains(&ids[1]),
            "{format}: the second id never answered"
        );
        match format {
            "json" => {
                let parsed: serde_json::Value =
                    serde_json::from_str(&seen).expect("a closed JSON array");
                let records = parsed.as_array().unwrap();
                assert!(!records.is_empty());
                assert!(records.iter().all(|r| r["asked_id"] == ids[0].as_str()));
            }
            "ndjson" => assert!(
                seen.lines()
                    .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
            ),
            "csv" => assert!(seen.starts_with("provider,id,external_id,")),
            _ => assert!(seen.starts_with("PROVIDER")),
        }
    }
    env.sandbox().faults().clear();
}

#[test]
fn lookup_output_is_renamed_into_place_only_on_success() {
    let env = env();
    let secret = env.sandbox().credentials().asapp_api_secret.clone();
    let (file, ids) = ids_file(&env);
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("found.ndjson");
    let ok = asapp(&env, &secret)
        .args(["list", "--provider", "asapp", "--format", "ndjson", "-o"])
        .arg(&out_file)
        .arg("--external-ids-from")
        .arg(file.path())
        .output()
        .unwrap();
    common::assert_success(&ok);
    assert!(ok.stdout.is_empty(), "the records went to the file");
    let written = std::fs::read_to_string(&out_file).unwrap();
    for id in &ids {
        assert!(written.contains(&format!("\"asked_id\":\"{id}\"")), "{id}");
    }

    // One id fails (after its retries): the file is left as it was, no temporary file stays.
    std::fs::write(&out_file, "before\n").unwrap();
    env.sandbox()
        .faults()
        .inject(Provider::Asapp, Fault::Unauthorized, 1);
    let failed = asapp(&env, &secret)
        .args([
            "list",
            "--provider",
            "asapp",
            "--format",
            "ndjson",
            "--concurrency",
            "1",
            "--output",
        ])
        .arg(&out_file)
        .arg("--external-ids-from")
        .arg(file.path())
        .output()
        .unwrap();
    let stderr = common::stderr_after_exit(&failed, 3);
    assert!(stderr.contains("1 lookups failed"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&out_file).unwrap(), "before\n");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}
