//! One [`Conversation`] as one database row: its key (the provider id, or a hash of the raw
//! bytes for a record without one), the normalized fields as columns, the raw record and its
//! decode notes as JSON text.

use chrono::{DateTime, Utc};
use conversations_core::{Conversation, Participant};
use sha2::{Digest, Sha256};

/// The key of a record without a provider id: `sha256:` and the hex digest of its raw bytes.
/// Stable across runs and machines, since the raw bytes are exactly what the provider sent.
///
/// ```
/// use conversations_core::Conversation;
/// let c = Conversation::new("autocalls", conversations_core::RawJson::parse(r#"{"a":1}"#).unwrap());
/// let key = conversations_sync::row_key(&c);
/// assert!(key.starts_with("sha256:") && key.len() == 7 + 64);
/// let mut with_id = c.clone();
/// with_id.id = Some("c-1".into());
/// assert_eq!(conversations_sync::row_key(&with_id), "c-1");
/// ```
pub fn row_key(conversation: &Conversation) -> String {
    match conversation.id.as_deref().filter(|id| !id.is_empty()) {
        Some(id) => id.to_owned(),
        None => format!("sha256:{}", hex_sha256(conversation.raw.get())),
    }
}

fn hex_sha256(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let mut out = String::with_capacity(64);
    for byte in digest {
        out.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(byte & 15)]));
    }
    out
}

/// The `conversations` table's columns, in the order [`Row`] binds them (the seen times are
/// bound separately).
pub(crate) const COLUMNS: [&str; 25] = [
    "source",
    "key",
    "provider",
    "id",
    "external_id",
    "channel",
    "agent_role",
    "agent_id",
    "agent_external_id",
    "agent_name",
    "customer_id",
    "customer_external_id",
    "customer_name",
    "customer_phone",
    "business_id",
    "business_phone",
    "message_count",
    "total_cost",
    "ai_enabled",
    "created_at",
    "updated_at",
    "metadata",
    "raw",
    "notes",
    "raw_hash",
];

/// A conversation ready to write.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub(crate) source: String,
    pub(crate) key: String,
    pub(crate) provider: String,
    pub(crate) id: Option<String>,
    pub(crate) external_id: Option<String>,
    pub(crate) channel: Option<String>,
    pub(crate) agent: Person,
    pub(crate) customer: Person,
    pub(crate) business: Person,
    pub(crate) message_count: Option<i64>,
    pub(crate) total_cost: Option<f64>,
    pub(crate) ai_enabled: Option<bool>,
    pub(crate) created_at: Option<DateTime<Utc>>,
    pub(crate) updated_at: Option<DateTime<Utc>>,
    pub(crate) metadata: String,
    pub(crate) raw: String,
    pub(crate) notes: Option<String>,
    pub(crate) raw_hash: String,
}

/// The columns of one participant.
#[derive(Debug, Clone, Default)]
pub(crate) struct Person {
    pub(crate) role: Option<String>,
    pub(crate) id: Option<String>,
    pub(crate) external_id: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) phone: Option<String>,
}

impl Person {
    fn of(participant: Option<&Participant>) -> Self {
        let Some(p) = participant else {
            return Self::default();
        };
        Self {
            role: serde_json::to_value(p.role)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned)),
            id: p.id.clone(),
            external_id: p.external_id.clone(),
            name: p.name.clone(),
            phone: p.phone.clone(),
        }
    }
}

impl Row {
    /// The row for `conversation`, filed under `source` (the provider's or an account's name).
    pub(crate) fn new(conversation: &Conversation, source: &str) -> Self {
        let raw = conversation.raw.get().to_owned();
        let raw_hash = hex_sha256(&raw);
        let key = match conversation.id.as_deref().filter(|id| !id.is_empty()) {
            Some(id) => id.to_owned(),
            None => format!("sha256:{raw_hash}"),
        };
        Self {
            source: source.to_owned(),
            key,
            provider: conversation.provider.to_string(),
            id: conversation.id.clone(),
            external_id: conversation.external_id.clone(),
            channel: conversation.channel.as_ref().map(|c| c.as_str().to_owned()),
            agent: Person::of(conversation.agent.as_ref()),
            customer: Person::of(conversation.customer.as_ref()),
            business: Person::of(conversation.business.as_ref()),
            message_count: conversation
                .message_count
                .map(|n| i64::try_from(n).unwrap_or(i64::MAX)),
            total_cost: conversation.total_cost.filter(|c| c.is_finite()),
            ai_enabled: conversation.ai_enabled,
            created_at: conversation.created_at,
            updated_at: conversation.updated_at,
            metadata: serde_json::to_string(&conversation.metadata)
                .unwrap_or_else(|_| "{}".to_owned()),
            raw,
            notes: (!conversation.notes.is_empty())
                .then(|| serde_json::to_string(&conversation.notes).ok())
                .flatten(),
            raw_hash,
        }
    }
}

/// A timestamp as the text SQLite stores and compares: RFC 3339 in UTC.
pub(crate) fn time_text(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// Keeps the last row of each key: a batch never writes one key twice (PostgreSQL refuses
/// that in one `INSERT … ON CONFLICT`), and a later copy is the newer one.
pub(crate) fn dedupe(rows: Vec<Row>) -> Vec<Row> {
    let mut seen = std::collections::HashSet::with_capacity(rows.len());
    let mut kept: Vec<Row> = rows
        .into_iter()
        .rev()
        .filter(|r| seen.insert((r.source.clone(), r.key.clone())))
        .collect();
    kept.reverse();
    kept
}

#[cfg(test)]
mod tests {
    use conversations_core::RawJson;

    use super::*;

    #[test]
    fn id_less_records_get_a_stable_key_from_their_bytes() {
        let a = Conversation::new("p", RawJson::parse(r#"{"x": 1}"#).unwrap_or_default());
        let b = Conversation::new("p", RawJson::parse(r#"{"x": 1}"#).unwrap_or_default());
        let c = Conversation::new("p", RawJson::parse(r#"{"x":1}"#).unwrap_or_default());
        assert_eq!(Row::new(&a, "p").key, Row::new(&b, "p").key);
        assert_ne!(
            Row::new(&a, "p").key,
            Row::new(&c, "p").key,
            "the bytes, not the value"
        );
        assert_eq!(Row::new(&a, "p").key, row_key(&a));
    }

    #[test]
    fn dedupe_keeps_the_last_copy_in_order() {
        let mut rows = Vec::new();
        for (id, n) in [("a", 1), ("b", 1), ("a", 2)] {
            let mut c = Conversation::new("p", serde_json::json!({"n": n}));
            c.id = Some(id.into());
            rows.push(Row::new(&c, "p"));
        }
        let kept = dedupe(rows);
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0].key, "b");
        assert_eq!(kept[1].raw, r#"{"n":2}"#);
    }
}
