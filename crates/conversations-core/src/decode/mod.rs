//! The toolkit for provider authors: tolerant, lossless record decoding, shared by every
//! provider, and [`EncodedConversation`], a record kept as the bytes received until a
//! listing hands it out. Users of a source never need this module.
//!
//! A provider's page decoder splits the page's list into `&RawValue`s (one pass, borrowing
//! the body), then reads each record with a [`RecordReader`]: the record's fields are
//! borrowed slices of the body, read once each. Where a field does not have its documented
//! type but its meaning is unambiguous, the reader takes it — `null` is absent, a number where
//! text is documented is its text, a numeric string where a number is documented is that
//! number, `[]` where a map is documented is an empty map — and otherwise leaves it empty;
//! either way it writes a [`DecodeNote`]. A record that is not even an object still becomes a
//! record: [`RecordReader::new`] notes it and the caller keeps the raw bytes.
//!
//! ```
//! use conversations_core::decode::{Presence, RecordReader};
//! use conversations_core::{DecodeNote, Found};
//! use serde_json::value::RawValue;
//!
//! let raw = RawValue::from_string(r#"{"id": 7, "name": "Ann", "count": "3", "tags": [], "x": {}}"#.into()).unwrap();
//! let mut notes: Vec<DecodeNote> = Vec::new();
//! let mut record = RecordReader::new(&raw, &mut notes).unwrap();
//! assert_eq!(record.string("id", Presence::Required).as_deref(), Some("7"));
//! assert_eq!(record.string("name", Presence::Required).as_deref(), Some("Ann"));
//! assert_eq!(record.integer("count", Presence::Required), Some(3));
//! assert_eq!(record.map("tags", Presence::Required).map(|m| m.len()), Some(0));
//! assert_eq!(record.boolean("missing", Presence::Required), None);
//! let paths: Vec<_> = notes.iter().map(|n| (n.path.as_str(), n.found)).collect();
//! assert_eq!(paths, [("id", Found::Number), ("count", Found::String), ("tags", Found::Array), ("missing", Found::Missing)]);
//! ```

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;
use smallvec::SmallVec;

use crate::note::{DecodeNote, Documented, Found, JsonType, NoteAction};

mod encoded;

pub use encoded::{DecodeFn, ENCODED_BODY_MIN, EncodedConversation};

/// Whether a documented field must be present, and whether `null` is one of its values.
///
/// ```
/// use conversations_core::decode::Presence;
/// assert!(Presence::RequiredNullable.nullable());
/// assert!(!Presence::Optional.required());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Presence {
    /// Documented as always present and never `null`.
    Required,
    /// Always present; `null` is a documented value.
    RequiredNullable,
    /// May be absent; never `null` when present.
    Optional,
    /// May be absent or `null`.
    OptionalNullable,
}

impl Presence {
    /// Whether the documentation says the field is always there.
    ///
    /// ```
    /// assert!(conversations_core::decode::Presence::Required.required());
    /// ```
    pub fn required(self) -> bool {
        matches!(self, Presence::Required | Presence::RequiredNullable)
    }

    /// Whether `null` is a documented value.
    ///
    /// ```
    /// assert!(conversations_core::decode::Presence::OptionalNullable.nullable());
    /// ```
    pub fn nullable(self) -> bool {
        matches!(
            self,
            Presence::RequiredNullable | Presence::OptionalNullable
        )
    }
}

/// The fields of one JSON object, borrowed from the text they came in, in order; a key sent
/// twice is there twice, and [`get`](Self::get) takes the last, as most JSON readers do.
///
/// ```
/// use conversations_core::decode::Fields;
/// let raw = serde_json::value::RawValue::from_string(r#"{"a":1,"b":[2],"a":3}"#.into()).unwrap();
/// let fields = Fields::parse(&raw).unwrap();
/// assert_eq!(fields.len(), 3);
/// assert_eq!(fields.get("a").map(|v| v.get()), Some("3"));
/// assert!(Fields::parse(&serde_json::value::RawValue::from_string("[]".into()).unwrap()).is_err());
/// ```
#[derive(Debug, Default)]
pub struct Fields<'a> {
    // On the stack up to 16 fields: one allocation less per record and per nested object.
    entries: SmallVec<[(Cow<'a, str>, &'a RawValue); 16]>,
}

