//! Decode notes: what a provider sent off its documented types, written down on the record.
//!
//! Learnt from Airbyte's `_airbyte_meta.changes`: the record is kept, the field is taken (when
//! its meaning is unambiguous) or left empty, and the change is written down. A
//! [`DecodeNote`] names the field's path and the JSON types documented and found, never the
//! value, so notes can be logged, counted and shown without leaking record contents.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// `Display` for types that name themselves with `as_str`: the same name in messages.
macro_rules! display_as_str {
    ($($ty:ty),+) => {$(
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )+};
}
display_as_str!(JsonType, Documented, Found);

/// The type of a JSON value.
///
/// ```
/// use conversations_core::JsonType;
/// let raw = serde_json::value::RawValue::from_string("102".into()).unwrap();
/// assert_eq!(JsonType::of(&raw), JsonType::Number);
/// assert_eq!(JsonType::Number.to_string(), "number");
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum JsonType {
    /// `null`.
    Null,
    /// `true` or `false`.
    Boolean,
    /// A number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

impl JsonType {
    /// The type of `raw`, from its first byte (a [`RawValue`] holds exactly one valid value).
    ///
    /// ```
    /// use conversations_core::JsonType;
    /// let raw = |s: &str| serde_json::value::RawValue::from_string(s.into()).unwrap();
    /// assert_eq!(JsonType::of(&raw("null")), JsonType::Null);
    /// assert_eq!(JsonType::of(&raw("\"x\"")), JsonType::String);
    /// assert_eq!(JsonType::of(&raw("-1.5")), JsonType::Number);
    /// ```
    pub fn of(raw: &RawValue) -> Self {
        match raw.get().trim_start().as_bytes().first() {
            Some(b'n') => JsonType::Null,
            Some(b't' | b'f') => JsonType::Boolean,
            Some(b'"') => JsonType::String,
            Some(b'[') => JsonType::Array,
            Some(b'{') => JsonType::Object,
            _ => JsonType::Number,
        }
    }

    /// The type's name, as in JSON Schema (`"boolean"`, `"number"`, …).
    ///
    /// ```
    /// assert_eq!(conversations_core::JsonType::Object.as_str(), "object");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            JsonType::Null => "null",
            JsonType::Boolean => "boolean",
            JsonType::Number => "number",
            JsonType::String => "string",
            JsonType::Array => "array",
            JsonType::Object => "object",
        }
    }
}

/// What the provider's documentation says a field holds.
///
/// ```
/// assert_eq!(conversations_core::Documented::Timestamp.to_string(), "timestamp string");
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Documented {
    /// A string.
    String,
    /// A whole number (for counts: not negative).
    Integer,
    /// Any number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// An object (a map, or a record with fields of its own).
    Object,
    /// An array.
    Array,
    /// A string holding a timestamp in the documented layout.
    Timestamp,
}

impl Documented {
    /// How the type reads in a sentence.
    ///
    /// ```
    /// assert_eq!(conversations_core::Documented::Integer.as_str(), "integer");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Documented::String => "string",
            Documented::Integer => "integer",
            Documented::Number => "number",
            Documented::Boolean => "boolean",
            Documented::Object => "object",
            Documented::Array => "array",
            Documented::Timestamp => "timestamp string",
        }
    }
}

/// What was found in place of the documented type.
///
/// ```
/// use conversations_core::{Found, JsonType};
/// assert_eq!(Found::from(JsonType::Number).to_string(), "number");
/// assert_eq!(Found::Missing.to_string(), "missing");
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Found {
    /// `null`.
    Null,
    /// `true` or `false`.
    Boolean,
    /// A number (or, for an integer field, a number that is not a whole, non-negative one).
    Number,
    /// A string (or, for a timestamp, a string in another layout).
    String,
    /// An array.
    Array,
    /// An object.
    Object,
    /// The field was absent.
    Missing,
    /// A string holding a lone surrogate escape (`"\ud800"`): JSON text may carry one,
    /// Unicode text cannot.
    LoneSurrogate,
    /// A string holding U+0000, which some stores (PostgreSQL's `text` and `jsonb`) cannot.
    NulCharacter,
    /// The record's key (its id as text) equals another record's of the same walk, whose
    /// bytes differ.
    DuplicateKey,
}

