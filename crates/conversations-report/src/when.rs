//! `--since` / `--until` values: a date (`2025-01-31`, midnight in the report's time zone), a
//! date-time (`2025-01-31T12:00`, with or without seconds, an offset or `Z`; without one, in
//! the report's time zone) or a duration back from now (`30d`, `12h`, `1w`).

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::error::ReportError;

/// Reads a WHEN value as an instant, in `tz` when it names no offset, `now` for durations.
/// Instants are kept to the second (a duration's fraction is dropped).
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use conversations_report::when::parse_when;
/// let now = Utc.with_ymd_and_hms(2025, 3, 31, 12, 0, 0).unwrap();
/// let paris: chrono_tz::Tz = "Europe/Paris".parse().unwrap();
/// assert_eq!(parse_when("--since", "30d", paris, now).unwrap().to_rfc3339(), "2025-03-01T12:00:00+00:00");
/// assert_eq!(parse_when("--since", "2025-03-30", paris, now).unwrap().to_rfc3339(), "2025-03-29T23:00:00+00:00");
/// assert_eq!(parse_when("--until", "2025-03-30T12:00Z", paris, now).unwrap().to_rfc3339(), "2025-03-30T12:00:00+00:00");
/// assert!(parse_when("--since", "last week", paris, now).unwrap_err().to_string().starts_with("--since: "));
/// ```
pub fn parse_when(
    option: &'static str,
    text: &str,
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, ReportError> {
    let text = text.trim();
    let bad = |reason: String| ReportError::BadOption { option, reason };
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
        return local(midnight, tz).ok_or_else(|| bad(format!("{text} has no midnight in {tz}")));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M%#z",
        "%Y-%m-%d %H:%M:%S%#z",
        "%Y-%m-%d %H:%M%#z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(&text.replace('Z', "+00:00"), format) {
            return Ok(t.with_timezone(&Utc));
        }
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return local(t, tz).ok_or_else(|| bad(format!("{text} does not exist in {tz}")));
        }
    }
    match humantime::parse_duration(text) {
        Ok(back) => chrono::Duration::from_std(back)
            .ok()
            .and_then(|back| now.checked_sub_signed(back))
            .map(|t| t.with_nanosecond_zero())
            .ok_or_else(|| bad(format!("{text} reaches before any date"))),
        Err(_) => Err(bad(format!(
            "{text:?} is not a date (2025-01-31), a date-time (2025-01-31T12:00, \
             2025-01-31T12:00:00Z) or a duration back from now (30d, 12h)"
        ))),
    }
}

/// The instant a local wall-clock time names in `tz`: the earlier one when it happens twice
/// (clocks going back), the first instant after the gap when it never happens.
fn local(t: NaiveDateTime, tz: Tz) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&t) {
        chrono::LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        chrono::LocalResult::Ambiguous(early, _) => Some(early.with_timezone(&Utc)),
        chrono::LocalResult::None => (1..=180)
            .filter_map(|m| {
                tz.from_local_datetime(&(t + chrono::Duration::minutes(m)))
                    .earliest()
            })
            .next()
            .map(|t| t.with_timezone(&Utc)),
    }
}

trait Whole {
    fn with_nanosecond_zero(self) -> Self;
}

impl Whole for DateTime<Utc> {
    fn with_nanosecond_zero(self) -> Self {
        chrono::Timelike::with_nanosecond(&self, 0).unwrap_or(self)
    }
}
