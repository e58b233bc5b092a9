//! The habits of a careful Unix tool (issue 20), through the real binary: every command with
//! its stdout closed, with its stdout on a full device, and stopped by `SIGTERM` and `SIGHUP`
//! mid-run; `--output` against a regular file, a new path, a symlink, a FIFO, a character
//! device, a directory and `-`; `--format ndjson` against a server that pretty-prints.
//!
//! Nothing here sleeps to wait: each test waits on the child's own output (a line, a byte, a
//! ready file), and every wait on a child is bounded by a kill-on-drop guard.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::Duration;

use conversations_sandbox::{Provider, SandboxConfig};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use wait_timeout::ChildExt;

mod common;

use common::SandboxEnv as Env;

const KEY: &str = "unix-habits-k3y";

/// The longest any child here may run: past it the test fails (and the child is killed).
const BOUND: Duration = Duration::from_secs(120);

fn env() -> Env {
    Env::start(
        SandboxConfig::new()
            .dataset_size(600)
            .autocalls_api_key(KEY),
    )
}

/// `conversations` with the sandbox's Autocalls configured.
fn conversations(env: &Env) -> Command {
    let mut cmd = common::bare();
    cmd.env("AUTOCALLS_API_KEY", KEY)
        .env("AUTOCALLS_BASE_URL", env.sandbox().autocalls_base_url());
    cmd
}

/// A config file naming one account on the sandbox's Autocalls (its key in `HABITS_KEY`).
fn config(env: &Env, dir: &Path) -> PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        format!(
            "[accounts.acme]\nprovider = \"autocalls\"\nbase_url = \"{}\"\napi_key_env = \"HABITS_KEY\"\n",
            env.sandbox().autocalls_base_url()
        ),
    )
    .unwrap();
    path
}

/// Every command, with what it needs (`dir` holds its files), as `(name, command)`.
fn every_command(env: &Env, dir: &Path) -> Vec<(&'static str, Command)> {
    let config = config(env, dir);
    let db = format!("sqlite:{}", dir.join("sync.db").display());
    let with_config = |args: &[&str]| {
        let mut cmd = conversations(env);
        cmd.args(args)
            .arg("--config")
            .arg(&config)
            .env("HABITS_KEY", KEY);
        cmd
    };
    let mut list = conversations(env);
    list.args(["list", "--provider", "autocalls", "--format", "ndjson"]);
    let mut schema = conversations(env);
    schema.arg("schema");
    let mut completions = conversations(env);
    completions.args(["completions", "bash"]);
    let mut sync = conversations(env);
    sync.args(["sync", "--provider", "autocalls", "--to", &db]);
    let mut status = conversations(env);
    status.args(["sync", "--status", "--to", &db]);
    let mut serve = conversations(env);
    serve.args(["sandbox", "serve", "--port", "0", "--size", "10"]);
    vec![
        ("list", list),
        ("schema", schema),
        ("completions", completions),
        ("accounts", with_config(&["accounts"])),
        ("check", with_config(&["check"])),
        ("sync", sync),
        // After `sync`, which made the database.
        ("sync --status", status),
        ("sandbox serve", serve),
    ]
}

/// Kills the child when dropped, if it still runs: a failing test must not hang the suite.
/// It never decides an outcome.
struct KillOnDrop(u32);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = kill(Pid::from_raw(self.0 as i32), Signal::SIGKILL);
    }
}

/// Waits for `child`, at most [`BOUND`].
fn finish(child: &mut Child, what: &str) -> ExitStatus {
    match child.wait_timeout(BOUND).unwrap() {
        Some(status) => status,
        None => {
            let _ = child.kill();
            panic!("{what}: still running after {BOUND:?}");
        }
    }
}

/// Everything `child` wrote on stderr.
fn stderr_of(child: &mut Child) -> String {
    let mut text = String::new();
    if let Some(mut err) = child.stderr.take() {
        err.read_to_string(&mut text).unwrap();
    }
    text
}

fn no_panic(what: &str, stderr: &str) {
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{what}: {stderr}"
    );
}

fn signal(child: &Child, signal: Signal) {
    kill(Pid::from_raw(child.id() as i32), signal).unwrap();
}

/// A pipe whose reading end is already closed: the first byte written to it fails.
fn closed_pipe() -> std::io::PipeWriter {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    writer
}

