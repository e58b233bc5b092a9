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
//! in the platform's config directory ([`file::default_path`]); only a file named explicitly
//! must exist. Unknown keys, unknown providers and keys that would hold a secret (`api_key`,
//! `api_secret`) are errors naming the line and column. Error messages never quote a value
//! from the file, in case a secret was put there anyway.
//!
//! Besides the file's accounts, the environment variables the CLI has always read make two
//! accounts of their own, `asapp` and `autocalls` ([`Origin::Environment`]), when they are set;
//! a file account of the same name replaces them.
//!
//! A secret is read only when its account is used ([`Account::resolve`], in [`secret`]), into
//! a [`secrecy::SecretString`]; `crate::providers` then builds the provider's
//! `ConversationSource` with the provider crate's public builder.
//!
//! One module per job: [`account`] (what an account is), [`file`] (the file: where, and its
//! text into accounts), [`accounts`] (the file's and the environment's accounts together),
//! [`error`], [`secret`] (reading a secret) and [`secret_command`] (running the command that
//! prints one).

mod account;
mod accounts;
mod error;
mod file;
mod secret;
mod secret_command;

pub(crate) use account::{Account, Origin, Provider, SecretSource};
pub(crate) use accounts::{Accounts, ConfigFile, EnvLookup, process_env};
pub(crate) use secret::AccountError;
pub(crate) use secret_command::kill_running as kill_secret_commands;

#[cfg(test)]
pub(crate) mod tests;
