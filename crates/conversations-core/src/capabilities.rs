//! What a source can do, and the checks a query must pass before any request is sent.

use std::collections::BTreeSet;

use crate::error::{Error, Result};
use crate::page::Direction;
use crate::query::{ConversationQuery, Filter};

/// The page sizes a source accepts.
///
/// ```
/// let bounds = conversations_core::PageSizeBounds::new(1, 100, 15);
/// assert!(bounds.contains(100));
/// assert!(!bounds.contains(0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSizeBounds {
    /// The smallest page size accepted.
    pub min: u32,
    /// The largest page size accepted.
    pub max: u32,
    /// The page size used when a query sets none.
    pub default: u32,
}

impl PageSizeBounds {
    /// Bounds `min..=max` with a default.
    ///
    /// ```
    /// let b = conversations_core::PageSizeBounds::new(1, 100, 15);
    /// assert_eq!((b.min, b.max, b.default), (1, 100, 15));
    /// ```
    pub fn new(min: u32, max: u32, default: u32) -> Self {
        Self { min, max, default }
    }

    /// Whether `size` is within the bounds.
    ///
    /// ```
    /// assert!(conversations_core::PageSizeBounds::new(1, 10, 5).contains(10));
    /// ```
    pub fn contains(&self, size: u32) -> bool {
        (self.min..=self.max).contains(&size)
    }
}

/// What a source supports: filters (supported and required), page sizes, paging directions.
///
/// ```
/// use conversations_core::{Capabilities, ConversationQuery, Error, Filter, PageSizeBounds};
///
/// let caps = Capabilities::new()
///     .supports(Filter::ExternalId)
///     .requires(Filter::ExternalId);
/// assert!(caps.validate("asapp", &ConversationQuery::new().external_id("id-1")).is_ok());
/// let err = caps.validate("asapp", &ConversationQuery::new()).unwrap_err();
/// assert!(matches!(err, Error::InvalidQuery { .. }));
/// assert!(err.to_string().contains("external_id is required"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Capabilities {
    supported: BTreeSet<Filter>,
    required: BTreeSet<Filter>,
    page_size: Option<PageSizeBounds>,
    forward: bool,
    backward: bool,
    resizable: bool,
    dated: bool,
    newest_first: bool,
}

/// The longest filter value accepted, in bytes. Longer values are refused as invalid.
pub const MAX_FILTER_LEN: usize = 1024;

impl Capabilities {
    /// A source that supports no filters and serves everything in one page, without cursors.
    ///
    /// ```
    /// let caps = conversations_core::Capabilities::new();
    /// assert!(!caps.pages_forward());
    /// assert!(caps.page_size().is_none());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares a filter as supported.
    ///
    /// ```
    /// use conversations_core::{Capabilities, Filter};
    /// assert!(Capabilities::new().supports(Filter::Channel).is_supported(Filter::Channel));
    /// ```
    pub fn supports(mut self, filter: Filter) -> Self {
        self.supported.insert(filter);
        self
    }

    /// Declares a filter as required (and so supported).
    ///
    /// ```
    /// use conversations_core::{Capabilities, Filter};
    /// let caps = Capabilities::new().requires(Filter::ExternalId);
    /// assert!(caps.is_required(Filter::ExternalId) && caps.is_supported(Filter::ExternalId));
    /// ```
    pub fn requires(mut self, filter: Filter) -> Self {
        self.supported.insert(filter);
        self.required.insert(filter);
        self
    }

    /// Declares cursor paging forward, with the page sizes accepted.
    ///
    /// ```
    /// use conversations_core::{Capabilities, PageSizeBounds};
    /// let caps = Capabilities::new().paged(PageSizeBounds::new(1, 100, 15));
    /// assert!(caps.pages_forward());
    /// ```
    pub fn paged(mut self, bounds: PageSizeBounds) -> Self {
        self.page_size = Some(bounds);
        self.forward = true;
        self
    }

    /// Declares that records carry their creation time (`created_at`), so a query may bound
    /// it ([`ConversationQuery::since`](crate::ConversationQuery::since) and
    /// [`until`](crate::ConversationQuery::until)).
    ///
    /// ```
    /// use conversations_core::{Capabilities, ConversationQuery};
    /// let week = ConversationQuery::new().since("2025-01-01T00:00:00Z".parse().unwrap());
    /// assert!(Capabilities::new().validate("undated", &week).is_err());
    /// assert!(Capabilities::new().dated().validate("dated", &week).is_ok());
    /// ```
    pub fn dated(mut self) -> Self {
        self.dated = true;
        self
    }

    /// Declares that records carry their creation time and the listing comes newest first,
    /// so a walk bounded by [`since`](crate::ConversationQuery::since) can stop at the first
    /// record below it (the order is still checked, record by record).
    ///
    /// ```
    /// let caps = conversations_core::Capabilities::new().newest_first();
    /// assert!(caps.is_dated() && caps.lists_newest_first());
    /// ```
    pub fn newest_first(mut self) -> Self {
        self.dated = true;
        self.newest_first = true;
        self
    }

