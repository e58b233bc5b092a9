//! `list --external-ids-from FILE`: every conversation for many ids, from every selected
//! provider at once, through the SDK's [`Lookup`] (bounded concurrency, each id once) and the
//! clients' rate limits. Records say which id they answer; failed ids are listed on stderr
//! and, with `--failed-ids`, written to a file for a rerun. Output, `--output` and Ctrl-C
//! behave as for any listing (see `output::Sink` and `output::Feed`).

use std::collections::BTreeSet;
use std::io::{self, Read};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use conversations_core::{ConversationQuery, Lookup, lookup::parse_ids};
use futures::StreamExt;

use crate::cli::ListArgs;
use crate::config::NamedSource;
use crate::exit;
use crate::output::{Feed, Sink};

/// Reads the ids of `path` (`-`: stdin), naming the line of a bad one.
fn read_ids(path: &Path) -> Result<Vec<String>, String> {
    let mut text = String::new();
    let read = if path.as_os_str() == "-" {
        io::stdin().read_to_string(&mut text)
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_string(&mut text))
    };
    read.map_err(|e| format!("could not read ids from {}: {e}", path.display()))?;
    parse_ids(&text).map_err(|e| format!("invalid --external-ids-from {}: {e}", path.display()))
}

/// Runs the lookups and prints what they find; exit 0 only when every id was answered by
/// every source that can look ids up. With `named` accounts, records and errors say which.
pub(crate) async fn run(
    args: &ListArgs,
    path: &Path,
    base: &ConversationQuery,
    sources: Vec<NamedSource>,
    named: bool,
) -> ExitCode {
    let ids = match read_ids(path) {
        Ok(ids) => ids,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(exit::USAGE);
        }
    };
    let concurrency = args
        .pace
        .concurrency
        .map_or(conversations_core::DEFAULT_LOOKUP_CONCURRENCY, |n| {
            n as usize
        });
    let mut streams = Vec::new();
    let mut refused = Vec::new();
    for (name, source) in sources {
        let mut query = base.clone();
        if source.capabilities().page_size().is_none() {
            query.page_size = None;
        }
        // Check the rest of the query too (with a stand-in id) before any request.
        let probe = query.clone().external_id("id");
        let checked = source
            .capabilities()
            .validate(source.provider(), &probe)
            .and_then(|()| Lookup::new(source));
        match checked {
            Ok(lookup) => {
                let ids = futures::stream::iter(ids.clone());
                let found = lookup.concurrency(concurrency).query(query).run(ids);
                let tag = Arc::clone(&name);
                streams.push(found.map(move |r| (Arc::clone(&tag), r)).boxed());
            }
            Err(error) => refused.push((name, error)),
        }
    }
    for (name, error) in &refused {
        let kind = if streams.is_empty() { "error" } else { "note" };
        eprintln!("{kind}: {name} left out: {error}");
    }
    if streams.is_empty() {
        return ExitCode::from(exit::USAGE);
    }

    let mut sink = match Sink::open(args, named) {
        Ok(sink) => sink,
        Err(code) => return code,
    };
    let mut failed = BTreeSet::new();
    let (mut answered, mut failures) = (0u64, 0u64);
    let mut feed = Feed::new(futures::stream::select_all(streams));
    loop {
        let (source, result) = match feed.next(&mut sink).await {
            Ok(Some(item)) => item,
            Ok(None) => break,
            Err(code) => return code,
        };
        match result.result {
            Ok(conversations) => {
                answered += 1;
                for conversation in &conversations {
                    if let Err(code) = sink.write(&source, conversation, Some(&*result.id)) {
                        return code;
                    }
                }
            }
            Err(error) => {
                failures += 1;
                let who = if named {
                    format!("account {source}")
                } else {
                    source.to_string()
                };
                sink.fail(
                    &format!("{who}: id {:?}: {error}", &*result.id),
                    exit::code_for(&error),
                );
                failed.insert(result.id.to_string());
            }
        }
    }
    let code = sink.close(feed.interrupted());
    if failed.is_empty() {
        return code;
    }
    eprintln!(
        "{failures} lookups failed ({answered} answered); ids that failed: {}",
        failed.iter().cloned().collect::<Vec<_>>().join(", ")
    );
    if let Some(file) = &args.failed_ids {
        let text: String = failed.iter().map(|id| format!("{id}\n")).collect();
        if let Err(e) = std::fs::write(file, text) {
            eprintln!("error: could not write {}: {e}", file.display());
            return ExitCode::from(exit::FAILURE);
        }
        eprintln!("rerun them with --external-ids-from {}", file.display());
    }
    code
}
