//! `conversations sandbox serve`: the built-in sandbox that behaves like both providers'
//! APIs, on 127.0.0.1 until interrupted, with faults, latency and rate limits on demand.

use std::path::PathBuf;
#[cfg(feature = "run")]
use std::process::ExitCode;

use clap::{Args, Subcommand};
#[cfg(feature = "run")]
use {
    crate::{ending, exit},
    conversations_core::quote,
    conversations_sandbox::{FaultSpec, Sandbox, SandboxConfig},
};

#[derive(Debug, Subcommand)]
pub(crate) enum SandboxCommand {
    /// Serve the sandbox on 127.0.0.1 until interrupted.
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    pub(crate) port: u16,
    /// Number of conversations to generate across both providers.
    #[arg(long, value_name = "N")]
    pub(crate) size: Option<usize>,
    /// Seed for the generated data.
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    /// Faults to inject, e.g. `autocalls:429*2` (repeatable; see the sandbox README).
    #[arg(long = "fault", value_name = "SPEC")]
    pub(crate) faults: Vec<String>,
    /// Latency before each answer of a provider, e.g. `asapp:50ms` (repeatable).
    #[arg(long = "latency", value_name = "PROVIDER:DURATION")]
    pub(crate) latency: Vec<String>,
    /// A real rate limit for a provider in requests per second, e.g. `asapp:100` (repeatable;
    /// beyond it, 429 with Retry-After).
    #[arg(long = "rate-limit", value_name = "PROVIDER:N")]
    pub(crate) rate_limits: Vec<String>,
    /// Write the base URLs and credentials as JSON to this file once listening.
    #[arg(long, value_name = "FILE", hide = true)]
    pub(crate) ready_file: Option<PathBuf>,
}

/// Runs `conversations sandbox SUBCOMMAND`.
#[cfg(feature = "run")]
pub(crate) async fn run(command: SandboxCommand) -> ExitCode {
    match command {
        SandboxCommand::Serve(args) => serve(args).await,
    }
}

/// `asapp:VALUE` or `autocalls:VALUE`.
#[cfg(feature = "run")]
fn parse_provider_value(
    spec: &str,
) -> Result<(conversations_sandbox::Provider, &str), &'static str> {
    let (provider, value) = spec
        .split_once(':')
        .ok_or("expected PROVIDER:VALUE, e.g. asapp:50ms")?;
    let provider = match provider {
        "asapp" => conversations_sandbox::Provider::Asapp,
        "autocalls" => conversations_sandbox::Provider::Autocalls,
        _ => return Err("the provider is asapp or autocalls"),
    };
    Ok((provider, value))
}

/// `50ms`, `2s` or a bare number of milliseconds.
#[cfg(feature = "run")]
fn parse_millis(text: &str) -> Option<std::time::Duration> {
    let (number, scale) = match text {
        t if t.ends_with("ms") => (&t[..t.len() - 2], 1),
        t if t.ends_with('s') => (&t[..t.len() - 1], 1000),
        t => (t, 1),
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .map(std::time::Duration::from_millis)
}

/// Runs `conversations sandbox serve`: until interrupted.
#[cfg(feature = "run")]
async fn serve(args: ServeArgs) -> ExitCode {
    let mut config =
        SandboxConfig::new().addr(std::net::SocketAddr::from(([127, 0, 0, 1], args.port)));
    if let Some(size) = args.size {
        config = config.dataset_size(size);
        // Refused before anything is generated (a size too large would grow until memory ran out).
        if let Err(e) = config.check_size() {
            ending::note(&format!("error: invalid --size {size}: {e}"));
            return ExitCode::from(exit::USAGE);
        }
    }
    if let Some(seed) = args.seed {
        config = config.seed(seed);
    }
    for spec in &args.faults {
        match spec.parse::<FaultSpec>() {
            Ok(spec) => config = config.fault(spec),
            Err(e) => {
                // The parser's message quotes parts of the spec: shown for a spec of a
                // sensible length only, so no error line grows with the input.
                let why = if spec.chars().count() > conversations_core::QUOTE_CHARS {
                    "longer than any fault spec".to_owned()
                } else {
                    e.to_string()
                };
                ending::note(&format!(
                    "error: invalid --fault \"{}\": {why}",
                    quote(spec)
                ));
                return ExitCode::from(exit::USAGE);
            }
        }
    }
    for spec in &args.latency {
        match parse_provider_value(spec).and_then(|(p, v)| {
            parse_millis(v)
                .map(|d| (p, d))
                .ok_or("expected a duration like 50ms or 1s")
        }) {
            Ok((provider, latency)) => config = config.latency(provider, latency),
            Err(why) => {
                ending::note(&format!(
                    "error: invalid --latency \"{}\": {why}",
                    quote(spec)
                ));
                return ExitCode::from(exit::USAGE);
            }
        }
    }
    for spec in &args.rate_limits {
        match parse_provider_value(spec).and_then(|(p, v)| {
            v.parse::<u32>()
                .ok()
                .filter(|n| *n > 0)
                .map(|n| (p, n))
                .ok_or("expected requests per second, a positive whole number")
        }) {
            Ok((provider, n)) => {
                config =
                    config.rate_limit(provider, conversations_sandbox::RateLimit::per_second(n))
            }
            Err(why) => {
                ending::note(&format!(
                    "error: invalid --rate-limit \"{}\": {why}",
                    quote(spec)
                ));
                return ExitCode::from(exit::USAGE);
            }
        }
    }
    let sandbox = match Sandbox::start(config).await {
        Ok(sandbox) => sandbox,
        Err(e) => {
            ending::note(&format!(
                "error: could not start the sandbox on 127.0.0.1:{}: {e}",
                args.port
            ));
            return ExitCode::from(exit::FAILURE);
        }
    };
    let demo = sandbox.credentials();
    let banner = format!(
        "conversations sandbox listening on http://{addr}\n\n\
         ASAPP      base URL  {asapp}\n\
         \u{20}          api id    {id}\n\
         \u{20}          secret    {secret}\n\
         Autocalls  base URL  {autocalls}\n\
         \u{20}          api key   {key}\n\n\
         Try:\n  curl -H 'asapp-api-id: {id}' -H 'asapp-api-secret: {secret}' '{asapp}/conversation/v1/conversations?externalId={ext}'\n\
         \u{20} curl -H 'Authorization: Bearer {key}' '{autocalls}/user/conversations?per_page=5'\n\
         \nThese are demo credentials of the local sandbox, not secrets. Ctrl-C stops it.",
        addr = sandbox.addr(),
        asapp = sandbox.asapp_base_url(),
        autocalls = sandbox.autocalls_base_url(),
        id = demo.asapp_api_id,
        secret = demo.asapp_api_secret,
        key = demo.autocalls_api_key,
        ext = sandbox
            .dataset()
            .asapp_external_ids()
            .first()
            .copied()
            .unwrap_or("id-111"),
    );
    // A closed stdout ends the server too, quietly: nobody is reading what it says.
    if let Err(e) = ending::print(&banner) {
        return ExitCode::from(ending::output_failed("stdout", &e, exit::OK));
    }
    if let Some(path) = &args.ready_file {
        let ready = serde_json::json!({
            "asapp_base_url": sandbox.asapp_base_url(),
            "autocalls_base_url": sandbox.autocalls_base_url(),
        });
        if let Err(e) = std::fs::write(path, ready.to_string()) {
            ending::note(&format!("error: could not write {}: {e}", path.display()));
            return ExitCode::from(exit::FAILURE);
        }
    }
    sandbox.serve_forever().await;
    ExitCode::from(exit::OK)
}
