//! A stream's state, typed: which stream ([`StreamKey`]), where an unfinished run resumes
//! ([`Resume`]: a listing's [`Position`] and floor, or a lookup's count of ids done), the
//! high-water mark of the last finished walk, how the last run went ([`StreamStatus`],
//! [`RunCounts`]) and the ids refused for good ([`FailedId`]).
//!
//! A [`Destination`](crate::Destination) saves a [`StreamState`] with every batch it commits
//! and hands it back when the next run starts. The state is `Serialize`/`Deserialize`: a
//! database keeps it as a row of `sync_streams`, a Singer tap or Airbyte source can carry it
//! in a STATE message.

use std::fmt;

use chrono::{DateTime, Utc};
use conversations_core::{ConversationQuery, Position};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One sync stream: a source and the query it is synced with. Its state (resume position,
/// high-water mark, last run) is one row of `sync_streams`, and two syncs of one stream
/// never run at once.
///
/// ```
/// use conversations_core::ConversationQuery;
/// use conversations_sync::StreamKey;
/// let key = StreamKey::listing("autocalls", &ConversationQuery::new().channel("whatsapp").page_size(50));
/// assert_eq!(key.query, "channel=whatsapp");
/// assert_eq!(key.to_string(), "autocalls (channel=whatsapp)");
/// assert_eq!(StreamKey::listing("autocalls", &ConversationQuery::new()).to_string(), "autocalls (all)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StreamKey {
    /// The provider's name, e.g. `autocalls`.
    pub source: String,
    /// The canonical query: the filters as `name=value` sorted by name and joined by `&`
    /// (page size and limit are not part of it); a lookup stream starts with `lookup`.
    pub query: String,
}

impl StreamKey {
    /// The stream of a listing of `source` with `query`'s filters.
    pub fn listing(source: &str, query: &ConversationQuery) -> Self {
        Self {
            source: source.to_owned(),
            query: canonical(query),
        }
    }

    /// The stream of lookups by external id on `source` (ids from a file), with `query`'s
    /// other filters.
    ///
    /// ```
    /// use conversations_sync::StreamKey;
    /// let key = StreamKey::lookup("asapp", &conversations_core::ConversationQuery::new());
    /// assert_eq!(key.query, "lookup");
    /// ```
    pub fn lookup(source: &str, query: &ConversationQuery) -> Self {
        let filters = canonical(query);
        Self {
            source: source.to_owned(),
            query: if filters.is_empty() {
                "lookup".to_owned()
            } else {
                format!("lookup&{filters}")
            },
        }
    }

    /// A 64-bit number naming the stream, for PostgreSQL's advisory locks.
    pub(crate) fn lock_id(&self) -> i64 {
        let digest = Sha256::digest(format!(
            "conversations-sync\0{}\0{}",
            self.source, self.query
        ));
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&digest[..8]);
        i64::from_be_bytes(bytes)
    }
}

impl fmt::Display for StreamKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let query = if self.query.is_empty() {
            "all"
        } else {
            &self.query
        };
        write!(f, "{} ({query})", self.source)
    }
}

fn canonical(query: &ConversationQuery) -> String {
    let mut filters: Vec<(&str, &str)> = query.filters().map(|(f, v)| (f.name(), v)).collect();
    filters.sort();
    filters
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// What a run did, so far or in all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunCounts {
    /// Records fetched.
    pub records: u64,
    /// Pages (or lookups) fetched.
    pub pages: u64,
    /// Rows new to the table.
    pub inserted: u64,
    /// Rows whose record changed.
    pub updated: u64,
    /// Rows seen again unchanged.
    pub unchanged: u64,
    /// Records with decode notes (fields off their documented types).
    pub with_notes: u64,
    /// Records that had the key of an earlier record of the run, with other bytes (an id
    /// sent once as a number and once as a string, a record changed between pages): the
    /// later one replaced the earlier in the row, and its notes say so
    /// ([`Found::DuplicateKey`](conversations_core::Found::DuplicateKey)).
    pub collisions: u64,
    /// Ids the provider refused for good in this run (a lookup answered with a 4xx that
    /// trying again would not change): recorded in [`StreamState::failed`], and the run went
    /// on with the other ids.
    pub failed: u64,
}