impl<'a> Fields<'a> {
    /// The fields of `raw`, or the JSON type it has instead of being an object.
    pub fn parse(raw: &'a RawValue) -> Result<Self, JsonType> {
        match JsonType::of(raw) {
            JsonType::Object => serde_json::from_str(raw.get()).map_err(|_| JsonType::Object),
            other => Err(other),
        }
    }

    /// The value of `key` (the last one, if sent twice).
    pub fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.entries
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| *v)
    }

    /// How many fields were sent, repeats included.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the object was `{}`.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The fields in the order sent.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &'a RawValue)> + '_ {
        self.entries.iter().map(|(k, v)| (k.as_ref(), *v))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Fields<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldsVisitor<'a>(std::marker::PhantomData<&'a ()>);

        impl<'de: 'a, 'a> Visitor<'de> for FieldsVisitor<'a> {
            type Value = Fields<'a>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Fields<'a>, M::Error> {
                let mut entries = SmallVec::new();
                while let Some(Key(key)) = map.next_key::<Key<'a>>()? {
                    let value: &'a RawValue = map.next_value()?;
                    entries.push((key, value));
                }
                Ok(Fields { entries })
            }
        }

        deserializer.deserialize_map(FieldsVisitor(std::marker::PhantomData))
    }
}

/// An object key, borrowed when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor<'a>(std::marker::PhantomData<&'a ()>);

        impl<'de: 'a, 'a> Visitor<'de> for KeyVisitor<'a> {
            type Value = Key<'a>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'a>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'a>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'a>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }

        deserializer.deserialize_str(KeyVisitor(std::marker::PhantomData))
    }
}

/// A field documented as a list: its elements as raw values borrowed from the body, or the
/// JSON type it had instead. Deserializing one reads the list in the same pass as the rest
/// of the envelope.
///
/// ```
/// use conversations_core::JsonType;
/// use conversations_core::decode::ListField;
///
/// #[derive(serde::Deserialize)]
/// struct Envelope<'a> {
///     #[serde(borrow)]
///     items: Option<ListField<'a>>,
/// }
/// let page: Envelope<'_> = serde_json::from_str(r#"{"items":[{"a":1}, 2, "x"]}"#).unwrap();
/// let Some(ListField::List(items)) = page.items else { panic!() };
/// assert_eq!(items.iter().map(|i| i.get()).collect::<Vec<_>>(), [r#"{"a":1}"#, "2", r#""x""#]);
/// let page: Envelope<'_> = serde_json::from_str(r#"{"items":{"a":1}}"#).unwrap();
/// assert!(matches!(page.items, Some(ListField::Not(JsonType::Object))));
/// ```
#[derive(Debug)]
pub enum ListField<'a> {
    /// The elements, in order.
    List(Vec<&'a RawValue>),
    /// Not a list: the type found instead (`null` reads as an absent field).
    Not(JsonType),
}

impl<'de: 'a, 'a> Deserialize<'de> for ListField<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor<'a>(std::marker::PhantomData<&'a ()>);

        impl<'de: 'a, 'a> Visitor<'de> for ListVisitor<'a> {
            type Value = ListField<'a>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }

            fn visit_seq<S: de::SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(100));
                while let Some(item) = seq.next_element::<&'a RawValue>()? {
                    items.push(item);
                }
                Ok(ListField::List(items))
            }

            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                while map
                    .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(ListField::Not(JsonType::Object))
            }

            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(ListField::Not(JsonType::Boolean))
            }

            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(ListField::Not(JsonType::Number))
            }

            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(ListField::Not(JsonType::Number))
            }

            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(ListField::Not(JsonType::Number))
            }

            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(ListField::Not(JsonType::String))
            }

            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(ListField::Not(JsonType::Null))
            }

            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(ListField::Not(JsonType::Null))
            }
        }

        deserializer.deserialize_any(ListVisitor(std::marker::PhantomData))
    }
}

