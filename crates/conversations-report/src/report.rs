//! A view's figures as a table: periods in order, each with its total and its groups' figures
//! (the largest groups first; with `--top N`, the rest summed as `other`), and the rows
//! without a creation time counted per provider.

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;
use serde::Serialize;

use crate::answer::Answer;
use crate::money::{decimals, show};
use crate::options::{Options, View};
use crate::period::Per;

/// The label of the groups summed together past `--top N`.
pub const OTHER: &str = "other";
/// The label of a group without a value (a conversation with no assistant, say).
pub const NONE: &str = "(none)";

/// One view's report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The view.
    pub view: View,
    /// What the groups are: `assistant`, `channel`, `provider`, `source`; `field` for notes.
    pub by: String,
    /// The periods' length.
    pub per: Per,
    /// The time zone periods are counted in.
    pub tz: String,
    /// First instant included (RFC 3339), if bounded.
    pub since: Option<String>,
    /// First instant left out (RFC 3339), if bounded.
    pub until: Option<String>,
    /// What each figure measures, in order: `cost`; `conversations`, `messages`; `fields`.
    pub measures: Vec<&'static str>,
    /// The groups, largest total first (`other` last).
    pub groups: Vec<String>,
    /// The periods, oldest first.
    pub periods: Vec<Period>,
    /// The whole report's totals, one per measure.
    pub totals: Vec<Amount>,
    /// Rows without a creation time, per provider: in no period.
    pub undated: BTreeMap<String, u64>,
}

/// One period of a report.
#[derive(Debug, Clone, Serialize)]
pub struct Period {
    /// `2025-01-31`, `2025-W05` or `2025-01`.
    pub period: String,
    /// Conversations created in the period.
    pub records: u64,
    /// The period's totals, one per measure.
    pub total: Vec<Amount>,
    /// Each group's figures, in [`Report::groups`]' order (zero where it had none).
    pub groups: Vec<Vec<Amount>>,
}

/// An exact figure and the number of decimals to show it with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amount {
    /// The exact value.
    pub value: Decimal,
    /// Decimals to show (the provider's precision for money, 0 for counts).
    pub scale: u32,
}

impl Amount {
    fn new(value: Decimal, scale: u32) -> Self {
        Self { value, scale }
    }
}

impl std::fmt::Display for Amount {
    /// ```
    /// use conversations_report::Amount;
    /// let a = Amount { value: "0.13".parse().unwrap(), scale: 4 };
    /// assert_eq!(a.to_string(), "0.1300");
    /// ```
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&show(self.value, self.scale))
    }
}

impl Serialize for Amount {
    /// Money as a string holding the exact decimal (a JSON number would be read as a float);
    /// counts as whole numbers.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.scale == 0 && self.value.fract().is_zero() {
            match u64::try_from(self.value) {
                Ok(n) => s.serialize_u64(n),
                Err(_) => s.serialize_str(&self.to_string()),
            }
        } else {
            s.serialize_str(&self.to_string())
        }
    }
}

impl Report {
    /// The unit of the first measure, for titles and axes.
    pub fn unit(&self) -> &'static str {
        match self.view {
            View::Cost => "cost (as billed by the provider)",
            View::Volume => "conversations",
            View::Notes => "fields off their documented type",
        }
    }

    /// The report's title: `Cost by assistant per day (UTC)`.
    pub fn title(&self) -> String {
        let what = match self.view {
            View::Cost => "Cost",
            View::Volume => "Conversations and messages",
            View::Notes => "Fields off their documented types",
        };
        let by = if self.view == View::Notes {
            "provider and field"
        } else {
            &self.by
        };
        format!("{what} by {by} per {} ({})", self.per.name(), self.tz)
    }

    /// The footer line: rows without a creation time, per provider (empty when none).
    ///
    /// ```
    /// # use conversations_report::{Options, View};
    /// # let mut r = conversations_report::report::empty(View::Cost, &Options::new());
    /// r.undated.insert("asapp".into(), 12);
    /// assert_eq!(r.footer(), "not in any period (no creation time): asapp 12 rows");
    /// ```
    pub fn footer(&self) -> String {
        if self.undated.is_empty() {
            return String::new();
        }
        let parts: Vec<String> = self
            .undated
            .iter()
            .map(|(p, n)| format!("{p} {n} row{}", if *n == 1 { "" } else { "s" }))
            .collect();
        format!("not in any period (no creation time): {}", parts.join(", "))
    }
}

