//! Why the config could not be used: a file that cannot be read, is not valid, or holds an
//! account whose keys do not go together, and an account name that is not there. No message
//! quotes a value from the file.

use std::io;
use std::path::PathBuf;

/// Why the config could not be used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConfigError {
    /// The file could not be read (a file named by `--config` or `CONVERSATIONS_CONFIG` must
    /// exist).
    #[error("cannot read the config file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The file is not valid TOML, or not the shape expected.
    #[error("config file {}, line {line}, column {column}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
        /// What is wrong, quoting no value from the file.
        message: String,
    },
    /// An account's keys do not go together.
    #[error("config file {}, line {line}: account `{account}`: {message}", path.display())]
    Account {
        /// The file.
        path: PathBuf,
        /// The account.
        account: String,
        /// 1-based line of the account's table.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// No account has that name.
    #[error("no account named `{name}`; the accounts are: {known} (see `conversations accounts`)")]
    UnknownAccount {
        /// The name asked for (quoted at most 100 characters).
        name: String,
        /// The names there are, comma-separated (or "none").
        known: String,
    },
}
