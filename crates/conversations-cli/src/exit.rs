//! Exit codes: distinct for usage errors, authentication errors and other failures.

use std::process::ExitCode;

use conversations_core::Error;

/// Everything worked.
pub(crate) const OK: u8 = 0;
/// Another failure: the provider failed, the network failed, a response did not decode.
pub(crate) const FAILURE: u8 = 1;
/// The command line was wrong (clap uses 2 for its own usage errors too).
pub(crate) const USAGE: u8 = 2;
/// Credentials were missing or refused.
pub(crate) const AUTH: u8 = 3;
/// Stopped by Ctrl-C (128 + SIGINT), after closing the output cleanly.
pub(crate) const INTERRUPTED: u8 = 130;

/// The category of an error, as an exit code.
pub(crate) fn code_for(error: &Error) -> u8 {
    match error {
        Error::InvalidQuery { .. } => USAGE,
        Error::Unauthorized { .. } | Error::Forbidden { .. } => AUTH,
        _ => FAILURE,
    }
}

/// The exit code for a run that ended with these codes: usage beats auth beats other failures.
pub(crate) fn worst(codes: impl IntoIterator<Item = u8>) -> ExitCode {
    let mut codes: Vec<u8> = codes.into_iter().collect();
    codes.sort_by_key(|c| match *c {
        USAGE => 0,
        AUTH => 1,
        FAILURE => 2,
        _ => 3,
    });
    ExitCode::from(codes.first().copied().unwrap_or(OK))
}
