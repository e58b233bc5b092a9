//! Writing timestamps fast: RFC 3339 in UTC (`2025-01-25T14:30:00Z`, with fractional seconds
//! only when there are any), formatted by position into a stack buffer rather than through
//! `fmt` — the output path writes two per record.

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::Serializer;

/// Formats `t` as RFC 3339 in UTC into `buf`, returning the text.
///
/// ```
/// use chrono::TimeZone;
/// let t = chrono::Utc.with_ymd_and_hms(2025, 1, 25, 14, 30, 0).unwrap();
/// let mut buf = [0u8; 40];
/// assert_eq!(conversations_core::format_timestamp(&t, &mut buf), "2025-01-25T14:30:00Z");
/// let t = t + chrono::Duration::milliseconds(250);
/// assert_eq!(conversations_core::format_timestamp(&t, &mut buf), "2025-01-25T14:30:00.250Z");
/// ```
pub fn format<'b>(t: &DateTime<Utc>, buf: &'b mut [u8; 40]) -> &'b str {
    let year = t.year();
    if !(0..=9999).contains(&year) {
        // Outside four digits: chrono's own formatting (rare enough to allocate).
        let text = t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
        let n = text.len().min(buf.len());
        buf[..n].copy_from_slice(&text.as_bytes()[..n]);
        return std::str::from_utf8(&buf[..n]).unwrap_or("");
    }
    fn put(buf: &mut [u8; 40], at: usize, value: u32, width: usize) {
        let mut v = value;
        for i in (0..width).rev() {
            buf[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    }
    put(buf, 0, year as u32, 4);
    put(buf, 5, t.month(), 2);
    put(buf, 8, t.day(), 2);
    put(buf, 11, t.hour(), 2);
    put(buf, 14, t.minute(), 2);
    put(buf, 17, t.second(), 2);
    buf[4] = b'-';
    buf[7] = b'-';
    buf[10] = b'T';
    buf[13] = b':';
    buf[16] = b':';
    let nanos = t.nanosecond() % 1_000_000_000;
    let mut end = 19;
    if nanos != 0 {
        buf[19] = b'.';
        let (value, width) = if nanos.is_multiple_of(1_000_000) {
            (nanos / 1_000_000, 3)
        } else if nanos.is_multiple_of(1_000) {
            (nanos / 1_000, 6)
        } else {
            (nanos, 9)
        };
        put(buf, 20, value, width);
        end = 20 + width;
    }
    buf[end] = b'Z';
    std::str::from_utf8(&buf[..=end]).unwrap_or("")
}

/// `serialize_with` for `Option<DateTime<Utc>>` fields (skip `None` with `skip_serializing_if`).
pub(crate) fn serialize<S: Serializer>(
    value: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(t) => {
            let mut buf = [0u8; 40];
            serializer.serialize_str(format(t, &mut buf))
        }
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn agrees_with_chrono_and_parses_back() {
        let base = Utc.with_ymd_and_hms(1999, 12, 31, 23, 59, 59).unwrap();
        for nanos in [0, 1, 1_000, 120_000_000, 999_999_999] {
            let t = base + chrono::Duration::nanoseconds(nanos);
            let mut buf = [0u8; 40];
            let text = format(&t, &mut buf);
            assert_eq!(text, t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true));
            assert_eq!(DateTime::parse_from_rfc3339(text).unwrap(), t);
        }
    }
}
