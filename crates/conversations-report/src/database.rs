//! Where the figures come from: a database a sync filled, opened through
//! `conversations-sync` ([`Target`], [`Store`]: the same `--to` strings and libpq
//! conventions), and each view's one aggregate query run there.
//!
//! PostgreSQL runs the query through [`Store::read_text`]. SQLite runs it on a read-only
//! connection of its own, where the report registers two functions the query calls:
//! `report_period(created_at)` (the local day, ISO week or month in the report's time zone)
//! and `report_sum(text)` (an exact decimal sum).

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use conversations_sync::store::sqlite_row_text;
use conversations_sync::{Store, Target};
use rusqlite::functions::{Aggregate, Context, FunctionFlags};
use rust_decimal::Decimal;

use crate::answer::Answer;
use crate::error::ReportError;
use crate::money::parse_amount;
use crate::options::{Options, View};
use crate::sql;

/// A synced database, open for reports.
///
/// ```
/// use conversations_report::{Database, Options, View};
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let dir = tempfile::tempdir().unwrap();
/// let target: conversations_sync::Target = format!("sqlite:{}", dir.path().join("c.db").display()).parse().unwrap();
/// conversations_sync::Store::open(&target).await.unwrap(); // a sync made its tables
/// let db = Database::open(&target, None).await.unwrap();
/// let report = db.report(View::Cost, &Options::new()).await.unwrap();
/// assert!(report.periods.is_empty());
/// # });
/// ```
pub struct Database {
    inner: Inner,
}

enum Inner {
    Sqlite(PathBuf),
    Postgres(Box<Store>),
}

impl Database {
    /// Opens the database at `target` (in `schema`, for PostgreSQL) if a sync made its tables
    /// there; nothing is created ([`conversations_sync::SyncError::NotSynced`] otherwise).
    pub async fn open(target: &Target, schema: Option<&str>) -> Result<Self, ReportError> {
        let store = match schema {
            Some(schema) => Store::open_existing_in_schema(target, schema).await?,
            None => Store::open_existing(target).await?,
        };
        let inner = match target {
            Target::Sqlite(path) => {
                drop(store);
                Inner::Sqlite(path.clone())
            }
            Target::Postgres(_) => Inner::Postgres(Box::new(store)),
        };
        Ok(Self { inner })
    }

    /// Makes `view`'s report: its one aggregate query, then the table built from the answer.
    pub async fn report(
        &self,
        view: View,
        options: &Options,
    ) -> Result<crate::Report, ReportError> {
        let answers = self.answers(view, options).await?;
        Ok(crate::report::build(view, options, answers))
    }

    /// `view`'s aggregate query and its answer.
    pub(crate) async fn answers(
        &self,
        view: View,
        options: &Options,
    ) -> Result<Vec<Answer>, ReportError> {
        let text = match &self.inner {
            Inner::Postgres(store) => {
                let sql = sql::postgres(view, options);
                let mut params = vec![options.tz.name().to_owned()];
                params.extend(sql::postgres_bounds(options));
                let params: Vec<&str> = params.iter().map(String::as_str).collect();
                store.read_text(&sql, &params).await?
            }
            Inner::Sqlite(path) => {
                let path = path.clone();
                let options = options.clone();
                tokio::task::spawn_blocking(move || sqlite_answers(&path, view, &options))
                    .await
                    .map_err(|e| ReportError::BadAnswer {
                        view: view.name(),
                        what: format!("no answer: {e}"),
                    })??
            }
        };
        text.into_iter().map(|row| answer(view, row)).collect()
    }

    /// The query `view` runs on this database, as it runs it (for benchmarks and curious
    /// readers), with its parameters.
    pub fn query(&self, view: View, options: &Options) -> (String, Vec<String>) {
        match &self.inner {
            Inner::Postgres(_) => {
                let mut params = vec![options.tz.name().to_owned()];
                params.extend(sql::postgres_bounds(options));
                (sql::postgres(view, options), params)
            }
            Inner::Sqlite(_) => (sql::sqlite(view, options), sql::sqlite_bounds(options)),
        }
    }
}

