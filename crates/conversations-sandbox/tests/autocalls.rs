//! The Autocalls endpoint: authentication, filters, validation and cursor pagination.

mod common;

use std::collections::BTreeSet;

use common::*;
use conversations_sandbox::{Provider, SandboxConfig};
use serde_json::{Value, json};

fn ids(items: &[Value]) -> Vec<&str> {
    items
        .iter()
        .map(|i| i["id"].as_str().expect("id"))
        .collect()
}

#[tokio::test]
async fn rejects_missing_wrong_or_malformed_credentials() {
    let sandbox = sandbox().await;
    let url = autocalls_url(&sandbox);
    let http = client();
    let attempts = [
        http.get(&url),
        http.get(&url).bearer_auth("wrong-key"),
        http.get(&url).header(
            "Authorization",
            sandbox.credentials().autocalls_api_key.as_str(),
        ),
        http.get(&url)
            .basic_auth(&sandbox.credentials().autocalls_api_key, None::<&str>),
        http.get(&url).header("Authorization", "Bearer "),
    ];
    let count = attempts.len() as u64;
    for attempt in attempts {
        let response = attempt.send().await.expect("sent");
        assert_eq!(response.status(), 401);
        assert_eq!(response.headers()["content-type"], "application/json");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body, json!({"message": "Unauthenticated."}));
    }
    assert_eq!(sandbox.requests(Provider::Autocalls), count);
    assert_eq!(sandbox.requests(Provider::Asapp), 0);
}

#[tokio::test]
async fn custom_api_key_is_honoured() {
    let sandbox = sandbox_with(
        SandboxConfig::new()
            .dataset_size(30)
            .autocalls_api_key("k-123"),
    )
    .await;
    assert_eq!(sandbox.credentials().autocalls_api_key, "k-123");
    let ok = client()
        .get(autocalls_url(&sandbox))
        .bearer_auth("k-123")
        .send()
        .await
        .expect("sent");
    assert_eq!(ok.status(), 200);
    let default_key = client()
        .get(autocalls_url(&sandbox))
        .bearer_auth(conversations_sandbox::DEFAULT_AUTOCALLS_API_KEY)
        .send()
        .await
        .expect("sent");
    assert_eq!(default_key.status(), 401);
}

#[tokio::test]
async fn first_page_has_the_documented_shape() {
    let sandbox = sandbox().await;
    let page = autocalls_page(&sandbox, &[]).await;
    let keys: BTreeSet<&str> = page
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        BTreeSet::from(["data", "path", "per_page", "next_cursor", "prev_cursor"])
    );
    assert_eq!(page["per_page"], 15);
    assert_eq!(page["path"], autocalls_url(&sandbox));
    assert!(page["prev_cursor"].is_null());
    assert!(page["next_cursor"].is_string());
    let data = page["data"].as_array().expect("data");
    assert_eq!(data.as_slice(), &sandbox.dataset().autocalls()[..15]);
}

