//! `--output PATH`: where a listing's records go, by the conventions of `curl -o` and a shell
//! redirect.
//!
//! - `-`, or no `--output`: stdout.
//! - A regular file or a new path: a temporary file beside it (same directory, so the rename
//!   is atomic), renamed over it only when the listing succeeded; otherwise it is removed and
//!   the path is left as it was. A new file gets the mode a redirect would give (`0666` less
//!   the umask); a replaced one keeps its mode.
//! - A symlink stays a symlink: what it points to (through any chain of links) is written as
//!   above, never the link itself.
//! - A character or block device, a FIFO or a socket is opened and written to directly,
//!   never replaced (a FIFO's open waits for its reader, as a redirect's does).
//! - A directory, a missing directory, a file or directory we may not write: refused when
//!   the destination is opened, before any request.

use std::fs::{self, File, OpenOptions, Permissions};
use std::io;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// Symlinks followed before giving up (Linux's own limit).
const MAX_LINKS: usize = 40;

/// Where records go.
pub(crate) enum Destination {
    /// Standard output.
    Stdout,
    /// A temporary file renamed over `target` on success (`shown` is the path as given).
    Replace {
        temp: NamedTempFile,
        target: PathBuf,
        shown: PathBuf,
        existed: bool,
    },
    /// A device, FIFO or socket written to directly.
    Direct { shown: PathBuf },
}

/// Why the destination cannot be written: one line, naming the path as given.
#[derive(Debug, thiserror::Error)]
#[error("--output {}: {why}", shown.display())]
pub(crate) struct Refused {
    shown: PathBuf,
    why: String,
}

impl Refused {
    fn new(shown: &Path, why: impl Into<String>) -> Self {
        Self {
            shown: shown.to_owned(),
            why: why.into(),
        }
    }
}

impl Destination {
    /// The destination `--output` names (`None`: stdout) and a handle to write to it.
    /// `before_temp` runs just before a temporary file is created (the run then has
    /// something to clean up when a signal comes).
    pub(crate) fn open(
        output: Option<&Path>,
        before_temp: impl FnOnce(),
    ) -> Result<(Self, Box<dyn io::Write>), Refused> {
        let shown = match output {
            None => return Ok((Self::Stdout, Box::new(io::stdout().lock()))),
            Some(path) if path.as_os_str() == "-" => {
                return Ok((Self::Stdout, Box::new(io::stdout().lock())));
            }
            Some(path) => path,
        };
        let refused = |e: io::Error| Refused::new(shown, e.to_string());
        let target = follow_links(shown).map_err(refused)?;
        let existing = match fs::metadata(&target) {
            Ok(meta) => Some(meta),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(refused(e)),
        };
        let kind = existing.as_ref().map(fs::Metadata::file_type);
        if kind.is_some_and(|k| k.is_dir()) {
            return Err(Refused::new(shown, "is a directory"));
        }
        if kind.is_some_and(|k| {
            k.is_char_device() || k.is_block_device() || k.is_fifo() || k.is_socket()
        }) {
            let file = OpenOptions::new()
                .write(true)
                .open(&target)
                .map_err(refused)?;
            let shown = shown.to_owned();
            return Ok((Self::Direct { shown }, Box::new(file)));
        }
        // A regular file (or a new path): may it be written, as a redirect would check?
        if existing.is_some() {
            OpenOptions::new()
                .write(true)
                .open(&target)
                .map_err(refused)?;
        }
        let dir = match target.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        before_temp();
        let temp = tempfile::Builder::new()
            .prefix(".conversations-")
            // Created with 0666 less the umask, as a redirect creates a file.
            .permissions(Permissions::from_mode(0o666))
            .tempfile_in(dir)
            .map_err(|e| {
                Refused::new(
                    shown,
                    format!("cannot create a file in {}: {e}", dir.display()),
                )
            })?;
        let file: File = temp.as_file().try_clone().map_err(refused)?;
        if let Some(meta) = &existing {
            // A replaced file keeps its mode.
            file.set_permissions(meta.permissions()).map_err(refused)?;
        }
        Ok((
            Self::Replace {
                temp,
                target,
                shown: shown.to_owned(),
                existed: existing.is_some(),
            },
            Box::new(file),
        ))
    }

    /// Makes the output final: a temporary file renamed into place (the others need nothing).
    pub(crate) fn persist(self) -> Result<(), Refused> {
        match self {
            Self::Replace {
                temp,
                target,
                shown,
                ..
            } => temp
                .persist(&target)
                .map(|_| ())
                .map_err(|e| Refused::new(&shown, e.error.to_string())),
            Self::Stdout | Self::Direct { .. } => Ok(()),
        }
    }

    /// What `--output` was, for messages: `stdout` or the path as given.
    pub(crate) fn name(&self) -> String {
        match self {
            Self::Stdout => "stdout".to_owned(),
            Self::Replace { shown, .. } | Self::Direct { shown } => shown.display().to_string(),
        }
    }

    /// What a run that did not succeed leaves behind, having listed `written` records, as
    /// the end of a message: `12 records written to stdout`, `out.json left as it was: the
    /// 12 records listed were not kept`.
    pub(crate) fn kept(&self, written: u64) -> String {
        let records = if written == 1 { "record" } else { "records" };
        match self {
            Self::Replace { shown, existed, .. } => format!(
                "{} {}: the {written} {records} listed were not kept",
                shown.display(),
                if *existed {
                    "left as it was"
                } else {
                    "not created"
                }
            ),
            _ => format!("{written} {records} written to {}", self.name()),
        }
    }
}

/// `path` with every symlink on its last component followed (a dangling link gives the path
/// it points to, which is then created, as a redirect through it would).
fn follow_links(path: &Path) -> io::Result<PathBuf> {
    let mut path = path.to_owned();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let to = fs::read_link(&path)?;
                path = match path.parent() {
                    Some(dir) if to.is_relative() => dir.join(to),
                    _ => to,
                };
            }
            _ => return Ok(path),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_chain_of_relative_links_is_followed_to_its_end() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::os::unix::fs::symlink("sub/b", dir.path().join("a")).unwrap();
        std::os::unix::fs::symlink("c", dir.path().join("sub/b")).unwrap();
        assert_eq!(
            follow_links(&dir.path().join("a")).unwrap(),
            dir.path().join("sub/c")
        );
        std::os::unix::fs::symlink("loop", dir.path().join("loop")).unwrap();
        assert!(follow_links(&dir.path().join("loop")).is_err());
    }

    #[test]
    fn what_was_kept_is_said() {
        let (stdout, _) = Destination::open(None, || {}).unwrap();
        assert_eq!(stdout.kept(1), "1 record written to stdout");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.json");
        let (new, _) = Destination::open(Some(&path), || {}).unwrap();
        assert!(
            new.kept(2)
                .ends_with("new.json not created: the 2 records listed were not kept")
        );
    }
}
