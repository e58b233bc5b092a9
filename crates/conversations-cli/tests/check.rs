//! `conversations check` against the sandbox: one request per account, a good key and a bad
//! one told apart, latency and request id shown, no secret printed.
#![allow(clippy::unwrap_used)]

use conversations_sandbox::SandboxConfig;

mod common;

#[test]
fn good_and_bad_keys_are_told_apart() {
    let env = common::SandboxEnv::start(
        SandboxConfig::new()
            .dataset_size(30)
            .autocalls_api_key("good-k3y"),
    );
    let sandbox = env.sandbox();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let autocalls = sandbox.autocalls_base_url();
    let asapp = sandbox.asapp_base_url();
    std::fs::write(
        &config,
        format!(
            "[accounts.good]\nprovider = \"autocalls\"\nbase_url = \"{autocalls}\"\napi_key_env = \"GOOD_KEY\"\n\n\
             [accounts.bad]\nprovider = \"autocalls\"\nbase_url = \"{autocalls}\"\napi_key_env = \"BAD_KEY\"\n\n\
             [accounts.support]\nprovider = \"asapp\"\nbase_url = \"{asapp}\"\napi_id = \"sandbox-asapp-id\"\napi_secret_env = \"ASAPP_SECRET\"\n"
        ),
    )
    .unwrap();
    let out = common::bare()
        .env("GOOD_KEY", "good-k3y")
        .env("BAD_KEY", "wrong-k3y")
        .env("ASAPP_SECRET", "sandbox-asapp-secret")
        .args(["check", "--config"])
        .arg(&config)
        .arg("good")
        .arg("bad")
        .arg("support")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "one account refused");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let line = |name: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap()
            .to_owned()
    };
    let good = line("good ");
    assert!(
        good.contains("autocalls") && good.contains("yes        yes") && good.contains(" ms"),
        "{good}"
    );
    let bad = line("bad ");
    assert!(bad.contains("yes        no"), "{bad}");
    let support = line("support ");
    assert!(
        support.contains("asapp") && support.contains("yes        yes"),
        "{support}"
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("bad: autocalls: unauthorized"), "{stderr}");
    for text in [&stdout, &stderr] {
        assert!(!text.contains("k3y") && !text.contains("sandbox-asapp-secret"));
    }
}
