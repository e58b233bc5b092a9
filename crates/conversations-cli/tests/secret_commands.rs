//! A secret command that hangs (issue 20): it is killed, with everything it started, at its
//! timeout and when the tool gets SIGTERM or Ctrl-C; what it prints on stderr shows on the
//! tool's stderr, as the README says.
//!
//! The command (`sh`, then `sleep 1000` under it) inherits the tool's stderr, so reading the
//! tool's stderr to its end is waiting for every one of them to be gone: no sleep, no clock.
//! Each run is bounded (60 s): past it the test kills what is left and fails.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;
use wait_timeout::ChildExt;

/// The longest a run may take: generous, no speed is asserted, only that the run ends.
const LIMIT: Duration = Duration::from_secs(60);

/// A config file with one account whose secret command says its process group on stderr,
/// then hangs, with this `secret_timeout`.
fn config(dir: &std::path::Path, timeout: &str) -> std::path::PathBuf {
    let path = dir.join("config.toml");
    std::fs::write(
        &path,
        r#"[accounts.hang]
provider = "autocalls"
api_key_command = ["sh", "-c", "echo secret-command-group $$ >&2; sleep 1000; echo never"]
secret_timeout = "TIMEOUT"
"#
        .replace("TIMEOUT", timeout),
    )
    .unwrap();
    path
}

/// The tool listing from the hanging account, its stderr piped.
fn start(config: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_conversations"))
        .args([
            "list",
            "--account",
            "hang",
            "--format",
            "ndjson",
            "--config",
        ])
        .arg(config)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The stderr lines as they come, and the end of stderr (every holder gone) as `None`.
fn lines_of(child: &mut Child) -> mpsc::Receiver<Option<String>> {
    let stderr = child.stderr.take().unwrap();
    let (send, lines) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stderr);
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap_or(0) > 0 {
            let _ = send.send(Some(std::mem::take(&mut line)));
        }
        // Whatever is left that is not a whole line.
        let mut rest = String::new();
        let _ = reader.read_to_string(&mut rest);
        let _ = send.send(None);
    });
    lines
}

/// The group the command printed, from its stderr line.
fn group_of(line: &str) -> Option<Pid> {
    line.trim()
        .strip_prefix("secret-command-group ")
        .and_then(|pid| pid.parse().ok())
        .map(Pid::from_raw)
}

/// `PF_EXITING` in a task's flags (`/proc/<pid>/stat`, field 9): it has begun to exit.
const PF_EXITING: u64 = 0x4;

/// Processes of group `pgid` that are still alive: neither dead (a zombie) nor dying.
///
/// Dying counts as gone: the end of the tool's stderr means every holder closed it, which a
/// killed process does on its way out, after it is marked `PF_EXITING` and before it is a
/// zombie; the state it shows meanwhile (`R`, `D`) is that of its exit.
fn alive_in(pgid: Pid) -> Vec<String> {
    let mut alive = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid pgrp ...: the fields after the last ')'.
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let (Some(state), Some(group), Some(flags)) =
            (fields.first(), fields.get(2), fields.get(6))
        else {
            continue;
        };
        let exiting = flags.parse::<u64>().is_ok_and(|f| f & PF_EXITING != 0);
        if *group == pgid.as_raw().to_string() && *state != "Z" && *state != "X" && !exiting {
            alive.push(format!("{head}) {state}"));
        }
    }
    alive
}

/// Reads stderr until its end, within [`LIMIT`] (`signal`: sent to the tool once the command
/// said it runs; the command's timeout is then far beyond [`LIMIT`], else 1 s); returns the
/// exit code, all of stderr and the command's group.
fn run(signal: Option<Signal>) -> (Option<i32>, String, Pid) {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), if signal.is_some() { "1h" } else { "1s" });
    let mut child = start(&config);
    let lines = lines_of(&mut child);
    let mut stderr = String::new();
    let mut group = None;
    let ended = loop {
        match lines.recv_timeout(LIMIT) {
            Ok(Some(line)) => {
                if let Some(pgid) = group_of(&line) {
                    group = Some(pgid);
                    if let Some(signal) = signal {
                        kill(Pid::from_raw(child.id() as i32), signal).unwrap();
                    }
                }
                stderr.push_str(&line);
            }
            Ok(None) => break true,
            Err(_) => break false,
        }
    };
    let status = child.wait_timeout(LIMIT).unwrap();
    if !ended || status.is_none() {
        let _ = child.kill();
        if let Some(pgid) = group {
            let _ = killpg(pgid, Signal::SIGKILL);
        }
        panic!(
            "the secret command outlived the run (or the run did not end) within {LIMIT:?}; \
             stderr so far:\n{stderr}"
        );
    }
    let group = group.unwrap_or_else(|| panic!("the command never ran; stderr:\n{stderr}"));
    (status.and_then(|s| s.code()), stderr, group)
}

#[test]
fn a_hanging_secret_command_is_killed_with_its_group_at_its_timeout() {
    let (code, stderr, group) = run(None);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(
        stderr.contains(
            "error: account `hang`: api_key_command `sh -c 'echo secret-command-group $$ >&2; \
             sleep 1000; echo never'` did not finish within 1s; it was killed"
        ),
        "{stderr}"
    );
    // Its stderr is the tool's, as documented.
    assert!(stderr.contains("secret-command-group "), "{stderr}");
    assert_eq!(alive_in(group), Vec::<String>::new());
}

#[test]
fn sigterm_and_ctrl_c_kill_a_running_secret_command_with_the_tool() {
    for (signal, expected) in [(Signal::SIGTERM, 143), (Signal::SIGINT, 130)] {
        let (code, stderr, group) = run(Some(signal));
        assert_eq!(code, Some(expected), "{signal}: {stderr}");
        assert!(!stderr.contains("panicked"), "{signal}: {stderr}");
        assert_eq!(alive_in(group), Vec::<String>::new(), "{signal}");
    }
}