/// A report of `view` with no figures yet.
pub fn empty(view: View, options: &Options) -> Report {
    Report {
        view,
        by: if view == View::Notes {
            "field".to_owned()
        } else {
            options.by.name().to_owned()
        },
        per: options.per,
        tz: options.tz.name().to_owned(),
        since: options.since.map(|t| t.to_rfc3339()),
        until: options.until.map(|t| t.to_rfc3339()),
        measures: match view {
            View::Cost => vec!["cost"],
            View::Volume => vec!["conversations", "messages"],
            View::Notes => vec!["fields"],
        },
        groups: Vec::new(),
        periods: Vec::new(),
        totals: Vec::new(),
        undated: BTreeMap::new(),
    }
}

/// The report from a view's answer.
pub(crate) fn build(view: View, options: &Options, answers: Vec<Answer>) -> Report {
    let mut report = empty(view, options);
    let width = report.measures.len();
    // Decimals to show money with: as many as the providers sent.
    let scale = if view == View::Cost {
        answers
            .iter()
            .filter_map(|a| a.sum.as_ref().map(decimals))
            .max()
            .unwrap_or(2)
    } else {
        0
    };
    // (period, group) -> figures; period -> records.
    let mut cells: BTreeMap<String, HashMap<String, Vec<Decimal>>> = BTreeMap::new();
    let mut records: BTreeMap<String, u64> = BTreeMap::new();
    for a in answers {
        let Some(period) = a.period else {
            // The notes view counts each record once in its `NULL` row.
            if view != View::Notes || a.group.is_none() {
                *report.undated.entry(a.provider).or_default() += a.rows;
            }
            continue;
        };
        let figures: Vec<Decimal> = match view {
            View::Cost => vec![a.sum.unwrap_or_default()],
            View::Volume => vec![Decimal::from(a.rows), a.sum.unwrap_or_default()],
            View::Notes => vec![Decimal::from(a.rows)],
        };
        let group = match (view, a.group) {
            (View::Notes, None) => {
                *records.entry(period.clone()).or_default() += a.rows;
                cells.entry(period).or_default();
                continue;
            }
            (View::Notes, Some(field)) => {
                let field = if field.is_empty() { "(record)" } else { &field };
                format!("{} {field}", a.provider)
            }
            (_, group) => {
                *records.entry(period.clone()).or_default() += a.rows;
                group.unwrap_or_else(|| NONE.to_owned())
            }
        };
        let cell = cells
            .entry(period)
            .or_default()
            .entry(group)
            .or_insert_with(|| vec![Decimal::ZERO; width]);
        for (c, f) in cell.iter_mut().zip(figures) {
            *c += f;
        }
    }
    // Groups by their total of the first measure, largest first, then by name.
    let mut totals: HashMap<&str, Decimal> = HashMap::new();
    for groups in cells.values() {
        for (g, f) in groups {
            *totals.entry(g.as_str()).or_default() += f[0];
        }
    }
    let mut ranked: Vec<(&str, Decimal)> = totals.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let kept: Vec<String> = match options.top {
        Some(n) if ranked.len() > n => ranked[..n].iter().map(|(g, _)| (*g).to_owned()).collect(),
        _ => ranked.iter().map(|(g, _)| (*g).to_owned()).collect(),
    };
    let has_other = kept.len() < ranked.len();
    let mut columns = kept.clone();
    if has_other {
        columns.push(OTHER.to_owned());
    }
    let index: HashMap<&str, usize> = kept
        .iter()
        .enumerate()
        .map(|(i, g)| (g.as_str(), i))
        .collect();
    let scales: Vec<u32> = (0..width).map(|i| if i == 0 { scale } else { 0 }).collect();
    let amounts = |v: &[Decimal]| -> Vec<Amount> {
        v.iter()
            .zip(&scales)
            .map(|(v, s)| Amount::new(*v, *s))
            .collect()
    };
    let mut grand = vec![Decimal::ZERO; width];
    for (period, groups) in &cells {
        let mut row = vec![vec![Decimal::ZERO; width]; columns.len()];
        let mut total = vec![Decimal::ZERO; width];
        for (g, f) in groups {
            let at = index.get(g.as_str()).copied().unwrap_or(columns.len() - 1);
            for i in 0..width {
                row[at][i] += f[i];
                total[i] += f[i];
            }
        }
        for i in 0..width {
            grand[i] += total[i];
        }
        report.periods.push(Period {
            period: period.clone(),
            records: records.get(period).copied().unwrap_or_default(),
            total: amounts(&total),
            groups: row.iter().map(|f| amounts(f)).collect(),
        });
    }
    report.totals = amounts(&grand);
    report.groups = columns;
    report
}
