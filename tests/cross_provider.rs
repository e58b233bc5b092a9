//! Both providers side by side over one sandbox, through the public APIs only: as trait
//! objects, federated, with one failing, and both passing the conformance kit.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::sync::Arc;

use asapp_gen::AsappClient;
use autocalls_api::{AutocallsClient, AutocallsSource};
use conversations_core::{
    ConversationQuery, ConversationSource, ConversationSourceExt, Error, Federation, Filter,
};
use conversations_sandbox::{Fault, Provider, Sandbox, SandboxConfig};
use conversations_transport::RetryPolicy;
use futures::{StreamExt, TryStreamExt};

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .initial_delay(std::time::Duration::ZERO)
        .jitter(false)
}

fn sources(sandbox: &Sandbox) -> (Arc<dyn ConversationSource>, Arc<dyn ConversationSource>) {
    let demo = sandbox.credentials();
    let asapp = AsappClient::builder()
        .api_id(demo.asapp_api_id.clone())
        .api_secret(demo.asapp_api_secret.clone())
        .base_url(sandbox.asapp_base_url())
        .options(conversations_transport::ClientOptions::new().retry_policy(fast_retries()))
        .build()
        .unwrap()
        .into_source();
    let autocalls = AutocallsClient::builder()
        .api_key(demo.autocalls_api_key.clone())
        .base_url(sandbox.autocalls_base_url())
        .options(conversations_transport::ClientOptions::new().retry_policy(fast_retries()))
        .build()
        .unwrap();
    (Arc::new(asapp), Arc::new(AutocallsSource::new(autocalls)))
}