/// Why a page body is not the JSON object its envelope should be, in content-free words:
/// `None` when it is an object.
///
/// ```
/// use conversations_core::decode::not_an_object;
/// assert_eq!(not_an_object(b" {\"a\":1}"), None);
/// assert_eq!(not_an_object(b"[1]").as_deref(), Some("expected a JSON object, found array"));
/// assert_eq!(not_an_object(b"  ").as_deref(), Some("the body is empty"));
/// assert!(not_an_object(b"<html>").unwrap().starts_with("not JSON"));
/// ```
pub fn not_an_object(body: &[u8]) -> Option<String> {
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        None => Some("the body is empty".to_owned()),
        Some(b'{') => None,
        Some(_) => Some(match serde_json::from_slice::<&RawValue>(body) {
            Ok(raw) => format!("expected a JSON object, found {}", JsonType::of(raw)),
            Err(e) => describe(&e),
        }),
    }
}

/// JSON text with each escape that text cannot hold rewritten as `\ufffd`: a lone surrogate
/// (`\ud800` without its pair, or a pair's second half alone) and, with `nul`, `\u0000`.
/// `None` when there is none (the fast path: the text is not copied).
///
/// JSON allows both escapes, so a provider may send them; a Rust string cannot hold a lone
/// surrogate, and PostgreSQL's `text` and `jsonb` refuse U+0000. Everything else — key order,
/// other escapes, numbers, whitespace — is left as it was.
///
/// ```
/// use conversations_core::decode::replace_escapes;
/// assert_eq!(replace_escapes(r#"{"a":"x\ud800y"}"#, false).as_deref(), Some(r#"{"a":"x\ufffdy"}"#));
/// // A whole pair is a character: kept.
/// assert_eq!(replace_escapes(r#""\ud83d\ude00""#, false), None);
/// assert_eq!(replace_escapes(r#""\udc00\\u0000""#, true).as_deref(), Some(r#""\ufffd\\u0000""#));
/// assert_eq!(replace_escapes(r#""a\u0000""#, true).as_deref(), Some(r#""a\ufffd""#));
/// assert_eq!(replace_escapes(r#""a\u0000""#, false), None);
/// ```
pub fn replace_escapes(text: &str, nul: bool) -> Option<String> {
    let bytes = text.as_bytes();
    let unit = |at: usize| -> Option<u16> {
        let hex = bytes.get(at..at + 6)?;
        if hex[0] != b'\\' || hex[1] != b'u' {
            return None;
        }
        std::str::from_utf8(&hex[2..])
            .ok()
            .and_then(|h| u16::from_str_radix(h, 16).ok())
    };
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while let Some(offset) = bytes[i..].iter().position(|&b| b == b'\\') {
        let at = i + offset;
        let Some(code) = unit(at) else {
            // Another escape (or a `\\`): two bytes.
            i = at + 2;
            continue;
        };
        let (bad, len) = match code {
            0xD800..=0xDBFF => match unit(at + 6) {
                Some(0xDC00..=0xDFFF) => (false, 12),
                _ => (true, 6),
            },
            0xDC00..=0xDFFF => (true, 6),
            0 => (nul, 6),
            _ => (false, 6),
        };
        if bad {
            let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
            out.push_str(&text[copied..at]);
            out.push_str("\\ufffd");
            copied = at + len;
        }
        i = at + len;
        if i >= bytes.len() {
            break;
        }
    }
    out.map(|mut out| {
        out.push_str(&text[copied..]);
        out
    })
}

/// The text of a JSON string value that holds a lone surrogate escape, with U+FFFD in its
/// place; `None` if it is not a string even then.
fn lossy_string_text(raw: &RawValue) -> Option<String> {
    let repaired = replace_escapes(raw.get(), false)?;
    serde_json::from_str::<String>(&repaired).ok()
}

