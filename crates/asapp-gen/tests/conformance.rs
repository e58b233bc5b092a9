//! The core conformance kit run against `AsappSource` over the workspace sandbox, a local
//! server with ASAPP's semantics (auth headers, `externalId` required, one page).

mod common;

use asapp_gen::{AsappClient, normalize};
use conversations_core::testkit::Conformance;
use conversations_core::{Conversation, ConversationQuery, ConversationSource, Filter};
use conversations_sandbox::{Provider, Sandbox, SandboxConfig};
use futures::TryStreamExt;

#[tokio::test]
async fn asapp_source_passes_the_conformance_kit_against_the_sandbox() {
    let sandbox = Sandbox::start(SandboxConfig::new().dataset_size(90))
        .await
        .expect("the sandbox starts");
    let credentials = sandbox.credentials();
    let source = AsappClient::builder()
        .api_id(credentials.asapp_api_id.clone())
        .api_secret(credentials.asapp_api_secret.clone())
        .base_url(sandbox.asapp_base_url())
        .retry_policy(common::fast_retries(3))
        .build()
        .expect("client builds")
        .into_source();

    let dataset: Vec<Conversation> = sandbox
        .dataset()
        .asapp()
        .iter()
        .map(|item| normalize(item).expect("every sandbox item normalizes"))
        .collect();
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

#[tokio::test]
async fn wrong_credentials_are_unauthorized_by_the_sandbox() {
    let sandbox = Sandbox::start(SandboxConfig::new().dataset_size(10))
        .await
        .expect("the sandbox starts");
    let source = AsappClient::builder()
        .api_id("wrong-id")
        .api_secret("wrong-secret")
        .base_url(sandbox.asapp_base_url())
        .retry_policy(common::fast_retries(3))
        .build()
        .expect("client builds")
        .into_source();
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
