//! Running a secret command: without a shell, in a process group of its own, for at most its
//! timeout, and never outliving the tool's interest in it.
//!
//! The command's stdin and stderr are the tool's (a password manager can prompt, and what it
//! prints on stderr shows as it is); its stdout is read, up to [`MAX_OUTPUT`] bytes. The
//! command and everything it started (its process group) is killed with `SIGKILL` when:
//! - it runs past its timeout ([`DEFAULT_TIMEOUT`] unless the account's `secret_timeout`
//!   says otherwise);
//! - the tool gets `SIGINT` (Ctrl-C), `SIGTERM` or `SIGHUP` while waiting for it;
//! - it prints more than [`MAX_OUTPUT`] bytes;
//! - the waiting ends any other way (a guard kills the group on drop);
//! - the tool ends at a signal before the wait sees it: the groups still running are
//!   registered, and the tool's signal handling kills them ([`kill_running`]) before it
//!   exits.
//!
//! A command that exits by itself is not killed, nor is what it left running.
//!
//! When the tool runs in the terminal's foreground, the command's group is made the
//! foreground for as long as it runs (as a shell does for a job), so that it can read a
//! passphrase from the terminal; Ctrl-C then goes to the command, and a command ended by it
//! ends the tool as if interrupted.

use std::io::{self, IsTerminal};
use std::os::fd::AsFd;
use std::process::{ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use nix::sys::signal::{SigSet, SigmaskHow, Signal, killpg, pthread_sigmask};
use nix::unistd::{Pid, getpgrp, tcgetpgrp, tcsetpgrp};
use tokio::io::AsyncReadExt;
use tokio::signal::unix::{SignalKind, signal};

/// How long a secret command may run unless its account's `secret_timeout` says otherwise:
/// long enough to type a passphrase, short enough that a hung command is noticed.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The most a secret command may print on stdout: far more than any secret.
pub(crate) const MAX_OUTPUT: u64 = 64 * 1024;

/// The process groups of the secret commands running now.
static RUNNING: Mutex<Vec<Pid>> = Mutex::new(Vec::new());

/// Kills the process group of every secret command running now: for the tool's signal
/// handling, before it ends the process (no destructor runs then).
pub(crate) fn kill_running() {
    with_running(|running| {
        for pgid in running.iter() {
            let _ = killpg(*pgid, Signal::SIGKILL);
        }
    });
}

/// Why a secret command gave no output to use.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CommandError {
    /// It could not be started (or waited for).
    #[error("{0}")]
    Spawn(#[source] io::Error),
    /// It exited unsuccessfully.
    #[error("failed ({0})")]
    Failed(ExitStatus),
    /// It ran past its timeout and was killed.
    #[error("did not finish within {}; it was killed", humantime::format_duration(*.0))]
    TimedOut(Duration),
    /// The tool was interrupted (by this signal) while waiting for it; it was killed.
    #[error("was interrupted by {}; it was killed", .0.as_str())]
    Interrupted(Signal),
    /// It printed more than [`MAX_OUTPUT`] bytes on stdout.
    #[error("printed more than {MAX_OUTPUT} bytes on stdout; it was killed")]
    TooMuchOutput,
}

/// Runs `program` with `args` and returns what it printed on stdout, once it exited
/// successfully within `timeout`.
///
/// The wait runs on a thread of its own (with a small runtime of its own), so it works from
/// synchronous code and from inside the tool's runtime alike.
pub(crate) fn run(
    program: &str,
    args: &[String],
    timeout: Duration,
) -> Result<Vec<u8>, CommandError> {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(CommandError::Spawn)?;
                runtime.block_on(run_async(program, args, timeout))
            })
            .join()
            .unwrap_or_else(|_| {
                Err(CommandError::Spawn(io::Error::other(
                    "the thread waiting for it panicked",
                )))
            })
    })
}

