//! Drift mode: every third record off its documented types, the same ones for the same seed,
//! everything else (other records, ids, order, filters, cursors) exactly as without drift.

mod common;

use common::*;
use conversations_sandbox::{Dataset, DriftedRecord, SandboxConfig};
use serde_json::{Value, json};

const AUTOCALLS_ROTATION: [&str; 7] = [
    "assistant_id",
    "variables",
    "total_cost",
    "message_count",
    "customer",
    "ai_enabled",
    "new_field",
];

/// `value` without `key` (top level).
fn without(value: &Value, key: &str) -> Value {
    let mut v = value.clone();
    if let Some(map) = v.as_object_mut() {
        map.remove(key);
    }
    v
}

fn number_text(v: &Value) -> Option<f64> {
    v.as_str().and_then(|s| s.parse().ok())
}

#[tokio::test]
async fn autocalls_every_third_record_drifts_as_documented() {
    let config = || SandboxConfig::new().dataset_size(900).seed(9);
    let plain = sandbox_with(config()).await;
    let drifting = sandbox_with(config().drift(true)).await;
    let before = walk_forward(&plain, &[], 100).await;
    let after = walk_forward(&drifting, &[], 100).await;
    assert_eq!(
        after,
        drifting.dataset().autocalls(),
        "the data set is what is served"
    );
    assert_eq!(before.len(), after.len());

    let drifted: Vec<DriftedRecord<'_>> = drifting.dataset().drifted_autocalls().collect();
    assert_eq!(drifted.len(), after.len() / 3);
    let assistants = drifting.dataset().autocalls_assistants();
    for (i, (old, new)) in before.iter().zip(&after).enumerate() {
        assert_eq!(old["id"], new["id"]);
        assert_eq!(old["created_at"], new["created_at"]);
        let Some(d) = drifted.iter().find(|d| d.index == i) else {
            assert_eq!(old, new, "record {i} does not drift");
            continue;
        };
        assert_eq!(i % 3, 2);
        assert_eq!(new["id"], d.id);
        let slot = AUTOCALLS_ROTATION[(i / 3) % 7];
        let whatsapp = old["type"] == "whatsapp";
        let expected = if slot == "customer" && whatsapp {
            "ai_enabled"
        } else {
            slot
        };
        assert_eq!(d.field, expected, "record {i}");
        match d.field {
            "assistant_id" => {
                let owner = assistants
                    .iter()
                    .find(|a| old["assistant_id"] == a.uuid.as_str())
                    .expect("owner");
                assert_eq!(new["assistant_id"], owner.id);
            }
            "variables" => assert_eq!(new["variables"], json!([])),
            "total_cost" => {
                assert_eq!(number_text(&new["total_cost"]), old["total_cost"].as_f64());
            }
            "message_count" => assert_eq!(
                number_text(&new["message_count"]),
                old["message_count"].as_f64()
            ),
            "customer" => {
                assert!(old.get("customer").is_none());
                assert_eq!(new.get("customer"), Some(&Value::Null));
            }
            "ai_enabled" => assert_eq!(new["ai_enabled"], Value::Null),
            "new_field" => {
                assert!(old.get("new_field").is_none());
                assert_eq!(
                    new["new_field"],
                    json!({"kind": "unannounced", "version": 2})
                );
            }
            other => panic!("undocumented drift field {other}"),
        }
        assert_eq!(without(old, d.field), without(new, d.field), "record {i}");
    }
    // Every documented field drifts somewhere.
    for field in AUTOCALLS_ROTATION {
        assert!(drifted.iter().any(|d| d.field == field), "{field}");
    }
}

#[tokio::test]
async fn filters_and_cursors_are_unaffected_by_drift() {
    let config = || SandboxConfig::new().dataset_size(900).seed(4);
    let plain = sandbox_with(config()).await;
    let drifting = sandbox_with(config().drift(true)).await;
    let assistant = plain.dataset().autocalls_assistants()[0].id.to_string();
    let ids = |items: Vec<Value>| -> Vec<Value> { items.iter().map(|c| c["id"].clone()).collect() };
    for filters in [
        vec![("type", "whatsapp")],
        vec![("type", "widget")],
        vec![("assistant_id", assistant.as_str())],
        vec![("customer_phone", "+14155559876")],
        vec![("whatsapp_sender_phone", "+14155551234")],
    ] {
        assert_eq!(
            ids(walk_forward(&plain, &filters, 13).await),
            ids(walk_forward(&drifting, &filters, 13).await),
            "{filters:?}"
        );
    }
    let page = |s| autocalls_page(s, &[("per_page", "7")]);
    assert_eq!(
        page(&plain).await["next_cursor"],
        page(&drifting).await["next_cursor"]
    );
}

#[tokio::test]
async fn asapp_every_third_item_drifts_as_documented() {
    let config = || SandboxConfig::new().dataset_size(600).seed(9);
    let plain = sandbox_with(config()).await;
    let drifting = sandbox_with(config().drift(true)).await;
    let mut before = Vec::new();
    let mut after = Vec::new();
    for id in plain.dataset().asapp_external_ids() {
        let get = |s| async move {
            let body: Value = asapp_get(s, id).await.json().await.expect("json");
            body["items"].as_array().cloned().unwrap_or_default()
        };
        before.extend(get(&plain).await);
        after.extend(get(&drifting).await);
    }
    assert_eq!(after, drifting.dataset().asapp());
    let drifted: Vec<DriftedRecord<'_>> = drifting.dataset().drifted_asapp().collect();
    assert_eq!(drifted.len(), after.len() / 3);
    for (i, (old, new)) in before.iter().zip(&after).enumerate() {
        assert_eq!(old["id"], new["id"]);
        assert_eq!(old["externalId"], new["externalId"]);
        let Some(d) = drifted.iter().find(|d| d.index == i) else {
            assert_eq!(old, new, "item {i}");
            continue;
        };
        assert_eq!(new["id"], d.id);
        let slot = ["metadata", "agent", "metadata.priority", "new_field"][(i / 3) % 4];
        assert_eq!(d.field, slot, "item {i}");
        match d.field {
            "metadata" => assert_eq!(new.get("metadata"), Some(&Value::Null)),
            "agent" => assert_eq!(new.get("agent"), Some(&Value::Null)),
            "metadata.priority" => {
                assert_eq!(new["metadata"]["priority"], 2);
                let mut rest = new["metadata"].clone();
                rest.as_object_mut().map(|m| m.remove("priority"));
                let old_metadata = old.get("metadata").cloned().unwrap_or_else(|| json!({}));
                assert_eq!(rest, old_metadata);
            }
            "new_field" => assert_eq!(
                new["new_field"],
                json!({"kind": "unannounced", "version": 2})
            ),
            other => panic!("undocumented drift field {other}"),
        }
        let top = d.field.split('.').next().unwrap_or_default();
        assert_eq!(without(old, top), without(new, top), "item {i}");
    }
}

#[test]
fn same_seed_same_drift_and_off_by_default() {
    let a = Dataset::generate_drifted(77, 300);
    let b = Dataset::generate_drifted(77, 300);
    assert_eq!(a.autocalls(), b.autocalls());
    assert_eq!(a.asapp(), b.asapp());
    assert_eq!(
        a.drifted_autocalls().collect::<Vec<_>>(),
        b.drifted_autocalls().collect::<Vec<_>>()
    );
    let plain = Dataset::generate(77, 300);
    assert!(!plain.drifts());
    assert_eq!(plain.drifted_autocalls().count(), 0);
    assert_eq!(plain.drifted_asapp().count(), 0);
}
