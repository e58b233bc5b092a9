//! ASAPP's conversation mapped into the normalized [`Conversation`] model, read tolerantly
//! from the item's bytes.

use conversations_core::decode::{Presence, RecordReader};
use conversations_core::{Conversation, Participant, ParticipantRole, RawJson};
use serde_json::Value;

use crate::protocol::PROVIDER;
use crate::types::AsappConversation;

/// One ASAPP conversation item (as received) in the normalized model.
///
/// `provider` is `"asapp"`; `id`, `external_id` as sent; `channel` is `None` (ASAPP sends
/// none); `agent` is a [`ParticipantRole::HumanAgent`] and `customer` a
/// [`ParticipantRole::Customer`], each with its `externalId` and `name`; `metadata` holds
/// ASAPP's string map as JSON strings; `raw` is the item's bytes.
///
/// Never fails. Where a field is off the spec's types it is taken when its meaning is
/// unambiguous (a number where a string is documented becomes its text; `[]` for
/// `metadata` is an empty map) or left empty (`null` where an object is documented, say),
/// and either way listed in `notes`.
///
/// ```
/// use conversations_core::ParticipantRole;
/// let item = serde_json::json!({
///     "id": "01BX5ZZKBKACTAV9WEVGEMMVRZ",
///     "externalId": "id-111",
///     "agent": {"externalId": "agent-111", "name": "agent-x"},
///     "customer": {"externalId": "customer-x", "name": "customer-name-x"},
///     "metadata": {"queue": "some-queue"}
/// });
/// let c = asapp_gen::normalize(&item);
/// assert_eq!(c.provider, "asapp");
/// assert_eq!(c.external_id.as_deref(), Some("id-111"));
/// assert_eq!(c.agent.unwrap().role, ParticipantRole::HumanAgent);
/// assert_eq!(c.metadata["queue"], "some-queue");
/// assert_eq!(c.raw, item);
/// assert!(c.notes.is_empty());
///
/// let odd = asapp_gen::normalize(&serde_json::json!({"externalId": "x", "customer": {"externalId": "c"}, "metadata": null}));
/// assert_eq!(odd.notes[0].to_string(), "metadata (null, documented object)");
/// ```
pub fn normalize(item: &Value) -> Conversation {
    to_conversation(RawJson::from(item))
}

/// The normalized form of one item's bytes.
pub(crate) fn to_conversation(raw: RawJson) -> Conversation {
    let mut notes = Vec::new();
    let mut c = Conversation::new(PROVIDER, RawJson::null());
    if let Some(mut r) = RecordReader::new(raw.as_raw_value(), &mut notes) {
        use Presence::{Optional, Required};
        c.id = r.string("id", Optional);
        c.external_id = r.string("externalId", Required);
        c.agent = r.object("agent", Optional, |a| {
            participant(ParticipantRole::HumanAgent, a)
        });
        c.customer = r.object("customer", Required, |a| {
            participant(ParticipantRole::Customer, a)
        });
        c.metadata = r.string_map("metadata", Optional).unwrap_or_default();
    }
    c.notes = notes;
    c.raw = raw;
    c
}

fn participant(role: ParticipantRole, r: &mut RecordReader<'_, '_>) -> Participant {
    let mut p = Participant::new(role);
    p.external_id = r.string("externalId", Presence::Required);
    p.name = r.string("name", Presence::Optional);
    p
}

impl AsappConversation {
    /// The item in the normalized model (see [`normalize()`](crate::normalize())).
    pub fn into_normalized(self) -> Conversation {
        to_conversation(self.raw)
    }
}

#[cfg(test)]
mod tests {
    use crate::types::decode_list;

    proptest::proptest! {
        /// Any JSON in `items`: one record per element, each normalizing without a panic.
        #[test]
        fn any_items_normalize(texts in proptest::collection::vec("[\\[\\]{}\",:0-9a-z ]{0,40}", 0..6)) {
            let valid: Vec<&String> = texts.iter().filter(|t| serde_json::from_str::<&serde_json::value::RawValue>(t).is_ok()).collect();
            let body = format!("{{\"items\":[{}]}}", valid.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(","));
            let items = decode_list(200, body.as_bytes()).expect("an items list");
            proptest::prop_assert_eq!(items.len(), valid.len());
            for item in items {
                let _ = item.into_normalized();
            }
        }
    }
}
