//! The accounts config file: named accounts at ASAPP and Autocalls, and where each one's
//! secret comes from, never the secret itself.
//!
//! ```toml
//! [accounts.acme-autocalls]
//! provider = "autocalls"
//! base_url = "https://app.autocalls.ai/api"   # optional
//! api_key_env = "ACME_AUTOCALLS_KEY"           # the secret is in this environment variable,
//! # api_key_command = ["pass", "show", "autocalls/acme"]   # or is what this command prints
//! # secret_timeout = "2m"          # how long the command may run (default 60s)
//!
//! [accounts.main-asapp]
//! provider = "asapp"
//! api_id = "my-api-id"                 # not a secret
//! api_secret_env = "ASAPP_API_SECRET"  # or api_secret_command = [...]
//! ```
//!
//! The file is `--config PATH`, else `$CONVERSATIONS_CONFIG`, else `conversations/config.toml`
//! in the platform's config directory ([`default_path`]); only a file named explicitly must
//! exist. Unknown keys, unknown providers and keys that would hold a secret (`api_key`,
//! `api_secret`) are errors naming the line and column. Error messages never quote a value
//! from the file, in case a secret was put there anyway.
//!
//! Besides the file's accounts, the environment variables the CLI has always read make two
//! accounts of their own, `asapp` and `autocalls` ([`Origin::Environment`]), when they are set;
//! a file account of the same name replaces them.
//!
//! A secret is read only when its account is used ([`Account::resolve`], in [`secret`]), into
//! a [`secrecy::SecretString`]; [`secret::ResolvedAccount::into_source`] then builds the provider's
//! `ConversationSource` with the provider crate's public builder. [`listing`] renders
//! `conversations accounts`.

mod command;
mod listing;
pub(crate) mod secret;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub(crate) use command::kill_running as kill_secret_commands;
pub(crate) use listing::accounts_command;

/// Where the config file is, under the platform's config directory.
const DEFAULT_RELATIVE_PATH: [&str; 2] = ["conversations", "config.toml"];

/// Reads an environment variable (a parameter so that tests need not change the process's).
pub(crate) type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<OsString>;

/// The process's environment.
pub(crate) fn process_env(name: &str) -> Option<OsString> {
    std::env::var_os(name)
}

/// `conversations/config.toml` in the platform's config directory (`$XDG_CONFIG_HOME` or
/// `~/.config` on Linux, `~/Library/Application Support` on macOS, `%APPDATA%` on Windows),
/// if the platform has one.
pub(crate) fn default_path() -> Option<PathBuf> {
    dirs::config_dir().map(|dir| DEFAULT_RELATIVE_PATH.iter().fold(dir, |p, c| p.join(c)))
}

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
    fn secret_key(self) -> &'static str {
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
    /// How long a secret command may run (`None`: [`command::DEFAULT_TIMEOUT`]).
    pub(crate) secret_timeout: Option<std::time::Duration>,
    /// Where the account was defined.
    pub(crate) origin: Origin,
}

/// What became of the config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ConfigFile {
    /// Read from this path.
    Loaded(PathBuf),
    /// Nothing at the default path (which is fine).
    Absent(PathBuf),
    /// The platform has no config directory and no path was given.
    NoDefault,
}

/// Every account: the config file's, then the environment's not replaced by one of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Accounts {
    /// Where the accounts were read from.
    pub(crate) file: ConfigFile,
    /// The accounts, the file's by name, then the environment's.
    pub(crate) accounts: Vec<Account>,
}

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

impl Accounts {
    /// Reads the config file (`explicit`, from `--config` or `CONVERSATIONS_CONFIG`, or else
    /// the [`default_path`]) and adds the environment's accounts. An explicit file must exist;
    /// a missing default one just means no file accounts; an empty path is no path.
    pub(crate) fn load(explicit: Option<&Path>, env: EnvLookup<'_>) -> Result<Self, ConfigError> {
        // An empty `CONVERSATIONS_CONFIG=` (or `--config ''`) counts as not set.
        let explicit = explicit.filter(|path| !path.as_os_str().is_empty());
        let (file, from_file) = match explicit {
            Some(path) => (ConfigFile::Loaded(path.to_owned()), read(path)?),
            None => match default_path() {
                Some(path) if path.exists() => {
                    let accounts = read(&path)?;
                    (ConfigFile::Loaded(path), accounts)
                }
                Some(path) => (ConfigFile::Absent(path), Vec::new()),
                None => (ConfigFile::NoDefault, Vec::new()),
            },
        };
        let mut accounts = from_file;
        for account in environment_accounts(env) {
            if !accounts.iter().any(|a| a.name == account.name) {
                accounts.push(account);
            }
        }
        Ok(Self { file, accounts })
    }

    /// The account called `name`.
    pub(crate) fn find(&self, name: &str) -> Result<&Account, ConfigError> {
        self.accounts
            .iter()
            .find(|a| a.name == name)
            .ok_or_else(|| ConfigError::UnknownAccount {
                name: conversations_core::quote(name),
                known: if self.accounts.is_empty() {
                    "none".to_owned()
                } else {
                    self.accounts
                        .iter()
                        .map(|a| a.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                },
            })
    }
}

fn read(path: &Path) -> Result<Vec<Account>, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse(&text, path)
}

