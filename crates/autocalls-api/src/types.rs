//! The response of `GET /user/conversations`, typed: [`ConversationsPage`] and
//! [`AutocallsConversation`], with each record's raw JSON kept alongside.
//!
//! Decoding reads the body into a [`serde_json::Value`] first, then each field by name, so a
//! field that does not fit is reported by record and name (`conversation data[1]` … `created_at: …`).
//!
//! What decoding tolerates is listed on [`AutocallsConversation`].

use chrono::{DateTime, Utc};
use conversations_core::Error;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::PROVIDER;
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

/// The WhatsApp business sender of a `whatsapp` conversation.
///
/// ```
/// let sender: autocalls_api::WhatsappSender =
///     serde_json::from_str(r#"{"name":"Acme Corp Support","phone":"+14155551234"}"#).unwrap();
/// assert_eq!(sender.phone, "+14155551234");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhatsappSender {
    /// The sender's display name (business name).
    pub name: String,
    /// The sender's phone number.
    pub phone: String,
}

/// The customer of a `whatsapp` conversation.
///
/// ```
/// let customer: autocalls_api::Customer = serde_json::from_str(r#"{"phone":"+14155559876"}"#).unwrap();
/// assert_eq!(customer.name, None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    /// The customer's name, if available (`null` or missing otherwise).
    #[serde(default)]
    pub name: Option<String>,
    /// The customer's phone number.
    pub phone: String,
}

/// One conversation as Autocalls sends it, typed, with the record's JSON in [`raw`](Self::raw).
///
/// Timestamps come as `2025-01-25 14:30:00` with no time zone; the SDK takes them as **UTC**.
/// RFC 3339 values are accepted too.
///
/// Where the vendor page is silent or loose, decoding is lenient in documented ways:
///
/// - `variables` may be `null` or missing (`None`); an empty JSON array (`[]`, what PHP's
///   `json_encode` makes of an empty array) is read as an empty map.
/// - `total_cost` may be a number or a numeric string (what Laravel's `decimal` casts send).
/// - `external_identifier` (documented for `api` conversations only) and `whatsapp_sender` /
///   `customer` (documented for `whatsapp` conversations only) are accepted and kept on any
///   conversation type: the SDK does not reject a record for carrying more than the docs say.
/// - Unknown fields are ignored by the typed view and kept in [`AutocallsConversation::raw`].
/// - A `type` the docs do not list is kept verbatim as [`ConversationType::Other`].
///
/// ```
/// use autocalls_api::{AutocallsConversation, ConversationType};
///
/// let json = serde_json::json!({
///     "id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
///     "assistant_id": "a1b2c3d4-5678-90ab-cdef-1234567890ab",
///     "assistant_name": "Support Assistant",
///     "type": "widget",
///     "variables": null,
///     "message_count": 12,
///     "total_cost": 0.0045,
///     "ai_enabled": true,
///     "created_at": "2025-01-25 14:30:00",
///     "updated_at": "2025-01-25 14:45:22"
/// });
/// let c = AutocallsConversation::from_value(&json).unwrap();
/// assert_eq!(c.conversation_type, ConversationType::Widget);
/// assert_eq!(c.created_at.to_rfc3339(), "2025-01-25T14:30:00+00:00");
/// assert_eq!(c.raw, json);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AutocallsConversation {
    /// The conversation's identifier (documented as a UUID; kept as a string, unchecked).
    pub id: String,
    /// The UUID of the assistant handling the conversation. Note: the `assistant_id` *query
    /// filter* takes the assistant's integer id instead.
    pub assistant_id: String,
    /// The assistant's name.
    pub assistant_name: String,
    /// The conversation type (JSON field `type`).
    pub conversation_type: ConversationType,
    /// Custom key/value variables; `None` when `null` or absent.
    pub variables: Option<Map<String, Value>>,
    /// The caller's identifier; documented for `api` conversations only.
    pub external_identifier: Option<String>,
    /// Number of messages in the conversation.
    pub message_count: u64,
    /// Total cost in US dollars.
    pub total_cost: f64,
    /// Whether AI responses are enabled.
    pub ai_enabled: bool,
    /// When the conversation was created, taken as UTC.
    pub created_at: DateTime<Utc>,
    /// When the conversation was last updated, taken as UTC.
    pub updated_at: DateTime<Utc>,
    /// The WhatsApp business sender; documented for `whatsapp` conversations only.
    pub whatsapp_sender: Option<WhatsappSender>,
    /// The customer; documented for `whatsapp` conversations only.
    pub customer: Option<Customer>,
    /// The record exactly as received.
    pub raw: Value,
}

