//! `conversations accounts`: a table of the accounts (name, provider, base URL, where the
//! secret comes from; never the secret), and with `--check` whether each one's secret can be
//! read and its client built.

use std::io::{self, Write};
use std::process::ExitCode;

use conversations_transport::ClientOptions;
use unicode_width::UnicodeWidthStr;

use super::{Account, Accounts, ConfigFile, EnvLookup, Origin, SecretSource, process_env};
use crate::cli::AccountsArgs;
use crate::exit;

/// Runs `conversations accounts`.
pub(crate) fn accounts_command(args: &AccountsArgs) -> ExitCode {
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
    let selected: Vec<&Account> = if args.names.is_empty() {
        accounts.accounts.iter().collect()
    } else {
        let mut selected = Vec::new();
        for name in &args.names {
            match accounts.find(name) {
                Ok(account) => selected.push(account),
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(exit::USAGE);
                }
            }
        }
        selected
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
            .map(|account| {
                match account
                    .resolve(env)
                    .and_then(|r| r.into_source(&ClientOptions::new()))
                {
                    Ok(_) => true,
                    Err(e) => {
                        eprintln!("error: {e}");
                        codes.push(e.exit_code());
                        false
                    }
                }
            })
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
pub(crate) fn render(accounts: &[&Account], env: EnvLookup<'_>, checks: Option<&[bool]>) -> String {
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
