//! The records the sandbox keeps and serves: an ASAPP item, an Autocalls conversation and
//! what it points at (assistant, customer of the pool, conversation type), a drifted record,
//! and the parts generation hands to the data set. Types only, at the bottom of the crate:
//! [`crate::generate`] makes them, [`crate::index`] indexes them, [`crate::dataset`] holds them.

use std::fmt;

use crate::drift::{AsappDrift, AutocallsDrift};

/// A record that drift mode serves off its documented types (see
/// [`SandboxConfig::drift`](crate::SandboxConfig::drift) for which records and fields).
///
/// ```
/// use conversations_sandbox::Dataset;
///
/// let data = Dataset::generate_drifted(1, 300);
/// let first = data.drifted_autocalls().next().expect("every third record drifts");
/// assert_eq!((first.index, first.field), (2, "assistant_id"));
/// assert!(data.autocalls()[first.index]["assistant_id"].is_u64());
/// assert_eq!(data.autocalls()[first.index]["id"], first.id);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DriftedRecord<'a> {
    /// The record's position in [`Dataset::autocalls`](crate::Dataset::autocalls) or [`Dataset::asapp`](crate::Dataset::asapp) (served order).
    pub index: usize,
    /// The record's `id`.
    pub id: &'a str,
    /// The field served off its documented type, dotted for nested ones (`metadata.priority`).
    pub field: &'static str,
}

/// An Autocalls assistant owned by the sandbox's (single) user.
///
/// Autocalls identifies an assistant two ways: the `assistant_id` *filter* takes its numeric
/// [`id`](Self::id) (an integer, per the docs), while every conversation carries its
/// [`uuid`](Self::uuid) in the `assistant_id` *response field*.
///
/// ```
/// use conversations_sandbox::Dataset;
///
/// let data = Dataset::generate(1, 30);
/// let first = &data.autocalls()[0];
/// let assistant = data
///     .autocalls_assistants()
///     .iter()
///     .find(|a| first["assistant_id"] == a.uuid.as_str())
///     .expect("every conversation belongs to a listed assistant");
/// assert_eq!(first["assistant_name"], assistant.name.as_str());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assistant {
    /// The integer id the `assistant_id` query filter takes.
    pub id: u64,
    /// The UUID that conversations carry in their `assistant_id` field.
    pub uuid: String,
    /// The display name conversations carry in `assistant_name`.
    pub name: String,
}

/// The four Autocalls conversation types, in the docs' order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ConversationType {
    Test,
    Widget,
    Whatsapp,
    Api,
}

impl ConversationType {
    /// Every type, for validation messages and parsing.
    pub(crate) const ALL: [ConversationType; 4] =
        [Self::Test, Self::Widget, Self::Whatsapp, Self::Api];

    /// The wire spelling.
    #[inline]
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Test => "test",
            Self::Widget => "widget",
            Self::Whatsapp => "whatsapp",
            Self::Api => "api",
        }
    }

    /// Parses the wire spelling (exact, case-sensitive, like Laravel's `in:` rule).
    #[inline]
    pub(crate) fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// Fixed-width ASCII text kept inline (timestamps, UUIDs): no allocation, no pointer.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ascii<const N: usize>([u8; N]);

impl<const N: usize> Ascii<N> {
    /// The first `N` bytes of `text`, padded with `0` (all the sandbox stores has exactly `N`).
    #[inline]
    pub(crate) fn new(text: &str) -> Self {
        let mut bytes = [b'0'; N];
        for (slot, b) in bytes.iter_mut().zip(text.bytes()) {
            *slot = b;
        }
        Ascii(bytes)
    }

    /// These bytes, as they are.
    #[inline]
    pub(crate) fn from_bytes(bytes: [u8; N]) -> Self {
        Ascii(bytes)
    }

    /// The bytes, to sort by.
    #[inline]
    pub(crate) fn bytes(&self) -> [u8; N] {
        self.0
    }

    /// The text (empty if it is not UTF-8, which cannot happen for what is stored).
    #[inline]
    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl<const N: usize> fmt::Debug for Ascii<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// One ASAPP item as the server keeps it: the exact bytes served.
#[derive(Debug, Clone)]
pub(crate) struct AsappRecord {
    pub(crate) json: Box<str>,
    pub(crate) drift: Option<AsappDrift>,
}

impl AsappRecord {
    /// The item's `id`, read from its bytes (always the first field, a ULID).
    #[inline]
    pub(crate) fn id(json: &str) -> &str {
        json.strip_prefix(r#"{"id":""#)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or("")
    }
}

/// One Autocalls conversation as the server keeps it: sort key, filter values as table
/// indexes, the exact bytes served.
#[derive(Debug, Clone)]
pub(crate) struct AutocallsRecord {
    pub(crate) created_at: Ascii<19>,
    pub(crate) id: Ascii<36>,
    pub(crate) kind: ConversationType,
    /// Index into the assistants.
    pub(crate) assistant: u8,
    /// Index into the WhatsApp senders.
    pub(crate) sender: Option<u8>,
    pub(crate) drift: Option<AutocallsDrift>,
    /// Index into the customer pool.
    pub(crate) customer: Option<u32>,
    /// Index into the leads (the base's, then those added at runtime).
    pub(crate) lead: Option<u32>,
    pub(crate) json: Box<str>,
}

/// A customer of the pool WhatsApp conversations draw from.
#[derive(Debug, Clone)]
pub(crate) struct PoolCustomer {
    pub(crate) phone: String,
    pub(crate) name: Option<String>,
}

impl AsRef<str> for PoolCustomer {
    fn as_ref(&self) -> &str {
        &self.phone
    }
}

/// What generation produces, before indexing.
pub(crate) struct BaseParts {
    pub(crate) assistants: Vec<Assistant>,
    pub(crate) customers: Vec<PoolCustomer>,
    pub(crate) leads: Vec<String>,
    pub(crate) lead_counter: u64,
    pub(crate) newest_update: i64,
    pub(crate) autocalls: Vec<AutocallsRecord>,
    pub(crate) asapp: Vec<AsappRecord>,
    pub(crate) asapp_groups: Vec<(String, u32)>,
}
