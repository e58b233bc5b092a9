//! The top-level fields of a served JSON object, edited without touching the others' bytes.
//!
//! Drift and mutations change one or two fields of a record that was serialized once, in the
//! docs' key order. [`Fields`] splits such an object into `(key, raw value)` pairs in document
//! order (the values keep their exact bytes, thanks to `serde_json`'s `RawValue`), lets a field
//! be replaced or inserted, and renders the object back: untouched fields come out
//! byte-identical, and the key order is kept.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// A JSON object as an ordered list of `(key, raw value)` pairs.
#[derive(Debug, Default)]
pub(crate) struct Fields(Vec<(String, Box<RawValue>)>);

impl Fields {
    /// Splits `json`, which must be an object; `None` for anything else.
    pub(crate) fn parse(json: &str) -> Option<Fields> {
        serde_json::from_str(json).ok()
    }

    /// The raw value of `key`, if present.
    pub(crate) fn get(&self, key: &str) -> Option<&RawValue> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_ref())
    }

    /// Replaces `key`'s value where it stands, or inserts it right after the key `after`
    /// (at the end when `after` is absent or `None`).
    pub(crate) fn set(&mut self, key: &str, value: Box<RawValue>, after: Option<&str>) {
        if let Some((_, v)) = self.0.iter_mut().find(|(k, _)| k == key) {
            *v = value;
            return;
        }
        let at = after
            .and_then(|a| self.0.iter().position(|(k, _)| k == a))
            .map_or(self.0.len(), |i| i + 1);
        self.0.insert(at, (key.to_owned(), value));
    }

    /// The object's JSON: `{"key":value,…}` with no whitespace, as `serde_json` writes it.
    pub(crate) fn render(&self) -> String {
        let mut out = String::with_capacity(
            2 + self
                .0
                .iter()
                .map(|(k, v)| k.len() + v.get().len() + 4)
                .sum::<usize>(),
        );
        out.push('{');
        for (i, (key, value)) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&serde_json::to_string(key).unwrap_or_else(|_| String::from("\"\"")));
            out.push(':');
            out.push_str(value.get());
        }
        out.push('}');
        out
    }
}

/// A raw JSON value from text that is known to be valid JSON (`null` if it is not).
pub(crate) fn raw(json: impl Into<String>) -> Box<RawValue> {
    RawValue::from_string(json.into())
        .or_else(|_| RawValue::from_string(String::from("null")))
        .unwrap_or_else(|_| Box::<RawValue>::default())
}

/// A raw JSON string holding `text`.
pub(crate) fn raw_string(text: &str) -> Box<RawValue> {
    raw(serde_json::to_string(text).unwrap_or_else(|_| String::from("\"\"")))
}

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldsVisitor;

        impl<'de> Visitor<'de> for FieldsVisitor {
            type Value = Fields;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
                let mut fields = Vec::new();
                while let Some(entry) = map.next_entry::<String, Box<RawValue>>()? {
                    fields.push(entry);
                }
                Ok(Fields(fields))
            }
        }

        deserializer.deserialize_map(FieldsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_byte_for_byte() {
        let json = r#"{"id":"a\"b","n":0.0045,"v":null,"o":{"z":1,"a":[]},"e":"é"}"#;
        let fields = Fields::parse(json).expect("object");
        assert_eq!(fields.render(), json);
        assert_eq!(fields.get("n").map(RawValue::get), Some("0.0045"));
        assert!(fields.get("missing").is_none());
    }

    #[test]
    fn replaces_in_place_or_inserts_after() {
        let mut fields = Fields::parse(r#"{"a":1,"b":2,"c":3}"#).expect("object");
        fields.set("b", raw("\"x\""), None);
        fields.set("d", raw("null"), Some("a"));
        fields.set("e", raw("[]"), Some("nope"));
        fields.set("f", raw_string("q\""), None);
        assert_eq!(
            fields.render(),
            r#"{"a":1,"d":null,"b":"x","c":3,"e":[],"f":"q\""}"#
        );
    }

    #[test]
    fn only_objects_parse_and_bad_raw_text_becomes_null() {
        for bad in ["[]", "1", "", "{", "null"] {
            assert!(Fields::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(raw("{nope").get(), "null");
    }
}
