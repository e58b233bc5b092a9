//! Where a sync writes: `sqlite:PATH`, or a PostgreSQL connection string (a `postgres://` URL
//! or `key=value` pairs), parsed once and printed only with its password redacted.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use crate::conninfo::ConnInfo;
use crate::error::SyncError;

/// The database a sync writes to.
///
/// Parsed from `sqlite:PATH` (also `sqlite://PATH`), a `postgres://…` / `postgresql://…` URL
/// or libpq's `key=value` pairs (`host=/var/run/postgresql dbname=crm`).
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
/// let t: Target = "host=db dbname=crm password=hunter2".parse().unwrap();
/// assert_eq!(t.to_string(), "host=db dbname=crm password=***");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub enum Target {
    /// A SQLite database file (created if missing).
    Sqlite(PathBuf),
    /// A PostgreSQL connection string (`postgres://user[:password]@host[:port]/database`, or
    /// `key=value` pairs).
    Postgres(PostgresUrl),
}

/// A PostgreSQL connection string (a URL or libpq's `key=value` pairs, see
/// [`ConnInfo`]) whose password is never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresUrl(ConnInfo);

impl PostgresUrl {
    /// The connection string split into libpq's keywords.
    pub fn conninfo(&self) -> &ConnInfo {
        &self.0
    }

    /// The transport's [`Redactor`](conversations_transport::Redactor) for this string's
    /// password (in the URL's user part, a `?password=` parameter or `password=`) and
    /// `PGPASSWORD`'s: database errors go through it.
    ///
    /// ```
    /// use conversations_sync::Target;
    /// let Ok(Target::Postgres(url)) = "postgres://sync:hunter2-pw@db/crm".parse::<Target>() else { panic!() };
    /// assert_eq!(url.redactor().redact("auth failed for hunter2-pw"), "auth failed for ***");
    /// ```
    pub fn redactor(&self) -> conversations_transport::Redactor {
        let mut redactor = conversations_transport::Redactor::new();
        if let Some(password) = self.0.password() {
            redactor = redactor.secret(password);
        }
        if let Ok(password) = std::env::var("PGPASSWORD")
            && !password.is_empty()
        {
            redactor = redactor.secret(&password);
        }
        redactor
    }
}

impl fmt::Display for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
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
        if s.starts_with("postgres://") || s.starts_with("postgresql://") || looks_like_pairs(s) {
            return ConnInfo::parse(s)
                .map(|info| Target::Postgres(PostgresUrl(info)))
                .map_err(|reason| bad(&reason));
        }
        let scheme = s.split(':').next().unwrap_or_default();
        Err(bad(&format!(
            "unsupported scheme {scheme:?}: use sqlite:PATH, postgres://user@host/database \
             or key=value pairs (host=… dbname=…)"
        )))
    }
}

/// Whether `s` starts as libpq's `key=value` form does: a keyword, then `=`.
fn looks_like_pairs(s: &str) -> bool {
    let s = s.trim_start();
    let key_len = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    key_len > 0 && s[key_len..].trim_start().starts_with('=')
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
            "host=h password=s3cret",
            "host=h password='s3cret'",
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
            "postgres://u:p@h:port/db",
            "host=h dbname='unclosed password=p",
            "host=h sslmode=maybe password=p",
        ] {
            let err = bad.parse::<Target>().expect_err(bad);
            assert!(matches!(err, SyncError::BadTarget { .. }), "{bad}: {err}");
            assert!(!err.to_string().contains(":p@"));
        }
    }
}
