//! The response of `GET /user/conversations`, typed: [`ConversationsPage`] and
//! [`AutocallsConversation`], each record with its exact bytes and its decode notes.
//!
//! A page is decoded in one pass that borrows the body: the envelope's fields, and `data`
//! split into one raw slice per record. Each record is then read field by field from its
//! slice by a tolerant [`RecordReader`]: a value off its documented type is taken where its
//! meaning is unambiguous, or left empty, and written down in
//! [`AutocallsConversation::notes`]. Only a broken envelope (not JSON, not an object, no
//! `data` list, a cursor that is not a string) is an error; every element of `data` becomes
//! exactly one record, even one that is not an object.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use conversations_core::decode::{self, ListField, Presence, RecordReader};
use conversations_core::{DecodeNote, Error, JsonType, RawJson};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::protocol::PROVIDER;
use crate::timestamp;

/// A conversation type: `test`, `widget`, `whatsapp`, `api`, or any other value, kept verbatim.
///
/// Autocalls' types are exactly the normalized model's channels, so this is core's
/// [`Channel`](conversations_core::Channel): an open enum whose
/// [`KNOWN`](conversations_core::Channel::KNOWN) values are the four the vendor page lists.
///
/// ```
/// use autocalls_api::ConversationType;
///
/// assert_eq!(ConversationType::from("whatsapp"), ConversationType::Whatsapp);
/// assert_eq!(ConversationType::from("voice"), ConversationType::Other("voice".into()));
/// assert_eq!(ConversationType::Api.as_str(), "api");
/// assert!(ConversationType::Widget.is_known());
/// assert!(!ConversationType::from("voice").is_known());
/// ```
pub use conversations_core::Channel as ConversationType;

/// The WhatsApp business sender of a `whatsapp` conversation. Fields off their documented
/// type are `None` (and noted on the conversation).
///
/// ```
/// let sender: autocalls_api::WhatsappSender =
///     serde_json::from_str(r#"{"name":"Acme Corp Support","phone":"+14155551234"}"#).unwrap();
/// assert_eq!(sender.phone.as_deref(), Some("+14155551234"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WhatsappSender {
    /// The sender's display name (business name).
    pub name: Option<String>,
    /// The sender's phone number.
    pub phone: Option<String>,
}

/// The customer of a `whatsapp` conversation. Fields off their documented type are `None`
/// (and noted on the conversation).
///
/// ```
/// let customer: autocalls_api::Customer = serde_json::from_str(r#"{"phone":"+14155559876"}"#).unwrap();
/// assert_eq!(customer.name, None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Customer {
    /// The customer's name, if available (`null` or missing otherwise).
    #[serde(default)]
    pub name: Option<String>,
    /// The customer's phone number.
    pub phone: Option<String>,
}

