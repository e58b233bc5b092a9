//! Property tests: whatever one field of one record holds — or if a record is not even an
//! object — the listing yields every record exactly once, in order, with `raw` byte-identical
//! to what was served and a note naming the field; a strict listing stops right at it.

mod common;

use autocalls_api::AutocallsSource;
use common::{client, docs_example, record};
use conversations_core::testkit::drift::{ALL_TYPES, FieldSpec, Record};
use conversations_core::{
    Conversation, ConversationQuery, ConversationSource, ConversationSourceExt, Error, JsonType,
};
use conversations_transport::RetryPolicy;
use futures::StreamExt;
use httpmock::prelude::*;
use proptest::prelude::*;

use JsonType::{Boolean, Null, Number, Object, String as Text};

/// Autocalls' documented fields and the JSON types its docs allow.
const SPECS: [FieldSpec; 17] = [
    FieldSpec::new("id", &[Text]),
    FieldSpec::new("assistant_id", &[Text]),
    FieldSpec::new("assistant_name", &[Text]),
    FieldSpec::new("type", &[Text]),
    FieldSpec::new("variables", &[Object, Null]),
    FieldSpec::new("external_identifier", &[Text]),
    FieldSpec::new("message_count", &[Number]),
    FieldSpec::new("total_cost", &[Number]),
    FieldSpec::new("ai_enabled", &[Boolean]),
    FieldSpec::new("created_at", &[Text]),
    FieldSpec::new("updated_at", &[Text]),
    FieldSpec::new("whatsapp_sender", &[Object]),
    FieldSpec::new("whatsapp_sender.name", &[Text]),
    FieldSpec::new("whatsapp_sender.phone", &[Text]),
    FieldSpec::new("customer", &[Object]),
    FieldSpec::new("customer.name", &[Text, Null]),
    FieldSpec::new("customer.phone", &[Text]),
];

/// What to do to the chosen record.
#[derive(Debug, Clone)]
enum Mutation {
    /// Replace one documented field by a value of another JSON type.
    Field {
        spec: usize,
        kind: JsonType,
        seed: u64,
    },
    /// Replace the whole record by a non-object.
    Whole { kind: JsonType, seed: u64 },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (0..SPECS.len(), 0..ALL_TYPES.len(), any::<u64>())
            .prop_map(|(spec, kind, seed)| Mutation::Field { spec, kind: ALL_TYPES[kind], seed }),
        1 => (0..ALL_TYPES.len(), any::<u64>())
            .prop_map(|(kind, seed)| Mutation::Whole { kind: ALL_TYPES[kind], seed }),
    ]
}

