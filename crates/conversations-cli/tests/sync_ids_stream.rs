//! `conversations sync --external-ids-from` reads its ids as a stream (issue 20): from a
//! file or stdin (`-`), a leading byte-order mark ignored, repeats looked up once; the rows
//! are those of the distinct ids; a run that stops part-way is resumed after the ids it did
//! by a rerun with the same ids (written differently: other repeats, from a file instead of
//! stdin), and a rerun after it completed inserts nothing. Nothing waits on a clock: the test
//! acts on the child's committed-batch lines.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use conversations_sandbox::{Fault, Provider, SandboxConfig};

mod common;

/// `conversations sync --provider asapp --to sqlite:<db> --external-ids-from <from>`.
fn sync(env: &common::SandboxEnv, db: &std::path::Path, from: &str) -> Command {
    let sandbox = env.sandbox();
    let mut cmd = common::bare();
    cmd.env("ASAPP_API_ID", &sandbox.credentials().asapp_api_id)
        .env("ASAPP_API_SECRET", &sandbox.credentials().asapp_api_secret)
        .env("ASAPP_BASE_URL", sandbox.asapp_base_url())
        .args(["sync", "--provider", "asapp", "--to"])
        .arg(format!("sqlite:{}", db.display()))
        .args(["--external-ids-from", from]);
    cmd
}

/// The providers' ids of the rows kept.
fn keys(db: &std::path::Path) -> HashSet<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn.prepare("SELECT key FROM conversations").unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn ids_from_stdin_with_a_bom_and_repeats_sync_once_and_a_rerun_resumes_then_does_nothing() {
    let env = common::SandboxEnv::start(SandboxConfig::new().dataset_size(400));
    let data = env.sandbox().dataset();
    let ids: Vec<String> = data
        .asapp_external_ids()
        .into_iter()
        .take(30)
        .map(str::to_owned)
        .collect();
    assert_eq!(ids.len(), 30);
    let wanted: HashSet<String> = data
        .asapp()
        .iter()
        .filter(|item| ids.iter().any(|id| item["externalId"] == id.as_str()))
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect();
    // A BOM, then every id many times over (each after its first appearance), with blank
    // lines, spaces and CRLF: 30 distinct ids in 3,000 lines.
    let mut text = String::from("\u{feff}");
    for round in 0..100 {
        for (i, id) in ids.iter().enumerate() {
            let id = if round == 0 || i % 3 != 0 {
                id.as_str()
            } else {
                &ids[0]
            };
            text.push_str(&format!("  {id}\r\n\n"));
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.db");

    // The first run reads stdin; after its first batch every lookup is refused (401, not an
    // id's last word): it ends with what it committed.
    let mut child = sync(&env, &db, "-")
        .args([
            "--batch-size",
            "5",
            "--concurrency",
            "1",
            "--progress-lines",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut stderr = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        stderr.push_str(&line);
        stderr.push('\n');
        // The first batch of ids (the first commit holds none: it saves the position).
        if line.contains(r#""event":"committed""#)
            && line.contains(r#""records":"#)
            && !line.contains(r#""records":0"#)
        {
            break;
        }
    }
    env.sandbox()
        .faults()
        .always(Provider::Asapp, Fault::Unauthorized);
    stderr.extend(lines.map(|l| l.unwrap() + "\n"));
    let status = child.wait().unwrap();
    assert!(!status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let first = keys(&db);
    assert!(!first.is_empty() && first.len() < wanted.len(), "{stderr}");
    env.sandbox().faults().clear();

    // The same ids from a file, with other repeats: resumed after the ids done, each id
    // left looked up once.
    let file = dir.path().join("ids.txt");
    let mut again = String::from("\u{feff}");
    for _ in 0..3 {
        for id in &ids {
            again.push_str(&format!("{id}\n"));
        }
    }
    std::fs::write(&file, &again).unwrap();
    let before = env.sandbox().requests(Provider::Asapp);
    let out = sync(&env, &db, file.to_str().unwrap()).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let resumed: usize = stderr
        .split("resuming after ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no resume notice: {stderr}"));
    assert!(
        stderr.contains(&format!("resuming after {resumed} of 30 ids")),
        "{stderr}"
    );
    assert!(resumed >= 5, "{stderr}");
    let asked = env.sandbox().requests(Provider::Asapp) - before;
    assert_eq!(
        asked,
        (30 - resumed) as u64,
        "one lookup per id left: {stderr}"
    );
    assert_eq!(keys(&db), wanted);

    // Complete: a rerun looks every id up again and changes nothing.
    let out = sync(&env, &db, file.to_str().unwrap()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    common::assert_success(&out);
    assert!(stdout.contains("0 inserted, 0 updated"), "{stdout}");
    assert_eq!(keys(&db), wanted);
}
