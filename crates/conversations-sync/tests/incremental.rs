//! Incremental walks on a newest-first source that gains and changes records between runs:
//! the re-run picks up exactly those within the lookback, asks for no page past the one
//! holding the lookback boundary, resumes an interrupted incremental walk and still stops at
//! the same boundary, and finishes with a full walk when the order turns out broken; `since`
//! and `until` bound a run's walk, not its stream.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use conversations_core::{
    Capabilities, Conversation, ConversationQuery, ConversationSource, Cursor, Page,
    Result as SourceResult,
};
use conversations_sync::{
    Notice, Observer, Outcome, Quiet, RunCounts, Store, StreamKey, Summary, SyncOptions,
    sync_listing,
};

/// Records in the order given, pages of 10, offset cursors; counts fetches.
struct Listing {
    records: Mutex<Vec<Conversation>>,
    fetches: AtomicUsize,
}

#[conversations_core::async_trait]
impl ConversationSource for Listing {
    fn provider(&self) -> &str {
        "listing"
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities::new().newest_first()
    }
    async fn list_page(
        &self,
        _: &ConversationQuery,
        cursor: Option<&Cursor>,
    ) -> SourceResult<Page<Conversation>> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        let records = self.records.lock().unwrap();
        let start: usize = cursor.map_or(0, |c| c.as_str().parse().unwrap());
        let end = (start + 10).min(records.len());
        Ok(Page {
            items: records[start..end].to_vec(),
            next: (end < records.len()).then(|| Cursor::new(end.to_string())),
            prev: None,
        })
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 30, 12, 0, 0).unwrap()
}

/// Conversation `n`, created `hours` before t0, with version `v`.
fn conv(n: u32, hours: i64, v: u32) -> Conversation {
    let created = t0() - Duration::hours(hours);
    let mut c = Conversation::new(
        "listing",
        serde_json::json!({"id": format!("c{n}"), "created": created.to_rfc3339(), "v": v}),
    );
    c.id = Some(format!("c{n}"));
    c.created_at = Some(created);
    c
}

/// 100 records, one every 6 hours, newest first (25 days).
fn listing() -> Arc<Listing> {
    Arc::new(Listing {
        records: Mutex::new((0..100).map(|n| conv(n, i64::from(n) * 6, 1)).collect()),
        fetches: AtomicUsize::new(0),
    })
}

async fn store(dir: &tempfile::TempDir) -> Store {
    let target = format!("sqlite:{}", dir.path().join("c.db").display())
        .parse()
        .unwrap();
    Store::open(&target).await.unwrap()
}

async fn run(store: &Store, source: &Arc<Listing>, options: &SyncOptions) -> Summary {
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let source: Arc<dyn ConversationSource> = source.clone();
    sync_listing(
        store,
        source,
        ConversationQuery::new(),
        options,
        &mut Quiet,
        rx,
    )
    .await
    .unwrap()
}

fn fetches(source: &Listing) -> usize {
    source.fetches.swap(0, Ordering::SeqCst)
}

#[tokio::test]
async fn rerun_picks_up_what_is_new_or_changed_within_the_lookback_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let source = listing();
    let options = SyncOptions::default().batch_size(7);
    let first = run(&store, &source, &options).await;
    assert_eq!(first.counts.inserted, 100);
    assert_eq!(fetches(&source), 10);

    {
        let mut records = source.records.lock().unwrap();
        // Two new at the top, one changed a day old (within 3 days), one changed 20 days old.
        records[4] = conv(4, 24, 2);
        records[80] = conv(80, 480, 2);
        records.insert(0, conv(101, -6, 1));
        records.insert(0, conv(102, -12, 1));
    }
    let second = run(&store, &source, &options).await;
    // The floor is the last finished walk's newest (t0) less 72h: c102, c101 and c0..c12
    // are at or above it (15), c13 is the first below, on the second page (offsets 10-19).
    assert_eq!(
        (
            second.counts.inserted,
            second.counts.updated,
            second.counts.unchanged
        ),
        (2, 1, 12)
    );
    assert_eq!(
        fetches(&source),
        2,
        "the pages the lookback spans, not one more"
    );
    assert!(
        second
            .notices
            .iter()
            .any(|n| matches!(n, Notice::LookbackBoundary { .. }))
    );

    // Nothing new: still only the lookback's pages.
    let third = run(&store, &source, &options).await;
    assert_eq!((third.counts.inserted, third.counts.updated), (0, 0));
    assert_eq!(fetches(&source), 2);

    // The old change needs a full refresh.
    let full = run(&store, &source, &options.clone().full_refresh(true)).await;
    assert_eq!((full.counts.inserted, full.counts.updated), (0, 1));
    assert_eq!(fetches(&source), 11);
}

