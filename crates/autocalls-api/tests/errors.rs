//! Every error shape becomes a typed error, never a panic: 401, 403, 404, 422 with field
//! errors, 429 with `Retry-After` in seconds and as an HTTP date, 500, 503, an HTML 502, empty
//! and truncated bodies; and retries under the client's policy.

mod common;

use std::time::Duration;

use autocalls_api::{AutocallsSource, ListConversationsRequest};
use chrono::Utc;
use common::{KEY, client, fast_retries, page_body, record};
use conversations_core::{ConversationQuery, ConversationSource, ConversationSourceExt, Error};
use conversations_transport::RetryPolicy;
use httpmock::prelude::*;
use serde_json::json;

/// Serves one answer to every request and returns the error of one `list_conversations`.
async fn error_for(answer: impl FnOnce(httpmock::Then) + Send + 'static) -> (Error, usize) {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/user/conversations");
            answer(then);
        })
        .await;
    let client = client(&server.url("/api"), RetryPolicy::none());
    let err = client
        .list_conversations(&ListConversationsRequest::new())
        .await
        .expect_err("an error");
    let hits = mock.calls_async().await;
    let text = format!("{err} {err:?}");
    assert!(!text.contains(KEY), "the key leaked: {text}");
    assert!(!text.contains('\n'), "one line: {text}");
    (err, hits)
}

#[tokio::test]
async fn unauthorized() {
    let (err, hits) = error_for(|then| {
        then.status(401)
            .header("x-request-id", "req-401")
            .json_body(json!({"message": "Unauthenticated."}));
    })
    .await;
    assert_eq!(hits, 1);
    assert!(matches!(err, Error::Unauthorized { .. }), "{err}");
    assert_eq!(err.status(), Some(401));
    assert_eq!(err.request_id(), Some("req-401"));
    assert_eq!(
        err.details().unwrap().message.as_deref(),
        Some("Unauthenticated.")
    );
    assert_eq!(
        err.to_string(),
        "autocalls: unauthorized (HTTP 401, request id req-401: Unauthenticated.)"
    );
}

