//! `csv`: a header row, then one row per record; participants are flattened into columns and
//! metadata is one JSON-encoded column.
//!
//! Spreadsheets open a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage
//! return) as a formula, so a phone number like `+14155559876` or a name like
//! `=HYPERLINK(...)` would be evaluated. By default such cells get a leading `'`, as OWASP's
//! CSV-injection guidance recommends ([`FormulaGuard::On`]); `--csv-raw` writes them as they
//! are ([`FormulaGuard::Off`]). Numbers this writer formats itself (`message_count`,
//! `total_cost`) are left alone: a number is not a formula, and a quote would make it text.

use std::borrow::Cow;
use std::io::{self, Write};

use conversations_core::Conversation;
use conversations_core::flat::{Column, FlatConversation};

use super::RecordWriter;

/// The columns, in the order of the header row: the view's ([`Column::ALL`]), but
/// `business_id` and `business_external_id` last (they came after the others had been read by
/// spreadsheets for a while).
const ORDER: [Column; 22] = {
    let mut out = [Column::Provider; 22];
    let mut n = 0;
    let mut i = 0;
    while i < Column::ALL.len() {
        let column = Column::ALL[i];
        if !matches!(column, Column::BusinessId | Column::BusinessExternalId) {
            out[n] = column;
            n += 1;
        }
        i += 1;
    }
    out[n] = Column::BusinessId;
    out[n + 1] = Column::BusinessExternalId;
    out
};

/// The header row: [`ORDER`]'s names.
pub(super) const HEADER: [&str; 22] = {
    let mut out = [""; 22];
    let mut i = 0;
    while i < ORDER.len() {
        out[i] = ORDER[i].name();
        i += 1;
    }
    out
};

/// The first characters that make a spreadsheet read a cell as a formula (OWASP).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether cells that would open as formulas are neutralised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FormulaGuard {
    /// Prefix such cells with `'` (the default).
    On,
    /// Write every cell as it is (`--csv-raw`).
    Off,
}

/// `cell`, with a leading `'` if a spreadsheet would read it as a formula.
fn neutralise(cell: String) -> String {
    if cell.starts_with(FORMULA_STARTS) {
        format!("'{cell}")
    } else {
        cell
    }
}

pub(super) struct CsvWriter<'a> {
    out: csv::Writer<Box<dyn Write + 'a>>,
    header_written: bool,
    guard: FormulaGuard,
    /// Columns after [`HEADER`], filled from each record's extra fields (e.g. `account`).
    extra: &'static [&'static str],
}

impl<'a> CsvWriter<'a> {
    pub(super) fn new(
        out: Box<dyn Write + 'a>,
        guard: FormulaGuard,
        extra: &'static [&'static str],
    ) -> Self {
        Self {
            out: csv::Writer::from_writer(out),
            header_written: false,
            guard,
            extra,
        }
    }

    fn header(&mut self) -> io::Result<()> {
        if !self.header_written {
            self.out
                .write_record(HEADER.iter().chain(self.extra.iter()))?;
            self.header_written = true;
        }
        Ok(())
    }
}

impl RecordWriter for CsvWriter<'_> {
    fn write_with(&mut self, c: &Conversation, extra: &[(&str, &str)]) -> io::Result<()> {
        self.header()?;
        // Numbers this writer formats itself (a number is not a formula) are never guarded.
        let flat = FlatConversation::new(c);
        let row = ORDER.map(|column| {
            let value = flat.get(column);
            let cell = value.text().map(Cow::into_owned).unwrap_or_default();
            (cell, column.is_numeric())
        });
        let extra = self.extra.iter().map(|column| {
            let value = extra.iter().find(|(key, _)| key == column);
            (
                value.map(|(_, v)| (*v).to_owned()).unwrap_or_default(),
                false,
            )
        });
        let guard = self.guard;
        let row = row.into_iter().chain(extra).map(|(cell, numeric)| {
            if guard == FormulaGuard::On && !numeric {
                neutralise(cell)
            } else {
                cell
            }
        });
        self.out.write_record(row)?;
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        self.header()?;
        self.out.flush()
    }

    fn finish_failed(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use conversations_core::{Participant, ParticipantRole};

    use super::*;

    #[test]
    fn the_header_keeps_the_business_ids_last() {
        assert_eq!(
            HEADER.join(","),
            "provider,id,external_id,channel,agent_role,agent_id,agent_external_id,agent_name,\
             customer_id,customer_external_id,customer_name,customer_phone,business_name,\
             business_phone,message_count,total_cost,ai_enabled,created_at,updated_at,metadata,\
             business_id,business_external_id"
        );
    }

    /// A record whose customer carries every kind of formula-looking text, as CSV rows.
    fn rows(guard: FormulaGuard) -> Vec<csv::StringRecord> {
        let mut c = Conversation::new("autocalls", serde_json::Value::Null);
        c.id = Some("-1".to_owned());
        c.external_id = Some("@x".to_owned());
        c.total_cost = Some(-1.5);
        let mut customer = Participant::new(ParticipantRole::Customer);
        customer.name = Some("=HYPERLINK(\"http://evil.example\",\"click\")".to_owned());
        customer.phone = Some("+14155559876".to_owned());
        customer.id = Some("\tcmd".to_owned());
        customer.external_id = Some("\rcmd".to_owned());
        c.customer = Some(customer);
        let mut buf = Vec::new();
        {
            let mut w = CsvWriter::new(Box::new(&mut buf), guard, &[]);
            w.write(&c).unwrap();
            w.finish().unwrap();
        }
        csv::Reader::from_reader(buf.as_slice())
            .records()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    fn cell<'r>(row: &'r csv::StringRecord, column: &str) -> &'r str {
        let index = HEADER.iter().position(|h| *h == column).unwrap();
        row.get(index).unwrap()
    }

    #[test]
    fn formula_cells_are_neutralised_by_default() {
        let rows = rows(FormulaGuard::On);
        let row = &rows[0];
        assert_eq!(cell(row, "customer_phone"), "'+14155559876");
        assert_eq!(
            cell(row, "customer_name"),
            "'=HYPERLINK(\"http://evil.example\",\"click\")"
        );
        assert_eq!(cell(row, "id"), "'-1");
        assert_eq!(cell(row, "external_id"), "'@x");
        assert_eq!(cell(row, "customer_id"), "'\tcmd");
        assert_eq!(cell(row, "customer_external_id"), "'\rcmd");
        // Our own numbers stay numbers; ordinary text is untouched.
        assert_eq!(cell(row, "total_cost"), "-1.5");
        assert_eq!(cell(row, "provider"), "autocalls");
    }

    #[test]
    fn raw_leaves_every_cell_as_it_is() {
        let rows = rows(FormulaGuard::Off);
        let row = &rows[0];
        assert_eq!(cell(row, "customer_phone"), "+14155559876");
        assert_eq!(
            cell(row, "customer_name"),
            "=HYPERLINK(\"http://evil.example\",\"click\")"
        );
        assert_eq!(cell(row, "id"), "-1");
        assert_eq!(cell(row, "external_id"), "@x");
        assert_eq!(cell(row, "customer_id"), "\tcmd");
    }
}