impl AutocallsConversation {
    /// Decodes one record of `data`, keeping a copy of it in [`raw`](Self::raw).
    ///
    /// A field that is missing or does not fit is an [`Error::Decode`] naming the field.
    ///
    /// ```
    /// let err = autocalls_api::AutocallsConversation::from_value(&serde_json::json!({"id": 1}))
    ///     .unwrap_err();
    /// assert!(err.to_string().contains("id: invalid type"));
    /// ```
    pub fn from_value(item: &Value) -> Result<Self, Error> {
        let mut conversation = decode_conversation(item).map_err(|reason| {
            Error::decode(
                PROVIDER,
                None,
                "conversation",
                reason,
                item.to_string().as_bytes(),
            )
        })?;
        conversation.raw = item.clone();
        Ok(conversation)
    }
}

/// One page of `GET /user/conversations`.
///
/// ```
/// let body = br#"{"data":[],"path":"https://app.autocalls.ai/api/user/conversations",
///     "per_page":15,"next_cursor":null,"prev_cursor":null}"#;
/// let page = autocalls_api::ConversationsPage::from_slice(body).unwrap();
/// assert!(page.data.is_empty());
/// assert_eq!(page.per_page, 15);
/// assert!(page.next_cursor.is_none());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ConversationsPage {
    /// The conversations on this page, in the order served.
    pub data: Vec<AutocallsConversation>,
    /// The endpoint's URL, as the server reports it (shown in the docs' example, not in
    /// their field list, so optional).
    pub path: Option<String>,
    /// The page size the server used.
    pub per_page: u32,
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
    /// Bodies that are not JSON (HTML, truncated, empty) or do not fit the documented shape
    /// are an [`Error::Decode`] naming what did not fit.
    ///
    /// ```
    /// let err = autocalls_api::ConversationsPage::from_slice(b"<html>oops</html>").unwrap_err();
    /// assert!(matches!(err, conversations_core::Error::Decode { .. }));
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
        page_from_value(body).map_err(|(what, reason, value)| {
            Error::decode(PROVIDER, None, what, reason, value.to_string().as_bytes())
        })
    }
}

/// Decodes a body answered with `status`.
pub(crate) fn decode_page(body: &[u8], status: Option<u16>) -> Result<ConversationsPage, Error> {
    let fail = |what: String, reason: String| Error::decode(PROVIDER, status, what, reason, body);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(fail(
            "conversations page".to_owned(),
            "the body is empty".to_owned(),
        ));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| fail("conversations page".to_owned(), format!("not JSON: {e}")))?;
    page_from_value(value).map_err(|(what, reason, _)| fail(what, reason))
}

type PageDecodeError = (String, String, Value);

fn page_from_value(mut body: Value) -> Result<ConversationsPage, PageDecodeError> {
    let page_error =
        |reason: String, body: &Value| Err(("conversations page".to_owned(), reason, body.clone()));
    let Some(object) = body.as_object_mut() else {
        return page_error("expected a JSON object".to_owned(), &body);
    };
    let data = match object.get_mut("data").map(Value::take) {
        Some(Value::Array(items)) => items,
        Some(other) => {
            return page_error(
                format!("data: expected an array, got {}", kind(&other)),
                &body,
            );
        }
        None => return page_error("data: missing".to_owned(), &body),
    };
    let object = &*object;
    let header = (|| {
        Ok::<_, String>((
            optional::<String>(object, "path")?,
            required::<u32>(object, "per_page")?,
            optional::<String>(object, "next_cursor")?,
            optional::<String>(object, "prev_cursor")?,
        ))
    })();
    let (path, per_page, next_cursor, prev_cursor) = match header {
        Ok(fields) => fields,
        Err(reason) => return page_error(reason, &body),
    };
    let mut conversations = Vec::with_capacity(data.len());
    for (i, item) in data.into_iter().enumerate() {
        match decode_conversation(&item) {
            Ok(mut conversation) => {
                conversation.raw = item;
                conversations.push(conversation);
            }
            Err(reason) => return Err((format!("conversation data[{i}]"), reason, item)),
        }
    }
    Ok(ConversationsPage {
        data: conversations,
        path,
        per_page,
        next_cursor,
        prev_cursor,
        request_id: None,
    })
}

