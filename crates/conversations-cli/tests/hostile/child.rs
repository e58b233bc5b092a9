//! Running the real `conversations` binary against a hostile server: every run is bounded by
//! [`LIMIT`] (the child is killed past it), its output captured, and the peak memory of the
//! children read after it was waited for. Cases run concurrently through [`run_cases`]: each
//! is a thread of its own, and a failing case fails its test naming it, after all others ran.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use wait_timeout::ChildExt;

/// The longest a run may take. Generous — no test asserts speed, only that a run ends: the
/// slowest case (the `100 Continue` flood, CPU-bound in a debug build) takes about 23 s on
/// an idle 2-core machine, and went past 60 s on one busy with five builds.
pub(crate) const LIMIT: Duration = Duration::from_secs(120);

/// The most memory a child may have held at its peak.
pub(crate) const MAX_RSS_MIB: u64 = 300;

/// The credentials the cases configure (visible ASCII with the characters that need
/// escaping in JSON, URLs and headers); each 8-character window of them is looked for in
/// every output.
pub(crate) const AUTOCALLS_KEY: &str = r#"ak_live_"Q7\x/9+z%41=Tok3n&8~k"#;
pub(crate) const ASAPP_ID: &str = "asapp-hostile-id";
pub(crate) const ASAPP_SECRET: &str = r#"as/Secr3t+"quoted"\back%2Fslash=="#;

/// How a run ended.
#[derive(Debug)]
pub(crate) struct Run {
    /// What ran (arguments only: no environment, which holds the credentials).
    pub(crate) what: String,
    /// The exit code (`None`: killed by a signal, e.g. at [`LIMIT`]).
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) elapsed: Duration,
    /// The child was killed at [`LIMIT`].
    pub(crate) timed_out: bool,
    /// The peak resident memory over every child this process waited for so far, this one
    /// included (MiB).
    pub(crate) children_max_rss_mib: u64,
}

impl Run {
    /// A short account of the run, for assertion messages.
    pub(crate) fn show(&self) -> String {
        fn cut(s: &str) -> String {
            if s.len() <= 3000 {
                return s.to_owned();
            }
            let mut end = 3000;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            format!("{}… ({} bytes)", &s[..end], s.len())
        }
        format!(
            "`{}`: exit {:?} after {:.1?}{}\n--- stderr:\n{}\n--- stdout:\n{}",
            self.what,
            self.code,
            self.elapsed,
            if self.timed_out {
                " (KILLED at the limit)"
            } else {
                ""
            },
            cut(&self.stderr),
            cut(&self.stdout)
        )
    }

    /// Ended by itself within [`LIMIT`], with `code`, without a panic, the children's peak
    /// memory within [`MAX_RSS_MIB`].
    pub(crate) fn ended_with(&self, code: i32) -> &Self {
        assert!(
            !self.timed_out,
            "did not end within {LIMIT:?}: {}",
            self.show()
        );
        assert_eq!(self.code, Some(code), "exit code: {}", self.show());
        self.no_panic();
        assert!(
            self.children_max_rss_mib <= MAX_RSS_MIB,
            "children's peak memory {} MiB > {MAX_RSS_MIB} MiB: {}",
            self.children_max_rss_mib,
            self.show()
        );
        self
    }

    /// Nothing panicked.
    pub(crate) fn no_panic(&self) -> &Self {
        assert!(
            !self.stderr.contains("panicked") && !self.stdout.contains("panicked"),
            "a panic: {}",
            self.show()
        );
        self
    }

    /// Stderr is one line naming `provider` (the error).
    pub(crate) fn one_line_naming(&self, provider: &str) -> &Self {
        let lines: Vec<&str> = self.stderr.lines().filter(|l| !l.is_empty()).collect();
        assert_eq!(lines.len(), 1, "one line on stderr: {}", self.show());
        assert!(
            lines[0].contains(provider),
            "names {provider}: {}",
            self.show()
        );
        self
    }

    /// Stderr holds every one of `needles`.
    pub(crate) fn stderr_has(&self, needles: &[&str]) -> &Self {
        for needle in needles {
            assert!(
                self.stderr.contains(needle),
                "stderr has {needle:?}: {}",
                self.show()
            );
        }
        self
    }

    /// The stdout lines parsed as JSON (ndjson).
    pub(crate) fn ndjson(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|l| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("an ndjson line ({e}): {l:.200}: {}", self.show()))
            })
            .collect()
    }
}

/// The peak resident memory over every child waited for so far (MiB).
pub(crate) fn children_max_rss_mib() -> u64 {
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)
        .expect("getrusage");
    // Linux reports kilobytes.
    u64::try_from(usage.max_rss()).unwrap_or(0) / 1024
}

