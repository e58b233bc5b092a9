//! [`IdsInput`]: the ids of a lookup sync, read as a stream, twice, in bounded memory.
//!
//! A lookup stream's saved position counts the distinct ids done, and is valid only for the
//! same ids (their SHA-256). So the ids are read twice: a first pass counts the distinct ids
//! and hashes them (before any lookup, to know whether a saved position applies), a second
//! one hands them to the lookups, skipping the ids done. Both read the ids the same way —
//! one a line through core's [`IdLines`] for a file, repeats skipped by core's bounded
//! [`SeenIds`] — so an id has the same place in both. Memory stays bounded whatever the
//! file's size: a line, the dedup's window, and a few batches of ids read ahead.
//!
//! The digest is the one earlier versions saved (SHA-256 of the distinct ids joined by
//! `\n`), so a position saved before resumes the same way.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use conversations_core::{IdLines, ReadIdsError, SeenIds};
use sha2::{Digest, Sha256};

use crate::error::SyncError;

/// The ids of a lookup sync ([`sync_lookup_ids`](crate::sync_lookup_ids)): a list in memory,
/// or a file of one id a line, read as a stream (twice).
///
/// ```
/// use std::io::Write;
/// use conversations_sync::IdsInput;
/// let mut file = tempfile::NamedTempFile::new().unwrap();
/// file.write_all("\u{feff}crm-1\ncrm-2\n\ncrm-1\n".as_bytes()).unwrap();
/// let ids = IdsInput::open(file.path()).unwrap();
/// assert_eq!(ids.distinct().unwrap(), ["crm-1", "crm-2"]);
/// assert_eq!(IdsInput::list(vec!["a".into(), "a".into()]).distinct().unwrap(), ["a"]);
/// ```
#[derive(Debug, Clone)]
pub struct IdsInput {
    source: Source,
}

#[derive(Debug, Clone)]
enum Source {
    /// Ids as given (no parsing).
    List(Arc<[String]>),
    /// A regular file, read from its start each time (one descriptor, shared).
    File(Arc<File>),
}

impl IdsInput {
    /// Ids already in memory, used as they are (repeats skipped).
    ///
    /// ```
    /// let ids = conversations_sync::IdsInput::list(vec!["x".into(), "y".into()]);
    /// assert_eq!(ids.distinct().unwrap().len(), 2);
    /// ```
    pub fn list(ids: Vec<String>) -> Self {
        Self {
            source: Source::List(ids.into()),
        }
    }

