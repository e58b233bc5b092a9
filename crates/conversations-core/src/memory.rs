//! [`MemorySource`]: an in-memory [`ConversationSource`] over a `Vec`, for tests and demos.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use crate::capabilities::{Capabilities, PageSizeBounds};
use crate::error::{Error, Result};
use crate::model::{Channel, Conversation, Participant, ParticipantRole};
use crate::page::{Cursor, Page};
use crate::query::{ConversationQuery, Filter};
use crate::source::ConversationSource;

/// An in-memory [`ConversationSource`] over a `Vec<Conversation>`.
///
/// It honors its [`Capabilities`] (all five filters and page sizes 1–100, both directions,
/// unless told otherwise), filters with [`ConversationQuery::matches`], and issues opaque
/// offset cursors. Failures can be queued with [`fail_next`](Self::fail_next), to exercise
/// retries and error paths without a server.
///
/// ```
/// use futures::TryStreamExt;
/// use conversations_core::{Channel, ConversationQuery, ConversationSource, ConversationSourceExt, MemorySource};
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let source = MemorySource::demo(10);
/// let whatsapp: Vec<_> = source
///     .list(ConversationQuery::new().channel(Channel::Whatsapp))
///     .try_collect()
///     .await
///     .unwrap();
/// assert!(whatsapp.iter().all(|c| c.channel == Some(Channel::Whatsapp)));
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct MemorySource {
    provider: String,
    items: Arc<Vec<Conversation>>,
    capabilities: Capabilities,
    failures: Arc<Mutex<VecDeque<Error>>>,
    requests: Arc<AtomicU64>,
    served: Arc<AtomicU64>,
}

/// The page size a [`MemorySource`] uses when a query sets none.
pub const MEMORY_DEFAULT_PAGE_SIZE: u32 = 25;

const CURSOR_PREFIX: &str = "mem1";

impl MemorySource {
    /// A source named `provider` serving `items` in order.
    ///
    /// ```
    /// use conversations_core::{Conversation, MemorySource};
    /// let source = MemorySource::new("memory", vec![Conversation::new("memory", serde_json::json!({}))]);
    /// assert_eq!(source.items().len(), 1);
    /// ```
    pub fn new(provider: impl Into<String>, items: Vec<Conversation>) -> Self {
        let capabilities = Filter::ALL
            .into_iter()
            .fold(Capabilities::new(), Capabilities::supports)
            .paged(PageSizeBounds::new(1, 100, MEMORY_DEFAULT_PAGE_SIZE))
            .backward()
            // Cursors are absolute offsets: any page size fits any cursor.
            .resizable_pages();
        Self {
            provider: provider.into(),
            items: Arc::new(items),
            capabilities,
            failures: Arc::default(),
            requests: Arc::default(),
            served: Arc::default(),
        }
    }

    /// A source named `"memory"` with `n` generated conversations of every channel.
    ///
    /// ```
    /// assert_eq!(conversations_core::MemorySource::demo(7).items().len(), 7);
    /// ```
    pub fn demo(n: usize) -> Self {
        Self::new("memory", demo_conversations("memory", n))
    }

    /// Replaces the capabilities, e.g. to play a provider that requires a filter.
    ///
    /// Capabilities without paging make the source serve every match in one page.
    ///
    /// ```
    /// use conversations_core::{Capabilities, ConversationQuery, ConversationSource, ConversationSourceExt, Filter, MemorySource};
    /// let source = MemorySource::demo(3).with_capabilities(Capabilities::new().requires(Filter::ExternalId));
    /// let refused = source.capabilities().validate("memory", &ConversationQuery::new()).unwrap_err();
    /// assert!(refused.to_string().contains("external_id"), "{refused}");
    /// assert!(source.capabilities().validate("memory", &ConversationQuery::new().external_id("ext-1")).is_ok());
    /// ```
    pub fn with_capabilities(mut self, capabilities: Capabilities) -> Self {
        self.capabilities = capabilities;
        self
    }

    /// Makes the next call to [`list_page`](ConversationSource::list_page) fail with `error`
    /// (queued: several calls queue several failures).
    ///
    /// ```
    /// use conversations_core::{ApiErrorDetails, ConversationQuery, ConversationSource, ConversationSourceExt, Error, MemorySource};
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let source = MemorySource::demo(3);
    /// source.fail_next(Error::from_status("memory", ApiErrorDetails::new(401), None));
    /// assert!(source.fetch_page(&ConversationQuery::new(), None).await.is_err());
    /// assert!(source.fetch_page(&ConversationQuery::new(), None).await.is_ok());
    /// # });
    /// ```
    pub fn fail_next(&self, error: Error) {
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push_back(error);
    }

