//! `table`: columns printed row by row as records arrive (a table that waited for every row
//! to size its columns could not stream).
//!
//! With a width (the terminal's, or `COLUMNS`: see `Sink`), columns are fixed and sized to
//! it, long cells cut with `…`. Without one (into a file or a pipe), no value is ever cut:
//! the columns are sized by the first rows (up to [`SIZING_ROWS`], or those there are when
//! the listing waits for more) and widen for a longer value after them.

use std::borrow::Cow;
use std::io::{self, Write};

use conversations_core::Conversation;
use conversations_core::flat::{Column, FlatConversation, FlatValue};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::RecordWriter;

/// Columns: title, share of the spare width, minimum width.
const COLUMNS: [(&str, usize, usize); 8] = [
    ("PROVIDER", 0, 9),
    ("ID", 3, 8),
    ("EXTERNAL ID", 2, 8),
    ("CHANNEL", 0, 8),
    ("AGENT", 2, 6),
    ("CUSTOMER", 2, 8),
    ("MSGS", 0, 4),
    ("CREATED (UTC)", 0, 19),
];

/// Share and minimum width of a column for an extra field (e.g. `account`).
const EXTRA_COLUMN: (usize, usize) = (1, 8);

/// Rows held to size the columns of a table without a width, before the first is printed.
const SIZING_ROWS: usize = 100;

pub(super) struct TableWriter<'a> {
    out: Box<dyn Write + 'a>,
    widths: Vec<usize>,
    /// Whether cells are cut to the widths (a table with a width) or widen them.
    fixed: bool,
    /// Rows (the header first) not printed yet: a table without a width sizes its columns
    /// by them.
    held: Vec<Vec<String>>,
    header_written: bool,
    /// Extra fields shown first, each in a column of its own.
    extra: &'static [&'static str],
}

impl<'a> TableWriter<'a> {
    /// A table `width` display columns wide, or one that never cuts a value (`None`).
    pub(super) fn new(
        out: Box<dyn Write + 'a>,
        width: Option<usize>,
        extra: &'static [&'static str],
    ) -> Self {
        let columns: Vec<(usize, usize)> = extra
            .iter()
            .map(|_| EXTRA_COLUMN)
            .chain(COLUMNS.iter().map(|c| (c.1, c.2)))
            .collect();
        let widths = match width {
            Some(width) => {
                let gaps = 2 * (columns.len() - 1);
                let minimum: usize = columns.iter().map(|c| c.1).sum::<usize>() + gaps;
                let spare = width.saturating_sub(minimum);
                let shares: usize = columns.iter().map(|c| c.0).sum();
                columns
                    .iter()
                    .map(|(share, min)| min + spare * share / shares)
                    .collect()
            }
            None => columns.iter().map(|(_, min)| *min).collect(),
        };
        Self {
            out,
            widths,
            fixed: width.is_some(),
            held: Vec::new(),
            header_written: false,
            extra,
        }
    }

    /// Prints `cells` (with a width), or holds them to size the columns (without one).
    fn row(&mut self, cells: Vec<String>) -> io::Result<()> {
        if self.fixed {
            return self.print(&cells);
        }
        self.held.push(cells);
        if self.held.len() > SIZING_ROWS {
            self.release()?;
        }
        Ok(())
    }

    /// Prints the rows held, in columns as wide as their widest cells.
    fn release(&mut self) -> io::Result<()> {
        let held = std::mem::take(&mut self.held);
        for row in &held {
            for (width, cell) in self.widths.iter_mut().zip(row) {
                *width = (*width).max(clean(cell).width());
            }
        }
        held.iter().try_for_each(|row| self.print(row))
    }

    fn print(&mut self, cells: &[String]) -> io::Result<()> {
        let mut line = String::new();
        for (i, (cell, width)) in cells.iter().zip(self.widths.iter_mut()).enumerate() {
            let cell = if self.fixed {
                fit(cell, *width)
            } else {
                clean(cell)
            };
            // A later value longer than the column widens it (a table without a width).
            *width = (*width).max(cell.width());
            let pad = *width - cell.width();
            line.push_str(&cell);
            if i + 1 < cells.len() {
                line.push_str(&" ".repeat(pad + 2));
            }
        }
        writeln!(self.out, "{}", line.trim_end())
    }

    fn header(&mut self) -> io::Result<()> {
        if !self.header_written {
            self.header_written = true;
            let titles: Vec<String> = self
                .extra
                .iter()
                .map(|name| name.replace('_', " ").to_uppercase())
                .chain(COLUMNS.iter().map(|c| c.0.to_owned()))
                .collect();
            self.row(titles)?;
        }
        Ok(())
    }
}

