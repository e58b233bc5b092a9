//! A connector's read: exactly the engine of `conversations sync`
//! ([`conversations_sync::sync_listing_into`], [`conversations_sync::sync_lookup_into`]),
//! writing into an [`Emitter`] instead of a database. Each batch the engine commits becomes
//! its RECORD messages, then the stream's STATE, flushed: a state is on stdout only once
//! every record it covers is, so a runner killed at any moment and run again from the last
//! state it saved resumes exactly there (no page before it again, every record at least
//! once, each with the same key).

use std::collections::BTreeMap;
use std::io::Write;

use conversations_core::ConversationSource;
use conversations_sync::{
    Batch, Commit, Destination, IdsInput, Outcome, Quiet, StreamKey, StreamState, SyncError,
    SyncOptions, SyncSource, Written,
};
use serde_json::Value;

use super::airbyte::FailureType;
use super::catalog::record_schema;
use super::config::{ConfigError, ConnectorConfig};
use super::protocol::{Emitter, Protocol};

/// How a read ended.
#[derive(Debug)]
pub(crate) enum Ending {
    /// Every selected stream was read to its end.
    Complete,
    /// A signal stopped it (the last state covers what was emitted); the signal's exit code.
    Interrupted(u8),
    /// It failed; the last good state was emitted before.
    Failed {
        /// One line saying what went wrong.
        message: String,
        /// What kind of failure.
        failure: FailureType,
    },
}

impl From<ConfigError> for Ending {
    fn from(error: ConfigError) -> Self {
        Ending::Failed {
            message: error.to_string(),
            failure: FailureType::Config,
        }
    }
}

/// A stream's saved state, checked before any request: `None` when there is none.
pub(crate) fn saved_state(stream: &str, state: &Value) -> Result<StreamState, String> {
    serde_json::from_value(state.clone())
        .map_err(|e| format!("the state of stream {stream} is not one this connector wrote: {e}"))
}

/// Writes a batch's records and then its state through the emitter.
struct Messages<'e, P, W: Write> {
    emitter: &'e mut Emitter<P, W>,
    stream: String,
    /// Why writing to stdout failed, if it did.
    broken: Option<std::io::Error>,
    /// Records emitted in this run.
    emitted: u64,
}

#[conversations_core::async_trait]
impl<P: Protocol + Send, W: Write + Send> Destination for Messages<'_, P, W> {
    fn target(&self) -> &str {
        "stdout"
    }

    async fn load(&mut self, key: &StreamKey) -> Result<Option<StreamState>, SyncError> {
        let Some(value) = self.emitter.state_of(&self.stream) else {
            return Ok(None);
        };
        let state = saved_state(&self.stream, value).map_err(|message| SyncError::BadState {
            target: "the state file".to_owned(),
            stream: self.stream.clone(),
            message,
        })?;
        if &state.key != key {
            let _ = self.emitter.log(&format!(
                "{}: the saved state is for other filters ({}); starting over",
                self.stream, state.key
            ));
            return Ok(None);
        }
        Ok(Some(state))
    }

    fn commit(&mut self, batch: Batch) -> Commit {
        let records = batch.rows.len() as u64;
        let written = self
            .emitter
            .records(
                &self.stream,
                batch.rows.iter().map(|row| row.conversation()),
            )
            .and_then(|()| {
                let state = serde_json::to_value(&batch.state).map_err(std::io::Error::other)?;
                self.emitter.state(&self.stream, state)?;
                self.emitted += records;
                self.emitter.log(&format!(
                    "{}: {} records emitted, STATE after them",
                    self.stream, self.emitted
                ))
            });
        let result = match written {
            Ok(()) => Ok(Written {
                inserted: records,
                ..Written::default()
            }),
            Err(e) => {
                let message = e.to_string();
                self.broken = Some(e);
                Err(SyncError::BadState {
                    target: "stdout".to_owned(),
                    stream: self.stream.clone(),
                    message,
                })
            }
        };
        Box::pin(async move { result })
    }
}

/// Whether a query needs ids a source has no listing for (ASAPP without an external id).
fn needs_ids(
    source: &dyn ConversationSource,
    query: &conversations_core::ConversationQuery,
) -> bool {
    source
        .capabilities()
        .validate(source.provider(), query)
        .is_err()
}

