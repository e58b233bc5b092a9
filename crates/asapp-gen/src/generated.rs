//! The ASAPP types and client that progenitor generates at build time from `openapi.yaml`
//! (see `build.rs`); nothing here is written by hand. This is where generated code ends.
//!
//! Only the types leave this module (re-exported by `types`): the generated `Client` sends
//! requests with a bare `reqwest::Client`, outside the shared transport's retries, rate
//! limits and logs, so it is not handed out. A formatted copy of this code is checked in at
//! `crates/asapp-gen/generated/asapp_client.rs` for reading.

#![allow(
    missing_docs,
    unreachable_pub,
    unreachable_patterns,
    unused_imports,
    dead_code,
    clippy::all,
    clippy::unwrap_used,
    rustdoc::all
)]

include!(concat!(env!("OUT_DIR"), "/asapp_client.rs"));
