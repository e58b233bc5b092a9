//! # parley-provider: a third provider, built outside conversations-rs
//!
//! This crate is the worked example of `docs/adding-a-provider.md`. "Parley" is an imaginary
//! chat provider with a small API:
//!
//! ```text
//! GET {base}/v2/chats?page=N&size=M[&medium=whatsapp]
//! X-Parley-Key: <key>
//! 200 {"chats": [{"chat_id": "...", "medium": "whatsapp", "agent_name": "Ana"}], "page": 1, "pages": 3}
//! 4xx/5xx {"error": "message"}
//! ```
//!
//! It pages by page number, not by cursor: the source turns page numbers into opaque
//! [`Cursor`]s, and core does the rest (auto-pagination, limits, retries, loop detection).
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use conversations_core::{ConversationQuery, ConversationSource};
//! use parley_provider::ParleySource;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let source = ParleySource::new("https://api.parley.example", "my-key")?;
//! let chats: Vec<_> = source.list(ConversationQuery::new().channel("whatsapp")).try_collect().await?;
//! println!("{} chats", chats.len());
//! # Ok(()) }
//! ```

use conversations_core::decode::{self, ListField, Presence, RecordReader};
use conversations_core::{
    ApiErrorDetails, Capabilities, Channel, Conversation, ConversationQuery, ConversationSource,
    Cursor, Error, Filter, JsonType, PageSizeBounds, Participant, ParticipantRole, RawJson, Result,
    RetryPolicy, async_trait,
};
use conversations_transport::{
    BuildError, ClientOptions, Credentials, Protocol, RateLimit, Transport,
};
use serde::Deserialize;
use serde_json::value::RawValue;

/// The provider name Parley records and errors carry.
pub const PROVIDER: &str = "parley";

/// What the shared transport needs to know about Parley: its name and its error envelope
/// (`{"error": "message"}`). Timeouts, retries, the page deadline, redirects, credentials
/// and logs are the transport's.
const PROTOCOL: Protocol = Protocol {
    provider: PROVIDER,
    request_id_header: Some("x-request-id"),
    error_details,
    default_rate_limit: RateLimit::unlimited(),
};

fn error_details(body: &[u8], details: &mut ApiErrorDetails) {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
        details.message = v["error"].as_str().map(str::to_owned);
    }
}

/// Lists Parley chats as normalized conversations.
///
/// ```
/// let source = parley_provider::ParleySource::new("http://127.0.0.1:9", "s3cret").unwrap();
/// assert!(!format!("{source:?}").contains("s3cret"));
/// ```
#[derive(Debug, Clone)]
pub struct ParleySource {
    transport: Transport,
}

impl ParleySource {
    /// A source for the Parley API at `base_url` (https, or http on loopback), with the
    /// default [`ClientOptions`].
    ///
    /// ```
    /// assert!(parley_provider::ParleySource::new("http://parley.example", "k").is_err());
    /// ```
    pub fn new(base_url: &str, key: &str) -> Result<Self, BuildError> {
        Self::with_options(base_url, key, &ClientOptions::new())
    }

    /// A source with the given HTTP options (timeouts, retries, proxy…).
    ///
    /// ```
    /// use conversations_transport::ClientOptions;
    /// let source = parley_provider::ParleySource::with_options("http://127.0.0.1:9", "k", &ClientOptions::new());
    /// assert!(source.is_ok());
    /// ```
    pub fn with_options(
        base_url: &str,
        key: &str,
        options: &ClientOptions,
    ) -> Result<Self, BuildError> {
        let credentials = Credentials::header("x-parley-key", "API key", &key.into())?;
        Ok(Self {
            transport: Transport::new(PROTOCOL, base_url, credentials, options)?,
        })
    }
}

#[derive(Deserialize)]
struct ChatList<'a> {
    #[serde(borrow)]
    chats: Option<ListField<'a>>,
    page: u32,
    pages: u32,
}

/// Maps one chat, as received, to the normalized model — tolerantly: what is off the
/// documented types is noted, never an error.
///
/// ```
/// let c = parley_provider::normalize(&serde_json::json!({"chat_id": "c1", "medium": "widget"}));
/// assert_eq!(c.id.as_deref(), Some("c1"));
/// let odd = parley_provider::normalize(&serde_json::json!({"chat_id": 7, "medium": "widget"}));
/// assert_eq!(odd.id.as_deref(), Some("7"));
/// assert_eq!(odd.notes[0].path, "chat_id");
/// ```
pub fn normalize(raw: &serde_json::Value) -> Conversation {
    let raw = RawJson::from(raw);
    from_raw(raw.as_raw_value())
}

fn from_raw(raw: &RawValue) -> Conversation {
    let mut notes = Vec::new();
    let mut c = Conversation::new(PROVIDER, RawJson::from_raw(raw));
    if let Some(mut r) = RecordReader::new(raw, &mut notes) {
        c.id = r.string("chat_id", Presence::Required);
        c.channel = r
            .str("medium", Presence::Required)
            .map(|m| Channel::from(m.as_ref()));
        c.agent = r
            .string("agent_name", Presence::OptionalNullable)
            .map(|name| Participant::new(ParticipantRole::HumanAgent).with_name(name));
    }
    c.notes = notes;
    c
}

#[async_trait]
impl ConversationSource for ParleySource {
    fn provider(&self) -> &str {
        PROVIDER
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::new()
            .supports(Filter::Channel)
            .paged(PageSizeBounds::new(1, 50, 20))
            .backward()
    }

    /// None here: the transport already retries every request.
    fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy::none()
    }

    async fn list_page(
        &self,
        query: &ConversationQuery,
        cursor: Option<&Cursor>,
    ) -> Result<conversations_core::Page<Conversation>> {
        self.capabilities().validate(PROVIDER, query)?;
        let page: u32 = match cursor {
            None => 1,
            Some(c) => c.as_str().parse().ok().filter(|p| *p >= 1).ok_or_else(|| {
                Error::pagination(
                    PROVIDER,
                    format!("cursor {:?} is not a Parley page", c.as_str()),
                )
            })?,
        };
        let (page, size) = (page.to_string(), query.page_size.unwrap_or(20).to_string());
        let mut params = vec![("page", page.as_str()), ("size", size.as_str())];
        if let Some(channel) = &query.channel {
            params.push(("medium", channel.as_str()));
        }
        let response = self.transport.get("/v2/chats", &params).await?;
        let fail = |reason: String| {
            Error::decode(PROVIDER, Some(response.status), "chat list", reason, b"")
        };
        let list: ChatList<'_> =
            serde_json::from_slice(&response.body).map_err(|e| fail(decode::describe(&e)))?;
        let chats = match list.chats {
            Some(ListField::List(chats)) => chats,
            Some(ListField::Not(found)) if found != JsonType::Null => {
                return Err(fail(format!("chats: expected an array, found {found}")));
            }
            _ => return Err(fail("chats is missing".to_owned())),
        };
        Ok(conversations_core::Page {
            items: chats.into_iter().map(from_raw).collect(),
            next: (list.page < list.pages).then(|| Cursor::new((list.page + 1).to_string())),
            prev: (list.page > 1).then(|| Cursor::new((list.page - 1).to_string())),
        })
    }
}
