//! What a caller asks a source for: filters, a page size and a limit.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Channel, Conversation, Participant};

/// A filter that a [`ConversationQuery`] can carry.
///
/// Which filters a source supports or requires is declared by its
/// [`Capabilities`](crate::Capabilities).
///
/// ```
/// use conversations_core::Filter;
/// assert_eq!(Filter::CustomerPhone.name(), "customer_phone");
/// assert_eq!(Filter::ALL.len(), 5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Filter {
    /// The caller's identifier for the conversation.
    ExternalId,
    /// The channel (conversation type).
    Channel,
    /// The agent or AI assistant handling the conversation.
    AgentId,
    /// The customer's phone number (exact match).
    CustomerPhone,
    /// The business sender's phone number, e.g. a WhatsApp business number (exact match).
    BusinessPhone,
}

impl Filter {
    /// Every filter, in declaration order.
    pub const ALL: [Filter; 5] = [
        Filter::ExternalId,
        Filter::Channel,
        Filter::AgentId,
        Filter::CustomerPhone,
        Filter::BusinessPhone,
    ];

    /// The filter's name, as used in messages and in serialized queries.
    ///
    /// ```
    /// assert_eq!(conversations_core::Filter::ExternalId.name(), "external_id");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Filter::ExternalId => "external_id",
            Filter::Channel => "channel",
            Filter::AgentId => "agent_id",
            Filter::CustomerPhone => "customer_phone",
            Filter::BusinessPhone => "business_phone",
        }
    }

    /// The value of this filter on a normalized conversation, if it has one.
    ///
    /// This is what [`ConversationQuery::matches`] compares a filter against: the external id,
    /// the channel, the agent's id (or external id), the customer's phone and the business's phone.
    ///
    /// ```
    /// use conversations_core::{Channel, Conversation, Filter};
    /// let mut c = Conversation::new("memory", serde_json::Value::Null);
    /// c.channel = Some(Channel::Api);
    /// assert_eq!(Filter::Channel.value_in(&c), vec!["api"]);
    /// assert!(Filter::ExternalId.value_in(&c).is_empty());
    /// ```
    pub fn value_in(self, conversation: &Conversation) -> Vec<&str> {
        fn ids(p: Option<&Participant>) -> Vec<&str> {
            p.map(|p| {
                p.id.iter()
                    .chain(p.external_id.iter())
                    .map(String::as_str)
                    .collect()
            })
            .unwrap_or_default()
        }
        match self {
            Filter::ExternalId => conversation.external_id.as_deref().into_iter().collect(),
            Filter::Channel => conversation
                .channel
                .as_ref()
                .map(Channel::as_str)
                .into_iter()
                .collect(),
            Filter::AgentId => ids(conversation.agent.as_ref()),
            Filter::CustomerPhone => conversation
                .customer
                .as_ref()
                .and_then(|p| p.phone.as_deref())
                .into_iter()
                .collect(),
            Filter::BusinessPhone => conversation
                .business
                .as_ref()
                .and_then(|p| p.phone.as_deref())
                .into_iter()
                .collect(),
        }
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A request for conversations: filters (all must match), a page size and a limit.
///
/// Build one with the chained setters. A source checks the query against its
/// [`Capabilities`](crate::Capabilities) before sending anything: an unsupported filter, a
/// missing required one or a bad value is an [`Error::InvalidQuery`](crate::Error::InvalidQuery),
/// never silently ignored.
///
/// ```
/// use conversations_core::{Channel, ConversationQuery};
///
/// let q = ConversationQuery::new()
///     .channel(Channel::Whatsapp)
///     .customer_phone("+14155559876")
///     .page_size(50)
///     .limit(200);
/// assert_eq!(q.page_size, Some(50));
/// // Queries serialize, so a caller can store one next to a cursor and resume later.
/// let json = serde_json::to_string(&q).unwrap();
/// assert_eq!(serde_json::from_str::<ConversationQuery>(&json).unwrap(), q);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ConversationQuery {
    /// Only conversations with this external id.
    pub external_id: Option<String>,
    /// Only conversations on this channel.
    pub channel: Option<Channel>,
    /// Only conversations handled by this agent or assistant.
    pub agent_id: Option<String>,
    /// Only conversations with this customer phone number.
    pub customer_phone: Option<String>,
    /// Only conversations from this business phone number.
    pub business_phone: Option<String>,
    /// Items per page; the source's default when `None`.
    pub page_size: Option<u32>,
    /// Stop after this many items in all; every item when `None`.
    pub limit: Option<u64>,
    /// Refuse records off their documented types: the first record with a
    /// [`DecodeNote`](crate::DecodeNote) ends the listing with
    /// [`Error::OffSpec`](crate::Error::OffSpec) (the records before it are delivered).
    /// Off by default: such records arrive, with their notes.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub strict: bool,
    /// Only conversations created at or after this time (sources whose records are
    /// [dated](crate::Capabilities::dated); others refuse it). A listing that comes newest
    /// first stops at the first record below it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
    /// Only conversations created before this time (exclusive), on dated sources.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
}

