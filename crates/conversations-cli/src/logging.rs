//! Request logs on stderr (`tracing-subscriber`): off unless asked for with `-v`/`-vv` or
//! `RUST_LOG`, as text or JSON lines. The spans and events come from the shared transport and
//! never hold a secret, a phone number or a query value.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::cli::LogFormat;

/// Installs the subscriber: `RUST_LOG` when set, else by verbosity (0: nothing, 1: each
/// request, 2: debug detail of our crates).
pub(crate) fn init(verbose: u8, format: LogFormat) {
    let filter = match std::env::var("RUST_LOG") {
        Ok(spec) if !spec.trim().is_empty() => EnvFilter::new(spec),
        _ => EnvFilter::new(match verbose {
            0 => "off",
            1 => "conversations_transport=info,conversations_sync=info",
            _ => {
                "conversations_transport=debug,conversations_core=debug,conversations_sync=debug,conversations=debug"
            }
        }),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false);
    // A second init (tests calling main twice) is not an error worth reporting.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
