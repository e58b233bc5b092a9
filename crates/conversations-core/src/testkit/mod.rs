//! The conformance kit: checks that a [`ConversationSource`] keeps the trait's contract.
//!
//! Give it a source and the dataset the source serves (in the provider's order); it checks
//! exactly-once paging at page sizes 1, 2, 7 and the maximum, each supported filter, the
//! refusal of unsupported and missing required filters and of bad values, `limit`, resuming
//! from a serialized cursor, backward paging and cursor-loop detection. Every provider crate
//! in this workspace runs it; third-party providers should too.
//!
//! ```
//! use conversations_core::{testkit::Conformance, MemorySource};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
//! let source = MemorySource::demo(30);
//! let report = Conformance::new(&source, source.items().to_vec()).run().await;
//! report.assert_passed();
//! # });
//! ```

pub mod drift;

use std::collections::HashSet;
use std::fmt;
use std::sync::Mutex;

use async_trait::async_trait;
use futures::StreamExt;

use crate::capabilities::Capabilities;
use crate::error::{Error, Result};
use crate::model::Conversation;
use crate::page::{Cursor, Direction, Page};
use crate::query::{ConversationQuery, Filter};
use crate::source::{ConversationSource, ConversationSourceExt};

/// How one check ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The source kept the contract.
    Passed,
    /// The source broke the contract: what went wrong.
    Failed(String),
    /// The check does not apply to this source (e.g. cursors for a one-page source): why.
    NotApplicable(String),
}

/// One named check and its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// What was checked.
    pub name: String,
    /// How it ended.
    pub outcome: Outcome,
}

/// Every check run against one source.
///
/// ```
/// use conversations_core::testkit::{Conformance, Outcome};
/// use conversations_core::MemorySource;
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let source = MemorySource::demo(10);
/// let report = Conformance::new(&source, source.items().to_vec()).run().await;
/// assert!(report.passed());
/// assert!(report.checks.iter().any(|c| c.name == "exactly-once paging at page size 7"));
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct Report {
    /// The provider checked.
    pub provider: String,
    /// The checks, in the order they ran.
    pub checks: Vec<Check>,
}

impl Report {
    /// Whether no check failed.
    ///
    /// ```
    /// use conversations_core::testkit::Report;
    /// assert!(Report { provider: "p".into(), checks: vec![] }.passed());
    /// ```
    pub fn passed(&self) -> bool {
        self.failures().next().is_none()
    }

    /// The failed checks.
    ///
    /// ```
    /// use conversations_core::testkit::{Check, Outcome, Report};
    /// let report = Report {
    ///     provider: "p".into(),
    ///     checks: vec![Check { name: "limit".into(), outcome: Outcome::Failed("3 records, not 2".into()) }],
    /// };
    /// assert_eq!(report.failures().count(), 1);
    /// assert!(report.to_string().contains("FAIL  limit: 3 records, not 2"));
    /// ```
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Failed(_)))
    }

    /// Panics with the whole report if any check failed; for use in tests.
    ///
    /// ```should_panic
    /// use conversations_core::testkit::{Check, Outcome, Report};
    /// let check = Check { name: "limit".into(), outcome: Outcome::Failed("wrong".into()) };
    /// Report { provider: "p".into(), checks: vec![check] }.assert_passed();
    /// ```
    #[track_caller]
    pub fn assert_passed(&self) {
        assert!(self.passed(), "{self}");
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failed = self.failures().count();
        writeln!(
            f,
            "conformance of {}: {} checks, {} failed",
            self.provider,
            self.checks.len(),
            failed
        )?;
        for check in &self.checks {
            match &check.outcome {
                Outcome::Passed => writeln!(f, "  ok    {}", check.name)?,
                Outcome::Failed(why) => writeln!(f, "  FAIL  {}: {why}", check.name)?,
                Outcome::NotApplicable(why) => writeln!(f, "  n/a   {}: {why}", check.name)?,
            }
        }
        Ok(())
    }
}

/// A conformance run: a source, the dataset it serves, and optional explicit filter cases.
#[derive(Debug)]
pub struct Conformance<'a, S: ?Sized> {
    source: &'a S,
    dataset: Vec<Conversation>,
    base: Option<ConversationQuery>,
    cases: Vec<(Filter, String, Option<Vec<Conversation>>)>,
}

