//! The items a listing writes, one at a time, or a signal (Ctrl-C, `SIGTERM`, `SIGHUP`):
//! whichever comes first. Items that are ready are taken at once (a look for a signal now and
//! then between them); before waiting on the network the sink's buffer goes out, so a slow
//! listing shows its records as they come.

use std::process::ExitCode;

use futures::{FutureExt, Stream, StreamExt};

use super::Sink;
use crate::ending::{Interrupt, Signal};

/// Items taken without waiting between two looks for a signal.
const CHECK_EVERY: u32 = 256;

/// A stream of items that stops at a signal.
pub(crate) struct Feed<S> {
    items: S,
    interrupt: Interrupt,
    since_check: u32,
    interrupted: Option<Signal>,
}

impl<S: Stream + Unpin> Feed<S> {
    /// Feeds `items`; signals are the listing's to handle from now on (a signal already
    /// received stops it before the first item).
    pub(crate) fn new(items: S) -> Self {
        let interrupt = Interrupt::take();
        let interrupted = interrupt.signal();
        Self {
            items,
            interrupt,
            since_check: 0,
            interrupted,
        }
    }

    /// The next item; `None` at the end of the items or at a signal (see
    /// [`interrupted`](Self::interrupted)). An error flushing `sink` ends the run with its code.
    pub(crate) async fn next(&mut self, sink: &mut Sink) -> Result<Option<S::Item>, ExitCode> {
        if self.interrupted.is_some() {
            return Ok(None);
        }
        if let Some(item) = self.items.next().now_or_never() {
            self.since_check += 1;
            if self.since_check >= CHECK_EVERY {
                self.since_check = 0;
                self.interrupted = self.interrupt.signal();
                if self.interrupted.is_some() {
                    return Ok(None);
                }
            }
            return Ok(item);
        }
        sink.flush()?;
        tokio::select! {
            item = self.items.next() => Ok(item),
            signal = self.interrupt.wait() => {
                self.interrupted = Some(signal);
                Ok(None)
            }
        }
    }

    /// The signal that stopped the items, if one did.
    pub(crate) fn interrupted(&self) -> Option<Signal> {
        self.interrupted
    }
}
