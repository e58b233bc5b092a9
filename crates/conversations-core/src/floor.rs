//! "Stop below the floor": a walk of a listing whose records come newest first can end at
//! the first record created before a given time (the *floor*), since every record after it
//! is older still. The order is not documented by every provider, so it is checked on every
//! record: where a `created_at` goes up, the floor is dropped and the walk goes on to the end.
//!
//! [`Floor`] is the rule, record by record (the sync's incremental walk uses it with the rest
//! of the page it has in hand); [`above_floor`] applies it to a stream of records (`list
//! --since`, say).

use chrono::{DateTime, Utc};
use futures::{Stream, StreamExt};

use crate::error::Result;
use crate::model::Conversation;

/// What to do with a record, by [`Floor::step`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Take it and go on.
    Take,
    /// Take it and go on; the listing was just found out of order, and the floor is dropped
    /// (the walk goes on to the end: say so once).
    OrderBroke,
    /// It was created before the floor, and everything after it is older: stop, without it.
    Stop,
}

/// The floor of a walk, and what it saw of the order so far.
///
/// ```
/// use conversations_core::floor::{Floor, Step};
/// let t = |s: &str| Some(s.parse().unwrap());
/// let mut floor = Floor::new(t("2026-01-02T00:00:00Z"));
/// assert_eq!(floor.step(t("2026-01-03T00:00:00Z"), []), Step::Take);
/// assert_eq!(floor.step(None, []), Step::Take, "no time says nothing");
/// assert_eq!(floor.step(t("2026-01-01T00:00:00Z"), [t("2025-12-31T00:00:00Z")]), Step::Stop);
/// ```
///
/// A record below the floor whose followers (the rest of its page, in hand) go up again
/// proves nothing: the order is broken, and the walk goes on to the end.
///
/// ```
/// use conversations_core::floor::{Floor, Step};
/// let t = |s: &str| Some(s.parse().unwrap());
/// let mut floor = Floor::new(t("2026-01-02T00:00:00Z"));
/// assert_eq!(floor.step(t("2026-01-01T00:00:00Z"), [t("2026-01-05T00:00:00Z")]), Step::OrderBroke);
/// assert!(floor.order_broken() && floor.floor().is_none());
/// assert_eq!(floor.step(t("2025-01-01T00:00:00Z"), []), Step::Take);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Floor {
    floor: Option<DateTime<Utc>>,
    broken: bool,
    last: Option<DateTime<Utc>>,
}

impl Floor {
    /// A walk that stops below `floor` (`None`: one that walks to the end).
    pub fn new(floor: Option<DateTime<Utc>>) -> Self {
        Self {
            floor,
            broken: false,
            last: None,
        }
    }

    /// A walk resumed with what was saved of it: its floor, and whether the order was found
    /// broken already (then there is no floor).
    ///
    /// ```
    /// let f = conversations_core::floor::Floor::resumed(None, true);
    /// assert!(f.order_broken());
    /// ```
    pub fn resumed(floor: Option<DateTime<Utc>>, order_broken: bool) -> Self {
        Self {
            floor: if order_broken { None } else { floor },
            broken: order_broken,
            last: None,
        }
    }

    /// The floor, while there is one.
    pub fn floor(&self) -> Option<DateTime<Utc>> {
        self.floor
    }

    /// Whether the listing was found out of order (and the floor dropped).
    pub fn order_broken(&self) -> bool {
        self.broken
    }

    /// Whether a record created at `created_at` lies below the floor (a page ending with one
    /// is the last worth fetching ahead of).
    ///
    /// ```
    /// use conversations_core::floor::Floor;
    /// let floor = Floor::new(Some("2026-01-02T00:00:00Z".parse().unwrap()));
    /// assert!(floor.is_below(Some("2026-01-01T00:00:00Z".parse().unwrap())));
    /// assert!(!floor.is_below(None));
    /// ```
    pub fn is_below(&self, created_at: Option<DateTime<Utc>>) -> bool {
        self.floor
            .is_some_and(|floor| created_at.is_some_and(|t| t < floor))
    }

