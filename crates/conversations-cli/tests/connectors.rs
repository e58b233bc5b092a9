//! The Singer tap and the Airbyte source, run by the real runners installed from PyPI into
//! virtual environments (`tests/connectors/setup.sh`, run once per test binary; a failure
//! there fails every test here, loudly): Meltano with `target-jsonl`, and PyAirbyte in
//! offline mode; every message checked against the published models (`singer-python`,
//! `airbyte-protocol-models`). The data comes from a small sandbox in this process.
//!
//! Kills happen at a known point, not after a wait: the sandbox answers a set number of
//! requests, then holds every later one (a queue of no-op faults, then a standing delay),
//! and the test reads the runner's output until a STATE (or the tap's log of one) before it
//! kills.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use common::{SandboxEnv, assert_success_of, run_ok};
use conversations_sandbox::{Fault, Provider, SandboxConfig};
use serde_json::{Value, json};

/// The workspace's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The folder of the virtual environments, created (once) by the setup script.
fn venvs() -> &'static Path {
    static VENVS: OnceLock<PathBuf> = OnceLock::new();
    VENVS.get_or_init(|| {
        let out = Command::new("bash")
            .arg(root().join("tests/connectors/setup.sh"))
            .stderr(Stdio::inherit())
            .output()
            .expect("could not run tests/connectors/setup.sh");
        assert!(
            out.status.success(),
            "tests/connectors/setup.sh failed ({}): the runners could not be installed; see its \
             output above",
            out.status
        );
        PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
    })
}

/// Meltano's runs share one project (and its system database): one at a time.
static MELTANO: Mutex<()> = Mutex::new(());

/// The folder holding `tap-conversations` and `source-conversations`.
fn bin_dir() -> PathBuf {
    assert_cmd::cargo::cargo_bin("tap-conversations")
        .parent()
        .unwrap()
        .to_owned()
}

fn tap() -> Command {
    Command::new(bin_dir().join("tap-conversations"))
}

fn source() -> Command {
    Command::new(bin_dir().join("source-conversations"))
}

/// A sandbox of 3,000 conversations: 1,000 at ASAPP, 2,000 at Autocalls.
fn sandbox() -> SandboxEnv {
    SandboxEnv::start(SandboxConfig::new().dataset_size(3000).seed(24))
}

/// The connector config reading `providers` from `env`'s sandbox (ASAPP's ids from a file
/// in `dir`).
fn config(env: &SandboxEnv, dir: &Path, providers: &[&str]) -> Value {
    let sandbox = env.sandbox();
    let ids: Vec<&str> = sandbox.dataset().asapp_external_ids();
    let ids_file = dir.join("asapp-ids.txt");
    std::fs::write(&ids_file, ids.join("\n")).unwrap();
    let demo = sandbox.credentials();
    json!({
        "providers": providers,
        "autocalls_api_key": demo.autocalls_api_key,
        "autocalls_base_url": sandbox.autocalls_base_url(),
        "asapp_api_id": demo.asapp_api_id,
        "asapp_api_secret": demo.asapp_api_secret,
        "asapp_base_url": sandbox.asapp_base_url(),
        "external_ids_file": ids_file,
        "page_size": 100,
        "a_key_of_some_runner": true,
    })
}

fn write_json(dir: &Path, name: &str, value: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
    path
}

/// Every id the sandbox holds, per stream.
fn all_ids(env: &SandboxEnv) -> BTreeMap<String, BTreeSet<String>> {
    let dataset = env.sandbox().snapshot();
    let id = |v: &Value| match &v["id"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    BTreeMap::from([
        (
            "autocalls".to_owned(),
            dataset.autocalls().iter().map(id).collect(),
        ),
        ("asapp".to_owned(), dataset.asapp().iter().map(id).collect()),
    ])
}

/// Checks `text` (messages, or a catalog) with `validate.py MODE` in the validation venv.
fn validate(mode: &str, text: &[u8]) {
    let mut input = tempfile::tempfile().unwrap();
    input.write_all(text).unwrap();
    std::io::Seek::rewind(&mut input).unwrap();
    let out = Command::new(venvs().join("validate/bin/python"))
        .arg(root().join("tests/connectors/validate.py"))
        .arg(mode)
        .stdin(input)
        .output()
        .unwrap();
    assert_success_of(&format!("validate.py {mode}"), &out);
}

/// The messages of one type in NDJSON output.
fn messages<'a>(lines: &'a [Value], kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    lines.iter().filter(move |m| m["type"] == kind)
}

