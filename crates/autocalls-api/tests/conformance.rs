//! The core conformance kit against `AutocallsSource` over the sandbox, plus retries and
//! normalization checked against the sandbox's own data.

mod common;

use autocalls_api::{
    AutocallsClient, AutocallsConversation, AutocallsSource, ListConversationsRequest,
};
use common::fast_retries;
use conversations_core::testkit::Conformance;
use conversations_core::{
    Conversation, ConversationQuery, ConversationSource, ConversationSourceExt, Error, Filter,
};
use conversations_sandbox::{Fault, Provider, RetryAfter, Sandbox, SandboxConfig};
use futures::TryStreamExt;

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig::new().dataset_size(120))
        .await
        .expect("the sandbox starts")
}

fn client_for(sandbox: &Sandbox) -> AutocallsClient {
    AutocallsClient::builder()
        .api_key(sandbox.credentials().autocalls_api_key.clone())
        .base_url(sandbox.autocalls_base_url())
        .options(conversations_transport::ClientOptions::new().retry_policy(fast_retries()))
        .build()
        .expect("the client builds")
}

/// Every record the sandbox serves, in order, normalized from the exact bytes served (walked
/// with plain HTTP, not with the client under test), so `raw` is compared byte for byte.
async fn expected(sandbox: &Sandbox) -> Vec<Conversation> {
    #[derive(serde::Deserialize)]
    struct Envelope<'a> {
        #[serde(borrow)]
        data: Vec<&'a serde_json::value::RawValue>,
        next_cursor: Option<String>,
    }
    let http = reqwest::Client::new();
    let url = format!("{}/user/conversations", sandbox.autocalls_base_url());
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut request = http
            .get(&url)
            .bearer_auth(&sandbox.credentials().autocalls_api_key)
            .query(&[("per_page", "100")]);
        if let Some(cursor) = &cursor {
            request = request.query(&[("cursor", cursor)]);
        }
        let response = request.send().await.expect("the sandbox answers");
        let body = response.text().await.expect("a body");
        let page: Envelope<'_> = serde_json::from_str(&body).expect("a data envelope");
        all.extend(
            page.data
                .into_iter()
                .map(|raw| AutocallsConversation::from_raw(raw).into_normalized()),
        );
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return all,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autocalls_source_passes_the_conformance_kit() {
    let sandbox = sandbox().await;
    let source = AutocallsSource::new(client_for(&sandbox));
    let dataset = expected(&sandbox).await;
    assert!(dataset.len() > 15, "more than one default page");

    let mut run = Conformance::new(&source, dataset.clone());
    let mut by_assistant = 0;
    for assistant in sandbox.dataset().autocalls_assistants() {
        let matching: Vec<Conversation> = dataset
            .iter()
            .filter(|c| {
                c.agent.as_ref().and_then(|a| a.id.as_deref()) == Some(assistant.uuid.as_str())
            })
            .cloned()
            .collect();
        by_assistant += matching.len();
        run = run.filter_case(Filter::AgentId, assistant.id.to_string(), matching);
    }
    assert_eq!(
        by_assistant,
        dataset.len(),
        "every record belongs to a listed assistant"
    );
    let report = run.run().await;
    println!("{report}");
    report.assert_passed();
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn native_and_normalized_listings_agree_with_the_dataset() {
    let sandbox = sandbox().await;
    let client = client_for(&sandbox);
    let served = sandbox.dataset().autocalls().to_vec();

    let native: Vec<_> = client
        .pages(ListConversationsRequest::new().per_page(7))
        .items()
        .try_collect()
        .await
        .unwrap();
    let raws: Vec<_> = native.iter().map(|c| c.raw.clone()).collect();
    assert_eq!(raws, served);

    let source = AutocallsSource::new(client);
    let all: Vec<_> = source
        .list(ConversationQuery::new().page_size(100))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all, expected(&sandbox).await);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_are_retried_and_counted() {
    let sandbox = sandbox().await;
    let source = AutocallsSource::new(client_for(&sandbox));
    sandbox.faults().inject(
        Provider::Autocalls,
        Fault::RateLimited {
            retry_after: RetryAfter::Seconds(0),
        },
        1,
    );
    let before = sandbox.requests(Provider::Autocalls);
    let page = source
        .fetch_page(&ConversationQuery::new(), None)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 15, "the documented default page size");
    assert_eq!(
        sandbox.requests(Provider::Autocalls) - before,
        2,
        "one 429, one retry"
    );

    // list_page retries the same way, in the one transport: one 429, one retry.
    sandbox.faults().inject(
        Provider::Autocalls,
        Fault::RateLimited {
            retry_after: RetryAfter::Seconds(0),
        },
        1,
    );
    let before = sandbox.requests(Provider::Autocalls);
    let retried = source.list_page(&ConversationQuery::new(), None).await;
    assert!(retried.is_ok(), "retried in the transport");
    assert_eq!(sandbox.requests(Provider::Autocalls) - before, 2);

    // Invalid queries never reach the sandbox.
    let before = sandbox.requests(Provider::Autocalls);
    for query in [
        ConversationQuery::new().page_size(0),
        ConversationQuery::new().page_size(101),
        ConversationQuery::new().agent_id("a1b2c3d4-5678-90ab-cdef-1234567890ab"),
        ConversationQuery::new().channel("voice"),
    ] {
        assert!(matches!(
            source.fetch_page(&query, None).await,
            Err(Error::InvalidQuery { .. })
        ));
    }
    assert_eq!(sandbox.requests(Provider::Autocalls), before);

    // A wrong key is a typed 401.
    let wrong = AutocallsClient::builder()
        .api_key("wrong-key")
        .base_url(sandbox.autocalls_base_url())
        .build()
        .unwrap();
    let err = wrong
        .list_conversations(&ListConversationsRequest::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err}");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_filters_reach_the_sandbox_intact() {
    let sandbox = sandbox().await;
    let source = AutocallsSource::new(client_for(&sandbox));
    let dataset = expected(&sandbox).await;
    let phone = dataset
        .iter()
        .find_map(|c| c.customer.as_ref().and_then(|p| p.phone.clone()))
        .expect("a WhatsApp conversation");
    assert!(phone.starts_with('+'));
    let got: Vec<_> = source
        .list(ConversationQuery::new().customer_phone(phone.clone()))
        .try_collect()
        .await
        .unwrap();
    let want: Vec<_> = dataset
        .iter()
        .filter(|c| c.customer.as_ref().and_then(|p| p.phone.as_deref()) == Some(phone.as_str()))
        .cloned()
        .collect();
    assert!(!want.is_empty());
    assert_eq!(got, want);
    sandbox.shutdown().await;
}
