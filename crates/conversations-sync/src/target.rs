//! Where a sync writes: `sqlite:PATH` or a `postgres://` URL, parsed once and printed only
//! with its password redacted.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use crate::error::SyncError;

/// The database a sync writes to.
///
/// Parsed from `sqlite:PATH` (also `sqlite://PATH`) or `postgres://…` / `postgresql://…`.
/// [`Display`](fmt::Display) never shows a password. SQLite's in-memory database
/// (`sqlite::memory:`) is refused: a sync into it would keep nothing. The path is a file
/// name, never a `file:` URI.
///
/// ```
/// use conversations_sync::Target;
/// assert!("sqlite::memory:".parse::<Target>().unwrap_err().to_string().contains("in-memory"));
/// let t: Target = "postgres://sync:hunter2@db.internal:5432/crm".parse().unwrap();
/// assert_eq!(t.to_string(), "postgres://sync:***@db.internal:5432/crm");
/// let t: Target = "sqlite:conversations.db".parse().unwrap();
/// assert_eq!(t.to_string(), "sqlite:conversations.db");
/// assert!("mysql://x".parse::<Target>().is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub enum Target {
    /// A SQLite database file (created if missing).
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (`postgres://user[:password]@host[:port]/database`).
    Postgres(PostgresUrl),
}

/// A PostgreSQL URL whose password is never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresUrl(url::Url);

impl PostgresUrl {
    /// The full URL, password included: for the driver only, never for messages.
    pub(crate) fn expose(&self) -> &str {
        self.0.as_str()
    }
}

impl PostgresUrl {
    /// The transport's [`Redactor`](conversations_transport::Redactor) for this URL's password
    /// (in the URL's user part or a `?password=` parameter): database errors go through it.
    ///
    /// ```
    /// use conversations_sync::Target;
    /// let Ok(Target::Postgres(url)) = "postgres://sync:hunter2-pw@db/crm".parse::<Target>() else { panic!() };
    /// assert_eq!(url.redactor().redact("auth failed for hunter2-pw"), "auth failed for ***");
    /// ```
    pub fn redactor(&self) -> conversations_transport::Redactor {
        let mut redactor = conversations_transport::Redactor::new();
        if let Some(password) = self.0.password() {
            let decoded = percent_encoding::percent_decode_str(password).decode_utf8_lossy();
            redactor = redactor.secret(password).secret(&decoded);
        }
        for (key, value) in self.0.query_pairs() {
            if key == "password" {
                redactor = redactor.secret(&value);
            }
        }
        redactor
    }
}

impl fmt::Display for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = self.0.clone();
        if shown.password().is_some() {
            let _ = shown.set_password(Some("***"));
        }
        // A password may also hide in the query string (`?password=`).
        if shown.query_pairs().any(|(k, _)| k == "password") {
            let pairs: Vec<(String, String)> = shown
                .query_pairs()
                .map(|(k, v)| {
                    let v = if k == "password" { "***".into() } else { v };
                    (k.into_owned(), v.into_owned())
                })
                .collect();
            shown.query_pairs_mut().clear().extend_pairs(pairs);
        }
        f.write_str(shown.as_str())
    }
}

impl fmt::Debug for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PostgresUrl({self})")
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Sqlite(path) => write!(f, "sqlite:{}", path.display()),
            Target::Postgres(url) => url.fmt(f),
        }
    }
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Target({self})")
    }
}

impl FromStr for Target {
    type Err = SyncError;

    fn from_str(s: &str) -> Result<Self, SyncError> {
        let bad = |reason: &str| SyncError::BadTarget {
            reason: reason.to_owned(),
        };
        if let Some(path) = s
            .strip_prefix("sqlite://")
            .or_else(|| s.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err(bad(
                    "sqlite: needs a file path, e.g. sqlite:conversations.db",
                ));
            }
            // SQLite's in-memory database lives and dies with the connection: a sync into it
            // keeps nothing, and its lock would be a file named after it.
            if path == ":memory:" {
                return Err(bad(
                    "sqlite::memory: is an in-memory database, gone when the sync ends; \
                     give a file path, e.g. sqlite:conversations.db",
                ));
            }
            return Ok(Target::Sqlite(PathBuf::from(path)));
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            let url = url::Url::parse(s).map_err(|e| {
                bad(&format!(
                    "not a valid PostgreSQL URL ({e}); expected postgres://user@host:port/database"
                ))
            })?;
            if url.host_str().is_none_or(str::is_empty) {
                return Err(bad("the PostgreSQL URL names no host"));
            }
            return Ok(Target::Postgres(PostgresUrl(url)));
        }
        let scheme = s.split(':').next().unwrap_or_default();
        Err(bad(&format!(
            "unsupported scheme {scheme:?}: use sqlite:PATH or postgres://user@host/database"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_display() {
        for url in [
            "postgres://u:s3cret@h/db",
            "postgresql://u:s3cret@h:5433/db?sslmode=disable",
            "postgres://u@h/db?password=s3cret",
        ] {
            let t: Target = url.parse().unwrap_or_else(|e| panic!("{url}: {e}"));
            assert!(!t.to_string().contains("s3cret"), "{t}");
            assert!(!format!("{t:?}").contains("s3cret"), "{t:?}");
        }
    }

    #[test]
    fn bad_targets_are_typed_errors() {
        for bad in [
            "",
            "sqlite:",
            "sqlite::memory:",
            "sqlite://:memory:",
            "mysql://h/db",
            "postgres://:5432/db",
            "postgres://u:p@",
        ] {
            let err = bad.parse::<Target>().expect_err(bad);
            assert!(matches!(err, SyncError::BadTarget { .. }), "{bad}: {err}");
            assert!(!err.to_string().contains(":p@"));
        }
    }
}
