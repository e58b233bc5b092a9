//! [`RawJson`]: one record exactly as a provider sent it — the bytes, not a parsed tree.
//!
//! Key order, duplicate keys and number spellings (`1.50`, `1e3`, integers past 2⁵³) all
//! survive, and serializing a [`RawJson`] writes the bytes back verbatim.

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// A JSON value kept as the exact text it was received as.
///
/// Equality compares the text. Build one from received text with [`RawJson::from_raw`] (or
/// [`RawJson::parse`] for a `&str` that still has to be checked), or from a
/// [`serde_json::Value`] (which serializes it: convenient in tests, but not "as received").
///
/// ```
/// use conversations_core::RawJson;
///
/// let raw = RawJson::parse(r#"{"b":1,"a":2,"a":3,"n":1.50}"#).unwrap();
/// assert_eq!(raw.get(), r#"{"b":1,"a":2,"a":3,"n":1.50}"#);
/// // Written back verbatim, inside any other JSON.
/// assert_eq!(serde_json::to_string(&vec![&raw]).unwrap(), r#"[{"b":1,"a":2,"a":3,"n":1.50}]"#);
/// // A parsed view when one is wanted.
/// assert_eq!(raw.to_value()["a"], 3);
/// assert!(RawJson::parse("{").is_err());
/// ```
#[derive(Clone)]
pub struct RawJson(Box<RawValue>);

impl RawJson {
    /// Wraps text already known to be one JSON value (for example a `&RawValue` borrowed
    /// from a page body).
    ///
    /// ```
    /// let body = r#"{"items":[{"id":1}]}"#;
    /// let page: std::collections::HashMap<&str, Vec<&serde_json::value::RawValue>> =
    ///     serde_json::from_str(body).unwrap();
    /// let raw = conversations_core::RawJson::from_raw(page["items"][0]);
    /// assert_eq!(raw.get(), r#"{"id":1}"#);
    /// ```
    pub fn from_raw(raw: &RawValue) -> Self {
        Self(raw.to_owned())
    }

    /// Checks that `text` is one JSON value and keeps it as it is.
    ///
    /// ```
    /// assert!(conversations_core::RawJson::parse(" [1, 2] ").is_ok());
    /// assert!(conversations_core::RawJson::parse("[1,").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Self, serde_json::Error> {
        RawValue::from_string(text.trim().to_owned()).map(Self)
    }

    /// The JSON text, exactly as received.
    ///
    /// ```
    /// assert_eq!(conversations_core::RawJson::from(serde_json::json!([1])).get(), "[1]");
    /// ```
    pub fn get(&self) -> &str {
        self.0.get()
    }

    /// A parsed copy (duplicate keys collapse, numbers become `serde_json` numbers).
    ///
    /// ```
    /// let raw = conversations_core::RawJson::parse(r#"{"id":"c-1"}"#).unwrap();
    /// assert_eq!(raw.to_value(), serde_json::json!({"id": "c-1"}));
    /// ```
    pub fn to_value(&self) -> serde_json::Value {
        // A RawValue is valid JSON, so this cannot fail; Null stands in if it ever did.
        serde_json::from_str(self.0.get()).unwrap_or(serde_json::Value::Null)
    }

    /// The underlying [`RawValue`].
    ///
    /// ```
    /// let raw = conversations_core::RawJson::parse("true").unwrap();
    /// assert_eq!(raw.as_raw_value().get(), "true");
    /// ```
    pub fn as_raw_value(&self) -> &RawValue {
        &self.0
    }

    /// The same value without insignificant whitespace (outside strings), everything else as
    /// received: key order, duplicate keys, number spellings and string escapes. Borrowed
    /// when there was none to take out, as with any record a provider sent compact.
    ///
    /// ```
    /// use conversations_core::RawJson;
    ///
    /// let pretty = RawJson::parse("{\n  \"a\": 1.50,\n  \"a\": \"x y\\\" \"\n}").unwrap();
    /// assert_eq!(pretty.compact().get(), r#"{"a":1.50,"a":"x y\" "}"#);
    /// // Already compact: the same text, not a copy.
    /// let compact = RawJson::parse(r#"{"n":1e3}"#).unwrap();
    /// assert!(matches!(compact.compact(), std::borrow::Cow::Borrowed(_)));
    /// ```
    pub fn compact(&self) -> Cow<'_, RawJson> {
        match compact(self.get()) {
            Cow::Borrowed(_) => Cow::Borrowed(self),
            // Taking whitespace out of valid JSON leaves valid JSON; were that ever not so,
            // the value as received stands in.
            Cow::Owned(text) => Cow::Owned(
                RawValue::from_string(text)
                    .map(Self)
                    .unwrap_or_else(|_| self.clone()),
            ),
        }
    }

    /// The JSON type of the value.
    ///
    /// ```
    /// use conversations_core::{JsonType, RawJson};
    /// assert_eq!(RawJson::parse("[]").unwrap().json_type(), JsonType::Array);
    /// ```
    pub fn json_type(&self) -> crate::note::JsonType {
        crate::note::JsonType::of(&self.0)
    }
}

impl Deref for RawJson {
    type Target = RawValue;

    fn deref(&self) -> &RawValue {
        &self.0
    }
}

impl From<Box<RawValue>> for RawJson {
    fn from(raw: Box<RawValue>) -> Self {
        Self(raw)
    }
}

impl From<&RawValue> for RawJson {
    fn from(raw: &RawValue) -> Self {
        Self::from_raw(raw)
    }
}

