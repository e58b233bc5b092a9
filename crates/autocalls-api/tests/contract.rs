//! Contract tests: the client is held to our OpenAPI document `specs/autocalls/openapi.yaml`
//! (parsed with `openapiv3`): every query parameter it can send is declared with matching
//! type and bounds, the response fields it decodes are the document's, and the document's
//! example decodes into our response type.

use std::collections::BTreeSet;

use autocalls_api::{
    ConversationType, ConversationsPage, ListConversationsRequest, PER_PAGE_DEFAULT, PER_PAGE_MAX,
    PER_PAGE_MIN,
};
use openapiv3::{
    OpenAPI, Operation, Parameter, ParameterSchemaOrContent, ReferenceOr, Schema, SchemaKind,
    SecurityScheme, StatusCode, Type,
};

const SPEC: &str = include_str!("../../../specs/autocalls/openapi.yaml");

fn spec() -> OpenAPI {
    serde_yaml_ng::from_str(SPEC).expect("openapi.yaml is an OpenAPI 3.0 document")
}

fn operation(spec: &OpenAPI) -> &Operation {
    spec.paths.paths["/user/conversations"]
        .as_item()
        .and_then(|item| item.get.as_ref())
        .expect("GET /user/conversations")
}

/// The query parameters of the operation, by name, with their inline schemas.
fn query_parameters(op: &Operation) -> Vec<(String, Schema)> {
    op.parameters
        .iter()
        .map(|p| match p.as_item().expect("inline parameter") {
            Parameter::Query { parameter_data, .. } => {
                assert!(
                    !parameter_data.required,
                    "{} must be optional",
                    parameter_data.name
                );
                let ParameterSchemaOrContent::Schema(ReferenceOr::Item(schema)) =
                    &parameter_data.format
                else {
                    panic!("{} has no inline schema", parameter_data.name)
                };
                (parameter_data.name.clone(), schema.clone())
            }
            other => panic!("unexpected parameter {other:?}"),
        })
        .collect()
}

fn object_schema<'a>(spec: &'a OpenAPI, name: &str) -> (&'a Schema, &'a openapiv3::ObjectType) {
    let schema = spec.components.as_ref().expect("components").schemas[name]
        .as_item()
        .expect("inline schema");
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(object)) => (schema, object),
        other => panic!("{name} is not an object: {other:?}"),
    }
}

fn property<'a>(object: &'a openapiv3::ObjectType, name: &str) -> Option<&'a Schema> {
    match object.properties.get(name)? {
        ReferenceOr::Item(schema) => Some(schema),
        ReferenceOr::Reference { .. } => None,
    }
}

#[test]
fn says_it_is_ours_not_autocalls() {
    assert!(SPEC.starts_with("# OURS, NOT AUTOCALLS'"));
    let spec = spec();
    assert_eq!(spec.openapi, "3.0.3");
    let description = spec.info.description.as_deref().unwrap_or_default();
    assert!(description.contains("Written by the conversations-rs project"));
    assert!(description.contains("NOT\npublished by Autocalls"));
    assert_eq!(spec.servers[0].url, autocalls_api::DEFAULT_BASE_URL);
}

#[test]
fn operation_id_and_bearer_security() {
    let spec = spec();
    assert_eq!(
        operation(&spec).operation_id.as_deref(),
        Some("listConversations")
    );
    let schemes = &spec.components.as_ref().unwrap().security_schemes;
    match schemes["bearerAuth"].as_item().unwrap() {
        SecurityScheme::HTTP { scheme, .. } => assert_eq!(scheme, "bearer"),
        other => panic!("{other:?}"),
    }
    let security = spec.security.as_ref().unwrap();
    assert!(security[0].contains_key("bearerAuth"));
}

