//! How a run ends: the one place that turns signals, a closed stdout and failed writes into an
//! exit code and at most one line on stderr.
//!
//! - **Signals.** `SIGINT` (Ctrl-C), `SIGTERM` and `SIGHUP` are watched from the start, on a
//!   thread of their own (so a main thread busy or blocked cannot hold them up). Until a
//!   command takes them over with [`Interrupt::take`], a signal ends the process at once with
//!   128 + its number: nothing is half-written yet (no temporary file, no open transaction of
//!   ours). Once taken over (a listing, a sync), a signal is delivered instead: the command
//!   stops, commits, closes its format, cleans up and ends with [`Signal::code`].
//! - **A closed stdout** (`| head`, `| true`) ends a command quietly, with the exit code it
//!   had so far: the reader has what it wanted. See [`output_failed`].
//! - **Any other write error** (a full disk, `> /dev/full`) ends it with one line on stderr
//!   and exit 1. When stderr itself cannot be written ([`note`]), the run goes on quietly and
//!   ends with exit 1 at the latest.
//! - **Safety net.** `println!`/`eprintln!` panic on a failed write; [`run`] turns such a
//!   panic (from code not yet moved to [`print()`]/[`note()`]) into the same endings, silently.

use std::any::Any;
use std::fmt;
use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::watch;

use crate::exit;

/// A signal that ends a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    /// `SIGINT`: Ctrl-C.
    Interrupt,
    /// `SIGTERM`: `kill`, `timeout`, a service manager stopping us.
    Terminate,
    /// `SIGHUP`: the terminal went away.
    Hangup,
}

impl Signal {
    /// Its number.
    fn number(self) -> u8 {
        match self {
            Self::Hangup => 1,
            Self::Interrupt => 2,
            Self::Terminate => 15,
        }
    }

    /// The exit code of a run it ended: 128 + its number (130, 143, 129), as a shell reports
    /// a command the signal killed.
    pub(crate) fn code(self) -> u8 {
        128 + self.number()
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Interrupt => "SIGINT",
            Self::Terminate => "SIGTERM",
            Self::Hangup => "SIGHUP",
        })
    }
}

/// Whether a command has taken signals over ([`Interrupt::take`]).
static DELIVER: AtomicBool = AtomicBool::new(false);
/// The first signal received, for commands that took them over.
static RECEIVED: OnceLock<watch::Sender<Option<Signal>>> = OnceLock::new();
/// Set when stderr could not be written: the run ends with exit 1.
static STDERR_FAILED: AtomicBool = AtomicBool::new(false);

fn received() -> &'static watch::Sender<Option<Signal>> {
    RECEIVED.get_or_init(|| watch::channel(None).0)
}

/// Starts watching `SIGINT`, `SIGTERM` and `SIGHUP`, and returns once they are watched.
/// Called first thing in `main`.
pub(crate) fn watch_signals() -> io::Result<()> {
    let (ready, watching) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("signals".to_owned())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_io()
                .build()
            {
                Ok(runtime) => runtime,
                Err(e) => {
                    let _ = ready.send(Err(e));
                    return;
                }
            };
            runtime.block_on(async move {
                use tokio::signal::unix::{SignalKind, signal};
                let streams = signal(SignalKind::interrupt()).and_then(|i| {
                    Ok((
                        i,
                        signal(SignalKind::terminate())?,
                        signal(SignalKind::hangup())?,
                    ))
                });
                let (mut int, mut term, mut hup) = match streams {
                    Ok(streams) => streams,
                    Err(e) => {
                        let _ = ready.send(Err(e));
                        return;
                    }
                };
                let _ = ready.send(Ok(()));
                loop {
                    let signal = tokio::select! {
                        _ = int.recv() => Signal::Interrupt,
                        _ = term.recv() => Signal::Terminate,
                        _ = hup.recv() => Signal::Hangup,
                    };
                    if !DELIVER.load(Ordering::SeqCst) {
                        // Nothing of ours to finish: end as the signal's default would
                        // (a secret command running now is killed first: no destructor runs).
                        crate::config::kill_secret_commands();
                        std::process::exit(i32::from(signal.code()));
                    }
                    // The first signal decides the run's ending; later ones add nothing.
                    received().send_if_modified(|first| {
                        first.is_none() && first.replace(signal).is_none()
                    });
                }
            });
        })?;
    watching
        .recv()
        .unwrap_or_else(|_| Err(io::Error::other("the signal thread ended")))
}

/// Signals, taken over by a command that ends cleanly when one comes.
#[derive(Clone)]
pub(crate) struct Interrupt {
    first: watch::Receiver<Option<Signal>>,
}