    /// The ids of the file at `path`, one a line (core's
    /// [`IdLines`] rules: a leading byte-order mark ignored, spaces trimmed, blank lines
    /// skipped). A regular file is read where it is (opened once: renaming another file
    /// over it meanwhile changes nothing); anything else (a FIFO, `/dev/stdin`) is first
    /// copied to an anonymous temporary file. A directory is refused.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let err = conversations_sync::IdsInput::open(dir.path()).unwrap_err();
    /// assert_eq!(err.to_string(), "it is a directory");
    /// ```
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = File::open(path)?;
        let meta = file.metadata()?;
        if meta.is_dir() {
            return Err(io::Error::other("it is a directory"));
        }
        if meta.is_file() {
            return Ok(Self::seekable(file));
        }
        Self::copied(file)
    }

    /// The ids of `reader` (stdin, say), copied to an anonymous temporary file as a stream,
    /// then read from there like [`open`](Self::open)'s.
    ///
    /// ```
    /// let ids = conversations_sync::IdsInput::copied(&b"a\nb\na\n"[..]).unwrap();
    /// assert_eq!(ids.distinct().unwrap(), ["a", "b"]);
    /// ```
    pub fn copied(mut reader: impl Read) -> io::Result<Self> {
        let mut file = tempfile::tempfile()?;
        io::copy(&mut reader, &mut file)?;
        Ok(Self::seekable(file))
    }

    fn seekable(file: File) -> Self {
        Self {
            source: Source::File(Arc::new(file)),
        }
    }

    /// The distinct ids, in order, collected (for a look; a sync never collects them).
    ///
    /// ```
    /// let ids = conversations_sync::IdsInput::list(vec!["b".into(), "a".into(), "b".into()]);
    /// assert_eq!(ids.distinct().unwrap(), ["b", "a"]);
    /// ```
    pub fn distinct(&self) -> Result<Vec<String>, SyncError> {
        self.places()?.map(|r| r.map(|(_, id)| id)).collect()
    }

    /// The ids as given, repeats included, from the start.
    fn raw(&self) -> Result<Box<dyn Iterator<Item = Result<String, SyncError>> + Send>, SyncError> {
        match &self.source {
            Source::List(ids) => {
                let ids = Arc::clone(ids);
                Ok(Box::new((0..ids.len()).map(move |i| Ok(ids[i].clone()))))
            }
            Source::File(file) => {
                let reader = BufReader::with_capacity(
                    64 * 1024,
                    Shared {
                        file: Arc::clone(file),
                        offset: 0,
                    },
                );
                Ok(Box::new(IdLines::new(reader).map(|id| {
                    id.map_err(|e| match e {
                        ReadIdsError::Invalid(e) => SyncError::BadIds {
                            line: e.line,
                            reason: e.reason,
                        },
                        ReadIdsError::Io { line, source } => unreadable(line, &source),
                        _ => SyncError::IdsChanged {
                            reason: "the file could not be read",
                        },
                    })
                })))
            }
        }
    }

    /// The distinct ids, each with its place (from 0) among them.
    pub(crate) fn places(
        &self,
    ) -> Result<impl Iterator<Item = Result<(usize, String), SyncError>> + Send + use<>, SyncError>
    {
        self.places_until(|| false)
    }

    /// [`places`](Self::places), ending early once `stop` says so (asked every few thousand
    /// lines, repeats included: a file of one id repeated still stops soon).
    pub(crate) fn places_until<F: Fn() -> bool + Send + 'static>(
        &self,
        stop: F,
    ) -> Result<impl Iterator<Item = Result<(usize, String), SyncError>> + Send + use<F>, SyncError>
    {
        let mut seen = SeenIds::default();
        let mut place = 0;
        let mut read = 0_usize;
        Ok(self
            .raw()?
            .take_while(move |_| {
                read += 1;
                !read.is_multiple_of(4096) || !stop()
            })
            .filter_map(move |id| match id {
                Ok(id) if !seen.insert(&id) => None,
                Ok(id) => {
                    place += 1;
                    Some(Ok((place - 1, id)))
                }
                Err(e) => Some(Err(e)),
            }))
    }

    /// The first pass: how many distinct ids, and their digest. Stops early (with `None`)
    /// once `stop` is set.
    pub(crate) fn scan(&self, stop: &Arc<AtomicBool>) -> Result<Option<Scan>, SyncError> {
        let mut digest = Digester::default();
        let stopped = Arc::clone(stop);
        for item in self.places_until(move || stopped.load(Ordering::Relaxed))? {
            let (_, id) = item?;
            digest.add(&id);
        }
        if stop.load(Ordering::Relaxed) {
            return Ok(None);
        }
        Ok(Some(digest.finish()))
    }
}

/// A shared file read from the start at an offset of its own (`pread`): passes, even of
/// clones at once, never move each other's place.
struct Shared {
    file: Arc<File>,
    offset: u64,
}

impl Read for Shared {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read_at(buf, self.offset)?;
        self.offset += n as u64;
        Ok(n)
    }
}

/// A read error at `line`, named without its text.
fn unreadable(line: usize, _error: &io::Error) -> SyncError {
    SyncError::BadIds {
        line,
        reason: "the file could not be read",
    }
}

/// What a pass over the ids found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Scan {
    /// The distinct ids.
    pub(crate) count: usize,
    /// Their SHA-256, in hex.
    pub(crate) sha256: String,
}

/// The SHA-256 of distinct ids joined by `\n`, fed one id at a time.
#[derive(Default)]
pub(crate) struct Digester {
    hasher: Sha256,
    count: usize,
}