fn parse_lines(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

/// Singer RECORD ids per stream, in order.
fn singer_ids(lines: &[Value]) -> BTreeMap<String, Vec<String>> {
    let mut ids: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for m in messages(lines, "RECORD") {
        ids.entry(m["stream"].as_str().unwrap().to_owned())
            .or_default()
            .push(m["record"]["id"].as_str().unwrap().to_owned());
    }
    ids
}

/// After `k` answered requests to Autocalls, every later request waits (for an hour).
fn hold_after(env: &SandboxEnv, k: u32) {
    let faults = env.sandbox().faults();
    faults.inject(Provider::Autocalls, Fault::Delay(Duration::ZERO), k);
    faults.always(Provider::Autocalls, Fault::Delay(Duration::from_secs(3600)));
}

fn kill_group(child: &mut std::process::Child) {
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let _ = nix::sys::signal::killpg(pid, nix::sys::signal::Signal::SIGKILL);
    let _ = child.wait();
}

#[test]
fn tap_discovers_a_draft_4_catalog_and_emits_every_record_once_in_valid_messages() {
    let env = sandbox();
    let dir = tempfile::tempdir().unwrap();
    let config = write_json(dir.path(), "config.json", &config(&env, dir.path(), &[]));

    let discovered = run_ok(tap().arg("--config").arg(&config).arg("--discover"));
    validate("catalog", &discovered.stdout);
    let catalog: Value = serde_json::from_slice(&discovered.stdout).unwrap();
    let streams: Vec<&str> = catalog["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["tap_stream_id"].as_str().unwrap())
        .collect();
    assert_eq!(streams, ["asapp", "autocalls"]);

    let out = run_ok(tap().arg("--config").arg(&config));
    validate("singer", &out.stdout);
    let lines = parse_lines(&out.stdout);
    let ids = singer_ids(&lines);
    for (stream, expected) in all_ids(&env) {
        let got = &ids[&stream];
        assert_eq!(got.len(), expected.len(), "{stream}: every record once");
        assert_eq!(
            got.iter().cloned().collect::<BTreeSet<_>>(),
            expected,
            "{stream}"
        );
    }
    // The last STATE holds both streams' bookmarks, each complete.
    let last = messages(&lines, "STATE").last().unwrap();
    for stream in ["asapp", "autocalls"] {
        assert_eq!(
            last["value"]["bookmarks"][stream]["status"], "complete",
            "{last}"
        );
    }

    // Field selection: a catalog that deselects the stream asapp and every field but
    // channel (the key and replication key always go).
    let mut selected = catalog.clone();
    for stream in selected["streams"].as_array_mut().unwrap() {
        let asapp = stream["tap_stream_id"] == "asapp";
        for entry in stream["metadata"].as_array_mut().unwrap() {
            let top = entry["breadcrumb"].as_array().unwrap().is_empty();
            entry["metadata"]["selected"] = json!(if top {
                !asapp
            } else {
                entry["breadcrumb"][1] == "channel"
            });
        }
    }
    let catalog_file = write_json(dir.path(), "catalog.json", &selected);
    let out = run_ok(
        tap()
            .arg("--config")
            .arg(&config)
            .arg("--catalog")
            .arg(&catalog_file),
    );
    validate("singer", &out.stdout);
    let lines = parse_lines(&out.stdout);
    assert!(messages(&lines, "RECORD").all(|m| m["stream"] == "autocalls"));
    let record = &messages(&lines, "RECORD").next().unwrap()["record"];
    let mut keys: Vec<&String> = record.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["channel", "created_at", "id"]);
}

/// The tap reading Autocalls from `env`'s sandbox (its config in `dir`), its stdout piped,
/// where page 9 never comes: 2,000 records in pages of 100, the first STATE after 500 (page
/// 5), and the run cannot end by itself. Returns the config too, for a run after it.
fn held_tap(env: &SandboxEnv, dir: &Path) -> (PathBuf, std::process::Child) {
    let config = write_json(dir, "config.json", &config(env, dir, &["autocalls"]));
    hold_after(env, 8);
    let child = tap()
        .arg("--config")
        .arg(&config)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    (config, child)
}

/// The Autocalls ids a tap run with `config` from `state` emits (once `env`'s faults are
/// cleared: to the end).
fn ids_from_state(env: &SandboxEnv, dir: &Path, config: &Path, state: &Value) -> Vec<String> {
    env.sandbox().faults().clear();
    let state_file = write_json(dir, "state.json", state);
    let out = run_ok(
        tap()
            .arg("--config")
            .arg(config)
            .arg("--state")
            .arg(&state_file),
    );
    validate("singer", &out.stdout);
    singer_ids(&parse_lines(&out.stdout))
        .remove("autocalls")
        .unwrap()
}

#[test]
fn tap_killed_after_a_state_resumes_from_it_without_any_page_before_it() {
    let env = sandbox();
    let dir = tempfile::tempdir().unwrap();
    let (config, mut child) = held_tap(&env, dir.path());
    let mut before = Vec::new();
    let mut state = None;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let message: Value = serde_json::from_str(&line.unwrap()).unwrap();
        match message["type"].as_str() {
            Some("RECORD") => before.push(message["record"]["id"].as_str().unwrap().to_owned()),
            // The first STATE after some records (the run's first one covers none).
            Some("STATE") if !before.is_empty() => {
                state = Some(message["value"].clone());
                break;
            }
            _ => {}
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let state = state.expect("a STATE before the kill");
    assert_eq!(before.len(), 500, "the first STATE covers the first batch");
    let after = ids_from_state(&env, dir.path(), &config, &state);
    let covered: BTreeSet<&String> = before.iter().collect();
    assert!(
        after.iter().all(|id| !covered.contains(id)),
        "the rerun emitted a record the state already covered"
    );
    let union: BTreeSet<String> = before.into_iter().chain(after).collect();
    assert_eq!(
        union,
        all_ids(&env)["autocalls"],
        "every record at least once"
    );
}

/// SIGTERM and Ctrl-C end a tap cleanly: what it fetched is committed (its records out,
/// then a STATE covering them, the last line), it exits 128 + the signal, and a run from that
/// STATE emits exactly the records it did not: none twice, none lost.
#[test]
fn tap_ended_by_sigterm_or_ctrl_c_commits_what_it_emitted_and_resumes_after_it() {
    for (signal, code) in [
        (nix::sys::signal::Signal::SIGTERM, 143),
        (nix::sys::signal::Signal::SIGINT, 130),
    ] {
        let env = sandbox();
        let dir = tempfile::tempdir().unwrap();
        let (config, mut child) = held_tap(&env, dir.path());
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut emitted: Vec<Value> = Vec::new();
        // Running: its first STATE after some records is out.
        for line in lines.by_ref() {
            let message: Value = serde_json::from_str(&line.unwrap()).unwrap();
            let committed = message["type"] == "STATE" && !singer_ids(&emitted).is_empty();
            emitted.push(message);
            if committed {
                break;
            }
        }
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), signal).unwrap();
        for line in lines {
            emitted.push(serde_json::from_str(&line.unwrap()).unwrap());
        }
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(code), "{signal}");
        let last = emitted.last().unwrap();
        assert_eq!(
            last["type"], "STATE",
            "{signal}: the last message is a STATE"
        );
        let before = singer_ids(&emitted).remove("autocalls").unwrap();
        let after = ids_from_state(&env, dir.path(), &config, &last["value"]);
        let mut all = before.clone();
        all.extend(after);
        let once: BTreeSet<String> = all.iter().cloned().collect();
        assert_eq!(once.len(), all.len(), "{signal}: a record emitted twice");
        assert_eq!(once, all_ids(&env)["autocalls"], "{signal}: every record");
    }
}

