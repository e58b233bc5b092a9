//! [`SyncError`]: every way a sync can fail, typed, naming what was wrong — never a record's
//! contents, never a password, never a command-line flag (a CLI adds those from the variant:
//! [`SyncError::BadIds`] came from the ids it was given, say).

use conversations_core::Error as SourceError;

/// Why a sync, or opening its database, failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The target was not a database this tool writes to (the CLI's `--to`).
    #[error("invalid target: {reason}")]
    BadTarget {
        /// What was wrong with it.
        reason: String,
    },
    /// The database could not be opened or reached (for PostgreSQL `target` names the
    /// server, database and role, `message` the cause: refused, unknown host, timeout, TLS).
    #[error("cannot open {target}: {message}")]
    Connect {
        /// The target, password redacted.
        target: String,
        /// The driver's reason.
        message: String,
    },
    /// The server refused the credentials: the password, the role, or `pg_hba.conf` (exit 3
    /// in the CLI).
    #[error("authentication failed for user {user} at {server}: {message}")]
    Auth {
        /// The role.
        user: String,
        /// The server(s): `host:port`, or the socket's path.
        server: String,
        /// The server's reason, never the password.
        message: String,
    },
    /// A statement failed.
    #[error("{target}: database error while {doing}: {message}")]
    Database {
        /// The target, password redacted.
        target: String,
        /// What the sync was doing.
        doing: &'static str,
        /// The driver's reason.
        message: String,
    },
    /// Another sync of the same stream is running.
    #[error(
        "another sync of {stream} is running (host {host}, pid {pid}, since {since}); \
         wait for it to finish, or stop it"
    )]
    LockHeld {
        /// The stream, e.g. `autocalls (all)`.
        stream: String,
        /// The holder's host name.
        host: String,
        /// The holder's process id.
        pid: String,
        /// When the holder took the lock (RFC 3339).
        since: String,
    },
    /// A schema was asked for in a SQLite database, which has none (the CLI's `--schema`
    /// with a `sqlite:` target).
    #[error("invalid target: a schema is for PostgreSQL; a SQLite database has none")]
    SchemaOnSqlite,
    /// The list of ids to look up was unusable (the CLI's `--external-ids-from`).
    #[error("the ids, line {line}: {reason}")]
    BadIds {
        /// The 1-based line number.
        line: usize,
        /// What was wrong with it.
        reason: &'static str,
    },
    /// The ids could not be read again as they were read first (a lookup sync reads them
    /// twice): the file was changed during the run, or its reading stopped; what was
    /// fetched before is committed.
    #[error("the ids: {reason}")]
    IdsChanged {
        /// What happened.
        reason: &'static str,
    },
    /// The provider failed after its retries; what was fetched before is committed.
    #[error("{0}")]
    Source(#[from] SourceError),
    /// `--status` (or [`Store::open_existing`](crate::Store::open_existing)) found no
    /// database a sync wrote: nothing was created.
    #[error("{target}: {what}; no sync has written there yet (nothing was created)")]
    NotSynced {
        /// The target, password redacted.
        target: String,
        /// What is missing: the file, or the tables.
        what: &'static str,
    },
    /// The database holds a table of the sync's name that the sync did not make (another
    /// application's): nothing was changed.
    #[error(
        "{target}: a table named {table} is there already and was not made by conversations \
         sync; nothing was changed: sync into another database (or PostgreSQL schema)"
    )]
    ForeignTable {
        /// The target, password redacted.
        target: String,
        /// The table.
        table: String,
    },
    /// The database was migrated by a newer version of the tool: this one does not know its
    /// tables, and changes nothing.
    #[error(
        "{target}: the tables are at schema version {found}, made by a newer conversations; \
         this one knows versions up to {known}: upgrade conversations (nothing was changed)"
    )]
    NewerSchema {
        /// The target, password redacted.
        target: String,
        /// The database's version.
        found: i64,
        /// The newest version this build knows ([`SCHEMA_VERSION`](crate::SCHEMA_VERSION)).
        known: i64,
    },
    /// The saved state of a stream could not be read; a full refresh
    /// ([`SyncOptions::full_refresh`](crate::SyncOptions::full_refresh), the CLI's
    /// `--full-refresh`) discards it.
    #[error(
        "{target}: the saved position of {stream} is unreadable ({message}); \
         a full refresh discards it and starts the stream over"
    )]
    BadState {
        /// The target, password redacted.
        target: String,
        /// The stream.
        stream: String,
        /// Why.
        message: String,
    },
}

impl SyncError {
    /// Whether the error is the caller's: a bad target or ids file, or a query the provider
    /// refuses (exit code 2 in the CLI).
    ///
    /// ```
    /// use conversations_sync::SyncError;
    /// assert!("nope:x".parse::<conversations_sync::Target>().unwrap_err().is_usage());
    /// ```
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            SyncError::BadTarget { .. }
                | SyncError::SchemaOnSqlite
                | SyncError::BadIds { .. }
                | SyncError::Source(SourceError::InvalidQuery { .. })
        )
    }
}