    /// How many times [`list_page`](ConversationSource::list_page) was called.
    ///
    /// ```
    /// use conversations_core::MemorySource;
    /// assert_eq!(MemorySource::demo(1).requests(), 0);
    /// ```
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }

    /// How many records the source has served in all, over every page (a walk's limit
    /// should keep this to what it delivers).
    ///
    /// ```
    /// use futures::TryStreamExt;
    /// use conversations_core::{ConversationQuery, ConversationSource, ConversationSourceExt, MemorySource};
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let source = MemorySource::demo(100);
    /// let one: Vec<_> = source.list(ConversationQuery::new().page_size(100).limit(1)).try_collect().await.unwrap();
    /// assert_eq!(source.records_served(), 1);
    /// # });
    /// ```
    pub fn records_served(&self) -> u64 {
        self.served.load(Ordering::SeqCst)
    }

    /// The conversations served, in order.
    ///
    /// ```
    /// assert_eq!(conversations_core::MemorySource::demo(2).items()[0].provider, "memory");
    /// ```
    pub fn items(&self) -> &[Conversation] {
        &self.items
    }

    fn bad_cursor(&self, cursor: &Cursor) -> Error {
        Error::pagination(
            self.provider.clone(),
            format!("cursor {:?} was not issued by this source", cursor.as_str()),
        )
    }

    /// Decodes `mem1:n:OFFSET` (the page starting at OFFSET) or `mem1:p:OFFSET` (the page
    /// ending before OFFSET) into the `[start, end)` range of matches it designates.
    fn range(&self, cursor: Option<&Cursor>, size: usize, total: usize) -> Result<(usize, usize)> {
        let Some(cursor) = cursor else {
            return Ok((0, size.min(total)));
        };
        let mut parts = cursor.as_str().splitn(3, ':');
        let (Some(CURSOR_PREFIX), Some(dir), Some(offset)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(self.bad_cursor(cursor));
        };
        let offset: usize = offset.parse().map_err(|_| self.bad_cursor(cursor))?;
        if offset > total {
            return Err(self.bad_cursor(cursor));
        }
        match dir {
            "n" => Ok((offset, (offset + size).min(total))),
            "p" => Ok((offset.saturating_sub(size), offset)),
            _ => Err(self.bad_cursor(cursor)),
        }
    }
}

#[async_trait]
impl ConversationSource for MemorySource {
    fn provider(&self) -> &str {
        &self.provider
    }

    fn capabilities(&self) -> Capabilities {
        self.capabilities.clone()
    }

    async fn list_page(
        &self,
        query: &ConversationQuery,
        cursor: Option<&Cursor>,
    ) -> Result<Page<Conversation>> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        self.capabilities.validate(&self.provider, query)?;
        let failure = self
            .failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pop_front();
        if let Some(error) = failure {
            return Err(error);
        }
        let matches: Vec<&Conversation> = self.items.iter().filter(|c| query.matches(c)).collect();
        let total = matches.len();
        let Some(bounds) = self.capabilities.page_size() else {
            if let Some(cursor) = cursor {
                return Err(self.bad_cursor(cursor));
            }
            return Ok(Page::single(matches.into_iter().cloned().collect()));
        };
        let size = query.page_size.unwrap_or(bounds.default) as usize;
        let (start, end) = self.range(cursor, size, total)?;
        let next = (end < total).then(|| Cursor::new(format!("{CURSOR_PREFIX}:n:{end}")));
        let prev = (start > 0 && self.capabilities.pages_backward())
            .then(|| Cursor::new(format!("{CURSOR_PREFIX}:p:{start}")));
        self.served
            .fetch_add((end - start) as u64, Ordering::SeqCst);
        Ok(Page {
            items: matches[start..end].iter().map(|c| (*c).clone()).collect(),
            next,
            prev,
        })
    }
}

/// `n` deterministic conversations from `provider`, cycling through every channel and giving
/// each filter several matches: the data behind [`MemorySource::demo`].
///
/// ```
/// let items = conversations_core::demo_conversations("memory", 8);
/// assert_eq!(items.len(), 8);
/// assert_eq!(items[0].id.as_deref(), Some("conv-0000"));
/// ```
pub fn demo_conversations(provider: &str, n: usize) -> Vec<Conversation> {
    let epoch: DateTime<Utc> = DateTime::from_timestamp(1_735_689_600, 0).unwrap_or_default();
    (0..n)
        .map(|i| {
            let channel = match i % 4 {
                0 => Channel::Whatsapp,
                1 => Channel::Widget,
                2 => Channel::Api,
                _ => Channel::Test,
            };
            let id = format!("conv-{i:04}");
            let mut c = Conversation::new(provider.to_owned(), serde_json::json!({ "id": id }));
            c.id = Some(id);
            c.external_id = Some(format!("ext-{}", i % 7));
            c.agent = Some(
                Participant::new(ParticipantRole::AiAssistant)
                    .with_id(format!("{}", i % 3))
                    .with_name(format!("Assistant {}", i % 3)),
            );
            if channel == Channel::Whatsapp {
                c.customer = Some(
                    Participant::new(ParticipantRole::Customer)
                        .with_phone(format!("+1415555{:04}", i % 5)),
                );
                c.business = Some(
                    Participant::new(ParticipantRole::Business)
                        .with_name("Acme")
                        .with_phone(format!("+1415000{:04}", i % 2)),
                );
            }
            c.channel = Some(channel);
            c.message_count = Some((i % 20) as u64);
            c.total_cost = Some(i as f64 / 1000.0);
            c.ai_enabled = Some(i % 2 == 0);
            c.created_at = Some(epoch + Duration::minutes(i as i64));
            c.updated_at = Some(epoch + Duration::minutes(i as i64 + 5));
            c
        })
        .collect()
}
