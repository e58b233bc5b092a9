//! What a connector offers: one stream per source, each with the normalized record's JSON
//! Schema (draft-4 compatible: Singer targets such as `target-jsonl` validate every record
//! with a draft-4 validator), `id` as its key and `created_at` as its replication key; and
//! which streams and fields a runner selected.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

/// The field that keys a stream's records.
pub(crate) const KEY: &str = "id";
/// The field incremental runs follow (newest first in every listing).
pub(crate) const CURSOR: &str = "created_at";

/// The normalized record's JSON Schema, draft-4 compatible: every `$ref` inlined, no
/// `$schema`, `definitions`, `const` or `examples`, only standard formats, and each
/// description cut to its first paragraph.
pub(crate) fn record_schema() -> Value {
    let root = schemars::schema_for!(conversations_core::Conversation);
    let mut value = serde_json::to_value(&root).unwrap_or_default();
    let definitions = value
        .as_object_mut()
        .and_then(|o| o.remove("definitions"))
        .unwrap_or_default();
    if let Some(object) = value.as_object_mut() {
        object.remove("$schema");
        object.remove("title");
    }
    draft4(&mut value, &definitions, 0);
    value
}

/// Rewrites `schema` in place into draft 4's vocabulary (see [`record_schema`]).
fn draft4(schema: &mut Value, definitions: &Value, depth: usize) {
    match schema {
        Value::Object(object) => {
            if let Some(Value::String(reference)) = object.get("$ref").cloned()
                && let Some(name) = reference.strip_prefix("#/definitions/")
                && depth < 16
            {
                object.remove("$ref");
                if let Some(Value::Object(target)) = definitions.get(name) {
                    for (key, value) in target {
                        object.entry(key.clone()).or_insert_with(|| value.clone());
                    }
                }
            }
            if let Some(constant) = object.remove("const") {
                object.insert("enum".to_owned(), Value::Array(vec![constant]));
            }
            object.remove("examples");
            if let Some(Value::String(format)) = object.get("format")
                && !matches!(
                    format.as_str(),
                    "date-time" | "email" | "uri" | "ipv4" | "ipv6"
                )
            {
                object.remove("format");
            }
            if let Some(Value::String(text)) = object.get_mut("description")
                && let Some(cut) = text.find("\n\n")
            {
                text.truncate(cut);
            }
            for (key, value) in object.iter_mut() {
                // Property names and the enum's values are data, not schemas.
                if key == "enum" || key == "required" {
                    continue;
                }
                if key == "properties" {
                    if let Value::Object(properties) = value {
                        for property in properties.values_mut() {
                            draft4(property, definitions, depth + 1);
                        }
                    }
                    continue;
                }
                draft4(value, definitions, depth + 1);
            }
        }
        Value::Array(items) => {
            for item in items {
                draft4(item, definitions, depth + 1);
            }
        }
        _ => {}
    }
}

/// The top-level fields of the record schema.
pub(crate) fn fields(schema: &Value) -> Vec<String> {
    schema["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// Which fields of a stream's records a runner asked for; the key and the replication key
/// always go (Singer's `inclusion: automatic`).
#[derive(Debug, Clone, Default)]
pub(crate) enum Fields {
    /// Every field.
    #[default]
    All,
    /// These fields only.
    Only(BTreeSet<String>),
}

impl Fields {
    /// Only `names`, plus the key and the replication key.
    pub(crate) fn only(names: impl IntoIterator<Item = String>) -> Self {
        let mut set: BTreeSet<String> = names.into_iter().collect();
        set.insert(KEY.to_owned());
        set.insert(CURSOR.to_owned());
        Fields::Only(set)
    }

    /// `schema` with only the selected properties.
    pub(crate) fn schema(&self, schema: &Value) -> Value {
        let mut schema = schema.clone();
        if let (Fields::Only(set), Some(Value::Object(properties))) =
            (self, schema.get_mut("properties"))
        {
            properties.retain(|name, _| set.contains(name));
            if let Some(Value::Array(required)) = schema.get_mut("required") {
                required.retain(|name| name.as_str().is_some_and(|n| set.contains(n)));
            }
            // Draft 4 wants at least one name in `required`.
            if schema
                .get("required")
                .and_then(Value::as_array)
                .is_some_and(Vec::is_empty)
                && let Some(object) = schema.as_object_mut()
            {
                object.remove("required");
            }
        }
        schema
    }

    /// Whether every field goes.
    pub(crate) fn all(&self) -> bool {
        matches!(self, Fields::All)
    }

    /// `record` with only the selected fields.
    pub(crate) fn project(&self, record: &mut Map<String, Value>) {
        if let Fields::Only(set) = self {
            record.retain(|name, _| set.contains(name));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(value: &Value, seen: &mut Vec<String>) {
        match value {
            Value::Object(o) => {
                for (k, v) in o {
                    seen.push(k.clone());
                    walk(v, seen);
                }
            }
            Value::Array(a) => a.iter().for_each(|v| walk(v, seen)),
            _ => {}
        }
    }

    #[test]
    fn the_schema_speaks_draft_4_only() {
        let schema = record_schema();
        let mut keys = Vec::new();
        walk(&schema, &mut keys);
        for banned in ["$ref", "$schema", "definitions", "const", "examples"] {
            assert!(
                !keys.iter().any(|k| k == banned),
                "{banned} left in the schema"
            );
        }
        assert_eq!(schema["properties"][CURSOR]["format"], "date-time");
        assert!(schema["properties"]["raw"].is_object());
        assert!(schema["properties"]["notes"]["items"]["properties"]["path"].is_object());
        assert!(
            schema["properties"]["message_count"]
                .get("format")
                .is_none()
        );
    }

    #[test]
    fn field_selection_keeps_the_keys() {
        let fields = Fields::only(["channel".to_owned()]);
        let schema = fields.schema(&record_schema());
        let mut names = fields_of(&schema);
        names.sort();
        assert_eq!(names, ["channel", "created_at", "id"]);
        assert!(
            schema.get("required").is_none(),
            "draft 4: no empty required"
        );
        let mut record = serde_json::json!({"id": "1", "raw": {}, "channel": "api"});
        fields.project(record.as_object_mut().unwrap());
        assert_eq!(record, serde_json::json!({"id": "1", "channel": "api"}));
    }

    fn fields_of(schema: &Value) -> Vec<String> {
        fields(schema)
    }
}