/// The text of a JSON string value, borrowed when it has no escapes.
///
/// ```
/// use conversations_core::decode::string_text;
/// let raw = |s: &str| serde_json::value::RawValue::from_string(s.into()).unwrap();
/// assert_eq!(string_text(&raw(r#""plain""#)).as_deref(), Some("plain"));
/// assert_eq!(string_text(&raw(r#""a\nb""#)).as_deref(), Some("a\nb"));
/// assert_eq!(string_text(&raw("1")), None);
/// ```
pub fn string_text(raw: &RawValue) -> Option<Cow<'_, str>> {
    let text = raw.get();
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    if inner.contains('\\') {
        serde_json::from_str::<String>(text).ok().map(Cow::Owned)
    } else {
        Some(Cow::Borrowed(inner))
    }
}

/// Reads one record's fields against their documented types, writing a [`DecodeNote`] for
/// every field that is off them (see the [module docs](self)).
///
/// Each getter takes the field's documented [`Presence`]; a field absent where documented as
/// required, or `null` where `null` is not documented, is noted.
pub struct RecordReader<'a, 'n> {
    fields: Fields<'a>,
    prefix: Cow<'a, str>,
    notes: &'n mut Vec<DecodeNote>,
}

impl fmt::Debug for RecordReader<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordReader")
            .field("prefix", &self.prefix)
            .field("fields", &self.fields.len())
            .finish_non_exhaustive()
    }
}

impl<'a, 'n> RecordReader<'a, 'n> {
    /// A reader over `raw`, or `None` (with a note on the record itself) when `raw` is not
    /// a JSON object.
    ///
    /// ```
    /// use conversations_core::decode::RecordReader;
    /// let raw = serde_json::value::RawValue::from_string("42".into()).unwrap();
    /// let mut notes = Vec::new();
    /// assert!(RecordReader::new(&raw, &mut notes).is_none());
    /// assert_eq!(notes[0].to_string(), "the record (number, documented object)");
    /// ```
    pub fn new(raw: &'a RawValue, notes: &'n mut Vec<DecodeNote>) -> Option<Self> {
        match Fields::parse(raw) {
            Ok(fields) => Some(Self {
                fields,
                prefix: Cow::Borrowed(""),
                notes,
            }),
            Err(found) => {
                notes.push(DecodeNote::new(
                    "",
                    Documented::Object,
                    found.into(),
                    NoteAction::Dropped,
                ));
                None
            }
        }
    }

