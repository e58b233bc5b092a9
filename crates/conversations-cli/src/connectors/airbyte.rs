//! The Airbyte protocol: SPEC (the config's JSON Schema), CONNECTION_STATUS, CATALOG (one
//! stream per source, `full_refresh` and `incremental`, a source-defined cursor and primary
//! key), RECORD, per-stream STATE, LOG and TRACE (errors with a failure type); and what
//! `read` is handed: the configured catalog and the state, with whatever fields a platform
//! adds of its own (PyAirbyte's `global_`, `sourceStats`, `generation_id`, `sync_id`…).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::catalog::{CURSOR, Fields, KEY, fields};
use super::protocol::{Protocol, json_string};

/// Airbyte's spelling of the messages.
pub(crate) struct Airbyte {
    /// When this run started, in milliseconds since the epoch: every RECORD's `emitted_at`.
    emitted_at: i64,
}

impl Airbyte {
    /// Records emitted now.
    pub(crate) fn new() -> Self {
        Self {
            emitted_at: now_millis(),
        }
    }
}

/// Milliseconds since the epoch.
fn now_millis() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Protocol for Airbyte {
    fn log(&self, message: &str, out: &mut Vec<u8>) {
        line(&log("INFO", message), out);
    }

    fn record_head(&self, stream: &str, out: &mut Vec<u8>) {
        out.extend_from_slice(br#"{"type":"RECORD","record":{"stream":"#);
        json_string(stream, out);
        out.extend_from_slice(br#","data":"#);
    }

    fn record_tail(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(br#","emitted_at":"#);
        out.extend_from_slice(self.emitted_at.to_string().as_bytes());
        out.extend_from_slice(b"}}\n");
    }

    fn state(
        &self,
        stream: &str,
        state: &Value,
        _states: &BTreeMap<String, Value>,
        records: u64,
        out: &mut Vec<u8>,
    ) {
        let message = json!({
            "type": "STATE",
            "state": {
                "type": "STREAM",
                "stream": {
                    "stream_descriptor": {"name": stream},
                    "stream_state": state,
                },
                "sourceStats": {"recordCount": records as f64},
            },
        });
        line(&message, out);
    }
}

fn line(message: &Value, out: &mut Vec<u8>) {
    let _ = serde_json::to_writer(&mut *out, message);
    out.push(b'\n');
}

/// A message as one line.
pub(crate) fn message(message: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    line(message, &mut out);
    out
}

/// The SPEC message: the config's keys as a JSON Schema (secrets marked as such).
pub(crate) fn spec() -> Value {
    let text = |description: &str| json!({"type": "string", "description": description});
    let secret = |description: &str| json!({"type": "string", "description": description, "airbyte_secret": true});
    json!({
        "type": "SPEC",
        "spec": {
            "documentationUrl": "https://github.com/conversations-rs/conversations-rs#airbyte",
            "connectionSpecification": {
                "$schema": "http://json-schema.org/draft-07/schema#",
                "title": "Conversations (ASAPP, Autocalls)",
                "type": "object",
                "additionalProperties": true,
                "properties": {
                    "providers": {
                        "type": "array",
                        "description": "Providers to read (default: every one with credentials).",
                        "items": {"type": "string", "enum": ["asapp", "autocalls"]},
                    },
                    "accounts": {
                        "type": "array",
                        "description": "Accounts of the conversations config file, a stream each.",
                        "items": {"type": "string"},
                    },
                    "autocalls_api_key": secret("Autocalls API key."),
                    "asapp_api_id": text("ASAPP API id."),
                    "asapp_api_secret": secret("ASAPP API secret."),
                    "asapp_base_url": text("ASAPP base URL."),
                    "autocalls_base_url": text("Autocalls base URL."),
                    "filters": {
                        "type": "object",
                        "description": "Listing filters by their CLI names.",
                        "properties": {
                            "external-id": {"type": "string"},
                            "type": {"type": "string"},
                            "assistant-id": {"type": "integer", "minimum": 0},
                            "customer-phone": {"type": "string"},
                            "whatsapp-sender-phone": {"type": "string"},
                        },
                    },
                    "lookback": {
                        "type": "string",
                        "description": "How far before the last run's newest record an incremental run looks (e.g. 3d, 12h).",
                        "default": "3d",
                    },
                    "page_size": {"type": "integer", "minimum": 1, "description": "Records per request, for providers that page."},
                    "external_ids": {
                        "type": "array",
                        "items": {"type": "string"},
                        "description": "ASAPP external ids to look up.",
                    },
                    "external_ids_file": text("A file of ASAPP external ids, one a line."),
                    "sandbox": {"type": "boolean", "description": "Read from a built-in sandbox with demo data.", "default": false},
                },
            },
        },
    })
}

/// The CATALOG message: one stream per source.
pub(crate) fn catalog(streams: &[String], schema: &Value) -> Value {
    let streams: Vec<Value> = streams
        .iter()
        .map(|stream| {
            json!({
                "name": stream,
                "json_schema": schema,
                "supported_sync_modes": ["full_refresh", "incremental"],
                "source_defined_cursor": true,
                "default_cursor_field": [CURSOR],
                "source_defined_primary_key": [[KEY]],
                "is_resumable": true,
            })
        })
        .collect();
    json!({"type": "CATALOG", "catalog": {"streams": streams}})
}

/// A CONNECTION_STATUS message.
pub(crate) fn status(error: Option<&str>) -> Value {
    match error {
        None => json!({"type": "CONNECTION_STATUS", "connectionStatus": {"status": "SUCCEEDED"}}),
        Some(message) => json!({
            "type": "CONNECTION_STATUS",
            "connectionStatus": {"status": "FAILED", "message": message},
        }),
    }
}

/// A LOG message.
pub(crate) fn log(level: &str, message: &str) -> Value {
    json!({"type": "LOG", "log": {"level": level, "message": message}})
}

/// What an error was, in Airbyte's words.
#[derive(Debug, Clone, Copy)]
pub(crate) enum FailureType {
    /// The config is wrong (credentials, keys): fix it, don't retry.
    Config,
    /// A retry may succeed (the network, the provider's outage, a rate limit).
    Transient,
    /// Anything else.
    System,
}

/// A TRACE message of type ERROR.
pub(crate) fn error(message: &str, failure: FailureType) -> Value {
    let failure_type = match failure {
        FailureType::Config => "config_error",
        FailureType::Transient => "transient_error",
        FailureType::System => "system_error",
    };
    json!({
        "type": "TRACE",
        "trace": {
            "type": "ERROR",
            "emitted_at": now_millis() as f64,
            "error": {"message": message, "failure_type": failure_type},
        },
    })
}

/// One stream of a configured catalog.
#[derive(Debug, Clone)]
pub(crate) struct Configured {
    /// Walk everything (`full_refresh`) instead of what is new.
    pub(crate) full_refresh: bool,
    /// The fields to emit.
    pub(crate) fields: Fields,
}

/// The streams a configured catalog selects, with their sync modes and fields.
pub(crate) fn configured(
    catalog: &Value,
    schema: &Value,
) -> Result<BTreeMap<String, Configured>, String> {
    let streams = catalog
        .get("streams")
        .and_then(Value::as_array)
        .ok_or("expected an object with a \"streams\" array")?;
    let all = fields(schema);
    let mut selected = BTreeMap::new();
    for (i, entry) in streams.iter().enumerate() {
        let stream = entry.get("stream").unwrap_or(&Value::Null);
        let name = stream
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("streams[{i}]: no stream name"))?;
        let full_refresh = match entry.get("sync_mode").and_then(Value::as_str) {
            Some("full_refresh") => true,
            Some("incremental") | None => false,
            Some(other) => {
                return Err(format!(
                    "streams[{i}]: unknown sync_mode {} (full_refresh or incremental)",
                    conversations_core::quote(other)
                ));
            }
        };
        let given: Vec<String> = stream
            .get("json_schema")
            .map(super::catalog::fields)
            .unwrap_or_default();
        let fields = if given.is_empty() || all.iter().all(|f| given.contains(f)) {
            Fields::All
        } else {
            Fields::only(given)
        };
        selected.insert(
            name.to_owned(),
            Configured {
                full_refresh,
                fields,
            },
        );
    }
    Ok(selected)
}

/// The streams' states in a state file: a list of state messages (per-stream, or a global
/// one's stream states; the `data` of a legacy one), or one such message; fields of a
/// platform's own are ignored.
pub(crate) fn states(file: &Value) -> Result<BTreeMap<String, Value>, String> {
    let mut states = BTreeMap::new();
    let messages: Vec<&Value> = match file {
        Value::Array(items) => items.iter().collect(),
        Value::Object(_) => vec![file],
        Value::Null => Vec::new(),
        _ => return Err("expected a list of state messages".to_owned()),
    };
    for message in messages {
        // A whole AirbyteMessage ({"type": "STATE", "state": …}) or its state.
        let message = match message.get("state") {
            Some(inner) if message.get("type").and_then(Value::as_str) == Some("STATE") => inner,
            _ => message,
        };
        let mut take = |stream: &Value| {
            if let Some(name) = stream
                .get("stream_descriptor")
                .and_then(|d| d.get("name"))
                .and_then(Value::as_str)
                && let Some(state) = stream.get("stream_state").filter(|s| !s.is_null())
            {
                states.insert(name.to_owned(), state.clone());
            }
        };
        if let Some(stream) = message.get("stream") {
            take(stream);
        }
        for global in [message.get("global"), message.get("global_")]
            .into_iter()
            .flatten()
        {
            if let Some(Value::Array(streams)) = global.get("stream_states") {
                streams.iter().for_each(&mut take);
            }
        }
        if let Some(Value::Object(data)) = message.get("data") {
            for (name, state) in data {
                states.entry(name.clone()).or_insert_with(|| state.clone());
            }
        }
    }
    Ok(states)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connectors::catalog::record_schema;

    #[test]
    fn pyairbyte_state_with_its_own_fields_is_read() {
        let file = json!([{
            "type": "STREAM",
            "stream": {"stream_descriptor": {"name": "autocalls", "namespace": null}, "stream_state": {"x": 1}},
            "global_": null,
            "data": null,
            "sourceStats": {"recordCount": 3.0},
            "destinationStats": null,
        }]);
        assert_eq!(states(&file).unwrap()["autocalls"], json!({"x": 1}));
        assert!(states(&json!([])).unwrap().is_empty());
        assert!(states(&json!("x")).is_err());
    }

    #[test]
    fn configured_catalogs_give_modes_and_fields() {
        let schema = record_schema();
        let catalog = json!({"streams": [
            {"stream": {"name": "a", "json_schema": schema}, "sync_mode": "full_refresh",
             "destination_sync_mode": "overwrite", "generation_id": 1, "sync_id": 2},
            {"stream": {"name": "b", "json_schema": {"properties": {"channel": {}}}}, "sync_mode": "incremental"},
        ]});
        let selected = configured(&catalog, &schema).unwrap();
        assert!(selected["a"].full_refresh && selected["a"].fields.all());
        assert!(!selected["b"].full_refresh && !selected["b"].fields.all());
        let bad = json!({"streams": [{"stream": {"name": "a"}, "sync_mode": "sometimes"}]});
        assert!(configured(&bad, &schema).unwrap_err().contains("sync_mode"));
    }
}
