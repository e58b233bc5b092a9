//! Hostile servers: the real `conversations` binary against a small HTTP server of our own
//! (a raw `TcpListener` on 127.0.0.1:0) that sends what real servers and the networks in
//! between sometimes do — malformed chunked encoding, bodies that never end, a byte every
//! 200 ms, silence, a megabyte of headers, floods of `100 Continue`, redirects to another
//! port, odd statuses, garbage `Retry-After`, pages that loop, cursors of 10 MB, and error
//! bodies and headers that echo the credentials back.
//!
//! Every case is bounded: the server counts requests and stops answering past a cap, every
//! run is killed past a minute (and fails), and each asserts the exit code, that the run
//! ended within that bound, the children's peak memory (getrusage), and the output or the
//! rows stored. Nothing waits on a clock: a case waits for the child's exit.
//!
//! - `hostile/server.rs`: the server, its answers, records shaped as the specs document;
//! - `hostile/child.rs`: running the binary with a bound, and cases side by side;
//! - `hostile/leaks.rs`: looking for a credential in every form it may be echoed in;
//! - `hostile/cases/`: the cases, by theme.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

#[path = "hostile/cases/mod.rs"]
mod cases;
#[path = "hostile/child.rs"]
mod child;
#[path = "hostile/leaks.rs"]
mod leaks;
#[path = "hostile/server.rs"]
mod server;
