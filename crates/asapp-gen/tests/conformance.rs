//! The core conformance kit run against `AsappSource` over the workspace sandbox, a local
//! server with ASAPP's semantics (auth headers, `externalId` required, one page).

mod common;

use asapp_gen::AsappConversation;
use conversations_core::testkit::Conformance;
use conversations_core::{Conversation, ConversationQuery, ConversationSourceExt, Filter};
use conversations_sandbox::{Provider, Sandbox, SandboxConfig};
use futures::TryStreamExt;

#[tokio::test]
async fn asapp_source_passes_the_conformance_kit_against_the_sandbox() {
    let sandbox = Sandbox::start(SandboxConfig::new().dataset_size(90))
        .await
        .expect("the sandbox starts");
    let credentials = sandbox.credentials();
    let source = common::client_as(
        &credentials.asapp_api_id,
        &credentials.asapp_api_secret,
        &sandbox.asapp_base_url(),
    )
    .into_source();

    let dataset = served(&sandbox).await;
    let count = |id: &str| {
        dataset
            .iter()
            .filter(|c| c.external_id.as_deref() == Some(id))
            .count()
    };
    let ids = sandbox.dataset().asapp_external_ids();
    let shared = *ids
        .iter()
        .find(|id| count(id) >= 2)
        .expect("an externalId with at least two items");
    let single = *ids
        .iter()
        .find(|id| count(id) == 1)
        .expect("an externalId with one item");

    let report = Conformance::new(&source, dataset.clone())
        .base_query(ConversationQuery::new().external_id(shared))
        .filter_value(Filter::ExternalId, shared)
        .filter_value(Filter::ExternalId, single)
        .filter_value(Filter::ExternalId, "no-such-external-id")
        .run()
        .await;
    println!("{report}");
    report.assert_passed();

    // Spot check outside the kit: every item of one id, equal to the sandbox's own.
    let listed: Vec<Conversation> = source
        .list(ConversationQuery::new().external_id(shared))
        .try_collect()
        .await
        .expect("lists");
    assert_eq!(listed.len(), count(shared));
    assert!(listed.iter().all(|c| dataset.contains(c)));
    assert!(sandbox.requests(Provider::Asapp) > 0);
    sandbox.shutdown().await;
}

/// Every item the sandbox serves, normalized from the exact bytes it serves (one raw request
/// per external id), so `raw` can be compared byte for byte.
async fn served(sandbox: &Sandbox) -> Vec<Conversation> {
    #[derive(serde::Deserialize)]
    struct Envelope<'a> {
        #[serde(borrow)]
        items: Vec<&'a serde_json::value::RawValue>,
    }
    let credentials = sandbox.credentials();
    let http = reqwest::Client::new();
    let mut all = Vec::new();
    for id in sandbox.dataset().asapp_external_ids() {
        let body = http
            .get(format!(
                "{}{}",
                sandbox.asapp_base_url(),
                asapp_gen::CONVERSATIONS_PATH
            ))
            .header("asapp-api-id", &credentials.asapp_api_id)
            .header("asapp-api-secret", &credentials.asapp_api_secret)
            .query(&[("externalId", id)])
            .send()
            .await
            .expect("the sandbox answers")
            .text()
            .await
            .expect("a body");
        let envelope: Envelope<'_> = serde_json::from_str(&body).expect("an items envelope");
        all.extend(envelope.items.into_iter().map(|raw| {
            AsappConversation::from(conversations_core::RawJson::from_raw(raw)).into_normalized()
        }));
    }
    all
}

#[tokio::test]
async fn wrong_credentials_are_unauthorized_by_the_sandbox() {
    let sandbox = Sandbox::start(SandboxConfig::new().dataset_size(10))
        .await
        .expect("the sandbox starts");
    let source =
        common::client_as("wrong-id", "wrong-secret", &sandbox.asapp_base_url()).into_source();
    let err = source
        .fetch_page(&ConversationQuery::new().external_id("id-1"), None)
        .await
        .expect_err("401");
    assert!(
        matches!(err, conversations_core::Error::Unauthorized { .. }),
        "{err:?}"
    );
    assert_eq!(err.code(), Some("401-01"));
    assert!(err.request_id().is_some());
    assert_eq!(sandbox.requests(Provider::Asapp), 1, "401 is not retried");
    sandbox.shutdown().await;
}
