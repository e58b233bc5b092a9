//! The `conversations` binary end to end, against sandboxes on 127.0.0.1: every format, every
//! filter, `--limit`, and the errors (bad flags, missing credentials, 401, 429 then success,
//! a cursor loop), with no secret in any output.
#![allow(clippy::unwrap_used)]

use std::process::Output;

use assert_cmd::Command;
use conversations_sandbox::{Fault, Provider, RetryAfter, Sandbox, SandboxConfig};
use serde_json::Value;

mod common;

const ASAPP_SECRET: &str = "asapp-s3cr3t-do-not-print";
const AUTOCALLS_KEY: &str = "autocalls-k3y-do-not-print";

/// A sandbox with our own credentials, on a runtime that lives as long as the test.
struct Env(common::SandboxEnv);

impl Env {
    fn start(size: usize) -> Self {
        Self(common::SandboxEnv::start(
            SandboxConfig::new()
                .dataset_size(size)
                .asapp_credentials("asapp-id", ASAPP_SECRET)
                .autocalls_api_key(AUTOCALLS_KEY),
        ))
    }

    fn sandbox(&self) -> &Sandbox {
        self.0.sandbox()
    }

    /// `conversations` with the environment pointing at this sandbox.
    fn cmd(&self) -> Command {
        let mut cmd = bare();
        let s = self.sandbox();
        cmd.env("ASAPP_API_ID", "asapp-id")
            .env("ASAPP_API_SECRET", ASAPP_SECRET)
            .env("ASAPP_BASE_URL", s.asapp_base_url())
            .env("AUTOCALLS_API_KEY", AUTOCALLS_KEY)
            .env("AUTOCALLS_BASE_URL", s.autocalls_base_url());
        cmd
    }

    /// `conversations list --provider <provider>` and `args` against this sandbox, [`run`].
    fn list(&self, provider: &str, args: &[&str]) -> Output {
        run(self.cmd().args(["list", "--provider", provider]).args(args))
    }
}

use common::bare_assert as bare;

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn assert_no_secret(output: &Output) {
    let (out, err) = text(output);
    for secret in [ASAPP_SECRET, AUTOCALLS_KEY] {
        assert!(!out.contains(secret), "secret on stdout");
        assert!(!err.contains(secret), "secret on stderr: {err}");
    }
}

fn ndjson(output: &Output) -> Vec<Value> {
    let (out, _) = text(output);
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn run(cmd: &mut Command) -> Output {
    let output = cmd.output().unwrap();
    assert_no_secret(&output);
    output
}

/// `conversations list --sandbox --provider <provider>` and `args`, [`run`].
fn sandbox_list(provider: &str, args: &[&str]) -> Output {
    run(bare()
        .args(["list", "--sandbox", "--provider", provider])
        .args(args))
}

#[test]
fn sandbox_mode_lists_both_providers_in_every_format() {
    // ASAPP needs an external id; pick one the demo data shares across both providers.
    let probe = sandbox_list(
        "asapp",
        &["--external-id", "crm-lead-12301", "--format", "ndjson"],
    );
    assert!(probe.status.success(), "{:?}", text(&probe));

    let all = sandbox_list(
        "all",
        &["--external-id", "crm-lead-12301", "--format", "ndjson"],
    );
    assert!(all.status.success(), "{:?}", text(&all));
    let records = ndjson(&all);
    for provider in ["asapp", "autocalls"] {
        assert!(
            records.iter().any(|r| r["provider"] == provider),
            "no {provider} record in {records:?}"
        );
    }
    assert!(records.iter().all(|r| r["external_id"] == "crm-lead-12301"));

    let table = sandbox_list("autocalls", &["--limit", "5"]);
    assert!(table.status.success());
    let (out, _) = text(&table);
    assert_eq!(out.lines().count(), 6, "{out}");
    assert!(out.starts_with("PROVIDER"));

    let json = sandbox_list("autocalls", &["--limit", "7", "--format", "json"]);
    let parsed: Vec<Value> = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(parsed.len(), 7);
    assert!(parsed.iter().all(|r| r["raw"].is_object()));

    let csv = sandbox_list("autocalls", &["--limit", "4", "--format", "csv"]);
    let (out, _) = text(&csv);
    let mut lines = out.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("provider,id,external_id,channel,agent_role")
    );
    assert_eq!(lines.count(), 4);
}

#[test]
fn empty_listing_still_prints_valid_output() {
    let env = Env::start(60);
    let json = env.list(
        "autocalls",
        &["--external-id", "no-such-id", "--format", "json"],
    );
    assert!(json.status.success(), "{:?}", text(&json));
    assert_eq!(
        serde_json::from_slice::<Vec<Value>>(&json.stdout)
            .unwrap()
            .len(),
        0
    );
    let csv = env.list(
        "autocalls",
        &["--external-id", "no-such-id", "--format", "csv"],
    );
    assert_eq!(text(&csv).0.lines().count(), 1, "header only");
}