/// Decodes one record; the error names the field.
fn decode_conversation(item: &Value) -> Result<AutocallsConversation, String> {
    let Some(object) = item.as_object() else {
        return Err(format!("expected a JSON object, got {}", kind(item)));
    };
    let time = |name: &str| -> Result<DateTime<Utc>, String> {
        let text: String = required(object, name)?;
        timestamp::parse(name, &text).map_err(|e| e.to_string())
    };
    Ok(AutocallsConversation {
        id: required(object, "id")?,
        assistant_id: required(object, "assistant_id")?,
        assistant_name: required(object, "assistant_name")?,
        conversation_type: required(object, "type")?,
        variables: variables(object)?,
        external_identifier: optional(object, "external_identifier")?,
        message_count: required(object, "message_count")?,
        total_cost: total_cost(object)?,
        ai_enabled: required(object, "ai_enabled")?,
        created_at: time("created_at")?,
        updated_at: time("updated_at")?,
        whatsapp_sender: optional(object, "whatsapp_sender")?,
        customer: optional(object, "customer")?,
        raw: Value::Null,
    })
}

fn required<T: DeserializeOwned>(object: &Map<String, Value>, name: &str) -> Result<T, String> {
    match object.get(name) {
        None => Err(format!("{name}: missing")),
        Some(value) => T::deserialize(value).map_err(|e| format!("{name}: {e}")),
    }
}

fn optional<T: DeserializeOwned>(
    object: &Map<String, Value>,
    name: &str,
) -> Result<Option<T>, String> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => T::deserialize(value)
            .map(Some)
            .map_err(|e| format!("{name}: {e}")),
    }
}

fn variables(object: &Map<String, Value>) -> Result<Option<Map<String, Value>>, String> {
    match object.get("variables") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => Ok(Some(map.clone())),
        Some(Value::Array(items)) if items.is_empty() => Ok(Some(Map::new())),
        Some(other) => Err(format!(
            "variables: expected an object or null, got {}",
            kind(other)
        )),
    }
}

fn total_cost(object: &Map<String, Value>) -> Result<f64, String> {
    match object.get("total_cost") {
        Some(Value::String(text)) => text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .ok_or_else(|| format!("total_cost: {text:?} is not a number")),
        _ => required(object, "total_cost"),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Value {
        serde_json::json!({
            "id": "c", "assistant_id": "a", "assistant_name": "A", "type": "api",
            "variables": {"k": "v"}, "message_count": 1, "total_cost": 0.5, "ai_enabled": false,
            "created_at": "2025-01-25 09:00:00", "updated_at": "2025-01-25T09:15:30Z"
        })
    }

    #[test]
    fn lenient_where_documented() {
        let mut r = record();
        r["variables"] = serde_json::json!([]);
        r["total_cost"] = serde_json::json!("0.0021");
        r["type"] = serde_json::json!("voice");
        r["customer"] = serde_json::json!({"name": null, "phone": "+1"});
        let c = decode_conversation(&r).unwrap();
        assert_eq!(c.variables, Some(Map::new()));
        assert_eq!(c.total_cost, 0.0021);
        assert_eq!(c.conversation_type, ConversationType::Other("voice".into()));
        assert_eq!(c.customer.unwrap().phone, "+1");
        r.as_object_mut().unwrap().remove("variables");
        assert_eq!(decode_conversation(&r).unwrap().variables, None);
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (
                "created_at",
                serde_json::json!("yesterday"),
                "created_at: \"yesterday\"",
            ),
            (
                "message_count",
                serde_json::json!(-1),
                "message_count: invalid value",
            ),
            (
                "variables",
                serde_json::json!("x"),
                "variables: expected an object",
            ),
            (
                "total_cost",
                serde_json::json!("cheap"),
                "total_cost: \"cheap\"",
            ),
            ("ai_enabled", Value::Null, "ai_enabled: invalid type: null"),
            (
                "whatsapp_sender",
                serde_json::json!({"name": "x"}),
                "whatsapp_sender: missing field `phone`",
            ),
        ];
        for (field, value, expected) in cases {
            let mut r = record();
            r[field] = value;
            let err = decode_conversation(&r).unwrap_err();
            assert!(err.starts_with(expected), "{field}: {err}");
        }
        let mut r = record();
        r.as_object_mut().unwrap().remove("id");
        assert_eq!(decode_conversation(&r).unwrap_err(), "id: missing");
    }

    #[test]
    fn page_errors_name_the_record() {
        let mut bad = record();
        bad["updated_at"] = serde_json::json!("nope");
        let body = serde_json::json!({"data": [record(), bad], "per_page": 2});
        let err = decode_page(body.to_string().as_bytes(), Some(200)).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with(
                "autocalls: could not decode conversation data[1] (HTTP 200): updated_at: \"nope\""
            ),
            "{text}"
        );
        for body in [
            &b""[..],
            b"  ",
            b"{\"data\":[",
            b"[]",
            b"{\"data\":{}}",
            b"{\"data\":[]}",
        ] {
            assert!(matches!(
                decode_page(body, Some(200)),
                Err(Error::Decode { .. })
            ));
        }
    }
}
