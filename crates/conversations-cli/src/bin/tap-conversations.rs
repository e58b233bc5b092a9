//! `tap-conversations`: `conversations tap` under the name Singer runners call a tap by.

fn main() -> std::process::ExitCode {
    conversations_cli::main_as("tap")
}