impl<'a, S: ConversationSource + ?Sized> Conformance<'a, S> {
    /// A run against `source`, which serves exactly `dataset`, in this order.
    ///
    /// ```
    /// use conversations_core::{testkit::Conformance, MemorySource};
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let source = MemorySource::demo(5);
    /// assert!(Conformance::new(&source, source.items().to_vec()).run().await.passed());
    /// // A source that does not serve the dataset it is said to serve fails.
    /// let mut reversed = source.items().to_vec();
    /// reversed.reverse();
    /// let report = Conformance::new(&source, reversed).run().await;
    /// assert!(report.failures().count() > 0);
    /// # });
    /// ```
    pub fn new(source: &'a S, dataset: Vec<Conversation>) -> Self {
        Self {
            source,
            dataset,
            base: None,
            cases: Vec::new(),
        }
    }

    /// The query every check starts from (for example one setting a required filter).
    /// By default, each required filter takes the value most records of the dataset share
    /// (the first such value on ties), so paging and `limit` have the most to work on.
    ///
    /// ```
    /// use conversations_core::{testkit::Conformance, Capabilities, ConversationQuery, Filter, MemorySource};
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let source = MemorySource::demo(30).with_capabilities(Capabilities::new().requires(Filter::ExternalId));
    /// Conformance::new(&source, source.items().to_vec())
    ///     .base_query(ConversationQuery::new().external_id("ext-3"))
    ///     .run()
    ///     .await
    ///     .assert_passed();
    /// # });
    /// ```
    pub fn base_query(mut self, query: ConversationQuery) -> Self {
        self.base = Some(query);
        self
    }

    /// Checks `filter` with `value`, expecting the records of the dataset that
    /// [`ConversationQuery::matches`].
    ///
    /// ```
    /// use conversations_core::{testkit::Conformance, Filter, MemorySource};
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let source = MemorySource::demo(30);
    /// let report = Conformance::new(&source, source.items().to_vec())
    ///     .filter_value(Filter::CustomerPhone, "+14155550003")
    ///     .run()
    ///     .await;
    /// assert!(report.checks.iter().any(|c| c.name == "filter customer_phone = \"+14155550003\""));
    /// # });
    /// ```
    pub fn filter_value(mut self, filter: Filter, value: impl Into<String>) -> Self {
        self.cases.push((filter, value.into(), None));
        self
    }

    /// Checks `filter` with `value`, expecting exactly `expected` (for filters whose value
    /// the normalized model does not carry, such as a numeric assistant id).
    ///
    /// ```
    /// use conversations_core::{testkit::Conformance, Filter, MemorySource};
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let source = MemorySource::demo(30);
    /// let expected: Vec<_> = source.items().iter().filter(|c| c.external_id.as_deref() == Some("ext-1")).cloned().collect();
    /// Conformance::new(&source, source.items().to_vec())
    ///     .filter_case(Filter::ExternalId, "ext-1", expected)
    ///     .run()
    ///     .await
    ///     .assert_passed();
    /// # });
    /// ```
    pub fn filter_case(
        mut self,
        filter: Filter,
        value: impl Into<String>,
        expected: Vec<Conversation>,
    ) -> Self {
        self.cases.push((filter, value.into(), Some(expected)));
        self
    }