    /// Whether records carry their creation time (see [`dated`](Self::dated)).
    ///
    /// ```
    /// assert!(!conversations_core::Capabilities::new().is_dated());
    /// ```
    pub fn is_dated(&self) -> bool {
        self.dated
    }

    /// Whether the listing comes newest first (see [`newest_first`](Self::newest_first)).
    ///
    /// ```
    /// assert!(!conversations_core::Capabilities::new().dated().lists_newest_first());
    /// ```
    pub fn lists_newest_first(&self) -> bool {
        self.newest_first
    }

    /// Declares cursor paging backward too (through [`Page::prev`](crate::Page::prev)).
    ///
    /// ```
    /// use conversations_core::{Capabilities, PageSizeBounds};
    /// let caps = Capabilities::new().paged(PageSizeBounds::new(1, 100, 15)).backward();
    /// assert!(caps.pages_backward());
    /// ```
    pub fn backward(mut self) -> Self {
        self.backward = true;
        self
    }

    /// Declares that the page at a cursor starts at the same record whatever page size is
    /// asked for (keyset cursors, such as Laravel's, or absolute offsets), so a walk may ask
    /// for a smaller last page: with a limit, no record past it is downloaded. Sources whose
    /// cursors are page numbers must not declare it.
    ///
    /// ```
    /// use conversations_core::{Capabilities, PageSizeBounds};
    /// let caps = Capabilities::new().paged(PageSizeBounds::new(1, 100, 15)).resizable_pages();
    /// assert!(caps.pages_resizable());
    /// assert!(!Capabilities::new().pages_resizable());
    /// ```
    pub fn resizable_pages(mut self) -> Self {
        self.resizable = true;
        self
    }

    /// Whether the page size may change between pages of one walk (see
    /// [`resizable_pages`](Self::resizable_pages)).
    ///
    /// ```
    /// assert!(!conversations_core::Capabilities::new().pages_resizable());
    /// ```
    pub fn pages_resizable(&self) -> bool {
        self.resizable
    }

    /// The supported filters.
    ///
    /// ```
    /// use conversations_core::{Capabilities, Filter};
    /// let caps = Capabilities::new().supports(Filter::Channel);
    /// assert_eq!(caps.supported().collect::<Vec<_>>(), vec![Filter::Channel]);
    /// ```
    pub fn supported(&self) -> impl Iterator<Item = Filter> + '_ {
        self.supported.iter().copied()
    }

    /// The required filters.
    ///
    /// ```
    /// use conversations_core::{Capabilities, Filter};
    /// let caps = Capabilities::new().requires(Filter::ExternalId);
    /// assert_eq!(caps.required().collect::<Vec<_>>(), vec![Filter::ExternalId]);
    /// ```
    pub fn required(&self) -> impl Iterator<Item = Filter> + '_ {
        self.required.iter().copied()
    }

    /// Whether `filter` is supported.
    ///
    /// ```
    /// use conversations_core::{Capabilities, Filter};
    /// assert!(!Capabilities::new().is_supported(Filter::Channel));
    /// ```
    pub fn is_supported(&self, filter: Filter) -> bool {
        self.supported.contains(&filter)
    }

    /// Whether `filter` is required.
    ///
    /// ```
    /// use conversations_core::{Capabilities, Filter};
    /// assert!(!Capabilities::new().supports(Filter::Channel).is_required(Filter::Channel));
    /// ```
    pub fn is_required(&self, filter: Filter) -> bool {
        self.required.contains(&filter)
    }

    /// The page sizes accepted, or `None` for a source that serves one page and takes no page size.
    ///
    /// ```
    /// use conversations_core::{Capabilities, PageSizeBounds};
    /// let b = PageSizeBounds::new(1, 100, 15);
    /// assert_eq!(Capabilities::new().paged(b).page_size(), Some(b));
    /// ```
    pub fn page_size(&self) -> Option<PageSizeBounds> {
        self.page_size
    }

    /// Whether the source pages forward through [`Page::next`](crate::Page::next) cursors.
    ///
    /// ```
    /// assert!(!conversations_core::Capabilities::new().pages_forward());
    /// ```
    pub fn pages_forward(&self) -> bool {
        self.forward
    }

    /// Whether the source pages backward through [`Page::prev`](crate::Page::prev) cursors.
    ///
    /// ```
    /// assert!(!conversations_core::Capabilities::new().pages_backward());
    /// ```
    pub fn pages_backward(&self) -> bool {
        self.backward
    }

    /// Whether the source can page in `direction`.
    ///
    /// ```
    /// use conversations_core::{Capabilities, Direction};
    /// assert!(!Capabilities::new().pages(Direction::Backward));
    /// ```
    pub fn pages(&self, direction: Direction) -> bool {
        match direction {
            Direction::Forward => self.forward,
            Direction::Backward => self.backward,
        }
    }

    /// Checks a query against these capabilities; `provider` names the source in the error.
    ///
    /// Refuses, as [`Error::InvalidQuery`]: a filter the source does not support; a required
    /// filter that is missing; a filter value that is empty, blank, longer than
    /// [`MAX_FILTER_LEN`] or holds control characters; a page size out of bounds (or any page
    /// size for a source that takes none); a limit of zero.
    ///
    /// ```
    /// use conversations_core::{Capabilities, ConversationQuery, Filter, PageSizeBounds};
    /// let caps = Capabilities::new()
    ///     .supports(Filter::CustomerPhone)
    ///     .paged(PageSizeBounds::new(1, 100, 15));
    /// assert!(caps.validate("autocalls", &ConversationQuery::new().page_size(101)).is_err());
    /// assert!(caps.validate("autocalls", &ConversationQuery::new().customer_phone("")).is_err());
    /// assert!(caps.validate("autocalls", &ConversationQuery::new().channel("api")).is_err());
    /// assert!(caps.validate("autocalls", &ConversationQuery::new().customer_phone("+1555")).is_ok());
    /// ```
    pub fn validate(&self, provider: &str, query: &ConversationQuery) -> Result<()> {
        let invalid = |reason: String| Err(Error::invalid_query(provider, reason));
        for (filter, value) in query.filters() {
            if !self.is_supported(filter) {
                let supported: Vec<&str> = self.supported().map(Filter::name).collect();
                let supported = if supported.is_empty() {
                    "none".to_owned()
                } else {
                    supported.join(", ")
                };
                return invalid(format!(
                    "filter {filter} is not supported by {provider} (supported: {supported})"
                ));
            }
            if let Some(problem) = value_problem(value) {
                return invalid(format!("filter {filter} {problem}"));
            }
        }
        for filter in self.required() {
            if query.get(filter).is_none() {
                return invalid(format!("filter {filter} is required by {provider}"));
            }
        }
        match (query.page_size, self.page_size) {
            (Some(size), Some(bounds)) if !bounds.contains(size) => {
                return invalid(format!(
                    "page size {size} is out of bounds ({}..={})",
                    bounds.min, bounds.max
                ));
            }
            (Some(_), None) => {
                return invalid(format!("{provider} serves one page and takes no page size"));
            }
            _ => {}
        }
        if query.limit == Some(0) {
            return invalid("limit must be at least 1".to_owned());
        }
        if (query.since.is_some() || query.until.is_some()) && !self.dated {
            return invalid(format!(
                "{provider}'s records carry no creation time, so since/until cannot bound them"
            ));
        }
        if let (Some(since), Some(until)) = (query.since, query.until)
            && since >= until
        {
            return invalid(format!("since ({since}) is not before until ({until})"));
        }
        Ok(())
    }
}

