//! Autocalls timestamps: `2025-01-25 14:30:00` (no zone, taken as UTC) or RFC 3339.
//!
//! The vendor page shows `created_at` and `updated_at` as `YYYY-MM-DD HH:MM:SS` without a
//! time zone. The SDK assumes those are UTC (Laravel's default `app.timezone`). Values in
//! RFC 3339 (`2025-01-25T14:30:00Z`, `2025-01-25T16:30:00+02:00`) are accepted too and
//! converted to UTC. Anything else is an error naming the field.

use chrono::{DateTime, NaiveDate, Utc};

/// Why a timestamp could not be read: which field, which value.
///
/// ```
/// let err = autocalls_api::timestamp::parse("created_at", "yesterday").unwrap_err();
/// assert_eq!(err.field, "created_at");
/// assert!(err.to_string().starts_with("created_at: \"yesterday\" is not a timestamp"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{field}: {value:?} is not a timestamp (expected `YYYY-MM-DD HH:MM:SS`, taken as UTC, or RFC 3339)"
)]
pub struct TimestampError {
    /// The field that held the value.
    pub field: String,
    /// The value, as received.
    pub value: String,
}

/// Parses an Autocalls timestamp into UTC; `field` names the field in the error.
///
/// `2025-01-25 14:30:00` (the documented form, no zone) is taken as UTC; RFC 3339 values are
/// converted to UTC.
///
/// ```
/// use autocalls_api::timestamp::parse;
///
/// let documented = parse("created_at", "2025-01-25 14:30:00").unwrap();
/// assert_eq!(documented.to_rfc3339(), "2025-01-25T14:30:00+00:00");
/// let rfc3339 = parse("created_at", "2025-01-25T16:30:00+02:00").unwrap();
/// assert_eq!(rfc3339, documented);
/// assert!(parse("updated_at", "25/01/2025").is_err());
/// ```
pub fn parse(field: &str, value: &str) -> Result<DateTime<Utc>, TimestampError> {
    parse_utc(value).ok_or_else(|| TimestampError {
        field: field.to_owned(),
        value: value.to_owned(),
    })
}

/// Parses an Autocalls timestamp into UTC, or `None`: the documented layout is read by
/// position (no format string), RFC 3339 by chrono.
///
/// ```
/// use autocalls_api::timestamp::parse_utc;
/// assert_eq!(parse_utc("2025-01-25 14:30:00").unwrap().to_rfc3339(), "2025-01-25T14:30:00+00:00");
/// assert_eq!(parse_utc("2025-01-25 14:30:00.25").unwrap().timestamp_subsec_millis(), 250);
/// assert!(parse_utc("2025-02-30 00:00:00").is_none());
/// ```
pub fn parse_utc(value: &str) -> Option<DateTime<Utc>> {
    documented(value.as_bytes()).or_else(|| {
        DateTime::parse_from_rfc3339(value)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    })
}

/// `YYYY-MM-DD HH:MM:SS` with an optional `.fraction` (up to nanoseconds), read by position.
fn documented(b: &[u8]) -> Option<DateTime<Utc>> {
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b' '
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            let mut n = 0u32;
            for &d in digits {
                if !d.is_ascii_digit() {
                    return None;
                }
                n = n * 10 + u32::from(d - b'0');
            }
            n * 10u32.pow(9 - digits.len() as u32)
        }
        _ => return None,
    };
    let year = i32::try_from(num(0..4)?).ok()?;
    NaiveDate::from_ymd_opt(year, num(5..7)?, num(8..10)?)?
        .and_hms_nano_opt(num(11..13)?, num(14..16)?, num(17..19)?, nanos)
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_documented_and_rfc3339_forms() {
        let t = parse("f", "2025-01-25 14:45:22").unwrap();
        assert_eq!(t.to_rfc3339(), "2025-01-25T14:45:22+00:00");
        assert_eq!(
            parse("f", "2025-01-25 14:45:22.5")
                .unwrap()
                .timestamp_subsec_millis(),
            500
        );
        assert_eq!(parse("f", "2025-01-25T14:45:22Z").unwrap(), t);
        assert_eq!(parse("f", "2025-01-25T14:45:22.000000Z").unwrap(), t);
    }

    #[test]
    fn refuses_everything_else() {
        for bad in [
            "",
            "2025-01-25",
            "2025-13-01 00:00:00",
            "14:30:00",
            "2025-01-25 14:30",
            "1737815400",
        ] {
            let err = parse("updated_at", bad).unwrap_err();
            assert_eq!(err.field, "updated_at", "{bad}");
        }
    }
}