#[tokio::test]
async fn forbidden_and_not_found() {
    let (err, _) = error_for(|then| {
        then.status(403)
            .json_body(json!({"message": "This action is unauthorized."}));
    })
    .await;
    assert!(matches!(err, Error::Forbidden { .. }), "{err}");
    assert_eq!(
        err.details().unwrap().message.as_deref(),
        Some("This action is unauthorized.")
    );

    let (err, _) = error_for(|then| {
        then.status(404).json_body(json!({"message": "Not Found"}));
    })
    .await;
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn validation_errors_carry_field_messages() {
    let (err, hits) = error_for(|then| {
        then.status(422).json_body(json!({
            "message": "The selected assistant id is invalid. (and 1 more error)",
            "errors": {
                "assistant_id": ["The selected assistant id is invalid."],
                "type": ["The selected type is invalid."]
            }
        }));
    })
    .await;
    assert_eq!(hits, 1, "422 is not retried");
    assert!(matches!(err, Error::Api { .. }), "{err}");
    let details = err.details().unwrap();
    assert_eq!(details.status, 422);
    assert_eq!(
        details.field_errors["assistant_id"],
        vec!["The selected assistant id is invalid."]
    );
    assert_eq!(
        details.field_errors["type"],
        vec!["The selected type is invalid."]
    );
    assert!(
        err.to_string()
            .contains("assistant_id: The selected assistant id is invalid.")
    );
}

#[tokio::test]
async fn rate_limited_with_retry_after_seconds() {
    let (err, _) = error_for(|then| {
        then.status(429)
            .header("retry-after", "7")
            .json_body(json!({"message": "Too Many Attempts."}));
    })
    .await;
    assert!(matches!(err, Error::RateLimited { .. }), "{err}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    assert!(err.is_retryable());
}

#[tokio::test]
async fn rate_limited_with_retry_after_http_date() {
    let when = (Utc::now() + chrono::Duration::seconds(120))
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    let (err, _) = error_for(move |then| {
        then.status(429).header("retry-after", when).body("");
    })
    .await;
    assert!(matches!(err, Error::RateLimited { .. }), "{err}");
    let delay = err.retry_after().unwrap();
    assert!(
        delay > Duration::from_secs(60) && delay <= Duration::from_secs(120),
        "{delay:?}"
    );
}

#[tokio::test]
async fn server_errors_in_every_body() {
    let (err, _) = error_for(|then| {
        then.status(500)
            .json_body(json!({"message": "Server Error"}));
    })
    .await;
    assert!(matches!(err, Error::Unavailable { .. }), "{err}");
    assert_eq!(
        err.details().unwrap().message.as_deref(),
        Some("Server Error")
    );

    let (err, _) = error_for(|then| {
        then.status(503)
            .header("retry-after", "3")
            .json_body(json!({"message": "Service Unavailable"}));
    })
    .await;
    assert!(matches!(err, Error::Unavailable { .. }), "{err}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3)));

    let (err, _) = error_for(|then| {
        then.status(502)
            .header("content-type", "text/html")
            .body("<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>");
    })
    .await;
    assert!(matches!(err, Error::Unavailable { .. }), "{err}");
    assert_eq!(err.status(), Some(502));
    assert_eq!(err.details().unwrap().message, None);

    let (err, _) = error_for(|then| {
        then.status(500).body("");
    })
    .await;
    assert!(matches!(err, Error::Unavailable { .. }), "{err}");
}

#[tokio::test]
async fn success_bodies_that_do_not_decode() {
    let bodies = [
        ("", "the body is empty"),
        ("<!DOCTYPE html><html><body>Login</body></html>", "not JSON"),
        (
            r#"{"data":[{"id":"7c9e6679","assistant_id":"a1"#,
            "not JSON",
        ),
        (r#"{"data":null,"per_page":15}"#, "data is missing"),
        (r#"{"per_page":15}"#, "data is missing"),
        (
            r#"{"data":{"a":1}}"#,
            "data: expected an array, found object",
        ),
        (
            r#"{"data":[],"next_cursor":{"x":1}}"#,
            "next_cursor: expected a string or null",
        ),
    ];
    for (body, reason) in bodies {
        let (err, _) = error_for(move |then| {
            then.status(200)
                .header("content-type", "application/json")
                .body(body);
        })
        .await;
        match &err {
            Error::Decode {
                status,
                reason: why,
                ..
            } => {
                assert_eq!(*status, Some(200));
                assert!(why.contains(reason), "{why} should say {reason}");
            }
            other => panic!("expected a decode error for {body:?}, got {other}"),
        }
    }

    let mut bad = record(1, "api");
    bad["created_at"] = json!("25/01/2025 14:30");
    let server = MockServer::start_async().await;
    server
        .mock_async(move |when, then| {
            when.method(GET).path("/api/user/conversations");
            then.status(200)
                .json_body(page_body(&[record(0, "api"), bad], None, None));
        })
        .await;
    let page = client(&server.url("/api"), RetryPolicy::none())
        .list_conversations(&ListConversationsRequest::new())
        .await
        .expect("a bad record does not cost the page");
    assert_eq!(page.data.len(), 2);
    assert_eq!(page.data[1].created_at, None);
    assert_eq!(
        page.data[1].notes[0].to_string(),
        "created_at (string, documented timestamp string)"
    );
}

#[tokio::test]
async fn retryable_errors_are_retried_under_the_policy() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/user/conversations");
            then.status(503)
                .header("retry-after", "0")
                .json_body(json!({"message": "down"}));
        })
        .await;
    let client = client(&server.url("/api"), fast_retries().max_attempts(3));
    let err = client
        .list_conversations(&ListConversationsRequest::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unavailable { .. }));
    mock.assert_calls_async(3).await;

    // Native and trait calls retry once, the same way, in the one transport: never
    // retries of retries.
    let source = AutocallsSource::new(client);
    source
        .list_page(&ConversationQuery::new(), None)
        .await
        .unwrap_err();
    mock.assert_calls_async(6).await;
    source
        .fetch_page(&ConversationQuery::new(), None)
        .await
        .unwrap_err();
    mock.assert_calls_async(9).await;
}

#[tokio::test]
async fn request_id_of_a_success_is_kept() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/user/conversations");
            then.status(200)
                .header("x-request-id", "req-ok")
                .json_body(page_body(&[record(0, "widget")], None, None));
        })
        .await;
    let client = client(&server.url("/api"), RetryPolicy::none());
    let page = client
        .list_conversations(&ListConversationsRequest::new())
        .await
        .unwrap();
    assert_eq!(page.request_id.as_deref(), Some("req-ok"));
}

#[tokio::test]
async fn transport_errors_are_typed() {
    // A port that was just free: nothing listens there, the connection is refused.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let client = client(&format!("http://{addr}/api"), RetryPolicy::none());
    let err = client
        .list_conversations(&ListConversationsRequest::new().customer_phone("+14155559876"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err}");
    assert!(err.is_retryable());
    let text = format!("{err} {err:?}");
    assert!(!text.contains(KEY));
    assert!(
        !text.contains("14155559876"),
        "no phone numbers from the URL: {text}"
    );
}
