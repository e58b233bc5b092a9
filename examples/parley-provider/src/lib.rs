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
//! [`Cursor`]s. Everything else is inherited: validation, auto-pagination, limits and
//! loop detection from `conversations-core`; timeouts, retries, rate limits, body limits,
//! redaction and logs from `conversations-transport`.
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use conversations_core::{ConversationQuery, ConversationSourceExt};
//! use conversations_transport::ClientOptions;
//! use parley_provider::ParleySource;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let source = ParleySource::new("https://api.parley.example", "my-key", &ClientOptions::new())?;
//! let chats: Vec<_> = source.list(ConversationQuery::new().channel("whatsapp")).try_collect().await?;
//! println!("{} chats", chats.len());
//! # Ok(()) }
//! ```

use conversations_core::decode::{self, ListField, Presence, RecordReader};
use conversations_core::{
    ApiErrorDetails, Capabilities, Channel, Conversation, ConversationQuery, ConversationSource,
    Cursor, Error, Filter, Page, PageSizeBounds, Participant, ParticipantRole, RawJson, Result,
    async_trait,
};
use conversations_transport::{
    BuildError, ClientOptions, Credentials, Protocol, RateLimit, Transport,
};
use serde_json::value::RawValue;

/// The provider name Parley records and errors carry.
pub const PROVIDER: &str = "parley";

/// What the shared transport needs to know about Parley: its name, its request-id header and
/// its error envelope (`{"error": "message"}`).
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
/// use conversations_transport::ClientOptions;
/// let source = parley_provider::ParleySource::new("http://127.0.0.1:9", "s3cret", &ClientOptions::new()).unwrap();
/// assert!(!format!("{source:?}").contains("s3cret"));
/// // Credentials never cross a network in clear text.
/// assert!(parley_provider::ParleySource::new("http://parley.example", "k", &ClientOptions::new()).is_err());
/// ```
#[derive(Debug, Clone)]
pub struct ParleySource {
    transport: Transport,
}

impl ParleySource {
    /// A source for the Parley API at `base_url` (https, or http on loopback), with the
    /// given HTTP options (timeouts, retries, proxy, rate…).
    pub fn new(base_url: &str, key: &str, options: &ClientOptions) -> Result<Self, BuildError> {
        let credentials = Credentials::header("x-parley-key", "API key", &key.into())?;
        let transport = Transport::new(PROTOCOL, base_url, credentials, options)?;
        Ok(Self { transport })
    }
}

/// Maps one chat, as received, to the normalized model — tolerantly: what is off the
/// documented types is noted, never an error.
///
/// ```
/// let raw = serde_json::value::RawValue::from_string(r#"{"chat_id": 7, "medium": "sms"}"#.into()).unwrap();
/// let chat = parley_provider::normalize(&raw);
/// assert_eq!(chat.id.as_deref(), Some("7"));
/// assert_eq!(chat.notes[0].path, "chat_id");
/// ```
pub fn normalize(raw: &RawValue) -> Conversation {
    let mut notes = Vec::new();
    let mut c = Conversation::new(PROVIDER, RawJson::from_raw(raw));
    if let Some(mut r) = RecordReader::new(raw, &mut notes) {
        c.id = r.string("chat_id", Presence::Required);
        c.channel = r
            .str("medium", Presence::Required)
            .map(|m| Channel::from(m.as_ref()));
        let agent = r.string("agent_name", Presence::OptionalNullable);
        c.agent = agent.map(|name| Participant::new(ParticipantRole::HumanAgent).with_name(name));
    }
    c.notes = notes;
    c
}

#[derive(serde::Deserialize)]
struct ChatList<'a> {
    #[serde(borrow)]
    chats: ListField<'a>,
    page: u32,
    pages: u32,
}

#[async_trait]
impl ConversationSource for ParleySource {
    fn provider(&self) -> &str {
        PROVIDER
    }

    fn capabilities(&self) -> Capabilities {
        let sizes = PageSizeBounds::new(1, 50, 20);
        Capabilities::new()
            .supports(Filter::Channel)
            .paged(sizes)
            .backward()
    }

    async fn list_page(
        &self,
        query: &ConversationQuery,
        cursor: Option<&Cursor>,
    ) -> Result<Page<Conversation>> {
        self.capabilities().validate(PROVIDER, query)?;
        let page = cursor.map_or(Some(1), |c| {
            c.as_str().parse::<u32>().ok().filter(|p| *p >= 1)
        });
        let page = page.ok_or_else(|| Error::pagination(PROVIDER, "not a Parley page cursor"))?;
        let (page, size) = (page.to_string(), query.page_size.unwrap_or(20).to_string());
        let mut params = vec![("page", page.as_str()), ("size", size.as_str())];
        if let Some(channel) = &query.channel {
            params.push(("medium", channel.as_str()));
        }
        let response = self.transport.get("/v2/chats", &params).await?;
        let fail =
            |why: String| Error::decode(PROVIDER, Some(response.status), "chat list", why, b"");
        let list: ChatList<'_> =
            serde_json::from_slice(&response.body).map_err(|e| fail(decode::describe(&e)))?;
        let ListField::List(chats) = list.chats else {
            return Err(fail("chats: expected an array".to_owned()));
        };
        Ok(Page {
            items: chats.into_iter().map(normalize).collect(),
            next: (list.page < list.pages).then(|| Cursor::new((list.page + 1).to_string())),
            prev: (list.page > 1).then(|| Cursor::new((list.page - 1).to_string())),
        })
    }
}
