//! `source-conversations`: `conversations airbyte` under the name of an Airbyte source.

fn main() -> std::process::ExitCode {
    conversations_cli::main_as("airbyte")
}
