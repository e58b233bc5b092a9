//! Where a listing's records go, and how a listing ends, for plain listings and lookups
//! alike: stdout or `--output FILE` (see [`Destination`]), in the chosen format, with the
//! progress line and the off-spec tally beside them; at the end the output closed (no header
//! over a failed listing), the tally printed, what was kept said when the run did not
//! succeed, and the exit code (128 + the signal when one stopped it).

use std::io::{self, IsTerminal};
use std::path::Path;
use std::process::ExitCode;

use conversations_core::Conversation;

use super::{Destination, Format, FormulaGuard, RecordWriter};
use crate::ending::{self, Interrupt, Signal};
use crate::exit;
use crate::offspec::Tally;
use crate::progress::Progress;

/// What a listing's records are written as, and where (`list`'s `--format`, `--output`,
/// `--csv-raw`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Options<'a> {
    /// The format.
    pub(crate) format: Format,
    /// `--output`: a path, `-` or none for stdout.
    pub(crate) path: Option<&'a Path>,
    /// CSV cells written exactly as received, formulas and all.
    pub(crate) csv_raw: bool,
}

/// The output of one `list` run.
pub(crate) struct Sink {
    writer: Box<dyn RecordWriter>,
    /// Where the records go.
    destination: Destination,
    progress: Progress,
    tally: Tally,
    written: u64,
    codes: Vec<u8>,
    /// Whether sources are named accounts: each record then says which.
    named: bool,
}

impl Sink {
    /// Opens the output `options` ask for. With `named` accounts, every record says which (a
    /// field in JSON, a column in tables and CSV). A destination that cannot be written is
    /// reported and the usage exit code returned. From here on signals are the listing's to
    /// handle (see [`Interrupt`]).
    pub(crate) fn open(options: &Options<'_>, named: bool) -> Result<Self, ExitCode> {
        let width = match table_width(options) {
            Ok(width) => width,
            Err(e) if options.format == Format::Table => {
                ending::note(&format!("error: {e}"));
                return Err(ExitCode::from(exit::USAGE));
            }
            Err(_) => None,
        };
        let (destination, out) = match Destination::open(options.path, || {
            Interrupt::take();
        }) {
            Ok(opened) => opened,
            Err(e) => {
                ending::note(&format!("error: {e}"));
                return Err(ExitCode::from(exit::USAGE));
            }
        };
        // Taken here too when no temporary file was made: a signal from now on closes the
        // format rather than ending the process mid-record.
        Interrupt::take();
        let guard = if options.csv_raw {
            FormulaGuard::Off
        } else {
            FormulaGuard::On
        };
        let writer = super::writer(
            options.format,
            guard,
            // A large buffer: a few hundred write calls for a hundred thousand records.
            Box::new(io::BufWriter::with_capacity(256 * 1024, out)),
            width,
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

    /// Shows `status()` on the progress line, if there is one (`status` runs only then).
    pub(crate) fn status(&mut self, status: impl FnOnce() -> String) {
        self.progress.status(status);
    }

    /// Records written so far.
    pub(crate) fn written(&self) -> u64 {
        self.written
    }

    /// Closes the output and says how the run ended: 128 + the signal when `interrupted`,
    /// else 0 or the worst error's code. The `--output` file is renamed into place only when
    /// nothing failed and nothing interrupted the run; otherwise the last line says what was
    /// kept.
    pub(crate) fn close(mut self, interrupted: Option<Signal>) -> ExitCode {
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
            ending::note(&line);
        }
        if let Some(signal) = interrupted {
            ending::note(&format!(
                "interrupted: {} ({signal})",
                self.destination.kept(self.written)
            ));
            return ExitCode::from(signal.code());
        }
        if !self.codes.is_empty() {
            if matches!(self.destination, Destination::Replace { .. }) {
                ending::note(&self.destination.kept(self.written));
            }
            return exit::worst(self.codes.drain(..));
        }
        let destination = std::mem::replace(&mut self.destination, Destination::Stdout);
        if let Err(e) = destination.persist() {
            ending::note(&format!("error: {e}"));
            return ExitCode::from(exit::FAILURE);
        }
        ExitCode::from(exit::OK)
    }

    /// How the run ends when its output could not be written: quietly when the reader went
    /// away (e.g. `| head`), which is not a failure of ours; otherwise with one line, exit 1,
    /// and the temporary file (if any) removed.
    fn broken(&self, error: &io::Error) -> ExitCode {
        self.progress.finish();
        let so_far = self.codes.iter().copied().max_by_key(|c| match *c {
            exit::USAGE => 3,
            exit::AUTH => 2,
            exit::OK => 0,
            _ => 1,
        });
        let code =
            ending::output_failed(&self.destination.name(), error, so_far.unwrap_or(exit::OK));
        if let Destination::Replace { .. } = self.destination {
            ending::note(&self.destination.kept(self.written));
        }
        ExitCode::from(code)
    }
}

/// A table's width: `COLUMNS` when set (empty counts as unset), else the terminal's when the
/// records go to one, else none: into a file or a pipe, whole values.
fn table_width(options: &Options<'_>) -> Result<Option<usize>, String> {
    if let Some(columns) = std::env::var_os("COLUMNS").filter(|v| !v.is_empty()) {
        return columns
            .to_str()
            .and_then(|c| c.trim().parse::<usize>().ok())
            .filter(|c| *c > 0)
            .map(Some)
            .ok_or_else(|| {
                "COLUMNS must be a positive whole number (the table's width in characters)"
                    .to_owned()
            });
    }
    let to_stdout = options.path.is_none_or(|path| path.as_os_str() == "-");
    Ok(terminal_size::terminal_size()
        .map(|(w, _)| usize::from(w.0))
        .filter(|_| to_stdout && io::stdout().is_terminal()))
}
