//! `since` / `until` on listings: whatever the data's order, page size, bounds and limit, a
//! bounded listing hands out exactly the records a filter over the whole listing keeps; where
//! the listing comes newest first it stops fetching below `since`; sources whose records carry
//! no time, and page-level calls, refuse the bounds.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, Utc};
use conversations_core::{
    Capabilities, Conversation, ConversationQuery, ConversationSourceExt, Error, MemorySource,
    PageSizeBounds, demo_conversations,
};
use futures::TryStreamExt;
use proptest::prelude::*;

fn epoch() -> DateTime<Utc> {
    "2025-01-01T00:00:00Z".parse().unwrap()
}

/// `minutes[i]` minutes after the epoch for record i (`None`: no time at all).
fn records(minutes: &[Option<i64>]) -> Vec<Conversation> {
    let mut items = demo_conversations("memory", minutes.len());
    for (c, m) in items.iter_mut().zip(minutes) {
        c.created_at = m.map(|m| epoch() + Duration::minutes(m));
    }
    items
}

fn source(items: Vec<Conversation>, page_size: u32, newest_first: bool) -> MemorySource {
    let caps = Capabilities::new().paged(PageSizeBounds::new(1, 100, page_size));
    let caps = if newest_first {
        caps.newest_first()
    } else {
        caps.dated()
    };
    MemorySource::new("memory", items).with_capabilities(caps)
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    futures::executor::block_on(f)
}

fn kept(items: &[Conversation], since: Option<i64>, until: Option<i64>) -> Vec<Conversation> {
    let at = |m: i64| epoch() + Duration::minutes(m);
    items
        .iter()
        .filter(|c| match c.created_at {
            None => true,
            Some(t) => since.is_none_or(|s| t >= at(s)) && until.is_none_or(|u| t < at(u)),
        })
        .cloned()
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any bounds, any limit: exactly the kept records — from a source that says it lists
    /// newest first (and does), and from one that only says its records are dated (in any
    /// order, walked to the end).
    #[test]
    fn a_bounded_listing_is_the_filter_of_the_whole(
        mut minutes in proptest::collection::vec(proptest::option::weighted(0.95, 0i64..500), 0..80),
        sorted in any::<bool>(),
        page_size in 1u32..=12,
        since in proptest::option::of(0i64..500),
        width in proptest::option::of(1i64..300),
        limit in proptest::option::of(1u64..40),
    ) {
        if sorted {
            minutes.sort_by(|a, b| b.cmp(a));
        }
        let until = since.zip(width).map(|(s, w)| s + w);
        let items = records(&minutes);
        let source = source(items.clone(), page_size, sorted);
        let mut query = ConversationQuery::new();
        query.since = since.map(|m| epoch() + Duration::minutes(m));
        query.until = until.map(|m| epoch() + Duration::minutes(m));
        query.limit = limit;
        let got: Vec<_> = block_on(source.list(query).try_collect()).unwrap();
        // Newest first, the walk ends at the first record below `since`: the undated records
        // after it (kept where they are met) are not reached.
        let reached = match (sorted, since) {
            (true, Some(s)) => items
                .iter()
                .position(|c| c.created_at.is_some_and(|t| t < epoch() + Duration::minutes(s)))
                .unwrap_or(items.len()),
            _ => items.len(),
        };
        let mut want = kept(&items[..reached], since, until);
        if let Some(limit) = limit {
            want.truncate(limit as usize);
        }
        prop_assert_eq!(got, want);
    }
}

#[test]
fn newest_first_stops_fetching_below_since() {
    // 100 records, one a minute, newest first, pages of 10: since keeps the newest 25.
    let minutes: Vec<Option<i64>> = (0..100).rev().map(Some).collect();
    let source = source(records(&minutes), 10, true);
    let query = ConversationQuery::new().since(epoch() + Duration::minutes(75));
    let got: Vec<_> = block_on(source.list(query).try_collect()).unwrap();
    assert_eq!(got.len(), 25);
    // Three pages hold them, the stop is seen on the third; one more may be prefetched.
    assert!(source.requests() <= 4, "{} requests", source.requests());
}

#[test]
fn a_source_whose_records_carry_no_time_refuses_the_bounds() {
    let undated = MemorySource::demo(5).with_capabilities(Capabilities::new());
    let query = ConversationQuery::new().since(epoch());
    let err = block_on(undated.list(query).try_collect::<Vec<_>>()).unwrap_err();
    assert!(matches!(err, Error::InvalidQuery { .. }), "{err}");
    assert!(err.to_string().contains("carry no creation time"), "{err}");
    assert_eq!(undated.requests(), 0, "refused before any request");
}

#[test]
fn pages_refuse_the_bounds_rather_than_ignore_them() {
    let source = source(records(&[Some(1), Some(0)]), 10, true);
    let query = ConversationQuery::new().until(epoch());
    let err = block_on(source.pages(query.clone()).try_collect::<Vec<_>>()).unwrap_err();
    assert!(matches!(err, Error::InvalidQuery { .. }), "{err}");
    assert!(block_on(source.fetch_page(&query, None)).is_err());
}

#[test]
fn since_after_until_is_refused() {
    let source = source(records(&[Some(1)]), 10, true);
    let query = ConversationQuery::new()
        .since(epoch() + Duration::minutes(5))
        .until(epoch());
    let err = block_on(source.list(query).try_collect::<Vec<_>>()).unwrap_err();
    assert!(err.to_string().contains("is not before until"), "{err}");
}
