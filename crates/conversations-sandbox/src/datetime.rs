//! The Autocalls timestamp format, `"2025-01-25 14:30:00"` (UTC, no zone designator).
//!
//! Only formatting from Unix seconds, parsing back and a shape check are needed, so this is a
//! few lines of civil-calendar arithmetic rather than a date-time dependency.

/// Formats Unix seconds (UTC) as `YYYY-MM-DD HH:MM:SS`.
pub(crate) fn format_timestamp(unix_seconds: i64) -> String {
    match timestamp_bytes(unix_seconds) {
        Some(bytes) => bytes.iter().map(|b| char::from(*b)).collect(),
        None => {
            let days = unix_seconds.div_euclid(86_400);
            let secs = unix_seconds.rem_euclid(86_400);
            let (year, month, day) = civil_from_days(days);
            format!(
                "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
                secs / 3600,
                (secs / 60) % 60,
                secs % 60
            )
        }
    }
}

/// [`format_timestamp`] without allocating, for years 0 to 9999 (`None` outside them, where
/// the text is not 19 bytes wide).
pub(crate) fn timestamp_bytes(unix_seconds: i64) -> Option<[u8; 19]> {
    let days = unix_seconds.div_euclid(86_400);
    let secs = unix_seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    if !(0..=9999).contains(&year) {
        return None;
    }
    let mut out = *b"0000-00-00 00:00:00";
    let mut put = |at: usize, width: usize, mut value: i64| {
        for i in (at..at + width).rev() {
            if let Some(slot) = out.get_mut(i) {
                *slot = b'0' + (value % 10) as u8;
            }
            value /= 10;
        }
    };
    put(0, 4, year);
    put(5, 2, i64::from(month));
    put(8, 2, i64::from(day));
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

/// Parses `YYYY-MM-DD HH:MM:SS` (UTC) into Unix seconds; `None` if it is not that shape.
pub(crate) fn parse_timestamp(s: &str) -> Option<i64> {
    if !is_timestamp(s) {
        return None;
    }
    let num = |range: std::ops::Range<usize>| s.get(range).and_then(|t| t.parse::<i64>().ok());
    let days = days_from_civil(num(0..4)?, num(5..7)?, num(8..10)?);
    Some(days * 86_400 + num(11..13)? * 3600 + num(14..16)? * 60 + num(17..19)?)
}

/// Howard Hinnant's `days_from_civil`: (year, month, day) to days since 1970-01-01.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400); // [0, 399]
    let mp = (month + 9) % 12; // March = 0
    let doy = (153 * mp + 2) / 5 + day - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to (year, month, day).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let m = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let year = if m <= 2 { y + 1 } else { y };
    // d and m are small and positive by construction.
    (year, m as u32, d as u32)
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
            let slow = {
                let days = t.div_euclid(86_400);
                let secs = t.rem_euclid(86_400);
                let (y, m, d) = civil_from_days(days);
                format!(
                    "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
                    secs / 3600,
                    (secs / 60) % 60,
                    secs % 60
                )
            };
            assert_eq!(format_timestamp(t), slow, "{t}");
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