    /// The record's fields, for anything the typed getters do not cover.
    pub fn fields(&self) -> &Fields<'a> {
        &self.fields
    }

    /// Writes a note about `key` (its path is made from this reader's prefix).
    pub fn note(&mut self, key: &str, documented: Documented, found: Found, action: NoteAction) {
        let path = if self.prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.prefix)
        };
        self.notes
            .push(DecodeNote::new(path, documented, found, action));
    }

    /// The raw value of `key`, after the presence rules: `None` for absent or `null` (noted
    /// where the documentation does not allow it).
    pub fn value(
        &mut self,
        key: &str,
        documented: Documented,
        presence: Presence,
    ) -> Option<&'a RawValue> {
        let Some(raw) = self.fields.get(key) else {
            if presence.required() {
                self.note(key, documented, Found::Missing, NoteAction::Dropped);
            }
            return None;
        };
        if JsonType::of(raw) == JsonType::Null {
            if !presence.nullable() {
                self.note(key, documented, Found::Null, NoteAction::Dropped);
            }
            return None;
        }
        Some(raw)
    }

    /// A string field, borrowed where it can be. A number becomes its text (noted); any other
    /// type is dropped (noted).
    pub fn str(&mut self, key: &str, presence: Presence) -> Option<Cow<'a, str>> {
        let raw = self.value(key, Documented::String, presence)?;
        match JsonType::of(raw) {
            JsonType::String => string_text(raw).or_else(|| {
                let text = lossy_string_text(raw)?;
                self.note(
                    key,
                    Documented::String,
                    Found::LoneSurrogate,
                    NoteAction::Replaced,
                );
                Some(Cow::Owned(text))
            }),
            JsonType::Number => {
                self.note(
                    key,
                    Documented::String,
                    Found::Number,
                    NoteAction::Converted,
                );
                Some(Cow::Borrowed(raw.get()))
            }
            other => {
                self.note(key, Documented::String, other.into(), NoteAction::Dropped);
                None
            }
        }
    }

    /// A string field, owned (see [`str`](Self::str)).
    pub fn string(&mut self, key: &str, presence: Presence) -> Option<String> {
        self.str(key, presence).map(Cow::into_owned)
    }

    /// A whole, non-negative number. A numeric string is read as its number (noted); a
    /// fractional or negative number, or any other type, is dropped (noted). `5.0` is 5.
    pub fn integer(&mut self, key: &str, presence: Presence) -> Option<u64> {
        let raw = self.value(key, Documented::Integer, presence)?;
        let (text, found) = match JsonType::of(raw) {
            JsonType::Number => (Cow::Borrowed(raw.get()), JsonType::Number),
            JsonType::String => match string_text(raw) {
                Some(text) => (text, JsonType::String),
                None => (Cow::Borrowed(""), JsonType::String),
            },
            other => {
                self.note(key, Documented::Integer, other.into(), NoteAction::Dropped);
                return None;
            }
        };
        match parse_whole(text.trim()) {
            Some(n) => {
                if found == JsonType::String {
                    self.note(
                        key,
                        Documented::Integer,
                        Found::String,
                        NoteAction::Converted,
                    );
                }
                Some(n)
            }
            None => {
                self.note(key, Documented::Integer, found.into(), NoteAction::Dropped);
                None
            }
        }
    }

    /// A number. A numeric string is read as its number (noted); any other type is dropped
    /// (noted).
    pub fn number(&mut self, key: &str, presence: Presence) -> Option<f64> {
        let raw = self.value(key, Documented::Number, presence)?;
        match JsonType::of(raw) {
            JsonType::Number => match raw.get().parse::<f64>() {
                Ok(n) if n.is_finite() => Some(n),
                _ => {
                    self.note(key, Documented::Number, Found::Number, NoteAction::Dropped);
                    None
                }
            },
            JsonType::String => {
                let parsed = string_text(raw)
                    .and_then(|t| t.trim().parse::<f64>().ok())
                    .filter(|n| n.is_finite());
                let action = if parsed.is_some() {
                    NoteAction::Converted
                } else {
                    NoteAction::Dropped
                };
                self.note(key, Documented::Number, Found::String, action);
                parsed
            }
            other => {
                self.note(key, Documented::Number, other.into(), NoteAction::Dropped);
                None
            }
        }
    }

    /// `true` or `false`; any other type is dropped (noted).
    pub fn boolean(&mut self, key: &str, presence: Presence) -> Option<bool> {
        let raw = self.value(key, Documented::Boolean, presence)?;
        match raw.get() {
            "true" => Some(true),
            "false" => Some(false),
            _ => {
                let found = JsonType::of(raw).into();
                self.note(key, Documented::Boolean, found, NoteAction::Dropped);
                None
            }
        }
    }

    /// A map of any JSON values. `[]` is an empty map (noted); any other type is dropped
    /// (noted).
    pub fn map(&mut self, key: &str, presence: Presence) -> Option<BTreeMap<String, Value>> {
        let raw = self.value(key, Documented::Object, presence)?;
        match JsonType::of(raw) {
            JsonType::Object => serde_json::from_str(raw.get()).ok().or_else(|| {
                let repaired = replace_escapes(raw.get(), false)?;
                let map = serde_json::from_str(&repaired).ok()?;
                self.note(
                    key,
                    Documented::Object,
                    Found::LoneSurrogate,
                    NoteAction::Replaced,
                );
                Some(map)
            }),
            JsonType::Array if is_empty_array(raw) => {
                self.note(key, Documented::Object, Found::Array, NoteAction::Converted);
                Some(BTreeMap::new())
            }
            other => {
                self.note(key, Documented::Object, other.into(), NoteAction::Dropped);
                None
            }
        }
    }

    /// A map documented as holding strings: each value a string as JSON; a number becomes
    /// its text and any other value is left out, each noted at `key.entry`. `[]` is an empty
    /// map (noted).
    pub fn string_map(&mut self, key: &str, presence: Presence) -> Option<BTreeMap<String, Value>> {
        let raw = self.value(key, Documented::Object, presence)?;
        self.nested(key, raw, |record| {
            let mut map = BTreeMap::new();
            let entries: Vec<(String, &RawValue)> = record
                .fields
                .iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect();
            for (entry, _) in entries {
                if map.contains_key(&entry) {
                    continue;
                }
                if let Some(text) = record.string(&entry, Presence::Required) {
                    map.insert(entry, Value::String(text));
                }
            }
            map
        })
    }

    /// A nested object, read with its own reader by `read` (notes get `key.` paths). `[]` is
    /// an empty object (noted); any other type is dropped (noted).
    pub fn object<T>(
        &mut self,
        key: &str,
        presence: Presence,
        read: impl FnOnce(&mut RecordReader<'a, '_>) -> T,
    ) -> Option<T> {
        let raw = self.value(key, Documented::Object, presence)?;
        self.nested(key, raw, read)
    }

    fn nested<T>(
        &mut self,
        key: &str,
        raw: &'a RawValue,
        read: impl FnOnce(&mut RecordReader<'a, '_>) -> T,
    ) -> Option<T> {
        let fields = match JsonType::of(raw) {
            JsonType::Object => Fields::parse(raw).ok()?,
            JsonType::Array if is_empty_array(raw) => {
                self.note(key, Documented::Object, Found::Array, NoteAction::Converted);
                Fields::default()
            }
            other => {
                self.note(key, Documented::Object, other.into(), NoteAction::Dropped);
                return None;
            }
        };
        let prefix = if self.prefix.is_empty() {
            // The key as the record holds it: borrowed, no allocation, when it has no escapes.
            match self.fields.entries.iter().rev().find(|(k, _)| k == key) {
                Some((Cow::Borrowed(k), _)) => Cow::Borrowed(*k),
                _ => Cow::Owned(key.to_owned()),
            }
        } else {
            Cow::Owned(format!("{}.{key}", self.prefix))
        };
        let mut reader = RecordReader {
            fields,
            prefix,
            notes: self.notes,
        };
        Some(read(&mut reader))
    }

    /// A timestamp string read by `parse` (the provider's layout); a string `parse` refuses,
    /// or any other type, is dropped (noted).
    pub fn timestamp<T>(
        &mut self,
        key: &str,
        presence: Presence,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Option<T> {
        let raw = self.value(key, Documented::Timestamp, presence)?;
        let found = JsonType::of(raw);
        let parsed = match found {
            JsonType::String => string_text(raw)
                .or_else(|| lossy_string_text(raw).map(Cow::Owned))
                .and_then(|t| parse(&t)),
            _ => None,
        };
        if parsed.is_none() {
            self.note(
                key,
                Documented::Timestamp,
                found.into(),
                NoteAction::Dropped,
            );
        }
        parsed
    }
}