fn answer(view: View, row: Vec<Option<String>>) -> Result<Answer, ReportError> {
    let bad = |what: String| ReportError::BadAnswer {
        view: view.name(),
        what,
    };
    let [group, period, provider, rows, sum]: [Option<String>; 5] = row
        .try_into()
        .map_err(|r: Vec<_>| bad(format!("{} columns, not 5", r.len())))?;
    let rows = rows
        .as_deref()
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| bad("a count that is not a whole number".to_owned()))?;
    let sum = match sum {
        None => None,
        Some(text) => Some(
            parse_amount(&text)
                .ok_or_else(|| bad(format!("a sum past 28 significant digits ({text})")))?,
        ),
    };
    Ok(Answer {
        group,
        period,
        provider: provider.unwrap_or_default(),
        rows,
        sum,
    })
}

/// Opens `path` read-only with the report's functions and runs `view`'s query.
pub(crate) fn sqlite_answers(
    path: &std::path::Path,
    view: View,
    options: &Options,
) -> Result<Vec<Vec<Option<String>>>, ReportError> {
    let target = format!("sqlite:{}", path.display());
    let err = |doing: &'static str| {
        let target = target.clone();
        move |e: rusqlite::Error| ReportError::Sqlite {
            target: target.clone(),
            doing,
            message: e.to_string().replace('\n', " "),
        }
    };
    let conn = open_sqlite(path, options).map_err(err("opening the database"))?;
    let sql = sql::sqlite(view, options);
    let mut stmt = conn.prepare(&sql).map_err(err("preparing the query"))?;
    let rows = stmt
        .query_map(
            rusqlite::params_from_iter(sql::sqlite_bounds(options)),
            |r| sqlite_row_text(r, 5),
        )
        .map_err(err("running the query"))?;
    rows.collect::<rusqlite::Result<Vec<_>>>()
        .map_err(err("running the query"))
}

/// A read-only connection to `path` with `report_period` (for `options`' periods and time
/// zone) and `report_sum` registered.
pub fn open_sqlite(
    path: &std::path::Path,
    options: &Options,
) -> rusqlite::Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let (per, tz) = (options.per, options.tz);
    conn.create_scalar_function(
        "report_period",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        move |ctx| {
            let text = ctx.get_raw(0).as_str_or_null().ok().flatten();
            Ok(text
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| per.label(t.with_timezone(&Utc), tz)))
        },
    )?;
    conn.create_aggregate_function(
        "report_sum",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        ExactSum,
    )?;
    Ok(conn)
}

/// `report_sum(text)`: the exact decimal sum of the numbers' texts (others left out); `NULL`
/// when none was a number. A number past 28 significant digits is an error, never rounded.
struct ExactSum;

impl Aggregate<Option<Decimal>, Option<String>> for ExactSum {
    fn init(&self, _: &mut Context<'_>) -> rusqlite::Result<Option<Decimal>> {
        Ok(None)
    }

    fn step(&self, ctx: &mut Context<'_>, sum: &mut Option<Decimal>) -> rusqlite::Result<()> {
        let value = ctx.get_raw(0);
        let text = match value {
            rusqlite::types::ValueRef::Text(t) => std::str::from_utf8(t).ok(),
            _ => None,
        };
        let Some(text) = text else { return Ok(()) };
        let Some(amount) = parse_amount(text) else {
            return Ok(());
        };
        let total = sum.unwrap_or_default().checked_add(amount).ok_or_else(|| {
            rusqlite::Error::UserFunctionError("report_sum: the sum overflows 96 bits".into())
        })?;
        // Keep the larger number of decimals sent (checked_add does), so 0.10 + 0.20 shows 0.30.
        *sum = Some(total);
        Ok(())
    }

    fn finalize(
        &self,
        _: &mut Context<'_>,
        sum: Option<Option<Decimal>>,
    ) -> rusqlite::Result<Option<String>> {
        Ok(sum.flatten().map(|d| d.to_string()))
    }
}
