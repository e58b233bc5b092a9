//! Lookups over many ids, on paused time: concurrency never exceeds the bound, no id is lost
//! or duplicated when lookups fail, input order is kept when asked, and a stream of 100,000
//! ids is pulled only as lookups finish.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use conversations_core::{
    ApiErrorDetails, Capabilities, Conversation, ConversationQuery, ConversationSource, Cursor,
    Error, Lookup, MemorySource, Page, Result,
};
use futures::StreamExt;
use proptest::prelude::*;

/// A memory source whose every page takes time (paused clock) and fails for chosen ids.
struct Slow {
    inner: MemorySource,
    failing: HashSet<String>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

#[async_trait]
impl ConversationSource for Slow {
    fn provider(&self) -> &str {
        "slow"
    }
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    async fn list_page(
        &self,
        query: &ConversationQuery,
        cursor: Option<&Cursor>,
    ) -> Result<Page<Conversation>> {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        let id = query.external_id.clone().unwrap_or_default();
        // A latency that varies by id, so lookups finish out of order.
        let ms = 5 + (id.bytes().map(u64::from).sum::<u64>() % 40);
        tokio::time::sleep(Duration::from_millis(ms)).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        if self.failing.contains(&id) {
            return Err(Error::from_status("slow", ApiErrorDetails::new(400), None));
        }
        self.inner.list_page(query, cursor).await
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn every_distinct_id_answered_or_failed_exactly_once(
        picks in prop::collection::vec(0usize..14, 0..60),
        failing in prop::collection::btree_set(0usize..14, 0..5),
        concurrency in 1usize..8,
        ordered in any::<bool>(),
    ) {
        // ext-0..ext-6 exist in the demo data; ext-7.. do not (an empty answer, not an error).
        let id = |n: usize| format!("ext-{n}");
        let ids: Vec<String> = picks.iter().map(|&n| id(n)).collect();
        let failing: HashSet<String> = failing.iter().map(|&n| id(n)).collect();
        runtime().block_on(async {
            let inner = MemorySource::demo(50);
            let expected = |asked: &str| -> Vec<Conversation> {
                inner.items().iter().filter(|c| c.external_id.as_deref() == Some(asked)).cloned().collect()
            };
            let source = Arc::new(Slow {
                inner: inner.clone(),
                failing: failing.clone(),
                in_flight: AtomicUsize::new(0),
                max_in_flight: AtomicUsize::new(0),
            });
            let lookup = Lookup::new(source.clone()).unwrap().concurrency(concurrency).in_input_order(ordered);
            let results: Vec<_> = lookup.run(futures::stream::iter(ids.clone())).collect().await;

            let mut distinct = Vec::new();
            for asked in &ids {
                if !distinct.contains(asked) {
                    distinct.push(asked.clone());
                }
            }
            let got: Vec<String> = results.iter().map(|r| r.id.to_string()).collect();
            prop_assert_eq!(got.len(), distinct.len(), "one result per distinct id");
            prop_assert_eq!(got.iter().collect::<BTreeSet<_>>(), distinct.iter().collect::<BTreeSet<_>>());
            if ordered {
                prop_assert_eq!(&got, &distinct, "input order kept");
            }
            let (answered, failed): (Vec<_>, Vec<_>) = results.iter().partition(|r| r.result.is_ok());
            prop_assert_eq!(answered.len() + failed.len(), distinct.len());
            for r in &results {
                match &r.result {
                    Ok(found) => {
                        prop_assert!(!failing.contains(&*r.id));
                        prop_assert_eq!(found, &expected(&r.id));
                    }
                    Err(e) => {
                        prop_assert!(failing.contains(&*r.id));
                        prop_assert_eq!(e.status(), Some(400));
                    }
                }
            }
            prop_assert!(source.max_in_flight.load(Ordering::SeqCst) <= concurrency);
            Ok(())
        })?;
    }
}

#[test]
fn a_hundred_thousand_ids_are_pulled_only_as_lookups_finish() {
    runtime().block_on(async {
        let source = Arc::new(MemorySource::new("memory", vec![]));
        let pulled = Arc::new(AtomicUsize::new(0));
        let counter = pulled.clone();
        let ids = futures::stream::iter(0..100_000).map(move |i| {
            counter.fetch_add(1, Ordering::SeqCst);
            format!("crm-{i}")
        });
        let concurrency = 32;
        let mut results = Lookup::new(source)
            .unwrap()
            .concurrency(concurrency)
            .run(ids);
        let mut done = 0usize;
        let mut most_ahead = 0usize;
        while let Some(r) = results.next().await {
            assert!(r.result.unwrap().is_empty());
            done += 1;
            most_ahead = most_ahead.max(pulled.load(Ordering::SeqCst) - done);
        }
        assert_eq!(done, 100_000);
        assert!(
            most_ahead <= concurrency + 1,
            "input pulled ahead by {most_ahead}"
        );
    });
}
