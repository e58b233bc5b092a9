//! Servers that echo the credentials back — in the error body's message and field errors, in
//! the ASAPP envelope's request id and code, in `x-request-id` and other headers, in a 2xx
//! body that does not decode — plain, JSON-escaped, percent-encoded and base64, as some
//! gateways do. Whatever the command (list, an ASAPP lookup, check, sync and sync --status)
//! and the logs (-v, -vv, text and JSON), no credential (nor any 8 characters of it, in any of
//! those forms) reaches stdout, stderr or any file the run wrote (the sync database).

use std::path::Path;
use std::process::Command;

use proptest::prelude::*;

use super::Provider;
use crate::child::{self, ASAPP_ID, ASAPP_SECRET, AUTOCALLS_KEY, Case, Run, case, run, run_cases};
use crate::leaks::{self, ENCODINGS, Encoding, encode};
use crate::server::{Request, Server, Step, http};

/// The statuses of the fixed cases; 200 stands for a 2xx body that does not decode, 302 for
/// a redirect (not followed) whose `Location` carries the credential.
const STATUSES: [u16; 6] = [401, 403, 422, 500, 200, 302];

/// The log settings each command runs with.
const LOGS: [&[&str]; 4] = [&[], &["-v"], &["-vv"], &["-vv", "--log-format", "json"]];

/// The exit code of a run refused with `status`.
fn code_for(status: u16) -> i32 {
    match status {
        401 | 403 => 3,
        _ => 1,
    }
}

fn provider_of(request: &Request) -> Provider {
    if request.path().starts_with("/conversation/") {
        Provider::Asapp
    } else {
        Provider::Autocalls
    }
}

/// An answer echoing the credentials everywhere at once, each place starting with one of
/// the forms of `encodings` (an error quotes only the start of a server's text): Autocalls'
/// message, field errors and a field's name, ASAPP's request id, code and message, and the
/// headers (`x-request-id`, `www-authenticate`, `location`, others).
fn echo_everywhere(request: &Request, status: u16, encodings: &[Encoding]) -> Vec<u8> {
    let (secret, id) = match provider_of(request) {
        Provider::Autocalls => (AUTOCALLS_KEY, ""),
        Provider::Asapp => (ASAPP_SECRET, ASAPP_ID),
    };
    // The credential as this request carried it (it must be the configured one).
    let sent = request
        .header("authorization")
        .and_then(|v| v.strip_prefix("Bearer "))
        .or_else(|| request.header("asapp-api-secret"))
        .unwrap_or_default();
    assert_eq!(
        sent, secret,
        "the request carries the configured credential"
    );
    let forms: Vec<String> = encodings.iter().map(|e| encode(secret, *e)).collect();
    // With the four forms of ENCODINGS: 0 plain, 1 JSON-escaped, 2 percent-encoded, 3 base64.
    let at = |i: usize| forms[i % forms.len()].clone();
    let headers = [
        ("content-type", "application/json".to_owned()),
        ("x-request-id", format!("req-{}", at(0))),
        (
            "www-authenticate",
            format!("Bearer error=\"invalid_token\", token=\"{}\"", at(3)),
        ),
        ("x-echo-authorization", format!("Bearer {secret}")),
        ("x-echo", at(1)),
        (
            "location",
            format!("http://127.0.0.1:9/login?token={}", at(2)),
        ),
    ];
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let body = if status == 200 {
        // Not JSON: a decode error, which may quote the start of the body.
        format!("{} is not allowed here; {}", at(0), forms.join(" "))
    } else {
        match provider_of(request) {
            Provider::Autocalls => serde_json::json!({
                "message": format!("{} Unauthenticated.", at(0)),
                "errors": {
                    "api_key": [format!("{} is invalid.", at(1))],
                    "token": [at(2)],
                    "basic": [at(3)],
                    at(0): ["a field named after the key"],
                },
                "request_id": secret,
            })
            .to_string(),
            Provider::Asapp => serde_json::json!({
                "error": {
                    "requestId": at(2),
                    "code": at(3),
                    "message": format!("{} {} (api id {id})", at(1), at(0)),
                }
            })
            .to_string(),
        }
    };
    http(status, &headers, body.as_bytes())
}

/// What each fixed case runs.
#[derive(Debug, Clone, Copy)]
enum Cmd {
    ListAutocalls,
    ListAsapp,
    LookupAsapp,
    Check,
    SyncAutocalls,
    SyncAsapp,
}

/// The run's outputs, and every file under `dir`, hold no credential.
fn assert_clean(out: &Run, dir: &Path) {
    for secret in [AUTOCALLS_KEY, ASAPP_SECRET] {
        let on = |what: &str| format!("{what} of `{}`", out.what);
        leaks::assert_absent(secret, &on("stdout"), out.stdout.as_bytes());
        leaks::assert_absent(secret, &on("stderr"), out.stderr.as_bytes());
        leaks::assert_absent_from_files(secret, dir);
    }
}

