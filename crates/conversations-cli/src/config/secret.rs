//! Reading an account's secret, only when the account is used ([`Account::resolve`]), into a
//! [`ResolvedAccount`]: what `crate::providers` builds the account's source from.
//!
//! A secret comes from an environment variable or from what a command prints on stdout (the
//! command runs without a shell, in a process group of its own, for at most its timeout; its
//! stdin and stderr are the terminal's, so a password manager can prompt: see [`secret_command`]).
//! It is held in a [`SecretString`] from then on. Errors name the
//! account, the variable or the command and its exit status, never a secret and never the
//! command's output.

use std::ffi::OsString;
use std::io;
use std::process::ExitStatus;

use secrecy::SecretString;

use super::account::{Account, Provider, SecretSource, shell_words};
use super::accounts::EnvLookup;
use super::secret_command::{self, CommandError};
use crate::exit;

/// An account with its secret read: what the provider builders need.
#[derive(Debug, Clone)]
pub(crate) struct ResolvedAccount {
    /// The account's name.
    pub(crate) name: String,
    /// Its provider.
    pub(crate) provider: Provider,
    /// The base URL, if not the provider's default.
    pub(crate) base_url: Option<String>,
    /// ASAPP's API id.
    pub(crate) api_id: Option<String>,
    /// Autocalls' API key or ASAPP's API secret (its `Debug` prints `[REDACTED]`).
    pub(crate) secret: SecretString,
}

/// Why an account could not be used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AccountError {
    /// The secret's environment variable is not set.
    #[error("account `{account}`: environment variable {variable} is not set")]
    EnvNotSet {
        /// The account.
        account: String,
        /// The variable.
        variable: String,
    },
    /// The secret's environment variable is set but empty.
    #[error("account `{account}`: environment variable {variable} is empty")]
    EnvEmpty {
        /// The account.
        account: String,
        /// The variable.
        variable: String,
    },
    /// The secret's environment variable is not valid UTF-8.
    #[error("account `{account}`: environment variable {variable} is not valid UTF-8")]
    EnvNotUnicode {
        /// The account.
        account: String,
        /// The variable.
        variable: String,
    },
    /// The secret's command could not be started.
    #[error("account `{account}`: cannot run {key}_command `{command}`: {source}")]
    Spawn {
        /// The account.
        account: String,
        /// `api_key` or `api_secret`.
        key: &'static str,
        /// The command, as typed in a shell.
        command: String,
        /// Why.
        source: io::Error,
    },
    /// The secret's command exited unsuccessfully.
    #[error(
        "account `{account}`: {key}_command `{command}` failed ({status}); its output is not shown"
    )]
    CommandFailed {
        /// The account.
        account: String,
        /// `api_key` or `api_secret`.
        key: &'static str,
        /// The command, as typed in a shell.
        command: String,
        /// How it exited.
        status: ExitStatus,
    },
    /// The secret's command ran past its timeout, printed too much, or the tool was
    /// interrupted while it ran: it was killed, with everything it started.
    #[error("account `{account}`: {key}_command `{command}` {source}")]
    Stopped {
        /// The account.
        account: String,
        /// `api_key` or `api_secret`.
        key: &'static str,
        /// The command, as typed in a shell.
        command: String,
        /// What happened.
        source: CommandError,
    },
    /// The secret's command printed something that cannot be a secret.
    #[error("account `{account}`: {key}_command `{command}` {problem}")]
    CommandOutput {
        /// The account.
        account: String,
        /// `api_key` or `api_secret`.
        key: &'static str,
        /// The command, as typed in a shell.
        command: String,
        /// What was wrong with its output (never the output).
        problem: &'static str,
    },
    /// The provider's builder refused the account (a bad base URL, a secret with characters a
    /// header cannot hold, …).
    #[error("account `{account}`: {message}")]
    Build {
        /// The account.
        account: String,
        /// The builder's message (the builders never include the secret).
        message: String,
    },
}

impl AccountError {
    /// The exit code for it: bad settings are usage errors, a missing secret an
    /// authentication one.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            AccountError::Build { .. } => exit::USAGE,
            // 128 + the signal, as a shell reports a command it ended.
            AccountError::Stopped {
                source: CommandError::Interrupted(signal),
                ..
            } => 128u8.saturating_add(*signal as u8),
            _ => exit::AUTH,
        }
    }
}

impl Account {
    /// Reads the account's secret now (from the environment `env` or by running its command).
    pub(crate) fn resolve(&self, env: EnvLookup<'_>) -> Result<ResolvedAccount, AccountError> {
        let secret = match &self.secret {
            SecretSource::Env(variable) => self.secret_from_env(variable, env)?,
            SecretSource::Command(argv) => self.secret_from_command(argv)?,
        };
        Ok(ResolvedAccount {
            name: self.name.clone(),
            provider: self.provider,
            base_url: self.base_url.clone(),
            api_id: self.api_id.clone(),
            secret,
        })
    }

    fn secret_from_env(
        &self,
        variable: &str,
        env: EnvLookup<'_>,
    ) -> Result<SecretString, AccountError> {
        let fields = || (self.name.clone(), variable.to_owned());
        let value: OsString = env(variable).ok_or_else(|| {
            let (account, variable) = fields();
            AccountError::EnvNotSet { account, variable }
        })?;
        let value = value.into_string().map_err(|_| {
            let (account, variable) = fields();
            AccountError::EnvNotUnicode { account, variable }
        })?;
        if value.is_empty() {
            let (account, variable) = fields();
            return Err(AccountError::EnvEmpty { account, variable });
        }
        Ok(SecretString::from(value))
    }

    fn secret_from_command(&self, argv: &[String]) -> Result<SecretString, AccountError> {
        let key = self.provider.secret_key();
        let command = shell_words(argv);
        let output_problem = |problem| AccountError::CommandOutput {
            account: self.name.clone(),
            key,
            command: command.clone(),
            problem,
        };
        let (program, args) = argv
            .split_first()
            .ok_or_else(|| output_problem("is empty"))?;
        let timeout = self
            .secret_timeout
            .unwrap_or(secret_command::DEFAULT_TIMEOUT);
        let mut stdout = match secret_command::run(program, args, timeout) {
            Ok(stdout) => stdout,
            Err(CommandError::Spawn(source)) => {
                return Err(AccountError::Spawn {
                    account: self.name.clone(),
                    key,
                    command,
                    source,
                });
            }
            Err(CommandError::Failed(status)) => {
                return Err(AccountError::CommandFailed {
                    account: self.name.clone(),
                    key,
                    command,
                    status,
                });
            }
            Err(source) => {
                return Err(AccountError::Stopped {
                    account: self.name.clone(),
                    key,
                    command,
                    source,
                });
            }
        };
        // One trailing line break is how commands end their output; it is not the secret's.
        if stdout.ends_with(b"\n") {
            stdout.pop();
            if stdout.ends_with(b"\r") {
                stdout.pop();
            }
        }
        if stdout.is_empty() {
            return Err(output_problem(
                "printed nothing on stdout; it should print the secret",
            ));
        }
        if stdout.contains(&b'\n') {
            return Err(output_problem(
                "printed more than one line; it should print only the secret",
            ));
        }
        let text = String::from_utf8(stdout)
            .map_err(|_| output_problem("printed something that is not UTF-8"))?;
        Ok(SecretString::from(text))
    }
}
