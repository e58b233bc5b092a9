//! The normalized conversation model that every provider maps into.
//!
//! A [`Conversation`] carries the fields providers have in common, each optional where a
//! provider may not send it, plus [`Conversation::raw`]: the provider's record exactly as
//! received, so nothing a provider sends is ever lost.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One conversation, normalized across providers.
///
/// JSON field names are `snake_case`. Fields a provider does not send are `None` (or empty
/// for `metadata`); the record as the provider sent it is always in [`raw`](Self::raw).
///
/// ```
/// use conversations_core::{Channel, Conversation, Participant, ParticipantRole};
///
/// let mut c = Conversation::new("memory", serde_json::json!({"id": "c-1"}));
/// c.id = Some("c-1".into());
/// c.channel = Some(Channel::Whatsapp);
/// c.customer = Some(Participant::new(ParticipantRole::Customer).with_phone("+14155559876"));
/// let json = serde_json::to_value(&c).unwrap();
/// assert_eq!(json["channel"], "whatsapp");
/// assert_eq!(json["customer"]["role"], "customer");
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub struct Conversation {
    /// The provider this record came from, as named by [`ConversationSource::provider`](crate::ConversationSource::provider).
    pub provider: String,
    /// The provider's own identifier for the conversation.
    pub id: Option<String>,
    /// The caller's identifier for the conversation (ASAPP `externalId`, Autocalls `external_identifier`).
    pub external_id: Option<String>,
    /// Where the conversation took place.
    pub channel: Option<Channel>,
    /// Who answered on the business side: a human agent or an AI assistant.
    pub agent: Option<Participant>,
    /// The customer.
    pub customer: Option<Participant>,
    /// The provider-side sender, for example a WhatsApp business number.
    pub business: Option<Participant>,
    /// Custom key/value data attached to the conversation.
    #[serde(default)]
    pub metadata: BTreeMap<String, serde_json::Value>,
    /// Number of messages exchanged.
    pub message_count: Option<u64>,
    /// Total cost of the conversation in US dollars.
    pub total_cost: Option<f64>,
    /// Whether AI responses are enabled for the conversation.
    pub ai_enabled: Option<bool>,
    /// When the conversation was created (UTC).
    pub created_at: Option<DateTime<Utc>>,
    /// When the conversation was last updated (UTC).
    pub updated_at: Option<DateTime<Utc>>,
    /// The provider's record exactly as received.
    pub raw: serde_json::Value,
}

impl Conversation {
    /// A conversation from `provider` with every normalized field empty and `raw` set.
    ///
    /// ```
    /// let c = conversations_core::Conversation::new("memory", serde_json::Value::Null);
    /// assert_eq!(c.provider, "memory");
    /// assert!(c.id.is_none());
    /// ```
    pub fn new(provider: impl Into<String>, raw: serde_json::Value) -> Self {
        Self {
            provider: provider.into(),
            raw,
            ..Self::default()
        }
    }
}

/// A participant in a conversation: who it is and what it is.
///
/// ```
/// use conversations_core::{Participant, ParticipantRole};
///
/// let agent = Participant::new(ParticipantRole::HumanAgent)
///     .with_external_id("agent-111")
///     .with_name("agent-x");
/// assert_eq!(agent.external_id.as_deref(), Some("agent-111"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub struct Participant {
    /// What the participant is.
    pub role: ParticipantRole,
    /// The provider's identifier for the participant.
    pub id: Option<String>,
    /// The caller's identifier for the participant.
    pub external_id: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Phone number, as the provider gives it (usually E.164).
    pub phone: Option<String>,
}

impl Participant {
    /// A participant with only its role set.
    ///
    /// ```
    /// use conversations_core::{Participant, ParticipantRole};
    /// assert_eq!(Participant::new(ParticipantRole::Customer).name, None);
    /// ```
    pub fn new(role: ParticipantRole) -> Self {
        Self {
            role,
            id: None,
            external_id: None,
            name: None,
            phone: None,
        }
    }

