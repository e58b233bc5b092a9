//! `list --account NAME` (repeatable): several accounts of one provider at once, records and
//! errors saying which account.
#![allow(clippy::unwrap_used)]

use conversations_sandbox::SandboxConfig;

mod common;

#[test]
fn two_accounts_of_one_provider_are_told_apart() {
    let env = common::SandboxEnv::start(
        SandboxConfig::new()
            .dataset_size(90)
            .autocalls_api_key("good-k3y"),
    );
    let sandbox = env.sandbox();
    let dir = tempfile::tempdir().unwrap();
    let config = common::two_accounts_config(dir.path(), &sandbox.autocalls_base_url());
    let out = common::bare()
        .env("EU_KEY", "good-k3y")
        .env("US_KEY", "revoked-k3y")
        .args([
            "list",
            "--account",
            "acme-eu",
            "--account",
            "acme-us",
            "--format",
            "ndjson",
            "--config",
        ])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "the revoked account fails");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let records: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        records.len() > 15,
        "every record of the good account, over several pages"
    );
    assert!(
        records
            .iter()
            .all(|r| r["account"] == "acme-eu" && r["provider"] == "autocalls")
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("error: account acme-us: autocalls: unauthorized"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("k3y") && !stdout.contains("k3y"),
        "no secret printed"
    );
}

#[test]
fn lookups_say_which_account_in_every_format() {
    let env = common::SandboxEnv::start(SandboxConfig::new().dataset_size(90));
    let sandbox = env.sandbox();
    let credentials = sandbox.credentials();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let (base, id) = (sandbox.asapp_base_url(), &credentials.asapp_api_id);
    std::fs::write(
        &config,
        format!(
            "[accounts.care-eu]\nprovider = \"asapp\"\nbase_url = \"{base}\"\napi_id = \"{id}\"\napi_secret_env = \"EU_SECRET\"\n\n\
             [accounts.care-us]\nprovider = \"asapp\"\nbase_url = \"{base}\"\napi_id = \"{id}\"\napi_secret_env = \"US_SECRET\"\n"
        ),
    )
    .unwrap();
    let asked = sandbox.dataset().asapp_external_ids()[0].to_owned();
    let ids = dir.path().join("ids.txt");
    std::fs::write(&ids, format!("{asked}\n")).unwrap();
    let run = |format: &str| {
        common::bare()
            .env("EU_SECRET", &credentials.asapp_api_secret)
            .env("US_SECRET", "revoked-s3cret")
            .args(["list", "--account", "care-eu", "--account", "care-us"])
            .args(["--format", format, "--config"])
            .arg(&config)
            .arg("--external-ids-from")
            .arg(&ids)
            .output()
            .unwrap()
    };
    for format in ["ndjson", "csv", "table"] {
        let out = run(format);
        assert_eq!(
            out.status.code(),
            Some(3),
            "{format}: the revoked account fails"
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains(&format!(
                "error: account care-us: id {asked:?}: asapp: unauthorized"
            )),
            "{format}: {stderr}"
        );
        assert!(!stderr.contains("s3cret") && !stdout.contains("s3cret"));
        let mut lines = stdout.lines();
        match format {
            "ndjson" => {
                let records: Vec<serde_json::Value> =
                    lines.map(|l| serde_json::from_str(l).unwrap()).collect();
                assert!(!records.is_empty());
                assert!(records.iter().all(|r| r["account"] == "care-eu"
                    && r["asked_id"] == asked.as_str()
                    && r["provider"] == "asapp"));
            }
            "csv" => {
                assert!(lines.next().unwrap().ends_with(",account"), "{stdout}");
                assert!(lines.all(|l| l.ends_with(",care-eu")), "{stdout}");
            }
            _ => {
                assert!(lines.next().unwrap().starts_with("ACCOUNT  "), "{stdout}");
                assert!(lines.all(|l| l.starts_with("care-eu  ")), "{stdout}");
            }
        }
    }
}
