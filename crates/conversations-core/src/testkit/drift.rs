//! Drift: records the way real servers send them rather than the way their docs promise —
//! one field replaced by a value of another JSON type, or the whole record by a non-object —
//! written out byte for byte the way a server might (key order kept, pretty or compact), so a
//! provider's tests can check that its listing keeps every record, exactly once, with `raw`
//! byte-identical to what was served and a note naming the field.
//!
//! The pieces are plain functions so any property-testing library can drive them: pick a
//! [`FieldSpec`] of the provider's documented fields, a [`JsonType`], and a seed.
//!
//! ```
//! use conversations_core::JsonType;
//! use conversations_core::testkit::drift::{FieldSpec, Record};
//!
//! let specs = [FieldSpec::new("id", &[JsonType::String]), FieldSpec::new("customer.name", &[JsonType::String, JsonType::Null])];
//! let mut record = Record::from_fields(vec![
//!     ("id".into(), "c-1".into()),
//!     ("customer".into(), serde_json::json!({"name": "Jane"})),
//! ]);
//! let replaced = record.replace("customer.name", JsonType::Number, 0);
//! assert!(replaced);
//! assert!(specs[1].is_off_spec(JsonType::Number));
//! assert_eq!(record.render(false), r#"{"id":"c-1","customer":{"name":102}}"#);
//! ```

use serde_json::{Map, Value, json};

use crate::note::JsonType;

/// One documented field: its dotted path and the JSON types its documentation allows
/// (`Null` among them when it is nullable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// Dotted path from the record's top, e.g. `customer.phone`.
    pub path: &'static str,
    /// The JSON types the documentation allows.
    pub documented: &'static [JsonType],
}

impl FieldSpec {
    /// A field at `path` documented as one of `documented`.
    pub const fn new(path: &'static str, documented: &'static [JsonType]) -> Self {
        Self { path, documented }
    }

    /// Whether a value of type `kind` is off this field's documented types (so decoding
    /// must write a note naming it).
    pub fn is_off_spec(&self, kind: JsonType) -> bool {
        !self.documented.contains(&kind)
    }
}

/// Every JSON type, for strategies to pick from.
pub const ALL_TYPES: [JsonType; 6] = [
    JsonType::Null,
    JsonType::Boolean,
    JsonType::Number,
    JsonType::String,
    JsonType::Array,
    JsonType::Object,
];

/// A sample value of `kind`; `seed` varies it (numbers fractional or negative, strings with
/// escapes and non-ASCII, arrays empty or not, objects empty or not).
///
/// ```
/// use conversations_core::{JsonType, testkit::drift::sample};
/// for seed in 0..8 {
///     assert_eq!(JsonType::of(&serde_json::value::to_raw_value(&sample(JsonType::Array, seed)).unwrap()), JsonType::Array);
/// }
/// ```
pub fn sample(kind: JsonType, seed: u64) -> Value {
    let pick = seed % 4;
    match kind {
        JsonType::Null => Value::Null,
        JsonType::Boolean => Value::Bool(pick.is_multiple_of(2)),
        JsonType::Number => [json!(102), json!(-1), json!(1.5), json!(0)][pick as usize].clone(),
        JsonType::String => {
            [json!("12"), json!("x\"\\\n"), json!("é中"), json!("")][pick as usize].clone()
        }
        JsonType::Array => {
            [json!([]), json!([1, "a"]), json!([[]]), json!([null])][pick as usize].clone()
        }
        _ => [
            json!({}),
            json!({"k": 1}),
            json!({"a": {"b": []}}),
            json!({"": null}),
        ][pick as usize]
            .clone(),
    }
}

/// A record as a server writes it: top-level fields in the order given (nested objects in
/// `serde_json`'s order), or any other JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// An object with its fields in order.
    Object(Vec<(String, Value)>),
    /// A record that is not an object at all.
    Other(Value),
}