/// The accounts `ASAPP_API_ID` + `ASAPP_API_SECRET` (+ `ASAPP_BASE_URL`) and
/// `AUTOCALLS_API_KEY` (+ `AUTOCALLS_BASE_URL`) make, when set.
fn environment_accounts(env: EnvLookup<'_>) -> Vec<Account> {
    let set = |name: &str| env(name).is_some_and(|v| !v.is_empty());
    let text = |name: &str| {
        env(name)
            .and_then(|v| v.into_string().ok())
            .filter(|v| !v.is_empty())
    };
    let mut accounts = Vec::new();
    if set("ASAPP_API_SECRET")
        && let Some(api_id) = text("ASAPP_API_ID")
    {
        accounts.push(Account {
            name: "asapp".to_owned(),
            provider: Provider::Asapp,
            base_url: text("ASAPP_BASE_URL"),
            api_id: Some(api_id),
            secret: SecretSource::Env("ASAPP_API_SECRET".to_owned()),
            secret_timeout: None,
            origin: Origin::Environment,
        });
    }
    if set("AUTOCALLS_API_KEY") {
        accounts.push(Account {
            name: "autocalls".to_owned(),
            provider: Provider::Autocalls,
            base_url: text("AUTOCALLS_BASE_URL"),
            api_id: None,
            secret: SecretSource::Env("AUTOCALLS_API_KEY".to_owned()),
            secret_timeout: None,
            origin: Origin::Environment,
        });
    }
    accounts
}

/// The file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    accounts: BTreeMap<String, toml::Spanned<RawAccount>>,
}

/// One `[accounts.NAME]` table as written; [`validate`] checks that its keys go together.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAccount {
    provider: Provider,
    base_url: Option<String>,
    api_id: Option<String>,
    api_key_env: Option<String>,
    api_key_command: Option<Vec<String>>,
    api_secret_env: Option<String>,
    api_secret_command: Option<Vec<String>>,
    /// How long the secret command may run, e.g. `"30s"`, `"2m"` (humantime).
    secret_timeout: Option<String>,
    /// Refused: the file never holds a secret.
    #[serde(default, rename = "api_key", deserialize_with = "refuse_api_key")]
    _api_key: Option<()>,
    /// Refused: the file never holds a secret.
    #[serde(default, rename = "api_secret", deserialize_with = "refuse_api_secret")]
    _api_secret: Option<()>,
}

fn refuse_api_key<'de, D: serde::Deserializer<'de>>(_: D) -> Result<Option<()>, D::Error> {
    Err(serde::de::Error::custom(
        "`api_key` would put the secret in the config file, which never holds one: use \
         `api_key_env` (the name of the environment variable holding the key) or \
         `api_key_command` (a command, as a list of strings, that prints the key)",
    ))
}

fn refuse_api_secret<'de, D: serde::Deserializer<'de>>(_: D) -> Result<Option<()>, D::Error> {
    Err(serde::de::Error::custom(
        "`api_secret` would put the secret in the config file, which never holds one: use \
         `api_secret_env` (the name of the environment variable holding the secret) or \
         `api_secret_command` (a command, as a list of strings, that prints the secret)",
    ))
}

/// Parses a config file's text; `path` only names it in errors.
pub(crate) fn parse(text: &str, path: &Path) -> Result<Vec<Account>, ConfigError> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| {
        let (line, column) = line_column(text, e.span().map_or(0, |s| s.start));
        ConfigError::Invalid {
            path: path.to_owned(),
            line,
            column,
            message: redact_values(e.message()),
        }
    })?;
    raw.accounts
        .into_iter()
        .map(|(name, spanned)| {
            let line = line_column(text, spanned.span().start).0;
            validate(name, spanned.into_inner(), line).map_err(|(account, message)| {
                ConfigError::Account {
                    path: path.to_owned(),
                    account,
                    line,
                    message,
                }
            })
        })
        .collect()
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |last| last.chars().count())
        + 1;
    (line, column)
}

/// How serde shows a value it could not use: the text before it, and the character after.
const VALUE_MARKERS: [(&str, char); 3] = [
    ("string \"", '"'),
    ("integer `", '`'),
    ("floating point `", '`'),
];

/// `message` with every value serde quotes (`string "…"`, ``integer `…` ``) replaced by `…`,
/// so that a secret written into the file by mistake does not end up on a terminal or in a
/// log; line breaks become `; `.
fn redact_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    loop {
        let next = VALUE_MARKERS
            .iter()
            .filter_map(|(open, close)| rest.find(open).map(|at| (at, *open, *close)))
            .min_by_key(|(at, ..)| *at);
        let Some((at, open, close)) = next else {
            out.push_str(rest);
            break;
        };
        out.push_str(&rest[..at + open.len()]);
        out.push('…');
        let value = &rest[at + open.len()..];
        let mut escaped = false;
        let end = value.char_indices().find_map(|(i, c)| {
            let found = !escaped && c == close;
            escaped = !escaped && c == '\\';
            found.then_some(i)
        });
        match end {
            Some(end) => {
                out.push(close);
                rest = &value[end + close.len_utf8()..];
            }
            None => break,
        }
    }
    out.replace('\n', "; ")
}

