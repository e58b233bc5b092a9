//! One batch into PostgreSQL, in one transaction with the stream's state.
//!
//! Optimistic: the batch is first `COPY`ed (binary) straight into `conversations`, as if every
//! key were new — as every key of a first sync is: one heap and index insert a row, no
//! staging, no probe. When a key is already there, the primary key stops the copy at once;
//! the transaction is rolled back and the batch written again through the merge: `COPY`ed
//! into a temporary table and merged by one `INSERT … SELECT … ON CONFLICT DO UPDATE … WHERE
//! raw_hash IS DISTINCT FROM … RETURNING`, which inserts new rows, overwrites changed ones and
//! leaves unchanged ones, whose `last_seen` alone moves. A later batch of the same run starts
//! with the merge again only after a batch wholly new.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::{SinkExt, pin_mut};
use tokio::sync::{MappedMutexGuard, Mutex, MutexGuard, oneshot};
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, Statement, Transaction};

use super::super::{RunCounts, SavedState, Written, plus};
use super::db_error;
use super::payload::{self, COLUMNS, EncodeError, Shape, TYPES};
use crate::error::SyncError;
use crate::row::Row;
use crate::target::PostgresUrl;

/// The temporary table rows already known are copied into (per connection, emptied at each
/// commit).
const BATCH_TABLE: &str = "pg_temp.sync_batch";

/// The temporary table's statement: [`COLUMNS`] with their types.
fn batch_table_sql() -> String {
    let columns: Vec<String> = COLUMNS
        .iter()
        .zip(&TYPES)
        .map(|(c, t)| format!("{c} {}", t.name()))
        .collect();
    format!(
        "CREATE TEMPORARY TABLE IF NOT EXISTS {BATCH_TABLE} ({}) ON COMMIT DELETE ROWS",
        columns.join(", ")
    )
}

/// The merge: every row of the batch table into `conversations`. A known key with other raw
/// bytes has every column overwritten; one with the same bytes is left alone (the `WHERE` of
/// `DO UPDATE`: not returned); a key that is new after all is inserted. Returns the key of
/// each row written and whether it was inserted (`xmax = 0`: no earlier version).
fn merge_sql() -> String {
    let sets: Vec<String> = COLUMNS
        .iter()
        .skip(2)
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    format!(
        "INSERT INTO conversations ({columns}, first_seen, last_seen)
         SELECT {columns}, $1, $1 FROM {BATCH_TABLE}
         ON CONFLICT (source, key) DO UPDATE SET {sets}, last_seen = excluded.last_seen
         WHERE conversations.raw_hash IS DISTINCT FROM excluded.raw_hash
         RETURNING key, (xmax = 0)",
        columns = COLUMNS.join(", "),
        sets = sets.join(", "),
    )
}

/// How a batch's rows reach the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    /// Copied straight in, as new rows.
    Copy,
    /// Through the temporary table and the merge.
    Merge,
}

/// One connection batches are written through, with its temporary table and merge.
struct Writer {
    client: Client,
    merge: Statement,
}

/// The connections batches are written through, and the order they commit in.
///
/// Two batches are written at once, each on a connection of its own, so that the server
/// works on one batch's rows while the other's commit — the server is the slowest stage of
/// a sync into PostgreSQL — and a third is encoded and waiting, so a connection goes on to
/// it the moment it is free. Each connection takes its batches in the order they were
/// started. They still commit in order: a batch writes its rows, then waits for the batch
/// before it to commit, and only then saves the stream's position and commits. If the batch
/// before it failed, it rolls back: no position is ever saved past rows that are not in the
/// table.
pub(super) struct Writers {
    url: PostgresUrl,
    writers: Vec<Arc<Mutex<Writer>>>,
    /// Per connection, the order its batches take it in (the started order, whichever is
    /// encoded first: a later batch holding it while an earlier one waits for it would wait
    /// on that one's commit forever).
    queues: Vec<super::super::turns::Turns>,
    next: AtomicUsize,
    /// How the next batch is tried first: copied straight in, until a batch meets a known
    /// key; merged after that, until a merged batch turns out wholly new.
    route: Arc<std::sync::Mutex<Route>>,
    /// The order batches commit in.
    turns: super::super::turns::Turns,
    /// The order batches take their lock on the table in (see [`commit`]).
    starts: super::super::turns::Turns,
    /// The keys of the last batch started, as fingerprints.
    last_keys: std::sync::Mutex<HashSet<u64>>,
}

