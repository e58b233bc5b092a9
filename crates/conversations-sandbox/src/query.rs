//! Query-string parsing with each provider's semantics, and nothing dropped silently.
//!
//! The raw query is decoded as `application/x-www-form-urlencoded` (`%2B` is `+`, a literal
//! `+` is a space, invalid UTF-8 becomes U+FFFD). The handlers then look parameters up the way
//! each provider's stack does, instead of relying on a typed extractor that would answer a
//! malformed value with a framework-specific rejection instead of the provider's own error.

use url::form_urlencoded;

/// A decoded query string: every `(name, value)` pair in order, duplicates kept.
#[derive(Debug, Default)]
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

/// A parameter as a Laravel application sees it after its default middleware.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Param<'a> {
    /// Not sent, or sent empty/blank (Laravel's `ConvertEmptyStringsToNull`).
    Absent,
    /// A scalar value, trimmed (Laravel's `TrimStrings`).
    Value(&'a str),
    /// Sent with PHP array syntax (`name[]=…`, `name[k]=…`): never a valid scalar.
    Array,
}

impl Query {
    /// Decodes a raw query string (`None`: no `?` in the URL).
    pub(crate) fn parse(raw: Option<&str>) -> Query {
        let pairs = raw
            .map(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Query { pairs }
    }

    /// The first value of `name`, untouched (a Java/Spring-style lookup, used for ASAPP).
    pub(crate) fn first(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// `name` as PHP and Laravel resolve it: the last occurrence wins, PHP array syntax makes
    /// an array, values are trimmed and blank values count as absent.
    pub(crate) fn laravel(&self, name: &str) -> Param<'_> {
        let last = self.pairs.iter().rev().find_map(|(k, v)| {
            if k == name {
                Some(Some(v.as_str()))
            } else if k
                .strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('['))
            {
                Some(None)
            } else {
                None
            }
        });
        match last {
            None => Param::Absent,
            Some(None) => Param::Array,
            Some(Some(v)) => match v.trim() {
                "" => Param::Absent,
                trimmed => Param::Value(trimmed),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_plus_and_percent() {
        let q = Query::parse(Some("customer_phone=%2B14155559876&x=a+b&y=%FF"));
        assert_eq!(q.laravel("customer_phone"), Param::Value("+14155559876"));
        assert_eq!(q.first("x"), Some("a b"));
        assert_eq!(q.first("y"), Some("\u{FFFD}"));
    }

    #[test]
    fn raw_plus_becomes_a_space_then_is_trimmed_like_laravel() {
        let q = Query::parse(Some("customer_phone=+14155559876"));
        assert_eq!(q.laravel("customer_phone"), Param::Value("14155559876"));
    }

    #[test]
    fn php_semantics() {
        let q = Query::parse(Some(
            "type=api&type=widget&per_page=&cursor=%20&assistant_id[]=1&a=1&a[x]=2&ab=3",
        ));
        assert_eq!(q.laravel("type"), Param::Value("widget"));
        assert_eq!(q.first("type"), Some("api"));
        assert_eq!(q.laravel("per_page"), Param::Absent);
        assert_eq!(q.laravel("cursor"), Param::Absent);
        assert_eq!(q.laravel("assistant_id"), Param::Array);
        assert_eq!(q.laravel("a"), Param::Array);
        assert_eq!(q.laravel("missing"), Param::Absent);
        let q = Query::parse(Some("a[]=1&a=2"));
        assert_eq!(q.laravel("a"), Param::Value("2"));
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        for raw in ["", "&&&", "=", "==a", "%", "%zz=%", "a=%E2%82", "a"] {
            let q = Query::parse(Some(raw));
            let _ = q.laravel("a");
            let _ = q.first("a");
        }
        assert_eq!(Query::parse(None).first("a"), None);
    }
}
