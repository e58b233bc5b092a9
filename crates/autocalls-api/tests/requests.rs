//! What reaches the server: every filter exactly as given, only what is set, and nothing at
//! all for an invalid request.

mod common;

use autocalls_api::{AutocallsSource, ConversationType, ListConversationsRequest};
use common::{KEY, client, fast_retries, page_body, record};
use conversations_core::{
    Channel, ConversationQuery, ConversationSource, ConversationSourceExt, Error,
};
use conversations_transport::RetryPolicy;
use futures::StreamExt;
use httpmock::prelude::*;

const ODD_EXTERNAL_ID: &str = "crm lead/12345&x=1+2#frag";

#[tokio::test]
async fn every_parameter_reaches_the_server_exactly() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/user/conversations")
                .header("authorization", format!("Bearer {KEY}"))
                .header("accept", "application/json")
                .query_param("type", "whatsapp")
                .query_param("assistant_id", "42")
                .query_param("customer_phone", "+14155559876")
                .query_param("whatsapp_sender_phone", "+14155551234")
                .query_param("external_identifier", ODD_EXTERNAL_ID)
                .query_param("per_page", "10")
                .query_param("cursor", "eyJpZCI6MTAwfQ==")
                .is_true(|req| {
                    let raw = req.uri().query().unwrap_or_default().to_owned();
                    raw.contains("customer_phone=%2B14155559876")
                        && raw.contains("whatsapp_sender_phone=%2B14155551234")
                        && req.query_params().len() == 7
                });
            then.status(200)
                .json_body(page_body(&[record(1, "whatsapp")], None, None));
        })
        .await;
    let client = client(&server.url("/api"), RetryPolicy::none());
    let request = ListConversationsRequest::new()
        .conversation_type(ConversationType::Whatsapp)
        .assistant_id(42)
        .customer_phone("+14155559876")
        .whatsapp_sender_phone("+14155551234")
        .external_identifier(ODD_EXTERNAL_ID)
        .per_page(10)
        .cursor("eyJpZCI6MTAwfQ==");
    let page = client.list_conversations(&request).await.unwrap();
    assert_eq!(page.data.len(), 1);
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn each_filter_alone_is_the_only_parameter_sent() {
    let server = MockServer::start_async().await;
    let cases: [(&str, &str, ListConversationsRequest); 5] = [
        (
            "type",
            "api",
            ListConversationsRequest::new().conversation_type("api"),
        ),
        (
            "assistant_id",
            "7",
            ListConversationsRequest::new().assistant_id(7),
        ),
        (
            "customer_phone",
            "+14155559876",
            ListConversationsRequest::new().customer_phone("+14155559876"),
        ),
        (
            "whatsapp_sender_phone",
            "+14155551234",
            ListConversationsRequest::new().whatsapp_sender_phone("+14155551234"),
        ),
        (
            "external_identifier",
            "crm-lead-12345",
            ListConversationsRequest::new().external_identifier("crm-lead-12345"),
        ),
    ];
    let client = client(&server.url("/api"), RetryPolicy::none());
    for (name, value, request) in cases {
        let mock = server
            .mock_async(|when, then| {
                when.method(GET)
                    .path("/api/user/conversations")
                    .query_param(name, value)
                    .is_true(|req| req.query_params().len() == 1);
                then.status(200).json_body(page_body(&[], None, None));
            })
            .await;
        client.list_conversations(&request).await.unwrap();
        mock.assert_calls_async(1).await;
        mock.delete_async().await;
    }
}