impl ConversationQuery {
    /// An empty query: no filters, the source's default page size, no limit.
    ///
    /// ```
    /// assert_eq!(conversations_core::ConversationQuery::new().filters().count(), 0);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Turns strict decoding on or off (see [`strict`](Self::strict)).
    ///
    /// ```
    /// let q = conversations_core::ConversationQuery::new().strict(true);
    /// assert!(q.strict);
    /// ```
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Only conversations created at or after `t` (see [`since`](Self::since)).
    ///
    /// ```
    /// let t = "2025-01-01T00:00:00Z".parse().unwrap();
    /// let q = conversations_core::ConversationQuery::new().since(t);
    /// assert_eq!(q.since, Some(t));
    /// ```
    pub fn since(mut self, t: DateTime<Utc>) -> Self {
        self.since = Some(t);
        self
    }

    /// Only conversations created before `t` (see [`until`](Self::until)).
    ///
    /// ```
    /// let t = "2025-02-01T00:00:00Z".parse().unwrap();
    /// let q = conversations_core::ConversationQuery::new().until(t);
    /// assert_eq!(q.until, Some(t));
    /// ```
    pub fn until(mut self, t: DateTime<Utc>) -> Self {
        self.until = Some(t);
        self
    }

    /// Filters on the external id.
    ///
    /// ```
    /// let q = conversations_core::ConversationQuery::new().external_id("id-111");
    /// assert_eq!(q.external_id.as_deref(), Some("id-111"));
    /// ```
    pub fn external_id(mut self, value: impl Into<String>) -> Self {
        self.external_id = Some(value.into());
        self
    }

    /// Filters on the channel.
    ///
    /// ```
    /// use conversations_core::{Channel, ConversationQuery};
    /// let q = ConversationQuery::new().channel("widget");
    /// assert_eq!(q.channel, Some(Channel::Widget));
    /// ```
    pub fn channel(mut self, value: impl Into<Channel>) -> Self {
        self.channel = Some(value.into());
        self
    }

    /// Filters on the agent or assistant id.
    ///
    /// ```
    /// let q = conversations_core::ConversationQuery::new().agent_id("42");
    /// assert_eq!(q.agent_id.as_deref(), Some("42"));
    /// ```
    pub fn agent_id(mut self, value: impl Into<String>) -> Self {
        self.agent_id = Some(value.into());
        self
    }

    /// Filters on the customer's phone number.
    ///
    /// ```
    /// let q = conversations_core::ConversationQuery::new().customer_phone("+14155559876");
    /// assert_eq!(q.customer_phone.as_deref(), Some("+14155559876"));
    /// ```
    pub fn customer_phone(mut self, value: impl Into<String>) -> Self {
        self.customer_phone = Some(value.into());
        self
    }

