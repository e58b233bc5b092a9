//! `list --external-ids-from FILE`: every conversation for many ids, from every selected
//! provider at once, through the SDK's [`Lookup`] (bounded concurrency, each id once) and the
//! clients' rate limits. The ids are read as the lookups go ([`id_feed`]), so a file of any
//! size starts at once, in bounded memory. Records say which id they answer, and `--limit`
//! bounds them as it bounds a listing; failed ids are named on stderr (each quoted at most
//! 100 characters, the first ten of them at the end) and, with `--failed-ids`, written to a
//! file as they fail, for a rerun. Output, `--output` and Ctrl-C behave as for any listing
//! (see `output::Sink` and `output::Feed`).

mod id_feed;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use conversations_core::DEDUP_WINDOW;
use conversations_core::quote;
use conversations_core::{ConversationQuery, Lookup};
use futures::StreamExt;

use crate::exit;
use crate::output::{self, Feed, Sink};
use crate::providers::NamedSource;
use id_feed::IdFeed;

/// Failed ids named in the final line on stderr; the others are counted.
const FAILED_SHOWN: usize = 10;

/// The ids that failed: the first few for stderr, all of them into `--failed-ids` (as they
/// fail: an id that failed at two providers is written twice; a rerun looks it up once).
struct Failed {
    count: u64,
    shown: Vec<String>,
    file: Option<(BufWriter<File>, std::path::PathBuf)>,
}

impl Failed {
    /// Failed ids, written to `file` (created now, so that a path that cannot be written is
    /// known before any request) when given.
    fn new(file: Option<&Path>) -> io::Result<Self> {
        let file = match file {
            Some(path) => Some((BufWriter::new(File::create(path)?), path.to_owned())),
            None => None,
        };
        Ok(Self {
            count: 0,
            shown: Vec::new(),
            file,
        })
    }

    fn add(&mut self, id: &str) -> io::Result<()> {
        self.count += 1;
        let quoted = quote(id);
        if self.shown.len() < FAILED_SHOWN && !self.shown.contains(&quoted) {
            self.shown.push(quoted);
        }
        if let Some((file, _)) = &mut self.file {
            writeln!(file, "{id}")?;
        }
        Ok(())
    }
}

/// What `list --external-ids-from` was asked.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Options<'a> {
    /// The file of ids (`-`: stdin).
    pub(crate) ids: &'a Path,
    /// `--failed-ids FILE`: where the ids that failed go.
    pub(crate) failed_ids: Option<&'a Path>,
    /// `--concurrency`: lookups in flight per source (default: the SDK's).
    pub(crate) concurrency: Option<u32>,
    /// `--limit`: the most records written.
    pub(crate) limit: Option<u64>,
    /// The output.
    pub(crate) output: output::Options<'a>,
}

/// Runs the lookups and prints what they find; exit 0 only when every id was answered by
/// every source that can look ids up. With `named` accounts, records and errors say which.
pub(crate) async fn run(
    options: &Options<'_>,
    base: &ConversationQuery,
    sources: Vec<NamedSource>,
    named: bool,
) -> ExitCode {
    let path = options.ids;
    let concurrency = options
        .concurrency
        .map_or(conversations_core::DEFAULT_LOOKUP_CONCURRENCY, |n| {
            n as usize
        });
    let mut lookups = Vec::new();
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
            Ok(lookup) => lookups.push((name, lookup.concurrency(concurrency).query(query))),
            Err(error) => refused.push((name, error)),
        }
    }
    for (name, error) in &refused {
        let kind = if lookups.is_empty() { "error" } else { "note" };
        eprintln!("{kind}: {name} left out: {error}");
    }
    if lookups.is_empty() {
        return ExitCode::from(exit::USAGE);
    }
    let mut failed = match Failed::new(options.failed_ids) {
        Ok(failed) => failed,
        Err(e) => {
            let file = options.failed_ids.unwrap_or(path);
            eprintln!("error: cannot write {}: {e}", file.display());
            return ExitCode::from(exit::USAGE);
        }
    };
    let (ids, id_streams) = match IdFeed::start(path, lookups.len()) {
        Ok(started) => started,
        Err(e) => {
            eprintln!("error: could not read ids from {}: {e}", path.display());
            return ExitCode::from(exit::USAGE);
        }
    };
    let streams: Vec<_> = lookups
        .into_iter()
        .zip(id_streams)
        .map(|((name, lookup), ids)| lookup.run(ids).map(move |r| (Arc::clone(&name), r)).boxed())
        .collect();

    let mut sink = match Sink::open(&options.output, named) {
        Ok(sink) => sink,
        Err(code) => return code,
    };
    let mut answered = 0u64;
    let mut feed = Feed::new(futures::stream::select_all(streams));
    'lookups: loop {
        let (source, result) = match feed.next(&mut sink).await {
            Ok(Some(item)) => item,
            Ok(None) => break,
            Err(code) => return code,
        };
        sink.status(|| ids.progress());
        match result.result {
            Ok(conversations) => {
                answered += 1;
                for conversation in &conversations {
                    if let Err(code) = sink.write(&source, conversation, Some(&*result.id)) {
                        return code;
                    }
                    // `--limit` bounds the records, as in a listing.
                    if options.limit.is_some_and(|limit| sink.written() >= limit) {
                        break 'lookups;
                    }
                }
            }
            Err(error) => {
                let who = if named {
                    format!("account {source}")
                } else {
                    source.to_string()
                };
                sink.fail(
                    &format!("{who}: id \"{}\": {error}", quote(&result.id)),
                    exit::code_for(&error),
                );
                if let Err(e) = failed.add(&result.id) {
                    let file = options.failed_ids.unwrap_or(path);
                    sink.fail(
                        &format!("could not write {}: {e}", file.display()),
                        exit::FAILURE,
                    );
                    break;
                }
            }
        }
    }
    if let Some(error) = ids.error() {
        sink.fail(
            &format!("invalid --external-ids-from {}: {error}", path.display()),
            exit::USAGE,
        );
    }
    if ids.ids() > DEDUP_WINDOW as u64 / 2 {
        eprintln!(
            "note: {} ids read: an id repeated more than {} distinct ids after its last \
             appearance may have been looked up again",
            ids.ids(),
            DEDUP_WINDOW / 2
        );
    }
    let mut code = sink.close(feed.interrupted());
    if failed.count == 0 {
        return code;
    }
    let more = failed.count.saturating_sub(failed.shown.len() as u64);
    failed.shown.sort();
    eprintln!(
        "{} lookups failed ({answered} answered); ids that failed: {}{}",
        failed.count,
        failed.shown.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    );
    if let Some((mut file, path)) = failed.file.take() {
        match file.flush() {
            Ok(()) => eprintln!("rerun them with --external-ids-from {}", path.display()),
            Err(e) => {
                eprintln!("error: could not write {}: {e}", path.display());
                code = ExitCode::from(exit::FAILURE);
            }
        }
    }
    code
}
