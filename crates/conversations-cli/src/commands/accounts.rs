//! `conversations accounts`: a table of the accounts (name, provider, base URL, where the
//! secret comes from; never the secret), and with `--check` whether each one's secret can be
//! read and its client built.

#[cfg(feature = "run")]
use std::io::{self, Write};
use std::path::PathBuf;
#[cfg(feature = "run")]
use std::process::ExitCode;

use clap::Args;
#[cfg(feature = "run")]
use {
    crate::config::{Account, Accounts, ConfigFile, EnvLookup, Origin, SecretSource, process_env},
    crate::{exit, providers},
    conversations_transport::ClientOptions,
    unicode_width::UnicodeWidthStr,
};

use crate::args::config_path;

/// The config file's shape, under `conversations accounts --help`.
pub(crate) const ACCOUNTS_HELP: &str = "\
The config file (TOML) names accounts; it never holds a secret, only where to find it:

  [accounts.acme-autocalls]
  provider = \"autocalls\"
  base_url = \"https://app.autocalls.ai/api\"  # optional
  # The key is in this environment variable...
  api_key_env = \"ACME_AUTOCALLS_KEY\"
  # ...or is what this command prints:
  # api_key_command = [\"pass\", \"show\", \"autocalls/acme\"]

  [accounts.main-asapp]
  provider = \"asapp\"
  api_id = \"my-api-id\"                 # not a secret
  api_secret_env = \"ASAPP_API_SECRET\"  # or api_secret_command

Without a file, ASAPP_API_ID + ASAPP_API_SECRET and AUTOCALLS_API_KEY make the accounts
`asapp` and `autocalls`, listed as `asapp (env)` and `autocalls (env)`.";

#[derive(Debug, Args)]
pub(crate) struct AccountsArgs {
    /// The accounts config file [default: conversations/config.toml in your config directory,
    /// e.g. ~/.config/conversations/config.toml on Linux, ~/Library/Application
    /// Support/conversations/config.toml on macOS, %APPDATA%\conversations\config.toml on
    /// Windows].
    #[arg(long, env = "CONVERSATIONS_CONFIG", value_name = "PATH", value_parser = config_path)]
    pub(crate) config: Option<PathBuf>,
    /// Also read each account's secret (running its command, if it has one) and build its
    /// client, without sending any request; report what fails.
    #[arg(long)]
    pub(crate) check: bool,
    /// Only these accounts.
    #[arg(value_name = "NAME")]
    pub(crate) names: Vec<String>,
}

/// Runs `conversations accounts`.
#[cfg(feature = "run")]
pub(crate) fn run(args: &AccountsArgs) -> ExitCode {
    let env: EnvLookup<'_> = &process_env;
    let accounts = match Accounts::load(args.config.as_deref(), env) {
        Ok(accounts) => accounts,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(exit::USAGE);
        }
    };
    match &accounts.file {
        ConfigFile::Loaded(_) => {}
        ConfigFile::Absent(path) => eprintln!(
            "note: no config file at {}; listing the accounts set by environment variables",
            path.display()
        ),
        ConfigFile::NoDefault => eprintln!(
            "note: no config directory on this platform (pass --config PATH); listing the \
             accounts set by environment variables"
        ),
    }
    let selected = match accounts.select(&args.names) {
        Ok(selected) => selected,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(exit::USAGE);
        }
    };
    if selected.is_empty() {
        eprintln!(
            "no accounts: add some to the config file (see `conversations accounts --help`), \
             or set AUTOCALLS_API_KEY, or ASAPP_API_ID and ASAPP_API_SECRET"
        );
        return ExitCode::from(exit::OK);
    }

    let mut codes = Vec::new();
    let checks: Option<Vec<bool>> = args.check.then(|| {
        selected
            .iter()
            .map(
                |account| match providers::from_account(account, env, &ClientOptions::new()) {
                    Ok(_) => true,
                    Err(e) => {
                        eprintln!("error: {e}");
                        codes.push(e.exit_code());
                        false
                    }
                },
            )
            .collect()
    });
    let text = render(&selected, env, checks.as_deref());
    if let Err(e) = io::stdout().lock().write_all(text.as_bytes())
        && e.kind() != io::ErrorKind::BrokenPipe
    {
        eprintln!("error: could not write output: {e}");
        return ExitCode::from(exit::FAILURE);
    }
    exit::worst(codes)
}

/// The table: a header, then a row per account; with `checks`, a CHECK column (`ok` or
/// `failed`). Reads nothing secret: for an environment variable it only says whether it is set.
#[cfg(feature = "run")]
fn render(accounts: &[&Account], env: EnvLookup<'_>, checks: Option<&[bool]>) -> String {
    let mut header = vec!["NAME", "PROVIDER", "BASE URL", "SECRET FROM"];
    if checks.is_some() {
        header.push("CHECK");
    }
    let mut rows: Vec<Vec<String>> = vec![header.into_iter().map(str::to_owned).collect()];
    for (index, account) in accounts.iter().enumerate() {
        let name = match account.origin {
            Origin::File { .. } => account.name.clone(),
            Origin::Environment => format!("{} (env)", account.name),
        };
        let secret = match &account.secret {
            SecretSource::Env(variable) if env(variable).is_none_or(|v| v.is_empty()) => {
                format!("{} (not set)", account.secret)
            }
            source => source.to_string(),
        };
        let mut row = vec![
            name,
            account.provider.to_string(),
            account
                .base_url
                .clone()
                .unwrap_or_else(|| account.provider.default_base_url().to_owned()),
            secret,
        ];
        if let Some(checks) = checks {
            let ok = checks.get(index).copied().unwrap_or(false);
            row.push(if ok { "ok" } else { "failed" }.to_owned());
        }
        rows.push(row);
    }
    let columns = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().map(|r| r[c].width()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in &rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if c + 1 < row.len() {
                line.push_str(&" ".repeat(widths[c] - cell.width() + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(all(test, feature = "run"))]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::config::tests::{SECRET, env, good_accounts_with_secrets};

    #[test]
    fn the_listing_shows_where_secrets_come_from_never_a_secret() {
        let (accounts, vars) = good_accounts_with_secrets();

        let all: Vec<&Account> = accounts.accounts.iter().collect();
        let table = render(&all, &vars, Some(&[true, false, true, true]));
        assert!(!table.contains(SECRET), "{table}");
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 5, "{table}");
        assert!(lines[0].starts_with("NAME"), "{table}");
        assert!(lines[1].contains("env ACME_AUTOCALLS_KEY"), "{table}");
        assert!(lines[2].contains("command pass show asapp/main"), "{table}");
        assert!(lines[2].contains(asapp_gen::DEFAULT_BASE_URL), "{table}");
        assert!(lines[3].starts_with("asapp (env)"), "{table}");
        assert!(lines[4].starts_with("autocalls (env)"), "{table}");
        assert!(lines[2].ends_with("failed"), "{table}");

        let unset = render(&all[..1], &env(&[]), None);
        assert!(
            unset.contains("env ACME_AUTOCALLS_KEY (not set)"),
            "{unset}"
        );
    }
}