    /// Filters on the business sender's phone number.
    ///
    /// ```
    /// let q = conversations_core::ConversationQuery::new().business_phone("+14155551234");
    /// assert_eq!(q.business_phone.as_deref(), Some("+14155551234"));
    /// ```
    pub fn business_phone(mut self, value: impl Into<String>) -> Self {
        self.business_phone = Some(value.into());
        self
    }

    /// Sets the page size.
    ///
    /// ```
    /// let q = conversations_core::ConversationQuery::new().page_size(10);
    /// assert_eq!(q.page_size, Some(10));
    /// ```
    pub fn page_size(mut self, value: u32) -> Self {
        self.page_size = Some(value);
        self
    }

    /// Sets the most items to return in all.
    ///
    /// ```
    /// let q = conversations_core::ConversationQuery::new().limit(5);
    /// assert_eq!(q.limit, Some(5));
    /// ```
    pub fn limit(mut self, value: u64) -> Self {
        self.limit = Some(value);
        self
    }

    /// Sets (or clears, with `None`) one filter by name.
    ///
    /// ```
    /// use conversations_core::{ConversationQuery, Filter};
    /// let q = ConversationQuery::new().filter(Filter::BusinessPhone, Some("+1555".into()));
    /// assert_eq!(q.get(Filter::BusinessPhone), Some("+1555"));
    /// ```
    pub fn filter(mut self, filter: Filter, value: Option<String>) -> Self {
        match filter {
            Filter::ExternalId => self.external_id = value,
            Filter::Channel => self.channel = value.map(Channel::from),
            Filter::AgentId => self.agent_id = value,
            Filter::CustomerPhone => self.customer_phone = value,
            Filter::BusinessPhone => self.business_phone = value,
        }
        self
    }

    /// The value of one filter, if set.
    ///
    /// ```
    /// use conversations_core::{ConversationQuery, Filter};
    /// let q = ConversationQuery::new().channel("api");
    /// assert_eq!(q.get(Filter::Channel), Some("api"));
    /// assert_eq!(q.get(Filter::AgentId), None);
    /// ```
    pub fn get(&self, filter: Filter) -> Option<&str> {
        match filter {
            Filter::ExternalId => self.external_id.as_deref(),
            Filter::Channel => self.channel.as_ref().map(Channel::as_str),
            Filter::AgentId => self.agent_id.as_deref(),
            Filter::CustomerPhone => self.customer_phone.as_deref(),
            Filter::BusinessPhone => self.business_phone.as_deref(),
        }
    }

    /// The filters that are set, with their values.
    ///
    /// ```
    /// use conversations_core::{ConversationQuery, Filter};
    /// let q = ConversationQuery::new().external_id("x").channel("api");
    /// let set: Vec<_> = q.filters().collect();
    /// assert_eq!(set, vec![(Filter::ExternalId, "x"), (Filter::Channel, "api")]);
    /// ```
    pub fn filters(&self) -> impl Iterator<Item = (Filter, &str)> + '_ {
        Filter::ALL
            .into_iter()
            .filter_map(move |f| self.get(f).map(|v| (f, v)))
    }

    /// Whether a normalized conversation satisfies every filter of this query.
    ///
    /// Filters compare exactly against [`Filter::value_in`]. Page size and limit play no part.
    ///
    /// ```
    /// use conversations_core::{Conversation, ConversationQuery};
    /// let mut c = Conversation::new("memory", serde_json::Value::Null);
    /// c.external_id = Some("id-111".into());
    /// assert!(ConversationQuery::new().external_id("id-111").matches(&c));
    /// assert!(!ConversationQuery::new().external_id("id-222").matches(&c));
    /// ```
    pub fn matches(&self, conversation: &Conversation) -> bool {
        self.filters()
            .all(|(filter, value)| filter.value_in(conversation).contains(&value))
    }
}