#[test]
fn every_parameter_the_client_sends_is_declared_with_its_bounds() {
    let spec = spec();
    let params = query_parameters(operation(&spec));
    let declared: BTreeSet<&str> = params.iter().map(|(n, _)| n.as_str()).collect();

    let everything = ListConversationsRequest::new()
        .conversation_type(ConversationType::Api)
        .assistant_id(1)
        .customer_phone("+1")
        .whatsapp_sender_phone("+2")
        .external_identifier("x")
        .per_page(5)
        .cursor("c");
    let sent: BTreeSet<&str> = everything.query_pairs().iter().map(|(n, _)| *n).collect();
    assert_eq!(
        sent, declared,
        "the client sends exactly the declared parameters"
    );

    for (name, schema) in &params {
        match (name.as_str(), &schema.schema_kind) {
            ("per_page", SchemaKind::Type(Type::Integer(int))) => {
                assert_eq!(int.minimum, Some(i64::from(PER_PAGE_MIN)));
                assert_eq!(int.maximum, Some(i64::from(PER_PAGE_MAX)));
                assert_eq!(
                    schema.schema_data.default,
                    Some(serde_json::json!(PER_PAGE_DEFAULT))
                );
            }
            ("assistant_id", SchemaKind::Type(Type::Integer(int))) => {
                assert_eq!(int.minimum, Some(0), "u64 on our side");
            }
            ("type", SchemaKind::Type(Type::String(string))) => {
                let allowed: Vec<String> = string.enumeration.iter().flatten().cloned().collect();
                let ours: Vec<String> = ConversationType::KNOWN
                    .iter()
                    .map(|t| t.to_string())
                    .collect();
                assert_eq!(allowed, ours);
            }
            (
                "customer_phone" | "whatsapp_sender_phone" | "external_identifier" | "cursor",
                SchemaKind::Type(Type::String(string)),
            ) => assert!(string.enumeration.is_empty()),
            (name, kind) => panic!("parameter {name} has an unexpected schema {kind:?}"),
        }
    }

    // The bounds the document gives are the bounds the client enforces.
    for (per_page, ok) in [(0, false), (1, true), (100, true), (101, false)] {
        let valid = ListConversationsRequest::new()
            .per_page(per_page)
            .validate()
            .is_ok();
        assert_eq!(valid, ok, "per_page {per_page}");
    }
}

#[test]
fn response_fields_match_the_typed_model() {
    let spec = spec();
    let (_, page) = object_schema(&spec, "ConversationsPage");
    let fields: BTreeSet<&str> = page.properties.keys().map(String::as_str).collect();
    assert_eq!(
        fields,
        BTreeSet::from(["data", "path", "per_page", "next_cursor", "prev_cursor"])
    );
    for cursor in ["next_cursor", "prev_cursor"] {
        assert!(
            property(page, cursor).unwrap().schema_data.nullable,
            "{cursor} is nullable"
        );
    }

    let (_, conversation) = object_schema(&spec, "Conversation");
    let fields: BTreeSet<&str> = conversation.properties.keys().map(String::as_str).collect();
    let ours = BTreeSet::from([
        "id",
        "assistant_id",
        "assistant_name",
        "type",
        "variables",
        "external_identifier",
        "message_count",
        "total_cost",
        "ai_enabled",
        "created_at",
        "updated_at",
        "whatsapp_sender",
        "customer",
    ]);
    assert_eq!(fields, ours);
    assert!(
        property(conversation, "variables")
            .unwrap()
            .schema_data
            .nullable
    );
    let required: BTreeSet<&str> = conversation.required.iter().map(String::as_str).collect();
    for only_sometimes in ["external_identifier", "whatsapp_sender", "customer"] {
        assert!(
            !required.contains(only_sometimes),
            "{only_sometimes} is present only for some types"
        );
    }
    let (_, customer) = object_schema(&spec, "Customer");
    assert!(property(customer, "name").unwrap().schema_data.nullable);
}

#[test]
fn error_responses_are_declared() {
    let spec = spec();
    let responses = &operation(&spec).responses.responses;
    for code in [200, 401, 403, 404, 422, 429] {
        assert!(responses.contains_key(&StatusCode::Code(code)), "{code}");
    }
    assert!(responses.contains_key(&StatusCode::Range(5)), "5XX");
    let (_, validation) = object_schema(&spec, "ValidationError");
    assert!(validation.properties.contains_key("errors"));
    let too_many = responses[&StatusCode::Code(429)].as_item().unwrap();
    assert!(too_many.headers.contains_key("Retry-After"));
}

#[test]
fn the_documents_example_decodes_into_our_response_type() {
    let spec = spec();
    let ok = operation(&spec).responses.responses[&StatusCode::Code(200)]
        .as_item()
        .unwrap();
    let example = ok.content["application/json"]
        .example
        .clone()
        .expect("an example");
    let page = ConversationsPage::from_value(example.clone()).unwrap();
    assert_eq!(page.data.len(), 3);
    let raws: Vec<_> = page.data.iter().map(|c| c.raw.to_value()).collect();
    assert_eq!(serde_json::Value::Array(raws), example["data"]);
    for (i, item) in page.data.iter().enumerate() {
        assert_eq!(
            item.conversation_type.as_ref().unwrap().as_str(),
            example["data"][i]["type"]
        );
        assert!(item.conversation_type.as_ref().unwrap().is_known());
    }
}
