//! `conversations report`: cost, volume and data-quality views over a synced database, as a
//! table, CSV, JSON, SVG, PNG or one HTML page, through `conversations-report`. Its
//! arguments are [`ReportArgs`], in `cli.rs` with the others (the man pages are built from
//! them alone).

use std::io::Write;
use std::process::ExitCode;

use conversations_report::{By, Database, Format, Options, Per, ReportError, View, render};
use conversations_sync::{SyncError, Target};

use crate::cli::{ByArg, FormatArg, PerArg, ReportArgs, ViewArg};

/// Runs `conversations report`.
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
