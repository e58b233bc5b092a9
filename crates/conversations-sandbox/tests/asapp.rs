//! The ASAPP endpoint: authentication, the required `externalId`, the error envelope.

mod common;

use common::*;
use conversations_sandbox::{Provider, SandboxConfig};
use serde_json::{Value, json};

/// Checks the envelope shape and that `x-request-id` repeats its `requestId`.
async fn assert_envelope(response: reqwest::Response, status: u16, code: &str, message: &str) {
    assert_eq!(response.status(), status);
    assert_eq!(response.headers()["content-type"], "application/json");
    let header_id = response.headers()["x-request-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let body: Value = response.json().await.expect("json");
    let request_id = body["error"]["requestId"].as_str().expect("requestId");
    assert_eq!(request_id, header_id);
    assert_eq!(request_id.len(), 36);
    assert_eq!(request_id.matches('-').count(), 4);
    assert_eq!(
        body,
        json!({"error": {"requestId": request_id, "code": code, "message": message}})
    );
}

#[tokio::test]
async fn rejects_missing_or_wrong_credentials() {
    let sandbox = sandbox().await;
    let url = asapp_url(&sandbox);
    let creds = sandbox.credentials().clone();
    let http = client();
    let q = [("externalId", "ext-000101")];
    let attempts = [
        http.get(&url).query(&q),
        http.get(&url)
            .query(&q)
            .header("asapp-api-id", &creds.asapp_api_id),
        http.get(&url)
            .query(&q)
            .header("asapp-api-secret", &creds.asapp_api_secret),
        http.get(&url)
            .query(&q)
            .header("asapp-api-id", &creds.asapp_api_id)
            .header("asapp-api-secret", "wrong"),
        http.get(&url)
            .query(&q)
            .header("asapp-api-id", "wrong")
            .header("asapp-api-secret", &creds.asapp_api_secret),
        // Credentials swapped.
        http.get(&url)
            .query(&q)
            .header("asapp-api-id", &creds.asapp_api_secret)
            .header("asapp-api-secret", &creds.asapp_api_id),
    ];
    let count = attempts.len() as u64;
    for attempt in attempts {
        assert_envelope(
            attempt.send().await.expect("sent"),
            401,
            "401-01",
            "Unauthorized",
        )
        .await;
    }
    assert_eq!(sandbox.requests(Provider::Asapp), count);
    assert_eq!(sandbox.requests(Provider::Autocalls), 0);
}

#[tokio::test]
async fn auth_is_checked_before_the_query() {
    let sandbox = sandbox().await;
    let response = client()
        .get(asapp_url(&sandbox))
        .send()
        .await
        .expect("sent");
    assert_envelope(response, 401, "401-01", "Unauthorized").await;
}

#[tokio::test]
async fn missing_or_empty_external_id_is_400() {
    let sandbox = sandbox().await;
    let creds = sandbox.credentials().clone();
    for query in [
        "",
        "?externalId=",
        "?externalid=ext-000101",
        "?foo=bar",
        "?externalId[]=x",
    ] {
        let response = client()
            .get(format!("{}{query}", asapp_url(&sandbox)))
            .header("asapp-api-id", &creds.asapp_api_id)
            .header("asapp-api-secret", &creds.asapp_api_secret)
            .send()
            .await
            .expect("sent");
        assert_envelope(response, 400, "400-01", "Bad request").await;
    }
}

#[tokio::test]
async fn lists_every_item_with_the_external_id() {
    let sandbox = sandbox().await;
    let data = sandbox.dataset();
    let mut saw_shared = false;
    for external_id in data.asapp_external_ids().into_iter().take(60) {
        let response = asapp_get(&sandbox, external_id).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/json");
        assert!(response.headers().contains_key("x-request-id"));
        let body: Value = response.json().await.expect("json");
        let want: Vec<Value> = data
            .asapp()
            .iter()
            .filter(|i| i["externalId"] == external_id)
            .cloned()
            .collect();
        saw_shared |= want.len() > 1;
        assert_eq!(body, json!({ "items": want }));
    }
    assert!(saw_shared, "some externalId returns several items");
}

#[tokio::test]
async fn unknown_external_id_is_an_empty_list_and_extra_params_are_ignored() {
    let sandbox = sandbox().await;
    let body: Value = asapp_get(&sandbox, "no-such-conversation")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(body, json!({"items": []}));

    let first = sandbox.dataset().asapp_external_ids()[0].to_owned();
    let response = client()
        .get(format!(
            "{}?limit=5&externalId={first}&externalId=other",
            asapp_url(&sandbox)
        ))
        .header("asapp-api-id", &sandbox.credentials().asapp_api_id)
        .header("asapp-api-secret", &sandbox.credentials().asapp_api_secret)
        .send()
        .await
        .expect("sent");
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["items"][0], sandbox.dataset().asapp()[0]);
}

#[tokio::test]
async fn served_items_keep_the_schema_key_order() {
    let sandbox = sandbox().await;
    let item = sandbox
        .dataset()
        .asapp()
        .iter()
        .find(|i| i.get("agent").is_some() && i.get("metadata").is_some())
        .expect("a full item");
    let external_id = item["externalId"].as_str().expect("externalId");
    let text = asapp_get(&sandbox, external_id)
        .await
        .text()
        .await
        .expect("text");
    let positions: Vec<usize> = [
        "\"id\"",
        "\"externalId\"",
        "\"agent\"",
        "\"customer\"",
        "\"metadata\"",
    ]
    .iter()
    .map(|k| text.find(k).expect(k))
    .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
}

#[tokio::test]
async fn custom_credentials_are_honoured() {
    let sandbox = sandbox_with(
        SandboxConfig::new()
            .dataset_size(30)
            .asapp_credentials("id-1", "secret-1"),
    )
    .await;
    let response = client()
        .get(asapp_url(&sandbox))
        .header("asapp-api-id", "id-1")
        .header("asapp-api-secret", "secret-1")
        .query(&[("externalId", "x")])
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    let defaults = asapp_get(&sandbox, "x").await;
    assert_eq!(
        defaults.status(),
        200,
        "asapp_get uses sandbox.credentials()"
    );
    let response = client()
        .get(asapp_url(&sandbox))
        .header("asapp-api-id", conversations_sandbox::DEFAULT_ASAPP_API_ID)
        .header(
            "asapp-api-secret",
            conversations_sandbox::DEFAULT_ASAPP_API_SECRET,
        )
        .query(&[("externalId", "x")])
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn other_methods_and_paths() {
    let sandbox = sandbox_with(SandboxConfig::new().dataset_size(30)).await;
    let post = client()
        .post(asapp_url(&sandbox))
        .send()
        .await
        .expect("sent");
    assert_eq!(post.headers()["allow"], "GET,HEAD");
    assert_envelope(post, 405, "405-01", "Method Not Allowed").await;
    let missing = client()
        .get(format!(
            "{}/conversation/v1/conversation",
            sandbox.asapp_base_url()
        ))
        .send()
        .await
        .expect("sent");
    assert_envelope(missing, 404, "404-01", "Not Found").await;
    assert_eq!(sandbox.requests(Provider::Asapp), 2);
}
