//! One [`Conversation`] as one database row: its key (the provider id, or a hash of the raw
//! bytes for a record without one), the normalized fields as columns, the raw record and its
//! decode notes as JSON text.

use chrono::{DateTime, Utc};
use conversations_core::flat::{Column, FlatConversation};
use conversations_core::{Conversation, DecodeNote};
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
///
/// The id is taken as text, whatever JSON type it was sent as: an id sent as the number
/// `5000001` and one sent as the string `"5000001"` share a key (and so a row). A U+0000 in
/// an id is U+FFFD in its key (PostgreSQL's `text` holds no NUL, and the key must be the same
/// in both databases); the `id` column keeps the id as it was.
///
/// ```
/// use conversations_core::{Conversation, RawJson};
/// let mut c = Conversation::new("autocalls", RawJson::parse(r#"{"id":"a\u0000b"}"#).unwrap());
/// c.id = Some("a\0b".into());
/// assert_eq!(conversations_sync::row_key(&c), "a\u{fffd}b");
/// ```
pub fn row_key(conversation: &Conversation) -> String {
    match conversation.id.as_deref().filter(|id| !id.is_empty()) {
        Some(id) => id_key(id).unwrap_or_else(|| id.to_owned()),
        None => format!("sha256:{}", hex(&Sha256::digest(conversation.raw.get()))),
    }
}

/// The key of an id holding U+0000 (each one as U+FFFD); `None` for any other id (its key is
/// the id itself).
fn id_key(id: &str) -> Option<String> {
    id.as_bytes()
        .contains(&0)
        .then(|| id.replace('\0', "\u{fffd}"))
}

fn hex(digest: &[u8]) -> String {
    let mut out = String::with_capacity(digest.len() * 2);
    for &byte in digest {
        out.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(byte & 15)]));
    }
    out
}

/// The `conversations` table's columns, in the order [`Row`] binds them (the seen times are
/// bound separately).
pub(crate) const COLUMNS: [&str; 27] = [
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
    "business_external_id",
    "business_name",
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

/// A conversation ready to write: the record itself (moved in, not copied) and what the row
/// adds to it — the name it is filed under, the key of a record without an id, the metadata
/// and notes as JSON text, and the hash of the raw bytes.
///
/// A [`Destination`](crate::Destination) gets a batch of these: the record
/// ([`conversation`](Self::conversation)), the name it is filed under and its key.
#[derive(Debug)]
pub struct Row {
    source: std::sync::Arc<str>,
    conversation: Conversation,
    /// `sha256:…` for a record without a provider id (or the id with U+FFFD for each U+0000).
    derived_key: Option<String>,
    metadata: String,
    notes: Option<String>,
    raw_hash: String,
    /// The first 8 bytes of the raw bytes' SHA-256: which of two records of one key differ.
    fingerprint: u64,
}

/// One row's column values, borrowed from its [`Row`], in [`COLUMNS`] order.
pub(crate) struct Values<'a> {
    pub(crate) source: &'a str,
    pub(crate) key: &'a str,
    pub(crate) provider: &'a str,
    pub(crate) id: Option<&'a str>,
    pub(crate) external_id: Option<&'a str>,
    pub(crate) channel: Option<&'a str>,
    pub(crate) agent: Person<'a>,
    pub(crate) customer: Person<'a>,
    pub(crate) business: Person<'a>,
    pub(crate) message_count: Option<i64>,
    pub(crate) total_cost: Option<f64>,
    pub(crate) ai_enabled: Option<bool>,
    pub(crate) created_at: Option<DateTime<Utc>>,
    pub(crate) updated_at: Option<DateTime<Utc>>,
    pub(crate) metadata: &'a str,
    pub(crate) raw: &'a str,
    pub(crate) notes: Option<&'a str>,
    pub(crate) raw_hash: &'a str,
    /// The notes `notes` is the JSON of (a store that has to add some starts from these).
    pub(crate) decode_notes: &'a [DecodeNote],
}

/// The columns of one participant.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Person<'a> {
    pub(crate) role: Option<&'a str>,
    pub(crate) id: Option<&'a str>,
    pub(crate) external_id: Option<&'a str>,
    pub(crate) name: Option<&'a str>,
    pub(crate) phone: Option<&'a str>,
}

impl<'a> Person<'a> {
    /// The flat view's columns of a participant: its role (the agent's only; the customer
    /// and business have theirs in their name), id, external id, name and phone.
    fn of(flat: &FlatConversation<'a>, columns: [Option<Column>; 5]) -> Self {
        let get = |column: Option<Column>| column.and_then(|c| flat.text(c));
        Self {
            role: get(columns[0]),
            id: get(columns[1]),
            external_id: get(columns[2]),
            name: get(columns[3]),
            phone: get(columns[4]),
        }
    }
}

impl Row {
    /// The row for `conversation`, filed under `source` (the provider's or an account's name).
    pub(crate) fn new(conversation: Conversation, source: &std::sync::Arc<str>) -> Self {
        let digest = Sha256::digest(conversation.raw.get());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        let raw_hash = hex(&digest);
        let derived_key = match conversation.id.as_deref() {
            Some(id) if !id.is_empty() => id_key(id),
            _ => Some(format!("sha256:{raw_hash}")),
        };
        let metadata = if conversation.metadata.is_empty() {
            "{}".to_owned()
        } else {
            serde_json::to_string(&conversation.metadata).unwrap_or_else(|_| "{}".to_owned())
        };
        let notes = notes_json(&conversation.notes);
        Self {
            source: std::sync::Arc::clone(source),
            conversation,
            derived_key,
            metadata,
            notes,
            raw_hash,
            fingerprint: u64::from_be_bytes(first),
        }
    }

