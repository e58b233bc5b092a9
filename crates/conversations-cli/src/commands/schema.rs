//! `conversations schema`: the JSON Schema of the normalized conversation record, on stdout.

#[cfg(feature = "run")]
use std::process::ExitCode;

#[cfg(feature = "run")]
use crate::{ending, exit};

/// Runs `conversations schema`.
#[cfg(feature = "run")]
pub(crate) fn run() -> ExitCode {
    let schema = schemars::schema_for!(conversations_core::Conversation);
    let printed = match serde_json::to_string_pretty(&schema) {
        Ok(text) => ending::print(&text),
        Err(e) => {
            ending::note(&format!("error: could not render the schema: {e}"));
            return ExitCode::from(exit::FAILURE);
        }
    };
    match printed {
        Ok(()) => ExitCode::from(exit::OK),
        Err(e) => ExitCode::from(ending::output_failed("stdout", &e, exit::OK)),
    }
}
