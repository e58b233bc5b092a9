//! What the CLI's integration tests share: the binary with none of our environment variables
//! set, and a sandbox on a runtime that lives (and serves) as long as the test.
// Each test file uses the part it needs.
#![allow(dead_code, clippy::unwrap_used)]

pub(crate) mod pg;

use conversations_sandbox::{Sandbox, SandboxConfig};

/// The environment variables the CLI reads: removed, so a developer's own settings never
/// change a test's outcome.
const VARIABLES: [&str; 9] = [
    "RUST_LOG",
    "COLUMNS",
    "ASAPP_API_ID",
    "ASAPP_API_SECRET",
    "ASAPP_BASE_URL",
    "AUTOCALLS_API_KEY",
    "AUTOCALLS_BASE_URL",
    "CONVERSATIONS_CONFIG",
    "CONVERSATIONS_SYNC_PROGRESS_LINES",
];

/// `conversations` with none of our environment variables set.
pub(crate) fn bare() -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("conversations"));
    for var in VARIABLES {
        cmd.env_remove(var);
    }
    cmd
}

/// [`bare`], as an `assert_cmd` command (for `write_stdin`, `assert`).
pub(crate) fn bare_assert() -> assert_cmd::Command {
    assert_cmd::Command::from_std(bare())
}

/// A sandbox on a runtime of its own, shut down when dropped.
pub(crate) struct SandboxEnv {
    runtime: tokio::runtime::Runtime,
    sandbox: Option<Sandbox>,
}

impl SandboxEnv {
    /// Starts a sandbox with `config`.
    pub(crate) fn start(config: SandboxConfig) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let sandbox = runtime.block_on(Sandbox::start(config)).unwrap();
        Self {
            runtime,
            sandbox: Some(sandbox),
        }
    }

    /// A sandbox of `size` conversations whose Autocalls API key is `key`.
    pub(crate) fn with_autocalls_key(size: usize, key: &str) -> Self {
        Self::start(
            SandboxConfig::new()
                .dataset_size(size)
                .autocalls_api_key(key),
        )
    }

    /// The running sandbox.
    pub(crate) fn sandbox(&self) -> &Sandbox {
        self.sandbox.as_ref().unwrap()
    }

    /// [`bare`] pointed at this sandbox's Autocalls, with `key`.
    pub(crate) fn autocalls_cli(&self, key: &str) -> std::process::Command {
        let mut cmd = bare();
        cmd.env("AUTOCALLS_API_KEY", key)
            .env("AUTOCALLS_BASE_URL", self.sandbox().autocalls_base_url());
        cmd
    }
}

impl Drop for SandboxEnv {
    fn drop(&mut self) {
        if let Some(sandbox) = self.sandbox.take() {
            self.runtime.block_on(sandbox.shutdown());
        }
    }
}

/// Writes `config.toml` into `dir`: two Autocalls accounts at `base`, `acme-eu` (its key in
/// `EU_KEY`) and `acme-us` (in `US_KEY`). Returns its path.
pub(crate) fn two_accounts_config(dir: &std::path::Path, base: &str) -> std::path::PathBuf {
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[accounts.acme-eu]\nprovider = \"autocalls\"\nbase_url = \"{base}\"\napi_key_env = \"EU_KEY\"\n\n\
             [accounts.acme-us]\nprovider = \"autocalls\"\nbase_url = \"{base}\"\napi_key_env = \"US_KEY\"\n"
        ),
    )
    .unwrap();
    config
}

/// `conversations list --sandbox --provider PROVIDER` ([`bare`]): the built-in sandbox's
/// listing, the test's own flags to add.
pub(crate) fn sandbox_list(provider: &str) -> std::process::Command {
    let mut cmd = bare();
    cmd.args(["list", "--sandbox", "--provider", provider]);
    cmd
}

/// Fails the test, showing the command's stderr, unless it exited with status 0.
pub(crate) fn assert_success(output: &std::process::Output) {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// [`assert_success`], the message naming `what` failed (a step, its arguments).
pub(crate) fn assert_success_of(what: &str, output: &std::process::Output) {
    assert!(
        output.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs `cmd` to its end and returns its output, after [`assert_success`].
pub(crate) fn run_ok(cmd: &mut std::process::Command) -> std::process::Output {
    let output = cmd.output().unwrap();
    assert_success(&output);
    output
}

/// Fails the test unless the command exited with `code`; its stderr, as text.
pub(crate) fn stderr_after_exit(output: &std::process::Output, code: i32) -> String {
    let stderr = String::from_utf8(output.stderr.clone()).unwrap();
    assert_eq!(output.status.code(), Some(code), "{stderr}");
    stderr
}

/// Reads the child's stderr until it has printed `n` committed-batch lines (the sync's JSON
/// progress events); false if it ended first.
pub(crate) fn wait_for_batches(child: &mut std::process::Child, n: usize) -> bool {
    use std::io::{BufRead, BufReader};
    let stderr = child.stderr.as_mut().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let mut seen = 0;
    while seen < n {
        match lines.next() {
            Some(Ok(line)) if line.contains(r#""event":"committed""#) => seen += 1,
            Some(Ok(_)) => {}
            _ => return false,
        }
    }
    true
}
