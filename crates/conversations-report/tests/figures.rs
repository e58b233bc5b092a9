//! Each view's figures equal what a plain query of the stored raw records gives (not the
//! normalized columns), in SQLite and in PostgreSQL: on the sandbox's data and on random data
//! with records off their documented types. Then the edges: a DST change, ISO weeks across a
//! year boundary, `--top`, and the footer of rows without a creation time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{DateTime, Datelike, TimeZone, Utc};
use common::{Db, expected, record, shown};
use conversations_core::Conversation;
use conversations_report::{Options, Per, View};
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;

/// The sandbox's default data, drifted (every third record off its documented types).
fn sandbox_records() -> Vec<Conversation> {
    let data = conversations_sandbox::Dataset::generate_drifted(
        conversations_sandbox::DEFAULT_SEED,
        conversations_sandbox::DEFAULT_DATASET_SIZE,
    );
    let mut out = Vec::new();
    for v in data.autocalls() {
        out.push(record("autocalls", &v.to_string()));
    }
    for v in data.asapp() {
        out.push(record("asapp", &v.to_string()));
    }
    out
}

/// Random Autocalls records with costs of many decimals (as numbers, numeric strings, in
/// exponent form, or off-spec: null, text, objects) and undated ASAPP-like records.
fn random_records(seed: u64, n: usize) -> Vec<Conversation> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let names = ["Support", "Sales", "Billing", "Ops", "Überbot", "Ventes ☎"];
    let mut out = Vec::new();
    for i in 0..n {
        if rng.random_ratio(1, 12) {
            out.push(record(
                "asapp",
                &format!(r#"{{"id":"as-{i}","customer":{{"externalId":"x{i}"}}}}"#),
            ));
            continue;
        }
        let units: u64 = rng.random_range(0..10_000_000_000);
        let cost = match rng.random_range(0..10) {
            0 => format!(
                "\"{}.{:010}\"",
                units / 10_000_000_000,
                units % 10_000_000_000
            ),
            1 => "null".to_owned(),
            2 => "\"n/a\"".to_owned(),
            3 => format!("{}e-6", units % 1_000_000),
            4 => "{\"amount\":1}".to_owned(),
            5 => format!("0.{:017}", units),
            _ => format!("0.{:04}", units % 10_000),
        };
        let messages = match rng.random_range(0..8) {
            0 => format!("\"{}\"", rng.random_range(0..50)),
            1 => "\"many\"".to_owned(),
            2 => "null".to_owned(),
            _ => rng.random_range(0..50).to_string(),
        };
        let at = Utc
            .timestamp_opt(1_735_000_000 + rng.random_range(0..40_000_000), 0)
            .unwrap();
        let created = if rng.random_bool(0.2) {
            at.to_rfc3339()
        } else {
            at.format("%Y-%m-%d %H:%M:%S").to_string()
        };
        let assistant = if rng.random_ratio(1, 10) {
            "null".to_owned()
        } else {
            serde_json::to_string(names[rng.random_range(0..names.len())]).unwrap()
        };
        out.push(record(
            "autocalls",
            &format!(
                r#"{{"id":"ac-{i}","assistant_id":"a-{}","assistant_name":{assistant},"type":"api","variables":null,"message_count":{messages},"total_cost":{cost},"ai_enabled":true,"created_at":"{created}","updated_at":"{created}"}}"#,
                rng.random_range(0..3)
            ),
        ));
    }
    out
}

async fn figures_equal_raw(db: Db, records: Vec<Conversation>, options: Options) {
    db.fill(records).await;
    let cost = db.report(View::Cost, &options).await;
    let volume = db.report(View::Volume, &options).await;
    let raws = db.raws().await;
    let (per, tz) = (options.per, options.tz);
    let want = expected(&raws, |t| reference_label(per, t, tz));
    assert!(!want.cells.is_empty());
    assert_eq!(shown(&cost, &volume), want);
    // Each period's total is the sum of its groups.
    for p in cost.periods.iter().chain(&volume.periods) {
        let sum: Decimal = p.groups.iter().map(|g| g[0].value).sum();
        assert_eq!(p.total[0].value, sum, "{}", p.period);
    }
}

