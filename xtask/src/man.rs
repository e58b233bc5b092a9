//! The `conversations` man pages, rendered by clap_mangen from the CLI's own argument
//! definitions.
//!
//! `crates/conversations-cli/src/cli.rs` is included here with `#[path]`, the same way
//! [`crate::asapp`] includes the ASAPP code generation: the xtask must build even when the
//! derived files are stale or missing, so it cannot depend on the CLI crate (which depends on
//! asapp-gen, whose build reads a derived file). One page for `conversations`, and one per
//! subcommand, named as git names its own (`conversations-list.1`, `conversations-sandbox-serve.1`).

use std::path::Path;

use clap::CommandFactory;

use crate::{Result, XtaskError};

#[allow(dead_code, unreachable_pub)]
#[path = "../../crates/conversations-cli/src/cli.rs"]
mod cli;

/// Where the pages live, relative to the workspace root.
pub const MAN_DIR: &str = "crates/conversations-cli/man";

/// The CLI's command, built (so subcommands carry their full names), as the pages show it.
///
/// ```
/// let command = xtask::man::command();
/// assert_eq!(command.get_name(), "conversations");
/// assert!(command.find_subcommand("list").is_some());
/// ```
pub fn command() -> clap::Command {
    let mut command = cli::Cli::command().disable_help_subcommand(true);
    command.build();
    command
}

/// Every page to write: the file name (in [`MAN_DIR`]) and the subcommand path it documents
/// (empty for `conversations` itself). Hidden subcommands have none.
///
/// ```
/// let pages = xtask::man::pages();
/// assert_eq!(pages[0], ("conversations.1".to_owned(), vec![]));
/// assert!(pages.contains(&("conversations-list.1".to_owned(), vec!["list".to_owned()])));
/// ```
pub fn pages() -> Vec<(String, Vec<String>)> {
    fn walk(command: &clap::Command, path: &mut Vec<String>, out: &mut Vec<(String, Vec<String>)>) {
        let mut name = String::from("conversations");
        for part in path.iter() {
            name.push('-');
            name.push_str(part);
        }
        out.push((format!("{name}.1"), path.clone()));
        for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
            path.push(sub.get_name().to_owned());
            walk(sub, path, out);
            path.pop();
        }
    }
    let mut out = Vec::new();
    walk(&command(), &mut Vec::new(), &mut out);
    out
}

/// The roff text of the page for the subcommand at `path` (empty for `conversations`).
///
/// ```
/// let page = xtask::man::render(&["list"]).unwrap();
/// assert!(page.starts_with(".ie \\n(.g .ds Aq \\(aq"));
/// assert!(page.contains("conversations\\-list"));
/// assert!(xtask::man::render(&["nope"]).is_err());
/// ```
pub fn render(path: &[&str]) -> Result<String> {
    let root = command();
    let version = root.get_version().unwrap_or_default().to_owned();
    let mut page = &root;
    for part in path {
        page = page
            .find_subcommand(part)
            .ok_or_else(|| XtaskError(format!("the CLI has no subcommand {:?}", path.join(" "))))?;
    }
    let man = clap_mangen::Man::new(page.clone()).source(format!("conversations {version}"));
    let mut out = Vec::new();
    man.render(&mut out)
        .map_err(|e| XtaskError(format!("cannot render the man page: {e}")))?;
    String::from_utf8(out).map_err(|e| XtaskError(format!("the man page is not UTF-8: {e}")))
}

macro_rules! pages {
    ($($fn_name:ident => [$($part:literal),*];)*) => {
        $(
            #[doc = concat!("The page for `conversations", $(" ", $part,)* "`.")]
            pub(crate) fn $fn_name(_root: &Path) -> Result<String> {
                render(&[$($part),*])
            }
        )*
    };
}

pages! {
    render_conversations => [];
    render_list => ["list"];
    render_schema => ["schema"];
    render_sandbox => ["sandbox"];
    render_sandbox_serve => ["sandbox", "serve"];
    render_completions => ["completions"];
    render_accounts => ["accounts"];
}