/// Checks that an account's keys go together; on error, the account's name and the message.
fn validate(name: String, raw: RawAccount, line: usize) -> Result<Account, (String, String)> {
    let fail = |message: String| Err((name.clone(), message));
    if name.trim().is_empty() {
        return fail("an account needs a non-empty name".to_owned());
    }
    let key = raw.provider.secret_key();
    let (env, command, foreign) = match raw.provider {
        Provider::Autocalls => (
            raw.api_key_env,
            raw.api_key_command,
            [
                ("api_id", raw.api_id.is_some()),
                ("api_secret_env", raw.api_secret_env.is_some()),
                ("api_secret_command", raw.api_secret_command.is_some()),
            ],
        ),
        Provider::Asapp => (
            raw.api_secret_env,
            raw.api_secret_command,
            [
                ("api_key_env", raw.api_key_env.is_some()),
                ("api_key_command", raw.api_key_command.is_some()),
                ("api_id", false),
            ],
        ),
    };
    if let Some((foreign, _)) = foreign.iter().find(|(_, present)| *present) {
        return fail(format!(
            "`{foreign}` is not a key of {} accounts (they take {}{key}_env or {key}_command)",
            raw.provider,
            if raw.provider == Provider::Asapp {
                "api_id, and "
            } else {
                ""
            },
        ));
    }
    let secret = match (env, command) {
        (Some(_), Some(_)) => {
            return fail(format!("give `{key}_env` or `{key}_command`, not both"));
        }
        (None, None) => {
            return fail(format!(
                "no secret source: add `{key}_env = \"VARIABLE\"` or `{key}_command = [\"program\", \"arg\"]`"
            ));
        }
        (Some(variable), None) => {
            let valid = variable
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && variable
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return fail(format!(
                    "`{key}_env` must name an environment variable (letters, digits and _, not starting with a digit)"
                ));
            }
            SecretSource::Env(variable)
        }
        (None, Some(argv)) => {
            if argv.first().is_none_or(|program| program.is_empty()) {
                return fail(format!(
                    "`{key}_command` must start with the program to run, e.g. [\"pass\", \"show\", \"{name}\"]"
                ));
            }
            SecretSource::Command(argv)
        }
    };
    let api_id = match raw.provider {
        Provider::Asapp => match raw.api_id {
            Some(id) if !id.is_empty() => Some(id),
            _ => return fail("asapp accounts need `api_id` (ASAPP's API id)".to_owned()),
        },
        Provider::Autocalls => None,
    };
    let secret_timeout = match (&raw.secret_timeout, &secret) {
        (None, _) => None,
        (Some(_), SecretSource::Env(_)) => {
            return fail(format!(
                "`secret_timeout` only applies to `{key}_command`, not to `{key}_env`"
            ));
        }
        (Some(text), SecretSource::Command(_)) => match humantime::parse_duration(text) {
            Ok(timeout) if !timeout.is_zero() => Some(timeout),
            _ => {
                return fail(
                    "`secret_timeout` must be a duration such as \"30s\" or \"2m\", more than 0"
                        .to_owned(),
                );
            }
        },
    };
    if raw.base_url.as_deref() == Some("") {
        return fail("`base_url` is empty; leave it out for the provider's default".to_owned());
    }
    Ok(Account {
        name,
        provider: raw.provider,
        base_url: raw.base_url,
        api_id,
        secret,
        secret_timeout,
        origin: Origin::File { line },
    })
}

#[cfg(test)]
mod tests;

/// A source with the name it is listed under.
pub(crate) type NamedSource = (
    std::sync::Arc<str>,
    std::sync::Arc<dyn conversations_core::ConversationSource>,
);

/// The sources of the accounts `names`, each named after its account and built with
/// `options`, from the config file at `explicit` (or `CONVERSATIONS_CONFIG`, or the default
/// path) and the environment; an error is printed and its exit code returned.
pub(crate) fn sources_for(
    names: &[String],
    explicit: Option<&Path>,
    options: &conversations_transport::ClientOptions,
) -> Result<Vec<NamedSource>, std::process::ExitCode> {
    let accounts = Accounts::load(explicit, &process_env).map_err(|e| {
        eprintln!("error: {e}");
        std::process::ExitCode::from(crate::exit::USAGE)
    })?;
    let mut sources = Vec::new();
    for name in names {
        let account = accounts.find(name).map_err(|e| {
            eprintln!("error: {e}");
            std::process::ExitCode::from(crate::exit::USAGE)
        })?;
        let source = account
            .resolve(&process_env)
            .and_then(|account| account.into_source(options))
            .map_err(|e| {
                eprintln!("error: {e}");
                std::process::ExitCode::from(e.exit_code())
            })?;
        sources.push((std::sync::Arc::from(name.as_str()), source));
    }
    Ok(sources)
}
