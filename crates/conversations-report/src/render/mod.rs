//! Reports as text (`table`, `csv`, `json`) and as pictures (`svg`, `png`, `html`).

mod chart;
mod delimited;
mod html;
mod json;
mod table;

use crate::error::ReportError;
use crate::report::Report;

pub use chart::{HEIGHT, WIDTH};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns for a terminal: periods down, groups across, the footer below.
    Table,
    /// One line per period and group (`total` first), exact decimals.
    Csv,
    /// The [`Report`]s as JSON: exact decimals as strings, the footer as `undated`.
    Json,
    /// One view's chart.
    Svg,
    /// One view's chart, text drawn with the font the crate carries.
    Png,
    /// One self-contained page: each view's chart and table, no script, nothing fetched.
    Html,
}

impl std::str::FromStr for Format {
    type Err = ReportError;

    /// ```
    /// use conversations_report::Format;
    /// assert_eq!("png".parse::<Format>().unwrap(), Format::Png);
    /// assert!("pdf".parse::<Format>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "table" => Format::Table,
            "csv" => Format::Csv,
            "json" => Format::Json,
            "svg" => Format::Svg,
            "png" => Format::Png,
            "html" => Format::Html,
            _ => {
                return Err(ReportError::BadOption {
                    option: "--format",
                    reason: format!("{s:?} is not table, csv, json, svg, png or html"),
                });
            }
        })
    }
}

/// `reports` in `format`. A chart (`svg`, `png`) shows one view: given several, it shows
/// the first.
pub fn render(reports: &[Report], format: Format) -> Result<Vec<u8>, ReportError> {
    let Some(first) = reports.first() else {
        return Ok(Vec::new());
    };
    Ok(match format {
        Format::Table => reports
            .iter()
            .map(table::table)
            .collect::<Vec<_>>()
            .join("\n")
            .into_bytes(),
        Format::Csv => {
            let mut out = Vec::new();
            for r in reports {
                out.extend(delimited::csv(r)?);
            }
            out
        }
        Format::Json => json::json(reports)?,
        Format::Svg => chart::svg(first)?.into_bytes(),
        Format::Png => chart::png(first)?,
        Format::Html => html::html(reports)?.into_bytes(),
    })
}