impl From<JsonType> for Found {
    fn from(value: JsonType) -> Self {
        match value {
            JsonType::Null => Found::Null,
            JsonType::Boolean => Found::Boolean,
            JsonType::Number => Found::Number,
            JsonType::String => Found::String,
            JsonType::Array => Found::Array,
            JsonType::Object => Found::Object,
        }
    }
}

impl Found {
    /// The name used in messages.
    ///
    /// ```
    /// assert_eq!(conversations_core::Found::Array.as_str(), "array");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Found::Null => "null",
            Found::Boolean => "boolean",
            Found::Number => "number",
            Found::String => "string",
            Found::Array => "array",
            Found::Object => "object",
            Found::Missing => "missing",
            Found::LoneSurrogate => "string with a lone surrogate",
            Found::NulCharacter => "string with U+0000",
            Found::DuplicateKey => "key shared with another record of the walk",
        }
    }
}

/// What decoding did with an off-spec value.
///
/// ```
/// assert_eq!(conversations_core::NoteAction::Converted.to_string(), "converted");
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NoteAction {
    /// The meaning was unambiguous and the value was taken: a number where text is documented
    /// became its text, a numeric string became its number, `[]` became an empty map.
    Converted,
    /// The normalized field was left empty (`null` taken as absent, or a value that could
    /// not be read).
    Dropped,
    /// Characters that text cannot hold (a lone surrogate; U+0000 where the store refuses it)
    /// were replaced by U+FFFD; the raw bytes keep what was received.
    Replaced,
    /// Another record of the same walk had the same key and other bytes: this record is the
    /// one kept, the other was replaced by it.
    Kept,
}

impl fmt::Display for NoteAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NoteAction::Converted => "converted",
            NoteAction::Dropped => "dropped",
            NoteAction::Replaced => "replaced",
            NoteAction::Kept => "kept",
        })
    }
}

/// One field of a record that was off its documented type: where, what was documented, what
/// was found and what decoding did. Never the value.
///
/// `path` is dotted from the record's top (`customer.phone`, `metadata.queue`); an empty path
/// is the record itself (for an element of the list that is not even an object).
///
/// ```
/// use conversations_core::{DecodeNote, Documented, Found, NoteAction};
///
/// let note = DecodeNote::new("assistant_id", Documented::String, Found::Number, NoteAction::Converted);
/// assert_eq!(note.to_string(), "assistant_id (number, documented string)");
/// let json = serde_json::to_value(&note).unwrap();
/// assert_eq!(json, serde_json::json!({
///     "path": "assistant_id", "documented": "string", "found": "number", "action": "converted"
/// }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct DecodeNote {
    /// The field's dotted path from the top of the record; empty for the record itself.
    pub path: String,
    /// What the provider's documentation says the field holds.
    pub documented: Documented,
    /// What it held.
    pub found: Found,
    /// What decoding did about it.
    pub action: NoteAction,
}

impl DecodeNote {
    /// A note about the field at `path`.
    ///
    /// ```
    /// use conversations_core::{DecodeNote, Documented, Found, NoteAction};
    /// let note = DecodeNote::new("", Documented::Object, Found::String, NoteAction::Dropped);
    /// assert_eq!(note.to_string(), "the record (string, documented object)");
    /// ```
    pub fn new(
        path: impl Into<String>,
        documented: Documented,
        found: Found,
        action: NoteAction,
    ) -> Self {
        Self {
            path: path.into(),
            documented,
            found,
            action,
        }
    }

    /// The path, or `the record` for the record itself.
    ///
    /// ```
    /// use conversations_core::{DecodeNote, Documented, Found, NoteAction};
    /// let note = DecodeNote::new("metadata", Documented::Object, Found::Null, NoteAction::Dropped);
    /// assert_eq!(note.field(), "metadata");
    /// ```
    pub fn field(&self) -> &str {
        if self.path.is_empty() {
            "the record"
        } else {
            &self.path
        }
    }
}

impl fmt::Display for DecodeNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.action {
            NoteAction::Replaced => {
                write!(f, "{} ({}, replaced by U+FFFD)", self.field(), self.found)
            }
            NoteAction::Kept => write!(f, "{} ({}; this one kept)", self.field(), self.found),
            _ => write!(
                f,
                "{} ({}, documented {})",
                self.field(),
                self.found,
                self.documented
            ),
        }
    }
}