/// `meltano ARGS` in the shared project, its settings from `settings` (as
/// TAP_CONVERSATIONS_* variables) and target-jsonl writing into `output`.
fn meltano(settings: &Value, output: &Path, args: &[&str]) -> Command {
    let venvs = venvs();
    let mut cmd = Command::new(venvs.join("meltano/bin/meltano"));
    cmd.current_dir(venvs.join("meltano-project"))
        .args(args)
        .env("MELTANO_SEND_ANONYMOUS_USAGE_STATS", "false")
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin_dir().display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("TARGET_JSONL_DESTINATION_PATH", output);
    for (key, value) in settings.as_object().unwrap() {
        let text = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        cmd.env(format!("TAP_CONVERSATIONS_{}", key.to_uppercase()), text);
    }
    cmd
}

/// The ids target-jsonl wrote for `stream`, in order.
fn jsonl_ids(output: &Path, stream: &str) -> Vec<String> {
    let text = std::fs::read_to_string(output.join(format!("{stream}.jsonl"))).unwrap_or_default();
    text.lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).unwrap();
            v["id"].as_str().unwrap().to_owned()
        })
        .collect()
}

/// A state id suffix no earlier run of the shared project used.
fn unique(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{name}-{}-{nanos}", std::process::id())
}

#[test]
fn meltano_runs_the_tap_into_target_jsonl_fully_then_incrementally() {
    let _one = MELTANO.lock().unwrap_or_else(|e| e.into_inner());
    let env = sandbox();
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("out");
    std::fs::create_dir(&output).unwrap();
    let settings = config(&env, dir.path(), &["autocalls", "asapp"]);
    let suffix = unique("full-then-incremental");
    let run = [
        "run",
        "--state-id-suffix",
        &suffix,
        "tap-conversations",
        "target-jsonl",
    ];

    run_ok(&mut meltano(&settings, &output, &run));
    let all = all_ids(&env);
    for (stream, expected) in &all {
        let got = jsonl_ids(&output, stream);
        assert_eq!(got.len(), expected.len(), "{stream}: every record once");
        assert_eq!(
            &got.into_iter().collect::<BTreeSet<_>>(),
            expected,
            "{stream}"
        );
    }

    // The sandbox gains 7 conversations; the next run brings those and what the lookback
    // (3 days below the newest record) spans, no more.
    let before = env.sandbox().snapshot().autocalls().to_vec();
    let added = env.sandbox().mutate().add_autocalls(7);
    run_ok(&mut meltano(&settings, &output, &run));
    let ids = jsonl_ids(&output, "autocalls");
    let second: Vec<&String> = ids[before.len()..].iter().collect();
    let newest = before[0]["created_at"].as_str().unwrap().to_owned();
    let floor = chrono::NaiveDateTime::parse_from_str(&newest, "%Y-%m-%d %H:%M:%S").unwrap()
        - chrono::Duration::days(3);
    let floor = floor.format("%Y-%m-%d %H:%M:%S").to_string();
    let within: BTreeSet<String> = before
        .iter()
        .take_while(|c| c["created_at"].as_str().unwrap() >= floor.as_str())
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    let expected: BTreeSet<String> = within.into_iter().chain(added).collect();
    assert_eq!(
        second.len(),
        expected.len(),
        "the second run: new and within the lookback, once"
    );
    assert_eq!(
        second.into_iter().cloned().collect::<BTreeSet<_>>(),
        expected
    );
}