#[tokio::test]
async fn normalized_filters_reach_the_server_as_autocalls_parameters() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/user/conversations")
                .query_param("type", "whatsapp")
                .query_param("assistant_id", "42")
                .query_param("customer_phone", "+14155559876")
                .query_param("whatsapp_sender_phone", "+14155551234")
                .query_param("external_identifier", ODD_EXTERNAL_ID)
                .query_param("per_page", "100")
                .is_true(|req| req.query_params().len() == 6);
            then.status(200)
                .json_body(page_body(&[record(3, "whatsapp")], None, None));
        })
        .await;
    let source = AutocallsSource::new(client(&server.url("/api"), RetryPolicy::none()));
    let query = ConversationQuery::new()
        .channel(Channel::Whatsapp)
        .agent_id("42")
        .customer_phone("+14155559876")
        .business_phone("+14155551234")
        .external_id(ODD_EXTERNAL_ID)
        .page_size(100);
    let page = source.list_page(&query, None).await.unwrap();
    assert_eq!(page.items.len(), 1);
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn an_empty_request_sends_no_parameters() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/user/conversations")
                .is_true(|req| req.uri().query().is_none_or(str::is_empty));
            then.status(200).json_body(page_body(&[], None, None));
        })
        .await;
    let client = client(&server.url("/api"), RetryPolicy::none());
    client
        .list_conversations(&ListConversationsRequest::new())
        .await
        .unwrap();
    mock.assert_calls_async(1).await;
}

#[tokio::test]
async fn invalid_requests_send_nothing() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).json_body(page_body(&[], None, None));
        })
        .await;
    let client = client(&server.url("/api"), fast_retries());
    let source = AutocallsSource::new(client.clone());

    for per_page in [0, 101] {
        let request = ListConversationsRequest::new().per_page(per_page);
        let err = client.list_conversations(&request).await.unwrap_err();
        assert!(matches!(err, Error::InvalidQuery { .. }), "{err}");
        assert!(
            err.to_string()
                .contains("per_page must be between 1 and 100"),
            "{err}"
        );
        let first = client.pages(request.clone()).next().await.unwrap();
        assert!(matches!(first, Err(Error::InvalidQuery { .. })));
        let first = client.pages_backward(request).next().await.unwrap();
        assert!(matches!(first, Err(Error::InvalidQuery { .. })));

        let query = ConversationQuery::new().page_size(per_page);
        let err = source.list_page(&query, None).await.unwrap_err();
        assert!(matches!(err, Error::InvalidQuery { .. }), "{err}");
        let first = source.list(query).next().await.unwrap();
        assert!(matches!(first, Err(Error::InvalidQuery { .. })));
    }

    let bad_queries = [
        (
            ConversationQuery::new().channel("voice"),
            "allowed: test, widget, whatsapp, api",
        ),
        (
            ConversationQuery::new().channel("WhatsApp"),
            "allowed: test, widget, whatsapp, api",
        ),
        (
            ConversationQuery::new().agent_id("a1b2c3d4-5678-90ab-cdef-1234567890ab"),
            "not an unsigned integer",
        ),
        (
            ConversationQuery::new().agent_id("-1"),
            "not an unsigned integer",
        ),
        (
            ConversationQuery::new().agent_id("+1"),
            "not an unsigned integer",
        ),
        (ConversationQuery::new().customer_phone(" "), "blank"),
        (ConversationQuery::new().limit(0), "limit"),
    ];
    for (query, reason) in bad_queries {
        let err = source.list_page(&query, None).await.unwrap_err();
        assert!(matches!(err, Error::InvalidQuery { .. }), "{err}");
        assert!(err.to_string().contains(reason), "{err}");
        assert!(source.fetch_page(&query, None).await.is_err());
    }

    let bad_requests = [
        ListConversationsRequest::new().conversation_type("voice"),
        ListConversationsRequest::new().customer_phone(""),
        ListConversationsRequest::new().whatsapp_sender_phone("+1\n"),
        ListConversationsRequest::new().external_identifier("  "),
        ListConversationsRequest::new().cursor(""),
    ];
    for request in bad_requests {
        let err = client.list_conversations(&request).await.unwrap_err();
        assert!(matches!(err, Error::InvalidQuery { .. }), "{err}");
    }

    mock.assert_calls_async(0).await;
}
