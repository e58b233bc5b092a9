//! `conversations airbyte spec|check|discover|read` (also installed as
//! `source-conversations`): an Airbyte source. Every answer is Airbyte protocol messages on
//! stdout; errors are TRACE messages with a failure type (and exit 1).

use std::path::PathBuf;

use clap::{Args, Subcommand};
#[cfg(feature = "run")]
use {
    super::check::probe,
    super::tap::read_json,
    crate::connectors::airbyte::{self, Airbyte, FailureType},
    crate::connectors::catalog::record_schema,
    crate::connectors::config::ConnectorConfig,
    crate::connectors::protocol::Emitter,
    crate::connectors::run::{self, Ending},
    crate::{ending, exit},
    conversations_core::{ConversationSourceExt, Error},
    serde_json::Value,
    std::collections::BTreeMap,
    std::io::{self, Write},
    std::process::ExitCode,
};

/// `conversations airbyte`: the Airbyte protocol's four commands.
#[derive(Debug, Subcommand)]
pub(crate) enum AirbyteCommand {
    /// Print the connector's specification (the config's JSON Schema).
    Spec,
    /// Check the config: build every source and send one minimal request to each.
    Check(ConfigArg),
    /// Print the catalog: one stream per source.
    Discover(ConfigArg),
    /// Read the configured catalog's streams: RECORD and per-stream STATE messages.
    Read(ReadArgs),
}

/// `--config FILE`.
#[derive(Debug, Args)]
pub(crate) struct ConfigArg {
    /// The config (JSON; see `spec`).
    #[arg(long, value_name = "FILE")]
    pub(crate) config: PathBuf,
}

/// `read`'s files.
#[derive(Debug, Args)]
pub(crate) struct ReadArgs {
    /// The config (JSON; see `spec`).
    #[arg(long, value_name = "FILE")]
    pub(crate) config: PathBuf,
    /// The configured catalog: the streams to read, each `full_refresh` or `incremental`.
    #[arg(long, value_name = "FILE")]
    pub(crate) catalog: PathBuf,
    /// The state to resume from: the per-stream STATE messages saved last.
    #[arg(long, value_name = "FILE")]
    pub(crate) state: Option<PathBuf>,
}

#[cfg(feature = "run")]
fn emit(message: &Value) -> ExitCode {
    let mut out = io::stdout().lock();
    match out
        .write_all(&airbyte::message(message))
        .and_then(|()| out.flush())
    {
        Ok(()) => ExitCode::from(exit::OK),
        Err(e) => ExitCode::from(ending::output_failed("stdout", &e, exit::OK)),
    }
}

#[cfg(feature = "run")]
/// A TRACE error message, and exit 1.
fn fail(message: &str, failure: FailureType) -> ExitCode {
    let _ = emit(&airbyte::error(message, failure));
    ExitCode::from(exit::FAILURE)
}

#[cfg(feature = "run")]
fn load(path: &std::path::Path) -> Result<ConnectorConfig, ExitCode> {
    ConnectorConfig::load(path).map_err(|e| fail(&e.to_string(), FailureType::Config))
}

#[cfg(feature = "run")]
/// Runs one of the commands.
pub(crate) async fn run(command: AirbyteCommand) -> ExitCode {
    match command {
        AirbyteCommand::Spec => emit(&airbyte::spec()),
        AirbyteCommand::Check(args) => check(&args).await,
        AirbyteCommand::Discover(args) => match load(&args.config) {
            Ok(config) => emit(&airbyte::catalog(&config.stream_names(), &record_schema())),
            Err(code) => code,
        },
        AirbyteCommand::Read(args) => read(&args).await,
    }
}

#[cfg(feature = "run")]
async fn check(args: &ConfigArg) -> ExitCode {
    let config = match ConnectorConfig::load(&args.config) {
        Ok(config) => config,
        Err(e) => return emit(&airbyte::status(Some(&e.to_string()))),
    };
    let (_sandbox, sources) = match config.sources().await {
        Ok(built) => built,
        Err(e) => return emit(&airbyte::status(Some(&e.to_string()))),
    };
    for (name, source) in sources {
        match source.fetch_page(&probe(source.provider()), None).await {
            Ok(_) | Err(Error::NotFound { .. }) => {}
            Err(e) => return emit(&airbyte::status(Some(&format!("{name}: {e}")))),
        }
    }
    emit(&airbyte::status(None))
}

#[cfg(feature = "run")]
async fn read(args: &ReadArgs) -> ExitCode {
    let config = match load(&args.config) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let schema = record_schema();
    let configured = match read_json("catalog", &args.catalog)
        .and_then(|catalog| airbyte::configured(&catalog, &schema))
    {
        Ok(configured) => configured,
        Err(e) => return fail(&format!("the configured catalog: {e}"), FailureType::Config),
    };
    let states = match &args.state {
        None => BTreeMap::new(),
        Some(path) => match read_json("state", path).and_then(|state| airbyte::states(&state)) {
            Ok(states) => states,
            Err(e) => return fail(&format!("the state: {e}"), FailureType::Config),
        },
    };
    let fields = configured
        .iter()
        .map(|(name, c)| (name.clone(), c.fields.clone()))
        .collect();
    let streams: BTreeMap<String, bool> = configured
        .iter()
        .map(|(name, c)| (name.clone(), c.full_refresh))
        .collect();
    let mut emitter = Emitter::new(
        Airbyte::new(),
        io::BufWriter::with_capacity(1 << 20, io::stdout()),
        states,
        fields,
    );
    match run::read(&config, &mut emitter, Some(&streams)).await {
        Ending::Complete => ExitCode::from(exit::OK),
        Ending::Interrupted(code) => ExitCode::from(code),
        Ending::Failed { message, failure } => fail(&message, failure),
    }
}
