//! The page size of a sync: the provider's largest unless one is asked for (the fewest
//! requests), and a resumed walk that was saved with another size says which it goes on with
//! and resumes at the same record either way.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use conversations_core::{
    Capabilities, Conversation, ConversationQuery, ConversationSource, Cursor, Page,
    PageSizeBounds, RawJson, Result as SourceResult,
};
use conversations_sync::{
    Observer, Outcome, RunCounts, Store, StreamKey, Summary, SyncOptions, Target, sync_listing,
};

const TOTAL: usize = 250;

/// `TOTAL` records, newest first, in pages of 1 to 100 (15 by default) at offset cursors; it
/// records the page size of every fetch.
struct Offsets {
    records: Vec<Conversation>,
    resizable: bool,
    asked: Mutex<Vec<Option<u32>>>,
}

impl Offsets {
    fn new(resizable: bool) -> Arc<Self> {
        let now = chrono::Utc::now();
        let records = (0..TOTAL)
            .map(|i| {
                let raw = RawJson::parse(&format!(r#"{{"id":"r{i}"}}"#)).unwrap();
                let mut c = Conversation::new("offsets", raw);
                c.id = Some(format!("r{i}"));
                c.created_at = Some(now - chrono::Duration::seconds(i as i64));
                c
            })
            .collect();
        Arc::new(Self {
            records,
            resizable,
            asked: Mutex::new(Vec::new()),
        })
    }

    /// The page sizes asked since the last call.
    fn asked(&self) -> Vec<Option<u32>> {
        std::mem::take(&mut *self.asked.lock().unwrap())
    }
}

#[conversations_core::async_trait]
impl ConversationSource for Offsets {
    fn provider(&self) -> &str {
        "offsets"
    }
    fn capabilities(&self) -> Capabilities {
        let caps = Capabilities::new().paged(PageSizeBounds::new(1, 100, 15));
        if self.resizable {
            caps.resizable_pages()
        } else {
            caps
        }
    }
    async fn list_page(
        &self,
        query: &ConversationQuery,
        cursor: Option<&Cursor>,
    ) -> SourceResult<Page<Conversation>> {
        self.asked.lock().unwrap().push(query.page_size);
        let start: usize = cursor.map_or(0, |c| c.as_str().parse().unwrap());
        let size = query.page_size.unwrap_or(15) as usize;
        let end = (start + size).min(TOTAL);
        Ok(Page {
            items: self.records[start..end].to_vec(),
            next: (end < TOTAL).then(|| Cursor::new(end.to_string())),
            prev: None,
        })
    }
}

/// Stops the run once its first batch of records has committed. Batches of 7 commit while the
/// walk goes on (two at once into SQLite), so the walk sees the stop after its third batch:
/// 21 records, 6 into the second page of 15.
struct StopAtFirstCommit(tokio::sync::watch::Sender<bool>);

impl Observer for StopAtFirstCommit {
    fn committed(&mut self, _: &StreamKey, records: u64, _: &RunCounts) {
        if records > 0 {
            self.0.send_replace(true);
        }
    }
}

struct Quiet;
impl Observer for Quiet {}

async fn store(dir: &tempfile::TempDir) -> Store {
    let target: Target = format!("sqlite:{}", dir.path().join("c.db").display())
        .parse()
        .unwrap();
    Store::open(&target).await.unwrap()
}

async fn sync(
    store: &Store,
    source: &Arc<Offsets>,
    query: ConversationQuery,
    stop_early: bool,
) -> Summary {
    let source: Arc<dyn ConversationSource> = source.clone();
    let (tx, rx) = tokio::sync::watch::channel(false);
    let options = SyncOptions::default().batch_size(7);
    let mut stop = StopAtFirstCommit(tx);
    let observer: &mut dyn Observer = if stop_early { &mut stop } else { &mut Quiet };
    sync_listing(store, source, query, &options, observer, rx)
        .await
        .unwrap()
}

fn resume_notice(summary: &Summary) -> Option<String> {
    summary
        .notices
        .iter()
        .map(ToString::to_string)
        .find(|n| n.contains("records a page"))
}

#[tokio::test]
async fn a_sync_asks_for_the_largest_page_unless_told() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let source = Offsets::new(true);
    let first = sync(&store, &source, ConversationQuery::new(), false).await;
    assert!(matches!(first.outcome, Outcome::Complete), "{first:?}");
    assert_eq!(first.counts.inserted, TOTAL as u64);
    assert_eq!(source.asked(), [Some(100); 3], "250 records in 3 requests");

    let again = sync(
        &store,
        &source,
        ConversationQuery::new().page_size(15),
        false,
    )
    .await;
    assert_eq!(again.counts.pages, 17);
    assert!(source.asked().iter().all(|s| *s == Some(15)));
}

#[tokio::test]
async fn a_resume_takes_the_new_size_where_pages_resize_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let source = Offsets::new(true);
    let first = sync(
        &store,
        &source,
        ConversationQuery::new().page_size(15),
        true,
    )
    .await;
    assert!(matches!(first.outcome, Outcome::Interrupted), "{first:?}");
    assert_eq!(
        first.counts.inserted, 21,
        "stopped 6 records into the second page"
    );
    source.asked();

    let second = sync(&store, &source, ConversationQuery::new(), false).await;
    assert!(matches!(second.outcome, Outcome::Complete), "{second:?}");
    assert_eq!(
        resume_notice(&second).as_deref(),
        Some(
            "resuming with 100 records a page (the unfinished walk asked for 15; it resumes \
             at the same record)"
        )
    );
    // Exact: every record once, none again, in three requests of the new size (from record 15).
    assert_eq!((second.counts.inserted, second.counts.unchanged), (229, 0));
    assert_eq!(source.asked(), [Some(100); 3]);
}

#[tokio::test]
async fn a_resume_keeps_its_size_where_pages_do_not_resize_or_its_place_would_not_fit() {
    // Pages that do not resize; pages that do, but smaller than the 6 records to skip.
    for (resizable, asked) in [(false, None), (true, Some(5))] {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let source = Offsets::new(resizable);
        let query = ConversationQuery::new().page_size(15);
        let first = sync(&store, &source, query, true).await;
        assert_eq!(first.counts.inserted, 21);
        source.asked();

        let mut query = ConversationQuery::new();
        query.page_size = asked;
        let second = sync(&store, &source, query, false).await;
        assert!(matches!(second.outcome, Outcome::Complete), "{second:?}");
        let asked = asked.unwrap_or(100);
        assert_eq!(
            resume_notice(&second),
            Some(format!(
                "resuming with 15 records a page, the unfinished walk's, to resume at the \
                 same record ({asked} from the next walk)"
            ))
        );
        assert_eq!((second.counts.inserted, second.counts.unchanged), (229, 0));
        assert!(source.asked().iter().all(|s| *s == Some(15)));

        // The next walk takes the size asked for.
        let mut query = ConversationQuery::new();
        query.page_size = Some(asked);
        sync(&store, &source, query.clone(), false).await;
        assert!(source.asked().iter().all(|s| *s == Some(asked)));
    }
}
