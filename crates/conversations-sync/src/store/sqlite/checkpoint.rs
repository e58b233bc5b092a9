//! Checkpoints on a thread of their own. In WAL mode every committed page is written twice:
//! appended to the WAL by the commit, then copied back into the database by a checkpoint.
//! SQLite runs that checkpoint inside the writer's commit by default, so the writer — the
//! slowest stage of a sync — stops for it. Here the writer's automatic checkpoints are off,
//! and after each commit a second connection runs a `PASSIVE` checkpoint (it never blocks the
//! writer or a reader) while the writer goes on with the next batch. What is left when the
//! store closes is checkpointed by the writer's connection as it closes.

use std::path::Path;
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::thread::JoinHandle;

use rusqlite::Connection;

/// The checkpointing thread, nudged after every commit; dropping it lets a checkpoint under
/// way finish and ends the thread.
pub(super) struct Checkpointer {
    nudge: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// What a commit holds to ask for a checkpoint.
#[derive(Clone)]
pub(super) struct Nudge(SyncSender<()>);

impl Nudge {
    /// Asks for a checkpoint; one already asked for and not begun covers this one too.
    pub(super) fn committed(&self) {
        match self.0.try_send(()) {
            Ok(()) | Err(TrySendError::Full(())) | Err(TrySendError::Disconnected(())) => {}
        }
    }
}

impl Checkpointer {
    /// Opens a second connection to the database at `path` and starts the thread; then turns
    /// the writer's own automatic checkpoints off. If the connection or the thread cannot be
    /// had, the writer keeps checkpointing itself (`None`).
    pub(super) fn start(path: &Path, writer: &Connection) -> Option<Self> {
        let conn = Connection::open_with_flags(path, super::flags(false)).ok()?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).ok()?;
        let (nudge, nudged) = mpsc::sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".to_owned())
            .spawn(move || run(&conn, &nudged))
            .ok()?;
        if writer.pragma_update(None, "wal_autocheckpoint", 0).is_err() {
            drop(nudge);
            let _ = thread.join();
            return None;
        }
        Some(Self {
            nudge: Some(nudge),
            thread: Some(thread),
        })
    }

    /// A handle for commits to nudge the thread with.
    pub(super) fn nudge(&self) -> Option<Nudge> {
        self.nudge.clone().map(Nudge)
    }
}

fn run(conn: &Connection, nudged: &Receiver<()>) {
    while nudged.recv().is_ok() {
        // PASSIVE: copies what no reader still needs, waits for nobody. A failure (busy, say)
        // is left to the next nudge or to the close.
        let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.nudge = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn commits_reach_the_database_file_through_the_thread_not_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let writer = Connection::open(&path).unwrap();
        writer.pragma_update(None, "journal_mode", "WAL").unwrap();
        writer
            .execute_batch("CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('a'), ('b');")
            .unwrap();
        // Everything so far into the file, so that only what follows is in the WAL.
        writer
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        let checkpointer = Checkpointer::start(&path, &writer).unwrap();
        let autocheckpoint: i64 = writer
            .pragma_query_value(None, "wal_autocheckpoint", |r| r.get(0))
            .unwrap();
        assert_eq!(autocheckpoint, 0, "the writer no longer checkpoints itself");
        writer.execute("INSERT INTO t VALUES ('c')", []).unwrap();
        checkpointer.nudge().unwrap().committed();
        // Dropping it waits for the nudge to be handled.
        drop(checkpointer);
        // The database file alone (the writer still open, its WAL beside it) holds the row.
        let copy = dir.path().join("copy.db");
        std::fs::copy(&path, &copy).unwrap();
        let rows: i64 = Connection::open(&copy)
            .unwrap()
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 3);
    }
}
