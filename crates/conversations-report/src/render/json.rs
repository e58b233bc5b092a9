//! JSON: `{"reports": [...]}`, one object per view: its settings, `groups` (largest first),
//! `periods` (each with `records`, its `total` and each group's figures, by measure name),
//! the whole report's `totals`, and `undated` (rows without a creation time, per provider).
//! Money is an exact decimal string (`"0.1295"`: a JSON number would be read as a float),
//! counts are numbers.

use serde_json::{Map, Value, json};

use crate::error::ReportError;
use crate::report::{Amount, Report};

pub(super) fn json(reports: &[Report]) -> Result<Vec<u8>, ReportError> {
    let reports: Vec<Value> = reports.iter().map(report).collect();
    let mut out = serde_json::to_vec_pretty(&json!({ "reports": reports }))
        .map_err(|e| ReportError::Io(e.into()))?;
    out.push(b'\n');
    Ok(out)
}

fn figures(report: &Report, amounts: &[Amount]) -> Value {
    let mut m = Map::new();
    for (name, a) in report.measures.iter().zip(amounts) {
        m.insert(
            (*name).to_owned(),
            serde_json::to_value(a).unwrap_or(Value::Null),
        );
    }
    Value::Object(m)
}

fn report(r: &Report) -> Value {
    let periods: Vec<Value> = r
        .periods
        .iter()
        .map(|p| {
            let mut groups = Map::new();
            for (g, f) in r.groups.iter().zip(&p.groups) {
                if f.iter().any(|a| !a.value.is_zero()) {
                    groups.insert(g.clone(), figures(r, f));
                }
            }
            json!({
                "period": p.period,
                "records": p.records,
                "total": figures(r, &p.total),
                "groups": groups,
            })
        })
        .collect();
    json!({
        "view": r.view,
        "title": r.title(),
        "by": r.by,
        "per": r.per,
        "tz": r.tz,
        "since": r.since,
        "until": r.until,
        "measures": r.measures,
        "groups": r.groups,
        "periods": periods,
        "totals": figures(r, &r.totals),
        "undated": r.undated,
    })
}
