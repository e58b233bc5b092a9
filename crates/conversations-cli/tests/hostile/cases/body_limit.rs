//! `--max-body-size` (default 32 MiB) on list, sync and check: a 2xx body over the limit —
//! one that never ends, or one whose `Content-Length` says so — is an error naming the
//! provider and the limit and mentioning `--max-body-size` (exit 1), never retried (the
//! server sees one request for that page), and the child's memory stays bounded.

use super::Provider;
use crate::child::{Case, Run, case, run, run_cases};
use crate::server::{
    Server, Step, asapp_record, autocalls_page, autocalls_record, autocalls_records, chunk, head,
    json,
};

const MIB: u64 = 1024 * 1024;

/// The limit named in the error, in one of the ways it may be written.
fn names_limit(out: &Run, bytes: u64) {
    let mut ways = vec![format!("{bytes} bytes"), bytes.to_string()];
    if bytes.is_multiple_of(MIB) {
        ways.push(format!("{} MiB", bytes / MIB));
        ways.push(format!("{}MiB", bytes / MIB));
    }
    assert!(
        ways.iter().any(|w| out.stderr.contains(w.as_str())),
        "the error names the limit ({ways:?}): {}",
        out.show()
    );
}

/// The body-limit error: exit 1, one line naming the provider, the limit and the flag.
fn body_limit_error(out: &Run, provider: Provider, limit: u64) {
    out.ended_with(1)
        .one_line_naming(provider.name())
        .stderr_has(&["--max-body-size"]);
    names_limit(out, limit);
}

