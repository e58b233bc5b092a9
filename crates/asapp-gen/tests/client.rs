//! `AsappClient` and `AsappSource` against a mock ASAPP (httpmock): requests sent, answers
//! decoded, every documented error mapped, secrets kept out of every string.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use asapp_gen::{AsappClient, AsappSource, BuildError, normalize};
use common::{API_ID, API_SECRET, client, client_with, error_examples, fast_retries, item_example};
use conversations_core::{ConversationQuery, ConversationSource, ConversationSourceExt, Error};
use conversations_transport::ClientOptions;
use futures::TryStreamExt;
use httpmock::prelude::*;
use httpmock::{HttpMockRequest, HttpMockResponse};
use serde_json::json;

const PATH: &str = "/conversation/v1/conversations";

/// Headers a request may carry: the two auth headers, `Accept`, and what HTTP itself needs.
const ALLOWED_HEADERS: [&str; 5] = [
    "host",
    "accept",
    "user-agent",
    "asapp-api-id",
    "asapp-api-secret",
];

/// Matches only a request carrying exactly what the contract asks for: GET, both auth
/// headers, `Accept: application/json`, `externalId` as the only query parameter, and no
/// header outside [`ALLOWED_HEADERS`].
fn expect_request(external_id: &str) -> impl FnOnce(httpmock::When) -> httpmock::When {
    let external_id = external_id.to_owned();
    move |when| {
        when.method(GET)
            .path(PATH)
            .header("asapp-api-id", API_ID)
            .header("asapp-api-secret", API_SECRET)
            .header("accept", "application/json")
            .query_param("externalId", external_id)
            .is_true(|req: &HttpMockRequest| {
                let uri = req.uri();
                let query = uri.query().unwrap_or_default();
                query.split('&').count() == 1
                    && query.starts_with("externalId=")
                    && req
                        .headers()
                        .keys()
                        .all(|name| ALLOWED_HEADERS.contains(&name.as_str()))
            })
    }
}

fn secret_free(text: &str) {
    assert!(!text.contains(API_SECRET), "the secret leaked into: {text}");
}

#[tokio::test]
async fn the_spec_example_is_listed_typed_raw_and_normalized() {
    let server = MockServer::start_async().await;
    let example = item_example();
    let mock = server
        .mock_async(|when, then| {
            expect_request("id-111")(when);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({ "items": [example.clone()] }));
        })
        .await;
    let client = client(&server.base_url());

    let listed = client.list_conversations("id-111").await.expect("lists");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].raw, example);
    assert_eq!(listed[0].typed().unwrap().external_id, "id-111");

    let source = client.into_source();
    let page = source
        .fetch_page(&ConversationQuery::new().external_id("id-111"), None)
        .await
        .expect("one page");
    assert!(page.next.is_none() && page.prev.is_none());
    assert_eq!(page.items, vec![normalize(&example)]);
    let c = &page.items[0];
    assert_eq!(c.provider, "asapp");
    assert_eq!(c.id.as_deref(), Some("01BX5ZZKBKACTAV9WEVGEMMVRZ"));
    assert_eq!(c.channel, None);
    let agent = c.agent.as_ref().expect("agent");
    assert_eq!(agent.role, conversations_core::ParticipantRole::HumanAgent);
    assert_eq!(agent.external_id.as_deref(), Some("agent-111"));
    assert_eq!(agent.name.as_deref(), Some("agent-x"));
    let customer = c.customer.as_ref().expect("customer");
    assert_eq!(customer.role, conversations_core::ParticipantRole::Customer);
    assert_eq!(customer.external_id.as_deref(), Some("customer-x"));
    assert_eq!(customer.name.as_deref(), Some("customer-name-x"));
    assert_eq!(c.metadata["organizationalGroup"], "some-group");
    assert_eq!(c.metadata.len(), 3);
    assert_eq!(c.raw, example);
    mock.assert_calls_async(2).await;
}

#[tokio::test]
async fn every_request_carries_both_auth_headers_and_only_external_id() {
    let server = MockServer::start_async().await;
    let good = server
        .mock_async(|when, then| {
            expect_request("id with spaces&more")(when);
            then.status(200).json_body(json!({ "items": [] }));
        })
        .await;
    // Anything else lands here (with a status the client does not retry).
    let other = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(418);
        })
        .await;
    let source = client(&server.base_url()).into_source();
    for _ in 0..3 {
        let items: Vec<_> = source
            .list(ConversationQuery::new().external_id("id with spaces&more"))
            .try_collect()
            .await
            .expect("lists");
        assert!(items.is_empty());
    }
    good.assert_calls_async(3).await;
    other.assert_calls_async(0).await;
}