/// One conversation as Autocalls sends it: typed fields read tolerantly, the record's exact
/// bytes in [`raw`](Self::raw), and every off-spec field in [`notes`](Self::notes).
///
/// Every field is an `Option`: `None` when the server left it out, sent `null`, or sent
/// something that could not be read as its documented type. The documented types, and what
/// is taken instead (each noted):
///
/// | field | documented | also taken |
/// |---|---|---|
/// | `id`, `assistant_id`, `assistant_name`, `type`, `external_identifier` | string | a number, as its text |
/// | `variables` | object or `null` | `[]` (PHP's empty array) as an empty map |
/// | `message_count` | whole number | a numeric string |
/// | `total_cost` | number | a numeric string (Laravel's `decimal` casts send these) |
/// | `ai_enabled` | boolean | — |
/// | `created_at`, `updated_at` | `YYYY-MM-DD HH:MM:SS`, taken as **UTC** | RFC 3339 (not noted) |
/// | `whatsapp_sender`, `customer` | object (documented for `whatsapp` only; kept on any type) | — |
///
/// A `null` where the docs do not allow one is taken as absent (noted). Unknown fields are
/// kept in `raw`. A `type` the docs do not list is kept verbatim as [`ConversationType::Other`].
///
/// ```
/// use autocalls_api::{AutocallsConversation, ConversationType};
///
/// let json = serde_json::json!({
///     "id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
///     "assistant_id": 102,
///     "assistant_name": "Support Assistant",
///     "type": "widget",
///     "variables": null,
///     "message_count": 12,
///     "total_cost": "0.0045",
///     "ai_enabled": true,
///     "created_at": "2025-01-25 14:30:00",
///     "updated_at": "2025-01-25 14:45:22"
/// });
/// let c = AutocallsConversation::from_value(&json);
/// assert_eq!(c.conversation_type, Some(ConversationType::Widget));
/// assert_eq!(c.assistant_id.as_deref(), Some("102"));
/// assert_eq!(c.total_cost, Some(0.0045));
/// assert_eq!(c.created_at.unwrap().to_rfc3339(), "2025-01-25T14:30:00+00:00");
/// let noted: Vec<String> = c.notes.iter().map(|n| n.to_string()).collect();
/// assert_eq!(noted, ["assistant_id (number, documented string)", "total_cost (string, documented number)"]);
/// assert_eq!(c.raw, json);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AutocallsConversation {
    /// The conversation's identifier (documented as a UUID; kept as a string, unchecked).
    pub id: Option<String>,
    /// The UUID of the assistant handling the conversation. Note: the `assistant_id` *query
    /// filter* takes the assistant's integer id instead.
    pub assistant_id: Option<String>,
    /// The assistant's name.
    pub assistant_name: Option<String>,
    /// The conversation type (JSON field `type`).
    pub conversation_type: Option<ConversationType>,
    /// Custom key/value variables; `None` when `null` or absent.
    pub variables: Option<BTreeMap<String, Value>>,
    /// The caller's identifier; documented for `api` conversations only.
    pub external_identifier: Option<String>,
    /// Number of messages in the conversation.
    pub message_count: Option<u64>,
    /// Total cost in US dollars.
    pub total_cost: Option<f64>,
    /// Whether AI responses are enabled.
    pub ai_enabled: Option<bool>,
    /// When the conversation was created, taken as UTC.
    pub created_at: Option<DateTime<Utc>>,
    /// When the conversation was last updated, taken as UTC.
    pub updated_at: Option<DateTime<Utc>>,
    /// The WhatsApp business sender; documented for `whatsapp` conversations only.
    pub whatsapp_sender: Option<WhatsappSender>,
    /// The customer; documented for `whatsapp` conversations only.
    pub customer: Option<Customer>,
    /// The record exactly as received.
    pub raw: RawJson,
    /// Every field that was off its documented type (never its value).
    pub notes: Vec<DecodeNote>,
}

impl AutocallsConversation {
    /// Decodes one record of `data` from its received bytes. Never fails: what cannot be
    /// read is `None` and noted.
    ///
    /// ```
    /// let raw = serde_json::value::RawValue::from_string(r#"{"id":1,"id":"b"}"#.into()).unwrap();
    /// let c = autocalls_api::AutocallsConversation::from_raw(&raw);
    /// assert_eq!(c.id.as_deref(), Some("b"));
    /// assert_eq!(c.raw.get(), r#"{"id":1,"id":"b"}"#);
    /// ```
    pub fn from_raw(raw: &RawValue) -> Self {
        decode_record(raw)
    }

    /// Decodes one record given as a parsed value (its `raw` is the value re-serialized).
    ///
    /// ```
    /// let c = autocalls_api::AutocallsConversation::from_value(&serde_json::json!("not a record"));
    /// assert_eq!(c.id, None);
    /// assert_eq!(c.notes[0].to_string(), "the record (string, documented object)");
    /// ```
    pub fn from_value(item: &Value) -> Self {
        let raw = RawJson::from(item);
        decode_record(raw.as_raw_value())
    }
}

/// One page of `GET /user/conversations`.
///
/// ```
/// let body = br#"{"data":[],"path":"https://app.autocalls.ai/api/user/conversations",
///     "per_page":15,"next_cursor":null,"prev_cursor":null}"#;
/// let page = autocalls_api::ConversationsPage::from_slice(body).unwrap();
/// assert!(page.data.is_empty());
/// assert_eq!(page.per_page, Some(15));
/// assert!(page.next_cursor.is_none());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ConversationsPage {
    /// The conversations on this page, in the order served: one per element of `data`.
    pub data: Vec<AutocallsConversation>,
    /// The endpoint's URL, as the server reports it (shown in the docs' example, not in
    /// their field list, so optional).
    pub path: Option<String>,
    /// The page size the server used, when it said (and said it as a number or numeric string).
    pub per_page: Option<u32>,
    /// The cursor of the next page; `None` on the last page.
    pub next_cursor: Option<String>,
    /// The cursor of the previous page; `None` on the first page.
    pub prev_cursor: Option<String>,
    /// The `x-request-id` response header, when the server sent one.
    pub request_id: Option<String>,
}