/// The fingerprints of `rows`' keys (a collision only makes two batches wait in turn).
fn fingerprints(rows: &[Row]) -> HashSet<u64> {
    rows.iter()
        .map(|r| {
            let mut hasher = std::hash::DefaultHasher::new();
            (r.source(), r.key()).hash(&mut hasher);
            hasher.finish()
        })
        .collect()
}

/// Batches written at once.
const IN_FLIGHT: usize = 2;

impl Writers {
    /// Readies `first` (already connected and migrated) and opens the other connections.
    pub(super) async fn open(
        link: &super::connect::Link,
        schema: Option<&str>,
        first: Client,
    ) -> Result<Self, SyncError> {
        let url = &link.url;
        let mut writers = Vec::with_capacity(IN_FLIGHT);
        let mut client = Some(first);
        for _ in 0..IN_FLIGHT {
            let client = match client.take() {
                Some(client) => client,
                None => super::connect(link, schema).await?,
            };
            client
                .batch_execute(&batch_table_sql())
                .await
                .map_err(db_error(url, "creating the batch's temporary table"))?;
            let merge = client
                .prepare(&merge_sql())
                .await
                .map_err(db_error(url, "preparing the upsert"))?;
            writers.push(Arc::new(Mutex::new(Writer { client, merge })));
        }
        Ok(Self {
            url: url.clone(),
            queues: writers.iter().map(|_| Default::default()).collect(),
            writers,
            next: AtomicUsize::new(0),
            route: Arc::new(std::sync::Mutex::new(Route::Copy)),
            turns: Default::default(),
            starts: Default::default(),
            last_keys: std::sync::Mutex::new(HashSet::new()),
        })
    }

    /// Batches a caller may have in flight at once: one on each connection and one waiting.
    pub(super) fn in_flight(&self) -> usize {
        self.writers.len() + 1
    }

    /// The first connection (for reading state), once it is free.
    pub(super) async fn reader(&self) -> MappedMutexGuard<'_, Client> {
        MutexGuard::map(self.writers[0].lock().await, |w| &mut w.client)
    }

    /// Starts writing `rows` with `state` on the next connection, committing after the batch
    /// started before it — unless `first`, a run's first batch, which waits for none.
    pub(super) fn spawn(
        &self,
        rows: Vec<Row>,
        state: SavedState,
        first: bool,
    ) -> super::super::Commit {
        let n = self.next.fetch_add(1, Ordering::Relaxed) % self.writers.len();
        let writer = Arc::clone(&self.writers[n]);
        let (after, released) = self.queues[n].take(false);
        let (start, started) = self.starts.take(false);
        let route = Arc::clone(&self.route);
        let (turn, done) = self.turns.take(first);
        // A key in both this batch and the one before (a record listed twice): this one
        // must not touch the table before that one commits, or each could wait on the other
        // (that one on this one's row, this one on that one's turn) where the server cannot
        // see it.
        let keys = fingerprints(&rows);
        let overlaps = self.last_keys.lock().map_or(true, |mut last| {
            let overlaps = !last.is_disjoint(&keys);
            *last = keys;
            overlaps
        });
        let url = self.url.clone();
        let handle = tokio::spawn(async move {
            let mut turn = turn;
            if overlaps
                && let Some(earlier) = turn.take()
                && !earlier.await.unwrap_or(false)
            {
                let _ = done.send(false);
                return (
                    Err(SyncError::Database {
                        target: url.to_string(),
                        doing: "writing a batch",
                        message: "the batch before it failed; rolled back".to_owned(),
                    }),
                    rows,
                );
            }
            let first = route.lock().map_or(Route::Merge, |r| *r);
            let shape = match first {
                Route::Copy => Shape::Table(Utc::now()),
                Route::Merge => Shape::Staging,
            };
            // Encoded on a blocking thread, while this one fetches and decodes pages.
            let (rows, payload) = match tokio::task::spawn_blocking(move || {
                let payload = payload::encode(&rows, shape);
                (rows, payload)
            })
            .await
            {
                Ok(encoded) => encoded,
                Err(e) => {
                    let _ = done.send(false);
                    return (
                        Err(SyncError::Database {
                            target: url.to_string(),
                            doing: "encoding a batch",
                            message: e.to_string(),
                        }),
                        Vec::new(),
                    );
                }
            };
            if let Some(after) = after {
                // The batch before on this connection is done with it (or gave up).
                let _ = after.await;
            }
            let mut writer = writer.lock().await;
            let Writer { client, merge } = &mut *writer;
            let result = match payload {
                Ok(payload) => {
                    commit(
                        client, merge, &rows, &state, first, payload, turn, start, started,
                    )
                    .await
                }
                Err(e) => Err(e.into()),
            };
            drop(writer);
            drop(released);
            let _ = done.send(result.is_ok());
            let written = match result {
                Ok((written, used)) => {
                    let next = if used == Route::Copy || written.inserted == rows.len() as u64 {
                        Route::Copy
                    } else {
                        Route::Merge
                    };
                    if let Ok(mut r) = route.lock() {
                        *r = next;
                    }
                    Ok(written)
                }
                Err(BatchError::Database(e)) => Err(db_error(&url, "writing a batch")(e)),
                Err(BatchError::Encode(EncodeError(message))) => Err(SyncError::Database {
                    target: url.to_string(),
                    doing: "encoding a batch",
                    message,
                }),
                Err(BatchError::EarlierFailed) => Err(SyncError::Database {
                    target: url.to_string(),
                    doing: "writing a batch",
                    message: "the batch before it failed; rolled back".to_owned(),
                }),
            };
            (written, rows)
        });
        let target = self.url.to_string();
        Box::pin(async move {
            let (written, rows) = handle.await.map_err(|e| SyncError::Database {
                target,
                doing: "writing a batch",
                message: e.to_string(),
            })?;
            drop(rows);
            written
        })
    }
}

