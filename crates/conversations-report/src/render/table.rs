//! The terminal table: a title, periods down, the total and each group across (volume's cells
//! read `conversations (messages)`), the report's totals last, the footer below.

use unicode_width::UnicodeWidthStr;

use crate::report::{Amount, Report};

/// Cells of one figure list: `12` or, with two measures, `12 (340)`.
pub(crate) fn cell(figures: &[Amount]) -> String {
    match figures {
        [one] => one.to_string(),
        [first, rest @ ..] => format!(
            "{first} ({})",
            rest.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        [] => String::new(),
    }
}

pub(super) fn table(report: &Report) -> String {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut header = vec![report.per.name().to_uppercase(), "TOTAL".to_owned()];
    header.extend(report.groups.iter().cloned());
    rows.push(header);
    for p in &report.periods {
        let mut row = vec![p.period.clone(), cell(&p.total)];
        row.extend(p.groups.iter().map(|g| cell(g)));
        rows.push(row);
    }
    if !report.periods.is_empty() {
        let mut row = vec!["all".to_owned(), cell(&report.totals)];
        for i in 0..report.groups.len() {
            let sums: Vec<Amount> = (0..report.measures.len())
                .map(|m| Amount {
                    value: report.periods.iter().map(|p| p.groups[i][m].value).sum(),
                    scale: report.totals[m].scale,
                })
                .collect();
            row.push(cell(&sums));
        }
        rows.push(row);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].width()).max().unwrap_or(0))
        .collect();
    let mut out = format!("{} — {}\n", report.title(), heading(&report.measures));
    for row in &rows {
        let mut line = String::new();
        for (c, text) in row.iter().enumerate() {
            let pad = widths[c] - text.width();
            if c == 0 {
                line.push_str(text);
                line.push_str(&" ".repeat(pad));
            } else {
                line.push_str("  ");
                line.push_str(&" ".repeat(pad));
                line.push_str(text);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if report.periods.is_empty() {
        out.push_str("(no conversations in the window)\n");
    }
    let footer = report.footer();
    if !footer.is_empty() {
        out.push_str(&footer);
        out.push('\n');
    }
    out
}

/// What a cell holds: `cost`, or `conversations (messages)`.
pub(crate) fn heading(measures: &[&str]) -> String {
    match measures {
        [one] => (*one).to_owned(),
        [first, rest @ ..] => format!("{first} ({})", rest.join(", ")),
        [] => String::new(),
    }
}