    /// Runs every check and reports.
    ///
    /// ```
    /// use conversations_core::{testkit::Conformance, MemorySource};
    /// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let source = MemorySource::demo(12);
    /// let report = Conformance::new(&source, source.items().to_vec()).run().await;
    /// assert!(report.passed(), "{report}");
    /// # });
    /// ```
    pub async fn run(self) -> Report {
        let caps = self.source.capabilities();
        let base = self.base_query_for(&caps);
        let expected: Vec<Conversation> = self
            .dataset
            .iter()
            .filter(|c| base.matches(c))
            .cloned()
            .collect();
        let mut checks = Vec::new();
        let mut record = |name: String, outcome: Outcome| checks.push(Check { name, outcome });

        // Paging.
        match caps.page_size() {
            Some(bounds) => {
                let mut sizes = vec![1, 2, 7, bounds.max];
                sizes.retain(|s| bounds.contains(*s));
                sizes.dedup();
                for size in sizes {
                    let query = base.clone().page_size(size);
                    record(
                        format!("exactly-once paging at page size {size}"),
                        self.check_listing(&query, &expected, Some(size)).await,
                    );
                }
            }
            None => record(
                "exactly-once listing (single page)".to_owned(),
                self.check_listing(&base, &expected, None).await,
            ),
        }

        // Filters.
        for filter in caps.supported() {
            let name = format!("filter {filter}");
            let explicit: Vec<_> = self.cases.iter().filter(|(f, ..)| *f == filter).collect();
            let cases: Vec<(String, Vec<Conversation>)> = if explicit.is_empty() {
                match expected
                    .iter()
                    .find_map(|c| filter.value_in(c).first().map(|v| v.to_string()))
                {
                    Some(value) => {
                        let query = base.clone().filter(filter, Some(value.clone()));
                        vec![(
                            value,
                            self.dataset
                                .iter()
                                .filter(|c| query.matches(c))
                                .cloned()
                                .collect(),
                        )]
                    }
                    None => {
                        record(
                            name,
                            Outcome::Failed(format!(
                                "the dataset has no value for {filter}; give one with filter_value or filter_case"
                            )),
                        );
                        continue;
                    }
                }
            } else {
                explicit
                    .into_iter()
                    .map(|(_, value, exp)| {
                        let exp = exp.clone().unwrap_or_else(|| {
                            let query = base.clone().filter(filter, Some(value.clone()));
                            self.dataset
                                .iter()
                                .filter(|c| query.matches(c))
                                .cloned()
                                .collect()
                        });
                        (value.clone(), exp)
                    })
                    .collect()
            };
            for (value, exp) in cases {
                let mut query = base.clone().filter(filter, Some(value.clone()));
                if let Some(bounds) = caps.page_size() {
                    query = query.page_size(bounds.max);
                }
                record(
                    format!("{name} = {value:?}"),
                    self.check_listing(&query, &exp, None).await,
                );
            }
        }

        // Refusals.
        for filter in Filter::ALL.into_iter().filter(|f| !caps.is_supported(*f)) {
            let query = base.clone().filter(filter, Some("x".to_owned()));
            record(
                format!("unsupported filter {filter} refused"),
                self.check_refused(&query).await,
            );
        }
        for filter in caps.required() {
            let query = base.clone().filter(filter, None);
            record(
                format!("missing required filter {filter} refused"),
                self.check_refused(&query).await,
            );
        }
        for filter in caps.supported() {
            for (what, value) in [("empty", ""), ("control character", "a\u{0}b")] {
                let query = base.clone().filter(filter, Some(value.to_owned()));
                record(
                    format!("{what} value for {filter} refused"),
                    self.check_refused(&query).await,
                );
            }
        }
        match caps.page_size() {
            Some(bounds) => {
                for size in [bounds.min.saturating_sub(1), bounds.max.saturating_add(1)] {
                    if bounds.contains(size) {
                        continue;
                    }
                    record(
                        format!("page size {size} refused"),
                        self.check_refused(&base.clone().page_size(size)).await,
                    );
                }
            }
            None => record(
                "page size refused by a one-page source".to_owned(),
                self.check_refused(&base.clone().page_size(1)).await,
            ),
        }

        // Limit.
        let small = caps.page_size().map(|b| 2.clamp(b.min, b.max));
        if expected.len() >= 2 {
            let limit = (expected.len() as u64 - 1).min(5);
            let mut query = base.clone().limit(limit);
            query.page_size = small;
            record(
                format!("limit {limit}"),
                self.check_listing(&query, &expected[..limit as usize], None)
                    .await,
            );
        } else {
            record(
                "limit".to_owned(),
                Outcome::Failed("the dataset needs at least 2 matching records".to_owned()),
            );
        }
        let mut query = base.clone().limit(expected.len() as u64 + 10);
        query.page_size = small;
        record(
            "limit above the total".to_owned(),
            self.check_listing(&query, &expected, None).await,
        );

        // Cursors.
        let paging = match small {
            Some(size) if caps.pages_forward() && expected.len() > size as usize => Some(size),
            Some(_) => None,
            None => None,
        };
        match paging {
            Some(size) => {
                let query = base.clone().page_size(size);
                record(
                    "resume from a serialized cursor".to_owned(),
                    self.check_resume(&query, &expected).await,
                );
                if caps.pages_backward() {
                    record(
                        "backward paging through prev cursors".to_owned(),
                        self.check_backward(&query, &expected).await,
                    );
                }
                record(
                    "repeated cursor stops with a pagination error".to_owned(),
                    check_loop(self.source, &query).await,
                );
            }
            None => {
                let why = if caps.pages_forward() {
                    "the dataset fits in one page".to_owned()
                } else {
                    "the source serves one page and issues no cursors".to_owned()
                };
                record(
                    "resume from a serialized cursor".to_owned(),
                    Outcome::NotApplicable(why.clone()),
                );
                record(
                    "repeated cursor stops with a pagination error".to_owned(),
                    Outcome::NotApplicable(why),
                );
            }
        }

        Report {
            provider: self.source.provider().to_owned(),
            checks,
        }
    }

