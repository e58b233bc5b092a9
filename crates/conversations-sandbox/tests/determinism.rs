//! Same seed and size: byte-identical responses. Different seed: different data.

mod common;

use common::*;
use conversations_sandbox::{Dataset, Sandbox, SandboxConfig};

/// Every Autocalls page (per_page 100) and every ASAPP answer, as raw bytes.
async fn all_bytes(sandbox: &Sandbox) -> Vec<String> {
    let mut bodies = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut query = vec![("per_page", "100".to_owned())];
        if let Some(c) = &cursor {
            query.push(("cursor", c.clone()));
        }
        let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let text = autocalls_get(sandbox, &query)
            .await
            .text()
            .await
            .expect("text");
        let page: serde_json::Value = serde_json::from_str(&text).expect("json");
        // The path holds the (random) port; everything else must be identical.
        bodies.push(text.replace(&sandbox.autocalls_base_url(), "<base>"));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    for external_id in sandbox.dataset().asapp_external_ids() {
        bodies.push(
            asapp_get(sandbox, external_id)
                .await
                .text()
                .await
                .expect("text"),
        );
    }
    bodies
}

#[tokio::test]
async fn same_seed_and_size_serve_identical_bytes() {
    let config = || SandboxConfig::new().dataset_size(600).seed(99);
    let a = sandbox_with(config()).await;
    let b = sandbox_with(config()).await;
    let bytes_a = all_bytes(&a).await;
    assert_eq!(bytes_a, all_bytes(&b).await);
    assert_eq!(a.dataset().asapp(), b.dataset().asapp());
    assert_eq!(a.dataset().autocalls(), b.dataset().autocalls());
    assert_eq!(
        a.dataset().autocalls_assistants(),
        b.dataset().autocalls_assistants()
    );

    let c = sandbox_with(SandboxConfig::new().dataset_size(600).seed(100)).await;
    assert_ne!(a.dataset().autocalls(), c.dataset().autocalls());
    assert_ne!(a.dataset().asapp(), c.dataset().asapp());
}

#[tokio::test]
async fn default_dataset_is_fixed_and_sized() {
    let sandbox = sandbox().await;
    let data = sandbox.dataset();
    assert_eq!(data.asapp().len(), 1000);
    assert_eq!(data.autocalls().len(), 2000);
    assert_eq!(data.seed(), conversations_sandbox::DEFAULT_SEED);
    let again = Dataset::generate(conversations_sandbox::DEFAULT_SEED, 3000);
    assert_eq!(data.autocalls(), again.autocalls());
    assert_eq!(data.asapp(), again.asapp());
}

#[tokio::test]
async fn dataset_values_are_what_is_served() {
    let sandbox = sandbox_with(SandboxConfig::new().dataset_size(300)).await;
    let served = walk_forward(&sandbox, &[], 100).await;
    assert_eq!(served, sandbox.dataset().autocalls());
    let mut asapp = Vec::new();
    for id in sandbox.dataset().asapp_external_ids() {
        let body: serde_json::Value = asapp_get(&sandbox, id).await.json().await.expect("json");
        asapp.extend(body["items"].as_array().expect("items").iter().cloned());
    }
    assert_eq!(asapp, sandbox.dataset().asapp());
}

#[tokio::test]
async fn shutdown_and_drop_release_the_port() {
    let sandbox = sandbox_with(SandboxConfig::new().dataset_size(3)).await;
    let addr = sandbox.addr();
    assert_eq!(autocalls_get(&sandbox, &[]).await.status(), 200);
    sandbox.shutdown().await;
    // The port can be bound again once the server has stopped.
    let again = sandbox_with(SandboxConfig::new().dataset_size(3).addr(addr)).await;
    assert_eq!(again.addr(), addr);
    drop(again);
}
