//! The default sandbox serves exactly the bytes it always has: a digest of every answer to a
//! fixed set of walks, pinned when the serving path was a plain filter-then-paginate scan.
//! Any change to generation, indexing or rendering that alters one byte fails here.

mod common;

use common::*;
use conversations_sandbox::{Sandbox, SandboxConfig};

/// FNV-1a, 64 bits: a stable digest with no dependency.
#[derive(Debug)]
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        // A separator, so ["ab","c"] and ["a","bc"] differ.
        self.0 ^= 0xff;
        self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
    }
}

async fn raw(sandbox: &Sandbox, query: &[(&str, &str)]) -> String {
    let response = autocalls_get(sandbox, query).await;
    assert_eq!(response.status(), 200, "{query:?}");
    let text = response.text().await.expect("text");
    text.replace(&sandbox.autocalls_base_url(), "<base>")
}

/// Walks forward to the end, then back to the start, hashing every body.
async fn walk(sandbox: &Sandbox, digest: &mut Fnv, filters: &[(&str, &str)], per_page: &str) {
    let query = |cursor: Option<&str>| {
        let mut q: Vec<(&str, String)> =
            filters.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        q.push(("per_page", per_page.to_owned()));
        if let Some(c) = cursor {
            q.push(("cursor", c.to_owned()));
        }
        q
    };
    let mut cursor: Option<String> = None;
    let mut last = String::new();
    for _ in 0..10_000 {
        let q = query(cursor.as_deref());
        let pairs: Vec<(&str, &str)> = q.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let body = raw(sandbox, &pairs).await;
        digest.write(body.as_bytes());
        let page: serde_json::Value = serde_json::from_str(&body).expect("json");
        last = body;
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let mut page: serde_json::Value = serde_json::from_str(&last).expect("json");
    for _ in 0..10_000 {
        let Some(prev) = page["prev_cursor"].as_str().map(str::to_owned) else {
            break;
        };
        let q = query(Some(&prev));
        let pairs: Vec<(&str, &str)> = q.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let body = raw(sandbox, &pairs).await;
        digest.write(body.as_bytes());
        page = serde_json::from_str(&body).expect("json");
    }
}

async fn digest_of(sandbox: &Sandbox) -> u64 {
    let mut digest = Fnv::new();
    let assistant = sandbox.dataset().autocalls_assistants()[0].id.to_string();
    let filters: Vec<Vec<(&str, &str)>> = vec![
        vec![],
        vec![("type", "whatsapp")],
        vec![("type", "api")],
        vec![("assistant_id", &assistant)],
        vec![("assistant_id", &assistant), ("type", "widget")],
        vec![("customer_phone", "+14155559876")],
        vec![("whatsapp_sender_phone", "+14155551234")],
        vec![("external_identifier", "crm-lead-12301")],
        vec![("type", "test"), ("customer_phone", "+14155559876")],
    ];
    for f in &filters {
        for per_page in ["100", "7"] {
            walk(sandbox, &mut digest, f, per_page).await;
        }
    }
    for id in sandbox.dataset().asapp_external_ids() {
        let body = asapp_get(sandbox, id).await.text().await.expect("text");
        digest.write(body.as_bytes());
    }
    digest.0
}

#[tokio::test]
async fn default_sandbox_serves_the_pinned_bytes() {
    let sandbox = sandbox().await;
    assert_eq!(digest_of(&sandbox).await, 15_947_410_228_519_327_495);
}

#[tokio::test]
async fn another_seed_and_size_serve_the_pinned_bytes() {
    let sandbox = sandbox_with(SandboxConfig::new().seed(7).dataset_size(1000)).await;
    assert_eq!(digest_of(&sandbox).await, 15_681_255_553_659_559_723);
}
