//! `conversations tap` (also installed as `tap-conversations`): a Singer tap. `--discover`
//! prints the catalog; otherwise SCHEMA, RECORD and STATE messages go to stdout (logs to
//! stderr), read by exactly the engine of `conversations sync`.

use std::path::PathBuf;

use clap::Args;
#[cfg(feature = "run")]
use {
    crate::connectors::catalog::record_schema,
    crate::connectors::config::ConnectorConfig,
    crate::connectors::protocol::Emitter,
    crate::connectors::run::{self, Ending},
    crate::connectors::singer::{self, Singer},
    crate::{ending, exit},
    serde_json::Value,
    std::collections::BTreeMap,
    std::io::{self, Write},
    std::path::Path,
    std::process::ExitCode,
};

/// `conversations tap`: a Singer tap.
#[derive(Debug, Args)]
pub(crate) struct TapArgs {
    /// The tap's config (JSON): providers, accounts, autocalls_api_key, asapp_api_id,
    /// asapp_api_secret, the base URLs, filters (by their CLI names), lookback (3d by
    /// default), page_size, external_ids or external_ids_file, sandbox. Unknown keys are
    /// ignored.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: PathBuf,
    /// The state to resume from (the value of the last STATE message a runner saved).
    #[arg(long, value_name = "FILE")]
    pub(crate) state: Option<PathBuf>,
    /// The catalog, with the streams and fields to read selected in its metadata.
    #[arg(long, value_name = "FILE", conflicts_with = "properties")]
    pub(crate) catalog: Option<PathBuf>,
    /// The catalog, as older runners pass it (selection in the schemas or the metadata).
    #[arg(long, value_name = "FILE")]
    pub(crate) properties: Option<PathBuf>,
    /// Print the catalog (one stream per source) and exit.
    #[arg(long)]
    pub(crate) discover: bool,
}

/// A JSON file, or an error naming it; an empty file is `null`.
#[cfg(feature = "run")]
pub(crate) fn read_json(what: &str, path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("could not read the {what} {}: {e}", path.display()))?;
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(&text)
        .map_err(|e| format!("the {what} {} is not valid JSON: {e}", path.display()))
}

#[cfg(feature = "run")]
fn usage(message: &str) -> ExitCode {
    ending::note(&format!("error: {message}"));
    ExitCode::from(exit::USAGE)
}

/// Runs the tap.
#[cfg(feature = "run")]
pub(crate) async fn run(args: TapArgs) -> ExitCode {
    let config = match ConnectorConfig::load(&args.config) {
        Ok(config) => config,
        Err(e) => return usage(&e.to_string()),
    };
    let schema = record_schema();
    if args.discover {
        let catalog = singer::catalog(&config.stream_names(), &schema);
        let mut text = serde_json::to_vec_pretty(&catalog).unwrap_or_default();
        text.push(b'\n');
        let mut out = io::stdout().lock();
        return match out.write_all(&text).and_then(|()| out.flush()) {
            Ok(()) => ExitCode::from(exit::OK),
            Err(e) => ExitCode::from(ending::output_failed("stdout", &e, exit::OK)),
        };
    }
    let selected = match args.catalog.as_ref().or(args.properties.as_ref()) {
        None => None,
        Some(path) => match read_json("catalog", path).and_then(|catalog| {
            singer::selection(&catalog).map_err(|e| format!("the catalog {}: {e}", path.display()))
        }) {
            Ok(selected) => Some(selected),
            Err(e) => return usage(&e),
        },
    };
    let states = match &args.state {
        None => BTreeMap::new(),
        Some(path) => match read_json("state", path).and_then(|state| {
            if state.is_null() {
                return Ok(BTreeMap::new());
            }
            singer::states(&state).map_err(|e| format!("the state {}: {e}", path.display()))
        }) {
            Ok(states) => states,
            Err(e) => return usage(&e),
        },
    };
    let fields = selected
        .iter()
        .flatten()
        .map(|(name, fields)| (name.clone(), fields.clone()))
        .collect();
    // Singer has no full refresh by the catalog: a run without a state walks everything.
    let streams: Option<BTreeMap<String, bool>> = selected
        .as_ref()
        .map(|s| s.keys().map(|name| (name.clone(), false)).collect());
    let mut emitter = Emitter::new(
        Singer::new(),
        io::BufWriter::with_capacity(1 << 20, io::stdout()),
        states,
        fields,
    );
    match run::read(&config, &mut emitter, streams.as_ref()).await {
        Ending::Complete => ExitCode::from(exit::OK),
        Ending::Interrupted(code) => {
            ending::note(
                "interrupted: the last STATE covers every record emitted; run again with it to resume",
            );
            ExitCode::from(code)
        }
        Ending::Failed { message, .. } => {
            ending::note(&format!("error: {message}"));
            ExitCode::from(exit::FAILURE)
        }
    }
}