/// Reads the streams of `config` that `selected` names (every one when `None`; the value:
/// full refresh or not) into `emitter`.
pub(crate) async fn read<P: Protocol + Send, W: Write + Send>(
    config: &ConnectorConfig,
    emitter: &mut Emitter<P, W>,
    selected: Option<&BTreeMap<String, bool>>,
) -> Ending {
    let (_sandbox, sources) = match config.sources().await {
        Ok(built) => built,
        Err(e) => return e.into(),
    };
    for (name, _) in &sources {
        if let Some(state) = emitter.state_of(name)
            && let Err(message) = saved_state(name, state)
        {
            return Ending::Failed {
                message,
                failure: FailureType::Config,
            };
        }
    }
    let ids = if !config.external_ids.is_empty() {
        Some(IdsInput::list(config.external_ids.clone()))
    } else if let Some(path) = &config.external_ids_file {
        match IdsInput::open(path) {
            Ok(ids) => Some(ids),
            Err(e) => {
                return Ending::Failed {
                    message: format!("external_ids_file {}: {e}", path.display()),
                    failure: FailureType::Config,
                };
            }
        }
    } else {
        None
    };

    // A signal commits what was fetched (its state goes out) and ends the read.
    let (stop, interrupt) = tokio::sync::watch::channel(false);
    let signals = crate::ending::Interrupt::take();
    let mut first_signal = signals.clone();
    let watcher = tokio::spawn(async move {
        first_signal.wait().await;
        let _ = stop.send(true);
    });

    let schema = record_schema();
    let base = config.query();
    let mut ending = Ending::Complete;
    let several = sources.len() > 1;
    for (name, source) in sources {
        let full_refresh = match selected {
            None => false,
            Some(streams) => match streams.get(&*name) {
                Some(full) => *full,
                None => continue,
            },
        };
        let mut query = base.clone();
        if source.capabilities().page_size().is_none() {
            query.page_size = None;
        }
        let lookup = ids.as_ref().filter(|_| source.provider() == "asapp");
        if lookup.is_none() && needs_ids(source.as_ref(), &query) {
            let why = format!(
                "{name}: it has no listing: give external_ids or external_ids_file (or the \
                 external-id filter)"
            );
            if several && selected.is_none() {
                let _ = emitter.log(&format!("{why}; skipped"));
                continue;
            }
            ending = Ending::Failed {
                message: why,
                failure: FailureType::Config,
            };
            break;
        }
        let fields = emitter.fields(&name);
        if let Err(e) = emitter.stream_start(&name, &fields.schema(&schema)) {
            ending = output_failed(&e);
            break;
        }
        let options = SyncOptions::default()
            .lookback(config.lookback_duration)
            .full_refresh(full_refresh);
        let sync_source = SyncSource::named(name.clone(), source);
        let mut into = Messages {
            emitter: &mut *emitter,
            stream: name.to_string(),
            broken: None,
            emitted: 0,
        };
        let result = match lookup {
            Some(ids) => {
                conversations_sync::sync_lookup_into(
                    &mut into,
                    sync_source,
                    query,
                    ids,
                    &options,
                    &mut Quiet,
                    interrupt.clone(),
                )
                .await
            }
            None => {
                conversations_sync::sync_listing_into(
                    &mut into,
                    sync_source,
                    query,
                    &options,
                    &mut Quiet,
                    interrupt.clone(),
                )
                .await
            }
        };
        if let Some(e) = into.broken.take() {
            ending = output_failed(&e);
            break;
        }
        match result {
            Ok(summary) => {
                for notice in &summary.notices {
                    let _ = emitter.log(&format!("{name}: {notice}"));
                }
                let _ = emitter.log(&format!(
                    "{name}: {} records, {} pages",
                    summary.counts.records, summary.counts.pages
                ));
                match summary.outcome {
                    Outcome::Complete => {}
                    Outcome::Interrupted => {
                        let code = signals.signal().map_or(130, |s| s.code());
                        ending = Ending::Interrupted(code);
                        break;
                    }
                    Outcome::Failed(e) => {
                        ending = failed(&name, &e);
                        break;
                    }
                    _ => {}
                }
            }
            Err(e) => {
                ending = failed(&name, &e);
                break;
            }
        }
    }
    watcher.abort();
    if let Err(e) = emitter.flush()
        && matches!(ending, Ending::Complete)
    {
        ending = output_failed(&e);
    }
    ending
}

fn output_failed(e: &std::io::Error) -> Ending {
    Ending::Failed {
        message: format!("could not write to stdout: {e}"),
        failure: FailureType::System,
    }
}

/// A failed stream, in one line, with what kind of failure it was.
fn failed(stream: &str, error: &SyncError) -> Ending {
    let failure = match error {
        SyncError::Source(e) => match crate::exit::code_for(e) {
            crate::exit::AUTH | crate::exit::USAGE => FailureType::Config,
            _ => FailureType::Transient,
        },
        SyncError::BadState { .. } | SyncError::BadIds { .. } | SyncError::IdsChanged { .. } => {
            FailureType::Config
        }
        _ => FailureType::System,
    };
    Ending::Failed {
        message: format!(
            "{stream}: {error}; every record before the last state is emitted: run again with \
             that state to resume"
        ),
        failure,
    }
}
