//! `json` (one array, streamed element by element) and `ndjson` (one record per line).

use std::io::{self, Write};

use conversations_core::Conversation;

use super::RecordWriter;

pub(super) struct JsonWriter<'a> {
    out: Box<dyn Write + 'a>,
    array: bool,
    written: u64,
}

impl<'a> JsonWriter<'a> {
    pub(super) fn array(out: Box<dyn Write + 'a>) -> Self {
        Self {
            out,
            array: true,
            written: 0,
        }
    }

    pub(super) fn lines(out: Box<dyn Write + 'a>) -> Self {
        Self {
            out,
            array: false,
            written: 0,
        }
    }
}

impl RecordWriter for JsonWriter<'_> {
    fn write(&mut self, conversation: &Conversation) -> io::Result<()> {
        if self.array {
            self.out
                .write_all(if self.written == 0 { b"[\n" } else { b",\n" })?;
        }
        serde_json::to_writer(&mut self.out, conversation)?;
        if !self.array {
            self.out.write_all(b"\n")?;
        }
        self.written += 1;
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        if self.array {
            self.out
                .write_all(if self.written == 0 { b"[]\n" } else { b"\n]\n" })?;
        }
        self.out.flush()
    }
}