/// Interrupts the run after its first committed batch of records.
struct StopAfterFirstBatch(tokio::sync::watch::Sender<bool>);

impl Observer for StopAfterFirstBatch {
    fn committed(&mut self, _: &StreamKey, records: u64, _: &RunCounts) {
        if records > 0 {
            let _ = self.0.send(true);
        }
    }
}

#[tokio::test]
async fn an_interrupted_incremental_run_resumes_and_still_stops_at_its_floor() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let source = listing();
    let options = SyncOptions::default()
        .batch_size(3)
        .lookback(std::time::Duration::from_secs(5 * 86_400));
    run(&store, &source, &options).await;
    fetches(&source);
    {
        let mut records = source.records.lock().unwrap();
        for n in 0..5u32 {
            records.insert(0, conv(200 + n, -(i64::from(n) + 1), 1));
        }
    }
    let (tx, rx) = tokio::sync::watch::channel(false);
    let dyn_source: Arc<dyn ConversationSource> = source.clone();
    let interrupted = sync_listing(
        &store,
        dyn_source,
        ConversationQuery::new(),
        &options,
        &mut StopAfterFirstBatch(tx),
        rx,
    )
    .await
    .unwrap();
    assert!(matches!(interrupted.outcome, Outcome::Interrupted));
    // Batches commit behind the walk (one being written, one waiting): the interrupt lands
    // after one, two or three batches.
    let committed = interrupted.counts.records;
    assert!([3, 6, 9].contains(&committed), "{committed}");
    assert_eq!(interrupted.counts.inserted, committed.min(5));
    let state = &store.status().await.unwrap()[0];
    assert_eq!(state.status, "interrupted");
    assert!(
        state
            .resume
            .as_ref()
            .unwrap()
            .to_string()
            .contains("\"floor\":\"2025-06-25T")
    );
    // The high-water mark moves only when a walk finishes.
    assert_eq!(
        state
            .high_water
            .map(|t| conversations_sync::time_text(&t))
            .as_deref(),
        Some("2025-06-30T12:00:00Z")
    );

    let resumed = run(&store, &source, &options).await;
    assert!(matches!(resumed.outcome, Outcome::Complete));
    assert!(
        resumed.notices[0]
            .to_string()
            .contains("resuming an unfinished incremental walk")
    );
    // The floor is t0 - 5 days: c0..c20 at or above it, plus the 5 new, less those committed.
    assert_eq!(resumed.counts.inserted, 5 - committed.min(5));
    assert_eq!(resumed.counts.records, 26 - committed);
    let state = &store.status().await.unwrap()[0];
    assert_eq!(
        state
            .high_water
            .map(|t| conversations_sync::time_text(&t))
            .as_deref(),
        Some("2025-06-30T17:00:00Z")
    );
}

#[tokio::test]
async fn a_broken_order_finishes_with_a_full_walk_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let source = listing();
    let options = SyncOptions::default();
    run(&store, &source, &options).await;
    fetches(&source);
    {
        // An old record moved up to the second page: created_at goes up there.
        let mut records = source.records.lock().unwrap();
        let old = records.remove(90);
        records.insert(12, old);
    }
    let rerun = run(&store, &source, &options).await;
    assert!(
        rerun
            .notices
            .iter()
            .any(|n| n.to_string().contains("not newest first")),
        "{:?}",
        rerun.notices
    );
    assert_eq!(rerun.counts.records, 100, "a full walk");
    assert_eq!(fetches(&source), 10);
}

#[tokio::test]
async fn since_and_until_bound_the_walk_not_the_stream() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let source = listing();
    let options = SyncOptions::default().batch_size(4);
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let dyn_source: Arc<dyn ConversationSource> = source.clone();
    // Records every 6 hours: since t0-60h keeps c0..c10, until t0-12h drops c0..c2.
    let bounded = ConversationQuery::new()
        .since(t0() - Duration::hours(60))
        .until(t0() - Duration::hours(12));
    let first = sync_listing(&store, dyn_source, bounded, &options, &mut Quiet, rx)
        .await
        .unwrap();
    assert_eq!(first.counts.inserted, 8);
    assert_eq!(
        fetches(&source),
        2,
        "stops at c11, below since, on the second page"
    );
    assert!(
        first
            .notices
            .iter()
            .any(|n| n.to_string().contains("stopped below since"))
    );
    // The same stream, unbounded: down to the newest record taken (c3, t0-18h) less the
    // lookback (72h), so c0..c2 (newer than until) and c11..c15 arrive now.
    let second = run(&store, &source, &options).await;
    assert_eq!((second.counts.inserted, second.counts.unchanged), (8, 8));
    assert_eq!(store.status().await.unwrap().len(), 1, "one stream");
}
