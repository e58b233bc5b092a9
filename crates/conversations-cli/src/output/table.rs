//! `table`: fixed-width columns sized to the terminal, printed row by row as records arrive
//! (a table that waited for every row to size its columns could not stream).

use std::io::{self, Write};

use conversations_core::Conversation;
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

pub(super) struct TableWriter<'a> {
    out: Box<dyn Write + 'a>,
    widths: Vec<usize>,
    header_written: bool,
    /// Extra fields shown first, each in a column of its own.
    extra: &'static [&'static str],
}

impl<'a> TableWriter<'a> {
    pub(super) fn new(
        out: Box<dyn Write + 'a>,
        width: usize,
        extra: &'static [&'static str],
    ) -> Self {
        let columns: Vec<(usize, usize)> = extra
            .iter()
            .map(|_| EXTRA_COLUMN)
            .chain(COLUMNS.iter().map(|c| (c.1, c.2)))
            .collect();
        let gaps = 2 * (columns.len() - 1);
        let minimum: usize = columns.iter().map(|c| c.1).sum::<usize>() + gaps;
        let spare = width.saturating_sub(minimum);
        let shares: usize = columns.iter().map(|c| c.0).sum();
        let widths = columns
            .iter()
            .map(|(share, min)| min + spare * share / shares)
            .collect();
        Self {
            out,
            widths,
            header_written: false,
            extra,
        }
    }

    fn row(&mut self, cells: &[String]) -> io::Result<()> {
        let mut line = String::new();
        for (i, (cell, width)) in cells.iter().zip(&self.widths).enumerate() {
            let cell = fit(cell, *width);
            let pad = width - cell.width();
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
            self.row(&titles)?;
        }
        Ok(())
    }
}

/// `text` cut to `width` display columns, with `…` when cut; control characters shown as spaces.
fn fit(text: &str, width: usize) -> String {
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
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
        let fixed = [
            c.provider.to_string(),
            c.id.clone().unwrap_or_default(),
            c.external_id.clone().unwrap_or_default(),
            c.channel
                .as_ref()
                .map(|ch| ch.to_string())
                .unwrap_or_default(),
            who(c.agent.as_ref()),
            who(c.customer.as_ref()),
            c.message_count.map(|n| n.to_string()).unwrap_or_default(),
            c.created_at
                .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_default(),
        ];
        let cells: Vec<String> = extra.chain(fixed).collect();
        self.row(&cells)
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
            let mut w = TableWriter::new(Box::new(&mut buf), 100, &["account"]);
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
}
