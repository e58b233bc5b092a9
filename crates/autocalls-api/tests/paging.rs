//! Paging through `next_cursor` and `prev_cursor`: each item exactly once, both ways, for the
//! native client and for the source.

mod common;

use autocalls_api::{AutocallsConversation, AutocallsSource, ListConversationsRequest};
use common::{client, page_body, record};
use conversations_core::{ConversationQuery, ConversationSourceExt, Cursor, Direction, Error};
use conversations_transport::RetryPolicy;
use futures::{StreamExt, TryStreamExt};
use httpmock::prelude::*;
use serde_json::Value;

/// A mocked page: the cursor it answers, its items, its next and prev cursors.
type MockPage<'a> = (
    Option<&'a str>,
    &'a [Value],
    Option<&'a str>,
    Option<&'a str>,
);

/// Three pages of 3, 3 and 2 records: cursors `n2`, `n3` forward, `p1`, `p2` backward.
struct ThreePages {
    server: MockServer,
    records: Vec<Value>,
}

impl ThreePages {
    async fn start() -> Self {
        let server = MockServer::start_async().await;
        let kinds = ["widget", "whatsapp", "api", "test"];
        let records: Vec<Value> = (0..8).map(|i| record(i, kinds[i % 4])).collect();
        let pages: [MockPage<'_>; 5] = [
            (None, &records[0..3], Some("n2"), None),
            (Some("n2"), &records[3..6], Some("n3"), Some("p1")),
            (Some("n3"), &records[6..8], None, Some("p2")),
            (Some("p2"), &records[3..6], Some("n3"), Some("p1")),
            (Some("p1"), &records[0..3], Some("n2"), None),
        ];
        for (cursor, items, next, prev) in pages {
            let body = page_body(items, next, prev);
            server
                .mock_async(|when, then| {
                    let when = when
                        .method(GET)
                        .path("/api/user/conversations")
                        .query_param("per_page", "3")
                        .query_param("type", "widget");
                    let _ = match cursor {
                        Some(cursor) => when.query_param("cursor", cursor),
                        None => when.query_param_missing("cursor"),
                    };
                    then.status(200).json_body(body);
                })
                .await;
        }
        Self { server, records }
    }

    fn request(&self) -> ListConversationsRequest {
        // The filter is re-sent with every page; the mock answers only when it is.
        ListConversationsRequest::new()
            .per_page(3)
            .conversation_type("widget")
    }
}

fn ids(items: &[AutocallsConversation]) -> Vec<String> {
    items
        .iter()
        .map(|c| c.id.clone().unwrap_or_default())
        .collect()
}

fn record_ids(records: &[Value]) -> Vec<String> {
    records
        .iter()
        .map(|r| r["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn native_forward_returns_each_item_once() {
    let fx = ThreePages::start().await;
    let client = client(&fx.server.url("/api"), RetryPolicy::none());
    let items: Vec<AutocallsConversation> = client
        .pages(fx.request())
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(&items), record_ids(&fx.records));
    let raws: Vec<Value> = items.into_iter().map(|c| c.raw.to_value()).collect();
    assert_eq!(raws, fx.records, "raw JSON kept exactly");

    let sizes: Vec<usize> = client
        .pages(fx.request())
        .map_ok(|p| p.items.len())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(sizes, vec![3, 3, 2]);
}

#[tokio::test]
async fn native_forward_resumes_from_a_cursor() {
    let fx = ThreePages::start().await;
    let client = client(&fx.server.url("/api"), RetryPolicy::none());
    let items: Vec<_> = client
        .pages(fx.request().cursor("n2"))
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(&items), record_ids(&fx.records[3..]));
}

#[tokio::test]
async fn native_backward_returns_each_earlier_item_once() {
    let fx = ThreePages::start().await;
    let client = client(&fx.server.url("/api"), RetryPolicy::none());
    let last = client
        .list_conversations(&fx.request().cursor("n3"))
        .await
        .unwrap();
    let prev = last.prev_cursor.clone().unwrap();
    let pages: Vec<Vec<String>> = client
        .pages_backward(fx.request().cursor(prev))
        .map_ok(|p| {
            p.items
                .iter()
                .map(|c| c.id.clone().unwrap_or_default())
                .collect()
        })
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        pages,
        vec![record_ids(&fx.records[3..6]), record_ids(&fx.records[0..3])]
    );
    let all: Vec<String> = pages.into_iter().rev().flatten().collect();
    assert_eq!(all, record_ids(&fx.records[..6]));
}

#[tokio::test]
async fn source_pages_both_ways_with_each_item_once() {
    let fx = ThreePages::start().await;
    let source = AutocallsSource::new(client(&fx.server.url("/api"), RetryPolicy::none()));
    let query = ConversationQuery::new().channel("widget").page_size(3);
    let expected: Vec<_> = fx.records.iter().map(autocalls_api::normalize).collect();

    let all: Vec<_> = source.list(query.clone()).try_collect().await.unwrap();
    assert_eq!(all, expected);

    let backward: Vec<Vec<_>> = source
        .pages_from(query.clone(), Some(Cursor::new("p2")), Direction::Backward)
        .map_ok(|p| p.items)
        .try_collect()
        .await
        .unwrap();
    let earlier: Vec<_> = backward.into_iter().rev().flatten().collect();
    assert_eq!(earlier, expected[..6]);

    let limited: Vec<_> = source.list(query.limit(3)).try_collect().await.unwrap();
    assert_eq!(limited, expected[..3]);
}

#[tokio::test]
async fn a_limit_asks_for_no_more_than_it_still_needs() {
    let fx = ThreePages::start().await;
    // The second page is asked for with per_page=1: the one record the limit still needs.
    let one_more = fx
        .server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/user/conversations")
                .query_param("per_page", "1")
                .query_param("cursor", "n2");
            then.status(200)
                .json_body(page_body(&fx.records[3..4], Some("n2b"), Some("p1")));
        })
        .await;
    let source = AutocallsSource::new(client(&fx.server.url("/api"), RetryPolicy::none()));
    let query = ConversationQuery::new()
        .channel("widget")
        .page_size(3)
        .limit(4);
    let mut items = source.list(query);
    let mut got = Vec::new();
    while let Some(c) = items.try_next().await.unwrap() {
        got.push(c);
    }
    assert_eq!(got.len(), 4);
    one_more.assert_async().await;
    // The saved position resumes right after the fourth record: the server's own cursor.
    let position = items.position().unwrap();
    assert_eq!(position.cursor.as_ref().map(Cursor::as_str), Some("n2b"));
    assert_eq!(position.skip, 0);
}

#[tokio::test]
async fn a_repeated_cursor_stops_with_a_pagination_error() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/user/conversations");
            then.status(200)
                .json_body(page_body(&[record(1, "api")], Some("same"), None));
        })
        .await;
    let client = client(&server.url("/api"), RetryPolicy::none());
    let results: Vec<_> = client
        .pages(ListConversationsRequest::new())
        .items()
        .collect()
        .await;
    assert_eq!(results.len(), 3, "two pages, then the error");
    assert!(matches!(results[2], Err(Error::Pagination { .. })));
}
