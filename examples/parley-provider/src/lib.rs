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

use conversations_core::endpoint::{BaseUrl, BaseUrlError};
use conversations_core::{
    ApiErrorDetails, Capabilities, Channel, Conversation, ConversationQuery, ConversationSource,
    Cursor, Error, Filter, PageSizeBounds, Participant, ParticipantRole, Result, async_trait,
};
use serde::Deserialize;

/// The provider name Parley records and errors carry.
pub const PROVIDER: &str = "parley";

/// Lists Parley chats as normalized conversations.
///
/// ```
/// let source = parley_provider::ParleySource::new("http://127.0.0.1:9", "key").unwrap();
/// assert!(!format!("{source:?}").contains("key\""));
/// ```
#[derive(Clone)]
pub struct ParleySource {
    base: BaseUrl,
    key: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for ParleySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParleySource")
            .field("base", &self.base.as_str())
            .field("key", &"[REDACTED]")
            .finish()
    }
}

impl ParleySource {
    /// A source for the Parley API at `base_url` (https, or http on loopback).
    ///
    /// ```
    /// assert!(parley_provider::ParleySource::new("http://parley.example", "k").is_err());
    /// ```
    pub fn new(base_url: &str, key: impl Into<String>) -> Result<Self, BaseUrlError> {
        Ok(Self {
            base: BaseUrl::parse(base_url)?,
            key: key.into(),
            http: reqwest::Client::new(),
        })
    }
}

#[derive(Deserialize)]
struct ChatList {
    chats: Vec<serde_json::Value>,
    page: u32,
    pages: u32,
}

#[derive(Deserialize)]
struct Chat {
    chat_id: String,
    medium: String,
    agent_name: Option<String>,
}

/// Maps one chat, as received, to the normalized model.
///
/// ```
/// let c = parley_provider::normalize(&serde_json::json!({"chat_id": "c1", "medium": "widget"})).unwrap();
/// assert_eq!(c.id.as_deref(), Some("c1"));
/// ```
pub fn normalize(raw: &serde_json::Value) -> Result<Conversation> {
    let chat: Chat = serde_json::from_value(raw.clone())
        .map_err(|e| Error::decode(PROVIDER, Some(200), "chat", e, raw.to_string().as_bytes()))?;
    let mut c = Conversation::new(PROVIDER, raw.clone());
    c.id = Some(chat.chat_id);
    c.channel = Some(Channel::from(chat.medium));
    c.agent = chat
        .agent_name
        .map(|name| Participant::new(ParticipantRole::HumanAgent).with_name(name));
    Ok(c)
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
        let size = query.page_size.unwrap_or(20);
        let mut params = vec![("page", page.to_string()), ("size", size.to_string())];
        if let Some(channel) = &query.channel {
            params.push(("medium", channel.as_str().to_owned()));
        }
        let response = self
            .http
            .get(self.base.join("/v2/chats"))
            .header("X-Parley-Key", &self.key)
            .query(&params)
            .send()
            .await
            .map_err(|e| Error::transport(PROVIDER, e))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(|e| Error::transport(PROVIDER, e))?;
        if status != 200 {
            let message = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["error"].as_str().map(str::to_owned));
            let mut details = ApiErrorDetails::new(status);
            details.message = message;
            return Err(Error::from_status(PROVIDER, details, None));
        }
        let list: ChatList = serde_json::from_slice(&body)
            .map_err(|e| Error::decode(PROVIDER, Some(status), "chat list", e, &body))?;
        let items = list
            .chats
            .iter()
            .map(normalize)
            .collect::<Result<Vec<_>>>()?;
        Ok(conversations_core::Page {
            items,
            next: (list.page < list.pages).then(|| Cursor::new((list.page + 1).to_string())),
            prev: (list.page > 1).then(|| Cursor::new((list.page - 1).to_string())),
        })
    }
}
