//! [`RawJson`]: one record exactly as a provider sent it — the bytes, not a parsed tree.
//!
//! Key order, duplicate keys and number spellings (`1.50`, `1e3`, integers past 2⁵³) all
//! survive, and serializing a [`RawJson`] writes the bytes back verbatim.

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