fn fixed(
    what: Cmd,
    status: u16,
    logs: &'static [&'static str],
    encodings: &'static [Encoding],
) -> Case {
    let forms = if encodings == ENCODINGS {
        String::new()
    } else {
        format!(", echoed {encodings:?}")
    };
    case(
        format!("{what:?}, HTTP {status}, logs {logs:?}{forms}"),
        move || {
            let server =
                Server::start(move |r| vec![Step::Send(echo_everywhere(r, status, encodings))]);
            let dir = tempfile::tempdir().unwrap();
            let ids = dir.path().join("ids.txt");
            std::fs::write(&ids, "id-1\nid-2\n").unwrap();
            let to = format!("sqlite:{}", dir.path().join("c.db").display());
            let cmd = |provider: Provider| {
                let mut cmd = provider.cmd(&server);
                cmd.args(logs);
                cmd
            };
            let with_ids = |mut cmd: Command| {
                cmd.arg("--external-ids-from").arg(&ids);
                cmd
            };
            let code = code_for(status);
            match what {
                Cmd::ListAutocalls | Cmd::ListAsapp => {
                    let provider = match what {
                        Cmd::ListAsapp => Provider::Asapp,
                        _ => Provider::Autocalls,
                    };
                    let mut cmd = cmd(provider);
                    cmd.args(["list", "--provider", provider.name(), "--format", "ndjson"]);
                    if provider == Provider::Asapp {
                        cmd.args(["--external-id", "id-111"]);
                    }
                    let out = run(cmd);
                    out.ended_with(code);
                    assert_clean(&out, dir.path());
                    if status != 200 && status != 302 {
                        // The server's text got through, redacted.
                        out.stderr_has(&["***"]);
                    }
                }
                Cmd::LookupAsapp => {
                    let mut cmd = cmd(Provider::Asapp);
                    cmd.args(["list", "--provider", "asapp", "--format", "json"]);
                    let out = run(with_ids(cmd));
                    out.ended_with(code);
                    assert_clean(&out, dir.path());
                }
                Cmd::Check => {
                    // Both accounts from the environment, on the one server.
                    let mut cmd = cmd(Provider::Autocalls);
                    cmd.env("ASAPP_BASE_URL", server.url())
                        .env("ASAPP_API_ID", ASAPP_ID)
                        .env("ASAPP_API_SECRET", ASAPP_SECRET)
                        .arg("check");
                    let out = run(cmd);
                    out.ended_with(code);
                    assert!(
                        out.stdout.contains("autocalls") && out.stdout.contains("asapp"),
                        "both accounts checked: {}",
                        out.show()
                    );
                    assert_clean(&out, dir.path());
                }
                Cmd::SyncAutocalls | Cmd::SyncAsapp => {
                    let cmd = if let Cmd::SyncAsapp = what {
                        let mut cmd = cmd(Provider::Asapp);
                        cmd.args(["sync", "--provider", "asapp", "--to", &to]);
                        with_ids(cmd)
                    } else {
                        let mut cmd = cmd(Provider::Autocalls);
                        cmd.args(["sync", "--provider", "autocalls", "--to", &to]);
                        cmd
                    };
                    let out = run(cmd);
                    out.ended_with(code);
                    assert_clean(&out, dir.path());
                    // The state, which shows the last run's message.
                    let mut status = child::bare();
                    status.args(logs).args(["sync", "--status", "--to", &to]);
                    let shown = run(status);
                    shown.ended_with(0);
                    assert!(!shown.stdout.is_empty(), "{}", shown.show());
                    assert_clean(&shown, dir.path());
                }
            }
        },
    )
}

const COMMANDS: [Cmd; 6] = [
    Cmd::ListAutocalls,
    Cmd::ListAsapp,
    Cmd::LookupAsapp,
    Cmd::Check,
    Cmd::SyncAutocalls,
    Cmd::SyncAsapp,
];

/// Every command meets every status twice: with JSON logs at -vv, and with one of the text
/// settings (none, -v, -vv: each command and each status meets all three).
#[test]
fn echoed_credentials_never_show() {
    let mut cases = Vec::new();
    for (c, what) in COMMANDS.into_iter().enumerate() {
        for (s, status) in STATUSES.into_iter().enumerate() {
            cases.push(fixed(what, status, LOGS[3], &ENCODINGS));
            cases.push(fixed(what, status, LOGS[(c + s) % 3], &ENCODINGS));
        }
    }
    run_cases(cases);
}