#[test]
fn a_closed_stdout_ends_every_command_quietly() {
    let env = env();
    let dir = tempfile::tempdir().unwrap();
    for (what, mut cmd) in every_command(&env, dir.path()) {
        let mut child = cmd
            .stdout(closed_pipe())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let _guard = KillOnDrop(child.id());
        let stderr = stderr_of(&mut child);
        let status = finish(&mut child, what);
        no_panic(what, &stderr);
        assert_eq!(status.code(), Some(0), "{what}: {stderr}");
        assert!(!stderr.contains("error"), "{what}: quietly: {stderr}");
    }
}

#[test]
fn a_stdout_closed_after_its_first_byte_ends_a_listing_quietly() {
    let env = env();
    // 600 records (~600 KB) cannot all fit in the pipe: writes after the close fail.
    for format in ["ndjson", "json", "csv", "table"] {
        let mut child = conversations(&env)
            .args(["list", "--provider", "autocalls", "--format", format])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let _guard = KillOnDrop(child.id());
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 1];
        stdout.read_exact(&mut first).unwrap();
        drop(stdout);
        let stderr = stderr_of(&mut child);
        let status = finish(&mut child, format);
        no_panic(format, &stderr);
        assert_eq!(status.code(), Some(0), "{format}: {stderr}");
        assert!(stderr.is_empty(), "{format}: quietly: {stderr}");
    }
}

#[test]
fn a_full_stdout_ends_every_command_with_one_line_and_exit_1() {
    let env = env();
    let dir = tempfile::tempdir().unwrap();
    for (what, mut cmd) in every_command(&env, dir.path()) {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = cmd.stdout(full).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        no_panic(what, &stderr);
        assert_eq!(out.status.code(), Some(1), "{what}: {stderr}");
        let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error")).collect();
        assert_eq!(errors.len(), 1, "{what}: one line: {stderr}");
        assert!(
            errors[0].starts_with("error: could not write")
                && errors[0].ends_with("No space left on device (os error 28)"),
            "{what}: {stderr}"
        );
    }
}

#[test]
fn a_full_stderr_ends_a_verbose_listing_with_exit_1_and_no_panic() {
    let env = env();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = conversations(&env)
        .args(["-v", "list", "--provider", "autocalls", "--limit", "5"])
        .stderr(full)
        .output()
        .unwrap();
    // Nothing can be said on a full stderr: the exit code says it (101 was a panic).
    assert_eq!(out.status.code(), Some(1));
}

/// Runs `cmd` until `ready` says (from its output) that it is mid-run, then sends `sig`;
/// returns its exit status, stdout and stderr.
fn stopped_mid_run(
    what: &str,
    cmd: &mut Command,
    sig: Signal,
    ready: impl Fn(&str) -> bool,
    on_stderr: bool,
) -> (ExitStatus, String, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _guard = KillOnDrop(child.id());
    let (mut watched, other) = if on_stderr {
        (
            BufReader::new(Box::new(child.stderr.take().unwrap()) as Box<dyn Read + Send>),
            Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
        )
    } else {
        (
            BufReader::new(Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>),
            Box::new(child.stderr.take().unwrap()) as Box<dyn Read + Send>,
        )
    };
    // The other stream is drained aside, so the child never blocks on it.
    let drain = std::thread::spawn(move || {
        let mut other = other;
        let mut text = String::new();
        let _ = other.read_to_string(&mut text);
        text
    });
    let mut seen = String::new();
    while !ready(&seen) {
        let mut line = String::new();
        let n = watched.read_line(&mut line).unwrap();
        assert!(n > 0, "{what}: ended before it was mid-run: {seen}");
        seen.push_str(&line);
    }
    signal(&child, sig);
    watched.read_to_string(&mut seen).unwrap();
    let status = finish(&mut child, what);
    let other = drain.join().unwrap();
    let (stdout, stderr) = if on_stderr {
        (other, seen)
    } else {
        (seen, other)
    };
    no_panic(what, &stderr);
    (status, stdout, stderr)
}

