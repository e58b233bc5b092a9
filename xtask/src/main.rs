//! `cargo xtask`: the workspace's own automation. See the `xtask` library for what each
//! command does.

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask codegen [--check] [--root DIR]

commands:
  codegen            regenerate every derived file (specs/asapp/openapi.yaml and
                     its packaged copy crates/asapp-gen/openapi.yaml,
                     crates/asapp-gen/generated/asapp_client.rs,
                     specs/conversation.schema.json, the CLI's man pages in
                     crates/conversations-cli/man/) and lint the OpenAPI documents

options:
  --check            write nothing; exit non-zero with a diff if anything is stale
  --root DIR         the workspace root to work on (default: this workspace)
  -h, --help         print this help";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut command = None;
    let mut check = false;
    let mut root = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "--check" => check = true,
            "--root" => match args.next() {
                Some(dir) => root = Some(PathBuf::from(dir)),
                None => return usage_error("--root needs a directory"),
            },
            "codegen" if command.is_none() => command = Some(arg),
            other => return usage_error(&format!("unexpected argument {other:?}")),
        }
    }
    if command.is_none() {
        return usage_error("no command given");
    }
    let root = root.unwrap_or_else(xtask::project_root);
    let result = if check {
        xtask::check(&root).map(|()| vec!["every derived file is up to date".to_owned()])
    } else {
        xtask::codegen(&root)
    };
    match result {
        Ok(lines) => {
            for line in lines {
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("error: {message}\n\n{USAGE}");
    ExitCode::from(2)
}
