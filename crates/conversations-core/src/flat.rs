//! One flat view of a [`Conversation`]: named columns ([`Column`], in one fixed order) and
//! each one's value as text, a number, a time or nothing ([`FlatValue`]). CSV, tables and
//! database rows take their columns from here, so they cannot disagree on what a
//! conversation's columns are.

use std::borrow::Cow;

use chrono::{DateTime, Utc};

use crate::model::{Conversation, Participant};

/// A column of the flat view.
///
/// ```
/// use conversations_core::flat::Column;
/// assert_eq!(Column::BusinessName.name(), "business_name");
/// assert_eq!(Column::ALL.len(), 22);
/// assert_eq!(Column::ALL[0], Column::Provider);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Column {
    /// The provider's name.
    Provider,
    /// The provider's id of the conversation.
    Id,
    /// The caller's own id of it.
    ExternalId,
    /// Where it took place (`whatsapp`, …).
    Channel,
    /// The agent's role (`human_agent` or `ai_assistant`).
    AgentRole,
    /// The agent's id.
    AgentId,
    /// The agent's external id.
    AgentExternalId,
    /// The agent's name.
    AgentName,
    /// The customer's id.
    CustomerId,
    /// The customer's external id.
    CustomerExternalId,
    /// The customer's name.
    CustomerName,
    /// The customer's phone.
    CustomerPhone,
    /// The business's id.
    BusinessId,
    /// The business's external id.
    BusinessExternalId,
    /// The business's name.
    BusinessName,
    /// The business's phone.
    BusinessPhone,
    /// How many messages it holds.
    MessageCount,
    /// What it cost.
    TotalCost,
    /// Whether an AI answered.
    AiEnabled,
    /// When it was created.
    CreatedAt,
    /// When it was last updated.
    UpdatedAt,
    /// The provider's extra fields, as one JSON object (nothing when there are none).
    Metadata,
}

impl Column {
    /// Every column, in the view's order: the conversation, its agent, customer and
    /// business, its counts and times, its metadata.
    pub const ALL: [Column; 22] = [
        Column::Provider,
        Column::Id,
        Column::ExternalId,
        Column::Channel,
        Column::AgentRole,
        Column::AgentId,
        Column::AgentExternalId,
        Column::AgentName,
        Column::CustomerId,
        Column::CustomerExternalId,
        Column::CustomerName,
        Column::CustomerPhone,
        Column::BusinessId,
        Column::BusinessExternalId,
        Column::BusinessName,
        Column::BusinessPhone,
        Column::MessageCount,
        Column::TotalCost,
        Column::AiEnabled,
        Column::CreatedAt,
        Column::UpdatedAt,
        Column::Metadata,
    ];

    /// The column's name, `snake_case` (a CSV header, a database column).
    pub const fn name(self) -> &'static str {
        match self {
            Column::Provider => "provider",
            Column::Id => "id",
            Column::ExternalId => "external_id",
            Column::Channel => "channel",
            Column::AgentRole => "agent_role",
            Column::AgentId => "agent_id",
            Column::AgentExternalId => "agent_external_id",
            Column::AgentName => "agent_name",
            Column::CustomerId => "customer_id",
            Column::CustomerExternalId => "customer_external_id",
            Column::CustomerName => "customer_name",
            Column::CustomerPhone => "customer_phone",
            Column::BusinessId => "business_id",
            Column::BusinessExternalId => "business_external_id",
            Column::BusinessName => "business_name",
            Column::BusinessPhone => "business_phone",
            Column::MessageCount => "message_count",
            Column::TotalCost => "total_cost",
            Column::AiEnabled => "ai_enabled",
            Column::CreatedAt => "created_at",
            Column::UpdatedAt => "updated_at",
            Column::Metadata => "metadata",
        }
    }

    /// Whether the column holds a number ([`FlatValue::Count`] or [`FlatValue::Number`]).
    ///
    /// ```
    /// use conversations_core::flat::Column;
    /// assert!(Column::TotalCost.is_numeric() && !Column::CustomerPhone.is_numeric());
    /// ```
    pub const fn is_numeric(self) -> bool {
        matches!(self, Column::MessageCount | Column::TotalCost)
    }
}

/// A column's value.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FlatValue<'a> {
    /// No value.
    Null,
    /// Text.
    Text(Cow<'a, str>),
    /// A count.
    Count(u64),
    /// A number (possibly not finite, as the provider sent it).
    Number(f64),
    /// Yes or no.
    Bool(bool),
    /// A time.
    Time(DateTime<Utc>),
}

impl FlatValue<'_> {
    /// The value as text — times as RFC 3339 (`+00:00`), numbers and yes/no as Rust writes
    /// them — or `None` for no value.
    ///
    /// ```
    /// use conversations_core::flat::FlatValue;
    /// let t = "2026-01-02T03:04:05Z".parse().unwrap();
    /// assert_eq!(FlatValue::Time(t).text().as_deref(), Some("2026-01-02T03:04:05+00:00"));
    /// assert_eq!(FlatValue::Number(0.5).text().as_deref(), Some("0.5"));
    /// assert_eq!(FlatValue::Null.text(), None);
    /// ```
    pub fn text(&self) -> Option<Cow<'_, str>> {
        match self {
            FlatValue::Null => None,
            FlatValue::Text(text) => Some(Cow::Borrowed(text)),
            FlatValue::Count(n) => Some(Cow::Owned(n.to_string())),
            FlatValue::Number(n) => Some(Cow::Owned(n.to_string())),
            FlatValue::Bool(b) => Some(Cow::Owned(b.to_string())),
            FlatValue::Time(t) => Some(Cow::Owned(t.to_rfc3339())),
        }
    }

    /// The text of a [`FlatValue::Text`] (borrowed); `None` for anything else.
    ///
    /// ```
    /// use conversations_core::flat::FlatValue;
    /// assert_eq!(FlatValue::Text("a".into()).as_str(), Some("a"));
    /// assert_eq!(FlatValue::Count(1).as_str(), None);
    /// ```
    pub fn as_str(&self) -> Option<&str> {
        match self {
            FlatValue::Text(text) => Some(text),
            _ => None,
        }
    }
}