/// The valid records a case starts from: the vendor's own examples and generated ones.
fn base_records(n: usize) -> Vec<Record> {
    let examples = docs_example()["data"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let kinds = ["widget", "whatsapp", "api", "test"];
    (0..n)
        .map(|i| {
            let value = match examples.get(i) {
                Some(example) => example.clone(),
                None => record(i, kinds[i % kinds.len()]),
            };
            Record::from_value(&value).expect("records are objects")
        })
        .collect()
}

/// Serves `texts` in pages of `size` with cursors `c1`, `c2`, …; returns the server.
async fn serve(texts: &[String], size: usize) -> MockServer {
    let server = MockServer::start_async().await;
    let pages: Vec<&[String]> = texts.chunks(size).collect();
    for (i, page) in pages.iter().enumerate() {
        let next = if i + 1 < pages.len() {
            format!("\"c{}\"", i + 1)
        } else {
            "null".to_owned()
        };
        let body = format!(
            r#"{{"data":[{}],"path":"x","per_page":{size},"next_cursor":{next},"prev_cursor":null}}"#,
            page.join(",")
        );
        server
            .mock_async(|when, then| {
                let when = when.method(GET).path("/api/user/conversations");
                if i == 0 {
                    when.query_param_missing("cursor");
                } else {
                    when.query_param("cursor", format!("c{i}"));
                }
                then.status(200)
                    .header("content-type", "application/json")
                    .body(body);
            })
            .await;
    }
    server
}

async fn list(server: &MockServer, size: usize, strict: bool) -> Vec<Result<Conversation, Error>> {
    let source = AutocallsSource::new(client(&server.url("/api"), RetryPolicy::none()));
    let query = ConversationQuery::new()
        .page_size(size as u32)
        .strict(strict);
    source.list(query).collect().await
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_record_arrives_once_with_its_bytes_and_a_note(
        n in 1usize..10,
        size in 1usize..5,
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

        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let server = serve(&texts, size).await;

            let listed: Vec<Conversation> = list(&server, size, false)
                .await
                .into_iter()
                .collect::<Result<_, _>>()
                .expect("a tolerant listing never fails on a record");
            prop_assert_eq!(listed.len(), n, "every record, exactly once");
            // A listing decodes each record only as it hands it out: into exactly what a
            // page decoded whole makes of it.
            let source = AutocallsSource::new(client(&server.url("/api"), RetryPolicy::none()));
            let whole = source
                .list_page(&ConversationQuery::new().page_size(size as u32), None)
                .await
                .expect("the first page");
            prop_assert_eq!(&whole.items[..], &listed[..whole.items.len()]);
            for (i, (c, text)) in listed.iter().zip(&texts).enumerate() {
                prop_assert_eq!(c.raw.get(), text.as_str(), "raw is the bytes served, record {}", i);
                prop_assert_eq!(c.provider.as_ref(), "autocalls");
                if i != target {
                    prop_assert!(c.notes.is_empty(), "record {} untouched: {:?}", i, c.notes);
                }
            }
            let notes = &listed[target].notes;
            if let Some(path) = off_spec_path {
                prop_assert!(
                    notes.iter().any(|note| note.path == path),
                    "a note names {:?}: {:?}", path, notes
                );
            }
            for note in notes {
                // A note never carries a value.
                prop_assert!(!texts[target].contains(&note.to_string()) || note.to_string().len() < 3);
            }

            // Strict: the records before the first noted one, then an error naming it.
            let strict = list(&server, size, true).await;
            match listed.iter().position(|c| !c.notes.is_empty()) {
                None => prop_assert!(strict.iter().all(Result::is_ok) && strict.len() == n),
                Some(first) => {
                    prop_assert_eq!(strict.len(), first + 1);
                    prop_assert!(strict[..first].iter().all(Result::is_ok));
                    match &strict[first] {
                        Err(Error::OffSpec { position, note, .. }) => {
                            prop_assert_eq!(*position, first as u64 + 1);
                            prop_assert_eq!(&**note, &listed[first].notes[0]);
                        }
                        other => prop_assert!(false, "expected OffSpec, got {:?}", other),
                    }
                }
            }
            Ok(())
        })?;
    }

    /// Any bytes at all: the page decoder answers with a page or an error, never a panic, and
    /// its errors never quote the body.
    #[test]
    fn the_page_decoder_never_panics(body in prop::collection::vec(any::<u8>(), 0..300)) {
        if let Err(err) = autocalls_api::ConversationsPage::from_slice(&body) {
            let quoted = matches!(err, Error::Decode { snippet: Some(_), .. });
            prop_assert!(!quoted, "a 2xx body is never quoted: {:?}", err);
        }
    }

    /// Bytes that are JSON of any shape.
    #[test]
    fn any_json_decodes_without_panic(value in arbitrary_json()) {
        let body = serde_json::json!({ "data": [value.clone()], "next_cursor": null }).to_string();
        let page = autocalls_api::ConversationsPage::from_slice(body.as_bytes()).expect("a data list");
        prop_assert_eq!(page.data.len(), 1);
        let c = autocalls_api::AutocallsConversation::from_value(&value);
        prop_assert_eq!(c.raw.get(), value.to_string());
    }
}

fn arbitrary_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| serde_json::json!(f)),
        ".{0,12}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("id".to_owned()),
                    Just("customer".to_owned()),
                    Just("variables".to_owned()),
                    Just("total_cost".to_owned()),
                    Just("created_at".to_owned()),
                    ".{0,6}".prop_map(|s| s)
                ],
                inner,
                0..6
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A page past `ENCODED_BODY_MIN`, its records off the spec in every way the drift kit knows:
/// a listing decodes it record by record, each into exactly what the page decoded whole makes
/// of it.
#[test]
fn a_large_page_decodes_record_by_record_as_a_whole_page_would() {
    let n = 2_000;
    let mut records = base_records(n);
    for (i, record) in records.iter_mut().enumerate() {
        let spec = &SPECS[i % SPECS.len()];
        let kind = ALL_TYPES[i % ALL_TYPES.len()];
        if i % 7 == 3 {
            record.replace_whole(kind, i as u64);
        } else {
            record.replace(spec.path, kind, i as u64);
        }
    }
    let texts: Vec<String> = records
        .iter()
        .enumerate()
        .map(|(i, r)| r.render(i % 2 == 0))
        .collect();
    assert!(texts.iter().map(String::len).sum::<usize>() > conversations_core::ENCODED_BODY_MIN);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        // One page of all of them, whatever per_page asks.
        let server = serve(&texts, n).await;
        let listed: Vec<Conversation> = list(&server, 100, false)
            .await
            .into_iter()
            .collect::<Result<_, _>>()
            .expect("a tolerant listing never fails on a record");
        let source = AutocallsSource::new(client(&server.url("/api"), RetryPolicy::none()));
        let whole = source
            .list_page(&ConversationQuery::new().page_size(100), None)
            .await
            .expect("the page");
        assert_eq!(listed.len(), n);
        assert_eq!(whole.items, listed);
        for (c, text) in listed.iter().zip(&texts) {
            assert_eq!(c.raw.get(), text.as_str());
        }
    });
}