/// A 2xx body that never ends: the start of a page, then records, forever.
fn endless_page(provider: Provider) -> Vec<Step> {
    let (start, record) = match provider {
        Provider::Autocalls => (&br#"{"data":["#[..], autocalls_record(7)),
        Provider::Asapp => (&br#"{"items":["#[..], asapp_record(7, "id-111")),
    };
    let records = format!("{record},").repeat(64 * 1024 / (record.to_string().len() + 1));
    vec![
        Step::Send(head(
            200,
            &[
                ("content-type", "application/json"),
                ("transfer-encoding", "chunked"),
            ],
        )),
        Step::Send(chunk(start)),
        Step::Endless(Box::new(move || chunk(records.as_bytes()))),
    ]
}

/// An Autocalls page of three records of about `each` bytes apiece.
fn big_page(each: usize) -> Vec<u8> {
    let records: Vec<_> = (0..3)
        .map(|i| {
            let mut r = autocalls_record(i);
            r["variables"]["notes"] = "n".repeat(each).into();
            r
        })
        .collect();
    json(200, &autocalls_page(&records, None))
}

fn endless(provider: Provider, flags: &'static [&'static str], limit: u64) -> Case {
    case(
        format!("{}: an endless 2xx body, {flags:?}", provider.name()),
        move || {
            let server = Server::start(move |_| endless_page(provider));
            let out = run(provider.list(&server, flags));
            body_limit_error(&out, provider, limit);
            assert_eq!(server.requests(), 1, "not retried: {}", out.show());
        },
    )
}

fn cases() -> Vec<Case> {
    let p = Provider::Autocalls;
    vec![
        // The default limit bounds memory by itself.
        endless(p, &[], 32 * MIB),
        endless(p, &["--max-body-size", "1MiB"], MIB),
        endless(Provider::Asapp, &["--max-body-size", "1MiB"], MIB),
        case(
            "autocalls: an endless body ended only by closing, 1MiB",
            move || {
                // No Content-Length, no chunks: HTTP/1.0's body that lasts until the close.
                let server = Server::start(|_| {
                    let record = format!("{},", autocalls_record(3)).repeat(100);
                    vec![
                        Step::Send(
                            b"HTTP/1.0 200 OK\r\ncontent-type: application/json\r\n\r\n{\"data\":["
                                .to_vec(),
                        ),
                        Step::Endless(Box::new(move || record.clone().into_bytes())),
                    ]
                });
                let out = run(p.list(&server, &["--max-body-size", "1MiB"]));
                body_limit_error(&out, p, MIB);
                assert_eq!(server.requests(), 1, "not retried: {}", out.show());
            },
        ),
        case("autocalls: a Content-Length over the limit", move || {
            let server = Server::start(|_| {
                vec![
                    Step::Send(head(
                        200,
                        &[
                            ("content-type", "application/json"),
                            ("content-length", "2000000"),
                        ],
                    )),
                    Step::Hold,
                ]
            });
            // Were the length not looked at, the run would wait for the body and time out
            // (another error).
            let out = run(p.list(&server, &["--max-body-size", "1MiB", "--timeout", "5s"]));
            body_limit_error(&out, p, MIB);
            assert_eq!(server.requests(), 1, "not retried: {}", out.show());
        }),
        case("autocalls: a body over a limit given in bytes", move || {
            let server = Server::start(|_| vec![Step::Send(big_page(700_000))]);
            let out = run(p.list(&server, &["--max-body-size", "2000000"]));
            body_limit_error(&out, p, 2_000_000);
            assert_eq!(server.requests(), 1, "not retried: {}", out.show());
        }),
        case(
            "autocalls: a body just under the limit is read",
            move || {
                let server = Server::start(|_| vec![Step::Send(big_page(300_000))]);
                let out = run(p.list(&server, &["--max-body-size", "1MiB"]));
                out.ended_with(0);
                assert_eq!(out.ndjson().len(), 3, "{}", out.show());
            },
        ),
        case("autocalls: --max-body-size 64MB is accepted", move || {
            let server = Server::start(|_| {
                vec![Step::Send(json(
                    200,
                    &autocalls_page(&autocalls_records(3), None),
                ))]
            });
            let out = run(p.list(&server, &["--max-body-size", "64MB"]));
            out.ended_with(0);
            assert_eq!(out.ndjson().len(), 3, "{}", out.show());
        }),
        case(
            "autocalls: a size that is no size is a usage error",
            move || {
                let server = Server::start(|_| vec![Step::Close]);
                let out = run(p.list(&server, &["--max-body-size", "lots"]));
                out.ended_with(2).stderr_has(&["--max-body-size"]);
                assert_eq!(server.requests(), 0, "nothing sent: {}", out.show());
            },
        ),
        case("asapp: lookups over the limit, one request per id", || {
            let server = Server::start(|_| vec![Step::Send(big_page(700_000))]);
            let dir = tempfile::tempdir().unwrap();
            let ids = dir.path().join("ids.txt");
            std::fs::write(&ids, "id-1\nid-2\n").unwrap();
            let mut cmd = Provider::Asapp.cmd(&server);
            cmd.args(["list", "--provider", "asapp", "--format", "ndjson"])
                .args(["--max-body-size", "1MiB", "--external-ids-from"])
                .arg(&ids);
            let out = run(cmd);
            out.ended_with(1).stderr_has(&["asapp", "--max-body-size"]);
            names_limit(&out, MIB);
            assert_eq!(
                server.requests(),
                2,
                "one per id, not retried: {}",
                out.show()
            );
        }),
        case("autocalls: sync over the limit", move || {
            let server = Server::start(|_| vec![Step::Send(big_page(700_000))]);
            let dir = tempfile::tempdir().unwrap();
            let to = format!("sqlite:{}", dir.path().join("c.db").display());
            let mut cmd = p.cmd(&server);
            cmd.args(["sync", "--provider", "autocalls", "--to", &to])
                .args(["--max-body-size", "1MiB"]);
            let out = run(cmd);
            out.ended_with(1)
                .stderr_has(&["autocalls", "--max-body-size"]);
            names_limit(&out, MIB);
            assert_eq!(server.requests(), 1, "not retried: {}", out.show());
        }),
        case("autocalls: check over the limit", move || {
            let server = Server::start(|_| vec![Step::Send(big_page(700_000))]);
            let mut cmd = p.cmd(&server);
            cmd.args(["check", "--max-body-size", "1MiB"]);
            let out = run(cmd);
            out.ended_with(1)
                .stderr_has(&["autocalls", "--max-body-size"]);
            names_limit(&out, MIB);
            assert_eq!(server.requests(), 1, "not retried: {}", out.show());
        }),
    ]
}

#[test]
fn bodies_over_the_limit_end_the_run() {
    run_cases(cases());
}

/// `--timeout` on every command that talks to a provider (the slow cases rely on it):
/// against a server that reads the request and never answers, each run ends with exit 1.
#[test]
fn timeout_bounds_a_silent_server() {
    fn silent(name: &str, build: fn(&Server, &std::path::Path) -> std::process::Command) -> Case {
        case(format!("silent server: {name}"), move || {
            let server = Server::start(|_| vec![Step::Hold]);
            let dir = tempfile::tempdir().unwrap();
            let out = run(build(&server, dir.path()));
            out.ended_with(1).no_panic();
            let seen = server.requests();
            assert!((1..=8).contains(&seen), "{seen} requests: {}", out.show());
        })
    }
    run_cases(vec![
        silent("list --timeout 500ms", |server, _| {
            Provider::Autocalls.list(server, &["--timeout", "500ms"])
        }),
        silent("sync --timeout 1s", |server, dir| {
            let mut cmd = Provider::Autocalls.cmd(server);
            cmd.args(["sync", "--provider", "autocalls", "--timeout", "1s", "--to"])
                .arg(format!("sqlite:{}", dir.join("c.db").display()));
            cmd
        }),
        silent("check --timeout 1s", |server, _| {
            let mut cmd = Provider::Asapp.cmd(server);
            cmd.args(["check", "--timeout", "1s"]);
            cmd
        }),
        silent("an ASAPP lookup of two ids, --timeout 1s", |server, dir| {
            let ids = dir.join("ids.txt");
            std::fs::write(&ids, "id-1\nid-2\n").unwrap();
            let mut cmd = Provider::Asapp.cmd(server);
            cmd.args([
                "list",
                "--provider",
                "asapp",
                "--timeout",
                "1s",
                "--external-ids-from",
            ])
            .arg(ids);
            cmd
        }),
    ]);
}
