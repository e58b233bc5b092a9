//! A `reqwest` failure as a cause: its message and causes on one line, never the URL.

use std::error::Error as StdError;
use std::fmt;

/// A request that did not complete: connection, TLS, timeout. The URL (whose query may hold
/// phone numbers or external ids) is dropped; the chain of causes is kept.
#[derive(Debug)]
pub struct TransportError(reqwest::Error);

impl TransportError {
    /// Wraps `error`, dropping its URL.
    pub fn new(error: reqwest::Error) -> Self {
        Self(error.without_url())
    }

    /// Whether the request timed out.
    pub fn is_timeout(&self) -> bool {
        self.0.is_timeout()
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        if self.0.is_timeout() {
            f.write_str(" (timed out)")?;
        }
        Ok(())
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.0)
    }
}