#[test]
fn sigterm_and_sighup_end_a_listing_as_ctrl_c_does() {
    let env = env();
    env.sandbox()
        .set_latency(Provider::Autocalls, Duration::from_millis(200));
    for (sig, code) in [(Signal::SIGTERM, 143), (Signal::SIGHUP, 129)] {
        for format in ["json", "ndjson"] {
            let what = format!("{sig} {format}");
            let (status, stdout, stderr) = stopped_mid_run(
                &what,
                conversations(&env).args([
                    "list",
                    "--provider",
                    "autocalls",
                    "--page-size",
                    "1",
                    "--format",
                    format,
                ]),
                sig,
                |seen| seen.contains("\"autocalls\""),
                false,
            );
            assert_eq!(status.code(), Some(code), "{what}: {stderr}");
            assert!(stdout.ends_with('\n'), "{what}: a final newline");
            if format == "json" {
                let array: serde_json::Value = serde_json::from_str(&stdout).unwrap();
                assert!(!array.as_array().unwrap().is_empty(), "{what}");
            }
            assert!(
                stderr.contains("written to stdout") && stderr.contains(sig.as_str()),
                "{what}: {stderr}"
            );
        }
    }
}

#[test]
fn sigterm_and_sighup_leave_no_temporary_file_and_say_nothing_was_kept() {
    let env = env();
    env.sandbox()
        .set_latency(Provider::Autocalls, Duration::from_millis(200));
    for (sig, code) in [(Signal::SIGTERM, 143), (Signal::SIGHUP, 129)] {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("out.json");
        std::fs::write(&file, "before\n").unwrap();
        // The listing's progress is watched on stderr (`-v` logs each page's request).
        let (status, _, stderr) = stopped_mid_run(
            sig.as_str(),
            conversations(&env)
                .args(["-v", "list", "--provider", "autocalls", "--page-size", "1"])
                .arg("--output")
                .arg(&file),
            sig,
            |seen| seen.lines().filter(|l| l.contains("autocalls")).count() >= 2,
            true,
        );
        assert_eq!(status.code(), Some(code), "{stderr}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "before\n");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
        let last = stderr.lines().last().unwrap_or_default();
        assert!(
            last.starts_with("interrupted: ")
                && last.contains("out.json left as it was: the ")
                && last.contains("were not kept"),
            "{stderr}"
        );
    }
}

#[test]
fn sigterm_and_sighup_end_a_sync_as_ctrl_c_does() {
    let env = env();
    env.sandbox()
        .set_latency(Provider::Autocalls, Duration::from_millis(100));
    for (sig, code) in [(Signal::SIGTERM, 143), (Signal::SIGHUP, 129)] {
        let dir = tempfile::tempdir().unwrap();
        let db = format!("sqlite:{}", dir.path().join("sync.db").display());
        let (status, stdout, stderr) = stopped_mid_run(
            sig.as_str(),
            conversations(&env).args([
                "sync",
                "--provider",
                "autocalls",
                "--page-size",
                "10",
                "--batch-size",
                "10",
                "--progress-lines",
                "--to",
                &db,
            ]),
            sig,
            |seen| seen.contains("\"committed\""),
            true,
        );
        assert_eq!(status.code(), Some(code), "{sig}: {stderr}");
        assert!(stdout.contains("interrupted"), "{sig}: {stdout}");
        assert!(stderr.contains("committed"), "{sig}: {stderr}");
    }
}

#[test]
fn sigterm_and_sighup_end_the_other_commands_with_128_plus_the_signal() {
    let env = env();
    // `check` waits on a provider that takes a minute to answer.
    env.sandbox()
        .set_latency(Provider::Autocalls, Duration::from_secs(60));
    let dir = tempfile::tempdir().unwrap();
    for (sig, code) in [(Signal::SIGTERM, 143), (Signal::SIGHUP, 129)] {
        let mut commands = every_command(&env, dir.path());
        for (what, cmd) in &mut commands {
            let ready: fn(&str) -> bool = match *what {
                // The table's header is printed before the request goes out.
                "check" => |seen| seen.contains("ACCOUNT"),
                // Serving once its banner is out.
                "sandbox serve" => |seen| seen.contains("listening on"),
                _ => continue,
            };
            let (status, _, stderr) = stopped_mid_run(what, cmd, sig, ready, false);
            assert_eq!(status.code(), Some(code), "{what} {sig}: {stderr}");
        }
    }
}

/// A pipe of the smallest size Linux allows (one page), for a reader that reads one byte and
/// stops: a writer of more than that blocks mid-run.
fn small_pipe() -> (std::io::PipeReader, std::io::PipeWriter) {
    let (reader, writer) = std::io::pipe().unwrap();
    nix::fcntl::fcntl(&writer, nix::fcntl::FcntlArg::F_SETPIPE_SZ(4096)).unwrap();
    (reader, writer)
}

#[test]
fn sigterm_and_sighup_end_a_command_blocked_on_its_output() {
    let env = env();
    for (sig, code) in [(Signal::SIGTERM, 143), (Signal::SIGHUP, 129)] {
        // The schema (13 KB) and a completion script (20 KB and more) cannot fit in one page.
        for args in [&["schema"][..], &["completions", "bash"][..]] {
            let what = format!("{args:?} {sig}");
            let (mut reader, writer) = small_pipe();
            let mut child = conversations(&env)
                .args(args)
                .stdout(writer)
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let _guard = KillOnDrop(child.id());
            // Its first byte is out: it is writing the rest, into a full pipe.
            let mut first = [0u8; 1];
            reader.read_exact(&mut first).unwrap();
            signal(&child, sig);
            let status = finish(&mut child, &what);
            let stderr = stderr_of(&mut child);
            no_panic(&what, &stderr);
            assert_eq!(status.code(), Some(code), "{what}: {stderr}");
        }
    }
}

/// `list` of the sandbox's first `n` records as NDJSON into `--output target`, run in `dir`
/// with `umask`.
fn list_into(env: &Env, dir: &Path, target: &str, umask: &str) -> Output {
    let bin = assert_cmd::cargo::cargo_bin("conversations");
    // Our environment, as `conversations` would get it.
    let cmd = conversations(env);
    // A shell sets the umask, then runs the binary in its place.
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
        .arg(&bin)
        .args([
            "list",
            "--provider",
            "autocalls",
            "--limit",
            "3",
            "--format",
            "ndjson",
            "--output",
            target,
        ])
        .current_dir(dir);
    for (key, value) in cmd.get_envs() {
        match value {
            Some(value) => sh.env(key, value),
            None => sh.env_remove(key),
        };
    }
    sh.output().unwrap()
}

fn lines(text: &str) -> usize {
    text.lines()
        .filter(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
        .count()
}

#[test]
fn output_to_a_new_path_gets_the_mode_a_redirect_would() {
    let env = env();
    let dir = tempfile::tempdir().unwrap();
    for (umask, mode) in [("022", 0o644), ("077", 0o600), ("002", 0o664)] {
        let name = format!("new-{umask}.ndjson");
        let out = list_into(&env, dir.path(), &name, umask);
        assert!(out.status.success(), "{:?}", out);
        let meta = std::fs::metadata(dir.path().join(&name)).unwrap();
        assert_eq!(meta.mode() & 0o777, mode, "umask {umask}");
        assert_eq!(
            lines(&std::fs::read_to_string(dir.path().join(&name)).unwrap()),
            3
        );
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        3,
        "no leftovers"
    );
}

#[test]
fn output_replaces_a_regular_file_keeping_its_mode() {
    let env = env();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.ndjson");
    std::fs::write(&file, "before\n").unwrap();
    std::fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o640)).unwrap();
    let out = list_into(&env, dir.path(), "out.ndjson", "022");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(lines(&std::fs::read_to_string(&file).unwrap()), 3);
    assert_eq!(std::fs::metadata(&file).unwrap().mode() & 0o777, 0o640);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn output_through_a_symlink_writes_its_target_and_keeps_the_link() {
    let env = env();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    std::fs::write(dir.path().join("data/real.ndjson"), "before\n").unwrap();
    std::os::unix::fs::symlink("data/real.ndjson", dir.path().join("link.ndjson")).unwrap();
    // A dangling link too: its target is created, as a redirect through it would.
    std::os::unix::fs::symlink("data/later.ndjson", dir.path().join("dangling.ndjson")).unwrap();
    for (link, target) in [
        ("link.ndjson", "data/real.ndjson"),
        ("dangling.ndjson", "data/later.ndjson"),
    ] {
        let out = list_into(&env, dir.path(), link, "022");
        assert!(out.status.success(), "{link}: {out:?}");
        let meta = std::fs::symlink_metadata(dir.path().join(link)).unwrap();
        assert!(meta.file_type().is_symlink(), "{link} is still a symlink");
        assert_eq!(
            lines(&std::fs::read_to_string(dir.path().join(target)).unwrap()),
            3,
            "{link}"
        );
    }
    assert_eq!(
        std::fs::read_dir(dir.path().join("data")).unwrap().count(),
        2
    );
}

#[test]
fn output_to_a_fifo_writes_into_it_and_leaves_it_a_fifo() {
    let env = env();
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    // Its reader is open before the run (so the run's open does not wait), without blocking
    // (so a run that replaced the FIFO leaves nothing to wait for): the records stay in the
    // pipe until read after the run.
    let mut reader = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::fcntl::OFlag::O_NONBLOCK.bits())
        .open(&fifo)
        .unwrap();
    let out = list_into(&env, dir.path(), "pipe", "022");
    assert!(out.status.success(), "{out:?}");
    let mut received = String::new();
    reader.read_to_string(&mut received).unwrap();
    assert_eq!(lines(&received), 3, "{received}");
    let meta = std::fs::symlink_metadata(&fifo).unwrap();
    assert!(meta.file_type().is_fifo(), "still a FIFO");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn output_to_a_character_device_writes_into_it_and_leaves_it_a_device() {
    let env = env();
    let dir = tempfile::tempdir().unwrap();
    let device = dir.path().join("n");
    // /dev/null's numbers: 1, 3.
    let made = Command::new("mknod")
        .arg(&device)
        .args(["c", "1", "3"])
        .output()
        .unwrap();
    if !made.status.success() {
        println!(
            "SKIPPED the character-device case: mknod is not permitted here ({})",
            String::from_utf8_lossy(&made.stderr).trim()
        );
        return;
    }
    let out = list_into(&env, dir.path(), "n", "022");
    assert!(out.status.success(), "{out:?}");
    let meta = std::fs::symlink_metadata(&device).unwrap();
    assert!(
        meta.file_type().is_char_device(),
        "still a character device"
    );
    assert_eq!(meta.rdev(), std::fs::metadata("/dev/null").unwrap().rdev());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn output_to_a_directory_or_an_unwritable_place_is_refused_before_any_request() {
    let env = env();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let before = env.sandbox().requests(Provider::Autocalls);
    for (target, why) in [
        ("sub", "--output sub: is a directory"),
        (
            "missing/out.json",
            "--output missing/out.json: cannot create a file in missing",
        ),
    ] {
        let out = list_into(&env, dir.path(), target, "022");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{target}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{target}: one line: {stderr}");
        assert!(
            stderr.starts_with(&format!("error: {why}")),
            "{target}: {stderr}"
        );
    }
    assert_eq!(
        env.sandbox().requests(Provider::Autocalls),
        before,
        "no request was sent"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn output_dash_is_stdout() {
    let env = env();
    let dir = tempfile::tempdir().unwrap();
    let out = list_into(&env, dir.path(), "-", "022");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(lines(&String::from_utf8(out.stdout).unwrap()), 3);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no file named '-'"
    );
}

/// The Autocalls docs' own example page, as printed there (indented, one field a line), with
/// no next page.
fn docs_page_as_printed() -> String {
    let page = include_str!("../../../specs/autocalls/vendor-page.md");
    let start = page.find("```json 200 Response").unwrap();
    let body = &page[start..];
    let body = &body[body.find('\n').unwrap() + 1..];
    let body = &body[..body.find("```").unwrap()];
    let body = body.replace(
        "\"next_cursor\": \"eyJpZCI6MTAwLCJfcG9pbnRzVG9OZXh0SXRlbXMiOnRydWV9\"",
        "\"next_cursor\": null",
    );
    assert!(body.contains("\"next_cursor\": null"), "{body}");
    body
}

#[test]
fn ndjson_is_one_line_per_record_when_the_provider_pretty_prints() {
    let server = httpmock::MockServer::start();
    let page = docs_page_as_printed();
    let parsed: serde_json::Value = serde_json::from_str(&page).unwrap();
    server.mock(|when, then| {
        when.method("GET").path("/api/user/conversations");
        then.status(200)
            .header("content-type", "application/json")
            .body(&page);
    });
    let out = common::bare()
        .env("AUTOCALLS_API_KEY", KEY)
        .env("AUTOCALLS_BASE_URL", server.url("/api"))
        .args(["list", "--provider", "autocalls", "--format", "ndjson"])
        .output()
        .unwrap();
    common::assert_success(&out);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let records: Vec<serde_json::Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line one JSON record"))
        .collect();
    assert_eq!(records.len(), 3, "{stdout}");
    for (record, sent) in records.iter().zip(parsed["data"].as_array().unwrap()) {
        assert_eq!(&record["raw"], sent, "raw is the record as sent");
    }
    // Key order and spellings kept: the raw text is the printed one less its whitespace.
    assert!(
        stdout.contains(r#""raw":{"id":"7c9e6679-7425-40de-944b-e07fc1f90ae7","assistant_id":"#),
        "{stdout}"
    );
    assert!(stdout.contains(r#""total_cost":0.0045,"#), "{stdout}");
}