impl From<serde_json::Value> for RawJson {
    /// Serializes the value (compact form). Serializing a `Value` cannot fail.
    fn from(value: serde_json::Value) -> Self {
        Self::from(&value)
    }
}

impl From<&serde_json::Value> for RawJson {
    fn from(value: &serde_json::Value) -> Self {
        let text = value.to_string();
        // `Value`'s Display is valid JSON; `null` stands in if that ever changed.
        RawValue::from_string(text)
            .map(Self)
            .unwrap_or_else(|_| Self::null())
    }
}

impl RawJson {
    /// The JSON `null`.
    ///
    /// ```
    /// assert_eq!(conversations_core::RawJson::null().get(), "null");
    /// ```
    pub fn null() -> Self {
        Self(RawValue::NULL.to_owned())
    }
}

impl Default for RawJson {
    fn default() -> Self {
        Self::null()
    }
}

impl PartialEq for RawJson {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl Eq for RawJson {}

impl PartialEq<serde_json::Value> for RawJson {
    /// Compares the parsed value: `{"a":1}` equals `json!({"a": 1})` however it was spelled.
    fn eq(&self, other: &serde_json::Value) -> bool {
        &self.to_value() == other
    }
}

impl fmt::Debug for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RawJson").field(&self.get()).finish()
    }
}

impl fmt::Display for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.get())
    }
}

impl Serialize for RawJson {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for RawJson {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Box::<RawValue>::deserialize(deserializer).map(Self)
    }
}

impl JsonSchema for RawJson {
    fn schema_name() -> String {
        "RawJson".to_owned()
    }

    fn json_schema(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        use schemars::schema::{Metadata, SchemaObject};
        SchemaObject {
            metadata: Some(Box::new(Metadata {
                description: Some(
                    "The provider's record exactly as received: any JSON value, written \
                     verbatim (key order, duplicate keys and number spellings kept)."
                        .to_owned(),
                ),
                ..Metadata::default()
            })),
            ..SchemaObject::default()
        }
        .into()
    }
}

/// `json` (valid JSON text) without the whitespace outside its strings; borrowed when it had
/// none. A byte scan: outside a string, JSON's four whitespace bytes go; a string is copied
/// as it is, up to its closing quote (an escaped quote does not close it).
fn compact(json: &str) -> Cow<'_, str> {
    let bytes = json.as_bytes();
    let mut out: Option<Vec<u8>> = None;
    // Bytes from `kept` up to the current position are still to be copied.
    let mut kept = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                // Skip to the closing quote (`memchr`: a string is crossed a word at a time,
                // not byte by byte); `\\x` is never a closing quote, whatever `x` is.
                i += 1;
                loop {
                    match memchr::memchr2(b'"', b'\\', bytes.get(i..).unwrap_or_default()) {
                        Some(at) if bytes[i + at] == b'"' => {
                            i += at;
                            break;
                        }
                        Some(at) => i += at + 2,
                        None => {
                            i = bytes.len();
                            break;
                        }
                    }
                }
            }
            b' ' | b'\n' | b'\r' | b'\t' => {
                let out = out.get_or_insert_with(|| Vec::with_capacity(bytes.len()));
                out.extend_from_slice(&bytes[kept..i]);
                kept = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    match out {
        None => Cow::Borrowed(json),
        Some(mut out) => {
            out.extend_from_slice(bytes.get(kept..).unwrap_or_default());
            // Only whole ASCII bytes were taken out of UTF-8 text: still UTF-8.
            Cow::Owned(String::from_utf8(out).unwrap_or_else(|_| json.to_owned()))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use proptest::prelude::*;
    use serde_json::Value;

    use super::*;

    /// Any JSON value, with strings full of what a scanner could trip on.
    fn values() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            "[ \t\n\r\"\\\\a-z{}\\[\\]:,\u{e9}\u{1F600}\u{0}-\u{1f}]{0,12}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
                prop::collection::vec(("[ \"\\\\a-z:,]{0,6}", inner), 0..6)
                    .prop_map(|fields| Value::Object(fields.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn compact_output_is_the_same_value_with_no_whitespace_between_tokens(value in values()) {
            let pretty = RawJson::parse(&serde_json::to_string_pretty(&value).unwrap()).unwrap();
            let compact = pretty.compact();
            // Parsed the same way (serde_json's float parsing is not exact: compare parse to parse).
            prop_assert_eq!(compact.to_value(), pretty.to_value());
            // serde_json's compact form differs from its pretty form only in whitespace.
            prop_assert_eq!(compact.get(), serde_json::to_string(&value).unwrap());
            prop_assert!(!compact.get().contains('\n'));
        }

        #[test]
        fn compact_text_is_left_as_it_is(value in values()) {
            let raw = RawJson::from(&value);
            prop_assert!(matches!(raw.compact(), Cow::Borrowed(_)));
        }
    }

    #[test]
    fn spellings_duplicates_and_escapes_are_kept() {
        let raw = RawJson::parse(
            "{ \"b\" : 1.50 ,\r\n\t\"a\": [ 1e3, -0, 12345678901234567890 ],\n \"a\": \"q\\\" \\\\ \\u0020 \" }",
        )
        .unwrap();
        assert_eq!(
            raw.compact().get(),
            r#"{"b":1.50,"a":[1e3,-0,12345678901234567890],"a":"q\" \\ \u0020 "}"#
        );
    }
}
