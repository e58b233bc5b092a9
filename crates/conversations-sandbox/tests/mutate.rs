//! Changing a running sandbox: conversations added on top of the listing, existing ones
//! updated, ASAPP metadata revised; cursors issued before keep working.

mod common;

use std::collections::BTreeSet;

use common::*;
use conversations_sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn raw_page(sandbox: &Sandbox, query: &[(&str, &str)]) -> String {
    let response = autocalls_get(sandbox, query).await;
    assert_eq!(response.status(), 200);
    response.text().await.expect("text")
}

#[tokio::test]
async fn added_conversations_top_the_listing_and_old_cursors_still_work() {
    let sandbox = sandbox_with(SandboxConfig::new().dataset_size(300)).await;
    let first = autocalls_page(&sandbox, &[("per_page", "10")]).await;
    let next = first["next_cursor"].as_str().expect("next").to_owned();
    let second_before = raw_page(&sandbox, &[("per_page", "10"), ("cursor", &next)]).await;

    let added = sandbox.mutate().add_autocalls(5);
    assert_eq!(added.len(), 5);

    // A cursor issued before the change designates the same page, byte for byte.
    let second_after = raw_page(&sandbox, &[("per_page", "10"), ("cursor", &next)]).await;
    assert_eq!(second_after, second_before);

    // The new conversations come first, the last added on top, then the old first page.
    let top = autocalls_page(&sandbox, &[("per_page", "15")]).await;
    let top_ids = ids(top["data"].as_array().expect("data"));
    let mut newest_first = added.clone();
    newest_first.reverse();
    assert_eq!(top_ids[..5], newest_first[..]);
    assert_eq!(
        top_ids[5..],
        ids(first["data"].as_array().expect("data"))[..]
    );
    let newest_created = top["data"][0]["created_at"].as_str().expect("created_at");
    let old_newest = first["data"][0]["created_at"].as_str().expect("created_at");
    assert!(newest_created > old_newest);

    // Walking back from the old second page reaches the new conversations: every item once.
    let snapshot = sandbox.snapshot();
    let mut page: Value = serde_json::from_str(&second_before).expect("json");
    let mut seen: Vec<String> = Vec::new();
    while let Some(prev) = page["prev_cursor"].as_str().map(str::to_owned) {
        page = autocalls_page(&sandbox, &[("per_page", "10"), ("cursor", &prev)]).await;
        let mut chunk = ids(page["data"].as_array().expect("data"));
        chunk.extend(seen);
        seen = chunk;
    }
    assert_eq!(seen, ids(&snapshot.autocalls()[..15]));

    // A full walk is the snapshot; the data set the sandbox started with is unchanged.
    assert_eq!(walk_forward(&sandbox, &[], 100).await, snapshot.autocalls());
    assert_eq!(snapshot.autocalls().len(), 205);
    assert_eq!(sandbox.dataset().autocalls().len(), 200);

    // The new conversations answer to their filters.
    let newest = &snapshot.autocalls()[0];
    let kind = newest["type"].as_str().expect("type");
    let filtered = autocalls_page(&sandbox, &[("type", kind), ("per_page", "1")]).await;
    assert_eq!(filtered["data"][0]["id"], newest["id"]);
    if let Some(lead) = snapshot.autocalls()[..5]
        .iter()
        .find_map(|c| c["external_identifier"].as_str())
    {
        let by_lead = autocalls_page(&sandbox, &[("external_identifier", lead)]).await;
        assert!(
            by_lead["data"]
                .as_array()
                .is_some_and(|d| d.iter().any(|c| c["external_identifier"] == lead))
        );
    }
}

