//! 2xx answers: the `{"items": [...]}` body decoded item by item into the generated
//! [`types::Conversation`], each kept with its raw JSON.

use conversations_core::Error;
use serde::Deserialize as _;
use serde_json::Value;

use crate::client::{AsappConversation, PROVIDER};
use crate::generated::types;

/// Decodes a 2xx body. Not JSON, not an object, `items` not an array: [`Error::Decode`] over
/// the body. An item that is not a conversation: [`Error::Decode`] naming its index, over
/// the item. A missing `items` is an empty list (the spec does not require it).
pub(crate) fn decode_list(status: u16, body: &[u8]) -> Result<Vec<AsappConversation>, Error> {
    let invalid =
        |reason: String| Error::decode(PROVIDER, Some(status), "conversation list", reason, body);
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| invalid(format!("expected a JSON object with items: {e}")))?;
    let Value::Object(mut object) = value else {
        return Err(invalid("expected a JSON object with items".to_owned()));
    };
    let items = match object.remove("items") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(invalid("items is not an array".to_owned())),
    };
    items
        .into_iter()
        .enumerate()
        .map(|(index, raw)| {
            let conversation = decode_item(&raw).map_err(|e| {
                Error::decode(
                    PROVIDER,
                    Some(status),
                    format!("conversation at items[{index}]"),
                    e,
                    raw.to_string().as_bytes(),
                )
            })?;
            Ok(AsappConversation { conversation, raw })
        })
        .collect()
}

/// One item as the generated type.
pub(crate) fn decode_item(raw: &Value) -> Result<types::Conversation, serde_json::Error> {
    types::Conversation::deserialize(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_item_is_named_by_index() {
        let body =
            br#"{"items":[{"externalId":"a","customer":{"externalId":"c"}},{"externalId":"b"}]}"#;
        let err = decode_list(200, body).unwrap_err();
        assert!(matches!(
            err,
            Error::Decode {
                status: Some(200),
                ..
            }
        ));
        assert!(err.to_string().contains("items[1]"), "{err}");
        assert!(err.to_string().contains("customer"), "{err}");
    }

    #[test]
    fn missing_items_is_empty_and_non_object_is_refused() {
        assert!(decode_list(200, b"{}").unwrap().is_empty());
        assert!(decode_list(200, b"[]").is_err());
        assert!(decode_list(200, br#"{"items":{}}"#).is_err());
    }
}
