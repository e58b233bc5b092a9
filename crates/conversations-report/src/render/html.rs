//! The HTML page: one file, every view's chart (inline SVG) above its table, the footer of
//! rows without a creation time, a short note on how figures are made. No script, no
//! stylesheet or font fetched: it opens the same offline.

use std::fmt::Write as _;

use crate::error::ReportError;
use crate::render::table::{cell, heading};
use crate::report::Report;

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:1040px;color:#222}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ddd}
figure{margin:0}figure svg{max-width:100%;height:auto}
table{border-collapse:collapse;font-size:.9em;margin:1em 0}th,td{padding:.25em .7em;text-align:right;border-bottom:1px solid #eee}
th:first-child,td:first-child{text-align:left}tr.total td{font-weight:bold;border-top:2px solid #999}
p.note{color:#555;font-size:.9em}p.footer{color:#a05000}";

pub(super) fn html(reports: &[Report]) -> Result<String, ReportError> {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>Conversations report</title>\
         <style>{STYLE}</style></head><body>\n<h1>Conversations report</h1>\n"
    );
    if let Some(first) = reports.first() {
        let window = match (&first.since, &first.until) {
            (None, None) => "every conversation synced".to_owned(),
            (Some(s), None) => format!("conversations created from {s}"),
            (None, Some(u)) => format!("conversations created before {u}"),
            (Some(s), Some(u)) => format!("conversations created from {s} to {u} (excluded)"),
        };
        let _ = writeln!(
            out,
            "<p class=\"note\">{}; periods are {}s in the {} time zone. Costs are the exact \
             sums of the amounts the providers sent, shown with the decimals they sent.</p>",
            escape(&window),
            first.per.name(),
            escape(&first.tz)
        );
    }
    for report in reports {
        let _ = writeln!(out, "<section id=\"{}\">", report.view.name());
        let _ = writeln!(out, "<h2>{}</h2>", escape(&report.title()));
        let svg = super::chart::svg(report)?;
        let svg = svg.trim_start_matches(|c| c != '<');
        let svg = match svg.strip_prefix("<?xml") {
            Some(rest) => rest.split_once("?>").map_or(rest, |(_, r)| r),
            None => svg,
        };
        let _ = writeln!(
            out,
            "<figure role=\"img\" aria-label=\"{}\">{}</figure>",
            escape(&report.title()),
            svg.trim()
        );
        let _ = write!(
            out,
            "<table><caption>{}</caption><thead><tr><th>{}</th><th>total</th>",
            escape(&heading(&report.measures)),
            report.per.name()
        );
        for g in &report.groups {
            let _ = write!(out, "<th>{}</th>", escape(g));
        }
        out.push_str("</tr></thead><tbody>\n");
        for p in &report.periods {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td>",
                escape(&p.period),
                cell(&p.total)
            );
            for g in &p.groups {
                let _ = write!(out, "<td>{}</td>", cell(g));
            }
            out.push_str("</tr>\n");
        }
        if !report.periods.is_empty() {
            let _ = write!(
                out,
                "<tr class=\"total\"><td>all</td><td>{}</td>",
                cell(&report.totals)
            );
            for _ in &report.groups {
                out.push_str("<td></td>");
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody></table>\n");
        let footer = report.footer();
        if !footer.is_empty() {
            let _ = writeln!(out, "<p class=\"footer\">{}</p>", escape(&footer));
        }
        out.push_str("</section>\n");
    }
    out.push_str("</body></html>\n");
    Ok(out)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
