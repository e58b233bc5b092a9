//! Connectors for the pipelines data teams already run: a Singer tap ([`singer`]) and an
//! Airbyte source ([`airbyte`]), both over exactly the engine of `conversations sync`
//! ([`run`]), with one config ([`config`]), one catalog of streams ([`catalog`]) and one way
//! of writing messages ([`protocol`]).

pub(crate) mod airbyte;
pub(crate) mod catalog;
pub(crate) mod config;
pub(crate) mod protocol;
pub(crate) mod run;
pub(crate) mod singer;
