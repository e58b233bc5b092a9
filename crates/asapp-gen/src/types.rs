//! ASAPP's wire types: the ones progenitor generates from the OpenAPI document
//! (`ConversationList`, [`Conversation`], `Agent`, `Customer`, `ErrorEnvelope`,
//! `ErrorDetails`, re-exported here untouched), and [`AsappConversation`], one listed item
//! with its exact bytes.
//!
//! 2xx answers: the `{"items": [...]}` envelope, decoded in one pass that borrows the body;
//! every element of `items` becomes one [`AsappConversation`] holding its exact bytes.

use conversations_core::decode::{self, ListField};
use conversations_core::{Error, JsonType, RawJson};
use serde::Deserialize;
use serde_json::value::RawValue;

pub use crate::generated::types::*;
use crate::protocol::PROVIDER;

/// One conversation as ASAPP sent it: the item's exact bytes.
///
/// [`typed`](Self::typed) reads it as the generated [`Conversation`] (strictly: the
/// spec's types or an error); [`into_normalized`](Self::into_normalized) maps it into the
/// normalized model tolerantly, noting what was off the spec.
///
/// ```
/// use asapp_gen::AsappConversation;
/// let listed = AsappConversation::from(serde_json::json!({"externalId": "id-1", "customer": {"externalId": "c-1"}, "new": 1}));
/// assert_eq!(listed.typed().unwrap().external_id, "id-1");
/// assert_eq!(listed.raw.get(), r#"{"customer":{"externalId":"c-1"},"externalId":"id-1","new":1}"#);
/// let c = listed.into_normalized();
/// assert_eq!(c.external_id.as_deref(), Some("id-1"));
///
/// let odd = AsappConversation::from(serde_json::json!({"externalId": 7, "customer": {"externalId": "c"}}));
/// assert!(odd.typed().is_err());
/// assert_eq!(odd.into_normalized().external_id.as_deref(), Some("7"));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AsappConversation {
    /// The item exactly as received.
    pub raw: RawJson,
}

impl AsappConversation {
    /// The item as the generated type, or [`Error::Decode`] naming where it is off the spec
    /// (a position and JSON type, never a value).
    pub fn typed(&self) -> Result<Conversation, Error> {
        serde_json::from_str(self.raw.get())
            .map_err(|e| Error::decode(PROVIDER, None, "conversation", decode::describe(&e), b""))
    }
}

impl From<RawJson> for AsappConversation {
    fn from(raw: RawJson) -> Self {
        Self { raw }
    }
}

impl From<serde_json::Value> for AsappConversation {
    fn from(value: serde_json::Value) -> Self {
        Self {
            raw: RawJson::from(value),
        }
    }
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    items: Option<ListField<'a>>,
}

/// Decodes a 2xx body. Not JSON, not an object, `items` missing, `null` or not an array:
/// [`Error::Decode`] naming what was wrong, never quoting the body. Every element of `items`
/// — whatever it holds — is one [`AsappConversation`].
pub(crate) fn decode_list(status: u16, body: &[u8]) -> Result<Vec<AsappConversation>, Error> {
    decode_list_with(status, body, |raw| AsappConversation {
        raw: RawJson::from_raw(raw),
    })
}

/// [`decode_list`], making each element with `item` straight from its bytes.
pub(crate) fn decode_list_with<T>(
    status: u16,
    body: &[u8],
    item: impl FnMut(&RawValue) -> T,
) -> Result<Vec<T>, Error> {
    let fail =
        |reason: String| Error::decode(PROVIDER, Some(status), "conversation list", reason, body);
    if let Some(reason) = decode::not_an_object(body) {
        return Err(fail(reason));
    }
    let envelope: Envelope<'_> =
        serde_json::from_slice(body).map_err(|e| fail(decode::describe(&e)))?;
    match envelope.items {
        Some(ListField::List(items)) => Ok(items.into_iter().map(item).collect()),
        None | Some(ListField::Not(JsonType::Null)) => {
            Err(fail("items is missing (or null)".to_owned()))
        }
        Some(ListField::Not(found)) => {
            Err(fail(format!("items: expected an array, found {found}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_comes_through() {
        let body =
            br#"{"items":[{"externalId":"a","customer":{"externalId":"c"}},{"externalId":"b"},7]}"#;
        let items = decode_list(200, body).unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(items[2].raw.get(), "7");
    }

    #[test]
    fn a_broken_envelope_is_an_error_without_content() {
        for body in [
            &b"{}"[..],
            b"[]",
            br#"{"items":{}}"#,
            br#"{"items":null}"#,
            b"",
            b"{\"items\":[",
        ] {
            let err = decode_list(200, body).unwrap_err();
            assert!(
                matches!(err, Error::Decode { snippet: None, .. }),
                "{err:?}"
            );
        }
        let err = decode_list(200, br#"{"items":"Jane Doe"}"#).unwrap_err();
        assert!(!err.to_string().contains("Jane"), "{err}");
    }

    proptest::proptest! {
        /// Any bytes: a list or an error, never a panic, and never a quote of a 2xx body.
        #[test]
        fn the_decoder_never_panics(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
            if let Err(err) = decode_list(200, &body) {
                let quoted = matches!(err, Error::Decode { snippet: Some(_), .. });
                proptest::prop_assert!(!quoted);
            }
        }
    }
}
