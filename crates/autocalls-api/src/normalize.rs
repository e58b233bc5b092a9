//! Mapping an Autocalls conversation into the normalized [`Conversation`].
//!
//! The mapping table is on [`normalize()`].

use conversations_core::{Conversation, Participant, ParticipantRole};
use serde_json::Value;

use crate::protocol::PROVIDER;
use crate::types::AutocallsConversation;

/// Decodes one record of a response's `data` (tolerantly: see
/// [`AutocallsConversation`]) and maps it into the normalized model. Never fails; what could
/// not be read is empty, and noted in `notes`.
///
/// | normalized            | Autocalls                                                      |
/// |-----------------------|----------------------------------------------------------------|
/// | `provider`            | `"autocalls"`                                                  |
/// | `id`                  | `id`                                                           |
/// | `external_id`         | `external_identifier`                                          |
/// | `channel`             | `type` (`test`, `widget`, `whatsapp`, `api`, others verbatim)  |
/// | `agent`               | AI assistant: `id` = `assistant_id` (the UUID), `name` = `assistant_name` |
/// | `customer`            | `customer` {`name`, `phone`}                                   |
/// | `business`            | `whatsapp_sender` {`name`, `phone`}                            |
/// | `metadata`            | `variables` (`null` → empty)                                   |
/// | `message_count`, `total_cost`, `ai_enabled` | the same fields                          |
/// | `created_at`, `updated_at` | the same fields, taken as UTC                             |
/// | `raw`                 | the record exactly as received                                 |
/// | `notes`               | every field off its documented type                            |
///
/// ```
/// use conversations_core::{Channel, ParticipantRole};
///
/// let item = serde_json::json!({
///     "id": "8d0f7780-8536-51ef-055c-f18fd2g01bf8",
///     "assistant_id": "a1b2c3d4-5678-90ab-cdef-1234567890ab",
///     "assistant_name": "Support Assistant",
///     "type": "whatsapp",
///     "variables": null,
///     "message_count": 8,
///     "total_cost": 0.0032,
///     "ai_enabled": true,
///     "created_at": "2025-01-25 10:15:00",
///     "updated_at": "2025-01-25 10:28:45",
///     "whatsapp_sender": {"name": "Acme Corp Support", "phone": "+14155551234"},
///     "customer": {"name": "John Doe", "phone": "+14155559876"}
/// });
/// let c = autocalls_api::normalize(&item);
/// assert_eq!(c.provider, "autocalls");
/// assert_eq!(c.channel, Some(Channel::Whatsapp));
/// assert_eq!(c.agent.as_ref().unwrap().role, ParticipantRole::AiAssistant);
/// assert_eq!(c.customer.unwrap().phone.as_deref(), Some("+14155559876"));
/// assert_eq!(c.business.unwrap().name.as_deref(), Some("Acme Corp Support"));
/// assert!(c.metadata.is_empty());
/// assert_eq!(c.raw, item);
/// ```
pub fn normalize(item: &Value) -> Conversation {
    AutocallsConversation::from_value(item).into_normalized()
}

impl AutocallsConversation {
    /// The normalized view of this conversation (see [`normalize()`](crate::normalize()) for the mapping).
    ///
    /// ```
    /// # let item = serde_json::json!({"id": "c", "assistant_id": "a", "assistant_name": "A",
    /// #     "type": "api", "variables": {"lead_id": "12345"}, "external_identifier": "crm-lead-12345",
    /// #     "message_count": 5, "total_cost": 0.0021, "ai_enabled": true,
    /// #     "created_at": "2025-01-25 09:00:00", "updated_at": "2025-01-25 09:15:30"});
    /// let c = autocalls_api::AutocallsConversation::from_value(&item).into_normalized();
    /// assert_eq!(c.external_id.as_deref(), Some("crm-lead-12345"));
    /// assert_eq!(c.metadata["lead_id"], "12345");
    /// ```
    pub fn into_normalized(self) -> Conversation {
        let mut c = Conversation::new(PROVIDER, self.raw);
        c.notes = self.notes;
        c.id = self.id;
        c.external_id = self.external_identifier;
        c.channel = self.conversation_type;
        if self.assistant_id.is_some() || self.assistant_name.is_some() {
            let mut agent = Participant::new(ParticipantRole::AiAssistant);
            agent.id = self.assistant_id;
            agent.name = self.assistant_name;
            c.agent = Some(agent);
        }
        c.customer = self.customer.map(|customer| {
            let mut p = Participant::new(ParticipantRole::Customer);
            p.name = customer.name;
            p.phone = customer.phone;
            p
        });
        c.business = self.whatsapp_sender.map(|sender| {
            let mut p = Participant::new(ParticipantRole::Business);
            p.name = sender.name;
            p.phone = sender.phone;
            p
        });
        c.metadata = self.variables.unwrap_or_default();
        c.message_count = self.message_count;
        c.total_cost = self.total_cost;
        c.ai_enabled = self.ai_enabled;
        c.created_at = self.created_at;
        c.updated_at = self.updated_at;
        c
    }
}