/// Why `error` refused a JSON text, in words that never quote the text: serde_json's own
/// message for syntax errors (they hold only a position), and the position alone for data
/// errors (whose messages can quote a value).
///
/// ```
/// use conversations_core::decode::describe;
/// let syntax = serde_json::from_str::<serde_json::Value>("{\"a\":").unwrap_err();
/// assert_eq!(describe(&syntax), "not JSON: EOF while parsing a value at line 1 column 5");
/// let data = serde_json::from_str::<Vec<u8>>(r#""Jane Doe""#).unwrap_err();
/// assert!(!describe(&data).contains("Jane"));
/// ```
pub fn describe(error: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match error.classify() {
        Category::Syntax | Category::Eof => format!("not JSON: {error}"),
        Category::Data => format!(
            "unexpected JSON type at line {} column {}",
            error.line(),
            error.column()
        ),
        Category::Io => "could not be read".to_owned(),
    }
}

fn is_empty_array(raw: &RawValue) -> bool {
    let text = raw.get();
    text.starts_with('[') && text[1..].trim_start().starts_with(']')
}

/// A whole, non-negative number from its JSON or string spelling: `12`, `12.0`, `1.2e1`.
fn parse_whole(text: &str) -> Option<u64> {
    if let Ok(n) = text.parse::<u64>() {
        return Some(n);
    }
    let f = text.parse::<f64>().ok()?;
    // 2^64 as f64; anything at or above it does not fit.
    (f.is_finite() && f >= 0.0 && f.fract() == 0.0 && f < 18_446_744_073_709_551_616.0)
        .then_some(f as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

    #[test]
    fn borrowed_keys_and_escaped_keys() {
        let r = raw(r#"{"a\u0062":1,"c":"x\"y"}"#);
        let fields = Fields::parse(&r).unwrap();
        assert_eq!(fields.get("ab").unwrap().get(), "1");
        assert_eq!(string_text(fields.get("c").unwrap()).unwrap(), "x\"y");
    }

    #[test]
    fn presence_rules() {
        let r = raw(r#"{"a":null,"b":null}"#);
        let mut notes = Vec::new();
        let mut rec = RecordReader::new(&r, &mut notes).unwrap();
        assert_eq!(rec.string("a", Presence::OptionalNullable), None);
        assert_eq!(rec.string("b", Presence::Required), None);
        assert_eq!(rec.string("c", Presence::Optional), None);
        assert_eq!(rec.string("d", Presence::Required), None);
        let found: Vec<_> = notes.iter().map(|n| (n.path.as_str(), n.found)).collect();
        assert_eq!(found, [("b", Found::Null), ("d", Found::Missing)]);
    }

    #[test]
    fn integers_and_numbers() {
        let r = raw(
            r#"{"a":5.0,"b":-1,"c":"7","d":1.5,"e":"x","f":"0.25","g":1e400,"h":18446744073709551615}"#,
        );
        let mut notes = Vec::new();
        let mut rec = RecordReader::new(&r, &mut notes).unwrap();
        assert_eq!(rec.integer("a", Presence::Required), Some(5));
        assert_eq!(rec.integer("b", Presence::Required), None);
        assert_eq!(rec.integer("c", Presence::Required), Some(7));
        assert_eq!(rec.integer("d", Presence::Required), None);
        assert_eq!(rec.number("e", Presence::Required), None);
        assert_eq!(rec.number("f", Presence::Required), Some(0.25));
        assert_eq!(rec.number("g", Presence::Required), None);
        assert_eq!(rec.integer("h", Presence::Required), Some(u64::MAX));
        let actions: Vec<_> = notes.iter().map(|n| (n.path.as_str(), n.action)).collect();
        assert_eq!(
            actions,
            [
                ("b", NoteAction::Dropped),
                ("c", NoteAction::Converted),
                ("d", NoteAction::Dropped),
                ("e", NoteAction::Dropped),
                ("f", NoteAction::Converted),
                ("g", NoteAction::Dropped),
            ]
        );
    }

    #[test]
    fn nested_paths_and_string_maps() {
        let r = raw(r#"{"c":{"phone":1,"deep":{"x":true}},"m":{"q":"a","n":2,"o":{}},"e":[ ]}"#);
        let mut notes = Vec::new();
        let mut rec = RecordReader::new(&r, &mut notes).unwrap();
        let phone = rec.object("c", Presence::Required, |c| {
            c.object("deep", Presence::Required, |d| {
                d.string("x", Presence::Required)
            });
            c.string("phone", Presence::Required)
        });
        assert_eq!(phone, Some(Some("1".to_owned())));
        let m = rec.string_map("m", Presence::Required).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m["n"], "2");
        assert_eq!(rec.string_map("e", Presence::Required).unwrap().len(), 0);
        let paths: Vec<_> = notes.iter().map(|n| n.path.as_str()).collect();
        assert_eq!(paths, ["c.deep.x", "c.phone", "m.n", "m.o", "e"]);
    }
}