/// What is wrong with a filter value, if anything.
fn value_problem(value: &str) -> Option<String> {
    if value.is_empty() {
        return Some("is empty".to_owned());
    }
    if value.trim().is_empty() {
        return Some("is blank".to_owned());
    }
    if value.len() > MAX_FILTER_LEN {
        return Some(format!(
            "is {} bytes long (at most {MAX_FILTER_LEN})",
            value.len()
        ));
    }
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        return Some(format!(
            "holds a control character ({})",
            c.escape_unicode()
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps() -> Capabilities {
        Capabilities::new()
            .supports(Filter::Channel)
            .requires(Filter::ExternalId)
            .paged(PageSizeBounds::new(1, 100, 15))
    }

    #[test]
    fn refuses_each_bad_query_with_a_reason() {
        let base = ConversationQuery::new().external_id("x");
        let cases = [
            (base.clone().agent_id("1"), "agent_id is not supported"),
            (ConversationQuery::new(), "external_id is required"),
            (base.clone().channel(""), "channel is empty"),
            (base.clone().channel("  "), "channel is blank"),
            (base.clone().channel("a\nb"), "control character"),
            (base.clone().page_size(0), "page size 0 is out of bounds"),
            (
                base.clone().page_size(101),
                "page size 101 is out of bounds",
            ),
            (base.clone().limit(0), "limit must be at least 1"),
            (
                base.clone().channel("x".repeat(MAX_FILTER_LEN + 1)),
                "bytes long",
            ),
        ];
        for (query, needle) in cases {
            let err = caps().validate("p", &query).unwrap_err();
            assert!(matches!(err, Error::InvalidQuery { .. }), "{err:?}");
            assert!(err.to_string().contains(needle), "{err} lacks {needle}");
        }
    }

    #[test]
    fn accepts_good_queries_and_bounds() {
        let base = ConversationQuery::new().external_id("x");
        for query in [
            base.clone(),
            base.clone().page_size(1),
            base.clone().page_size(100),
            base.clone().channel("whatsapp").limit(1),
        ] {
            caps().validate("p", &query).unwrap();
        }
    }

    #[test]
    fn page_size_refused_where_source_takes_none() {
        let caps = Capabilities::new().requires(Filter::ExternalId);
        let err = caps
            .validate(
                "asapp",
                &ConversationQuery::new().external_id("x").page_size(5),
            )
            .unwrap_err();
        assert!(err.to_string().contains("takes no page size"));
    }
}
