//! `--output FILE`: records go to a temporary file in FILE's directory, renamed over FILE only
//! when the listing succeeded, so FILE is never left half-written.

use std::fs::File;
use std::io;
use std::path::Path;

use tempfile::NamedTempFile;

/// A temporary file waiting to become the output file.
pub(crate) struct Destination {
    temp: NamedTempFile,
}

impl Destination {
    /// A temporary file beside `path` (same directory, so the rename is atomic).
    pub(crate) fn create(path: &Path) -> io::Result<Self> {
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        Ok(Self {
            temp: NamedTempFile::new_in(dir)?,
        })
    }

    /// A handle to write the records through.
    pub(crate) fn writer(&self) -> io::Result<File> {
        self.temp.reopen()
    }

    /// Renames the temporary file over `path`. Dropped instead, the temporary file is removed.
    pub(crate) fn persist(self, path: &Path) -> io::Result<()> {
        self.temp.persist(path).map(|_| ()).map_err(|e| e.error)
    }
}
