//! What the report's tests share: databases of their own (a SQLite file, or a fresh schema
//! in the test PostgreSQL), filled by a real sync, and the reference figures computed from
//! a plain `SELECT raw` of the stored records.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, Utc};
use conversations_core::{Conversation, ConversationQuery, MemorySource, RawJson};
use conversations_report::{Database, Options, Report};
use conversations_sync::{Quiet, Store, SyncOptions, Target, sync_listing};
use rust_decimal::Decimal;
use serde_json::value::RawValue;

/// Where the tests' PostgreSQL is.
pub fn pg_url() -> String {
    std::env::var("CONVERSATIONS_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A database of the test's own.
pub struct Db {
    pub target: Target,
    pub schema: Option<String>,
    _dir: tempfile::TempDir,
}

impl Db {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let target = format!("sqlite:{}", dir.path().join("c.db").display())
            .parse()
            .unwrap();
        Self {
            target,
            schema: None,
            _dir: dir,
        }
    }

    /// A fresh schema `report_<test>_<pid>` in the test PostgreSQL.
    pub async fn postgres(test: &str) -> Self {
        let schema = format!("report_{test}_{}", std::process::id());
        let (client, conn) = tokio_postgres::connect(&pg_url(), tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| {
                panic!("PostgreSQL is not reachable at {} ({e}): start it (see .ci/run) or set CONVERSATIONS_TEST_PG", pg_url())
            });
        tokio::spawn(conn);
        client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
            .await
            .unwrap();
        Self {
            target: pg_url().parse().unwrap(),
            schema: Some(schema),
            _dir: tempfile::tempdir().unwrap(),
        }
    }

    pub async fn store(&self) -> Store {
        match &self.schema {
            Some(s) => Store::open_in_schema(&self.target, s).await.unwrap(),
            None => Store::open(&self.target).await.unwrap(),
        }
    }

    /// Syncs `records` (grouped by provider) in, as `conversations sync` would.
    pub async fn fill(&self, records: Vec<Conversation>) {
        let store = self.store().await;
        let mut by_provider: BTreeMap<String, Vec<Conversation>> = BTreeMap::new();
        for c in records {
            by_provider
                .entry(c.provider.to_string())
                .or_default()
                .push(c);
        }
        for (provider, items) in by_provider {
            let source: Arc<dyn conversations_core::ConversationSource> =
                Arc::new(MemorySource::new(provider, items));
            let (_tx, interrupt) = tokio::sync::watch::channel(false);
            sync_listing(
                &store,
                source,
                ConversationQuery::new(),
                &SyncOptions::default(),
                &mut Quiet,
                interrupt,
            )
            .await
            .unwrap();
        }
    }

    pub async fn report(&self, view: conversations_report::View, options: &Options) -> Report {
        Database::open(&self.target, self.schema.as_deref())
            .await
            .unwrap()
            .report(view, options)
            .await
            .unwrap()
    }

    /// Every stored record's provider and raw text, by a plain query.
    pub async fn raws(&self) -> Vec<(String, String)> {
        let store = self.store().await;
        let sql = match self.target {
            Target::Sqlite(_) => "SELECT provider, raw FROM conversations",
            Target::Postgres(_) => "SELECT provider, raw::text FROM conversations",
        };
        store
            .read_text(sql, &[])
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r[0].clone().unwrap(), r[1].clone().unwrap()))
            .collect()
    }
}

/// A record from its raw text, normalized as its provider's client does, the raw text kept
/// byte for byte.
pub fn record(provider: &str, raw: &str) -> Conversation {
    let value: serde_json::Value = serde_json::from_str(raw).unwrap();
    let mut c = match provider {
        "autocalls" => autocalls_api::normalize(&value),
        "asapp" => asapp_gen::normalize(&value),
        _ => Conversation::new(provider.to_owned(), RawJson::parse(raw).unwrap()),
    };
    c.raw = RawJson::parse(raw).unwrap();
    c
}

/// A top-level field's text exactly as stored (a number's digits, a string with quotes).
pub fn field<'a>(fields: &'a HashMap<String, &'a RawValue>, name: &str) -> Option<&'a str> {
    fields.get(name).map(|v| v.get())
}

/// A value as the report counts it: a JSON number, or a string holding one.
pub fn amount(text: Option<&str>) -> Option<Decimal> {
    let text = text?;
    let inner = match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(s) => s.to_owned(),
        None => text.to_owned(),
    };
    let ok = inner
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '-' | '.' | 'e' | 'E' | '+'))
        && inner
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == '-')
        && inner.chars().last().is_some_and(|c| c.is_ascii_digit())
        && !inner.contains("..")
        && !inner.contains(".e")
        && !inner.contains(".E");
    if !ok {
        return None;
    }
    if inner.contains(['e', 'E']) {
        Decimal::from_scientific(&inner).ok()
    } else {
        inner.parse().ok()
    }
}

/// `created_at` of a raw Autocalls record (`YYYY-MM-DD HH:MM:SS` in UTC, or RFC 3339).
pub fn created(text: Option<&str>) -> Option<DateTime<Utc>> {
    let s: String = serde_json::from_str(text?).ok()?;
    NaiveDateTime::parse_from_str(&s, "%Y-%m-%d %H:%M:%S")
        .map(|t| t.and_utc())
        .or_else(|_| DateTime::parse_from_rfc3339(&s).map(|t| t.with_timezone(&Utc)))
        .ok()
}

/// The figures a report must show, from raw records: per (period, assistant) the number of
/// records, the exact cost and message sums; the undated rows per provider.
#[derive(Debug, Default, PartialEq)]
pub struct Expected {
    pub cells: BTreeMap<(String, String), (u64, Decimal, Decimal)>,
    pub undated: BTreeMap<String, u64>,
}

/// The expected figures by assistant, periods labelled by `label`.
pub fn expected(raws: &[(String, String)], label: impl Fn(DateTime<Utc>) -> String) -> Expected {
    let mut e = Expected::default();
    for (provider, raw) in raws {
        let fields: HashMap<String, &RawValue> = serde_json::from_str(raw).unwrap_or_default();
        let Some(at) = created(field(&fields, "created_at")) else {
            *e.undated.entry(provider.clone()).or_default() += 1;
            continue;
        };
        // The assistant's name, else its id (as the report groups them).
        let name = ["assistant_name", "assistant_id"]
            .iter()
            .find_map(|f| field(&fields, f).and_then(|t| serde_json::from_str::<String>(t).ok()))
            .unwrap_or_else(|| "(none)".to_owned());
        let cell = e.cells.entry((label(at), name)).or_default();
        cell.0 += 1;
        cell.1 += amount(field(&fields, "total_cost")).unwrap_or_default();
        cell.2 += amount(field(&fields, "message_count")).unwrap_or_default();
    }
    e
}

/// What the cost and volume reports (by assistant, no --top) show, in [`Expected`]'s shape.
pub fn shown(cost: &Report, volume: &Report) -> Expected {
    let mut e = Expected::default();
    for p in &cost.periods {
        for (g, f) in cost.groups.iter().zip(&p.groups) {
            if !f[0].value.is_zero() {
                e.cells.entry((p.period.clone(), g.clone())).or_default().1 = f[0].value;
            }
        }
    }
    for p in &volume.periods {
        for (g, f) in volume.groups.iter().zip(&p.groups) {
            if f[0].value.is_zero() {
                continue;
            }
            let cell = e.cells.entry((p.period.clone(), g.clone())).or_default();
            cell.0 = u64::try_from(f[0].value).unwrap();
            cell.2 = f[1].value;
        }
    }
    e.undated = volume.undated.clone();
    e
}
