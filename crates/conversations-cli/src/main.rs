//! `conversations`: list the conversations your business holds with ASAPP and Autocalls,
//! through one normalized model. Everything lives in the library (`src/lib.rs`).

fn main() -> std::process::ExitCode {
    conversations_cli::main()
}