/// Why a batch did not commit.
enum BatchError {
    Database(tokio_postgres::Error),
    Encode(EncodeError),
    /// The batch before it did not commit, so neither may this one.
    EarlierFailed,
}

impl From<EncodeError> for BatchError {
    fn from(e: EncodeError) -> Self {
        BatchError::Encode(e)
    }
}

impl From<tokio_postgres::Error> for BatchError {
    fn from(e: tokio_postgres::Error) -> Self {
        BatchError::Database(e)
    }
}

/// Writes `rows` and saves `state` (with the batch's counts added) in one transaction,
/// committing once `turn` says the batch before committed; returns what was written and the
/// route that wrote it.
///
/// The transaction first takes its lock on `conversations`, once the batch before has taken
/// its own (`start`), and says so to the batch after (`started`): batches lock the table in
/// the order they were started. Without that order, a batch locking it early and waiting for
/// an earlier one's commit, and that earlier one queued behind a third party's request for
/// the whole table (an `ALTER TABLE`, a `DROP TRIGGER`), which waits for the first, would
/// wait on each other forever where the server cannot see it. The optimistic `COPY` runs in
/// a savepoint, so the merge that follows a known key keeps the lock.
#[allow(clippy::too_many_arguments)]
async fn commit(
    client: &mut Client,
    merge: &Statement,
    rows: &[Row],
    state: &SavedState,
    route: Route,
    payload: Bytes,
    turn: Option<oneshot::Receiver<bool>>,
    start: Option<oneshot::Receiver<bool>>,
    started: oneshot::Sender<bool>,
) -> Result<(Written, Route), BatchError> {
    let mut tx = client.transaction().await?;
    if let Some(start) = start {
        // The batch before holds its lock (or will never take it).
        let _ = start.await;
    }
    tx.batch_execute("LOCK TABLE conversations IN ROW EXCLUSIVE MODE")
        .await?;
    let _ = started.send(true);
    let (written, used) = match route {
        _ if rows.is_empty() => (Written::default(), route),
        Route::Copy => {
            let optimistic = tx.savepoint("optimistic").await?;
            match copy_new(&optimistic, payload).await {
                Ok(()) => {
                    optimistic.commit().await?;
                    let inserted = rows.len() as u64;
                    (
                        Written {
                            inserted,
                            ..Written::default()
                        },
                        Route::Copy,
                    )
                }
                Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
                    optimistic.rollback().await?;
                    let staged = payload::encode(rows, Shape::Staging)?;
                    let written = merge_known(&tx, merge, rows, staged, Utc::now()).await?;
                    (written, Route::Merge)
                }
                Err(e) => return Err(e.into()),
            }
        }
        Route::Merge => (
            merge_known(&tx, merge, rows, payload, Utc::now()).await?,
            Route::Merge,
        ),
    };
    // Rows are in; the position waits for the batch before (dropping `tx` rolls back).
    if let Some(turn) = turn
        && !turn.await.unwrap_or(false)
    {
        return Err(BatchError::EarlierFailed);
    }
    save_state(&tx, state, plus(state.counts, written)).await?;
    tx.commit().await?;
    Ok((written, used))
}