#[test]
fn a_killed_meltano_run_run_again_with_force_leaves_every_id_in_the_target() {
    let _one = MELTANO.lock().unwrap_or_else(|e| e.into_inner());
    let env = sandbox();
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("out");
    std::fs::create_dir(&output).unwrap();
    let settings = config(&env, dir.path(), &["autocalls"]);
    let suffix = &unique("killed");
    hold_after(&env, 8);
    let mut cmd = meltano(
        &settings,
        &output,
        &[
            "run",
            "--state-id-suffix",
            suffix,
            "tap-conversations",
            "target-jsonl",
        ],
    );
    cmd.stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = cmd.spawn().unwrap();
    // Meltano relays the tap's log: wait for its line about the first STATE.
    let mut seen = false;
    for line in BufReader::new(child.stderr.take().unwrap()).lines() {
        if line.unwrap().contains("records emitted, STATE after them") {
            seen = true;
            break;
        }
    }
    kill_group(&mut child);
    assert!(seen, "the tap's first STATE before the kill");
    env.sandbox().faults().clear();

    let mut again = meltano(
        &settings,
        &output,
        &[
            "run",
            "--force",
            "--state-id-suffix",
            suffix,
            "tap-conversations",
            "target-jsonl",
        ],
    );
    again.stdout(Stdio::null());
    run_ok(&mut again);
    let ids: BTreeSet<String> = jsonl_ids(&output, "autocalls").into_iter().collect();
    assert_eq!(ids, all_ids(&env)["autocalls"], "every id in the target");
}