    fn base_query_for(&self, caps: &Capabilities) -> ConversationQuery {
        if let Some(base) = &self.base {
            return base.clone();
        }
        caps.required()
            .fold(ConversationQuery::new(), |query, filter| {
                let mut counts: Vec<(&str, usize)> = Vec::new();
                for value in self
                    .dataset
                    .iter()
                    .filter_map(|c| filter.value_in(c).first().copied())
                {
                    match counts.iter_mut().find(|(v, _)| *v == value) {
                        Some((_, n)) => *n += 1,
                        None => counts.push((value, 1)),
                    }
                }
                // max_by_key keeps the last maximum; reversed, ties go to the first value seen.
                let value = counts
                    .into_iter()
                    .rev()
                    .max_by_key(|(_, n)| *n)
                    .map(|(v, _)| v.to_owned());
                query.filter(filter, value)
            })
    }

    async fn check_listing(
        &self,
        query: &ConversationQuery,
        expected: &[Conversation],
        page_size: Option<u32>,
    ) -> Outcome {
        let mut got = Vec::new();
        let mut pages = self.source.pages(query.clone());
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => {
                    if let Some(size) = page_size
                        && page.items.len() > size as usize
                    {
                        return Outcome::Failed(format!(
                            "a page held {} items, more than the page size {size}",
                            page.items.len()
                        ));
                    }
                    got.extend(page.items);
                }
                Err(e) => return Outcome::Failed(format!("listing failed: {e}")),
            }
        }
        compare(expected, &got)
    }

    async fn check_refused(&self, query: &ConversationQuery) -> Outcome {
        let first = self.source.list(query.clone()).next().await;
        let direct = self.source.fetch_page(query, None).await;
        match (first, direct) {
            (Some(Err(Error::InvalidQuery { .. })), Err(Error::InvalidQuery { .. })) => {
                Outcome::Passed
            }
            (first, direct) => Outcome::Failed(format!(
                "expected InvalidQuery from list and fetch_page, got {} and {}",
                describe(first.as_ref().map(|r| r.as_ref().map(|_| ()))),
                describe(Some(direct.as_ref().map(|_| ()))),
            )),
        }
    }

    async fn check_resume(&self, query: &ConversationQuery, expected: &[Conversation]) -> Outcome {
        let first = match self.source.fetch_page(query, None).await {
            Ok(page) => page,
            Err(e) => return Outcome::Failed(format!("first page failed: {e}")),
        };
        let Some(next) = first.next else {
            return Outcome::Failed("the first page had no next cursor".to_owned());
        };
        let saved = match serde_json::to_string(&next) {
            Ok(s) => s,
            Err(e) => return Outcome::Failed(format!("cursor did not serialize: {e}")),
        };
        let restored: Cursor = match serde_json::from_str(&saved) {
            Ok(c) => c,
            Err(e) => return Outcome::Failed(format!("cursor did not deserialize: {e}")),
        };
        let mut got = first.items;
        let mut rest = self
            .source
            .pages_from(query.clone(), Some(restored), Direction::Forward)
            .items();
        while let Some(item) = rest.next().await {
            match item {
                Ok(item) => got.push(item),
                Err(e) => return Outcome::Failed(format!("resumed listing failed: {e}")),
            }
        }
        compare(expected, &got)
    }

    async fn check_backward(
        &self,
        query: &ConversationQuery,
        expected: &[Conversation],
    ) -> Outcome {
        let mut forward: Vec<Page<Conversation>> = Vec::new();
        let mut pages = self.source.pages(query.clone());
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => forward.push(page),
                Err(e) => return Outcome::Failed(format!("forward walk failed: {e}")),
            }
        }
        let Some(last) = forward.last() else {
            return Outcome::Failed("no pages".to_owned());
        };
        let Some(prev) = last.prev.clone() else {
            return Outcome::Failed("the last page had no prev cursor".to_owned());
        };
        let mut backward: Vec<Vec<Conversation>> = Vec::new();
        let mut pages = self
            .source
            .pages_from(query.clone(), Some(prev), Direction::Backward);
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => backward.push(page.items),
                Err(e) => return Outcome::Failed(format!("backward walk failed: {e}")),
            }
        }
        let got: Vec<Conversation> = backward.into_iter().rev().flatten().collect();
        let before_last = expected.len() - last.items.len().min(expected.len());
        compare(&expected[..before_last], &got)
    }
}

