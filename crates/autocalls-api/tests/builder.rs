//! Building the client: typed refusals, https only (plain http for loopback), and the API key
//! never shown in any `Debug`, `Display` or error.

mod common;

use std::time::Duration;

use autocalls_api::{AutocallsClient, AutocallsSource, BuildError, ListConversationsRequest};
use common::{KEY, page_body};
use conversations_core::{ConversationQuery, ConversationSourceExt};
use conversations_transport::BaseUrlError;
use conversations_transport::RetryPolicy;
use conversations_transport::{BuildError as HttpBuildError, ClientOptions, CredentialError};
use httpmock::prelude::*;

#[test]
fn refusals_are_typed() {
    assert!(matches!(
        AutocallsClient::builder().build(),
        Err(BuildError::MissingApiKey)
    ));
    for empty in ["", "   "] {
        assert!(matches!(
            AutocallsClient::builder().api_key(empty).build(),
            Err(BuildError::Transport(HttpBuildError::Credential(
                CredentialError {
                    credential: "API key",
                    ..
                }
            )))
        ));
    }
    for bad in ["with space", "new\nline", "tab\t", "caf\u{e9}", " lead"] {
        let err = AutocallsClient::builder().api_key(bad).build().unwrap_err();
        assert!(
            matches!(err, BuildError::Transport(HttpBuildError::Credential(_))),
            "{bad:?}: {err}"
        );
        assert!(!err.to_string().contains(bad));
    }
    for (url, insecure) in [
        ("http://app.autocalls.ai/api", true),
        ("http://10.0.0.1/api", true),
        ("ftp://app.autocalls.ai", false),
        ("not a url", false),
        ("https://user:pw@app.autocalls.ai/api", false),
    ] {
        let err = AutocallsClient::builder()
            .api_key(KEY)
            .base_url(url)
            .build()
            .unwrap_err();
        match err {
            BuildError::Transport(HttpBuildError::BaseUrl(BaseUrlError::InsecureHttp {
                ..
            })) => {
                assert!(insecure, "{url}")
            }
            BuildError::Transport(HttpBuildError::BaseUrl(_)) => assert!(!insecure, "{url}"),
            other => panic!("{url}: {other}"),
        }
    }
}

#[test]
fn base_urls() {
    let client = AutocallsClient::builder().api_key(KEY).build().unwrap();
    assert_eq!(
        client.endpoint().as_str(),
        "https://app.autocalls.ai/api/user/conversations"
    );
    for (base, endpoint) in [
        (
            "https://eu.example.com/api/",
            "https://eu.example.com/api/user/conversations",
        ),
        (
            "http://localhost:8080/api",
            "http://localhost:8080/api/user/conversations",
        ),
        (
            "http://[::1]:8080/api",
            "http://[::1]:8080/api/user/conversations",
        ),
    ] {
        let client = AutocallsClient::builder()
            .api_key(KEY)
            .base_url(base)
            .build()
            .unwrap();
        assert_eq!(client.endpoint().as_str(), endpoint);
    }
}

#[tokio::test]
async fn the_key_is_sent_as_a_bearer_token_and_shown_nowhere() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/user/conversations")
                .header("authorization", format!("Bearer {KEY}"));
            then.status(401)
                .json_body(serde_json::json!({"message": "Unauthenticated."}));
        })
        .await;
    let builder = AutocallsClient::builder()
        .api_key(KEY)
        .base_url(server.url("/api"))
        .options(
            ClientOptions::new()
                .timeout(Duration::from_secs(30))
                .retry_policy(RetryPolicy::none()),
        );
    let client = builder.clone().build().unwrap();
    let source = AutocallsSource::new(client.clone());
    let err = client
        .list_conversations(&ListConversationsRequest::new())
        .await
        .unwrap_err();
    let source_err = source
        .fetch_page(&ConversationQuery::new(), None)
        .await
        .unwrap_err();
    mock.assert_calls_async(2).await;

    let shown = [
        format!("{builder:?}"),
        format!("{client:?}"),
        format!("{source:?}"),
        format!("{err} {err:?}"),
        format!("{source_err} {source_err:?}"),
        format!(
            "{:?}",
            AutocallsClient::builder()
                .api_key(KEY)
                .base_url("http://example.com")
                .build()
                .unwrap_err()
        ),
    ];
    for text in shown {
        assert!(!text.contains(KEY), "the key leaked: {text}");
        assert!(
            !text.contains("Th1sIsTheSecret"),
            "part of the key leaked: {text}"
        );
    }
}

#[tokio::test]
async fn a_caller_configured_client_with_a_timeout_works() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/user/conversations");
            then.status(200).json_body(page_body(&[], None, None));
        })
        .await;
    let client = AutocallsClient::builder()
        .api_key(KEY)
        .base_url(server.url("/api"))
        .options(
            ClientOptions::new()
                .configure_http(|b| b.pool_max_idle_per_host(2))
                .timeout(Duration::from_secs(30)),
        )
        .build()
        .unwrap();
    let page = client
        .list_conversations(&ListConversationsRequest::new())
        .await
        .unwrap();
    assert!(page.data.is_empty());
}
