//! Time buckets: local days in the report's time zone (`2025-01-31`), ISO weeks (`2025-W05`,
//! the week's year being its Thursday's) and calendar months (`2025-01`).

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;

/// How long each period of a report is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Per {
    /// A local day (midnight to midnight in the time zone: 23 or 25 hours across a DST change).
    Day,
    /// An ISO week, Monday to Sunday, labelled `2025-W01`.
    Week,
    /// A calendar month, labelled `2025-01`.
    Month,
}

impl Per {
    /// The period `t` falls in, seen in `tz`.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use conversations_report::Per;
    /// let t = Utc.with_ymd_and_hms(2024, 12, 30, 23, 30, 0).unwrap();
    /// let utc: chrono_tz::Tz = "UTC".parse().unwrap();
    /// let tokyo: chrono_tz::Tz = "Asia/Tokyo".parse().unwrap();
    /// assert_eq!(Per::Day.label(t, utc), "2024-12-30");
    /// assert_eq!(Per::Day.label(t, tokyo), "2024-12-31");
    /// assert_eq!(Per::Week.label(t, utc), "2025-W01");
    /// assert_eq!(Per::Month.label(t, utc), "2024-12");
    /// ```
    pub fn label(self, t: DateTime<Utc>, tz: Tz) -> String {
        let local = t.with_timezone(&tz);
        match self {
            Per::Day => local.format("%Y-%m-%d").to_string(),
            Per::Week => {
                let week = local.iso_week();
                format!("{:04}-W{:02}", week.year(), week.week())
            }
            Per::Month => local.format("%Y-%m").to_string(),
        }
    }

    /// The word used in titles: `day`, `week`, `month`.
    pub fn name(self) -> &'static str {
        match self {
            Per::Day => "day",
            Per::Week => "week",
            Per::Month => "month",
        }
    }

    /// PostgreSQL's `to_char` pattern giving the same labels as [`label`](Self::label).
    pub(crate) fn pg_pattern(self) -> &'static str {
        match self {
            Per::Day => "YYYY-MM-DD",
            Per::Week => "IYYY-\"W\"IW",
            Per::Month => "YYYY-MM",
        }
    }
}

impl std::str::FromStr for Per {
    type Err = crate::ReportError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "day" => Ok(Per::Day),
            "week" => Ok(Per::Week),
            "month" => Ok(Per::Month),
            _ => Err(crate::ReportError::BadOption {
                option: "--per",
                reason: format!("{s:?} is not day, week or month"),
            }),
        }
    }
}
