//! The subcommands, one file each, as cargo lays out its own: the subcommand's arguments
//! (clap derive; groups several share come from [`crate::args`]) and `run`, what it does.
//!
//! A new subcommand is a file here, its `mod` line below, a variant of
//! [`crate::cli::Command`] and an arm of the dispatch in `lib.rs`. Its `run` (and whatever
//! only `run` uses) is built with the `run` feature; its arguments always are, since the man
//! pages are rendered from them without it.

pub(crate) mod accounts;
pub(crate) mod airbyte;
pub(crate) mod check;
pub(crate) mod completions;
pub(crate) mod list;
pub(crate) mod report;
pub(crate) mod sandbox;
pub(crate) mod schema;
pub(crate) mod sync;
pub(crate) mod tap;