/// An id the provider refused for good (a lookup answered with a 4xx other than 401, 403,
/// 408 and 429), kept in the stream's state: later runs skip it until asked to try it again,
/// and a lookup of it that succeeds takes it off.
///
/// ```
/// let failed = conversations_sync::FailedId {
///     id: "crm-7".into(),
///     error: "asapp: request failed (HTTP 400)".into(),
///     at: "2026-01-02T03:04:05Z".into(),
/// };
/// // As `sync_streams.failed_ids` holds it (a JSON list of these).
/// assert_eq!(
///     serde_json::to_string(&failed).unwrap(),
///     r#"{"id":"crm-7","error":"asapp: request failed (HTTP 400)","at":"2026-01-02T03:04:05Z"}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedId {
    /// The id, as read from the ids file.
    pub id: String,
    /// The provider's refusal (status, code, request id: never a record's contents).
    pub error: String,
    /// When it was last refused (RFC 3339).
    pub at: String,
}

/// How a stream's last run went (or goes).
///
/// ```
/// use conversations_sync::StreamStatus;
/// assert_eq!(StreamStatus::Complete.to_string(), "complete");
/// assert_eq!("interrupted".parse::<StreamStatus>(), Ok(StreamStatus::Interrupted));
/// assert_eq!(serde_json::to_string(&StreamStatus::Failed).unwrap(), r#""failed""#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum StreamStatus {
    /// Never synced.
    New,
    /// A run is going on (or, saved so with nobody holding the lock, was killed).
    Running,
    /// The last run fetched and committed everything.
    Complete,
    /// The last run was interrupted; what it fetched is committed.
    Interrupted,
    /// The last run failed; what it fetched is committed.
    Failed,
}

impl StreamStatus {
    /// The status as saved and shown: `new`, `running`, `complete`, `interrupted`, `failed`.
    ///
    /// ```
    /// assert_eq!(conversations_sync::StreamStatus::New.as_str(), "new");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Running => "running",
            Self::Complete => "complete",
            Self::Interrupted => "interrupted",
            Self::Failed => "failed",
        }
    }
}

impl fmt::Display for StreamStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for StreamStatus {
    /// Whether the status is named `other`.
    ///
    /// ```
    /// assert_eq!(conversations_sync::StreamStatus::Failed, "failed");
    /// ```
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// A status that is none of [`StreamStatus`]'s names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown stream status")]
pub struct UnknownStatus;

impl std::str::FromStr for StreamStatus {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "new" => Self::New,
            "running" => Self::Running,
            "complete" => Self::Complete,
            "interrupted" => Self::Interrupted,
            "failed" => Self::Failed,
            _ => return Err(UnknownStatus),
        })
    }
}

/// Where an unfinished run resumes: saved with every batch, `None` in [`StreamState::resume`]
/// once a run finished.
///
/// Its JSON is what `sync_streams.resume` holds and `sync --status` shows:
///
/// ```
/// use conversations_core::{Cursor, Position};
/// use conversations_sync::{Resume, WalkState};
/// let resume = Resume::Walk(WalkState::new(Position::start().at(Cursor::new("p2"), 3), Some(50), None));
/// let text = resume.to_string();
/// assert!(text.starts_with(r#"{"walk":{"position":"#), "{text}");
/// assert_eq!(serde_json::from_str::<Resume>(&text).unwrap(), resume);
/// let lookup = Resume::Lookup { ids_sha256: "ab12".into(), done: 7 };
/// assert_eq!(lookup.to_string(), r#"{"lookup":{"ids_sha256":"ab12","done":7}}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Resume {
    /// An unfinished listing walk.
    Walk(WalkState),
    /// An unfinished lookup of ids: the first `done` of the distinct ids whose SHA-256 (of
    /// the ids in order) is `ids_sha256`.
    Lookup {
        /// The hex SHA-256 of the distinct ids, in order: the position applies to these only.
        ids_sha256: String,
        /// How many of them were looked up (and committed).
        done: usize,
    },
    /// A saved position that could not be read (edited by hand, or written by something
    /// else): `text` as saved, `error` why. A run refuses it
    /// ([`SyncError::BadState`](crate::SyncError::BadState)) unless it starts the stream
    /// over ([`SyncOptions::full_refresh`](crate::SyncOptions::full_refresh)). Never
    /// serialized nor deserialized: only a database hands it out.
    #[serde(skip)]
    Unreadable {
        /// The saved text.
        text: String,
        /// Why it could not be read.
        error: String,
    },
}

impl Resume {
    /// Reads a saved position (as [`Display`](fmt::Display) writes it); text that is none
    /// is [`Resume::Unreadable`].
    ///
    /// ```
    /// use conversations_sync::Resume;
    /// assert!(matches!(Resume::read("{\"walk\": {\"position\": 7"), Resume::Unreadable { .. }));
    /// assert!(matches!(Resume::read(r#"{"lookup":{"ids_sha256":"x","done":1}}"#), Resume::Lookup { done: 1, .. }));
    /// ```
    pub fn read(text: &str) -> Self {
        serde_json::from_str(text).unwrap_or_else(|e: serde_json::Error| Self::Unreadable {
            text: text.to_owned(),
            error: e.to_string(),
        })
    }
}

