//! Exact amounts: each value is read as the decimal it was sent as (a JSON number's text, or a
//! numeric string, as Laravel's `decimal` casts send), summed without rounding, and shown with
//! as many decimals as the provider sent (never float noise such as `0.12949999999999998`).

use rust_decimal::Decimal;

/// The exact decimal a JSON number's text or a numeric string holds: `0.0045`, `-3`, `1E-4`,
/// `2.5e3`. `None` for anything else (`""`, `"abc"`, `"0x10"`, `" 1"`) and for a value past
/// 28 significant digits.
///
/// ```
/// use conversations_report::money::parse_amount;
/// assert_eq!(parse_amount("0.12950").unwrap().to_string(), "0.12950");
/// assert_eq!(parse_amount("1E-4").unwrap().to_string(), "0.0001");
/// assert!(parse_amount("abc").is_none());
/// assert!(parse_amount("1.").is_none());
/// ```
pub fn parse_amount(text: &str) -> Option<Decimal> {
    if !is_json_number(text) {
        return None;
    }
    if text.contains(['e', 'E']) {
        Decimal::from_scientific(text).ok()
    } else {
        Decimal::from_str_exact(text).ok()
    }
}

/// Whether `text` is a JSON number (`-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`), leading zeros
/// allowed (`007`: a numeric string may carry them).
fn is_json_number(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > start
    };
    if !digits(&mut i) {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

/// `amount` with exactly `scale` decimals when it has no more than that (trailing zeros
/// added), else with all of its own (never rounded).
///
/// ```
/// use conversations_report::money::{parse_amount, show};
/// assert_eq!(show(parse_amount("0.13").unwrap(), 4), "0.1300");
/// assert_eq!(show(parse_amount("0.123456").unwrap(), 4), "0.123456");
/// assert_eq!(show(parse_amount("7").unwrap(), 0), "7");
/// ```
pub fn show(amount: Decimal, scale: u32) -> String {
    let mut amount = amount.normalize();
    if amount.scale() < scale {
        amount.rescale(scale);
    }
    amount.to_string()
}

/// The number of decimals `amount` was written with (`0.0040` has 4).
pub(crate) fn decimals(amount: &Decimal) -> u32 {
    amount.scale()
}