impl Record {
    /// The record `value`, keeping its (sorted) field order; `None` if it is not an object.
    pub fn from_value(value: &Value) -> Option<Self> {
        value
            .as_object()
            .map(|m| Record::Object(m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()))
    }

    /// A record from fields in the order given.
    pub fn from_fields(fields: Vec<(String, Value)>) -> Self {
        Record::Object(fields)
    }

    /// Replaces the value at dotted `path` with a sample of `kind` (see [`sample`]);
    /// intermediate objects are created when missing. Returns whether the record is an
    /// object (only objects have fields).
    pub fn replace(&mut self, path: &str, kind: JsonType, seed: u64) -> bool {
        let Record::Object(fields) = self else {
            return false;
        };
        let value = sample(kind, seed);
        let (head, rest) = match path.split_once('.') {
            Some((head, rest)) => (head, Some(rest)),
            None => (path, None),
        };
        let slot = match fields.iter_mut().find(|(k, _)| k == head) {
            Some((_, v)) => v,
            None => {
                fields.push((head.to_owned(), Value::Null));
                let last = fields.len() - 1;
                &mut fields[last].1
            }
        };
        match rest {
            None => *slot = value,
            Some(rest) => set_nested(slot, rest, value),
        }
        true
    }

    /// Replaces the whole record by a non-object sample of `kind` (`Object` gives an array).
    pub fn replace_whole(&mut self, kind: JsonType, seed: u64) {
        let kind = if kind == JsonType::Object {
            JsonType::Array
        } else {
            kind
        };
        *self = Record::Other(sample(kind, seed));
    }

    /// The record's JSON text: compact, or pretty (two-space indents, as many servers write).
    pub fn render(&self, pretty: bool) -> String {
        let to_text = |v: &Value| {
            if pretty {
                serde_json::to_string_pretty(v).unwrap_or_default()
            } else {
                v.to_string()
            }
        };
        match self {
            Record::Other(value) => to_text(value),
            Record::Object(fields) => {
                let parts: Vec<String> = fields
                    .iter()
                    .map(|(k, v)| {
                        format!(
                            "{}:{}{}",
                            Value::String(k.clone()),
                            if pretty { " " } else { "" },
                            to_text(v)
                        )
                    })
                    .collect();
                if pretty {
                    format!("{{\n  {}\n}}", parts.join(",\n  "))
                } else {
                    format!("{{{}}}", parts.join(","))
                }
            }
        }
    }
}

fn set_nested(slot: &mut Value, path: &str, value: Value) {
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    let (head, rest) = match path.split_once('.') {
        Some((head, rest)) => (head, Some(rest)),
        None => (path, None),
    };
    if let Value::Object(map) = slot {
        let entry = map.entry(head.to_owned()).or_insert(Value::Null);
        match rest {
            None => *entry = value,
            Some(rest) => set_nested(entry, rest, value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_kept_and_pretty_text_is_valid_json() {
        let record = Record::from_fields(vec![
            ("b".into(), json!(1)),
            ("a".into(), json!({"y": [1], "x": "é"})),
        ]);
        assert_eq!(record.render(false), r#"{"b":1,"a":{"x":"é","y":[1]}}"#);
        let pretty = record.render(true);
        assert!(pretty.contains('\n'));
        let parsed: Value = serde_json::from_str(&pretty).unwrap();
        assert_eq!(parsed, json!({"b": 1, "a": {"x": "é", "y": [1]}}));
    }

    #[test]
    fn replacing_creates_what_is_missing() {
        let mut record = Record::from_fields(vec![("c".into(), json!(null))]);
        record.replace("c.d", JsonType::String, 0);
        record.replace("e", JsonType::Boolean, 0);
        assert_eq!(record.render(false), r#"{"c":{"d":"12"},"e":true}"#);
        record.replace_whole(JsonType::Object, 1);
        assert_eq!(record.render(false), r#"[1,"a"]"#);
    }
}
