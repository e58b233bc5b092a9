//! The normalized conversation model that every provider maps into.
//!
//! A [`Conversation`] carries the fields providers have in common, each optional where a
//! provider may not send it, plus [`Conversation::raw`]: the provider's record exactly as
//! received (the bytes), so nothing a provider sends is ever lost, and
//! [`Conversation::notes`]: every field that was off its documented type.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::note::DecodeNote;
use crate::raw::RawJson;

/// One conversation, normalized across providers.
///
/// JSON field names are `snake_case`. Fields a provider does not send, or sent in a form
/// that could not be read, are `None` (or empty for `metadata`) and left out of JSON output;
/// timestamps are written as RFC 3339 in UTC (`2025-01-25T14:30:00Z`); the record as the provider
/// sent it is always in [`raw`](Self::raw), and every field that was off its documented type
/// is listed in [`notes`](Self::notes).
///
/// The struct is `#[non_exhaustive]`: build one with [`Conversation::new`] and set its
/// public fields, so new fields are not a breaking change.
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
/// assert_eq!(json["raw"]["id"], "c-1");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct Conversation {
    /// The provider this record came from, as named by [`ConversationSource::provider`](crate::ConversationSource::provider).
    #[schemars(with = "String")]
    pub provider: Cow<'static, str>,
    /// The provider's own identifier for the conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The caller's identifier for the conversation (ASAPP `externalId`, Autocalls `external_identifier`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Where the conversation took place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// Who answered on the business side: a human agent or an AI assistant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<Participant>,
    /// The customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<Participant>,
    /// The provider-side sender, for example a WhatsApp business number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business: Option<Participant>,
    /// Custom key/value data attached to the conversation.
    #[serde(default)]
    pub metadata: BTreeMap<String, serde_json::Value>,
    /// Number of messages exchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_count: Option<u64>,
    /// Total cost of the conversation in US dollars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_cost: Option<f64>,
    /// Whether AI responses are enabled for the conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ai_enabled: Option<bool>,
    /// When the conversation was created (UTC).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::timestamp::serialize"
    )]
    pub created_at: Option<DateTime<Utc>>,
    /// When the conversation was last updated (UTC).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::timestamp::serialize"
    )]
    pub updated_at: Option<DateTime<Utc>>,
    /// The provider's record exactly as received: its bytes, written back verbatim.
    pub raw: RawJson,
    /// Every field that was off its documented type, and what decoding did about it; absent
    /// from JSON output when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<DecodeNote>,
}

impl Conversation {
    /// A conversation from `provider` with every normalized field empty, no notes, and
    /// `raw` set (from received text as a [`RawJson`], or from a [`serde_json::Value`]).
    ///
    /// ```
    /// let c = conversations_core::Conversation::new("memory", serde_json::Value::Null);
    /// assert_eq!(c.provider, "memory");
    /// assert!(c.id.is_none() && c.notes.is_empty());
    /// assert_eq!(c.raw.get(), "null");
    /// ```
    pub fn new(provider: impl Into<Cow<'static, str>>, raw: impl Into<RawJson>) -> Self {
        Self {
            provider: provider.into(),
            id: None,
            external_id: None,
            channel: None,
            agent: None,
            customer: None,
            business: None,
            metadata: BTreeMap::new(),
            message_count: None,
            total_cost: None,
            ai_enabled: None,
            created_at: None,
            updated_at: None,
            raw: raw.into(),
            notes: Vec::new(),
        }
    }

    /// Whether any field was off its documented type.
    ///
    /// ```
    /// let c = conversations_core::Conversation::new("memory", serde_json::json!({}));
    /// assert!(!c.has_notes());
    /// ```
    pub fn has_notes(&self) -> bool {
        !self.notes.is_empty()
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
#[non_exhaustive]
pub struct Participant {
    /// What the participant is.
    pub role: ParticipantRole,
    /// The provider's identifier for the participant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The caller's identifier for the participant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Phone number, as the provider gives it (usually E.164).
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
#[non_exhaustive]
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

impl ParticipantRole {
    /// The role as it is spelled in JSON.
    ///
    /// ```
    /// use conversations_core::ParticipantRole;
    /// assert_eq!(ParticipantRole::HumanAgent.as_str(), "human_agent");
    /// assert_eq!(
    ///     serde_json::to_value(ParticipantRole::Customer).unwrap(),
    ///     ParticipantRole::Customer.as_str()
    /// );
    /// ```
    pub fn as_str(&self) -> &'static str {
        match self {
            ParticipantRole::HumanAgent => "human_agent",
            ParticipantRole::AiAssistant => "ai_assistant",
            ParticipantRole::Customer => "customer",
            ParticipantRole::Business => "business",
        }
    }
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
/// // Equal by spelling, however built.
/// assert_eq!(Channel::Other("whatsapp".into()), Channel::Whatsapp);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
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
        matches!(self.as_str(), "test" | "widget" | "whatsapp" | "api")
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

impl PartialEq for Channel {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Channel {}

impl Hash for Channel {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialOrd for Channel {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Channel {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
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
