//! Output formats. Each writer takes records one at a time as pages arrive, so output streams
//! in constant memory whatever the number of conversations.

use std::io::{self, Write};

use clap::ValueEnum;
use conversations_core::Conversation;

mod csv;
mod json;
mod table;

pub(crate) use csv::FormulaGuard;

/// How records are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// A table that fits the terminal.
    Table,
    /// One JSON array of normalized records.
    Json,
    /// One normalized record per line.
    Ndjson,
    /// A header row, then one row per record with participants flattened; cells that a
    /// spreadsheet would run as formulas (starting with = + - @, tab or CR, like every phone
    /// number) get a leading ' (see --csv-raw).
    Csv,
}

/// Writes records as they come.
pub(crate) trait RecordWriter {
    /// Writes one record.
    fn write(&mut self, conversation: &Conversation) -> io::Result<()>;
    /// Writes whatever closes the output (e.g. `]`) and flushes.
    fn finish(&mut self) -> io::Result<()>;
}

/// A writer for `format` over `out`; `width` is the terminal width for tables, `guard` says
/// whether CSV cells that look like formulas are neutralised.
pub(crate) fn writer<'a>(
    format: Format,
    guard: FormulaGuard,
    out: Box<dyn Write + 'a>,
    width: usize,
) -> Box<dyn RecordWriter + 'a> {
    match format {
        Format::Table => Box::new(table::TableWriter::new(out, width)),
        Format::Json => Box::new(json::JsonWriter::array(out)),
        Format::Ndjson => Box::new(json::JsonWriter::lines(out)),
        Format::Csv => Box::new(csv::CsvWriter::new(out, guard)),
    }
}