impl fmt::Display for Resume {
    /// The position as JSON (an unreadable one as it was saved).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unreadable { text, .. } => f.write_str(text),
            other => {
                let json = serde_json::to_string(other).map_err(|_| fmt::Error)?;
                f.write_str(&json)
            }
        }
    }
}

/// An unfinished listing walk: where it stands, and where it stops.
///
/// ```
/// use conversations_core::Position;
/// let floor = "2026-01-01T00:00:00Z".parse().unwrap();
/// let walk = conversations_sync::WalkState::new(Position::start(), Some(100), Some(floor));
/// assert_eq!((walk.floor, walk.high_water, walk.order_broken), (Some(floor), None, false));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WalkState {
    /// The position after the last committed record.
    pub position: Position,
    /// The page size the walk started with (a position's skip counts in its pages).
    pub page_size: Option<u32>,
    /// Stop at the first record created before this (the last walk's high-water mark less
    /// the lookback); `None`: walk to the end.
    pub floor: Option<DateTime<Utc>>,
    /// The newest `created_at` this walk has seen.
    pub high_water: Option<DateTime<Utc>>,
    /// Whether the listing was found out of order (the walk then goes to the end).
    pub order_broken: bool,
}

impl WalkState {
    /// A walk at `position`, with pages of `page_size`, stopping below `floor`.
    pub fn new(position: Position, page_size: Option<u32>, floor: Option<DateTime<Utc>>) -> Self {
        Self {
            position,
            page_size,
            floor,
            high_water: None,
            order_broken: false,
        }
    }
}

/// One stream's state: what a [`Destination`](crate::Destination) saves with each batch (a
/// row of `sync_streams` in a database) and hands back when the next run starts.
///
/// ```
/// use conversations_core::ConversationQuery;
/// use conversations_sync::{Resume, StreamKey, StreamState, StreamStatus};
/// let mut state = StreamState::new(StreamKey::listing("autocalls", &ConversationQuery::new()));
/// assert_eq!(state.status, StreamStatus::New);
/// state.high_water = Some("2026-03-01T12:00:00Z".parse().unwrap());
/// state.resume = Some(Resume::Lookup { ids_sha256: "ab".into(), done: 2 });
/// // Into a STATE message and back.
/// let json = serde_json::to_string(&state).unwrap();
/// assert_eq!(serde_json::from_str::<StreamState>(&json).unwrap(), state);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StreamState {
    /// The stream.
    pub key: StreamKey,
    /// Where an unfinished run resumes; `None` when the last run finished.
    pub resume: Option<Resume>,
    /// The newest `created_at` of a finished walk.
    pub high_water: Option<DateTime<Utc>>,
    /// How the last run went.
    pub status: StreamStatus,
    /// When the last run started.
    pub started_at: Option<DateTime<Utc>>,
    /// When the last run ended, if it did.
    pub finished_at: Option<DateTime<Utc>>,
    /// The last run's counts (so far, for a run that did not end).
    pub counts: RunCounts,
    /// What the last run had to say: an error, a broken order.
    pub message: Option<String>,
    /// The ids the provider refused for good, in the order they were first refused (lookup
    /// streams; see [`FailedId`]).
    #[serde(default)]
    pub failed: Vec<FailedId>,
    /// Who runs the stream now — `host …, pid …, since …` — when a live process holds its
    /// lock ([`Store::status`](crate::Store::status) only; `None` otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub running: Option<String>,
}

impl StreamState {
    /// The state of a stream never synced.
    pub fn new(key: StreamKey) -> Self {
        Self {
            key,
            resume: None,
            high_water: None,
            status: StreamStatus::New,
            started_at: None,
            finished_at: None,
            counts: RunCounts::default(),
            message: None,
            failed: Vec::new(),
            running: None,
        }
    }
}

/// A time as the sync saves and shows it: RFC 3339, UTC as `Z`, with as many fractional
/// digits as it has.
///
/// ```
/// let t = "2026-01-02T03:04:05.250Z".parse().unwrap();
/// assert_eq!(conversations_sync::time_text(&t), "2026-01-02T03:04:05.250Z");
/// ```
pub fn time_text(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// A time saved by [`time_text`] (or any RFC 3339 time), read back; `None` if it is none.
pub(crate) fn time_from(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}
