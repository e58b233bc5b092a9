//! What Singer and Airbyte have in common for a connector: one line of JSON per message on
//! stdout, records of a stream, and the stream's state after the records it covers. The
//! [`Protocol`] says how each message is spelled; [`Emitter`] writes them, buffered, and
//! flushes at every state so that a runner has the state only once it has every record the
//! state covers.

use std::collections::BTreeMap;
use std::io::{self, Write};

use conversations_core::Conversation;
use serde_json::Value;

use super::catalog::Fields;

/// How a protocol spells its messages. Each method appends one whole line (with its `\n`).
pub(crate) trait Protocol {
    /// What goes before a stream's first record (Singer's SCHEMA); nothing by default.
    fn stream_start(&self, _stream: &str, _schema: &Value, _out: &mut Vec<u8>) {}
    /// Something the user should know: a LOG message, or a line on stderr.
    fn log(&self, message: &str, out: &mut Vec<u8>);
    /// The start of a RECORD message of `stream`, up to where the record's JSON goes.
    fn record_head(&self, stream: &str, out: &mut Vec<u8>);
    /// The rest of a RECORD message, after the record's JSON.
    fn record_tail(&self, out: &mut Vec<u8>);
    /// A STATE message for `stream`, whose state is now `state`; `states` holds every
    /// stream's latest (for protocols whose state covers all streams at once); `records` is
    /// how many records of the stream were emitted since its last state.
    fn state(
        &self,
        stream: &str,
        state: &Value,
        states: &BTreeMap<String, Value>,
        records: u64,
        out: &mut Vec<u8>,
    );
}

/// Writes a protocol's messages to `out`: records into a buffer, the buffer out before each
/// state, the state flushed.
pub(crate) struct Emitter<P, W: Write> {
    protocol: P,
    out: W,
    line: Vec<u8>,
    /// Every stream's latest state (those read at the start, then those emitted).
    states: BTreeMap<String, Value>,
    /// The fields each stream emits.
    fields: BTreeMap<String, Fields>,
    /// Records emitted per stream since its last state.
    counts: BTreeMap<String, u64>,
}

/// Flush the record buffer once it holds this many bytes, between states too.
const BUFFER: usize = 256 * 1024;

impl<P: Protocol, W: Write> Emitter<P, W> {
    /// An emitter with the states read at the start (kept for the streams this run leaves
    /// alone) and each stream's selected fields.
    pub(crate) fn new(
        protocol: P,
        out: W,
        states: BTreeMap<String, Value>,
        fields: BTreeMap<String, Fields>,
    ) -> Self {
        Self {
            protocol,
            out,
            line: Vec::with_capacity(BUFFER + 64 * 1024),
            states,
            fields,
            counts: BTreeMap::new(),
        }
    }

    /// The state read at the start for `stream`.
    pub(crate) fn state_of(&self, stream: &str) -> Option<&Value> {
        self.states.get(stream)
    }

    /// Writes what goes before `stream`'s first record, with `schema` (its selected fields).
    pub(crate) fn stream_start(&mut self, stream: &str, schema: &Value) -> io::Result<()> {
        let mut line = Vec::new();
        self.protocol.stream_start(stream, schema, &mut line);
        self.message(&line)
    }

    /// Says `message` (a LOG message, or a line on stderr).
    pub(crate) fn log(&mut self, message: &str) -> io::Result<()> {
        let mut line = Vec::new();
        self.protocol.log(message, &mut line);
        self.message(&line)
    }

    /// The fields `stream` emits.
    pub(crate) fn fields(&self, stream: &str) -> Fields {
        self.fields.get(stream).cloned().unwrap_or_default()
    }

    /// Writes raw message lines (SCHEMA, LOG…) as they are, flushed.
    pub(crate) fn message(&mut self, line: &[u8]) -> io::Result<()> {
        self.out.write_all(&self.line)?;
        self.line.clear();
        self.out.write_all(line)?;
        self.out.flush()
    }

