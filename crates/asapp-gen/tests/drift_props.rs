//! Property tests: whatever one field of one item holds — or if an item is not even an
//! object — the listing yields every item exactly once, in order, with `raw` byte-identical
//! to what was served and a note naming the field; a strict listing stops right at it.

mod common;

use common::{client, item_example};
use conversations_core::testkit::drift::{ALL_TYPES, FieldSpec, Record};
use conversations_core::{
    Conversation, ConversationQuery, ConversationSource, ConversationSourceExt, Error, JsonType,
};
use futures::StreamExt;
use httpmock::prelude::*;
use proptest::prelude::*;

use JsonType::{Object, String as Text};

/// ASAPP's documented item fields (from its OpenAPI) and the JSON types allowed.
const SPECS: [FieldSpec; 10] = [
    FieldSpec::new("id", &[Text]),
    FieldSpec::new("externalId", &[Text]),
    FieldSpec::new("agent", &[Object]),
    FieldSpec::new("agent.externalId", &[Text]),
    FieldSpec::new("agent.name", &[Text]),
    FieldSpec::new("customer", &[Object]),
    FieldSpec::new("customer.externalId", &[Text]),
    FieldSpec::new("customer.name", &[Text]),
    FieldSpec::new("metadata", &[Object]),
    FieldSpec::new("metadata.queue", &[Text]),
];

#[derive(Debug, Clone)]
enum Mutation {
    Field {
        spec: usize,
        kind: JsonType,
        seed: u64,
    },
    Whole {
        kind: JsonType,
        seed: u64,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (0..SPECS.len(), 0..ALL_TYPES.len(), any::<u64>())
            .prop_map(|(spec, kind, seed)| Mutation::Field { spec, kind: ALL_TYPES[kind], seed }),
        1 => (0..ALL_TYPES.len(), any::<u64>())
            .prop_map(|(kind, seed)| Mutation::Whole { kind: ALL_TYPES[kind], seed }),
    ]
}

/// The spec's own example, then generated items in the order ASAPP's docs list fields.
fn base_records(n: usize) -> Vec<Record> {
    (0..n)
        .map(|i| {
            if i == 0 {
                return Record::from_value(&item_example()).expect("the example is an object");
            }
            Record::from_fields(vec![
                ("id".into(), format!("01JGK{i:05}").into()),
                ("externalId".into(), "id-111".into()),
                ("agent".into(), serde_json::json!({"externalId": format!("agent-{i}"), "name": "Ann \"A\" Lee"})),
                ("customer".into(), serde_json::json!({"externalId": format!("customer-{i}"), "name": "Zoë"})),
                ("metadata".into(), serde_json::json!({"queue": "sales", "subdivision": "central"})),
            ])
        })
        .collect()
}

async fn list(server: &MockServer, strict: bool) -> Vec<Result<Conversation, Error>> {
    let source = client(&server.base_url()).into_source();
    let query = ConversationQuery::new()
        .external_id("id-111")
        .strict(strict);
    source.list(query).collect().await
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_item_arrives_once_with_its_bytes_and_a_note(
        n in 1usize..8,
        target in any::<prop::sample::Index>(),
        mutation in mutation(),
        pretty in any::<bool>(),
    ) {
        let target = target.index(n);
        let mut records = base_records(n);
        let off_spec_path = match &mutation {
            Mutation::Field { spec, kind, seed } => {
                records[target].replace(SPECS[*spec].path, *kind, *seed);
                SPECS[*spec].is_off_spec(*kind).then_some(SPECS[*spec].path)
            }
            Mutation::Whole { kind, seed } => {
                records[target].replace_whole(*kind, *seed);
                Some("")
            }
        };
        let texts: Vec<String> = records.iter().map(|r| r.render(pretty)).collect();
        let body = format!("{{\"items\": [{}]}}", texts.join(",\n"));

        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let server = MockServer::start_async().await;
            server
                .mock_async(|when, then| {
                    when.method(GET).path("/conversation/v1/conversations");
                    then.status(200).header("content-type", "application/json").body(body);
                })
                .await;

            let listed: Vec<Conversation> = list(&server, false)
                .await
                .into_iter()
                .collect::<Result<_, _>>()
                .expect("a tolerant listing never fails on an item");
            prop_assert_eq!(listed.len(), n, "every item, exactly once");
            // A listing normalizes each item only as it hands it out: into exactly what the
            // page normalized whole makes of it.
            let whole = client(&server.base_url())
                .into_source()
                .list_page(&ConversationQuery::new().external_id("id-111"), None)
                .await
                .expect("the page");
            prop_assert_eq!(&whole.items, &listed);
            for (i, (c, text)) in listed.iter().zip(&texts).enumerate() {
                prop_assert_eq!(c.raw.get(), text.as_str(), "raw is the bytes served, item {}", i);
                if i != target {
                    prop_assert!(c.notes.is_empty(), "item {} untouched: {:?}", i, c.notes);
                }
            }
            if let Some(path) = off_spec_path {
                let notes = &listed[target].notes;
                prop_assert!(notes.iter().any(|n| n.path == path), "a note names {:?}: {:?}", path, notes);
            }

            let strict = list(&server, true).await;
            match listed.iter().position(|c| !c.notes.is_empty()) {
                None => prop_assert!(strict.iter().all(Result::is_ok) && strict.len() == n),
                Some(first) => {
                    prop_assert_eq!(strict.len(), first + 1);
                    let is_off_spec = matches!(
                        &strict[first],
                        Err(Error::OffSpec { position, .. }) if *position == first as u64 + 1
                    );
                    prop_assert!(is_off_spec, "{:?}", strict[first]);
                }
            }
            Ok(())
        })?;
    }
}
