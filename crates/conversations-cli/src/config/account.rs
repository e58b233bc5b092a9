//! What an account is: its provider, base URL, ASAPP API id, where its secret comes from
//! ([`SecretSource`]; never the secret itself) and where it was defined ([`Origin`]).

use std::fmt;

use serde::Deserialize;

/// A provider an account belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Provider {
    /// ASAPP: an API id and an API secret.
    Asapp,
    /// Autocalls: an API key.
    Autocalls,
}

impl Provider {
    /// The name used in the file and in output.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Provider::Asapp => "asapp",
            Provider::Autocalls => "autocalls",
        }
    }

    /// The base URL its client uses when the account names none.
    pub(crate) fn default_base_url(self) -> &'static str {
        match self {
            Provider::Asapp => asapp_gen::DEFAULT_BASE_URL,
            Provider::Autocalls => autocalls_api::DEFAULT_BASE_URL,
        }
    }

    /// The config key prefix of its secret: `api_key` or `api_secret`.
    pub(crate) fn secret_key(self) -> &'static str {
        match self {
            Provider::Asapp => "api_secret",
            Provider::Autocalls => "api_key",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where an account's secret comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SecretSource {
    /// The value of this environment variable.
    Env(String),
    /// What this command (program, then arguments; no shell) prints on stdout.
    Command(Vec<String>),
}

impl fmt::Display for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretSource::Env(variable) => write!(f, "env {variable}"),
            SecretSource::Command(argv) => write!(f, "command {}", shell_words(argv)),
        }
    }
}

/// `argv` as one would type it in a shell (arguments with spaces or quotes single-quoted).
pub(crate) fn shell_words(argv: &[String]) -> String {
    argv.iter()
        .map(|arg| {
            let plain = !arg.is_empty()
                && arg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
            if plain {
                arg.clone()
            } else {
                format!("'{}'", arg.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where an account was defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    /// In the config file, at this line.
    File {
        /// The 1-based line of the account's table.
        line: usize,
    },
    /// By the environment variables the CLI has always read (`AUTOCALLS_API_KEY`, …).
    Environment,
}

/// One account: a provider, an optional base URL and where its secret comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Account {
    /// Its name (the key under `[accounts]`, or `asapp`/`autocalls` for the environment's).
    pub(crate) name: String,
    /// Its provider.
    pub(crate) provider: Provider,
    /// The base URL, if not the provider's default.
    pub(crate) base_url: Option<String>,
    /// ASAPP's API id (not a secret).
    pub(crate) api_id: Option<String>,
    /// Where the secret (Autocalls' API key, ASAPP's API secret) comes from.
    pub(crate) secret: SecretSource,
    /// How long a secret command may run (`None`: [`super::secret_command::DEFAULT_TIMEOUT`]).
    pub(crate) secret_timeout: Option<std::time::Duration>,
    /// Where the account was defined.
    pub(crate) origin: Origin,
}
