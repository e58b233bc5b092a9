//! The ASAPP client and types that progenitor generates at build time from
//! `openapi.yaml` (see `build.rs`); nothing here is written by hand.
//!
//! Reach for it when you want the raw operation: [`Client::get_conversations`] returns
//! [`types::ConversationList`] or a `progenitor_client::Error<types::ErrorEnvelope>`.
//! Most callers want [`crate::AsappClient`] instead, which adds authentication, base URL
//! checks, bounded error snippets and the [`conversations_core`] mapping. A formatted copy of
//! this code is checked in at `crates/asapp-gen/generated/asapp_client.rs` for reading.

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