/// Runs `cmd` (stdin closed, output captured) for at most [`LIMIT`], killing it past that.
pub(crate) fn run(mut cmd: Command) -> Run {
    let what = std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| {
            let a = a.to_string_lossy();
            if a.len() > 120 {
                format!("{:.100}…", a)
            } else {
                a.into_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().expect("spawn conversations");
    let stdout = drain(child.stdout.take().expect("stdout"));
    let stderr = drain(child.stderr.take().expect("stderr"));
    let (status, timed_out) = match child.wait_timeout(LIMIT).expect("wait for the child") {
        Some(status) => (status, false),
        None => {
            let _ = child.kill();
            (child.wait().expect("wait for the killed child"), true)
        }
    };
    let elapsed = started.elapsed();
    let text = |h: std::thread::JoinHandle<Vec<u8>>| {
        String::from_utf8_lossy(&h.join().expect("a reader thread")).into_owned()
    };
    Run {
        what,
        code: status.code(),
        stdout: text(stdout),
        stderr: text(stderr),
        elapsed,
        timed_out,
        children_max_rss_mib: children_max_rss_mib(),
    }
}

/// The most of one stream kept (the rest is read and dropped).
const KEEP: usize = 64 * 1024 * 1024;

fn drain(mut stream: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let room = KEEP.saturating_sub(kept.len());
                    kept.extend_from_slice(&buf[..n.min(room)]);
                }
            }
        }
        kept
    })
}

/// `conversations` with none of our environment variables set.
pub(crate) fn bare() -> Command {
    crate::common::bare()
}

/// `conversations` with Autocalls pointed at `base` (`http://127.0.0.1:PORT/api`).
pub(crate) fn autocalls(base: &str) -> Command {
    let mut cmd = bare();
    cmd.env("AUTOCALLS_BASE_URL", base)
        .env("AUTOCALLS_API_KEY", AUTOCALLS_KEY);
    cmd
}

/// `conversations` with ASAPP pointed at `base` (`http://127.0.0.1:PORT`).
pub(crate) fn asapp(base: &str) -> Command {
    let mut cmd = bare();
    cmd.env("ASAPP_BASE_URL", base)
        .env("ASAPP_API_ID", ASAPP_ID)
        .env("ASAPP_API_SECRET", ASAPP_SECRET);
    cmd
}

/// A named case: a function that panics when the case fails.
pub(crate) type Case = (String, Box<dyn FnOnce() + Send>);

/// Boxes a case.
pub(crate) fn case(name: impl Into<String>, f: impl FnOnce() + Send + 'static) -> Case {
    (name.into(), Box::new(f))
}

/// How many cases of one test run at once (the children mostly wait on the network).
const PARALLEL: usize = 6;

/// Runs every case, [`PARALLEL`] at a time, each on a thread of its own; then fails naming
/// every case that failed (each case's own panic message, with the run's output, is above).
pub(crate) fn run_cases(cases: Vec<Case>) {
    let total = cases.len();
    let mut cases = cases;
    cases.reverse(); // popped from the end: run in the order given
    let queue = std::sync::Arc::new(std::sync::Mutex::new(cases));
    let failed = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..PARALLEL.min(total))
        .map(|_| {
            let queue = queue.clone();
            let failed = failed.clone();
            std::thread::spawn(move || {
                loop {
                    let next = queue.lock().expect("queue").pop();
                    let Some((name, f)) = next else { break };
                    let started = Instant::now();
                    let outcome = std::thread::Builder::new()
                        .name(name.clone())
                        .spawn(f)
                        .expect("a case thread")
                        .join();
                    match outcome {
                        Ok(()) => eprintln!("case {name}: ok ({:.1?})", started.elapsed()),
                        Err(panic) => {
                            let message = panic
                                .downcast_ref::<String>()
                                .cloned()
                                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                                .unwrap_or_default();
                            let first = message.lines().next().unwrap_or_default().to_owned();
                            eprintln!("case {name}: FAILED ({:.1?})", started.elapsed());
                            failed
                                .lock()
                                .expect("failed")
                                .push(format!("{name}: {first}"));
                        }
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("a worker");
    }
    eprintln!(
        "the children's peak memory so far (every test of this binary): {} MiB",
        children_max_rss_mib()
    );
    let mut failed = failed.lock().expect("failed").clone();
    failed.sort();
    assert!(
        failed.is_empty(),
        "{} of {total} cases failed (details above):\n  {}",
        failed.len(),
        failed.join("\n  ")
    );
}