    /// Sets the provider's identifier.
    ///
    /// ```
    /// # use conversations_core::{Participant, ParticipantRole};
    /// let p = Participant::new(ParticipantRole::AiAssistant).with_id("a1");
    /// assert_eq!(p.id.as_deref(), Some("a1"));
    /// ```
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Sets the caller's identifier.
    ///
    /// ```
    /// # use conversations_core::{Participant, ParticipantRole};
    /// let p = Participant::new(ParticipantRole::Customer).with_external_id("cust-1");
    /// assert_eq!(p.external_id.as_deref(), Some("cust-1"));
    /// ```
    pub fn with_external_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_id = Some(external_id.into());
        self
    }

    /// Sets the display name.
    ///
    /// ```
    /// # use conversations_core::{Participant, ParticipantRole};
    /// let p = Participant::new(ParticipantRole::Customer).with_name("Jane");
    /// assert_eq!(p.name.as_deref(), Some("Jane"));
    /// ```
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the phone number.
    ///
    /// ```
    /// # use conversations_core::{Participant, ParticipantRole};
    /// let p = Participant::new(ParticipantRole::Business).with_phone("+14155551234");
    /// assert_eq!(p.phone.as_deref(), Some("+14155551234"));
    /// ```
    pub fn with_phone(mut self, phone: impl Into<String>) -> Self {
        self.phone = Some(phone.into());
        self
    }
}

/// What a [`Participant`] is.
///
/// ```
/// use conversations_core::ParticipantRole;
/// assert_eq!(serde_json::to_string(&ParticipantRole::AiAssistant).unwrap(), "\"ai_assistant\"");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParticipantRole {
    /// A person answering for the business.
    HumanAgent,
    /// An AI assistant answering for the business.
    AiAssistant,
    /// The business's customer.
    Customer,
    /// The business itself, e.g. its WhatsApp sender number.
    Business,
}

/// Where a conversation took place.
///
/// An open set: the four channels providers document today have variants, and any other
/// value is kept verbatim in [`Channel::Other`]. Build one from a string with
/// [`Channel::from`] (or `parse`), which never fails and picks the known variant when there is one.
///
/// ```
/// use conversations_core::Channel;
///
/// assert_eq!(Channel::from("whatsapp"), Channel::Whatsapp);
/// assert_eq!(Channel::from("voice"), Channel::Other("voice".into()));
/// assert_eq!(Channel::from("voice").as_str(), "voice");
/// let json = serde_json::to_string(&Channel::Api).unwrap();
/// assert_eq!(json, "\"api\"");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// Internal test conversations.
    Test,
    /// A web chat widget.
    Widget,
    /// WhatsApp Business.
    Whatsapp,
    /// Created through an API.
    Api,
    /// Any other value, kept verbatim.
    Other(String),
}

impl Channel {
    /// The four channels providers document, in the order Autocalls' docs list them.
    ///
    /// ```
    /// assert_eq!(conversations_core::Channel::KNOWN.len(), 4);
    /// ```
    pub const KNOWN: [Channel; 4] = [
        Channel::Test,
        Channel::Widget,
        Channel::Whatsapp,
        Channel::Api,
    ];

    /// Whether this is one of the [`KNOWN`](Self::KNOWN) channels (not [`Other`](Self::Other)).
    ///
    /// ```
    /// use conversations_core::Channel;
    /// assert!(Channel::Widget.is_known());
    /// assert!(!Channel::from("voice").is_known());
    /// ```
    pub fn is_known(&self) -> bool {
        !matches!(self, Channel::Other(_))
    }

    /// The wire spelling of the channel.
    ///
    /// ```
    /// assert_eq!(conversations_core::Channel::Widget.as_str(), "widget");
    /// ```
    pub fn as_str(&self) -> &str {
        match self {
            Channel::Test => "test",
            Channel::Widget => "widget",
            Channel::Whatsapp => "whatsapp",
            Channel::Api => "api",
            Channel::Other(other) => other,
        }
    }
}

impl From<&str> for Channel {
    fn from(value: &str) -> Self {
        match value {
            "test" => Channel::Test,
            "widget" => Channel::Widget,
            "whatsapp" => Channel::Whatsapp,
            "api" => Channel::Api,
            other => Channel::Other(other.to_owned()),
        }
    }
}

impl From<String> for Channel {
    fn from(value: String) -> Self {
        match Channel::from(value.as_str()) {
            Channel::Other(_) => Channel::Other(value),
            known => known,
        }
    }
}

impl FromStr for Channel {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Channel::from(s))
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Channel {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Channel {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Channel::from)
    }
}

impl JsonSchema for Channel {
    fn schema_name() -> String {
        "Channel".to_owned()
    }

    fn json_schema(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        use schemars::schema::{InstanceType, Metadata, SchemaObject};
        SchemaObject {
            instance_type: Some(InstanceType::String.into()),
            metadata: Some(Box::new(Metadata {
                description: Some(
                    "Where the conversation took place: `test`, `widget`, `whatsapp`, `api`, \
                     or any other value a provider sends, kept verbatim."
                        .to_owned(),
                ),
                examples: vec!["whatsapp".into(), "widget".into()],
                ..Metadata::default()
            })),
            ..SchemaObject::default()
        }
        .into()
    }
}