/// An external id both providers hold conversations for.
fn shared_external_id(sandbox: &Sandbox) -> String {
    let leads: HashSet<&str> = sandbox
        .dataset()
        .autocalls()
        .iter()
        .filter_map(|c| c["external_identifier"].as_str())
        .collect();
    sandbox
        .dataset()
        .asapp_external_ids()
        .into_iter()
        .find(|id| leads.contains(id))
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn capabilities_differ_and_are_enforced_per_provider() {
    let sandbox = Sandbox::start(SandboxConfig::new().dataset_size(300))
        .await
        .unwrap();
    let (asapp, autocalls) = sources(&sandbox);
    assert!(asapp.capabilities().is_required(Filter::ExternalId));
    assert!(asapp.capabilities().page_size().is_none());
    assert!(autocalls.capabilities().pages_backward());
    for filter in Filter::ALL {
        assert!(autocalls.capabilities().is_supported(filter), "{filter}");
    }
    // The same query is fine for one and refused by the other, before any request.
    let query = ConversationQuery::new().channel("whatsapp");
    assert!(autocalls.fetch_page(&query, None).await.is_ok());
    let err = asapp.fetch_page(&query, None).await.unwrap_err();
    assert!(matches!(err, Error::InvalidQuery { .. }), "{err}");
    assert_eq!(sandbox.requests(Provider::Asapp), 0);
}

#[tokio::test]
async fn federation_lists_both_exactly_once_tagged() {
    let sandbox = Sandbox::start(SandboxConfig::new().dataset_size(600))
        .await
        .unwrap();
    let (asapp, autocalls) = sources(&sandbox);
    let id = shared_external_id(&sandbox);
    let query = ConversationQuery::new().external_id(id.clone());
    let items: Vec<_> = Federation::new()
        .source(asapp, query.clone())
        .source(autocalls, query.page_size(1))
        .list()
        .collect()
        .await;
    let want_asapp = sandbox
        .dataset()
        .asapp()
        .iter()
        .filter(|c| c["externalId"] == id.as_str())
        .count();
    let want_autocalls = sandbox
        .dataset()
        .autocalls()
        .iter()
        .filter(|c| c["external_identifier"] == id.as_str())
        .count();
    assert!(want_asapp >= 1 && want_autocalls >= 1);
    let mut seen = HashSet::new();
    for item in &items {
        let c = item.result.as_ref().unwrap();
        assert_eq!(c.provider.as_ref(), &*item.source);
        assert_eq!(c.external_id.as_deref(), Some(id.as_str()));
        assert!(
            seen.insert((c.provider.clone(), c.id.clone())),
            "duplicate {c:?}"
        );
    }
    let count = |p: &str| items.iter().filter(|i| &*i.source == p).count();
    assert_eq!(count("asapp"), want_asapp);
    assert_eq!(count("autocalls"), want_autocalls);
}

#[tokio::test]
async fn a_failing_provider_reports_while_the_other_goes_on() {
    let sandbox = Sandbox::start(SandboxConfig::new().dataset_size(300))
        .await
        .unwrap();
    sandbox.faults().always(Provider::Asapp, Fault::Unavailable);
    let (asapp, autocalls) = sources(&sandbox);
    let items: Vec<_> = Federation::new()
        .source(asapp, ConversationQuery::new().external_id("ext-000101"))
        .source(autocalls, ConversationQuery::new().limit(40))
        .list()
        .collect()
        .await;
    let errors: Vec<_> = items.iter().filter(|i| i.result.is_err()).collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(&*errors[0].source, "asapp");
    let err = errors[0].result.as_ref().unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert!(err.request_id().is_some());
    // Retried under the policy (4 attempts), then reported.
    assert_eq!(sandbox.requests(Provider::Asapp), 4);
    assert_eq!(items.iter().filter(|i| i.result.is_ok()).count(), 40);
}

#[tokio::test]
async fn both_sources_pass_the_conformance_kit_as_trait_objects() {
    use conversations_core::testkit::Conformance;
    let sandbox = Sandbox::start(SandboxConfig::new().dataset_size(90))
        .await
        .unwrap();
    let (asapp, autocalls) = sources(&sandbox);
    // The data as served (exact bytes), read through the native clients.
    let demo = sandbox.credentials();
    let native_asapp = AsappClient::builder()
        .api_id(demo.asapp_api_id.clone())
        .api_secret(demo.asapp_api_secret.clone())
        .base_url(sandbox.asapp_base_url())
        .build()
        .unwrap();
    let mut asapp_data = Vec::new();
    for id in sandbox.dataset().asapp_external_ids() {
        let listed = native_asapp.list_conversations(id).await.unwrap();
        asapp_data.extend(listed.into_iter().map(|c| c.into_normalized()));
    }
    assert_eq!(asapp_data.len(), sandbox.dataset().asapp().len());
    Conformance::new(asapp.as_ref(), asapp_data)
        .run()
        .await
        .assert_passed();
    let autocalls_data: Vec<_> = AutocallsClient::builder()
        .api_key(demo.autocalls_api_key.clone())
        .base_url(sandbox.autocalls_base_url())
        .build()
        .unwrap()
        .pages(autocalls_api::ListConversationsRequest::new().per_page(100))
        .items()
        .map_ok(|c| c.into_normalized())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(autocalls_data.len(), sandbox.dataset().autocalls().len());
    let mut kit = Conformance::new(autocalls.as_ref(), autocalls_data.clone());
    for assistant in sandbox.dataset().autocalls_assistants() {
        let expected = autocalls_data
            .iter()
            .filter(|c| c.agent.as_ref().and_then(|a| a.id.as_deref()) == Some(&assistant.uuid))
            .cloned()
            .collect();
        kit = kit.filter_case(Filter::AgentId, assistant.id.to_string(), expected);
    }
    kit.run().await.assert_passed();
}

#[tokio::test]
async fn a_listing_resumes_from_a_saved_cursor_in_a_new_client() {
    let sandbox = Sandbox::start(SandboxConfig::new().dataset_size(150))
        .await
        .unwrap();
    let (_, autocalls) = sources(&sandbox);
    let query = ConversationQuery::new().page_size(9);
    let first = autocalls.fetch_page(&query, None).await.unwrap();
    let saved = serde_json::to_string(&(query.clone(), first.next.clone())).unwrap();

    // Later, elsewhere: a fresh client picks up where the first left off.
    let (_, fresh) = sources(&sandbox);
    let (query, cursor): (ConversationQuery, Option<conversations_core::Cursor>) =
        serde_json::from_str(&saved).unwrap();
    let rest: Vec<_> = fresh
        .pages_from(query, cursor, conversations_core::Direction::Forward)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        first.items.len() + rest.len(),
        sandbox.dataset().autocalls().len()
    );
}
