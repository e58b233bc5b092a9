//! Property tests: whatever the dataset size, page size, limit and injected retryable
//! failures, `list` returns every matching conversation exactly once, in order.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use conversations_core::{
    ApiErrorDetails, ConversationQuery, ConversationSource, Direction, Error, MemorySource,
    RetryPolicy,
};
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
            let source = MemorySource::demo(size)
                .with_retry_policy(RetryPolicy::default().max_attempts(8).initial_delay(Duration::from_millis(5)));
            for kind in &failures {
                source.fail_next(retryable(*kind));
            }
            let mut query = ConversationQuery::new().page_size(page_size);
            query.limit = limit;
            let got: Vec<_> = source.list(query).try_collect().await.unwrap();
            let want = limit.map_or(size, |l| size.min(l as usize));
            prop_assert_eq!(got.len(), want);
            prop_assert_eq!(&got[..], &source.items()[..want]);
            // Pages past the limit are never fetched.
            let pages_needed = want.div_ceil(page_size as usize).max(1) as u64;
            prop_assert!(source.requests() <= pages_needed + failures.len() as u64);
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
        let source = MemorySource::demo(10).with_retry_policy(
            RetryPolicy::default()
                .max_attempts(2)
                .initial_delay(Duration::ZERO),
        );
        for _ in 0..3 {
            source.fail_next(Error::from_status(
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
        assert_eq!(source.requests(), 2);
    });
}