#[test]
fn source_messages_validate_against_the_airbyte_protocol_models() {
    let env = sandbox();
    let dir = tempfile::tempdir().unwrap();
    let config = write_json(dir.path(), "config.json", &config(&env, dir.path(), &[]));

    let spec = source().arg("spec").output().unwrap();
    assert!(spec.status.success());
    validate("airbyte", &spec.stdout);

    let check = source()
        .arg("check")
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert!(check.status.success());
    validate("airbyte", &check.stdout);
    assert_eq!(
        parse_lines(&check.stdout)[0]["connectionStatus"]["status"],
        "SUCCEEDED"
    );

    let discovered = source()
        .arg("discover")
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert!(discovered.status.success());
    validate("airbyte", &discovered.stdout);
    let catalog = &parse_lines(&discovered.stdout)[0]["catalog"];
    // The configured catalog as PyAirbyte writes it, fields of its own included.
    let configured = json!({"streams": catalog["streams"].as_array().unwrap().iter().map(|s| json!({
        "stream": s,
        "sync_mode": "incremental",
        "destination_sync_mode": "append_dedup",
        "cursor_field": ["created_at"],
        "primary_key": [["id"]],
        "generation_id": 1,
        "minimum_generation_id": 0,
        "sync_id": 7,
    })).collect::<Vec<_>>()});
    let catalog_file = write_json(dir.path(), "catalog.json", &configured);
    let read = source()
        .args(["read", "--config"])
        .arg(&config)
        .arg("--catalog")
        .arg(&catalog_file)
        .output()
        .unwrap();
    assert!(
        read.status.success(),
        "{}",
        String::from_utf8_lossy(&read.stdout)
    );
    validate("airbyte", &read.stdout);
    let lines = parse_lines(&read.stdout);
    for (stream, expected) in all_ids(&env) {
        let got: Vec<&str> = messages(&lines, "RECORD")
            .filter(|m| m["record"]["stream"] == stream.as_str())
            .map(|m| m["record"]["data"]["id"].as_str().unwrap())
            .collect();
        assert_eq!(got.len(), expected.len(), "{stream}");
    }

    // The states back, as PyAirbyte saves them (fields of its own added), and a failure
    // after the first batch: a TRACE with its failure type, the last good state before it.
    let states: Vec<Value> = messages(&lines, "STATE")
        .map(|m| {
            let mut state = m["state"].clone();
            state["global_"] = Value::Null;
            state["data"] = Value::Null;
            state["destinationStats"] = Value::Null;
            state
        })
        .collect();
    let state_file = write_json(dir.path(), "state.json", &Value::Array(states));
    env.sandbox().mutate().add_autocalls(3);
    let faults = env.sandbox().faults();
    faults.inject(Provider::Autocalls, Fault::Delay(Duration::ZERO), 1);
    faults.always(Provider::Autocalls, Fault::Unauthorized);
    let only_autocalls = json!({"streams": [configured["streams"].as_array().unwrap().iter().find(|s| s["stream"]["name"] == "autocalls").unwrap()]});
    let catalog_file = write_json(dir.path(), "autocalls.json", &only_autocalls);
    let failed = source()
        .args(["read", "--config"])
        .arg(&config)
        .arg("--catalog")
        .arg(&catalog_file)
        .arg("--state")
        .arg(&state_file)
        .output()
        .unwrap();
    assert!(!failed.status.success());
    validate("airbyte", &failed.stdout);
    let lines = parse_lines(&failed.stdout);
    let trace = messages(&lines, "TRACE").last().unwrap();
    assert_eq!(
        trace["trace"]["error"]["failure_type"], "config_error",
        "{trace}"
    );
}

#[test]
fn pyairbyte_reads_the_source_offline_into_its_default_cache() {
    let env = sandbox();
    let dir = tempfile::tempdir().unwrap();
    let config = write_json(dir.path(), "config.json", &config(&env, dir.path(), &[]));
    let out = run_ok(
        Command::new(venvs().join("pyairbyte/bin/python"))
            .arg(root().join("tests/connectors/pyairbyte_read.py"))
            .arg(bin_dir().join("source-conversations"))
            .arg(&config)
            .current_dir(dir.path())
            .env("AIRBYTE_OFFLINE_MODE", "1")
            .env("DO_NOT_TRACK", "1")
            .env("HOME", dir.path()),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let result: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    for (stream, expected) in all_ids(&env) {
        let first: Vec<String> =
            serde_json::from_value(result["streams"][&stream]["first"].clone()).unwrap();
        assert_eq!(first.len(), expected.len(), "{stream}: every record once");
        assert_eq!(
            first.into_iter().collect::<BTreeSet<_>>(),
            expected,
            "{stream}"
        );
        let cached: BTreeSet<String> =
            serde_json::from_value(result["streams"][&stream]["cached"].clone()).unwrap();
        assert_eq!(
            cached,
            all_ids(&env)[&stream],
            "{stream}: after the incremental read"
        );
    }
}
