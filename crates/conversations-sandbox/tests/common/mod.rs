//! Helpers shared by the integration tests: start a sandbox, send requests to it.

#![allow(dead_code, unreachable_pub)]

use conversations_sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;

/// A sandbox with the default data set (3000 conversations).
pub async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig::new())
        .await
        .expect("sandbox starts")
}

/// A sandbox with a custom configuration.
pub async fn sandbox_with(config: SandboxConfig) -> Sandbox {
    Sandbox::start(config).await.expect("sandbox starts")
}

thread_local! {
    // Building a client loads the system's TLS roots (tens of milliseconds), so each test
    // thread (each `#[tokio::test]` has its own) shares one.
    static CLIENT: reqwest::Client = reqwest::Client::new();
}

/// The test thread's HTTP client.
pub fn client() -> reqwest::Client {
    CLIENT.with(reqwest::Client::clone)
}

/// The Autocalls list URL.
pub fn autocalls_url(sandbox: &Sandbox) -> String {
    format!("{}/user/conversations", sandbox.autocalls_base_url())
}

/// The ASAPP list URL.
pub fn asapp_url(sandbox: &Sandbox) -> String {
    format!("{}/conversation/v1/conversations", sandbox.asapp_base_url())
}

/// An authenticated Autocalls request with the given query pairs.
pub async fn autocalls_get(sandbox: &Sandbox, query: &[(&str, &str)]) -> reqwest::Response {
    client()
        .get(autocalls_url(sandbox))
        .bearer_auth(&sandbox.credentials().autocalls_api_key)
        .query(query)
        .send()
        .await
        .expect("request sent")
}

/// An authenticated Autocalls request with a raw (already encoded) query string.
pub async fn autocalls_get_raw(sandbox: &Sandbox, raw_query: &str) -> reqwest::Response {
    client()
        .get(format!("{}?{raw_query}", autocalls_url(sandbox)))
        .bearer_auth(&sandbox.credentials().autocalls_api_key)
        .send()
        .await
        .expect("request sent")
}

/// An authenticated Autocalls request that must succeed; returns the JSON body.
pub async fn autocalls_page(sandbox: &Sandbox, query: &[(&str, &str)]) -> Value {
    let response = autocalls_get(sandbox, query).await;
    assert_eq!(response.status(), 200, "query {query:?}");
    response.json().await.expect("json body")
}

/// An authenticated ASAPP request for `external_id`.
pub async fn asapp_get(sandbox: &Sandbox, external_id: &str) -> reqwest::Response {
    client()
        .get(asapp_url(sandbox))
        .header("asapp-api-id", &sandbox.credentials().asapp_api_id)
        .header("asapp-api-secret", &sandbox.credentials().asapp_api_secret)
        .query(&[("externalId", external_id)])
        .send()
        .await
        .expect("request sent")
}

/// Walks every page forward with `filters` and returns the items in order, checking cursors.
pub async fn walk_forward(
    sandbox: &Sandbox,
    filters: &[(&str, &str)],
    per_page: usize,
) -> Vec<Value> {
    let per_page_text = per_page.to_string();
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut query: Vec<(&str, &str)> = filters.to_vec();
        query.push(("per_page", &per_page_text));
        if let Some(c) = &cursor {
            query.push(("cursor", c));
        }
        let page = autocalls_page(sandbox, &query).await;
        pages += 1;
        assert!(pages < 10_000, "runaway walk");
        assert_eq!(page["per_page"], per_page);
        if cursor.is_none() {
            assert!(
                page["prev_cursor"].is_null(),
                "first page has no prev_cursor"
            );
        } else {
            assert!(
                page["prev_cursor"].is_string(),
                "later pages have a prev_cursor"
            );
        }
        let data = page["data"].as_array().expect("data array");
        assert!(data.len() <= per_page);
        items.extend(data.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => {
                assert_eq!(data.len(), per_page, "only the last page may be short");
                cursor = Some(next.to_owned());
            }
            None => return items,
        }
    }
}

/// Walks to the last page, then back with `prev_cursor`; returns the items in served order.
pub async fn walk_backward(
    sandbox: &Sandbox,
    filters: &[(&str, &str)],
    per_page: usize,
) -> Vec<Value> {
    let per_page_text = per_page.to_string();
    let with = |cursor: Option<&str>| -> Vec<(String, String)> {
        let mut q: Vec<(String, String)> = filters
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        q.push(("per_page".to_owned(), per_page_text.clone()));
        if let Some(c) = cursor {
            q.push(("cursor".to_owned(), c.to_owned()));
        }
        q
    };
    let get = |query: Vec<(String, String)>| async move {
        let response = client()
            .get(autocalls_url(sandbox))
            .bearer_auth(&sandbox.credentials().autocalls_api_key)
            .query(&query)
            .send()
            .await
            .expect("request sent");
        assert_eq!(response.status(), 200);
        response.json::<Value>().await.expect("json")
    };
    // Forward to the last page.
    let mut page = get(with(None)).await;
    while let Some(next) = page["next_cursor"].as_str().map(str::to_owned) {
        page = get(with(Some(&next))).await;
    }
    // Then backward.
    let mut reversed: Vec<Value> = page["data"]
        .as_array()
        .expect("data")
        .iter()
        .rev()
        .cloned()
        .collect();
    let mut pages = 0;
    while let Some(prev) = page["prev_cursor"].as_str().map(str::to_owned) {
        page = get(with(Some(&prev))).await;
        pages += 1;
        assert!(pages < 10_000, "runaway walk");
        assert!(
            page["next_cursor"].is_string(),
            "a page reached backward has a next page"
        );
        let data = page["data"].as_array().expect("data");
        assert!(!data.is_empty() && data.len() <= per_page);
        reversed.extend(data.iter().rev().cloned());
    }
    reversed.reverse();
    reversed
}