impl Interrupt {
    /// From now on a signal no longer ends the process: it is delivered here (to every
    /// `Interrupt`), and the command ends the run itself.
    pub(crate) fn take() -> Self {
        let first = received().subscribe();
        DELIVER.store(true, Ordering::SeqCst);
        Self { first }
    }

    /// The signal received, if one was.
    pub(crate) fn signal(&self) -> Option<Signal> {
        *self.first.borrow()
    }

    /// Waits for a signal.
    pub(crate) async fn wait(&mut self) -> Signal {
        let first = self
            .first
            .wait_for(Option::is_some)
            .await
            .ok()
            .and_then(|s| *s);
        match first {
            Some(signal) => signal,
            // The sender is a static: it is never dropped.
            None => std::future::pending().await,
        }
    }
}

/// Writes `line` and a newline to stdout (and flushes it).
pub(crate) fn print(line: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(line.as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Writes `line` and a newline to stderr. When stderr cannot take it, the run goes on (there
/// is nowhere to say more) and ends with exit 1.
pub(crate) fn note(line: &str) {
    let mut err = io::stderr().lock();
    if err
        .write_all(line.as_bytes())
        .and_then(|()| err.write_all(b"\n"))
        .is_err()
    {
        STDERR_FAILED.store(true, Ordering::SeqCst);
    }
}

/// How a run ends when its output (`what`: `stdout`, a file) could not be written: quietly
/// with `so_far` (the code the run had until then) when the reader went away, else with one
/// line and exit 1.
pub(crate) fn output_failed(what: &str, error: &io::Error, so_far: u8) -> u8 {
    if error.kind() == io::ErrorKind::BrokenPipe {
        return so_far;
    }
    note(&format!("error: could not write to {what}: {error}"));
    exit::FAILURE
}

/// Runs the command `body` and says how the run ends: its code, or 1 if stderr failed on the
/// way; a panic of `println!`/`eprintln!` on a failed write ends the run as [`output_failed`]
/// would, without a panic message.
pub(crate) fn run(body: impl FnOnce() -> ExitCode) -> ExitCode {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if print_failure(info.payload()).is_none() {
            default_hook(info);
        }
    }));
    let code = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(code) => code,
        Err(payload) => match print_failure(payload.as_ref()) {
            Some(PrintFailure::Stdout(message)) if message.contains("Broken pipe") => {
                ExitCode::from(exit::OK)
            }
            Some(PrintFailure::Stdout(message)) => {
                note(&format!("error: could not write to stdout: {message}"));
                ExitCode::from(exit::FAILURE)
            }
            Some(PrintFailure::Stderr) => ExitCode::from(exit::FAILURE),
            None => std::panic::resume_unwind(payload),
        },
    };
    if STDERR_FAILED.load(Ordering::SeqCst) && code == ExitCode::from(exit::OK) {
        return ExitCode::from(exit::FAILURE);
    }
    code
}

/// A panic of `println!` or `eprintln!` that could not write.
enum PrintFailure<'a> {
    /// `failed printing to stdout: <error>`.
    Stdout(&'a str),
    /// `failed printing to stderr: <error>`.
    Stderr,
}

fn print_failure(payload: &(dyn Any + Send)) -> Option<PrintFailure<'_>> {
    let message = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())?;
    if let Some(error) = message.strip_prefix("failed printing to stdout: ") {
        Some(PrintFailure::Stdout(error))
    } else if message.starts_with("failed printing to stderr") {
        Some(PrintFailure::Stderr)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_end_with_128_plus_their_number() {
        assert_eq!(Signal::Interrupt.code(), 130);
        assert_eq!(Signal::Terminate.code(), 143);
        assert_eq!(Signal::Hangup.code(), 129);
        assert_eq!(Signal::Hangup.to_string(), "SIGHUP");
    }

    #[test]
    fn a_closed_reader_ends_quietly_and_other_errors_with_exit_1() {
        let closed = io::Error::from(io::ErrorKind::BrokenPipe);
        assert_eq!(output_failed("stdout", &closed, 3), 3);
        let full = io::Error::from_raw_os_error(28);
        assert_eq!(output_failed("stdout", &full, 0), exit::FAILURE);
    }

    #[test]
    fn print_panics_are_told_from_others() {
        let stdout: Box<dyn Any + Send> =
            Box::new("failed printing to stdout: Broken pipe (os error 32)".to_owned());
        assert!(matches!(
            print_failure(stdout.as_ref()),
            Some(PrintFailure::Stdout(m)) if m.starts_with("Broken pipe")
        ));
        let stderr: Box<dyn Any + Send> = Box::new("failed printing to stderr: x".to_owned());
        assert!(matches!(
            print_failure(stderr.as_ref()),
            Some(PrintFailure::Stderr)
        ));
        let other: Box<dyn Any + Send> = Box::new("index out of bounds");
        assert!(print_failure(other.as_ref()).is_none());
    }
}
