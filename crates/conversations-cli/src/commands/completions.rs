//! `conversations completions SHELL`: a shell completion script on stdout, from the same
//! definitions as `--help`.

#[cfg(feature = "run")]
use std::io::{self, Write};
#[cfg(feature = "run")]
use std::process::ExitCode;

use clap::Args;

#[cfg(feature = "run")]
use crate::{ending, exit};

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
}

/// Runs `conversations completions SHELL` for `command`, the whole command line.
#[cfg(feature = "run")]
pub(crate) fn run(args: &CompletionsArgs, mut command: clap::Command) -> ExitCode {
    use clap_complete::Generator;
    command.set_bin_name("conversations");
    command.build();
    // Rendered in memory first: clap_complete's own `generate` panics on a write error
    // (e.g. a closed pipe); `try_generate` into a buffer cannot fail that way.
    let mut script = Vec::new();
    if let Err(e) = args.shell.try_generate(&command, &mut script) {
        ending::note(&format!(
            "error: could not generate the {} completions: {e}",
            args.shell
        ));
        return ExitCode::from(exit::FAILURE);
    }
    let written = {
        let mut out = io::stdout().lock();
        out.write_all(&script).and_then(|()| out.flush())
    };
    match written {
        Ok(()) => ExitCode::from(exit::OK),
        Err(e) => ExitCode::from(ending::output_failed("stdout", &e, exit::OK)),
    }
}
