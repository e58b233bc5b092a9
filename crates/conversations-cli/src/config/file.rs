//! The config file: where it is by default ([`default_path`]), and its text read into
//! accounts ([`parse`]): unknown keys, unknown providers and keys that would hold a secret
//! (`api_key`, `api_secret`) refused, every error naming the line and column and quoting no
//! value from the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::account::{Account, Origin, Provider, SecretSource};
use super::error::ConfigError;

/// Where the config file is, under the platform's config directory.
const DEFAULT_RELATIVE_PATH: [&str; 2] = ["conversations", "config.toml"];

/// `conversations/config.toml` in the platform's config directory (`$XDG_CONFIG_HOME` or
/// `~/.config` on Linux, `~/Library/Application Support` on macOS, `%APPDATA%` on Windows),
/// if the platform has one.
pub(crate) fn default_path() -> Option<PathBuf> {
    dirs::config_dir().map(|dir| DEFAULT_RELATIVE_PATH.iter().fold(dir, |p, c| p.join(c)))
}

/// The accounts of the file at `path`.
pub(crate) fn read(path: &Path) -> Result<Vec<Account>, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse(&text, path)
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
pub(super) fn redact_values(message: &str) -> String {
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