    /// The next record, created at `created_at`, with the times of the records after it that
    /// are in hand already (`rest`, in order; none is fine).
    pub fn step(
        &mut self,
        created_at: Option<DateTime<Utc>>,
        rest: impl IntoIterator<Item = Option<DateTime<Utc>>>,
    ) -> Step {
        let Some(t) = created_at else {
            return Step::Take;
        };
        let mut step = Step::Take;
        if self.last.is_some_and(|prev| t > prev) && !self.broken {
            self.break_order();
            step = Step::OrderBroke;
        }
        self.last = Some(t);
        if self.floor.is_some_and(|floor| t < floor) {
            // Below the floor: stop, unless what follows (in hand already) shows the order
            // broken, in which case this record proves nothing.
            let mut prev = t;
            if rest.into_iter().flatten().all(|next| {
                let ok = next <= prev;
                prev = next;
                ok
            }) {
                return Step::Stop;
            }
            self.break_order();
            step = Step::OrderBroke;
        }
        step
    }

    fn break_order(&mut self) {
        self.broken = true;
        self.floor = None;
    }
}

/// The records of `items` down to `floor`: ends at the first record created before it
/// (records come newest first), or goes on to the end where the order turns out broken.
/// Errors pass through.
///
/// ```
/// use futures::TryStreamExt;
/// use conversations_core::{Conversation, RawJson, floor::{Floor, above_floor}};
/// # futures::executor::block_on(async {
/// let at = |day: u32| {
///     let mut c = Conversation::new("memory", RawJson::parse("{}").unwrap());
///     c.created_at = Some(format!("2026-01-{day:02}T00:00:00Z").parse().unwrap());
///     Ok(c)
/// };
/// let newest_first = futures::stream::iter([at(9), at(7), at(3), at(1)]);
/// let since = Floor::new(Some("2026-01-05T00:00:00Z".parse().unwrap()));
/// let kept: Vec<_> = above_floor(newest_first, since).try_collect().await.unwrap();
/// assert_eq!(kept.len(), 2);
/// # });
/// ```
pub fn above_floor<S>(items: S, floor: Floor) -> impl Stream<Item = Result<Conversation>>
where
    S: Stream<Item = Result<Conversation>>,
{
    items.scan(floor, |floor, item| {
        let next = match item {
            Ok(c) => match floor.step(c.created_at, []) {
                Step::Stop => None,
                Step::Take | Step::OrderBroke => Some(Ok(c)),
            },
            Err(e) => Some(Err(e)),
        };
        futures::future::ready(next)
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use futures::TryStreamExt;

    use super::*;
    use crate::raw::RawJson;

    fn at(day: u32) -> Result<Conversation> {
        let mut c = Conversation::new("memory", RawJson::parse("{}").unwrap());
        c.created_at = Some(format!("2026-01-{day:02}T00:00:00Z").parse().unwrap());
        Ok(c)
    }

    #[test]
    fn a_broken_order_drops_the_floor_and_the_walk_goes_to_the_end() {
        let since = || Floor::new(Some("2026-01-05T00:00:00Z".parse().unwrap()));
        let walk = |days: Vec<u32>| {
            let items = futures::stream::iter(days.into_iter().map(at));
            futures::executor::block_on(above_floor(items, since()).try_collect::<Vec<_>>())
                .unwrap()
                .len()
        };
        assert_eq!(
            walk(vec![9, 8, 4, 3]),
            2,
            "newest first: stops at the floor"
        );
        assert_eq!(walk(vec![9, 10, 4, 3]), 4, "out of order: to the end");
        assert_eq!(walk(vec![]), 0);
    }

    #[test]
    fn a_record_without_a_time_is_taken_and_says_nothing_of_the_order() {
        let mut floor = Floor::new(Some("2026-01-05T00:00:00Z".parse().unwrap()));
        assert_eq!(floor.step(at(9).unwrap().created_at, []), Step::Take);
        assert_eq!(floor.step(None, []), Step::Take);
        assert_eq!(floor.step(at(8).unwrap().created_at, []), Step::Take);
        assert!(!floor.order_broken());
    }
}
