//! Output formats. Each writer takes records one at a time as pages arrive, so output streams
//! in constant memory whatever the number of conversations.

use std::io::{self, Write};

use conversations_core::Conversation;

use destination::Destination;
pub(crate) use feed::Feed;
pub(crate) use sink::{Options, Sink};

mod csv;
mod destination;
mod feed;
mod json;
mod sink;
mod table;

pub(crate) use crate::args::Format;
use csv::FormulaGuard;

/// Writes records as they come.
pub(crate) trait RecordWriter {
    /// Writes one record.
    #[cfg(test)]
    fn write(&mut self, conversation: &Conversation) -> io::Result<()> {
        self.write_with(conversation, &[])
    }
    /// Writes one record with extra fields: JSON formats add every one to the object
    /// (`asked_id` of a lookup, `account` of a named account); tables and CSV show those of
    /// the columns they were made with (a lookup's `external_id` column is the id it asked,
    /// which it matches exactly).
    fn write_with(&mut self, conversation: &Conversation, extra: &[(&str, &str)])
    -> io::Result<()>;
    /// Writes whatever closes the output (e.g. `]`) and flushes.
    fn finish(&mut self) -> io::Result<()>;
    /// Pushes what is buffered out (the listing is about to wait for the network).
    fn flush(&mut self) -> io::Result<()>;
    /// Closes the output of a listing that failed before any record: like [`finish`](Self::finish),
    /// but a table or CSV prints no header over nothing.
    fn finish_failed(&mut self) -> io::Result<()> {
        self.finish()
    }
}

/// A writer for `format` over `out`; `width` is a table's width (`None`: whole values), `guard` says
/// whether CSV cells that look like formulas are neutralised, `extra` names the extra fields
/// tables and CSV show as columns of their own (after the others in CSV, first in a table).
pub(crate) fn writer<'a>(
    format: Format,
    guard: FormulaGuard,
    out: Box<dyn Write + 'a>,
    width: Option<usize>,
    extra: &'static [&'static str],
) -> Box<dyn RecordWriter + 'a> {
    match format {
        Format::Table => Box::new(table::TableWriter::new(out, width, extra)),
        Format::Json => Box::new(json::JsonWriter::array(out)),
        Format::Ndjson => Box::new(json::JsonWriter::lines(out)),
        Format::Csv => Box::new(csv::CsvWriter::new(out, guard, extra)),
    }
}
