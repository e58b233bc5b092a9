//! The order batches commit in, whatever the backend: each batch waits for the one started
//! before it, and is told whether that one committed. PostgreSQL's writers also keep one
//! chain per connection, for the order batches take it in.

use std::sync::{Mutex, PoisonError};

use tokio::sync::oneshot;

/// The chain of batches a store has started.
#[derive(Debug, Default)]
pub(crate) struct Turns {
    /// Told when the batch started last has committed (`true`) or failed.
    last: Mutex<Option<oneshot::Receiver<bool>>>,
}

impl Turns {
    /// Takes the next batch's turn: what says whether the batch started before it committed
    /// (none for a run's `first` batch, which waits for no earlier batch), and what this batch
    /// tells the one after it. Dropped without a word, it counts as failed.
    pub(crate) fn take(
        &self,
        first: bool,
    ) -> (Option<oneshot::Receiver<bool>>, oneshot::Sender<bool>) {
        let (done, next) = oneshot::channel();
        let before = self
            .last
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .replace(next)
            .filter(|_| !first);
        (before, done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_turn_hears_from_the_one_before_unless_first() {
        let turns = Turns::default();
        let (none, a) = turns.take(true);
        assert!(none.is_none());
        let (before_b, b) = turns.take(false);
        assert!(a.send(true).is_ok());
        assert_eq!(before_b.map(|r| r.blocking_recv()), Some(Ok(true)));
        drop(b);
        let (before_c, _c) = turns.take(false);
        assert!(
            before_c.is_some_and(|r| r.blocking_recv().is_err()),
            "dropped: failed"
        );
        let (first, _) = turns.take(true);
        assert!(first.is_none(), "a run's first batch waits for none");
    }
}
