//! The vendor page's example response decodes wholly, every field of all three records, and
//! is the same example our OpenAPI document embeds.

mod common;

use autocalls_api::{ConversationType, ConversationsPage, Customer, WhatsappSender};
use chrono::{TimeZone, Utc};
use common::docs_example;
use conversations_core::{Channel, ParticipantRole};
use serde_json::json;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s)
        .single()
        .expect("a valid time")
}

#[test]
fn fixture_is_the_example_embedded_in_our_openapi_document() {
    let spec: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(include_str!("../../../specs/autocalls/openapi.yaml")).unwrap();
    let example = &spec["paths"]["/user/conversations"]["get"]["responses"]["200"]["content"]["application/json"]
        ["example"];
    let example: serde_json::Value = serde_yaml_ng::from_value(example.clone()).unwrap();
    assert_eq!(example, docs_example());
}

#[test]
fn fixture_is_the_vendor_page_example_verbatim() {
    let page = include_str!("../../../specs/autocalls/vendor-page.md");
    let fixture = include_str!("fixtures/docs-example-response.json");
    let indented: String = fixture.lines().map(|l| format!("  {l}\n")).collect();
    assert!(
        page.contains(&indented),
        "the fixture is not the page's example, line for line"
    );
}

#[test]
fn docs_example_decodes_wholly() {
    let body = serde_json::to_vec(&docs_example()).unwrap();
    let page = ConversationsPage::from_slice(&body).unwrap();

    assert_eq!(
        page.path.as_deref(),
        Some("https://app.autocalls.ai/api/user/conversations")
    );
    assert_eq!(page.per_page, Some(15));
    assert_eq!(
        page.next_cursor.as_deref(),
        Some("eyJpZCI6MTAwLCJfcG9pbnRzVG9OZXh0SXRlbXMiOnRydWV9")
    );
    assert_eq!(page.prev_cursor, None);
    assert_eq!(page.request_id, None);
    assert_eq!(page.data.len(), 3);
    assert!(
        page.data.iter().all(|c| c.notes.is_empty()),
        "the docs' own example is on-spec"
    );

    let widget = &page.data[0];
    assert_eq!(
        widget.id.as_deref(),
        Some("7c9e6679-7425-40de-944b-e07fc1f90ae7")
    );
    assert_eq!(
        widget.assistant_id.as_deref(),
        Some("a1b2c3d4-5678-90ab-cdef-1234567890ab")
    );
    assert_eq!(widget.assistant_name.as_deref(), Some("Support Assistant"));
    assert_eq!(widget.conversation_type, Some(ConversationType::Widget));
    assert_eq!(
        widget.variables,
        Some(
            json!({"user_name": "Jane Smith", "plan": "premium"})
                .as_object()
                .unwrap()
                .clone()
                .into_iter()
                .collect()
        )
    );
    assert_eq!(widget.external_identifier, None);
    assert_eq!(widget.message_count, Some(12));
    assert_eq!(widget.total_cost, Some(0.0045));
    assert_eq!(widget.ai_enabled, Some(true));
    assert_eq!(widget.created_at, Some(utc(2025, 1, 25, 14, 30, 0)));
    assert_eq!(widget.updated_at, Some(utc(2025, 1, 25, 14, 45, 22)));
    assert_eq!(widget.whatsapp_sender, None);
    assert_eq!(widget.customer, None);
    assert_eq!(widget.raw, docs_example()["data"][0]);

    let whatsapp = &page.data[1];
    assert_eq!(
        whatsapp.id.as_deref(),
        Some("8d0f7780-8536-51ef-055c-f18fd2g01bf8")
    );
    assert_eq!(
        whatsapp.assistant_id.as_deref(),
        Some("a1b2c3d4-5678-90ab-cdef-1234567890ab")
    );
    assert_eq!(
        whatsapp.assistant_name.as_deref(),
        Some("Support Assistant")
    );
    assert_eq!(whatsapp.conversation_type, Some(ConversationType::Whatsapp));
    assert_eq!(whatsapp.variables, None);
    assert_eq!(whatsapp.external_identifier, None);
    assert_eq!(whatsapp.message_count, Some(8));
    assert_eq!(whatsapp.total_cost, Some(0.0032));
    assert_eq!(whatsapp.ai_enabled, Some(true));
    assert_eq!(whatsapp.created_at, Some(utc(2025, 1, 25, 10, 15, 0)));
    assert_eq!(whatsapp.updated_at, Some(utc(2025, 1, 25, 10, 28, 45)));
    assert_eq!(
        whatsapp.whatsapp_sender,
        Some(
            serde_json::from_value::<WhatsappSender>(
                json!({"name": "Acme Corp Support", "phone": "+14155551234"})
            )
            .unwrap()
        )
    );
    assert_eq!(
        whatsapp.customer,
        Some(
            serde_json::from_value::<Customer>(
                json!({"name": "John Doe", "phone": "+14155559876"})
            )
            .unwrap()
        )
    );
    assert_eq!(whatsapp.raw, docs_example()["data"][1]);

    let api = &page.data[2];
    assert_eq!(
        api.id.as_deref(),
        Some("9e1g8891-9647-62fg-166d-g29ge3h12cg9")
    );
    assert_eq!(
        api.assistant_id.as_deref(),
        Some("a1b2c3d4-5678-90ab-cdef-1234567890ab")
    );
    assert_eq!(api.assistant_name.as_deref(), Some("Support Assistant"));
    assert_eq!(api.conversation_type, Some(ConversationType::Api));
    assert_eq!(
        api.variables,
        Some(
            json!({"lead_id": "12345", "source": "website"})
                .as_object()
                .unwrap()
                .clone()
                .into_iter()
                .collect()
        )
    );
    assert_eq!(api.external_identifier.as_deref(), Some("crm-lead-12345"));
    assert_eq!(api.message_count, Some(5));
    assert_eq!(api.total_cost, Some(0.0021));
    assert_eq!(api.ai_enabled, Some(true));
    assert_eq!(api.created_at, Some(utc(2025, 1, 25, 9, 0, 0)));
    assert_eq!(api.updated_at, Some(utc(2025, 1, 25, 9, 15, 30)));
    assert_eq!(api.whatsapp_sender, None);
    assert_eq!(api.customer, None);
    assert_eq!(api.raw, docs_example()["data"][2]);
}