#[tokio::test]
async fn unknown_extra_fields_are_accepted_and_kept_in_raw() {
    let server = MockServer::start_async().await;
    let mut item = item_example();
    item["channel"] = json!("voice");
    item["agent"]["team"] = json!({ "id": 7 });
    let body = json!({ "items": [item.clone()], "nextPageToken": null, "total": 1 });
    server
        .mock_async(|when, then| {
            expect_request("id-111")(when);
            then.status(200).json_body(body);
        })
        .await;
    let source = client(&server.base_url()).into_source();
    let all: Vec<_> = source
        .list(ConversationQuery::new().external_id("id-111"))
        .try_collect()
        .await
        .expect("unknown fields are fine");
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].raw, item);
    assert_eq!(all[0].raw.to_value()["channel"], "voice");
    assert_eq!(all[0].channel, None, "ASAPP's spec has no channel to map");
}

#[tokio::test]
async fn each_documented_status_maps_to_its_error_with_code_and_request_id() {
    for (status_key, status, body) in error_examples() {
        let server = MockServer::start_async().await;
        let mock = server
            .mock_async(|when, then| {
                expect_request("id-111")(when);
                then.status(status)
                    .header("content-type", "application/json")
                    .header("retry-after", "7")
                    .json_body(body.clone());
            })
            .await;
        // One attempt, so retryable statuses are seen as they are.
        let client = client_with(
            API_ID,
            API_SECRET,
            &server.base_url(),
            ClientOptions::new().retry_policy(conversations_transport::RetryPolicy::none()),
        );
        let err = client
            .into_source()
            .fetch_page(&ConversationQuery::new().external_id("id-111"), None)
            .await
            .expect_err("an error status");
        let variant_ok = match status {
            400 | 422 => matches!(err, Error::Api { .. }),
            401 => matches!(err, Error::Unauthorized { .. }),
            403 => matches!(err, Error::Forbidden { .. }),
            404 => matches!(err, Error::NotFound { .. }),
            429 => matches!(err, Error::RateLimited { .. }),
            500 | 503 => matches!(err, Error::Unavailable { .. }),
            _ => false,
        };
        assert!(variant_ok, "{status_key}: {err:?}");
        assert_eq!(err.provider(), "asapp");
        assert_eq!(err.status(), Some(status), "{status_key}");
        assert_eq!(
            err.code(),
            Some(format!("{status}-01").as_str()),
            "{status_key}"
        );
        assert_eq!(
            err.request_id(),
            Some("8e033668-9f1a-11ec-b909-0242ac120002"),
            "{status_key}"
        );
        assert_eq!(
            err.details().and_then(|d| d.message.as_deref()),
            body["error"]["message"].as_str()
        );
        if matches!(status, 429 | 500 | 503) {
            assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(7)));
        }
        secret_free(&format!("{err} {err:?}"));
        mock.assert_calls_async(1).await;
    }
}

#[tokio::test]
async fn a_429_with_retry_after_zero_then_200_succeeds_through_fetch_page_and_list() {
    let server = MockServer::start_async().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let example = item_example();
    let mock = server
        .mock_async(|when, then| {
            expect_request("id-111")(when);
            then.respond_with(move |_: &HttpMockRequest| {
                // Odd calls are rate limited, even ones succeed.
                if counter.fetch_add(1, Ordering::SeqCst).is_multiple_of(2) {
                    HttpMockResponse::builder()
                        .status(429)
                        .header("retry-after", "0")
                        .header("content-type", "application/json")
                        .body(
                            r#"{"error":{"requestId":"r-429","code":"429-01","message":"Too Many Requests"}}"#,
                        )
                        .build()
                } else {
                    HttpMockResponse::builder()
                        .status(200)
                        .header("content-type", "application/json")
                        .body(json!({ "items": [example.clone()] }).to_string())
                        .build()
                }
            });
        })
        .await;
    let options = ClientOptions::new().retry_policy(fast_retries(2));
    let source = client_with(API_ID, API_SECRET, &server.base_url(), options).into_source();
    let query = ConversationQuery::new().external_id("id-111");
    let page = source.fetch_page(&query, None).await.expect("retried");
    assert_eq!(page.items.len(), 1);
    let all: Vec<_> = source.list(query).try_collect().await.expect("retried");
    assert_eq!(all.len(), 1);
    mock.assert_calls_async(4).await;

    // Native calls and `list_page` retry the same way, in the one transport.
    let page = source
        .list_page(&ConversationQuery::new().external_id("id-111"), None)
        .await
        .expect("retried too");
    assert_eq!(page.items.len(), 1);
    mock.assert_calls_async(6).await;
}

