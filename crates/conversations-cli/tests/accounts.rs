//! `conversations accounts`: lists the config file's accounts and the environment's, reads no
//! secret unless asked to `--check`, never prints one, and names what is wrong.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

mod common;

const SECRET: &str = "autocalls-k3y-do-not-print";

const CONFIG: &str = r#"
[accounts.acme-autocalls]
provider = "autocalls"
api_key_env = "ACME_AUTOCALLS_KEY"

[accounts.main-asapp]
provider = "asapp"
api_id = "my-api-id"
base_url = "http://127.0.0.1:9"
api_secret_command = ["sh", "-c", "echo out$((40+2)); exit 7"]
"#;

/// `conversations` with a clean environment whose config directory is `home`.
fn bare(home: &Path) -> Command {
    let mut cmd = common::bare_assert();
    cmd.env_remove("ACME_AUTOCALLS_KEY")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"));
    cmd
}

fn run(cmd: &mut Command) -> (Output, String, String) {
    let output = cmd.output().unwrap();
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    let stderr = String::from_utf8(output.stderr.clone()).unwrap();
    assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET));
    assert!(!stdout.contains("out42") && !stderr.contains("out42"));
    (output, stdout, stderr)
}

#[test]
fn without_a_file_the_environment_accounts_are_listed() {
    let home = tempfile::tempdir().unwrap();
    let (output, stdout, stderr) = run(bare(home.path())
        .args(["accounts"])
        .env("AUTOCALLS_API_KEY", SECRET)
        .env("ASAPP_API_ID", "id")
        .env("ASAPP_API_SECRET", SECRET));
    assert!(output.status.success(), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(lines[1].starts_with("asapp (env)"), "{stdout}");
    assert!(lines[1].contains("env ASAPP_API_SECRET"), "{stdout}");
    assert!(lines[2].starts_with("autocalls (env)"), "{stdout}");
    assert!(stderr.contains("no config file at"), "{stderr}");

    let (output, stdout, stderr) = run(bare(home.path()).args(["accounts"]));
    assert!(output.status.success());
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("no accounts"), "{stderr}");
}

#[test]
fn the_file_from_flag_env_or_default_path_is_listed_without_reading_secrets() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("accounts.toml");
    std::fs::write(&path, CONFIG).unwrap();

    let (output, by_flag, stderr) = run(bare(home.path())
        .args(["accounts", "--config"])
        .arg(&path)
        .env("ACME_AUTOCALLS_KEY", SECRET));
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    let lines: Vec<&str> = by_flag.lines().collect();
    assert_eq!(lines.len(), 3, "{by_flag}");
    assert!(lines[0].starts_with("NAME") && lines[0].contains("SECRET FROM"));
    assert!(
        lines[1].starts_with("acme-autocalls  autocalls"),
        "{by_flag}"
    );
    assert!(
        lines[1].contains("https://app.autocalls.ai/api"),
        "{by_flag}"
    );
    assert!(lines[1].ends_with("env ACME_AUTOCALLS_KEY"), "{by_flag}");
    assert!(lines[2].contains("http://127.0.0.1:9"), "{by_flag}");
    assert!(
        lines[2].ends_with("command sh -c 'echo out$((40+2)); exit 7'"),
        "{by_flag}"
    );

    let (_, by_env, _) = run(bare(home.path())
        .arg("accounts")
        .env("CONVERSATIONS_CONFIG", &path)
        .env("ACME_AUTOCALLS_KEY", SECRET));
    assert_eq!(by_env, by_flag);

    if cfg!(target_os = "linux") {
        let default = home.path().join(".config/conversations/config.toml");
        std::fs::create_dir_all(default.parent().unwrap()).unwrap();
        std::fs::copy(&path, &default).unwrap();
        let (_, by_default, _) = run(bare(home.path())
            .arg("accounts")
            .env("ACME_AUTOCALLS_KEY", SECRET));
        assert_eq!(by_default, by_flag);
    }
}

#[test]
fn check_reads_each_secret_and_names_what_fails() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("accounts.toml");
    std::fs::write(&path, CONFIG).unwrap();
    let (output, stdout, stderr) = run(bare(home.path())
        .args(["accounts", "--check", "--config"])
        .arg(&path)
        .env("ACME_AUTOCALLS_KEY", SECRET));
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stdout.lines().nth(1).unwrap().ends_with("ok"), "{stdout}");
    assert!(
        stdout.lines().nth(2).unwrap().ends_with("failed"),
        "{stdout}"
    );
    assert!(
        stderr.contains(
            "error: account `main-asapp`: api_secret_command `sh -c 'echo out$((40+2)); exit 7'` failed (exit status: 7)"
        ),
        "{stderr}"
    );

    // One account by name; its variable not set.
    let (output, _, stderr) = run(bare(home.path())
        .args(["accounts", "--check", "acme-autocalls", "--config"])
        .arg(&path));
    assert_eq!(output.status.code(), Some(3));
    assert!(
        stderr.contains(
            "account `acme-autocalls`: environment variable ACME_AUTOCALLS_KEY is not set"
        ),
        "{stderr}"
    );

    let (output, _, stderr) = run(bare(home.path())
        .args(["accounts", "nope", "--config"])
        .arg(&path));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("no account named `nope`"), "{stderr}");
}

#[test]
fn a_bad_or_missing_file_is_a_usage_error_naming_it() {
    let home = tempfile::tempdir().unwrap();
    let missing = home.path().join("missing.toml");
    let (output, _, stderr) = run(bare(home.path())
        .args(["accounts", "--config"])
        .arg(&missing));
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains(&missing.display().to_string()), "{stderr}");

    let bad = home.path().join("bad.toml");
    std::fs::write(
        &bad,
        format!("[accounts.a]\nprovider = \"autocalls\"\napi_key = \"{SECRET}\"\n"),
    )
    .unwrap();
    let (output, _, stderr) = run(bare(home.path()).args(["accounts", "--config"]).arg(&bad));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr.contains(", line 3, column 11: `api_key`"),
        "{stderr}"
    );
}

#[test]
fn help_shows_the_file_shape() {
    let home = tempfile::tempdir().unwrap();
    let (_, stdout, _) = run(bare(home.path()).args(["accounts", "--help"]));
    assert!(stdout.contains("[accounts.acme-autocalls]"), "{stdout}");
    assert!(stdout.contains("CONVERSATIONS_CONFIG"), "{stdout}");
}