/// A period's label computed apart from the report's own code.
fn reference_label(per: Per, t: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    let local = t.with_timezone(&tz);
    match per {
        Per::Day => format!(
            "{:04}-{:02}-{:02}",
            local.year(),
            local.month(),
            local.day()
        ),
        Per::Week => {
            let w = local.iso_week();
            format!("{:04}-W{:02}", w.year(), w.week())
        }
        Per::Month => format!("{:04}-{:02}", local.year(), local.month()),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_data_sqlite() {
    figures_equal_raw(Db::sqlite(), sandbox_records(), Options::new()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_data_postgres() {
    figures_equal_raw(
        Db::postgres("sandbox").await,
        sandbox_records(),
        Options::new(),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn random_data_sqlite() {
    let options = Options::new()
        .per(Per::Week)
        .tz("America/New_York")
        .unwrap();
    figures_equal_raw(Db::sqlite(), random_records(7, 1500), options).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn random_data_postgres() {
    let options = Options::new()
        .per(Per::Week)
        .tz("America/New_York")
        .unwrap();
    figures_equal_raw(
        Db::postgres("random").await,
        random_records(7, 1500),
        options,
    )
    .await;
}

/// Both databases give the same reports, byte for byte as JSON.
#[tokio::test(flavor = "multi_thread")]
async fn sqlite_and_postgres_agree() {
    let records = random_records(11, 800);
    let (lite, pg) = (Db::sqlite(), Db::postgres("agree").await);
    lite.fill(records.clone()).await;
    pg.fill(records).await;
    for per in [Per::Day, Per::Week, Per::Month] {
        let options = Options::new().per(per).tz("Asia/Kolkata").unwrap().top(3);
        for view in View::ALL {
            let a = conversations_report::render(
                &[lite.report(view, &options).await],
                conversations_report::Format::Json,
            )
            .unwrap();
            let b = conversations_report::render(
                &[pg.report(view, &options).await],
                conversations_report::Format::Json,
            )
            .unwrap();
            assert_eq!(
                String::from_utf8(a).unwrap(),
                String::from_utf8(b).unwrap(),
                "{view:?} {per:?}"
            );
        }
    }
}

fn at(text: &str) -> String {
    text.to_owned()
}

fn dated(id: &str, name: &str, cost: &str, created: &str) -> Conversation {
    record(
        "autocalls",
        &format!(
            r#"{{"id":"{id}","assistant_id":"a","assistant_name":"{name}","type":"api","variables":null,"message_count":1,"total_cost":{cost},"ai_enabled":true,"created_at":"{created}","updated_at":"{created}"}}"#
        ),
    )
}

async fn edges(db: Db) {
    let mut records = vec![
        // Europe/Paris goes from +01:00 to +02:00 at 2025-03-30 01:00 UTC: its 30 March is
        // 22 hours long in UTC terms (29 March 23:00 to 30 March 22:00).
        dated("d1", "A", "0.10", "2025-03-29 22:59:59"), // 29 March in Paris
        dated("d2", "A", "0.20", "2025-03-29 23:00:00"), // 30 March
        dated("d3", "A", "0.30", "2025-03-30 21:59:59"), // 30 March
        dated("d4", "A", "0.40", "2025-03-30 22:00:00"), // 31 March
        // ISO weeks across a year boundary (UTC noon, in Paris the same day).
        dated("w1", "B", "1", "2024-12-29 12:00:00"), // 2024-W52
        dated("w2", "B", "2", "2024-12-30 12:00:00"), // 2025-W01
        dated("w3", "B", "3", "2025-01-05 12:00:00"), // 2025-W01
        dated("w4", "B", "4", "2021-01-03 12:00:00"), // 2020-W53
    ];
    for i in 0..3 {
        records.push(record("asapp", &format!(r#"{{"id":"u{i}"}}"#)));
    }
    db.fill(records).await;
    let paris = Options::new().tz("Europe/Paris").unwrap();
    let day = db.report(View::Cost, &paris).await;
    let days: Vec<(String, String)> = day
        .periods
        .iter()
        .map(|p| (p.period.clone(), p.total[0].to_string()))
        .collect();
    assert!(days.contains(&(at("2025-03-29"), at("0.10"))), "{days:?}");
    assert!(days.contains(&(at("2025-03-30"), at("0.50"))), "{days:?}");
    assert!(days.contains(&(at("2025-03-31"), at("0.40"))), "{days:?}");
    // The footer: the undated ASAPP rows, in no period.
    assert_eq!(day.undated.get("asapp"), Some(&3));
    assert_eq!(
        day.footer(),
        "not in any period (no creation time): asapp 3 rows"
    );
    let json = String::from_utf8(
        conversations_report::render(&[day], conversations_report::Format::Json).unwrap(),
    )
    .unwrap();
    assert!(
        json.contains("\"undated\": {\n        \"asapp\": 3\n      }"),
        "{json}"
    );

    let weeks = db.report(View::Cost, &paris.clone().per(Per::Week)).await;
    let labels: Vec<(&str, String)> = weeks
        .periods
        .iter()
        .map(|p| (p.period.as_str(), p.total[0].to_string()))
        .collect();
    for want in [
        ("2020-W53", "4.00"),
        ("2024-W52", "1.00"),
        ("2025-W01", "5.00"),
        ("2025-W13", "0.60"),
        ("2025-W14", "0.40"),
    ] {
        assert!(
            labels.contains(&(want.0, want.1.to_owned())),
            "{want:?} in {labels:?}"
        );
    }
    // --since is inclusive, --until exclusive; undated rows are still counted.
    let window = paris
        .clone()
        .since(Utc.with_ymd_and_hms(2025, 3, 29, 23, 0, 0).unwrap())
        .until(Utc.with_ymd_and_hms(2025, 3, 30, 22, 0, 0).unwrap());
    let one = db.report(View::Cost, &window).await;
    assert_eq!(one.periods.len(), 1);
    assert_eq!(one.periods[0].period, "2025-03-30");
    assert_eq!(one.periods[0].total[0].to_string(), "0.50");
    assert_eq!(one.undated.get("asapp"), Some(&3));
}

#[tokio::test(flavor = "multi_thread")]
async fn dst_weeks_window_and_footer_sqlite() {
    edges(Db::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn dst_weeks_window_and_footer_postgres() {
    edges(Db::postgres("edges").await).await;
}

async fn top(db: Db) {
    let mut records = Vec::new();
    for (i, (name, cost)) in [("A", "5"), ("B", "4"), ("C", "3"), ("D", "2"), ("E", "1")]
        .iter()
        .enumerate()
    {
        records.push(dated(&format!("t{i}"), name, cost, "2025-05-01 10:00:00"));
        records.push(dated(&format!("s{i}"), name, "0.5", "2025-05-02 10:00:00"));
    }
    db.fill(records).await;
    let r = db.report(View::Cost, &Options::new().top(2)).await;
    assert_eq!(r.groups, ["A", "B", "other"]);
    let first: Vec<String> = r.periods[0]
        .groups
        .iter()
        .map(|g| g[0].to_string())
        .collect();
    assert_eq!(first, ["5.0", "4.0", "6.0"]);
    assert_eq!(r.periods[0].total[0].to_string(), "15.0");
    assert_eq!(r.totals[0].to_string(), "17.5");
    let all = db.report(View::Cost, &Options::new()).await;
    assert_eq!(all.groups, ["A", "B", "C", "D", "E"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn top_sums_the_rest_as_other_sqlite() {
    top(Db::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn top_sums_the_rest_as_other_postgres() {
    top(Db::postgres("top").await).await;
}

/// Notes: per provider and field, equal to the fields the raw records hold off their
/// documented types (the sandbox's drift: a numeric-string total_cost, and others).
async fn notes(db: Db) {
    db.fill(sandbox_records()).await;
    let notes = db
        .report(View::Notes, &Options::new().per(Per::Month))
        .await;
    let raws = db.raws().await;
    let strings = raws
        .iter()
        .filter(|(p, raw)| {
            p == "autocalls"
                && serde_json::from_str::<serde_json::Value>(raw).unwrap()["total_cost"].is_string()
        })
        .count() as u64;
    assert!(strings > 0);
    let at = notes
        .groups
        .iter()
        .position(|g| g == "autocalls total_cost")
        .unwrap();
    let shown: Decimal = notes.periods.iter().map(|p| p.groups[at][0].value).sum();
    assert_eq!(shown, Decimal::from(strings));
    // ASAPP's records have no creation time: counted in the footer, once each.
    let asapp = raws.iter().filter(|(p, _)| p == "asapp").count() as u64;
    assert_eq!(notes.undated.get("asapp"), Some(&asapp));
}

#[tokio::test(flavor = "multi_thread")]
async fn notes_sqlite() {
    notes(Db::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn notes_postgres() {
    notes(Db::postgres("notes").await).await;
}