#[tokio::test]
async fn malformed_and_truncated_success_bodies_are_decode_errors_quoting_nothing() {
    for (body, status) in [
        (r#"{"items": [{"externalId": "id-1", "custo"#, 200),
        ("not json at all", 200),
        (r#"{"items": "nope"}"#, 200),
    ] {
        let server = MockServer::start_async().await;
        server
            .mock_async(|when, then| {
                expect_request("id-111")(when);
                then.status(status)
                    .header("content-type", "application/json")
                    .body(body);
            })
            .await;
        let err = client(&server.base_url())
            .list_conversations("id-111")
            .await
            .expect_err("cannot decode");
        let Error::Decode {
            status: got,
            snippet,
            ..
        } = &err
        else {
            panic!("expected Decode for {body:?}, got {err:?}");
        };
        assert_eq!(*got, Some(status));
        match snippet {
            Some(snippet) => {
                assert_eq!(status, 400, "a 2xx body is never quoted");
                assert!(body.starts_with(snippet.as_str()), "{snippet:?}");
            }
            None => assert_eq!(status, 200),
        }
        assert!(!err.is_retryable());
    }
}

#[tokio::test]
async fn an_item_off_the_spec_comes_through_with_a_note() {
    let server = MockServer::start_async().await;
    let body = json!({ "items": [item_example(), { "externalId": "no-customer" }] });
    server
        .mock_async(|when, then| {
            expect_request("id-111")(when);
            then.status(200).json_body(body);
        })
        .await;
    let page = client(&server.base_url())
        .into_source()
        .fetch_page(&ConversationQuery::new().external_id("id-111"), None)
        .await
        .expect("both items");
    assert_eq!(page.items.len(), 2);
    assert!(page.items[0].notes.is_empty());
    assert_eq!(page.items[1].external_id.as_deref(), Some("no-customer"));
    assert_eq!(page.items[1].customer, None);
    assert_eq!(
        page.items[1].notes[0].to_string(),
        "customer (missing, documented object)"
    );
}

#[tokio::test]
async fn an_error_status_decides_the_error_whatever_the_body() {
    let html = format!(
        "<html><head><title>502 Bad Gateway</title></head><body>{}</body></html>",
        "x".repeat(20_000)
    );
    for (status, body) in [
        (502, html.as_str()),
        (400, r#"{"error": {"requestId": "r"#),
        (503, ""),
    ] {
        let server = MockServer::start_async().await;
        let mock = server
            .mock_async(|when, then| {
                expect_request("id-111")(when);
                then.status(status)
                    .header("content-type", "text/html")
                    .body(body);
            })
            .await;
        let err = client(&server.base_url())
            .into_source()
            .fetch_page(&ConversationQuery::new().external_id("id-111"), None)
            .await
            .expect_err("an error status");
        assert_eq!(err.status(), Some(status));
        assert_eq!(err.is_retryable(), status >= 500, "{err:?}");
        // The client's policy allows 3 attempts: 5xx are retried, 400 is not.
        mock.assert_calls_async(if status >= 500 { 3 } else { 1 })
            .await;
        assert!(err.to_string().len() < 600, "bounded: {err}");
    }
}

#[tokio::test]
async fn invalid_queries_are_refused_with_no_request_sent() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).json_body(json!({ "items": [] }));
        })
        .await;
    let source: AsappSource = client(&server.base_url()).into_source();
    let cases = [
        (ConversationQuery::new(), "external_id is required"),
        (
            ConversationQuery::new()
                .external_id("id-111")
                .channel("whatsapp"),
            "channel is not supported",
        ),
        (
            ConversationQuery::new().external_id("id-111").agent_id("a"),
            "agent_id is not supported",
        ),
        (
            ConversationQuery::new().external_id("id-111").page_size(10),
            "takes no page size",
        ),
        (
            ConversationQuery::new().external_id(""),
            "external_id is empty",
        ),
        (
            ConversationQuery::new().external_id("a\nb"),
            "control character",
        ),
    ];
    for (query, needle) in cases {
        for err in [
            source.fetch_page(&query, None).await.expect_err("refused"),
            source.list_page(&query, None).await.expect_err("refused"),
            source
                .list(query.clone())
                .try_collect::<Vec<_>>()
                .await
                .expect_err("refused"),
        ] {
            assert!(matches!(err, Error::InvalidQuery { .. }), "{err:?}");
            assert!(err.to_string().contains(needle), "{err} lacks {needle}");
        }
    }
    let err = source
        .client()
        .list_conversations("  ")
        .await
        .expect_err("blank");
    assert!(matches!(err, Error::InvalidQuery { .. }));
    let err = source
        .list_page(
            &ConversationQuery::new().external_id("id-111"),
            Some(&conversations_core::Cursor::new("c")),
        )
        .await
        .expect_err("no cursors");
    assert!(matches!(err, Error::Pagination { .. }));
    mock.assert_calls_async(0).await;
}

