//! The Autocalls timestamp format, `"2025-01-25 14:30:00"` (UTC, no zone designator).
//!
//! Only formatting from Unix seconds and a shape check are needed, so this is a few lines of
//! civil-calendar arithmetic rather than a date-time dependency.

/// Formats Unix seconds (UTC) as `YYYY-MM-DD HH:MM:SS`.
pub(crate) fn format_timestamp(unix_seconds: i64) -> String {
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
    fn recognises_the_shape() {
        assert!(is_timestamp("2025-01-25 14:30:00"));
        assert!(!is_timestamp("2025-01-25T14:30:00"));
        assert!(!is_timestamp("2025-13-25 14:30:00"));
        assert!(!is_timestamp("2025-01-25 14:30"));
        assert!(!is_timestamp("2025-01-25 14:30:0é"));
        assert!(!is_timestamp(""));
    }
}
