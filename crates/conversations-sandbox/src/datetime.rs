//! The Autocalls timestamp format, `"2025-01-25 14:30:00"` (UTC, no zone designator).
//!
//! The calendar arithmetic is chrono's; this module adds the fixed-width shape check that
//! cursors rely on and an allocation-free formatter for generation's hot loop.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};

/// Days from 0001-01-01 (chrono's day 1) to 1970-01-01.
const DAYS_TO_EPOCH: i32 = 719_163;

/// The format every timestamp the sandbox serves has.
const FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// The instant `unix_seconds` (UTC), clamped into what chrono can represent.
fn instant(unix_seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(unix_seconds, 0).unwrap_or(if unix_seconds < 0 {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    })
}

/// Formats Unix seconds (UTC) as `YYYY-MM-DD HH:MM:SS` (years past 9999 get more digits).
pub(crate) fn format_timestamp(unix_seconds: i64) -> String {
    match timestamp_bytes(unix_seconds) {
        Some(bytes) => bytes.iter().map(|b| char::from(*b)).collect(),
        None => {
            let t = instant(unix_seconds);
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            )
        }
    }
}

/// [`format_timestamp`] without allocating, for years 0 to 9999 (`None` outside them, where
/// the text is not 19 bytes wide).
pub(crate) fn timestamp_bytes(unix_seconds: i64) -> Option<[u8; 19]> {
    // The date from chrono; the time of day is a remainder.
    let days = i32::try_from(unix_seconds.div_euclid(86_400)).ok()?;
    let secs = unix_seconds.rem_euclid(86_400) as u32;
    let date = NaiveDate::from_num_days_from_ce_opt(days.checked_add(DAYS_TO_EPOCH)?)?;
    let year = date.year();
    if !(0..=9999).contains(&year) {
        return None;
    }
    let mut out = *b"0000-00-00 00:00:00";
    let mut put = |at: usize, width: usize, mut value: u32| {
        for i in (at..at + width).rev() {
            if let Some(slot) = out.get_mut(i) {
                *slot = b'0' + (value % 10) as u8;
            }
            value /= 10;
        }
    };
    put(0, 4, year.unsigned_abs());
    put(5, 2, date.month());
    put(8, 2, date.day());
    put(11, 2, secs / 3600);
    put(14, 2, (secs / 60) % 60);
    put(17, 2, secs % 60);
    Some(out)
}

/// Whether `s` has exactly the `YYYY-MM-DD HH:MM:SS` shape with plausible field values.
///
/// Because every timestamp the sandbox serves has this fixed width, comparing two valid
/// timestamps as strings compares them chronologically.
pub(crate) fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 19 {
        return false;
    }
    let shape_ok = b.iter().enumerate().all(|(i, c)| match i {
        4 | 7 => *c == b'-',
        10 => *c == b' ',
        13 | 16 => *c == b':',
        _ => c.is_ascii_digit(),
    });
    if !shape_ok {
        return false;
    }
    let num = |range: std::ops::Range<usize>| -> u32 {
        b[range]
            .iter()
            .fold(0, |acc, c| acc * 10 + u32::from(c - b'0'))
    };
    let (month, day, hour, minute, second) =
        (num(5..7), num(8..10), num(11..13), num(14..16), num(17..19));
    (1..=12).contains(&month) && (1..=31).contains(&day) && hour < 24 && minute < 60 && second < 60
}

/// Parses `YYYY-MM-DD HH:MM:SS` (UTC) into Unix seconds; `None` if it is not that shape or
/// not a real date.
pub(crate) fn parse_timestamp(s: &str) -> Option<i64> {
    if !is_timestamp(s) {
        return None;
    }
    NaiveDateTime::parse_from_str(s, FORMAT)
        .ok()
        .map(|t| t.and_utc().timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_timestamp(0), "1970-01-01 00:00:00");
        assert_eq!(format_timestamp(1_737_815_400), "2025-01-25 14:30:00");
        assert_eq!(format_timestamp(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(format_timestamp(-1), "1969-12-31 23:59:59");
    }

    #[test]
    fn fast_path_agrees_with_format() {
        for t in (-90_000_000_000i64..300_000_000_000).step_by(7_777_777) {
            let slow = instant(t).format(FORMAT).to_string();
            match timestamp_bytes(t) {
                Some(_) => assert_eq!(format_timestamp(t), slow, "{t}"),
                // Outside 0..=9999 chrono writes the year with a sign and padding; ours is
                // the plain number, followed by the same month, day and time.
                None => {
                    let text = format_timestamp(t);
                    let (year, rest) = text.split_at(text.len() - 15);
                    assert_eq!(year.parse::<i32>().ok(), Some(instant(t).year()), "{t}");
                    assert_eq!(rest, &slow[slow.len() - 15..], "{t}");
                }
            }
        }
        assert_eq!(timestamp_bytes(253_402_300_800), None); // year 10000
    }

    #[test]
    fn parses_what_it_formats() {
        for t in [
            0,
            1_737_815_400,
            951_782_400,
            -1,
            1_751_305_512,
            4_102_444_799,
        ] {
            assert_eq!(parse_timestamp(&format_timestamp(t)), Some(t), "{t}");
        }
        assert_eq!(parse_timestamp("2025-01-25T14:30:00"), None);
        assert_eq!(parse_timestamp(""), None);
        // The shape is right, the date is not: chrono knows February.
        assert_eq!(parse_timestamp("2025-02-31 00:00:00"), None);
    }

    #[test]
    fn recognises_the_shape() {
        assert!(is_timestamp("2025-01-25 14:30:00"));
        assert!(!is_timestamp("2025-01-25T14:30:00"));
        assert!(!is_timestamp("2025-13-25 14:30:00"));
        assert!(!is_timestamp("2025-01-25 14:30"));
        assert!(!is_timestamp("2025-01-25 14:30:0é"));
        assert!(!is_timestamp(""));
    }
}