#[test]
fn base_urls_are_checked() {
    let build = |url: &str| {
        AsappClient::builder()
            .api_id(API_ID)
            .api_secret(API_SECRET)
            .base_url(url)
            .build()
    };
    let err = build("http://api.sandbox.asapp.com").expect_err("plain http refused");
    assert!(
        matches!(
            err,
            BuildError::Transport(conversations_transport::BuildError::BaseUrl(_))
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("http is allowed only for loopback")
    );
    assert!(build("http://10.0.0.1:8080").is_err());
    assert!(build("ftp://example.com").is_err());
    assert!(build("https://user:pw@example.com").is_err());
    for ok in [
        "https://api.asapp.com",
        "http://127.0.0.1:9",
        "http://localhost:9",
        "http://[::1]:9",
    ] {
        build(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    assert_eq!(
        AsappClient::builder()
            .api_id(API_ID)
            .api_secret(API_SECRET)
            .build()
            .expect("default base URL")
            .base_url()
            .as_str(),
        "https://api.sandbox.asapp.com"
    );
}

#[test]
fn credentials_are_checked_without_echoing_them() {
    let with = |id: Option<&str>, secret: Option<&str>| {
        let mut builder = AsappClient::builder();
        if let Some(id) = id {
            builder = builder.api_id(id);
        }
        if let Some(secret) = secret {
            builder = builder.api_secret(secret);
        }
        builder.build().expect_err("refused")
    };
    assert_eq!(with(None, Some(API_SECRET)), BuildError::MissingApiId);
    assert_eq!(with(Some(API_ID), None), BuildError::MissingApiSecret);
    let cases = [
        (Some(""), Some(API_SECRET), "API id is empty"),
        (Some(API_ID), Some(""), "API secret is empty"),
        (Some(API_ID), Some("   "), "API secret is blank"),
        (Some(API_ID), Some(" s3cr3t-x "), "API secret is not safe"),
        (Some(API_ID), Some("s3cr3t-x\r\nX-Evil: 1"), "not safe"),
        (Some(API_ID), Some("s3cr3t-é"), "not safe"),
        (Some("id\0"), Some(API_SECRET), "API id is not safe"),
    ];
    for (id, secret, needle) in cases {
        let err = with(id, secret);
        let text = format!("{err} {err:?}");
        assert!(text.contains(needle), "{text} lacks {needle}");
        assert!(!text.contains("s3cr3t"), "{text}");
        secret_free(&text);
    }
}

#[tokio::test]
async fn the_secret_is_absent_from_every_debug_display_and_error() {
    let builder = AsappClient::builder()
        .api_id(API_ID)
        .api_secret(API_SECRET)
        .base_url("http://127.0.0.1:1");
    secret_free(&format!("{builder:?}"));
    let client = builder.build().expect("builds");
    secret_free(&format!("{client:?}"));
    let source = client.clone().into_source();
    secret_free(&format!("{source:?}"));

    // A transport error (nothing listens on port 1): reqwest's text holds no header.
    let err = client
        .list_conversations("id-111")
        .await
        .expect_err("nothing listens");
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    let mut text = format!("{err} {err:?}");
    let mut source_err = std::error::Error::source(&err);
    while let Some(cause) = source_err {
        text.push_str(&format!(" {cause} {cause:?}"));
        source_err = cause.source();
    }
    secret_free(&text);

    // Error statuses too.
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(401).json_body(
                json!({"error": {"requestId": "r", "code": "401-01", "message": "Unauthorized"}}),
            );
        })
        .await;
    let err = common::client(&server.base_url())
        .list_conversations("id-111")
        .await
        .expect_err("401");
    secret_free(&format!("{err} {err:?}"));
}

#[tokio::test]
async fn a_caller_configured_http_client_is_used_with_the_same_headers() {
    let server = MockServer::start_async().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    let mock = server
        .mock_async(|when, then| {
            expect_request("id-111")(when).is_true(move |req: &HttpMockRequest| {
                record.lock().expect("lock").push(req.uri().to_string());
                true
            });
            then.status(200)
                .json_body(json!({ "items": [item_example()] }));
        })
        .await;
    let options = ClientOptions::new()
        .configure_http(|b| b.pool_max_idle_per_host(1))
        .timeout(std::time::Duration::from_secs(30));
    let client = client_with(API_ID, API_SECRET, &server.base_url(), options);
    assert_eq!(
        client
            .list_conversations("id-111")
            .await
            .expect("lists")
            .len(),
        1
    );
    mock.assert_calls_async(1).await;
    assert_eq!(seen.lock().expect("lock").len(), 1);
}