/// A conversation seen as one flat row of [`Column`]s.
///
/// ```
/// use conversations_core::flat::{Column, FlatConversation, FlatValue};
/// use conversations_core::{Conversation, Participant, ParticipantRole, RawJson};
/// let mut c = Conversation::new("autocalls", RawJson::parse("{}").unwrap());
/// c.message_count = Some(3);
/// let mut business = Participant::new(ParticipantRole::Business);
/// business.name = Some("Acme".into());
/// c.business = Some(business);
/// let flat = FlatConversation::new(&c);
/// assert_eq!(flat.get(Column::BusinessName).as_str(), Some("Acme"));
/// assert_eq!(flat.get(Column::MessageCount), FlatValue::Count(3));
/// assert_eq!(flat.get(Column::Metadata), FlatValue::Null);
/// let header: Vec<&str> = flat.values().map(|(column, _)| column.name()).take(2).collect();
/// assert_eq!(header, ["provider", "id"]);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct FlatConversation<'a> {
    conversation: &'a Conversation,
}

impl<'a> FlatConversation<'a> {
    /// The flat view of `conversation`.
    pub fn new(conversation: &'a Conversation) -> Self {
        Self { conversation }
    }

    /// `column`'s value.
    pub fn get(&self, column: Column) -> FlatValue<'a> {
        let c = self.conversation;
        let text = |value: Option<&'a String>| {
            value.map_or(FlatValue::Null, |v| FlatValue::Text(Cow::Borrowed(v)))
        };
        let of = |p: Option<&'a Participant>, f: fn(&'a Participant) -> Option<&'a String>| {
            text(p.and_then(f))
        };
        let (agent, customer, business) =
            (c.agent.as_ref(), c.customer.as_ref(), c.business.as_ref());
        match column {
            Column::Provider => FlatValue::Text(Cow::Borrowed(&c.provider)),
            Column::Id => text(c.id.as_ref()),
            Column::ExternalId => text(c.external_id.as_ref()),
            Column::Channel => c.channel.as_ref().map_or(FlatValue::Null, |ch| {
                FlatValue::Text(Cow::Borrowed(ch.as_str()))
            }),
            Column::AgentRole => agent.map_or(FlatValue::Null, |a| {
                FlatValue::Text(Cow::Borrowed(a.role.as_str()))
            }),
            Column::AgentId => of(agent, |p| p.id.as_ref()),
            Column::AgentExternalId => of(agent, |p| p.external_id.as_ref()),
            Column::AgentName => of(agent, |p| p.name.as_ref()),
            Column::CustomerId => of(customer, |p| p.id.as_ref()),
            Column::CustomerExternalId => of(customer, |p| p.external_id.as_ref()),
            Column::CustomerName => of(customer, |p| p.name.as_ref()),
            Column::CustomerPhone => of(customer, |p| p.phone.as_ref()),
            Column::BusinessId => of(business, |p| p.id.as_ref()),
            Column::BusinessExternalId => of(business, |p| p.external_id.as_ref()),
            Column::BusinessName => of(business, |p| p.name.as_ref()),
            Column::BusinessPhone => of(business, |p| p.phone.as_ref()),
            Column::MessageCount => c.message_count.map_or(FlatValue::Null, FlatValue::Count),
            Column::TotalCost => c.total_cost.map_or(FlatValue::Null, FlatValue::Number),
            Column::AiEnabled => c.ai_enabled.map_or(FlatValue::Null, FlatValue::Bool),
            Column::CreatedAt => c.created_at.map_or(FlatValue::Null, FlatValue::Time),
            Column::UpdatedAt => c.updated_at.map_or(FlatValue::Null, FlatValue::Time),
            Column::Metadata if c.metadata.is_empty() => FlatValue::Null,
            Column::Metadata => serde_json::to_string(&c.metadata)
                .map_or(FlatValue::Null, |json| FlatValue::Text(Cow::Owned(json))),
        }
    }

    /// A text column's value borrowed from the conversation: `None` when it has none, and
    /// for the columns that are not text held by the record (numbers, times, the metadata's
    /// JSON, which is made on demand).
    ///
    /// ```
    /// use conversations_core::flat::{Column, FlatConversation};
    /// use conversations_core::{Conversation, RawJson};
    /// let mut c = Conversation::new("autocalls", RawJson::parse("{}").unwrap());
    /// c.id = Some("c-1".into());
    /// c.message_count = Some(2);
    /// let flat = FlatConversation::new(&c);
    /// assert_eq!(flat.text(Column::Id), Some("c-1"));
    /// assert_eq!(flat.text(Column::MessageCount), None);
    /// ```
    pub fn text(&self, column: Column) -> Option<&'a str> {
        match column {
            Column::Metadata => None,
            column => match self.get(column) {
                FlatValue::Text(Cow::Borrowed(text)) => Some(text),
                _ => None,
            },
        }
    }

    /// Every column with its value, in [`Column::ALL`]'s order.
    pub fn values(&self) -> impl Iterator<Item = (Column, FlatValue<'a>)> + '_ {
        Column::ALL
            .into_iter()
            .map(|column| (column, self.get(column)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_is_in_the_order_once_with_a_name_of_its_own() {
        let names: std::collections::HashSet<&str> = Column::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(names.len(), Column::ALL.len());
    }
}