/// Sends `payload` (binary `COPY` data) through `statement`, a megabyte at a time.
async fn copy_in(
    tx: &Transaction<'_>,
    statement: &str,
    mut payload: Bytes,
) -> Result<u64, tokio_postgres::Error> {
    let sink = tx.copy_in::<_, Bytes>(statement).await?;
    pin_mut!(sink);
    while !payload.is_empty() {
        let chunk = payload.split_to(payload.len().min(1 << 20));
        sink.as_mut().send(chunk).await?;
    }
    sink.finish().await
}

/// Copies the batch straight into `conversations`, every row as new.
async fn copy_new(tx: &Transaction<'_>, payload: Bytes) -> Result<(), tokio_postgres::Error> {
    let statement = format!(
        "COPY conversations ({}, first_seen, last_seen) FROM STDIN (FORMAT binary)",
        COLUMNS.join(", ")
    );
    copy_in(tx, &statement, payload).await?;
    Ok(())
}

/// Copies the batch into the temporary table and merges it; then moves `last_seen` of the
/// unchanged rows.
async fn merge_known(
    tx: &Transaction<'_>,
    merge: &Statement,
    rows: &[Row],
    payload: Bytes,
    now: DateTime<Utc>,
) -> Result<Written, tokio_postgres::Error> {
    let statement = format!(
        "COPY {BATCH_TABLE} ({}) FROM STDIN (FORMAT binary)",
        COLUMNS.join(", ")
    );
    copy_in(tx, &statement, payload).await?;
    // Inserted and changed rows come back (`xmax = 0`: inserted); an unchanged row is left
    // as it is by the merge, and only its `last_seen` moves here.
    let returned = tx.query(merge, &[&now]).await?;
    let inserted = returned.iter().filter(|r| r.get::<_, bool>(1)).count();
    let mut written = Written {
        inserted: inserted as u64,
        updated: (returned.len() - inserted) as u64,
        unchanged: (rows.len() - returned.len()) as u64,
    };
    if written.unchanged > 0 {
        let changed: HashSet<&str> = returned.iter().map(|r| r.get::<_, &str>(0)).collect();
        let (sources, keys): (Vec<&str>, Vec<&str>) = rows
            .iter()
            .filter(|r| !changed.contains(r.key()))
            .map(|r| (r.source(), r.key()))
            .unzip();
        written.unchanged = tx
            .execute(
                "UPDATE conversations c SET last_seen = $1
                 FROM unnest($2::text[], $3::text[]) AS u(source, key)
                 WHERE c.source = u.source AND c.key = u.key",
                &[&now, &sources, &keys],
            )
            .await?;
    }
    Ok(written)
}

/// Saves `state` with `counts`.
async fn save_state(
    tx: &Transaction<'_>,
    state: &SavedState,
    counts: RunCounts,
) -> Result<(), tokio_postgres::Error> {
    let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    tx.execute(
        super::super::SAVE_STATE_SQL,
        &[
            &state.key.source,
            &state.key.query,
            &state.resume,
            &state.high_water,
            &state.status,
            &state.started_at,
            &state.finished_at,
            &n(counts.records),
            &n(counts.pages),
            &n(counts.inserted),
            &n(counts.updated),
            &n(counts.unchanged),
            &n(counts.with_notes),
            &state.message,
            &n(counts.collisions),
            &n(counts.failed),
            &super::super::failed_text(&state.failed),
        ],
    )
    .await?;
    Ok(())
}
