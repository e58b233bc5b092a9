//! The two fake providers, by name.

use std::fmt;
use std::str::FromStr;

/// One of the two fake providers.
///
/// Parses from and displays as `asapp` / `autocalls`.
///
/// ```
/// use conversations_sandbox::Provider;
///
/// assert_eq!("Autocalls".parse::<Provider>(), Ok(Provider::Autocalls));
/// assert_eq!(Provider::Asapp.to_string(), "asapp");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Provider {
    /// ASAPP: `GET /conversation/v1/conversations`.
    Asapp,
    /// Autocalls: `GET /api/user/conversations`.
    Autocalls,
}

impl Provider {
    /// Both providers.
    pub const ALL: [Provider; 2] = [Provider::Asapp, Provider::Autocalls];

    /// The lowercase name, as in fault specs.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Asapp => "asapp",
            Provider::Autocalls => "autocalls",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing a [`Provider`] from an unknown name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown provider `{0}` (expected `asapp` or `autocalls`)")]
pub struct UnknownProvider(pub String);

impl FromStr for Provider {
    type Err = UnknownProvider;

    /// Case-insensitive `asapp` or `autocalls`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Provider::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownProvider(s.to_owned()))
    }
}
