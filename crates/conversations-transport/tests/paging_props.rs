//! Property tests: whatever the dataset size, page size, limit and injected retryable
//! failures, `list` over a [`Retrying`] source returns every matching conversation exactly
//! once, in order, and resumes exactly where it stopped.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use conversations_core::{
    ApiErrorDetails, ConversationQuery, ConversationSourceExt, Direction, Error, MemorySource,
};
use conversations_transport::{RetryPolicy, Retrying};
use futures::TryStreamExt;
use proptest::prelude::*;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
}

fn retryable(kind: u8) -> Error {
    match kind % 3 {
        0 => Error::from_status(
            "memory",
            ApiErrorDetails::new(429),
            Some(Duration::from_secs(1)),
        ),
        1 => Error::from_status("memory", ApiErrorDetails::new(503), None),
        _ => Error::transport("memory", std::io::Error::other("connection reset")),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn exactly_once_with_retryable_failures(
        size in 0usize..120,
        page_size in 1u32..=100,
        failures in proptest::collection::vec(any::<u8>(), 0..6),
        limit in proptest::option::of(1u64..150),
    ) {
        runtime().block_on(async {
            // Failures never exceed what one page's retries absorb (attempts = 4).
            let source = Retrying::new(
                MemorySource::demo(size),
                RetryPolicy::default().max_attempts(8).initial_delay(Duration::from_millis(5)),
            );
            for kind in &failures {
                source.inner().fail_next(retryable(*kind));
            }
            let mut query = ConversationQuery::new().page_size(page_size);
            query.limit = limit;
            let got: Vec<_> = source.list(query).try_collect().await.unwrap();
            let want = limit.map_or(size, |l| size.min(l as usize));
            prop_assert_eq!(got.len(), want);
            prop_assert_eq!(&got[..], &source.inner().items()[..want]);
            // Pages past the limit are never fetched.
            let pages_needed = want.div_ceil(page_size as usize).max(1) as u64;
            prop_assert!(source.inner().requests() <= pages_needed + failures.len() as u64);
            Ok(())
        })?;
    }

    #[test]
    fn backward_walk_mirrors_forward(size in 1usize..80, page_size in 1u32..20) {
        runtime().block_on(async {
            let source = MemorySource::demo(size);
            let query = ConversationQuery::new().page_size(page_size);
            let forward: Vec<_> = source.pages(query.clone()).try_collect().await.unwrap();
            let last = forward.last().unwrap();
            let mut back: Vec<_> = match &last.prev {
                Some(prev) => source
                    .pages_from(query, Some(prev.clone()), Direction::Backward)
                    .try_collect()
                    .await
                    .unwrap(),
                None => Vec::new(),
            };
            back.reverse();
            let mut items: Vec<_> = back.into_iter().flat_map(|p| p.items).collect();
            items.extend(last.items.iter().cloned());
            prop_assert_eq!(&items[..], source.items());
            Ok(())
        })?;
    }
}

#[test]
fn a_non_retryable_failure_surfaces_once_and_ends_the_listing() {
    runtime().block_on(async {
        let source = MemorySource::demo(10);
        source.fail_next(Error::from_status(
            "memory",
            ApiErrorDetails::new(401),
            None,
        ));
        let results: Vec<_> =
            futures::StreamExt::collect::<Vec<_>>(source.list(ConversationQuery::new())).await;
        assert_eq!(results.len(), 1);
        assert!(matches!(results[0], Err(Error::Unauthorized { .. })));
        assert_eq!(source.requests(), 1);
    });
}

#[test]
fn exhausted_retries_return_the_last_error() {
    runtime().block_on(async {
        let source = Retrying::new(
            MemorySource::demo(10),
            RetryPolicy::default()
                .max_attempts(2)
                .initial_delay(Duration::ZERO),
        );
        for _ in 0..3 {
            source.inner().fail_next(Error::from_status(
                "memory",
                ApiErrorDetails::new(503),
                None,
            ));
        }
        let err = source
            .list(ConversationQuery::new())
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Unavailable { .. }));
        assert_eq!(source.inner().requests(), 2);
    });
}

/// How a first walk stops after `k` records.
#[derive(Debug, Clone, Copy)]
enum Stop {
    /// The caller stops reading (a kill, from the data's point of view).
    Dropped,
    /// The query's limit.
    Limit,
    /// A non-retryable error on the next page fetch.
    Error,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// For every stop point k: the first k records, then what a fresh walk resumed from the
    /// saved (serialized) position yields, equal the full listing.
    #[test]
    fn resuming_from_any_position_yields_exactly_the_rest(
        size in 0usize..60,
        page_size in 1u32..=12,
        k in 0usize..70,
        stop in prop_oneof![Just(Stop::Dropped), Just(Stop::Limit), Just(Stop::Error)],
        failures in proptest::collection::vec(any::<u8>(), 0..4),
    ) {
        runtime().block_on(async {
            let policy = RetryPolicy::default().max_attempts(8).initial_delay(Duration::from_millis(5));
            let source = Retrying::new(MemorySource::demo(size), policy);
            let full = source.inner().items().to_vec();
            let k = k.min(size);
            for kind in &failures {
                source.inner().fail_next(retryable(*kind));
            }
            let query = ConversationQuery::new().page_size(page_size);
            let mut first = Vec::new();
            let saved = match stop {
                Stop::Dropped => {
                    let mut items = source.list(query.clone());
                    while first.len() < k {
                        first.push(items.try_next().await.unwrap().unwrap());
                    }
                    serde_json::to_string(&items.position()).unwrap()
                }
                Stop::Limit if k > 0 => {
                    let mut items = source.list(query.clone().limit(k as u64));
                    while let Some(c) = items.try_next().await.unwrap() {
                        first.push(c);
                    }
                    serde_json::to_string(&items.position()).unwrap()
                }
                Stop::Limit => serde_json::to_string(&Some(conversations_core::Position::start())).unwrap(),
                Stop::Error => {
                    let mut items = source.list(query.clone());
                    // Deliver k records, then make the next fetch fail for good.
                    while first.len() < k {
                        first.push(items.try_next().await.unwrap().unwrap());
                    }
                    source.inner().fail_next(Error::from_status("memory", ApiErrorDetails::new(400), None));
                    while let Ok(Some(c)) = items.try_next().await {
                        first.push(c);
                    }
                    serde_json::to_string(&items.position()).unwrap()
                }
            };
            let position: Option<conversations_core::Position> = serde_json::from_str(&saved).unwrap();
            let rest: Vec<_> = match position {
                Some(position) => source.list_from(query, position).try_collect().await.unwrap(),
                None => Vec::new(),
            };
            let mut resumed = first;
            resumed.extend(rest);
            prop_assert_eq!(resumed.len(), full.len());
            prop_assert_eq!(&resumed, &full);
            Ok(())
        })?;
    }

    /// A limit never asks the provider for more records than it still needs.
    #[test]
    fn page_sizes_never_exceed_what_the_limit_still_needs(size in 1usize..80, page_size in 1u32..=50, limit in 1u64..80) {
        runtime().block_on(async {
            let source = MemorySource::demo(size);
            let query = ConversationQuery::new().page_size(page_size).limit(limit);
            let got: Vec<_> = source.list(query).try_collect().await.unwrap();
            prop_assert_eq!(got.len() as u64, limit.min(size as u64));
            prop_assert_eq!(source.records_served(), got.len() as u64, "no record fetched past the limit");
            Ok(())
        })?;
    }
}
