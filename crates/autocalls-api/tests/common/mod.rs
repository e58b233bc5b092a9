//! Helpers shared by the integration tests: records, page bodies, clients over a mock server.
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use autocalls_api::AutocallsClient;
use conversations_transport::RetryPolicy;
use serde_json::{Value, json};

/// The API key every test uses; it must never show up in any output.
pub const KEY: &str = "sk-live-Th1sIsTheSecretKey";

/// The docs' example response, as copied into the fixture.
pub fn docs_example() -> Value {
    serde_json::from_str(include_str!("../fixtures/docs-example-response.json"))
        .expect("the fixture is JSON")
}

/// A record `i` of type `kind`, with the fields that type documents.
pub fn record(i: usize, kind: &str) -> Value {
    let mut r = json!({
        "id": format!("conv-{i:04}"),
        "assistant_id": "a1b2c3d4-5678-90ab-cdef-1234567890ab",
        "assistant_name": "Support Assistant",
        "type": kind,
        "variables": {"n": i},
        "message_count": i,
        "total_cost": i as f64 / 1000.0,
        "ai_enabled": i.is_multiple_of(2),
        "created_at": format!("2025-01-25 10:{:02}:00", i % 60),
        "updated_at": "2025-01-25 11:00:00"
    });
    if kind == "whatsapp" {
        r["whatsapp_sender"] = json!({"name": "Acme", "phone": "+14155551234"});
        r["customer"] = json!({"name": null, "phone": format!("+1415555{i:04}")});
    }
    if kind == "api" {
        r["external_identifier"] = json!(format!("crm-{i}"));
    }
    r
}

/// A page body holding `items`.
pub fn page_body(items: &[Value], next: Option<&str>, prev: Option<&str>) -> Value {
    json!({
        "data": items,
        "path": "https://app.autocalls.ai/api/user/conversations",
        "per_page": 15,
        "next_cursor": next,
        "prev_cursor": prev,
    })
}

/// Retries without waiting.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .initial_delay(Duration::ZERO)
        .max_delay(Duration::ZERO)
        .jitter(false)
}

/// A client for the mock server's `/api`, with `policy`.
pub fn client(base_url: &str, policy: RetryPolicy) -> AutocallsClient {
    AutocallsClient::builder()
        .api_key(KEY)
        .base_url(base_url)
        .options(conversations_transport::ClientOptions::new().retry_policy(policy))
        .build()
        .expect("the client builds")
}