#[test]
fn every_filter_reaches_the_provider() {
    let env = Env::start(300);
    let data = env.sandbox().dataset().autocalls();
    let whatsapp = data.iter().find(|c| c["type"] == "whatsapp").unwrap();
    let customer = whatsapp["customer"]["phone"].as_str().unwrap();
    let sender = whatsapp["whatsapp_sender"]["phone"].as_str().unwrap();
    let external = data
        .iter()
        .find_map(|c| c["external_identifier"].as_str())
        .unwrap();
    let assistant = &env.sandbox().dataset().autocalls_assistants()[0];

    type Check<'a> = Box<dyn Fn(&Value) -> bool + 'a>;
    let cases: Vec<(Vec<String>, Check<'_>)> = vec![
        (
            vec!["--type".into(), "widget".into()],
            Box::new(|r| r["channel"] == "widget"),
        ),
        (
            vec!["--customer-phone".into(), customer.into()],
            Box::new(move |r| r["customer"]["phone"] == customer),
        ),
        (
            vec!["--whatsapp-sender-phone".into(), sender.into()],
            Box::new(move |r| r["business"]["phone"] == sender),
        ),
        (
            vec!["--external-id".into(), external.into()],
            Box::new(move |r| r["external_id"] == external),
        ),
        (
            vec!["--assistant-id".into(), assistant.id.to_string()],
            Box::new(|r| r["agent"]["id"] == assistant.uuid.as_str()),
        ),
    ];
    for (flags, check) in cases {
        let output = run(env
            .cmd()
            .args([
                "list",
                "--provider",
                "autocalls",
                "--format",
                "ndjson",
                "--page-size",
                "100",
            ])
            .args(&flags));
        assert!(output.status.success(), "{flags:?}: {:?}", text(&output));
        let records = ndjson(&output);
        assert!(!records.is_empty(), "{flags:?} matched nothing");
        assert!(records.iter().all(&check), "{flags:?}");
    }
}

#[test]
fn limit_spans_pages_and_fetches_no_further() {
    let env = Env::start(300);
    let output = env.list(
        "autocalls",
        &["--page-size", "7", "--limit", "23", "--format", "ndjson"],
    );
    let records = ndjson(&output);
    assert_eq!(records.len(), 23);
    let expected: Vec<&Value> = env.sandbox().dataset().autocalls()[..23].iter().collect();
    let got: Vec<&Value> = records.iter().map(|r| &r["raw"]).collect();
    assert_eq!(got, expected, "same records, in the provider's order");
    // 23 records at 7 a page: 4 requests, none past the limit.
    assert_eq!(env.sandbox().requests(Provider::Autocalls), 4);
}

#[test]
fn bad_flag_values_are_usage_errors() {
    let env = Env::start(30);
    for (args, needle) in [
        (vec!["--page-size", "0"], "page size 0"),
        (vec!["--page-size", "101"], "page size 101"),
        (vec!["--type", "fax"], "fax"),
        (vec!["--customer-phone", ""], "customer_phone is empty"),
        (vec!["--limit", "0"], "--limit"),
        (vec!["--assistant-id", "abc"], "--assistant-id"),
        (vec!["--format", "xml"], "--format"),
    ] {
        let output = run(env
            .cmd()
            .args(["list", "--provider", "autocalls"])
            .args(&args));
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {:?}",
            text(&output)
        );
        assert!(
            text(&output).1.contains(needle),
            "{args:?}: {}",
            text(&output).1
        );
    }
    assert_eq!(
        env.sandbox().requests(Provider::Autocalls),
        0,
        "nothing was sent"
    );
    let asapp = run(env.cmd().args(["list", "--provider", "asapp"]));
    assert_eq!(asapp.status.code(), Some(2));
    assert!(text(&asapp).1.contains("external_id is required"));
    let unknown = run(bare().args(["list", "--provider", "nope"]));
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn missing_credentials_name_the_variable() {
    let output = run(bare().args(["list", "--provider", "autocalls"]));
    assert_eq!(output.status.code(), Some(3));
    assert!(text(&output).1.contains("AUTOCALLS_API_KEY"));
    let output = run(bare().env("ASAPP_API_ID", "x").args([
        "list",
        "--provider",
        "asapp",
        "--external-id",
        "e",
    ]));
    assert_eq!(output.status.code(), Some(3));
    assert!(text(&output).1.contains("ASAPP_API_SECRET"));
    let output = run(bare().args(["list", "--provider", "all"]));
    assert_eq!(output.status.code(), Some(3));
    let (_, err) = text(&output);
    assert!(
        err.contains("ASAPP_API_ID") && err.contains("AUTOCALLS_API_KEY"),
        "{err}"
    );
}