async fn run_async(
    program: &str,
    args: &[String],
    timeout: Duration,
) -> Result<Vec<u8>, CommandError> {
    // Listening before the command starts: a signal in between is not lost.
    let mut interrupt = signal(SignalKind::interrupt()).map_err(CommandError::Spawn)?;
    let mut terminate = signal(SignalKind::terminate()).map_err(CommandError::Spawn)?;
    let mut hangup = signal(SignalKind::hangup()).map_err(CommandError::Spawn)?;

    let mut command = tokio::process::Command::new(program);
    command
        .args(args)
        .stdin(Stdio::inherit())
        .stderr(Stdio::inherit())
        .stdout(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let (mut child, mut group) = Group::spawn(&mut command).map_err(CommandError::Spawn)?;
    let _foreground = group.pgid.and_then(Foreground::give);
    let mut stdout = child
        .stdout
        .take()
        .ok_or_else(|| CommandError::Spawn(io::Error::other("its stdout was not captured")))?;

    let work = async {
        let mut out = Vec::new();
        (&mut stdout)
            .take(MAX_OUTPUT + 1)
            .read_to_end(&mut out)
            .await
            .map_err(CommandError::Spawn)?;
        if out.len() as u64 > MAX_OUTPUT {
            return Err(CommandError::TooMuchOutput);
        }
        let status = child.wait().await.map_err(CommandError::Spawn)?;
        Ok((out, status))
    };
    let ended = tokio::select! {
        ended = work => ended,
        () = tokio::time::sleep(timeout) => Err(CommandError::TimedOut(timeout)),
        _ = interrupt.recv() => Err(CommandError::Interrupted(Signal::SIGINT)),
        _ = terminate.recv() => Err(CommandError::Interrupted(Signal::SIGTERM)),
        _ = hangup.recv() => Err(CommandError::Interrupted(Signal::SIGHUP)),
    };
    match ended {
        Ok((out, status)) => {
            // It exited by itself: what it left running is its business.
            group.disarm();
            if status.success() {
                Ok(out)
            } else if std::os::unix::process::ExitStatusExt::signal(&status)
                == Some(Signal::SIGINT as i32)
            {
                // Ctrl-C on the terminal, which it had as its foreground.
                Err(CommandError::Interrupted(Signal::SIGINT))
            } else {
                Err(CommandError::Failed(status))
            }
        }
        Err(error) => {
            group.kill();
            // Reaped here (the leader dies of SIGKILL at once), so no zombie is left behind.
            let _ = child.wait().await;
            Err(error)
        }
    }
}

/// The command's process group, killed on drop unless the command exited by itself.
struct Group {
    pgid: Option<Pid>,
}

impl Group {
    /// Spawns `command` (set to lead a group of its own with `process_group(0)`) and
    /// registers its group in [`RUNNING`]. The registry stays locked from before the spawn
    /// until the group is in it, so a signal that ends the tool meanwhile ([`kill_running`]
    /// waits for the lock) still finds the group to kill: a command that started is never
    /// left behind.
    fn spawn(command: &mut tokio::process::Command) -> io::Result<(tokio::process::Child, Self)> {
        with_running(|running| {
            let child = command.spawn()?;
            let pgid = child
                .id()
                .and_then(|id| i32::try_from(id).ok())
                .map(Pid::from_raw);
            if let Some(pgid) = pgid {
                running.push(pgid);
            }
            Ok((child, Self { pgid }))
        })
    }

    /// Kills every process of the group (once).
    fn kill(&mut self) {
        if let Some(pgid) = self.pgid {
            // ESRCH (the group is already gone) is fine.
            let _ = killpg(pgid, Signal::SIGKILL);
        }
        self.disarm();
    }

    /// Forgets the group: it is not killed on drop.
    fn disarm(&mut self) {
        if let Some(pgid) = self.pgid.take() {
            with_running(|running| running.retain(|p| *p != pgid));
        }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.kill();
    }
}

fn with_running<R>(change: impl FnOnce(&mut Vec<Pid>) -> R) -> R {
    let mut running = match RUNNING.lock() {
        Ok(running) => running,
        Err(poisoned) => poisoned.into_inner(),
    };
    change(&mut running)
}

/// The terminal's foreground given to the command's group while it runs, and given back to
/// the tool's on drop; only when the tool had it (never taken from a shell by a background
/// job).
struct Foreground {
    ours: Pid,
}

impl Foreground {
    fn give(pgid: Pid) -> Option<Self> {
        let stdin = io::stdin();
        if !stdin.is_terminal() {
            return None;
        }
        let ours = getpgrp();
        if tcgetpgrp(stdin.as_fd()).ok()? != ours {
            return None;
        }
        tcsetpgrp(stdin.as_fd(), pgid).ok()?;
        Some(Self { ours })
    }
}

impl Drop for Foreground {
    fn drop(&mut self) {
        // The tool is in the background now: taking the terminal back raises SIGTTOU unless
        // it is blocked (on this thread, for this call only).
        let mut ttou = SigSet::empty();
        ttou.add(Signal::SIGTTOU);
        let mut old = SigSet::empty();
        if pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&ttou), Some(&mut old)).is_ok() {
            let _ = tcsetpgrp(io::stdin().as_fd(), self.ours);
            let _ = pthread_sigmask(SigmaskHow::SIG_SETMASK, Some(&old), None);
        }
    }
}
