//! The Singer spec: SCHEMA, RECORD and STATE messages; the catalog discovery writes and
//! runners hand back (`--catalog`, or the older `--properties`) with the streams and fields
//! they selected; the state file (`--state`: `{"bookmarks": {STREAM: STATE}}`).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::catalog::{CURSOR, Fields, KEY, fields};
use super::protocol::{Protocol, json_string};

/// Singer's spelling of the messages.
pub(crate) struct Singer {
    /// When this run started, as every RECORD's `time_extracted`.
    time_extracted: String,
}

impl Singer {
    /// Records extracted now.
    pub(crate) fn new() -> Self {
        Self {
            time_extracted: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        }
    }
}

impl Protocol for Singer {
    fn stream_start(&self, stream: &str, schema: &Value, out: &mut Vec<u8>) {
        out.extend_from_slice(&schema_message(stream, schema));
    }

    fn log(&self, message: &str, _out: &mut Vec<u8>) {
        crate::ending::note(message);
    }

    fn record_head(&self, stream: &str, out: &mut Vec<u8>) {
        out.extend_from_slice(br#"{"type":"RECORD","stream":"#);
        json_string(stream, out);
        out.extend_from_slice(br#","record":"#);
    }

    fn record_tail(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(br#","time_extracted":""#);
        out.extend_from_slice(self.time_extracted.as_bytes());
        out.extend_from_slice(b"\"}\n");
    }

    fn state(
        &self,
        _stream: &str,
        _state: &Value,
        states: &BTreeMap<String, Value>,
        _records: u64,
        out: &mut Vec<u8>,
    ) {
        let message = json!({"type": "STATE", "value": {"bookmarks": states}});
        let _ = serde_json::to_writer(&mut *out, &message);
        out.push(b'\n');
    }
}

/// A stream's SCHEMA message.
pub(crate) fn schema_message(stream: &str, schema: &Value) -> Vec<u8> {
    let mut line = serde_json::to_vec(&json!({
        "type": "SCHEMA",
        "stream": stream,
        "schema": schema,
        "key_properties": [KEY],
        "bookmark_properties": [CURSOR],
    }))
    .unwrap_or_default();
    line.push(b'\n');
    line
}

/// The catalog discovery writes: one stream per source, every field available, the key
/// and the replication key automatic, every stream selected by default.
pub(crate) fn catalog(streams: &[String], schema: &Value) -> Value {
    let streams: Vec<Value> = streams
        .iter()
        .map(|stream| {
            let mut metadata = vec![json!({
                "breadcrumb": [],
                "metadata": {
                    "inclusion": "available",
                    "selected-by-default": true,
                    "table-key-properties": [KEY],
                    "valid-replication-keys": [CURSOR],
                    "forced-replication-method": "INCREMENTAL",
                },
            })];
            for field in fields(schema) {
                let inclusion = if field == KEY || field == CURSOR {
                    "automatic"
                } else {
                    "available"
                };
                metadata.push(json!({
                    "breadcrumb": ["properties", field],
                    "metadata": {"inclusion": inclusion, "selected-by-default": true},
                }));
            }
            json!({
                "tap_stream_id": stream,
                "stream": stream,
                "schema": schema,
                "key_properties": [KEY],
                "replication_key": CURSOR,
                "replication_method": "INCREMENTAL",
                "metadata": metadata,
            })
        })
        .collect();
    json!({ "streams": streams })
}

/// What a catalog handed back selects: the streams, each with its fields. A stream is
/// selected by its metadata's `selected` (or, in an older `--properties` file, its schema's),
/// else by `selected-by-default`; a field likewise, and the key and replication key always.
/// Streams the catalog does not name are not read.
pub(crate) fn selection(catalog: &Value) -> Result<BTreeMap<String, Fields>, String> {
    let streams = catalog
        .get("streams")
        .and_then(Value::as_array)
        .ok_or("expected an object with a \"streams\" array")?;
    let mut selected = BTreeMap::new();
    for (i, stream) in streams.iter().enumerate() {
        let name = stream
            .get("tap_stream_id")
            .or_else(|| stream.get("stream"))
            .and_then(Value::as_str)
            .ok_or_else(|| format!("streams[{i}]: no tap_stream_id"))?;
        let metadata = stream
            .get("metadata")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let at = |breadcrumb: &[&str]| -> Option<&Map<String, Value>> {
            metadata.iter().find_map(|entry| {
                let crumb = entry.get("breadcrumb")?.as_array()?;
                let same = crumb.len() == breadcrumb.len()
                    && crumb
                        .iter()
                        .zip(breadcrumb)
                        .all(|(a, b)| a.as_str() == Some(b));
                if same {
                    entry.get("metadata")?.as_object()
                } else {
                    None
                }
            })
        };
        let schema = stream.get("schema").cloned().unwrap_or(Value::Null);
        let stream_selected = decide(at(&[]), schema.get("selected"));
        if !stream_selected {
            continue;
        }
        let mut chosen = Vec::new();
        let mut dropped = false;
        let properties = schema
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (field, property) in &properties {
            let metadata = at(&["properties", field]);
            let automatic = metadata
                .and_then(|m| m.get("inclusion"))
                .and_then(Value::as_str)
                == Some("automatic");
            let unsupported = metadata
                .and_then(|m| m.get("inclusion"))
                .and_then(Value::as_str)
                == Some("unsupported");
            if automatic || (!unsupported && decide(metadata, property.get("selected"))) {
                chosen.push(field.clone());
            } else {
                dropped = true;
            }
        }
        let fields = if dropped {
            Fields::only(chosen)
        } else {
            Fields::All
        };
        selected.insert(name.to_owned(), fields);
    }
    Ok(selected)
}

/// Selected by `selected` in the metadata, else by the schema's legacy `selected`, else by
/// `selected-by-default`.
fn decide(metadata: Option<&Map<String, Value>>, legacy: Option<&Value>) -> bool {
    if let Some(selected) = metadata
        .and_then(|m| m.get("selected"))
        .and_then(Value::as_bool)
    {
        return selected;
    }
    if let Some(selected) = legacy.and_then(Value::as_bool) {
        return selected;
    }
    metadata
        .and_then(|m| m.get("selected-by-default"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// The streams' states in a state file: `{"bookmarks": {STREAM: STATE}}` (a runner may wrap
/// it as `{"value": …}` or add keys of its own, which are kept out).
pub(crate) fn states(file: &Value) -> Result<BTreeMap<String, Value>, String> {
    let file = match file.get("value") {
        Some(value) if file.get("bookmarks").is_none() => value,
        _ => file,
    };
    if !file.is_object() {
        return Err("expected a JSON object".to_owned());
    }
    match file.get("bookmarks") {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Object(bookmarks)) => Ok(bookmarks
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()),
        Some(_) => Err("\"bookmarks\" is not an object".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connectors::catalog::record_schema;

    #[test]
    fn discovery_selects_everything_and_selection_reads_it_back() {
        let catalog = catalog(&["autocalls".to_owned()], &record_schema());
        let selected = selection(&catalog).unwrap();
        assert!(selected["autocalls"].all());
    }

    #[test]
    fn deselected_streams_and_fields_are_left_out() {
        let mut catalog = catalog(&["a".to_owned(), "b".to_owned()], &record_schema());
        let streams = catalog["streams"].as_array_mut().unwrap();
        streams[0]["metadata"][0]["metadata"]["selected"] = json!(false);
        for entry in streams[1]["metadata"].as_array_mut().unwrap() {
            if entry["breadcrumb"] != json!([]) {
                entry["metadata"]["selected"] = json!(entry["breadcrumb"][1] == "channel");
            }
        }
        let selected = selection(&catalog).unwrap();
        assert!(!selected.contains_key("a"));
        let Fields::Only(fields) = &selected["b"] else {
            panic!("all fields")
        };
        assert_eq!(
            fields.iter().collect::<Vec<_>>(),
            ["channel", "created_at", "id"]
        );
    }

    #[test]
    fn state_files_are_read_bare_or_wrapped() {
        let bare = json!({"bookmarks": {"a": {"x": 1}}});
        assert_eq!(states(&bare).unwrap()["a"], json!({"x": 1}));
        let wrapped = json!({"value": bare});
        assert_eq!(states(&wrapped).unwrap()["a"], json!({"x": 1}));
        assert!(states(&json!({})).unwrap().is_empty());
        assert!(states(&json!([])).is_err());
    }
}