impl ConversationsPage {
    /// Decodes a response body.
    ///
    /// A body that is not JSON (HTML, truncated, empty), is not an object, lacks `data` or
    /// has cursors that are not strings is an [`Error::Decode`] naming what was wrong (never
    /// quoting the body). Records inside are decoded tolerantly.
    ///
    /// ```
    /// let err = autocalls_api::ConversationsPage::from_slice(b"<html>oops</html>").unwrap_err();
    /// assert!(matches!(err, conversations_core::Error::Decode { .. }));
    /// let err = autocalls_api::ConversationsPage::from_slice(br#"{"items":[]}"#).unwrap_err();
    /// assert!(err.to_string().contains("data is missing"));
    /// ```
    pub fn from_slice(body: &[u8]) -> Result<Self, Error> {
        decode_page(body, None)
    }

    /// Decodes a response body already parsed as JSON.
    ///
    /// ```
    /// let page = autocalls_api::ConversationsPage::from_value(serde_json::json!({
    ///     "data": [], "per_page": 15, "next_cursor": null, "prev_cursor": null
    /// })).unwrap();
    /// assert_eq!(page.path, None);
    /// ```
    pub fn from_value(body: Value) -> Result<Self, Error> {
        decode_page(body.to_string().as_bytes(), None)
    }
}

/// The envelope, borrowed from the body in one pass.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    data: Option<ListField<'a>>,
    #[serde(borrow)]
    path: Option<&'a RawValue>,
    #[serde(borrow)]
    per_page: Option<&'a RawValue>,
    #[serde(borrow)]
    next_cursor: Option<&'a RawValue>,
    #[serde(borrow)]
    prev_cursor: Option<&'a RawValue>,
}

/// Decodes a body answered with `status`.
pub(crate) fn decode_page(body: &[u8], status: Option<u16>) -> Result<ConversationsPage, Error> {
    let page = decode_with(body, status, decode_record)?;
    Ok(ConversationsPage {
        data: page.data,
        path: page.path,
        per_page: page.per_page,
        next_cursor: page.next_cursor,
        prev_cursor: page.prev_cursor,
        request_id: None,
    })
}

/// A decoded page whose records were made by the caller's function.
pub(crate) struct Decoded<T> {
    pub(crate) data: Vec<T>,
    pub(crate) path: Option<String>,
    pub(crate) per_page: Option<u32>,
    pub(crate) next_cursor: Option<String>,
    pub(crate) prev_cursor: Option<String>,
}

/// Decodes a body answered with `status`, making each record with `record` straight from its
/// bytes (no page of intermediate records: a large page costs one set of records).
pub(crate) fn decode_with<T>(
    body: &[u8],
    status: Option<u16>,
    record: impl FnMut(&RawValue) -> T,
) -> Result<Decoded<T>, Error> {
    let fail = |reason: String| Error::decode(PROVIDER, status, "conversations page", reason, body);
    if let Some(reason) = decode::not_an_object(body) {
        return Err(fail(reason));
    }
    let envelope: Envelope<'_> =
        serde_json::from_slice(body).map_err(|e| fail(decode::describe(&e)))?;
    let items = match envelope.data {
        Some(ListField::List(items)) => items,
        None | Some(ListField::Not(JsonType::Null)) => {
            return Err(fail("data is missing (or null)".to_owned()));
        }
        Some(ListField::Not(found)) => {
            return Err(fail(format!("data: expected an array, found {found}")));
        }
    };
    let next_cursor =
        cursor(envelope.next_cursor).map_err(|f| fail(format!("next_cursor: {f}")))?;
    let prev_cursor =
        cursor(envelope.prev_cursor).map_err(|f| fail(format!("prev_cursor: {f}")))?;
    let path = envelope
        .path
        .and_then(|raw| decode::string_text(raw).map(|t| t.into_owned()));
    let per_page = envelope.per_page.and_then(|raw| {
        let text = decode::string_text(raw).unwrap_or(std::borrow::Cow::Borrowed(raw.get()));
        text.trim().parse::<u32>().ok()
    });
    Ok(Decoded {
        data: items.into_iter().map(record).collect(),
        path,
        per_page,
        next_cursor,
        prev_cursor,
    })
}