    /// Adds `note` to the row's notes.
    pub(crate) fn note(&mut self, note: DecodeNote) {
        self.conversation.notes.push(note);
        self.notes = notes_json(&self.conversation.notes);
    }

    /// A 64-bit fingerprint of the raw bytes (from the SHA-256 `raw_hash` is the hex of):
    /// two records of one key with different fingerprints differ.
    pub(crate) fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// The name the row is filed under: the `source` column (the provider's name, or an
    /// account's).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The record itself (with the notes the sync added, e.g. a key shared with another
    /// record of the run).
    pub fn conversation(&self) -> &Conversation {
        &self.conversation
    }

    /// The record, moved out.
    pub fn into_conversation(self) -> Conversation {
        self.conversation
    }

    /// The hex SHA-256 of the raw bytes: two copies of one key with equal hashes are the
    /// same record.
    pub fn raw_hash(&self) -> &str {
        &self.raw_hash
    }

    /// The row's key: the provider's id (U+0000 as U+FFFD), or `sha256:…` of the raw bytes
    /// for a record without one (see [`row_key`]).
    pub fn key(&self) -> &str {
        match &self.derived_key {
            Some(key) => key,
            None => self.conversation.id.as_deref().unwrap_or_default(),
        }
    }

    /// The column values.
    pub(crate) fn values(&self) -> Values<'_> {
        let c = &self.conversation;
        // The columns of the flat view every output shares (CSV, tables, these rows).
        let flat = FlatConversation::new(c);
        let text = |column| flat.text(column);
        Values {
            source: &self.source,
            key: self.key(),
            provider: &c.provider,
            id: text(Column::Id),
            external_id: text(Column::ExternalId),
            channel: text(Column::Channel),
            agent: Person::of(
                &flat,
                [
                    Some(Column::AgentRole),
                    Some(Column::AgentId),
                    Some(Column::AgentExternalId),
                    Some(Column::AgentName),
                    None,
                ],
            ),
            customer: Person::of(
                &flat,
                [
                    None,
                    Some(Column::CustomerId),
                    Some(Column::CustomerExternalId),
                    Some(Column::CustomerName),
                    Some(Column::CustomerPhone),
                ],
            ),
            business: Person::of(
                &flat,
                [
                    None,
                    Some(Column::BusinessId),
                    Some(Column::BusinessExternalId),
                    Some(Column::BusinessName),
                    Some(Column::BusinessPhone),
                ],
            ),
            message_count: c
                .message_count
                .map(|n| i64::try_from(n).unwrap_or(i64::MAX)),
            total_cost: c.total_cost.filter(|v| v.is_finite()),
            ai_enabled: c.ai_enabled,
            created_at: c.created_at,
            updated_at: c.updated_at,
            metadata: &self.metadata,
            raw: c.raw.get(),
            notes: self.notes.as_deref(),
            raw_hash: &self.raw_hash,
            decode_notes: &c.notes,
        }
    }
}

/// The notes column: the notes as JSON, `None` for none.
fn notes_json(notes: &[DecodeNote]) -> Option<String> {
    (!notes.is_empty())
        .then(|| serde_json::to_string(notes).ok())
        .flatten()
}

/// A timestamp as the text SQLite stores and compares: RFC 3339 in UTC.
pub(crate) use crate::state::time_text;

/// Keeps the last row of each key: a batch never writes one key twice (PostgreSQL refuses
/// that in one `INSERT … ON CONFLICT`), and a later copy is the newer one.
pub(crate) fn dedupe(mut rows: Vec<Row>) -> Vec<Row> {
    let mut seen = std::collections::HashSet::with_capacity(rows.len());
    // From the end: the first sighting of a key is its last copy.
    let keep: Vec<bool> = rows
        .iter()
        .rev()
        .map(|r| seen.insert((r.source(), r.key())))
        .collect();
    if keep.iter().all(|k| *k) {
        return rows;
    }
    let mut flags = keep.into_iter().rev();
    rows.retain(|_| flags.next().unwrap_or(true));
    rows
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
        let p: std::sync::Arc<str> = "p".into();
        let key = |c: &Conversation| Row::new(c.clone(), &p).key().to_owned();
        assert_eq!(key(&a), key(&b));
        assert_ne!(key(&a), key(&c), "the bytes, not the value");
        assert_eq!(key(&a), row_key(&a));
    }

    #[test]
    fn dedupe_keeps_the_last_copy_in_order() {
        let mut rows = Vec::new();
        for (id, n) in [("a", 1), ("b", 1), ("a", 2)] {
            let mut c = Conversation::new("p", serde_json::json!({"n": n}));
            c.id = Some(id.into());
            rows.push(Row::new(c, &"p".into()));
        }
        let kept = dedupe(rows);
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0].key(), "b");
        assert_eq!(kept[1].values().raw, r#"{"n":2}"#);
    }
}
