//! `conversations report`: cost, volume and data-quality views over a synced database, as a
//! table, CSV, JSON, SVG, PNG or one HTML page, through `conversations-report`.

#[cfg(feature = "run")]
use std::io::Write;
#[cfg(feature = "run")]
use std::process::ExitCode;

use clap::{Args, ValueEnum};
#[cfg(feature = "run")]
use {
    conversations_report::{By, Database, Format, Options, Per, ReportError, View, render},
    conversations_sync::{SyncError, Target},
};

/// `conversations report`'s arguments.
#[derive(Debug, Args)]
#[command(after_long_help = REPORT_HELP)]
pub(crate) struct ReportArgs {
    /// The view: cost, volume or notes. Left out with --format html: every view.
    #[arg(value_enum)]
    pub(crate) view: Option<ViewArg>,
    /// The database a sync wrote: sqlite:PATH, or PostgreSQL as libpq takes it (as sync --to).
    #[arg(long, value_name = "DB", default_value = "sqlite:conversations.db")]
    pub(crate) from: String,
    /// PostgreSQL: the schema the sync's tables are in (as sync --schema).
    #[arg(long, value_name = "NAME")]
    pub(crate) schema: Option<String>,
    /// The groups of cost and volume (notes: per provider and field).
    #[arg(long, value_enum, default_value = "assistant")]
    pub(crate) by: ByArg,
    /// The periods: local days, ISO weeks (2025-W01) or calendar months (2025-01).
    #[arg(long, value_enum, default_value = "day")]
    pub(crate) per: PerArg,
    /// Conversations created from WHEN (included): 2025-01-31, 2025-01-31T12:00[:00][Z], or a
    /// duration back from now (30d, 12h).
    #[arg(long, value_name = "WHEN")]
    pub(crate) since: Option<String>,
    /// Conversations created before WHEN (left out); as --since.
    #[arg(long, value_name = "WHEN")]
    pub(crate) until: Option<String>,
    /// The IANA time zone days, weeks and months are counted in (Europe/Paris).
    #[arg(long, value_name = "ZONE", default_value = "UTC")]
    pub(crate) tz: String,
    /// Keep the N groups with the largest totals over the report; sum the rest as "other".
    #[arg(long, value_name = "N")]
    pub(crate) top: Option<usize>,
    /// table, csv, json, svg, png (one view's chart) or html (charts and tables, one file).
    #[arg(long, value_enum, default_value = "table")]
    pub(crate) format: FormatArg,
    /// Write here instead of standard output (svg, png and html want a file on a terminal).
    #[arg(long, short, value_name = "FILE")]
    pub(crate) output: Option<std::path::PathBuf>,
}

const REPORT_HELP: &str = "\
Examples:
  conversations sync --sandbox --provider autocalls
  conversations report --format html --output report.html
  conversations report cost --per week --by channel --since 90d --tz Europe/Paris
  conversations report volume --top 5 --format csv > volume.csv

Costs are the exact sums of the amounts the providers sent (never float noise), shown with
the decimals they sent; CSV and JSON carry the exact decimal. Rows without a creation time
(ASAPP's) are in no period: they are counted per provider in a footer (JSON: \"undated\").";

/// A view, as clap takes it.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum ViewArg {
    /// Total cost per group per period.
    Cost,
    /// Conversations and messages per group per period.
    Volume,
    /// Fields off their documented types, per provider, field and period.
    Notes,
}

/// A grouping, as clap takes it.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum ByArg {
    /// The AI assistant or agent.
    Assistant,
    /// The channel.
    Channel,
    /// The provider.
    Provider,
    /// The provider or account rows are filed under.
    Source,
}

/// A period length, as clap takes it.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum PerArg {
    /// Local days.
    Day,
    /// ISO weeks.
    Week,
    /// Calendar months.
    Month,
}

/// An output format, as clap takes it.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum FormatArg {
    /// Aligned columns.
    Table,
    /// CSV, exact decimals.
    Csv,
    /// JSON, exact decimals as strings.
    Json,
    /// One view's chart as SVG.
    Svg,
    /// One view's chart as PNG.
    Png,
    /// Every chosen view's chart and table in one self-contained page.
    Html,
}

/// Runs `conversations report`.
#[cfg(feature = "run")]
pub(crate) async fn run(args: ReportArgs) -> ExitCode {
    match report(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            let code = match &e {
                ReportError::BadOption { .. } => 2,
                ReportError::Database(SyncError::Auth { .. }) => 3,
                ReportError::Database(SyncError::BadTarget { .. }) => 2,
                _ => 1,
            };
            ExitCode::from(code)
        }
    }
}

#[cfg(feature = "run")]
async fn report(args: ReportArgs) -> Result<(), ReportError> {
    let format = match args.format {
        FormatArg::Table => Format::Table,
        FormatArg::Csv => Format::Csv,
        FormatArg::Json => Format::Json,
        FormatArg::Svg => Format::Svg,
        FormatArg::Png => Format::Png,
        FormatArg::Html => Format::Html,
    };
    let views: Vec<View> = match (args.view, format) {
        (Some(v), _) => vec![match v {
            ViewArg::Cost => View::Cost,
            ViewArg::Volume => View::Volume,
            ViewArg::Notes => View::Notes,
        }],
        (None, Format::Html) => View::ALL.to_vec(),
        (None, _) => {
            return Err(ReportError::BadOption {
                option: "VIEW",
                reason: "name a view (cost, volume or notes); only --format html writes them all"
                    .to_owned(),
            });
        }
    };
    let mut options = Options::new()
        .by(match args.by {
            ByArg::Assistant => By::Assistant,
            ByArg::Channel => By::Channel,
            ByArg::Provider => By::Provider,
            ByArg::Source => By::Source,
        })
        .per(match args.per {
            PerArg::Day => Per::Day,
            PerArg::Week => Per::Week,
            PerArg::Month => Per::Month,
        })
        .tz(&args.tz)?;
    options.top = args.top;
    let now = chrono::Utc::now();
    if let Some(since) = &args.since {
        options.since = Some(conversations_report::when::parse_when(
            "--since", since, options.tz, now,
        )?);
    }
    if let Some(until) = &args.until {
        options.until = Some(conversations_report::when::parse_when(
            "--until", until, options.tz, now,
        )?);
    }
    let target: Target = args.from.parse()?;
    let db = Database::open(&target, args.schema.as_deref()).await?;
    let mut reports = Vec::with_capacity(views.len());
    for view in views {
        reports.push(db.report(view, &options).await?);
    }
    let bytes = render(&reports, format)?;
    match &args.output {
        Some(path) => std::fs::write(path, &bytes)?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes)?;
            out.flush()?;
        }
    }
    // CSV has no place for it: the footer goes on stderr (the table, JSON and pictures hold it).
    if format == Format::Csv {
        for r in &reports {
            let footer = r.footer();
            if !footer.is_empty() {
                eprintln!("{}: {footer}", r.view.name());
            }
        }
    }
    Ok(())
}
