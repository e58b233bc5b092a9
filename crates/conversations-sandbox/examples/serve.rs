//! Runs a sandbox until Ctrl-C, for trying it with curl.
//!
//! ```sh
//! cargo run -p conversations-sandbox --example serve -- --port 8080 --fault autocalls:429*2
//! ```
//!
//! Options: `--port N` (default 8080; 0 picks a free port), `--size N`, `--seed N`, `--drift`,
//! and, repeatable: `--fault SPEC` (e.g. `autocalls:429*2`), `--latency SPEC` (e.g.
//! `asapp:50ms`), `--rate-limit SPEC` (e.g. `autocalls:100/s,burst=20`); see the crate README
//! for the syntax.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use conversations_sandbox::{FaultSpec, LatencySpec, RateLimitSpec, Sandbox, SandboxConfig};

fn parse_args() -> Result<SandboxConfig, String> {
    let mut config = SandboxConfig::new().addr(SocketAddr::from((Ipv4Addr::LOCALHOST, 8080)));
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        config = match flag.as_str() {
            "--port" => {
                let port = value()?
                    .parse::<u16>()
                    .map_err(|e| format!("--port: {e}"))?;
                config.addr(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
            }
            "--size" => config.dataset_size(value()?.parse().map_err(|e| format!("--size: {e}"))?),
            "--seed" => config.seed(value()?.parse().map_err(|e| format!("--seed: {e}"))?),
            "--fault" => config.fault(
                value()?
                    .parse::<FaultSpec>()
                    .map_err(|e| format!("--fault: {e}"))?,
            ),
            "--latency" => config.latency_spec(
                value()?
                    .parse::<LatencySpec>()
                    .map_err(|e| format!("--latency: {e}"))?,
            ),
            "--rate-limit" => config.rate_limit_spec(
                value()?
                    .parse::<RateLimitSpec>()
                    .map_err(|e| format!("--rate-limit: {e}"))?,
            ),
            "--drift" => config.drift(true),
            other => return Err(format!("unknown option {other}")),
        };
    }
    Ok(config)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let config = match parse_args() {
        Ok(config) => config,
        Err(message) => {
            eprintln!("serve: {message}");
            return ExitCode::from(2);
        }
    };
    let sandbox = match Sandbox::start(config).await {
        Ok(sandbox) => sandbox,
        Err(e) => {
            eprintln!("serve: cannot start the sandbox: {e}");
            return ExitCode::FAILURE;
        }
    };
    let creds = sandbox.credentials();
    println!(
        "ASAPP:     {}/conversation/v1/conversations",
        sandbox.asapp_base_url()
    );
    println!("           asapp-api-id: {}", creds.asapp_api_id);
    println!("           asapp-api-secret: {}", creds.asapp_api_secret);
    println!(
        "Autocalls: {}/user/conversations",
        sandbox.autocalls_base_url()
    );
    println!(
        "           Authorization: Bearer {}",
        creds.autocalls_api_key
    );
    println!("Ctrl-C to stop.");
    sandbox.serve_forever().await;
    ExitCode::SUCCESS
}
