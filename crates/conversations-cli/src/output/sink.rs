//! Where a listing's records go, and how a listing ends, for plain listings and lookups
//! alike: stdout or `--output FILE` (a temporary file renamed into place only on success), in
//! the chosen format, with the progress line and the off-spec tally beside them; at the end
//! the output closed (no header over a failed listing), the tally printed, and the exit code
//! (130 when interrupted).

use std::io::{self, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use conversations_core::Conversation;

use super::{Destination, FormulaGuard, RecordWriter};
use crate::cli::ListArgs;
use crate::exit;
use crate::offspec::Tally;
use crate::progress::Progress;

/// The output of one `list` run.
pub(crate) struct Sink {
    writer: Box<dyn RecordWriter>,
    /// With `--output`: the temporary file and the path it becomes on success.
    destination: Option<(Destination, PathBuf)>,
    progress: Progress,
    tally: Tally,
    written: u64,
    codes: Vec<u8>,
    /// Whether sources are named accounts: each record then says which.
    named: bool,
}

impl Sink {
    /// Opens the output `args` ask for. With `named` accounts, every record says which (a
    /// field in JSON, a column in tables and CSV). A file that cannot be created is reported
    /// and its exit code returned.
    pub(crate) fn open(args: &ListArgs, named: bool) -> Result<Self, ExitCode> {
        let (out, destination): (Box<dyn io::Write>, _) = match &args.output {
            Some(path) => {
                let opened = Destination::create(path)
                    .and_then(|temp| temp.writer().map(|file| (file, temp)));
                match opened {
                    Ok((file, temp)) => (Box::new(file), Some((temp, path.clone()))),
                    Err(e) => {
                        eprintln!("error: cannot write to {}: {e}", path.display());
                        return Err(ExitCode::from(exit::USAGE));
                    }
                }
            }
            None => (Box::new(io::stdout().lock()), None),
        };
        let guard = if args.csv_raw {
            FormulaGuard::Off
        } else {
            FormulaGuard::On
        };
        let writer = super::writer(
            args.format,
            guard,
            // A large buffer: a few hundred write calls for a hundred thousand records.
            Box::new(io::BufWriter::with_capacity(256 * 1024, out)),
            terminal_width(),
            if named { &["account"] } else { &[] },
        );
        Ok(Self {
            writer,
            destination,
            progress: Progress::new(),
            tally: Tally::default(),
            written: 0,
            codes: Vec::new(),
            named,
        })
    }

    /// Writes one record of `source` (with the id a lookup asked, if any: `asked_id` in
    /// JSON), and counts it.
    pub(crate) fn write(
        &mut self,
        source: &str,
        conversation: &Conversation,
        asked_id: Option<&str>,
    ) -> Result<(), ExitCode> {
        let written = match (asked_id, self.named) {
            (None, false) => self.writer.write_with(conversation, &[]),
            (None, true) => self.writer.write_with(conversation, &[("account", source)]),
            (Some(id), false) => self.writer.write_with(conversation, &[("asked_id", id)]),
            (Some(id), true) => self
                .writer
                .write_with(conversation, &[("asked_id", id), ("account", source)]),
        };
        if let Err(e) = written {
            return Err(self.broken(&e));
        }
        self.written += 1;
        self.progress.record(source);
        self.tally.record(conversation);
        Ok(())
    }

    /// Reports an error on stderr (beside the progress line); the run will end with `code`.
    pub(crate) fn fail(&mut self, line: &str, code: u8) {
        self.progress.println(&format!("error: {line}"));
        self.codes.push(code);
    }

    /// Pushes what is buffered out: the run is about to wait.
    pub(crate) fn flush(&mut self) -> Result<(), ExitCode> {
        self.writer.flush().map_err(|e| self.broken(&e))
    }

    /// Records written so far.
    pub(crate) fn written(&self) -> u64 {
        self.written
    }

    /// Closes the output and says how the run ended: 130 when `interrupted`, else 0 or the
    /// worst error's code. The `--output` file is renamed into place only when nothing failed
    /// and nothing interrupted the run.
    pub(crate) fn close(mut self, interrupted: bool) -> ExitCode {
        self.progress.finish();
        let closed = if self.written == 0 && !self.codes.is_empty() {
            self.writer.finish_failed()
        } else {
            self.writer.finish()
        };
        if let Err(e) = closed {
            return self.broken(&e);
        }
        for line in self.tally.summary() {
            eprintln!("{line}");
        }
        if interrupted {
            eprintln!("interrupted: {} records written", self.written);
            return ExitCode::from(exit::INTERRUPTED);
        }
        if let (true, Some((temp, path))) = (self.codes.is_empty(), self.destination.take())
            && let Err(e) = temp.persist(&path)
        {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::from(exit::FAILURE);
        }
        exit::worst(self.codes.drain(..))
    }

    /// The exit code for output that could not be written: none when the reader went away
    /// (e.g. `| head`), which is not a failure of ours.
    fn broken(&self, error: &io::Error) -> ExitCode {
        self.progress.finish();
        if error.kind() == io::ErrorKind::BrokenPipe {
            return ExitCode::from(exit::OK);
        }
        eprintln!("error: could not write output: {error}");
        ExitCode::from(exit::FAILURE)
    }
}

/// The terminal's width for tables (120 when stdout is not a terminal).
fn terminal_width() -> usize {
    terminal_size::terminal_size()
        .map(|(w, _)| usize::from(w.0))
        .filter(|_| io::stdout().is_terminal())
        .unwrap_or(120)
}