/// `text` with control characters shown as spaces.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// `text` cut to `width` display columns, with `…` when cut; control characters shown as spaces.
fn fit(text: &str, width: usize) -> String {
    let text = clean(text);
    if text.width() <= width {
        return text;
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

fn who(p: Option<&conversations_core::Participant>) -> String {
    p.and_then(|p| {
        p.name
            .clone()
            .or_else(|| p.phone.clone())
            .or_else(|| p.external_id.clone())
            .or_else(|| p.id.clone())
    })
    .unwrap_or_default()
}

impl RecordWriter for TableWriter<'_> {
    fn write_with(&mut self, c: &Conversation, extra: &[(&str, &str)]) -> io::Result<()> {
        self.header()?;
        let extra = self.extra.iter().map(|column| {
            extra
                .iter()
                .find(|(key, _)| key == column)
                .map(|(_, value)| (*value).to_owned())
                .unwrap_or_default()
        });
        // The flat view's columns, a participant shown by who it is, the time to the second.
        let flat = FlatConversation::new(c);
        let cell = |column| {
            flat.get(column)
                .text()
                .map(Cow::into_owned)
                .unwrap_or_default()
        };
        let fixed = [
            cell(Column::Provider),
            cell(Column::Id),
            cell(Column::ExternalId),
            cell(Column::Channel),
            who(c.agent.as_ref()),
            who(c.customer.as_ref()),
            cell(Column::MessageCount),
            match flat.get(Column::CreatedAt) {
                FlatValue::Time(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
                _ => String::new(),
            },
        ];
        let cells: Vec<String> = extra.chain(fixed).collect();
        self.row(cells)
    }

    fn flush(&mut self) -> io::Result<()> {
        // The listing waits: what is held goes out (sized by what came so far).
        self.release()?;
        self.out.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        self.header()?;
        self.release()?;
        self.out.flush()
    }

    fn finish_failed(&mut self) -> io::Result<()> {
        // Rows held are printed (a header alone over nothing is not).
        if self.held.len() > 1 {
            self.release()?;
        }
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_cuts_on_display_width() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abc", 4), "abc");
        assert_eq!(fit("日本語テキスト", 5), "日本…");
        assert_eq!(fit("a\nb", 5), "a b");
    }

    #[test]
    fn rows_never_exceed_the_width() {
        let mut buf = Vec::new();
        {
            let mut w = TableWriter::new(Box::new(&mut buf), Some(100), &["account"]);
            let mut c = Conversation::new("autocalls", serde_json::Value::Null);
            c.id = Some("x".repeat(500));
            w.write_with(&c, &[("account", "acme")]).unwrap();
            w.finish().unwrap();
        }
        let text = String::from_utf8(buf).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(text.starts_with("ACCOUNT"), "{text}");
        assert!(text.lines().nth(1).unwrap().starts_with("acme "), "{text}");
        assert!(text.lines().all(|l| l.width() <= 100), "{text}");
    }

    #[test]
    fn without_a_width_no_value_is_cut_and_columns_line_up() {
        let mut buf = Vec::new();
        let long_id = "conv-".repeat(20);
        {
            let mut w = TableWriter::new(Box::new(&mut buf), None, &[]);
            for id in ["short", long_id.as_str()] {
                let mut c = Conversation::new("autocalls", serde_json::Value::Null);
                c.id = Some(id.to_owned());
                c.external_id = Some("crm\nlead".to_owned());
                w.write_with(&c, &[]).unwrap();
            }
            w.finish().unwrap();
        }
        let text = String::from_utf8(buf).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[2].contains(&long_id), "{text}");
        assert!(lines[1].contains("crm lead"), "{text}");
        // The EXTERNAL ID column starts at one place in every row.
        let at = lines[0].find("EXTERNAL ID").unwrap();
        assert_eq!(lines[1].find("crm lead"), Some(at), "{text}");
        assert_eq!(lines[2].find("crm lead"), Some(at), "{text}");
    }
}
