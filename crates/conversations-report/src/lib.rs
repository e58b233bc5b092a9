//! # conversations-report
//!
//! What a synced conversations database says about cost, volume and data quality, per period
//! and per group: the billing review, volume and quality views the providers' docs promise,
//! as tables (`table`, `csv`, `json`) and as pictures (`svg`, `png`, and `html` holding every
//! view's chart and table in one self-contained file).
//!
//! - [`Database`] opens what `conversations sync --to` wrote (through `conversations-sync`:
//!   the same `sqlite:PATH` and PostgreSQL strings) and runs each view's **one aggregate
//!   query** there (`src/sql.rs` holds them), so a report over a million rows takes
//!   about as long as that query.
//! - Money is exact: each record's `total_cost` as it was received (a JSON number's text, or
//!   a numeric string) is summed as a decimal (PostgreSQL's `numeric`, [`rust_decimal`] in
//!   SQLite) and shown with the decimals the provider sent ([`money`]).
//! - Periods are local days, ISO weeks (`2025-W01`) or calendar months in an IANA time zone
//!   ([`Per`]); `--top N` keeps the N largest groups and sums the rest as `other`; rows
//!   without a creation time are counted per provider ([`Report::footer`]), never dropped.
//!
//! ```
//! use conversations_report::{Database, Format, Options, View, render};
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! # let dir = tempfile::tempdir().unwrap();
//! let target: conversations_sync::Target = format!("sqlite:{}", dir.path().join("c.db").display()).parse()?;
//! # conversations_sync::Store::open(&target).await?;
//! let db = Database::open(&target, None).await?;
//! let report = db.report(View::Cost, &Options::new().top(5)).await?;
//! let csv = render(&[report], Format::Csv)?;
//! assert_eq!(String::from_utf8(csv).unwrap(), "period,assistant,cost\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

mod answer;
pub mod database;
pub mod error;
pub mod money;
pub mod options;
pub mod period;
pub mod render;
pub mod report;
mod sql;
pub mod when;

pub use database::Database;
pub use error::ReportError;
pub use options::{By, Options, View};
pub use period::Per;
pub use render::{Format, render};
pub use report::{Amount, Period, Report};
