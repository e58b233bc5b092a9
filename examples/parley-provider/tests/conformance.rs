//! The Parley provider against a local mock of its API, through the core conformance kit.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use conversations_core::testkit::Conformance;
use conversations_core::{ConversationQuery, ConversationSource, Error};
use futures::TryStreamExt;
use parley_provider::{ParleySource, normalize};
use serde_json::{Value, json};

/// Serves `chats` the way the Parley docs describe.
async fn chats(
    State(data): State<Arc<Vec<Value>>>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> impl IntoResponse {
    if headers.get("x-parley-key").and_then(|v| v.to_str().ok()) != Some("key") {
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "bad key"})));
    }
    let page: usize = params.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let size: usize = params
        .get("size")
        .and_then(|p| p.parse().ok())
        .unwrap_or(20);
    let matching: Vec<&Value> = data
        .iter()
        .filter(|c| params.get("medium").is_none_or(|m| c["medium"] == **m))
        .collect();
    let pages = matching.len().div_ceil(size).max(1);
    let chats: Vec<&Value> = matching
        .into_iter()
        .skip((page - 1) * size)
        .take(size)
        .collect();
    (
        StatusCode::OK,
        Json(json!({"chats": chats, "page": page, "pages": pages})),
    )
}

async fn mock(data: Vec<Value>) -> String {
    let app = Router::new()
        .route("/v2/chats", get(chats))
        .with_state(Arc::new(data));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

fn dataset() -> Vec<Value> {
    (0..45)
        .map(|i| {
            let medium = ["whatsapp", "widget", "sms"][i % 3];
            json!({"chat_id": format!("chat-{i}"), "medium": medium, "agent_name": format!("agent {}", i % 4)})
        })
        .collect()
}

#[tokio::test]
async fn parley_passes_the_conformance_kit() {
    let data = dataset();
    let base = mock(data.clone()).await;
    let source = ParleySource::new(&base, "key").unwrap();
    let expected = data.iter().map(normalize).collect();
    Conformance::new(&source, expected)
        .run()
        .await
        .assert_passed();
}

#[tokio::test]
async fn wrong_key_is_unauthorized() {
    let base = mock(dataset()).await;
    let source = ParleySource::new(&base, "nope").unwrap();
    let err = source
        .list(ConversationQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err}");
}
