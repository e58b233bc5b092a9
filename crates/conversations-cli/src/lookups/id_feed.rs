//! The ids of `--external-ids-from`, read on a thread of their own as the lookups take them:
//! the first lookup starts as soon as the first lines are read, memory stays bounded whatever
//! the file's size (a line at most, and [`QUEUED`] batches of at most [`BATCH`] ids per
//! source waiting), and a slow stdin never holds up the lookups in flight. Each source gets
//! every id, in the file's order. Ids go over in batches (a batch is sent when full or when
//! the next line would need another read, so an id typed on stdin goes at once): one id at a
//! time, the two threads would wake each other for every id.
//!
//! The file is read by `conversations_core::IdLines` (the parser `sync` uses too): a
//! leading byte-order mark ignored, a bad line ending the reading with an error naming it
//! ([`IdFeed::error`]), after the ids before it were looked up.

use std::fs::File;
use std::io::{self, BufReader};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use conversations_core::{IdLines, ReadIdsError};
use futures::StreamExt;
use futures::stream::BoxStream;
use tokio::sync::mpsc;

/// The most ids sent over at once.
const BATCH: usize = 512;

/// Batches read ahead of each source's lookups.
const QUEUED: usize = 4;

/// The reader of the ids: its buffer says whether the next line needs another read.
type Reader = BufReader<Box<dyn io::Read + Send>>;

/// How far the reading got: shared by the reading thread and the listing.
#[derive(Debug, Default)]
pub(super) struct IdFeed {
    /// Ids read so far.
    ids: AtomicU64,
    /// Bytes read so far.
    bytes: AtomicU64,
    /// The file's size, when it is a file.
    total: Option<u64>,
    /// Why the reading stopped early, if it did.
    error: Mutex<Option<ReadIdsError>>,
}

impl IdFeed {
    /// Starts reading the ids of `path` (`-`: stdin) for `sources` sources: one stream of
    /// ids each. A file that cannot be opened is an error at once.
    pub(super) fn start(
        path: &Path,
        sources: usize,
    ) -> io::Result<(Arc<Self>, Vec<BoxStream<'static, String>>)> {
        let (reader, total): (Box<dyn io::Read + Send>, _) = if path.as_os_str() == "-" {
            (Box::new(io::stdin()), None)
        } else {
            let file = File::open(path)?;
            let meta = file.metadata()?;
            if meta.is_dir() {
                return Err(io::Error::other("it is a directory"));
            }
            let total = meta.is_file().then_some(meta.len());
            (Box::new(file), total)
        };
        let reader = BufReader::with_capacity(64 * 1024, reader);
        let feed = Arc::new(Self {
            total,
            ..Self::default()
        });
        let (senders, streams): (Vec<_>, Vec<_>) = (0..sources)
            .map(|_| {
                let (send, receive) = mpsc::channel::<Vec<String>>(QUEUED);
                let stream = futures::stream::unfold(receive, |mut receive| async move {
                    receive.recv().await.map(|ids| (ids, receive))
                })
                .flat_map(futures::stream::iter)
                .boxed();
                (send, stream)
            })
            .unzip();
        let reading = Arc::clone(&feed);
        std::thread::Builder::new()
            .name("ids".to_owned())
            .spawn(move || reading.read(reader, &senders))?;
        Ok((feed, streams))
    }

    /// Reads every id and hands it to every source still listening, in batches; stops at
    /// the first bad line (after handing over the ids before it), or when no source listens
    /// any more (`--limit` reached, a signal).
    fn read(&self, reader: Reader, senders: &[mpsc::Sender<Vec<String>>]) {
        let mut lines = IdLines::new(reader);
        let mut batch = Vec::new();
        loop {
            let next = lines.next();
            self.bytes.store(lines.bytes_read(), Ordering::Relaxed);
            let end = match next {
                Some(Ok(id)) => {
                    self.ids.fetch_add(1, Ordering::Relaxed);
                    batch.push(id);
                    false
                }
                Some(Err(error)) => {
                    if let Ok(mut slot) = self.error.lock() {
                        *slot = Some(error);
                    }
                    true
                }
                None => true,
            };
            let send = end || batch.len() >= BATCH || lines.get_ref().buffer().is_empty();
            if send && !batch.is_empty() {
                let ids = std::mem::take(&mut batch);
                let mut listened = false;
                for sender in senders {
                    listened |= sender.blocking_send(ids.clone()).is_ok();
                }
                if !listened {
                    return;
                }
            }
            if end {
                return;
            }
        }
    }

    /// Why the reading stopped before the end, once the streams ended.
    pub(super) fn error(&self) -> Option<ReadIdsError> {
        self.error.lock().ok().and_then(|mut slot| slot.take())
    }

    /// Ids read so far.
    pub(super) fn ids(&self) -> u64 {
        self.ids.load(Ordering::Relaxed)
    }

    /// `12,345 ids read (3% of the file)`, for the progress line.
    pub(super) fn progress(&self) -> String {
        let ids = self.ids();
        match self.total {
            Some(total) if total > 0 => {
                let percent = self.bytes.load(Ordering::Relaxed).saturating_mul(100) / total;
                format!("{ids} ids read ({percent}% of the file)")
            }
            _ => format!("{ids} ids read"),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn every_source_gets_every_id_and_a_bad_line_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ids");
        std::fs::write(&path, "\u{feff}a\nb\n\nc\u{7}\nd\n").unwrap();
        let (feed, streams) = IdFeed::start(&path, 2).unwrap();
        for stream in streams {
            let ids: Vec<String> = stream.collect().await;
            assert_eq!(ids, ["a", "b"]);
        }
        assert_eq!(feed.ids(), 2);
        let error = feed.error().unwrap().to_string();
        assert_eq!(error, "line 4: a control character in the id");
    }

    #[tokio::test]
    async fn reading_stops_when_no_one_listens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ids");
        let text: String = (0..100_000).map(|i| format!("id-{i}\n")).collect();
        std::fs::write(&path, text).unwrap();
        let (feed, mut streams) = IdFeed::start(&path, 1).unwrap();
        let mut stream = streams.pop().unwrap();
        assert_eq!(stream.next().await.as_deref(), Some("id-0"));
        // Read ahead: at most the queue, the batch taken and the one being handed over.
        let most = ((QUEUED + 2) * BATCH) as u64;
        assert!(feed.ids() <= most, "{}", feed.ids());
        drop(stream);
        assert!(feed.ids() <= most, "{}", feed.ids());
        assert!(feed.error().is_none());
        assert!(
            feed.progress().ends_with("% of the file)"),
            "{}",
            feed.progress()
        );
    }
}