/// A cursor: a string, a number's text, or absent for `null`; anything else breaks paging.
fn cursor(raw: Option<&RawValue>) -> Result<Option<String>, String> {
    let Some(raw) = raw else { return Ok(None) };
    match JsonType::of(raw) {
        JsonType::Null => Ok(None),
        JsonType::String => Ok(decode::string_text(raw).map(|t| t.into_owned())),
        JsonType::Number => Ok(Some(raw.get().to_owned())),
        found => Err(format!("expected a string or null, found {found}")),
    }
}

/// Reads one record tolerantly (see [`AutocallsConversation`] for the rules).
pub(crate) fn decode_record(raw: &RawValue) -> AutocallsConversation {
    decode_owned(RawJson::from_raw(raw))
}

/// [`decode_record`] for a record already copied out of its page: it becomes the record's
/// `raw` without another copy.
pub(crate) fn decode_owned(raw: RawJson) -> AutocallsConversation {
    let mut notes = Vec::new();
    let mut c = AutocallsConversation {
        id: None,
        assistant_id: None,
        assistant_name: None,
        conversation_type: None,
        variables: None,
        external_identifier: None,
        message_count: None,
        total_cost: None,
        ai_enabled: None,
        created_at: None,
        updated_at: None,
        whatsapp_sender: None,
        customer: None,
        raw: RawJson::null(),
        notes: Vec::new(),
    };
    if let Some(mut r) = RecordReader::new(raw.as_raw_value(), &mut notes) {
        use Presence::{Optional, OptionalNullable, Required, RequiredNullable};
        c.id = r.string("id", Required);
        c.assistant_id = r.string("assistant_id", Required);
        c.assistant_name = r.string("assistant_name", Required);
        c.conversation_type = r
            .str("type", Required)
            .map(|t| ConversationType::from(t.as_ref()));
        c.variables = r.map("variables", RequiredNullable);
        c.external_identifier = r.string("external_identifier", Optional);
        c.message_count = r.integer("message_count", Required);
        c.total_cost = r.number("total_cost", Required);
        c.ai_enabled = r.boolean("ai_enabled", Required);
        c.created_at = r.timestamp("created_at", Required, timestamp::parse_utc);
        c.updated_at = r.timestamp("updated_at", Required, timestamp::parse_utc);
        c.whatsapp_sender = r.object("whatsapp_sender", Optional, |s| WhatsappSender {
            name: s.string("name", Required),
            phone: s.string("phone", Required),
        });
        c.customer = r.object("customer", Optional, |s| Customer {
            name: s.string("name", OptionalNullable),
            phone: s.string("phone", Required),
        });
    }
    c.notes = notes;
    c.raw = raw;
    c
}

#[cfg(test)]
mod tests {
    use conversations_core::{Documented, Found, NoteAction};

    use super::*;

    fn record() -> Value {
        serde_json::json!({
            "id": "c", "assistant_id": "a", "assistant_name": "A", "type": "api",
            "variables": {"k": "v"}, "message_count": 1, "total_cost": 0.5, "ai_enabled": false,
            "created_at": "2025-01-25 09:00:00", "updated_at": "2025-01-25T09:15:30Z"
        })
    }

    fn notes(c: &AutocallsConversation) -> Vec<(String, Documented, Found, NoteAction)> {
        c.notes
            .iter()
            .map(|n| (n.path.clone(), n.documented, n.found, n.action))
            .collect()
    }

    #[test]
    fn a_documented_record_has_no_notes() {
        let c = AutocallsConversation::from_value(&record());
        assert!(c.notes.is_empty(), "{:?}", c.notes);
        assert_eq!(c.variables.unwrap()["k"], "v");
    }

