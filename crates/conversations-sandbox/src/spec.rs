//! The one grammar the sandbox's text specs share: `--fault`, `--latency` and `--rate-limit`
//! values, parsed by [`FaultSpec`](crate::FaultSpec), [`LatencySpec`](crate::LatencySpec) and
//! [`RateLimitSpec`](crate::RateLimitSpec).
//!
//! ```text
//! spec       = [provider ":"] body                  a ':' after an '=' belongs to the body
//! provider   = asapp | autocalls | all              case-insensitive; omitted or all: both
//! body       = fault ["*" times] | duration | rate ["," "burst=" N]
//! duration   = N | humantime                        a bare number is milliseconds; otherwise
//!                                                    humantime's units (250ms, 2s, 1m, 1m30s),
//!                                                    no spaces
//! ```
//!
//! The bodies are documented with each spec: faults in [`crate::faults`], latencies and rates
//! in [`crate::limits`]. Here: the provider prefix, which providers it targets, and durations.

use std::time::Duration;

use crate::provider::Provider;

/// Why the provider prefix of a spec was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PrefixError {
    /// The spec was empty (or only whitespace).
    Empty,
    /// The part before `:` is not `asapp`, `autocalls` or `all` (as written, trimmed).
    UnknownProvider(String),
}

/// Splits the optional `provider:` prefix off `spec`: `None` for `all` or no prefix (both
/// providers), and the body, trimmed. A `:` that comes after an `=` is part of the body
/// (`429=date:5`), not a prefix.
pub(crate) fn split_provider(spec: &str) -> Result<(Option<Provider>, &str), PrefixError> {
    let spec = spec.trim();
    if spec.is_empty() {
        return Err(PrefixError::Empty);
    }
    match spec.split_once(':') {
        Some((head, body)) if !head.contains('=') => {
            let head = head.trim();
            if head.eq_ignore_ascii_case("all") {
                Ok((None, body.trim()))
            } else {
                head.parse::<Provider>()
                    .map(|p| (Some(p), body.trim()))
                    .map_err(|_| PrefixError::UnknownProvider(head.to_owned()))
            }
        }
        _ => Ok((None, spec)),
    }
}

/// The providers a spec with `provider` applies to.
pub(crate) fn targets(provider: Option<Provider>) -> &'static [Provider] {
    match provider {
        None => &Provider::ALL,
        Some(Provider::Asapp) => &[Provider::Asapp],
        Some(Provider::Autocalls) => &[Provider::Autocalls],
    }
}

/// The prefix a spec with `provider` is displayed with (`all` for both).
pub(crate) fn provider_prefix(provider: Option<Provider>) -> &'static str {
    provider.map_or("all", Provider::as_str)
}

/// A duration: a bare number of milliseconds, or humantime's form (`250ms`, `2s`, `1m`,
/// `1m30s`) written without spaces. `None` if it is neither, or too large.
pub(crate) fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    if text.is_empty() || text.contains(char::is_whitespace) {
        return None;
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse::<u64>().ok().map(Duration::from_millis);
    }
    humantime::parse_duration(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_humantime_or_bare_milliseconds() {
        let ms = |n| Some(Duration::from_millis(n));
        assert_eq!(parse_duration("250"), ms(250));
        assert_eq!(parse_duration("250ms"), ms(250));
        assert_eq!(parse_duration("2s"), ms(2_000));
        assert_eq!(parse_duration("1m"), ms(60_000));
        // humantime's forms, beyond the three units our own parser knew.
        assert_eq!(parse_duration("1m30s"), ms(90_000));
        assert_eq!(parse_duration("1h"), ms(3_600_000));
        assert_eq!(parse_duration("1500us"), Some(Duration::from_micros(1500)));
        for bad in [
            "",
            "fast",
            "5 minutes",
            "250 ms",
            "-1s",
            "99999999999999999999m",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn one_prefix_rule_for_every_spec() {
        assert_eq!(
            split_provider(" ASAPP : 5ms"),
            Ok((Some(Provider::Asapp), "5ms"))
        );
        assert_eq!(split_provider("all:503*2"), Ok((None, "503*2")));
        assert_eq!(split_provider("429=date:5"), Ok((None, "429=date:5")));
        assert_eq!(split_provider("  "), Err(PrefixError::Empty));
        assert_eq!(
            split_provider(" sms :5/s"),
            Err(PrefixError::UnknownProvider("sms".to_owned()))
        );
        assert_eq!(targets(None), &Provider::ALL);
        assert_eq!(provider_prefix(Some(Provider::Autocalls)), "autocalls");
    }
}
