//! What can go wrong making a report: one typed, one-line error each, naming what was wrong
//! (never a record's contents).

/// A report that could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// An option's value was not understood (`--since`, `--tz`, `--top`, a view's name).
    #[error("{option}: {reason}")]
    BadOption {
        /// The option, e.g. `--since`.
        option: &'static str,
        /// Why the value was refused, naming what is accepted.
        reason: String,
    },
    /// The database could not be opened or read (through `conversations-sync`).
    #[error(transparent)]
    Database(#[from] conversations_sync::SyncError),
    /// SQLite refused a statement.
    #[error("{target}: database error while {doing}: {message}")]
    Sqlite {
        /// The database, as `sqlite:PATH`.
        target: String,
        /// What the report was doing.
        doing: &'static str,
        /// SQLite's reason.
        message: String,
    },
    /// The database answered something the report cannot read (a sum that is not a number).
    #[error("the {view} query returned {what}")]
    BadAnswer {
        /// The view being made.
        view: &'static str,
        /// What was wrong with the answer.
        what: String,
    },
    /// A chart could not be drawn or encoded.
    #[error("drawing the {view} chart: {reason}")]
    Chart {
        /// The view whose chart failed.
        view: &'static str,
        /// Why.
        reason: String,
    },
    /// Writing the output failed.
    #[error("writing the report: {0}")]
    Io(#[from] std::io::Error),
}