    #[test]
    fn tolerated_values_are_taken_and_noted() {
        let mut r = record();
        r["variables"] = serde_json::json!([]);
        r["total_cost"] = serde_json::json!("0.0021");
        r["assistant_id"] = serde_json::json!(102);
        r["type"] = serde_json::json!("voice");
        r["customer"] = serde_json::json!({"name": null, "phone": "+1"});
        let c = AutocallsConversation::from_value(&r);
        assert_eq!(c.variables, Some(BTreeMap::new()));
        assert_eq!(c.total_cost, Some(0.0021));
        assert_eq!(c.assistant_id.as_deref(), Some("102"));
        assert_eq!(
            c.conversation_type,
            Some(ConversationType::Other("voice".into()))
        );
        assert_eq!(c.customer.unwrap().phone.as_deref(), Some("+1"));
        assert_eq!(
            notes(&AutocallsConversation::from_value(&r)),
            [
                (
                    "assistant_id".into(),
                    Documented::String,
                    Found::Number,
                    NoteAction::Converted
                ),
                (
                    "variables".into(),
                    Documented::Object,
                    Found::Array,
                    NoteAction::Converted
                ),
                (
                    "total_cost".into(),
                    Documented::Number,
                    Found::String,
                    NoteAction::Converted
                ),
            ]
        );
    }

    #[test]
    fn unreadable_values_are_dropped_and_noted() {
        let cases = [
            (
                "created_at",
                serde_json::json!("yesterday"),
                Documented::Timestamp,
                Found::String,
            ),
            (
                "message_count",
                serde_json::json!(-1),
                Documented::Integer,
                Found::Number,
            ),
            (
                "variables",
                serde_json::json!("x"),
                Documented::Object,
                Found::String,
            ),
            (
                "total_cost",
                serde_json::json!("cheap"),
                Documented::Number,
                Found::String,
            ),
            ("ai_enabled", Value::Null, Documented::Boolean, Found::Null),
            (
                "whatsapp_sender",
                serde_json::json!({"name": "x"}),
                Documented::String,
                Found::Missing,
            ),
        ];
        for (field, value, documented, found) in cases {
            let mut r = record();
            r[field] = value;
            let c = AutocallsConversation::from_value(&r);
            let n = &c.notes[0];
            assert_eq!(
                (n.documented, n.found, n.action),
                (documented, found, NoteAction::Dropped),
                "{field}"
            );
            assert!(n.path.starts_with(field), "{field}: {}", n.path);
            assert!(!c.notes.iter().any(|n| n.to_string().contains("yesterday")));
        }
        let mut r = record();
        r.as_object_mut().unwrap().remove("id");
        let c = AutocallsConversation::from_value(&r);
        assert_eq!(c.id, None);
        assert_eq!(c.notes[0].to_string(), "id (missing, documented string)");
    }

    #[test]
    fn every_element_is_a_record_and_only_the_envelope_can_fail() {
        let body = format!(
            r#"{{"data":[{},7,null,"x",[]],"per_page":"5","next_cursor":null,"prev_cursor":null}}"#,
            record()
        );
        let page = decode_page(body.as_bytes(), Some(200)).unwrap();
        assert_eq!(page.data.len(), 5);
        assert_eq!(page.per_page, Some(5));
        assert!(page.data[0].notes.is_empty());
        for c in &page.data[1..] {
            assert_eq!(c.notes.len(), 1);
            assert_eq!(c.notes[0].path, "");
        }
        assert_eq!(page.data[1].raw.get(), "7");
        for body in [
            &b""[..],
            b"  ",
            b"{\"data\":[",
            b"[]",
            b"{\"data\":{}}",
            b"{\"items\":[]}",
            b"{\"data\":null}",
            b"{\"data\":[],\"next_cursor\":{}}",
        ] {
            let err = decode_page(body, Some(200)).unwrap_err();
            assert!(
                matches!(err, Error::Decode { snippet: None, .. }),
                "{err:?}"
            );
        }
    }

    #[test]
    fn page_errors_never_quote_the_body() {
        let body = br#"{"data":[{"customer":{"name":"Jane Doe"}}],"next_cursor":["Jane Doe"]}"#;
        let err = decode_page(body, Some(200)).unwrap_err();
        assert!(!err.to_string().contains("Jane"), "{err}");
        let body = br#"{"data":"Jane Doe"}"#;
        let err = decode_page(body, Some(200)).unwrap_err();
        assert!(!err.to_string().contains("Jane"), "{err}");
    }
}