    /// Adds the RECORD messages of `records` (not yet flushed).
    pub(crate) fn records<'c>(
        &mut self,
        stream: &str,
        records: impl IntoIterator<Item = &'c Conversation>,
    ) -> io::Result<()> {
        let fields = self.fields.get(stream).cloned().unwrap_or_default();
        let mut n = 0;
        for conversation in records {
            self.protocol.record_head(stream, &mut self.line);
            write_record(conversation, &fields, &mut self.line)?;
            self.protocol.record_tail(&mut self.line);
            n += 1;
            if self.line.len() >= BUFFER {
                self.out.write_all(&self.line)?;
                self.line.clear();
            }
        }
        *self.counts.entry(stream.to_owned()).or_default() += n;
        Ok(())
    }

    /// Writes the records added so far, then `stream`'s new state, and flushes.
    pub(crate) fn state(&mut self, stream: &str, state: Value) -> io::Result<()> {
        self.states.insert(stream.to_owned(), state);
        let records = self.counts.remove(stream).unwrap_or(0);
        if let Some(state) = self.states.get(stream) {
            self.protocol
                .state(stream, state, &self.states, records, &mut self.line);
        }
        self.out.write_all(&self.line)?;
        self.line.clear();
        self.out.flush()
    }

    /// Writes what is buffered and flushes.
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        self.out.write_all(&self.line)?;
        self.line.clear();
        self.out.flush()
    }
}

/// A record's JSON on one line: `raw` without insignificant whitespace, only the selected
/// fields.
fn write_record(conversation: &Conversation, fields: &Fields, out: &mut Vec<u8>) -> io::Result<()> {
    let compacted;
    let conversation = match conversation.raw.compact() {
        std::borrow::Cow::Borrowed(_) => conversation,
        std::borrow::Cow::Owned(raw) => {
            let mut copy = conversation.clone();
            copy.raw = raw;
            compacted = copy;
            &compacted
        }
    };
    if fields.all() {
        return serde_json::to_writer(&mut *out, conversation).map_err(io::Error::other);
    }
    let mut value = serde_json::to_value(conversation).map_err(io::Error::other)?;
    if let Some(object) = value.as_object_mut() {
        fields.project(object);
    }
    serde_json::to_writer(&mut *out, &value).map_err(io::Error::other)
}

/// `text` as a JSON string.
pub(crate) fn json_string(text: &str, out: &mut Vec<u8>) {
    // Writing a &str into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connectors::airbyte::Airbyte;
    use crate::connectors::singer::Singer;
    use conversations_core::RawJson;

    fn conversation(id: &str) -> Conversation {
        let mut c = Conversation::new(
            "autocalls",
            RawJson::parse(&format!("{{\n  \"id\": \"{id}\"\n}}")).unwrap(),
        );
        c.id = Some(id.to_owned());
        c
    }

    fn lines(out: &[u8]) -> Vec<Value> {
        String::from_utf8_lossy(out)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn a_state_follows_the_records_it_covers_and_keeps_other_streams_bookmarks() {
        let mut out = Vec::new();
        let saved = BTreeMap::from([("other".to_owned(), serde_json::json!({"x": 1}))]);
        let mut emitter = Emitter::new(Singer::new(), &mut out, saved, BTreeMap::new());
        let records = [conversation("a"), conversation("b")];
        emitter.records("s", &records).unwrap();
        emitter.state("s", serde_json::json!({"y": 2})).unwrap();
        drop(emitter);
        let lines = lines(&out);
        let types: Vec<&str> = lines.iter().map(|l| l["type"].as_str().unwrap()).collect();
        assert_eq!(types, ["RECORD", "RECORD", "STATE"]);
        // One line each: `raw` compacted.
        assert_eq!(lines[0]["record"]["raw"], serde_json::json!({"id": "a"}));
        assert_eq!(lines[2]["value"]["bookmarks"]["other"]["x"], 1);
        assert_eq!(lines[2]["value"]["bookmarks"]["s"]["y"], 2);
    }

    #[test]
    fn airbyte_counts_the_records_since_the_last_state() {
        let mut out = Vec::new();
        let fields = BTreeMap::from([("s".to_owned(), Fields::only(["channel".to_owned()]))]);
        let mut emitter = Emitter::new(Airbyte::new(), &mut out, BTreeMap::new(), fields);
        emitter.records("s", &[conversation("a")]).unwrap();
        emitter.state("s", serde_json::json!({})).unwrap();
        emitter.state("s", serde_json::json!({})).unwrap();
        drop(emitter);
        let lines = lines(&out);
        assert_eq!(lines[0]["record"]["data"], serde_json::json!({"id": "a"}));
        assert_eq!(lines[1]["state"]["sourceStats"]["recordCount"], 1.0);
        assert_eq!(lines[2]["state"]["sourceStats"]["recordCount"], 0.0);
        assert_eq!(
            lines[1]["state"]["stream"]["stream_descriptor"]["name"],
            "s"
        );
    }
}
