//! Generates the ASAPP client at build time: `openapi.yaml` (the byte-for-byte copy of
//! `specs/asapp/openapi.yaml` in this crate, so that the published package builds on its
//! own) → in-memory rewrites → progenitor → `$OUT_DIR/asapp_client.rs`, included by
//! `src/generated.rs`.
//!
//! The logic lives in `codegen/mod.rs`, shared with `cargo xtask codegen`, which writes the
//! same text to the checked-in snapshot `generated/asapp_client.rs`.

#[allow(dead_code, unreachable_pub)]
#[path = "codegen/mod.rs"]
mod codegen;

use std::path::PathBuf;
use std::{env, fs, process};

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    // Only files inside this crate: the build must work from the published package alone.
    let spec = manifest_dir.join(codegen::OPENAPI_FILE);
    println!("cargo:rerun-if-changed={}", codegen::OPENAPI_FILE);
    println!("cargo:rerun-if-changed=codegen/mod.rs");
    println!("cargo:rerun-if-changed=build.rs");

    let yaml = fs::read_to_string(&spec).unwrap_or_else(|e| {
        fatal(&format!(
            "cannot read {}: {e}; run `cargo xtask codegen` to extract {} from {} and copy it here",
            spec.display(),
            codegen::OPENAPI_PATH,
            codegen::PAGE_PATH
        ))
    });
    let source = codegen::generate(&yaml).unwrap_or_else(|e| fatal(&e.to_string()));
    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap_or_default()).join("asapp_client.rs");
    if let Err(e) = fs::write(&out, source) {
        fatal(&format!("cannot write {}: {e}", out.display()));
    }
}

/// Fails the build with a readable message (a panic would bury it in a backtrace).
fn fatal(message: &str) -> ! {
    eprintln!("error: asapp-gen code generation failed: {message}");
    process::exit(1)
}
