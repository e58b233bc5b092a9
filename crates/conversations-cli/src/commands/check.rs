//! `conversations check`: one minimal request per configured account — reachable or not,
//! authenticated or not, latency, and the provider's request id when it sends one — so a
//! user can see whether credentials work without running a listing.

#[cfg(feature = "run")]
use std::process::ExitCode;
#[cfg(feature = "run")]
use std::time::Instant;

use clap::Args;
#[cfg(feature = "run")]
use {
    crate::config::{Accounts, process_env},
    crate::{ending, exit, providers},
    conversations_core::{ConversationQuery, ConversationSourceExt, Error},
};

use crate::args::{ConfigArgs, HttpArgs};

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    #[command(flatten)]
    pub(crate) file: ConfigArgs,
    #[command(flatten)]
    pub(crate) http: HttpArgs,
    /// Only these accounts (default: every configured one).
    #[arg(value_name = "NAME")]
    pub(crate) names: Vec<String>,
}

/// The smallest request a provider answers, enough to say whether a source answers and takes
/// its credentials: ASAPP needs an external id (this one matches nothing), Autocalls pages
/// (one record). The Airbyte source's `check` asks the same.
#[cfg(feature = "run")]
pub(crate) fn probe(provider: &str) -> ConversationQuery {
    match provider {
        "asapp" => ConversationQuery::new().external_id("conversations-check"),
        _ => ConversationQuery::new().page_size(1).limit(1),
    }
}

/// Runs the checks and prints one line per account; exit 0 when every account answered and
/// accepted its credentials, 3 when one was refused, 1 when one could not be reached.
#[cfg(feature = "run")]
pub(crate) async fn run(args: &CheckArgs) -> ExitCode {
    let accounts = match Accounts::load(args.file.config.as_deref(), &process_env) {
        Ok(accounts) => accounts,
        Err(e) => {
            ending::note(&format!("error: {e}"));
            return ExitCode::from(exit::USAGE);
        }
    };
    let chosen = match accounts.select(&args.names) {
        Ok(chosen) => chosen,
        Err(e) => {
            ending::note(&format!("error: {e}"));
            return ExitCode::from(exit::USAGE);
        }
    };
    if chosen.is_empty() {
        ending::note("error: no account is configured (see `conversations accounts`)");
        return ExitCode::from(exit::AUTH);
    }
    let mut codes = Vec::new();
    // A closed stdout ends the checks quietly; a failed write with one line and exit 1.
    let header = format!(
        "{:<20} {:<10} {:<10} {:<14} {:>9}  REQUEST ID",
        "ACCOUNT", "PROVIDER", "REACHABLE", "AUTHENTICATED", "LATENCY"
    );
    if let Err(e) = ending::print(&header) {
        return ExitCode::from(ending::output_failed("stdout", &e, exit::OK));
    }
    for account in chosen {
        let options = providers::client_options(&args.http);
        let source = match providers::from_account(account, &process_env, &options) {
            Ok(source) => source,
            Err(e) => {
                codes.push(e.exit_code());
                let line = format!(
                    "{:<20} {:<10} error: {e}",
                    account.name,
                    account.provider.name()
                );
                if let Err(e) = ending::print(&line) {
                    return ended(&e, codes);
                }
                continue;
            }
        };
        let started = Instant::now();
        let result = source.fetch_page(&probe(source.provider()), None).await;
        let latency = format!("{} ms", started.elapsed().as_millis());
        let (reachable, authenticated, request_id, code) = match &result {
            Ok(_) => ("yes", "yes", None, exit::OK),
            Err(e @ (Error::Unauthorized { .. } | Error::Forbidden { .. })) => {
                ("yes", "no", e.request_id(), exit::AUTH)
            }
            Err(e @ Error::Transport { .. }) => ("no", "unknown", None, exit::code_for(e)),
            Err(e) => ("yes", "unknown", e.request_id(), exit::code_for(e)),
        };
        codes.push(code);
        let line = format!(
            "{:<20} {:<10} {:<10} {:<14} {:>9}  {}",
            account.name,
            source.provider(),
            reachable,
            authenticated,
            latency,
            request_id.unwrap_or("-")
        );
        if let Err(e) = ending::print(&line) {
            return ended(&e, codes);
        }
        if let Err(e) = &result {
            ending::note(&format!("{}: {e}", account.name));
        }
    }
    exit::worst(codes)
}

/// The end of a run whose table could not be written: a closed stdout ends it quietly with
/// the checks' codes so far, another error with one line and exit 1.
#[cfg(feature = "run")]
fn ended(error: &std::io::Error, codes: Vec<u8>) -> ExitCode {
    match ending::output_failed("stdout", error, exit::OK) {
        exit::OK => exit::worst(codes),
        code => ExitCode::from(code),
    }
}
