//! The cases, by theme. Each `#[test]` runs a table of cases side by side
//! ([`run_cases`](crate::child::run_cases)) and names every one that failed.

mod body_limit;
mod faults;
mod redirects;
mod secrets;
mod walks;

use std::process::Command;

use crate::child;
use crate::server::Server;

/// The provider a case talks to, and how its command reaches `server`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Provider {
    Autocalls,
    Asapp,
}

impl Provider {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Provider::Autocalls => "autocalls",
            Provider::Asapp => "asapp",
        }
    }

    /// `conversations` pointed at `server` for this provider.
    pub(crate) fn cmd(self, server: &Server) -> Command {
        match self {
            Provider::Autocalls => child::autocalls(&server.autocalls_url()),
            Provider::Asapp => child::asapp(&server.url()),
        }
    }

    /// `conversations list` of this provider, as ndjson (ASAPP: one external id), and
    /// `extra`.
    pub(crate) fn list(self, server: &Server, extra: &[&str]) -> Command {
        let mut cmd = self.cmd(server);
        cmd.args(["list", "--provider", self.name(), "--format", "ndjson"]);
        if self == Provider::Asapp {
            cmd.args(["--external-id", "id-111"]);
        }
        cmd.args(extra);
        cmd
    }
}
