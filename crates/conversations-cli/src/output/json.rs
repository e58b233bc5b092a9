//! `json` (one array, streamed element by element) and `ndjson` (one record per line).
//!
//! A record's `raw` is its provider's JSON as received; a provider that pretty-prints would
//! spread one NDJSON record over many lines, so `ndjson` writes `raw` without insignificant
//! whitespace (key order, duplicate keys and number spellings kept). `json` writes it as
//! received: an array may span lines.

use std::borrow::Cow;
use std::io::{self, Write};

use conversations_core::Conversation;

use super::RecordWriter;

pub(super) struct JsonWriter<'a> {
    out: Box<dyn Write + 'a>,
    array: bool,
    written: u64,
    /// Each record is serialized here first (monomorphic, inlined writes), then written to
    /// `out` in one call, instead of dozens of small calls through `dyn Write`.
    line: Vec<u8>,
}

impl<'a> JsonWriter<'a> {
    pub(super) fn array(out: Box<dyn Write + 'a>) -> Self {
        Self {
            out,
            array: true,
            written: 0,
            line: Vec::with_capacity(4096),
        }
    }

    pub(super) fn lines(out: Box<dyn Write + 'a>) -> Self {
        Self {
            out,
            array: false,
            written: 0,
            line: Vec::with_capacity(4096),
        }
    }
}

impl RecordWriter for JsonWriter<'_> {
    fn write_with(
        &mut self,
        conversation: &Conversation,
        extra: &[(&str, &str)],
    ) -> io::Result<()> {
        self.line.clear();
        if self.array {
            self.line
                .extend_from_slice(if self.written == 0 { b"[\n" } else { b",\n" });
        }
        // One line per record: `raw` compacted when it came with whitespace (a copy of the
        // record then; records sent compact are written as they are).
        let compacted;
        let conversation = match (self.array, conversation.raw.compact()) {
            (false, Cow::Owned(raw)) => {
                compacted = {
                    let mut c = conversation.clone();
                    c.raw = raw;
                    c
                };
                &compacted
            }
            _ => conversation,
        };
        serde_json::to_writer(&mut self.line, conversation)?;
        // The record is an object: add the fields before its closing brace.
        if self.line.last() == Some(&b'}') {
            self.line.pop();
            for (key, value) in extra {
                self.line.push(b',');
                serde_json::to_writer(&mut self.line, key)?;
                self.line.push(b':');
                serde_json::to_writer(&mut self.line, value)?;
            }
            self.line.push(b'}');
        }
        if !self.array {
            self.line.push(b'\n');
        }
        self.out.write_all(&self.line)?;
        self.written += 1;
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        if self.array {
            self.out
                .write_all(if self.written == 0 { b"[]\n" } else { b"\n]\n" })?;
        }
        self.out.flush()
    }
}