fn describe(result: Option<std::result::Result<(), &Error>>) -> String {
    match result {
        None => "an empty stream".to_owned(),
        Some(Ok(())) => "success".to_owned(),
        Some(Err(e)) => format!("error {e}"),
    }
}

/// Same records, same order, each once.
fn compare(expected: &[Conversation], got: &[Conversation]) -> Outcome {
    let mut seen = HashSet::new();
    for c in got {
        let key = (c.id.clone(), c.external_id.clone(), c.raw.to_string());
        if !seen.insert(key) {
            return Outcome::Failed(format!("record {:?} was returned twice", c.id));
        }
    }
    if let Some(i) = (0..expected.len().min(got.len())).find(|&i| expected[i] != got[i]) {
        return Outcome::Failed(format!(
            "record {i} differs: expected {:?}, got {:?}",
            expected[i], got[i]
        ));
    }
    if expected.len() != got.len() {
        return Outcome::Failed(format!(
            "expected {} records, got {}",
            expected.len(),
            got.len()
        ));
    }
    Outcome::Passed
}

/// A source that replays its first `next` cursor forever: a provider stuck in a loop.
struct Looping<'a, S: ?Sized> {
    inner: &'a S,
    first_next: Mutex<Option<Cursor>>,
}

#[async_trait]
impl<S: ConversationSource + ?Sized> ConversationSource for Looping<'_, S> {
    fn provider(&self) -> &str {
        self.inner.provider()
    }
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    async fn list_page(
        &self,
        query: &ConversationQuery,
        cursor: Option<&Cursor>,
    ) -> Result<Page<Conversation>> {
        let mut page = self.inner.list_page(query, cursor).await?;
        let mut first = self
            .first_next
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match &*first {
            None => *first = page.next.clone(),
            Some(repeat) => page.next = Some(repeat.clone()),
        }
        Ok(page)
    }
}

async fn check_loop<S: ConversationSource + ?Sized>(
    source: &S,
    query: &ConversationQuery,
) -> Outcome {
    let looping = Looping {
        inner: source,
        first_next: Mutex::new(None),
    };
    let mut items = looping.list(query.clone());
    let mut count = 0usize;
    // Two pages are served before the repeat is seen; anything far past that is a hang.
    let bound = 2 * query.page_size.unwrap_or(100) as usize + 1;
    while let Some(item) = items.next().await {
        match item {
            Ok(_) => {
                count += 1;
                if count > bound {
                    return Outcome::Failed("listing went on past a repeated cursor".to_owned());
                }
            }
            Err(Error::Pagination { .. }) => return Outcome::Passed,
            Err(e) => return Outcome::Failed(format!("expected a pagination error, got {e}")),
        }
    }
    Outcome::Failed("listing ended without reporting the repeated cursor".to_owned())
}
