//! The Parley provider against a local mock of its API: the core conformance kit, then what
//! it inherits from the transport without a line of its own (retries, redaction, body limits,
//! timeouts).
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use conversations_core::testkit::Conformance;
use conversations_core::{ConversationQuery, ConversationSourceExt, Error, RawJson};
use conversations_transport::{ClientOptions, RetryPolicy};
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
    let source = ParleySource::new(&base, "key", &ClientOptions::new()).unwrap();
    let expected = data
        .iter()
        .map(|chat| normalize(RawJson::from(chat).as_raw_value()))
        .collect();
    Conformance::new(&source, expected)
        .run()
        .await
        .assert_passed();
}

#[tokio::test]
async fn wrong_key_is_unauthorized() {
    let base = mock(dataset()).await;
    let err = list_error(&base, "nope", &ClientOptions::new()).await;
    assert!(matches!(err, Error::Unauthorized { .. }), "{err}");
}

/// What listing everything from `base` with `key` and `options` fails with.
async fn list_error(base: &str, key: &str, options: &ClientOptions) -> Error {
    let source = ParleySource::new(base, key, options).unwrap();
    source
        .list(ConversationQuery::new())
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err()
}

/// A server that answers each request with the next of `answers` (status, body), then 200s.
async fn scripted(answers: Vec<(StatusCode, String)>) -> (String, Arc<AtomicU32>) {
    let calls = Arc::new(AtomicU32::new(0));
    let seen = Arc::clone(&calls);
    let answers = Arc::new(answers);
    let app = Router::new().route(
        "/v2/chats",
        get(move || {
            let n = seen.fetch_add(1, Ordering::SeqCst) as usize;
            let answers = Arc::clone(&answers);
            async move {
                match answers.get(n) {
                    Some((status, body)) => (*status, body.clone()),
                    None => (
                        StatusCode::OK,
                        json!({"chats": dataset(), "page": 1, "pages": 1}).to_string(),
                    ),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), calls)
}

fn fast_retries() -> ClientOptions {
    ClientOptions::new().retry_policy(
        RetryPolicy::default()
            .initial_delay(Duration::ZERO)
            .jitter(false),
    )
}

#[tokio::test]
async fn inherits_retries_from_the_transport() {
    let busy = (
        StatusCode::SERVICE_UNAVAILABLE,
        r#"{"error": "busy"}"#.to_owned(),
    );
    let (base, calls) = scripted(vec![busy.clone(), busy]).await;
    let source = ParleySource::new(&base, "key", &fast_retries()).unwrap();
    let all: Vec<_> = source
        .list(ConversationQuery::new())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 45);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        3,
        "two 503s retried, once each, by the transport alone"
    );
}

#[tokio::test]
async fn inherits_redaction_from_the_transport() {
    let key = "parley-key-never-shown";
    let echo = (
        StatusCode::BAD_REQUEST,
        json!({"error": format!("bad key {key}")}).to_string(),
    );
    let (base, _) = scripted(vec![echo]).await;
    let err = list_error(&base, key, &ClientOptions::new()).await;
    assert!(!format!("{err} {err:?}").contains(key), "{err:?}");
}

#[tokio::test]
async fn inherits_body_limits_from_the_transport() {
    let (base, calls) = scripted(vec![]).await;
    let options = ClientOptions::new().max_body_size(64);
    let err = list_error(&base, "key", &options).await;
    assert!(matches!(err, Error::ResponseTooLarge { .. }), "{err}");
    assert_eq!(calls.load(Ordering::SeqCst), 1, "not retried");
}

#[tokio::test]
async fn inherits_timeouts_from_the_transport() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    // Accepts connections and never answers.
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let options = ClientOptions::new()
        .timeout(Duration::from_millis(100))
        .retry_policy(RetryPolicy::none());
    let err = list_error(&base, "key", &options).await;
    assert!(matches!(err, Error::Transport { .. }), "{err}");
}
