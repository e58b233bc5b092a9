//! [`SyncSource`]: what a sync reads from — a [`ConversationSource`] and the name its rows and
//! its stream are filed under (the provider's name, or an account's, so that two accounts of
//! one provider keep separate streams and say whose each row is).

use std::sync::Arc;

use conversations_core::ConversationSource;

/// A source and the name a sync files it under: the `source` column of its rows and the
/// source of its stream (`sync_streams`). The provider's name is kept beside it, in the
/// `provider` column.
///
/// ```
/// use std::sync::Arc;
/// use conversations_core::{ConversationSource, MemorySource};
/// use conversations_sync::SyncSource;
/// let demo: Arc<dyn ConversationSource> = Arc::new(MemorySource::demo(1));
/// assert_eq!(SyncSource::from(demo.clone()).name(), "memory");
/// let named = SyncSource::named("client-a", demo);
/// assert_eq!((named.name(), named.provider()), ("client-a", "memory"));
/// ```
#[derive(Clone)]
pub struct SyncSource {
    name: Arc<str>,
    source: Arc<dyn ConversationSource>,
}

impl SyncSource {
    /// `source`, filed under its provider's name.
    pub fn new(source: Arc<dyn ConversationSource>) -> Self {
        Self {
            name: Arc::from(source.provider()),
            source,
        }
    }

    /// `source`, filed under `name` (an account's name, say). An empty name falls back to the
    /// provider's.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use conversations_core::MemorySource;
    /// let s = conversations_sync::SyncSource::named("", Arc::new(MemorySource::demo(1)));
    /// assert_eq!(s.name(), "memory");
    /// ```
    pub fn named(name: impl Into<Arc<str>>, source: Arc<dyn ConversationSource>) -> Self {
        let name = name.into();
        if name.is_empty() {
            return Self::new(source);
        }
        Self { name, source }
    }

    /// The name rows and the stream are filed under.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The provider's name, e.g. `autocalls`.
    pub fn provider(&self) -> &str {
        self.source.provider()
    }

    /// The source itself.
    pub fn source(&self) -> &Arc<dyn ConversationSource> {
        &self.source
    }
}

impl std::fmt::Debug for SyncSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncSource")
            .field("name", &self.name)
            .field("provider", &self.source.provider())
            .finish()
    }
}

impl From<Arc<dyn ConversationSource>> for SyncSource {
    fn from(source: Arc<dyn ConversationSource>) -> Self {
        Self::new(source)
    }
}