/// Percent-encoding beyond RFC 3986's (`_` as `%5F`, `~` as `%7E`: as legal, and what some
/// encoders do) is looked for by every test; here the server echoes it.
#[test]
fn credentials_percent_encoded_otherwise_never_show() {
    let mut cases = Vec::new();
    for what in COMMANDS {
        cases.push(fixed(what, 401, LOGS[3], &[Encoding::PercentEncodedAll]));
    }
    run_cases(cases);
}

// ---------------------------------------------------------------------------------------
// Random credentials, echoed in one random place, in one random form.

/// Where a server puts the credential.
#[derive(Debug, Clone, Copy)]
enum Place {
    /// The error message (Autocalls' `message`, ASAPP's `error.message`).
    Message,
    /// Autocalls' `errors` (a field's message); ASAPP's `error.code`.
    FieldError,
    /// Autocalls: the name of a field in `errors`; ASAPP: `error.requestId`.
    FieldName,
    /// The `x-request-id` header.
    RequestIdHeader,
    /// Another header (`www-authenticate`).
    OtherHeader,
    /// A 200 whose body is not JSON.
    UndecodableBody,
}

const PLACES: [Place; 6] = [
    Place::Message,
    Place::FieldError,
    Place::FieldName,
    Place::RequestIdHeader,
    Place::OtherHeader,
    Place::UndecodableBody,
];

fn echo_once(provider: Provider, status: u16, place: Place, echoed: &str) -> Vec<u8> {
    let mut headers = vec![("content-type", "application/json".to_owned())];
    let mut message = "Unauthenticated.".to_owned();
    let mut field_error = "invalid".to_owned();
    let mut field = "api_key".to_owned();
    match place {
        Place::Message => message = format!("bad credential {echoed}."),
        Place::FieldError => field_error = format!("The value {echoed} is invalid."),
        Place::FieldName => field = echoed.to_owned(),
        Place::RequestIdHeader => headers.push(("x-request-id", echoed.to_owned())),
        Place::OtherHeader => headers.push((
            "www-authenticate",
            format!("Bearer error=\"invalid_token\", token=\"{echoed}\""),
        )),
        Place::UndecodableBody => {
            let headers: Vec<(&str, &str)> =
                headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            return http(
                200,
                &headers,
                format!("token {echoed} not allowed").as_bytes(),
            );
        }
    }
    let body = match provider {
        Provider::Autocalls => serde_json::json!({
            "message": message,
            "errors": { field: [field_error] },
        }),
        Provider::Asapp => serde_json::json!({
            "error": { "requestId": field, "code": field_error, "message": message }
        }),
    };
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    http(status, &headers, body.to_string().as_bytes())
}

fn random_run(
    secret: &str,
    provider: Provider,
    status: u16,
    place: Place,
    encoding: Encoding,
    logs: &[&str],
) -> Result<(), TestCaseError> {
    let echoed = encode(secret, encoding);
    let server =
        Server::start(move |_| vec![Step::Send(echo_once(provider, status, place, &echoed))]);
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = child::bare();
    match provider {
        Provider::Autocalls => cmd
            .env("AUTOCALLS_BASE_URL", server.autocalls_url())
            .env("AUTOCALLS_API_KEY", secret),
        Provider::Asapp => cmd
            .env("ASAPP_BASE_URL", server.url())
            .env("ASAPP_API_ID", ASAPP_ID)
            .env("ASAPP_API_SECRET", secret),
    };
    cmd.args(logs)
        .args(["list", "--provider", provider.name(), "--format", "ndjson"]);
    if provider == Provider::Asapp {
        cmd.args(["--external-id", "id-111"]);
    }
    let out = run(cmd);
    prop_assert!(!out.timed_out, "{}", out.show());
    prop_assert_ne!(out.code, Some(0), "{}", out.show());
    out.no_panic();
    for (what, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        if let Some(found) = leaks::find(secret, text.as_bytes()) {
            return Err(TestCaseError::fail(format!(
                "the credential shows on {what}: {found}\n{}",
                out.show()
            )));
        }
    }
    leaks::assert_absent_from_files(secret, dir.path());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 40,
        failure_persistence: None,
        max_shrink_iters: 24,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_credentials_echoed_anywhere_never_show(
        secret in "[!-~]{12,64}",
        asapp in any::<bool>(),
        status in prop::sample::select(vec![400u16, 401, 403, 404, 422]),
        place in prop::sample::select(PLACES.to_vec()),
        encoding in prop::sample::select(ENCODINGS.to_vec()),
        logs in prop::sample::select(LOGS.to_vec()),
    ) {
        let provider = if asapp { Provider::Asapp } else { Provider::Autocalls };
        random_run(&secret, provider, status, place, encoding, logs)?;
    }
}