#[test]
fn docs_example_normalizes() {
    let example = docs_example();
    let items: Vec<_> = example["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(autocalls_api::normalize)
        .collect();

    let widget = &items[0];
    assert_eq!(widget.provider, "autocalls");
    assert_eq!(
        widget.id.as_deref(),
        Some("7c9e6679-7425-40de-944b-e07fc1f90ae7")
    );
    assert_eq!(widget.channel, Some(Channel::Widget));
    let agent = widget.agent.as_ref().unwrap();
    assert_eq!(agent.role, ParticipantRole::AiAssistant);
    assert_eq!(
        agent.id.as_deref(),
        Some("a1b2c3d4-5678-90ab-cdef-1234567890ab")
    );
    assert_eq!(agent.name.as_deref(), Some("Support Assistant"));
    assert_eq!(widget.metadata["plan"], "premium");
    assert_eq!(widget.customer, None);
    assert_eq!(widget.business, None);
    assert_eq!(widget.external_id, None);
    assert_eq!(widget.message_count, Some(12));
    assert_eq!(widget.total_cost, Some(0.0045));
    assert_eq!(widget.ai_enabled, Some(true));
    assert_eq!(widget.created_at, Some(utc(2025, 1, 25, 14, 30, 0)));
    assert_eq!(widget.updated_at, Some(utc(2025, 1, 25, 14, 45, 22)));
    assert_eq!(widget.raw, example["data"][0]);

    let whatsapp = &items[1];
    assert_eq!(whatsapp.channel, Some(Channel::Whatsapp));
    assert!(
        whatsapp.metadata.is_empty(),
        "variables null gives empty metadata"
    );
    let customer = whatsapp.customer.as_ref().unwrap();
    assert_eq!(customer.role, ParticipantRole::Customer);
    assert_eq!(customer.name.as_deref(), Some("John Doe"));
    assert_eq!(customer.phone.as_deref(), Some("+14155559876"));
    let business = whatsapp.business.as_ref().unwrap();
    assert_eq!(business.role, ParticipantRole::Business);
    assert_eq!(business.name.as_deref(), Some("Acme Corp Support"));
    assert_eq!(business.phone.as_deref(), Some("+14155551234"));

    let api = &items[2];
    assert_eq!(api.channel, Some(Channel::Api));
    assert_eq!(api.external_id.as_deref(), Some("crm-lead-12345"));
    assert_eq!(api.metadata["lead_id"], "12345");
}
