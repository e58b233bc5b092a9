//! The items a listing writes, one at a time, or Ctrl-C: whichever comes first. Items that are
//! ready are taken at once (a look at Ctrl-C now and then between them); before waiting on
//! the network the sink's buffer goes out, so a slow listing shows its records as they come.

use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;

use futures::{FutureExt, Stream, StreamExt};

use super::Sink;

/// Items taken without waiting between two looks at Ctrl-C.
const CHECK_EVERY: u32 = 256;

/// A stream of items that stops at Ctrl-C.
pub(crate) struct Feed<S> {
    items: S,
    interrupt: Pin<Box<dyn Future<Output = std::io::Result<()>>>>,
    since_check: u32,
    interrupted: bool,
}

impl<S: Stream + Unpin> Feed<S> {
    /// Feeds `items`, watching for Ctrl-C from now on.
    pub(crate) fn new(items: S) -> Self {
        let mut interrupt: Pin<Box<dyn Future<Output = std::io::Result<()>>>> =
            Box::pin(tokio::signal::ctrl_c());
        // The first poll installs the handler: from here on Ctrl-C is ours to handle, not a
        // kill that would leave a JSON array open.
        let interrupted = (&mut interrupt).now_or_never().is_some();
        Self {
            items,
            interrupt,
            since_check: 0,
            interrupted,
        }
    }

    /// The next item; `None` at the end of the items or at Ctrl-C (see
    /// [`interrupted`](Self::interrupted)). An error flushing `sink` ends the run with its code.
    pub(crate) async fn next(&mut self, sink: &mut Sink) -> Result<Option<S::Item>, ExitCode> {
        if self.interrupted {
            return Ok(None);
        }
        if let Some(item) = self.items.next().now_or_never() {
            self.since_check += 1;
            if self.since_check >= CHECK_EVERY {
                self.since_check = 0;
                if (&mut self.interrupt).now_or_never().is_some() {
                    self.interrupted = true;
                    return Ok(None);
                }
            }
            return Ok(item);
        }
        sink.flush()?;
        tokio::select! {
            item = self.items.next() => Ok(item),
            _ = &mut self.interrupt => {
                self.interrupted = true;
                Ok(None)
            }
        }
    }

    /// Whether the items stopped because of Ctrl-C.
    pub(crate) fn interrupted(&self) -> bool {
        self.interrupted
    }
}