#[test]
fn insecure_base_url_is_refused() {
    let output = run(bare()
        .env("AUTOCALLS_API_KEY", AUTOCALLS_KEY)
        .env("AUTOCALLS_BASE_URL", "http://example.com/api")
        .args(["list", "--provider", "autocalls"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).1.contains("plain http"));
}

#[test]
fn unauthorized_is_an_auth_error_naming_provider_and_status() {
    let env = Env::start(30);
    let output = run(env.cmd().env("AUTOCALLS_API_KEY", "wrong-key").args([
        "list",
        "--provider",
        "autocalls",
    ]));
    assert_eq!(output.status.code(), Some(3));
    let (_, err) = text(&output);
    assert!(err.contains("autocalls") && err.contains("401"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");

    let output = run(env.cmd().env("ASAPP_API_SECRET", "wrong-secret").args([
        "list",
        "--provider",
        "asapp",
        "--external-id",
        "x",
    ]));
    assert_eq!(output.status.code(), Some(3));
    let (_, err) = text(&output);
    assert!(
        err.contains("asapp") && err.contains("401") && err.contains("request id"),
        "{err}"
    );
    assert!(!err.contains("wrong-secret"));
}

#[test]
fn rate_limited_then_success() {
    let env = Env::start(60);
    env.sandbox().faults().inject(
        Provider::Autocalls,
        Fault::RateLimited {
            retry_after: RetryAfter::Seconds(0),
        },
        1,
    );
    let output = env.list("autocalls", &["--limit", "5", "--format", "ndjson"]);
    assert!(output.status.success(), "{:?}", text(&output));
    assert_eq!(ndjson(&output).len(), 5);
    assert_eq!(env.sandbox().requests(Provider::Autocalls), 2);
}

#[test]
fn one_failing_provider_does_not_stop_the_other() {
    let env = Env::start(60);
    env.sandbox()
        .faults()
        .always(Provider::Asapp, Fault::Unauthorized);
    let external_id = env
        .sandbox()
        .dataset()
        .autocalls()
        .iter()
        .find_map(|c| c["external_identifier"].as_str())
        .unwrap()
        .to_owned();
    let output = run(env.cmd().args([
        "list",
        "--provider",
        "all",
        "--external-id",
        &external_id,
        "--format",
        "ndjson",
    ]));
    assert_eq!(output.status.code(), Some(3));
    assert!(text(&output).1.contains("asapp: unauthorized"));
    let records = ndjson(&output);
    assert!(!records.is_empty());
    assert!(records.iter().all(|r| r["provider"] == "autocalls"));
}

#[test]
fn cursor_loop_stops_with_a_pagination_error() {
    let env = Env::start(120);
    env.sandbox()
        .faults()
        .always(Provider::Autocalls, Fault::CursorLoop);
    let output = env.list("autocalls", &["--page-size", "10", "--format", "ndjson"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output).1.contains("pagination error"),
        "{:?}",
        text(&output)
    );
    // Page 1, then page 2 whose next cursor repeats the one just sent: the listing stops
    // there, and no record is printed twice.
    let records = ndjson(&output);
    assert_eq!(records.len(), 20);
    let ids: std::collections::HashSet<_> = records.iter().map(|r| r["id"].clone()).collect();
    assert_eq!(ids.len(), 20);
}

#[test]
fn schema_describes_the_normalized_record() {
    let output = run(bare().arg("schema"));
    assert!(output.status.success());
    let schema: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(schema["title"], "Conversation");
    for field in [
        "provider", "channel", "agent", "customer", "business", "raw",
    ] {
        assert!(schema["properties"][field].is_object(), "{field}");
    }
}

#[test]
fn stand_alone_sandbox_prints_its_urls_and_serves_the_cli() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command as StdCommand, Stdio};

    let mut server = StdCommand::new(assert_cmd::cargo::cargo_bin("conversations"))
        .args(["sandbox", "serve", "--port", "0", "--size", "90"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The banner is printed once the server listens: read it, no waiting on a clock.
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let mut banner = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.starts_with("These are demo credentials");
        banner.push(line);
        if done {
            break;
        }
    }
    let value_after = |label: &str| {
        banner
            .iter()
            .find_map(|l| l.split_once(label).map(|(_, v)| v.trim().to_owned()))
            .unwrap()
    };
    let autocalls_url = banner
        .iter()
        .find(|l| l.starts_with("Autocalls"))
        .and_then(|l| l.split_whitespace().last())
        .unwrap()
        .to_owned();
    let key = value_after("api key");
    assert!(autocalls_url.starts_with("http://127.0.0.1:"), "{banner:?}");

    let output = run(bare()
        .env("AUTOCALLS_API_KEY", &key)
        .env("AUTOCALLS_BASE_URL", &autocalls_url)
        .args(["list", "--provider", "autocalls", "--format", "ndjson"]));
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(output.status.success(), "{:?}", text(&output));
    assert_eq!(ndjson(&output).len(), 60);
}

#[test]
fn limit_bounds_the_whole_listing_across_providers() {
    // In the default sandbox, crm-lead-12301 has one ASAPP and two Autocalls conversations.
    let all = sandbox_list(
        "all",
        &["--external-id", "crm-lead-12301", "--format", "ndjson"],
    );
    assert_eq!(ndjson(&all).len(), 3);
    let limited = sandbox_list(
        "all",
        &[
            "--external-id",
            "crm-lead-12301",
            "--limit",
            "2",
            "--format",
            "ndjson",
        ],
    );
    assert!(limited.status.success());
    assert_eq!(ndjson(&limited).len(), 2);
}