#[tokio::test]
async fn touched_conversations_change_in_place() {
    let sandbox = sandbox_with(SandboxConfig::new().dataset_size(300)).await;
    let first = autocalls_page(&sandbox, &[("per_page", "10")]).await;
    let next = first["next_cursor"].as_str().expect("next").to_owned();
    let before = autocalls_page(&sandbox, &[("per_page", "10"), ("cursor", &next)]).await;
    let target = before["data"][3].clone();
    let id = target["id"].as_str().expect("id");

    assert!(sandbox.mutate().touch_autocalls(id));
    assert!(
        !sandbox
            .mutate()
            .touch_autocalls("00000000-0000-4000-8000-000000000000")
    );

    let after = autocalls_page(&sandbox, &[("per_page", "10"), ("cursor", &next)]).await;
    assert_eq!(
        ids(after["data"].as_array().expect("data")),
        ids(before["data"].as_array().expect("data"))
    );
    let touched = &after["data"][3];
    assert_eq!(touched["id"], target["id"]);
    assert_eq!(touched["created_at"], target["created_at"]);
    assert!(touched["updated_at"].as_str() > target["updated_at"].as_str());
    assert!(touched["message_count"].as_u64() > target["message_count"].as_u64());
    assert!(touched["total_cost"].as_f64() > target["total_cost"].as_f64());
    for other in [0, 1, 2, 4, 5] {
        assert_eq!(after["data"][other], before["data"][other]);
    }
    // Touched again: later again.
    assert!(sandbox.mutate().touch_autocalls(id));
    let again = autocalls_page(&sandbox, &[("per_page", "10"), ("cursor", &next)]).await;
    assert!(again["data"][3]["updated_at"].as_str() > touched["updated_at"].as_str());
    // Touching adds nothing and duplicates nothing.
    let all: BTreeSet<String> = ids(sandbox.snapshot().autocalls()).into_iter().collect();
    assert_eq!(all.len(), 200);
}

#[tokio::test]
async fn asapp_metadata_revisions_are_served() {
    let sandbox = sandbox_with(SandboxConfig::new().dataset_size(300)).await;
    let external_id = sandbox.dataset().asapp_external_ids()[0].to_owned();
    let items = |body: Value| body["items"].as_array().cloned().unwrap_or_default();
    let before = items(
        asapp_get(&sandbox, &external_id)
            .await
            .json()
            .await
            .expect("json"),
    );
    let changed = sandbox.mutate().touch_asapp(&external_id);
    assert_eq!(changed, before.len());
    assert_eq!(sandbox.mutate().touch_asapp("ext-does-not-exist"), 0);
    let after = items(
        asapp_get(&sandbox, &external_id)
            .await
            .json()
            .await
            .expect("json"),
    );
    for (old, new) in before.iter().zip(&after) {
        assert_eq!(new["metadata"]["revision"], "1");
        assert_eq!(old["id"], new["id"]);
        if let Some(old_metadata) = old.get("metadata").and_then(Value::as_object) {
            for (k, v) in old_metadata {
                assert_eq!(&new["metadata"][k], v);
            }
        }
    }
    assert_eq!(sandbox.snapshot().asapp()[..after.len()], after[..]);
}

#[tokio::test]
async fn the_same_changes_give_the_same_bytes_and_drift_like_generation() {
    let start = || sandbox_with(SandboxConfig::new().dataset_size(90).seed(5).drift(true));
    let (a, b) = (start().await, start().await);
    for s in [&a, &b] {
        let ids = s.mutate().add_autocalls(6);
        assert!(s.mutate().touch_autocalls(&ids[0]));
        let old = s.dataset().autocalls()[10]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(s.mutate().touch_autocalls(&old));
    }
    assert_eq!(a.snapshot().autocalls(), b.snapshot().autocalls());
    assert_eq!(
        raw_page(&a, &[("per_page", "20")])
            .await
            .replace(&a.autocalls_base_url(), ""),
        raw_page(&b, &[("per_page", "20")])
            .await
            .replace(&b.autocalls_base_url(), "")
    );
    // The 3rd and 6th added drift (slots 0 and 1), like generated records.
    let snapshot = a.snapshot();
    let added_drift: Vec<(usize, &str)> = snapshot
        .drifted_autocalls()
        .filter(|d| d.index < 6)
        .map(|d| (d.index, d.field))
        .collect();
    // Served newest first: the 6th added is at 0, the 3rd at 3.
    assert_eq!(added_drift, [(0, "variables"), (3, "assistant_id")]);
    assert_eq!(snapshot.autocalls()[0]["variables"], serde_json::json!([]));
    assert!(snapshot.autocalls()[3]["assistant_id"].is_u64());
}
