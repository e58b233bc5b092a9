//! Ids one a line, from a text ([`parse_ids`]) or read as a stream ([`IdLines`]), with the
//! same rules: a UTF-8 byte-order mark at the start is ignored, surrounding spaces trimmed,
//! blank lines skipped; a line that is not UTF-8, holds a control character or is longer
//! than [`MAX_ID_BYTES`] is refused, naming its line and never quoting it.

use std::io::{self, BufRead, Read};

/// The longest id a line may hold, in bytes (spaces around it included): far more than any
/// CRM id, and what bounds the memory a line of a stream takes.
pub const MAX_ID_BYTES: usize = 4096;

/// The UTF-8 byte-order mark some editors put at the start of a text file.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Why a list of ids was refused: the line (from 1) and what is wrong with it, never the id.
///
/// ```
/// let err = conversations_core::parse_ids("a\nb\u{7}\n").unwrap_err();
/// assert_eq!(err.to_string(), "line 2: a control character in the id");
/// assert_eq!(err.line, 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
#[non_exhaustive]
pub struct IdsError {
    /// The line, from 1.
    pub line: usize,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// Why a stream of ids stopped: a line refused, or the stream could not be read.
///
/// ```
/// use conversations_core::{IdLines, ReadIdsError};
/// let mut lines = IdLines::new(&b"ok\n\xFF\n"[..]);
/// assert_eq!(lines.next().unwrap().unwrap(), "ok");
/// let err = lines.next().unwrap().unwrap_err();
/// assert!(matches!(err, ReadIdsError::Invalid(_)));
/// assert_eq!(err.to_string(), "line 2: the line is not UTF-8");
/// assert!(lines.next().is_none());
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadIdsError {
    /// A line was refused.
    #[error(transparent)]
    Invalid(#[from] IdsError),
    /// Reading failed at this line.
    #[error("line {line}: {source}")]
    Io {
        /// The line being read, from 1.
        line: usize,
        /// Why.
        source: io::Error,
    },
}

/// The ids of a text with one id per line: a leading byte-order mark ignored, surrounding
/// spaces trimmed, blank lines skipped; a line holding a control character or longer than
/// [`MAX_ID_BYTES`] is refused, naming its line. Repeats are kept (a [`Lookup`] skips them).
///
/// [`Lookup`]: super::Lookup
///
/// ```
/// let ids = conversations_core::parse_ids("\u{feff}  crm-1 \n\ncrm-2\r\n").unwrap();
/// assert_eq!(ids, ["crm-1", "crm-2"]);
/// ```
pub fn parse_ids(text: &str) -> Result<Vec<String>, IdsError> {
    IdLines::new(text.as_bytes())
        .map(|id| {
            id.map_err(|e| match e {
                ReadIdsError::Invalid(e) => e,
                // Reading a slice cannot fail; were it to, the line is still named.
                ReadIdsError::Io { line, .. } => IdsError {
                    line,
                    reason: "could not be read",
                },
            })
        })
        .collect()
}

/// The ids of a reader, one a line, read as they are asked for: memory stays within one
/// line of [`MAX_ID_BYTES`] whatever the reader's size, and the first id is there as soon as
/// its line is. The rules are [`parse_ids`]'s; the first error ends the iteration.
///
/// ```
/// use conversations_core::IdLines;
/// let file = std::io::Cursor::new("\u{feff}crm-1\n\n  crm-2  \ncrm-1\n");
/// let ids: Vec<String> = IdLines::new(file).collect::<Result<_, _>>().unwrap();
/// assert_eq!(ids, ["crm-1", "crm-2", "crm-1"]);
/// ```
#[derive(Debug)]
pub struct IdLines<R> {
    reader: R,
    /// The line last read, from 1 (0 before the first).
    line: usize,
    /// The bytes read so far.
    bytes: u64,
    buffer: Vec<u8>,
    done: bool,
}

impl<R: BufRead> IdLines<R> {
    /// Ids from `reader` (buffer it: `std::io::BufReader::new(file)`).
    ///
    /// ```
    /// let lines = conversations_core::IdLines::new(std::io::empty());
    /// assert_eq!(lines.count(), 0);
    /// ```
    pub fn new(reader: R) -> Self {
        Self {
            reader,
            line: 0,
            bytes: 0,
            buffer: Vec::new(),
            done: false,
        }
    }

    /// The reader, to look at (e.g. how much a `BufReader` holds).
    ///
    /// ```
    /// let lines = conversations_core::IdLines::new(std::io::BufReader::new(&b"a\n"[..]));
    /// assert!(lines.get_ref().buffer().is_empty());
    /// ```
    pub fn get_ref(&self) -> &R {
        &self.reader
    }

    /// The lines read so far (blank ones included).
    ///
    /// ```
    /// let mut lines = conversations_core::IdLines::new(&b"a\n\nb\n"[..]);
    /// lines.next();
    /// assert_eq!(lines.lines(), 1);
    /// ```
    pub fn lines(&self) -> usize {
        self.line
    }

    /// The bytes read so far.
    ///
    /// ```
    /// let mut lines = conversations_core::IdLines::new(&b"ab\ncd\n"[..]);
    /// lines.next();
    /// assert_eq!(lines.bytes_read(), 3);
    /// ```
    pub fn bytes_read(&self) -> u64 {
        self.bytes
    }

    /// The next line's id (`Some(None)` for a blank line); `None` at the end.
    fn read_line(&mut self) -> Result<Option<Option<String>>, ReadIdsError> {
        self.buffer.clear();
        self.line += 1;
        // Room for a byte-order mark, a CR, the line break and one byte past the limit.
        let limit = (MAX_ID_BYTES + BOM.len() + 3) as u64;
        let read = (&mut self.reader)
            .take(limit)
            .read_until(b'\n', &mut self.buffer)
            .map_err(|source| ReadIdsError::Io {
                line: self.line,
                source,
            })?;
        if read == 0 {
            return Ok(None);
        }
        self.bytes += read as u64;
        let mut line = self.buffer.as_slice();
        if self.line == 1 {
            line = line.strip_prefix(BOM).unwrap_or(line);
        }
        let ended = line.last() == Some(&b'\n');
        if ended {
            line = &line[..line.len() - 1];
            line = line.strip_suffix(b"\r").unwrap_or(line);
        }
        if line.len() > MAX_ID_BYTES || (!ended && read as u64 == limit) {
            return Err(IdsError {
                line: self.line,
                reason: "the line is longer than 4096 bytes",
            }
            .into());
        }
        check(self.line, line).map(Some)
    }
}

impl<R: BufRead> Iterator for IdLines<R> {
    type Item = Result<String, ReadIdsError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match self.read_line() {
                Ok(Some(Some(id))) => return Some(Ok(id)),
                Ok(Some(None)) => {}
                Ok(None) => self.done = true,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        None
    }
}

/// The id on line `line` (its bytes without the line break), `None` for a blank line.
fn check(line: usize, bytes: &[u8]) -> Result<Option<String>, ReadIdsError> {
    let text = std::str::from_utf8(bytes).map_err(|_| IdsError {
        line,
        reason: "the line is not UTF-8",
    })?;
    let id = text.trim();
    if id.is_empty() {
        return Ok(None);
    }
    if id.chars().any(char::is_control) {
        return Err(IdsError {
            line,
            reason: "a control character in the id",
        }
        .into());
    }
    Ok(Some(id.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bom_is_ignored_only_at_the_start() {
        assert_eq!(
            parse_ids("\u{feff}crm-1\ncrm-2").unwrap(),
            ["crm-1", "crm-2"]
        );
        // Elsewhere it is a character of the id (a format character, not a control one).
        assert_eq!(parse_ids("a\n\u{feff}b").unwrap(), ["a", "\u{feff}b"]);
    }

    #[test]
    fn errors_name_their_line_and_stop_the_stream() {
        let text = "a\n\n b \nc\u{1}d\ne\n";
        assert_eq!(
            parse_ids(text).unwrap_err(),
            IdsError {
                line: 4,
                reason: "a control character in the id"
            }
        );
        let ids: Vec<_> = IdLines::new(text.as_bytes()).collect();
        assert_eq!(ids.len(), 3, "{ids:?}");
        assert!(ids[2].is_err());
    }

    #[test]
    fn a_long_line_is_refused_without_being_held() {
        let ok = "x".repeat(MAX_ID_BYTES);
        assert_eq!(
            parse_ids(&format!("{ok}\r\n")).unwrap(),
            std::slice::from_ref(&ok)
        );
        let long = format!("a\n{ok}y\nb\n");
        let err = parse_ids(&long).unwrap_err();
        assert_eq!(err.line, 2);
        assert_eq!(err.reason, "the line is longer than 4096 bytes");
        // A last line without a line break, just over the limit.
        let err = parse_ids(&format!("{ok}yz")).unwrap_err();
        assert_eq!(err.line, 1);
    }

    #[test]
    fn blank_lines_and_crlf_are_skipped_and_counted() {
        let mut lines = IdLines::new(&b"\r\n\n  \na\r\n"[..]);
        assert_eq!(lines.next().unwrap().unwrap(), "a");
        assert_eq!(lines.lines(), 4);
        assert!(lines.next().is_none());
        assert_eq!(lines.bytes_read(), 9);
    }
}
