//! Helpers shared by the integration tests: the spec's own examples, read from
//! `openapi.yaml`, and a client pointed at a mock server.

#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use asapp_gen::AsappClient;
use conversations_transport::{ClientOptions, RetryPolicy};
use serde_json::Value;

/// The OpenAPI document as checked in (extracted from the vendor page).
pub const SPEC: &str = include_str!("../../openapi.yaml");

pub const API_ID: &str = "test-api-id";
pub const API_SECRET: &str = "test-api-secret-Zq9";

const RESPONSES: &str = "/paths/~1conversation~1v1~1conversations/get/responses";

pub fn spec() -> Value {
    serde_yaml_ng::from_str(SPEC).expect("the spec parses as YAML")
}

/// The `example` of the 200 item schema.
pub fn item_example() -> Value {
    spec()
        .pointer(&format!(
            "{RESPONSES}/200/content/application~1json/schema/properties/items/items/example"
        ))
        .cloned()
        .expect("the item schema has an example")
}

/// `(status key, HTTP status, envelope body)` for every documented error response, the body
/// being `{"error": <the spec's example>}`; `default` is served as 500.
pub fn error_examples() -> Vec<(String, u16, Value)> {
    let spec = spec();
    let responses = spec
        .pointer(RESPONSES)
        .and_then(Value::as_object)
        .expect("responses");
    responses
        .iter()
        .filter(|(status, _)| status.as_str() != "200")
        .map(|(status, response)| {
            let example = response
                .pointer("/content/application~1json/schema/properties/error/example")
                .cloned()
                .unwrap_or_else(|| panic!("{status} has an error example"));
            let http = if status == "default" {
                500
            } else {
                status.parse().expect("numeric status")
            };
            (
                status.clone(),
                http,
                serde_json::json!({ "error": example }),
            )
        })
        .collect()
}

/// A retry policy that never waits: zero backoff, no jitter.
pub fn fast_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(attempts)
        .initial_delay(Duration::ZERO)
        .max_delay(Duration::ZERO)
        .jitter(false)
}

/// A client for `base_url` with the test credentials and a fast retry policy.
pub fn client(base_url: &str) -> AsappClient {
    client_as(API_ID, API_SECRET, base_url)
}

/// A client for `base_url` signing in as `id` and `secret`, with a fast retry policy.
pub fn client_as(id: &str, secret: &str, base_url: &str) -> AsappClient {
    client_with(
        id,
        secret,
        base_url,
        ClientOptions::new().retry_policy(fast_retries(3)),
    )
}

/// A client for `base_url` signing in as `id` and `secret`, with `options`.
pub fn client_with(id: &str, secret: &str, base_url: &str, options: ClientOptions) -> AsappClient {
    AsappClient::builder()
        .api_id(id)
        .api_secret(secret)
        .base_url(base_url)
        .options(options)
        .build()
        .expect("client builds")
}
