//! The shared filter flags ([`FilterArgs`]) into the normalized query, for `list` and `sync`.

use conversations_core::{ConversationQuery, Filter};

use crate::args::FilterArgs;

/// Adds the filter flags to a query.
pub(crate) trait WithFilters {
    /// The query with every filter flag that was given.
    fn with_filters(self, filters: &FilterArgs) -> Self;
}

impl WithFilters for ConversationQuery {
    fn with_filters(self, f: &FilterArgs) -> Self {
        self.filter(Filter::ExternalId, f.external_id.clone())
            .filter(Filter::Channel, f.conversation_type.clone())
            .filter(Filter::AgentId, f.assistant_id.map(|id| id.to_string()))
            .filter(Filter::CustomerPhone, f.customer_phone.clone())
            .filter(Filter::BusinessPhone, f.whatsapp_sender_phone.clone())
    }
}