#[tokio::test]
async fn served_key_order_follows_the_docs() {
    let sandbox = sandbox_with(SandboxConfig::new().dataset_size(60)).await;
    let text = autocalls_get(&sandbox, &[("type", "whatsapp"), ("per_page", "1")])
        .await
        .text()
        .await
        .expect("text");
    let order = [
        "\"id\"",
        "\"assistant_id\"",
        "\"assistant_name\"",
        "\"type\"",
        "\"variables\"",
        "\"message_count\"",
        "\"total_cost\"",
        "\"ai_enabled\"",
        "\"created_at\"",
        "\"updated_at\"",
        "\"whatsapp_sender\"",
        "\"customer\"",
        "\"path\"",
        "\"per_page\"",
        "\"next_cursor\"",
        "\"prev_cursor\"",
    ];
    let positions: Vec<usize> = order.iter().map(|k| text.find(k).expect(k)).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert!(text.starts_with(r#"{"data":[{"id":"#));
}

#[tokio::test]
async fn every_filter_matches_exactly() {
    let sandbox = sandbox().await;
    let all = sandbox.dataset().autocalls();
    let expect = |pred: &dyn Fn(&Value) -> bool| -> Vec<Value> {
        all.iter().filter(|c| pred(c)).cloned().collect()
    };

    for kind in ["test", "widget", "whatsapp", "api"] {
        let got = walk_forward(&sandbox, &[("type", kind)], 100).await;
        let want = expect(&|c| c["type"] == kind);
        assert!(!want.is_empty(), "{kind}");
        assert_eq!(got, want, "type={kind}");
    }

    for assistant in sandbox.dataset().autocalls_assistants() {
        let id = assistant.id.to_string();
        let got = walk_forward(&sandbox, &[("assistant_id", &id)], 100).await;
        let want = expect(&|c| c["assistant_id"] == assistant.uuid.as_str());
        assert_eq!(got, want, "assistant_id={id}");
        assert!(
            got.iter()
                .all(|c| c["assistant_name"] == assistant.name.as_str())
        );
    }
    let last = sandbox
        .dataset()
        .autocalls_assistants()
        .last()
        .expect("assistants");
    let empty = autocalls_page(&sandbox, &[("assistant_id", &last.id.to_string())]).await;
    assert_eq!(empty["data"], json!([]));
    assert!(empty["next_cursor"].is_null() && empty["prev_cursor"].is_null());

    // The docs' example customer and WhatsApp number have several conversations each.
    let got = walk_forward(&sandbox, &[("customer_phone", "+14155559876")], 15).await;
    let want = expect(&|c| c["customer"]["phone"] == "+14155559876");
    assert!(want.len() > 1);
    assert_eq!(got, want);

    let got = walk_forward(&sandbox, &[("whatsapp_sender_phone", "+14155551234")], 100).await;
    let want = expect(&|c| c["whatsapp_sender"]["phone"] == "+14155551234");
    assert!(want.len() > 1);
    assert_eq!(got, want);

    let shared_lead = all
        .iter()
        .filter_map(|c| c["external_identifier"].as_str())
        .find(|e| {
            all.iter()
                .filter(|c| c["external_identifier"] == *e)
                .count()
                > 1
        })
        .expect("some external identifier is shared");
    let got = walk_forward(&sandbox, &[("external_identifier", shared_lead)], 15).await;
    let want = expect(&|c| c["external_identifier"] == shared_lead);
    assert!(want.len() > 1);
    assert_eq!(got, want);

    // Unknown values are valid filters that match nothing.
    let none = autocalls_page(
        &sandbox,
        &[
            ("customer_phone", "+10000000000"),
            ("external_identifier", "nope"),
        ],
    )
    .await;
    assert_eq!(none["data"], json!([]));
}

#[tokio::test]
async fn filters_combine_with_and() {
    let sandbox = sandbox().await;
    let assistant = &sandbox.dataset().autocalls_assistants()[0];
    let id = assistant.id.to_string();
    let got = walk_forward(
        &sandbox,
        &[
            ("type", "whatsapp"),
            ("assistant_id", &id),
            ("whatsapp_sender_phone", "+14155551234"),
        ],
        7,
    )
    .await;
    let want: Vec<Value> = sandbox
        .dataset()
        .autocalls()
        .iter()
        .filter(|c| {
            c["type"] == "whatsapp"
                && c["assistant_id"] == assistant.uuid.as_str()
                && c["whatsapp_sender"]["phone"] == "+14155551234"
        })
        .cloned()
        .collect();
    assert!(want.len() > 7, "spans several pages");
    assert_eq!(got, want);
}

#[tokio::test]
async fn plus_signs_are_decoded_properly() {
    let sandbox = sandbox().await;
    let encoded = autocalls_get_raw(&sandbox, "customer_phone=%2B14155559876&per_page=100").await;
    assert_eq!(encoded.status(), 200);
    assert!(encoded.headers().get("x-sandbox-warning").is_none());
    let encoded: Value = encoded.json().await.expect("json");
    assert!(!encoded["data"].as_array().expect("data").is_empty());

    // An unencoded '+' is a space in a query string: like the real API, nothing matches; the
    // sandbox adds a hint header.
    let raw = autocalls_get_raw(&sandbox, "customer_phone=+14155559876").await;
    assert_eq!(raw.status(), 200);
    assert!(
        raw.headers()["x-sandbox-warning"]
            .to_str()
            .expect("ascii")
            .contains("%2B")
    );
    let raw: Value = raw.json().await.expect("json");
    assert_eq!(raw["data"], json!([]));
}

#[tokio::test]
async fn invalid_per_page_is_a_laravel_422() {
    let sandbox = sandbox().await;
    let between = "The per page field must be between 1 and 100.";
    let integer = "The per page field must be an integer.";
    for (value, messages) in [
        ("0", vec![between]),
        ("101", vec![between]),
        ("-3", vec![between]),
        ("abc", vec![integer]),
        ("1.5", vec![integer]),
        ("99999999999999999999999", vec![integer, between]),
    ] {
        let response = autocalls_get(&sandbox, &[("per_page", value)]).await;
        assert_eq!(response.status(), 422, "per_page={value}");
        let body: Value = response.json().await.expect("json");
        let message = match messages.len() {
            1 => messages[0].to_owned(),
            _ => format!("{} (and 1 more error)", messages[0]),
        };
        assert_eq!(
            body,
            json!({"message": message, "errors": {"per_page": messages}}),
            "per_page={value}"
        );
    }
    // Bounds are inclusive; blank means default.
    assert_eq!(
        autocalls_page(&sandbox, &[("per_page", "1")]).await["per_page"],
        1
    );
    assert_eq!(
        autocalls_page(&sandbox, &[("per_page", "100")]).await["per_page"],
        100
    );
    assert_eq!(
        autocalls_page(&sandbox, &[("per_page", "")]).await["per_page"],
        15
    );
}

#[tokio::test]
async fn invalid_filters_are_422() {
    let sandbox = sandbox().await;
    let cases: [(&str, Value); 5] = [
        (
            "type=sms",
            json!({"message": "The selected type is invalid.", "errors": {"type": ["The selected type is invalid."]}}),
        ),
        (
            "assistant_id=abc",
            json!({"message": "The assistant id field must be an integer.", "errors": {"assistant_id": ["The assistant id field must be an integer."]}}),
        ),
        (
            "assistant_id=1",
            json!({"message": "The selected assistant id is invalid.", "errors": {"assistant_id": ["The selected assistant id is invalid."]}}),
        ),
        (
            "type[]=api",
            json!({"message": "The type field must be a string.", "errors": {"type": ["The type field must be a string."]}}),
        ),
        (
            "type=SMS&per_page=0&assistant_id=x",
            json!({
                "message": "The selected type is invalid. (and 2 more errors)",
                "errors": {
                    "type": ["The selected type is invalid."],
                    "assistant_id": ["The assistant id field must be an integer."],
                    "per_page": ["The per page field must be between 1 and 100."]
                }
            }),
        ),
    ];
    for (query, expected) in cases {
        let response = autocalls_get_raw(&sandbox, query).await;
        assert_eq!(response.status(), 422, "{query}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body, expected, "{query}");
    }
}

#[tokio::test]
async fn bad_cursors_are_4xx_never_5xx() {
    let sandbox = sandbox().await;
    let not_ours = base64url(r#"{"id":100,"_pointsToNextItems":true}"#);
    let bad_date = base64url(r#"{"created_at":"soon","id":"x","_pointsToNextItems":true}"#);
    let not_json = base64url("\u{0}\u{1}not json");
    for cursor in [
        "garbage",
        "%%%",
        "eyJpZCI6MTAwLCJfcG9pbnRzVG9OZXh0SXRlbXMiOnRydWV9", // the docs' example cursor
        &not_ours,
        &bad_date,
        &not_json,
        &"A".repeat(20_000),
    ] {
        let response = autocalls_get(&sandbox, &[("cursor", cursor)]).await;
        assert_eq!(response.status(), 422, "cursor {cursor:.40}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["errors"]["cursor"], json!(["The cursor is invalid."]));
    }
    for raw in [
        "cursor=%FF%FE",
        "cursor[]=x",
        "cursor=%E2%82",
        "per_page=%00",
    ] {
        let response = autocalls_get_raw(&sandbox, raw).await;
        assert_eq!(response.status(), 422, "{raw}");
    }
}

fn base64url(s: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let bytes = s.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

#[tokio::test]
async fn forward_walk_visits_every_item_once_in_order() {
    let sandbox = sandbox().await;
    let all = sandbox.dataset().autocalls();
    for per_page in [100, 15, 7] {
        let got = walk_forward(&sandbox, &[], per_page).await;
        assert_eq!(got.len(), all.len());
        assert_eq!(got, all, "per_page={per_page}");
    }
}

#[tokio::test]
async fn backward_walk_visits_every_item_once() {
    let sandbox = sandbox().await;
    let all = sandbox.dataset().autocalls();
    for per_page in [100, 13] {
        let got = walk_backward(&sandbox, &[], per_page).await;
        assert_eq!(ids(&got), ids(all), "per_page={per_page}");
    }
    // And over a filtered list.
    let whatsapp: Vec<Value> = all
        .iter()
        .filter(|c| c["type"] == "whatsapp")
        .cloned()
        .collect();
    let got = walk_backward(&sandbox, &[("type", "whatsapp")], 9).await;
    assert_eq!(got, whatsapp);
}

#[tokio::test]
async fn cursors_are_laravel_style_positions() {
    let sandbox = sandbox_with(SandboxConfig::new().dataset_size(90)).await;
    let page = autocalls_page(&sandbox, &[("per_page", "5")]).await;
    let next = page["next_cursor"].as_str().expect("next");
    assert!(
        next.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    let last = &page["data"][4];
    // The cursor is the boundary item's sort key: re-sending it with other filters works.
    let filtered = autocalls_page(
        &sandbox,
        &[("per_page", "100"), ("type", "api"), ("cursor", next)],
    )
    .await;
    let want: Vec<Value> = sandbox
        .dataset()
        .autocalls()
        .iter()
        .filter(|c| c["type"] == "api" && c["created_at"].as_str() < last["created_at"].as_str())
        .cloned()
        .collect();
    assert_eq!(filtered["data"], Value::Array(want));
    // The prev cursor of page 2 leads back to page 1 exactly, without a prev cursor.
    let page2 = autocalls_page(&sandbox, &[("per_page", "5"), ("cursor", next)]).await;
    let back = autocalls_page(
        &sandbox,
        &[
            ("per_page", "5"),
            ("cursor", page2["prev_cursor"].as_str().expect("prev")),
        ],
    )
    .await;
    assert_eq!(back["data"], page["data"]);
    assert!(back["prev_cursor"].is_null());
    assert_eq!(back["next_cursor"], page["next_cursor"]);
}

#[tokio::test]
async fn unknown_parameters_are_ignored_and_last_value_wins() {
    let sandbox = sandbox().await;
    let page: Value = autocalls_get_raw(&sandbox, "foo=bar&type=api&type=widget&per_page=3")
        .await
        .json()
        .await
        .expect("json");
    let data = page["data"].as_array().expect("data");
    assert_eq!(data.len(), 3);
    assert!(data.iter().all(|c| c["type"] == "widget"));
}

#[tokio::test]
async fn other_methods_and_paths() {
    let sandbox = sandbox_with(SandboxConfig::new().dataset_size(30)).await;
    let post = client()
        .post(autocalls_url(&sandbox))
        .bearer_auth(&sandbox.credentials().autocalls_api_key)
        .send()
        .await
        .expect("sent");
    assert_eq!(post.status(), 405);
    assert_eq!(post.headers()["allow"], "GET,HEAD");
    let missing = client()
        .get(format!(
            "{}/user/conversation",
            sandbox.autocalls_base_url()
        ))
        .send()
        .await
        .expect("sent");
    assert_eq!(missing.status(), 404);
    assert_eq!(sandbox.requests(Provider::Autocalls), 2);
    let index: Value = client()
        .get(format!("{}/", sandbox.asapp_base_url()))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(index["autocalls"]["list"], autocalls_url(&sandbox));
}
