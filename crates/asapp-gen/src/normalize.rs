//! ASAPP's conversation mapped into the normalized [`Conversation`] model.

use conversations_core::{Conversation, Error, Participant, ParticipantRole};
use serde_json::Value;

use crate::client::PROVIDER;
use crate::generated::types;
use crate::list_body::decode_item;

/// One ASAPP conversation item (as received) in the normalized model.
///
/// `provider` is `"asapp"`; `id`, `external_id` as sent; `channel` is `None` (ASAPP sends
/// none); `agent` is a [`ParticipantRole::HumanAgent`] and `customer` a
/// [`ParticipantRole::Customer`], each with its `externalId` and `name`; `metadata` holds
/// ASAPP's string map as JSON strings; `raw` is `item` exactly. An item that is not an ASAPP
/// conversation is [`Error::Decode`].
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
/// let c = asapp_gen::normalize(&item).unwrap();
/// assert_eq!(c.provider, "asapp");
/// assert_eq!(c.external_id.as_deref(), Some("id-111"));
/// assert_eq!(c.agent.unwrap().role, ParticipantRole::HumanAgent);
/// assert_eq!(c.metadata["queue"], "some-queue");
/// assert_eq!(c.raw, item);
///
/// let err = asapp_gen::normalize(&serde_json::json!({"id": "x"})).unwrap_err();
/// assert!(matches!(err, conversations_core::Error::Decode { .. }));
/// ```
pub fn normalize(item: &Value) -> Result<Conversation, Error> {
    let typed = decode_item(item).map_err(|e| {
        Error::decode(
            PROVIDER,
            None,
            "conversation",
            e,
            item.to_string().as_bytes(),
        )
    })?;
    Ok(to_conversation(&typed, item.clone()))
}

/// The normalized form of a decoded item, with `raw` as given.
pub(crate) fn to_conversation(item: &types::Conversation, raw: Value) -> Conversation {
    let mut c = Conversation::new(PROVIDER, raw);
    c.id = item.id.clone();
    c.external_id = Some(item.external_id.clone());
    c.channel = None;
    c.agent = item.agent.as_ref().map(|agent| Participant {
        external_id: Some(agent.external_id.clone()),
        name: agent.name.clone(),
        ..Participant::new(ParticipantRole::HumanAgent)
    });
    c.customer = Some(Participant {
        external_id: Some(item.customer.external_id.clone()),
        name: item.customer.name.clone(),
        ..Participant::new(ParticipantRole::Customer)
    });
    c.metadata = item
        .metadata
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    c
}
