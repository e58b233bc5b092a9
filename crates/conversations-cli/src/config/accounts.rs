//! Every account there is ([`Accounts`]): the config file's, then those the environment
//! variables the CLI has always read make (`asapp` and `autocalls`, [`Origin::Environment`])
//! when no file account has their name.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::account::{Account, Origin, Provider, SecretSource};
use super::error::ConfigError;
use super::file::{default_path, read};

/// Reads an environment variable (a parameter so that tests need not change the process's).
pub(crate) type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<OsString>;

/// The process's environment.
pub(crate) fn process_env(name: &str) -> Option<OsString> {
    std::env::var_os(name)
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

    /// The accounts called `names`, in that order; every account when `names` is empty.
    pub(crate) fn select(&self, names: &[String]) -> Result<Vec<&Account>, ConfigError> {
        if names.is_empty() {
            return Ok(self.accounts.iter().collect());
        }
        names.iter().map(|name| self.find(name)).collect()
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

/// The accounts `ASAPP_API_ID` + `ASAPP_API_SECRET` (+ `ASAPP_BASE_URL`) and
/// `AUTOCALLS_API_KEY` (+ `AUTOCALLS_BASE_URL`) make, when set.
pub(super) fn environment_accounts(env: EnvLookup<'_>) -> Vec<Account> {
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