impl Digester {
    pub(crate) fn add(&mut self, id: &str) {
        if self.count > 0 {
            self.hasher.update(b"\n");
        }
        self.hasher.update(id.as_bytes());
        self.count += 1;
    }

    pub(crate) fn finish(self) -> Scan {
        Scan {
            count: self.count,
            sha256: self
                .hasher
                .finalize()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
        }
    }
}

/// Reads a list of ids (the CLI's `--external-ids-from`): one a line, surrounding spaces and blank lines
/// ignored; a control character is refused, naming the line.
///
/// ```
/// let ids = conversations_sync::read_ids(" a-1 \n\nb-2\r\n").unwrap();
/// assert_eq!(ids, vec!["a-1", "b-2"]);
/// let err = conversations_sync::read_ids("ok\nbad\u{7}id\n").unwrap_err();
/// assert_eq!(err.to_string(), "the ids, line 2: a control character in the id");
/// ```
pub fn read_ids(text: &str) -> Result<Vec<String>, SyncError> {
    // One parser for every id list, in core: list and sync read ids the same way.
    conversations_core::parse_ids(text).map_err(|e| SyncError::BadIds {
        line: e.line,
        reason: e.reason,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// The digest earlier versions saved: every distinct id in memory, joined.
    fn old_digest(ids: &[&str]) -> String {
        let mut seen = HashSet::new();
        let distinct: Vec<&str> = ids.iter().copied().filter(|id| seen.insert(*id)).collect();
        Sha256::digest(distinct.join("\n").as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    #[test]
    fn the_digest_is_the_one_saved_before_for_the_same_ids() {
        let cases: [&[&str]; 4] = [
            &[],
            &["crm-1"],
            &["crm-1", "crm-2", "crm-1", "crm-3", "crm-2"],
            &["a", "b", "a\u{feff}", "é", "b"],
        ];
        let never = Arc::new(AtomicBool::new(false));
        for ids in cases {
            let owned: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
            let listed = IdsInput::list(owned.clone()).scan(&never).unwrap().unwrap();
            assert_eq!(listed.sha256, old_digest(ids), "{ids:?}");
            // The same ids in a file, with a BOM, CRLF and blank lines: the same digest.
            let text = format!("\u{feff}{}\r\n\n", owned.join("\r\n\n  "));
            let filed = IdsInput::copied(text.as_bytes())
                .unwrap()
                .scan(&never)
                .unwrap()
                .unwrap();
            assert_eq!(filed, listed, "{ids:?}");
        }
    }

    #[test]
    fn each_distinct_id_has_its_place() {
        let input = IdsInput::copied(&b"x\ny\nx\nz\ny\nw\n"[..]).unwrap();
        let scan = input
            .scan(&Arc::new(AtomicBool::new(false)))
            .unwrap()
            .unwrap();
        assert_eq!(scan.count, 4);
        let places: Vec<_> = input.places().unwrap().map(Result::unwrap).collect();
        assert_eq!(
            places,
            [(0, "x"), (1, "y"), (2, "z"), (3, "w")].map(|(p, id)| (p, id.to_owned()))
        );
    }

    #[test]
    fn a_stopped_pass_ends_early_even_in_a_file_of_one_repeated_id() {
        let input = IdsInput::copied("crm-1\n".repeat(10_000).as_bytes()).unwrap();
        let stop = Arc::new(AtomicBool::new(true));
        assert_eq!(input.scan(&stop).unwrap(), None);
        let read: Vec<_> = input.places_until(|| true).unwrap().collect();
        assert_eq!(read.len(), 1, "the first id, then the stop at line 4096");
    }

    #[test]
    fn a_bad_line_is_named_in_either_pass() {
        let input = IdsInput::copied(&b"ok\nbad\x07id\n"[..]).unwrap();
        let err = input.scan(&Arc::new(AtomicBool::new(false))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the ids, line 2: a control character in the id"
        );
        assert!(input.distinct().is_err());
    }
}
