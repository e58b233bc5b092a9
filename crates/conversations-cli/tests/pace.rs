//! How fast the CLI asks, as a sandbox hosted in this process counts it: `sync` asks for the
//! provider's largest page unless told, and `--rate` holds over every second (the sandbox
//! counts the most requests that arrived within one second; no clock is read here).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use conversations_sandbox::{Provider, SandboxConfig};

mod common;

#[test]
fn sync_asks_for_the_largest_page_unless_told() {
    let env = common::SandboxEnv::start(SandboxConfig::new().dataset_size(3000));
    let sandbox = env.sandbox();
    let records = sandbox.dataset().autocalls().len();
    let dir = tempfile::tempdir().unwrap();
    let sync = |db: &str, extra: &[&str]| {
        let output = common::bare()
            .env(
                "AUTOCALLS_API_KEY",
                &sandbox.credentials().autocalls_api_key,
            )
            .env("AUTOCALLS_BASE_URL", sandbox.autocalls_base_url())
            .args(["sync", "--provider", "autocalls", "--to"])
            .arg(format!("sqlite:{}", dir.path().join(db).display()))
            .args(extra)
            .output()
            .unwrap();
        common::assert_success(&output);
    };

    sync("default.db", &[]);
    let by_default = sandbox.requests(Provider::Autocalls);
    assert_eq!(by_default, records.div_ceil(100) as u64, "pages of 100");

    sync("fifteen.db", &["--page-size", "15"]);
    let asked = sandbox.requests(Provider::Autocalls) - by_default;
    assert_eq!(asked, records.div_ceil(15) as u64, "pages of 15 when asked");
}

#[test]
fn rate_holds_over_every_second_of_many_lookups() {
    let env = common::SandboxEnv::start(SandboxConfig::new().dataset_size(300));
    let sandbox = env.sandbox();
    let credentials = sandbox.credentials();
    let dir = tempfile::tempdir().unwrap();
    let ids = dir.path().join("ids");
    let text: String = (0..60).map(|i| format!("crm-pace-{i}\n")).collect();
    std::fs::write(&ids, text).unwrap();
    let output = common::bare()
        .env("ASAPP_API_ID", &credentials.asapp_api_id)
        .env("ASAPP_API_SECRET", &credentials.asapp_api_secret)
        .env("ASAPP_BASE_URL", sandbox.asapp_base_url())
        .args([
            "list",
            "--provider",
            "asapp",
            "--format",
            "ndjson",
            "--rate",
            "20",
        ])
        .arg("--external-ids-from")
        .arg(&ids)
        .output()
        .unwrap();
    common::assert_success(&output);
    assert_eq!(sandbox.requests(Provider::Asapp), 60);
    // The client sends 20 a second exactly; the server may see a few more within a second
    // when the loopback and a busy scheduler delay one request more than the next (200 ms of
    // the rate's requests allowed; before one pacer was kept per client, 60 or more came).
    let busiest = sandbox.busiest_second(Provider::Asapp);
    assert!(busiest <= 24, "{busiest} requests within one second");
}
