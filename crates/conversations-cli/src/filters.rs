//! The shared filter flags ([`FilterArgs`]) into the normalized query, for `list` and `sync`.

use chrono::Utc;
use conversations_core::{ConversationQuery, Filter};
use conversations_report::when::parse_when;

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

/// The query bounded by `--since` / `--until` (times in UTC unless they say), or the one-line
/// reason a value cannot be read.
pub(crate) fn with_window(
    mut query: ConversationQuery,
    f: &FilterArgs,
) -> Result<ConversationQuery, String> {
    let now = Utc::now();
    let read = |option: &'static str, text: &Option<String>| {
        text.as_deref()
            .map(|text| parse_when(option, text, chrono_tz::UTC, now))
            .transpose()
            .map_err(|e| e.to_string())
    };
    query.since = read("--since", &f.since)?;
    query.until = read("--until", &f.until)?;
    Ok(query)
}
