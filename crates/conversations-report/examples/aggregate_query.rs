//! A view's aggregate query run by itself, for `tests/benches/report.sh`: against SQLite it
//! opens the file as the report does (read-only, with `report_period` and `report_sum`) and
//! runs the query, rows read and dropped; `--print-sql` prints the query (with `$n`
//! parameters) and its parameters, one per line, for `psql` to run against PostgreSQL.
//!
//! ```text
//! cargo run --release -p conversations-report --example aggregate_query -- sqlite:c.db cost
//! cargo run --release -p conversations-report --example aggregate_query -- --print-sql postgres://… cost
//! ```

use conversations_report::database::open_sqlite;
use conversations_report::{Database, Options, View};
use conversations_sync::Target;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let print = args.first().is_some_and(|a| a == "--print-sql");
    if print {
        args.remove(0);
    }
    let [target, view] = <[String; 2]>::try_from(args)
        .map_err(|_| "usage: aggregate_query [--print-sql] DB VIEW")?;
    let target: Target = target.parse()?;
    let view: View = view.parse()?;
    let options = Options::new();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    if print {
        let db = runtime.block_on(Database::open(&target, None))?;
        let (sql, params) = db.query(view, &options);
        println!("{}", sql.replace('\n', " "));
        for p in params {
            println!("{p}");
        }
        return Ok(());
    }
    let Target::Sqlite(path) = &target else {
        return Err("run PostgreSQL's query with psql (--print-sql)".into());
    };
    let conn = open_sqlite(path, &options)?;
    let (sql, params) = runtime
        .block_on(Database::open(&target, None))?
        .query(view, &options);
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
    let mut n = 0u64;
    while rows.next()?.is_some() {
        n += 1;
    }
    eprintln!("{n} rows");
    Ok(())
}
