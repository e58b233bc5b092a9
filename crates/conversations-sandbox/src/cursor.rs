//! Autocalls cursor pagination, modelled on Laravel's `cursorPaginate`.
//!
//! A cursor is `base64url(JSON)` of the sort key of the boundary item plus a direction, exactly
//! like Laravel's `Cursor::encode`:
//!
//! ```text
//! {"created_at":"2025-01-25 14:30:00","id":"7c9e6679-…","_pointsToNextItems":true}
//! ```
//!
//! Conversations are ordered by `created_at` descending, then `id` descending. A cursor is a
//! position in that order, not an offset, so it stays valid whatever filters the client sends
//! with it, and pages of a filtered list never overlap or skip items. Filters are not part of
//! the cursor: clients resend them (and `per_page`) with every request.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::{Deserialize, Serialize};

use crate::datetime::is_timestamp;

/// URL-safe base64 without padding (what Laravel emits), accepting padding on input.
const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Payload {
    created_at: String,
    id: String,
    #[serde(rename = "_pointsToNextItems")]
    points_to_next_items: bool,
}

/// A decoded cursor: the boundary item's sort key and which side of it the page lies on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cursor {
    created_at: String,
    id: String,
    points_to_next_items: bool,
}

impl Cursor {
    /// A cursor at the item `(created_at, id)`; `next` selects the items after it.
    pub(crate) fn at(created_at: &str, id: &str, next: bool) -> Self {
        Cursor {
            created_at: created_at.to_owned(),
            id: id.to_owned(),
            points_to_next_items: next,
        }
    }

    /// The wire form: base64url (no padding) of the JSON payload.
    pub(crate) fn encode(&self) -> String {
        let payload = Payload {
            created_at: self.created_at.clone(),
            id: self.id.clone(),
            points_to_next_items: self.points_to_next_items,
        };
        // Serializing two strings and a bool cannot fail.
        let json = serde_json::to_vec(&payload).unwrap_or_default();
        BASE64URL.encode(json)
    }

    /// Parses the wire form; `None` for anything that is not a cursor this server could have
    /// issued (bad base64, bad JSON, missing or extra keys, a malformed timestamp, an empty id).
    pub(crate) fn decode(encoded: &str) -> Option<Cursor> {
        let bytes = BASE64URL.decode(encoded.trim()).ok()?;
        let payload: Payload = serde_json::from_slice(&bytes).ok()?;
        if !is_timestamp(&payload.created_at) || payload.id.is_empty() {
            return None;
        }
        Some(Cursor {
            created_at: payload.created_at,
            id: payload.id,
            points_to_next_items: payload.points_to_next_items,
        })
    }

    fn key(&self) -> (&str, &str) {
        (&self.created_at, &self.id)
    }
}

/// Anything that has a position in the served order.
pub(crate) trait Keyed {
    /// `(created_at, id)`; the served order is descending on this pair.
    fn sort_key(&self) -> (&str, &str);
}

impl<T: Keyed + ?Sized> Keyed for &T {
    fn sort_key(&self) -> (&str, &str) {
        (**self).sort_key()
    }
}

/// A list in served order (descending [`Keyed::sort_key`]) that can be read at any position:
/// a slice, or a view made of posting lists (see [`crate::listing`]).
pub(crate) trait Sequence {
    /// What the list holds.
    type Item: Keyed + Copy;
    /// How many items.
    fn len(&self) -> usize;
    /// The item at `index` (`None` past the end).
    fn get(&self, index: usize) -> Option<Self::Item>;
}

impl<'a, T: Keyed> Sequence for &'a [T] {
    type Item = &'a T;

    fn len(&self) -> usize {
        <[T]>::len(self)
    }

    fn get(&self, index: usize) -> Option<&'a T> {
        <[T]>::get(self, index)
    }
}

/// One page of a filtered, ordered list, with the cursors Laravel would send.
#[derive(Debug)]
pub(crate) struct Page<T> {
    pub(crate) items: Vec<T>,
    pub(crate) next_cursor: Option<String>,
    pub(crate) prev_cursor: Option<String>,
    /// How many candidates the scan read after the binary search (the page's cost; tests
    /// bound it).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) scanned: usize,
}

/// The first index of `seq` whose item fails `pred` (`pred` holds for a prefix of `seq`).
fn partition_point<S: Sequence>(seq: &S, pred: impl Fn(&S::Item) -> bool) -> usize {
    let (mut lo, mut hi) = (0, seq.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match seq.get(mid) {
            Some(item) if pred(&item) => lo = mid + 1,
            _ => hi = mid,
        }
    }
    lo
}

/// Cuts the page `cursor` designates out of the items of `sorted` that `keep` accepts.
///
/// Follows Laravel's `CursorPaginator`: no cursor gives the first page with `prev_cursor` null;
/// `next_cursor` is null when nothing follows a forward page; `prev_cursor` is null when
/// nothing precedes a backward page; both are null on an empty page.
///
/// Cost: a binary search for the cursor in `sorted`, then a scan that stops after
/// `per_page + 1` kept items (or at the end): `sorted` should be as short as the filters allow.
pub(crate) fn paginate<S: Sequence>(
    sorted: &S,
    per_page: usize,
    cursor: Option<&Cursor>,
    keep: impl Fn(&S::Item) -> bool,
) -> Page<S::Item> {
    let per_page = per_page.max(1);
    let want = per_page.saturating_add(1);
    let backward = cursor.is_some_and(|c| !c.points_to_next_items);
    let mut found = Vec::with_capacity(want.min(101));
    let mut scanned = 0;
    // Looks at item `i`, kept when `keep` says so; true once `want` items are kept.
    let mut scan = |i: usize| {
        scanned += 1;
        if let Some(item) = sorted.get(i).filter(|item| keep(item)) {
            found.push(item);
        }
        found.len() == want
    };
    if backward {
        // Items strictly before the cursor have a greater key; take the nearest ones.
        let end = cursor.map_or(0, |c| partition_point(sorted, |x| x.sort_key() > c.key()));
        for i in (0..end).rev() {
            if scan(i) {
                break;
            }
        }
    } else {
        // Items strictly after the cursor in descending order have a smaller key.
        let start = cursor.map_or(0, |c| partition_point(sorted, |x| x.sort_key() >= c.key()));
        for i in start..sorted.len() {
            if scan(i) {
                break;
            }
        }
    }
    let has_more = found.len() > per_page;
    found.truncate(per_page);
    if backward {
        found.reverse();
    }
    let (next_cursor, prev_cursor) = links(&found, cursor, has_more);
    Page {
        items: found,
        next_cursor,
        prev_cursor,
        scanned,
    }
}

/// A page's `(next_cursor, prev_cursor)`, by Laravel's rules (see [`paginate`]): `items` in
/// page order, `cursor` the one asked with, `has_more` whether items lie beyond the page in
/// the direction walked.
fn links<T: Keyed>(
    items: &[T],
    cursor: Option<&Cursor>,
    has_more: bool,
) -> (Option<String>, Option<String>) {
    let cursor_for = |item: Option<&T>, next: bool| {
        item.map(|i| {
            let (created_at, id) = i.sort_key();
            Cursor::at(created_at, id, next).encode()
        })
    };
    let backward = cursor.is_some_and(|c| !c.points_to_next_items);
    let next_cursor = if !backward && !has_more {
        None
    } else {
        cursor_for(items.last(), true)
    };
    let prev_cursor = if cursor.is_none() || (backward && !has_more) {
        None
    } else {
        cursor_for(items.first(), false)
    };
    (next_cursor, prev_cursor)
}

/// The straightforward implementation [`paginate`] must agree with: filter everything, then
/// cut the page out of the filtered slice (what the sandbox served before it had indexes).
#[cfg(test)]
pub(crate) fn reference_paginate<T: Keyed + Copy>(
    filtered: &[T],
    per_page: usize,
    cursor: Option<&Cursor>,
) -> Page<T> {
    let per_page = per_page.max(1);
    let (items, has_more) = match cursor {
        None => {
            let end = per_page.min(filtered.len());
            (&filtered[..end], filtered.len() > per_page)
        }
        Some(c) if c.points_to_next_items => {
            let start = filtered.partition_point(|x| x.sort_key() >= c.key());
            let end = start.saturating_add(per_page).min(filtered.len());
            (&filtered[start..end], filtered.len() - start > per_page)
        }
        Some(c) => {
            let end = filtered.partition_point(|x| x.sort_key() > c.key());
            let start = end.saturating_sub(per_page);
            (&filtered[start..end], end > per_page)
        }
    };
    let (next_cursor, prev_cursor) = links(items, cursor, has_more);
    Page {
        items: items.to_vec(),
        next_cursor,
        prev_cursor,
        scanned: filtered.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Item(String, String);

    impl Keyed for Item {
        fn sort_key(&self) -> (&str, &str) {
            (&self.0, &self.1)
        }
    }

    fn items(n: usize) -> Vec<Item> {
        (0..n)
            .rev()
            .map(|i| {
                Item(
                    format!("2025-01-01 00:{:02}:{:02}", i / 60, i % 60),
                    format!("id-{i}"),
                )
            })
            .collect()
    }

    fn ids<T: Keyed>(page: &Page<T>) -> Vec<String> {
        page.items
            .iter()
            .map(|i| i.sort_key().1.to_owned())
            .collect()
    }

    #[test]
    fn laravel_example_cursor_shape() {
        let c = Cursor::at("2025-01-25 14:30:00", "abc", true);
        let encoded = c.encode();
        assert!(!encoded.contains('=') && !encoded.contains('+') && !encoded.contains('/'));
        let json = BASE64URL.decode(&encoded).expect("base64");
        assert_eq!(
            String::from_utf8(json).expect("utf8"),
            r#"{"created_at":"2025-01-25 14:30:00","id":"abc","_pointsToNextItems":true}"#
        );
        assert_eq!(Cursor::decode(&encoded), Some(c));
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "!!!",
            "eyJpZCI6MTAwLCJfcG9pbnRzVG9OZXh0SXRlbXMiOnRydWV9", // the docs' {"id":100,...}
            &BASE64URL.encode(
                r#"{"created_at":"2025-01-25 14:30:00","id":"x","_pointsToNextItems":true,"x":1}"#,
            ),
            &BASE64URL.encode(r#"{"created_at":"yesterday","id":"x","_pointsToNextItems":true}"#),
            &BASE64URL.encode(
                r#"{"created_at":"2025-01-25 14:30:00","id":"","_pointsToNextItems":true}"#,
            ),
            &BASE64URL.encode(r#"[1,2,3]"#),
            &BASE64URL.encode([0xFF, 0xFE]),
        ] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn accepts_padding() {
        let c = Cursor::at("2025-01-25 14:30:00", "ab", false);
        let padded = base64::engine::general_purpose::URL_SAFE.encode(
            serde_json::to_vec(&Payload {
                created_at: c.created_at.clone(),
                id: c.id.clone(),
                points_to_next_items: false,
            })
            .expect("json"),
        );
        assert_eq!(Cursor::decode(&padded), Some(c));
    }

    #[test]
    fn walks_both_ways_exactly_once() {
        for n in [0, 1, 4, 5, 6, 23] {
            let data = items(n);
            let all: Vec<String> = data.iter().map(|i| i.1.clone()).collect();
            let per_page = 5;
            // Forward.
            let mut seen = Vec::new();
            let mut page = paginate(&data.as_slice(), per_page, None, |_| true);
            assert_eq!(page.prev_cursor, None);
            seen.extend(ids(&page));
            while let Some(c) = page.next_cursor.clone() {
                page = paginate(
                    &data.as_slice(),
                    per_page,
                    Cursor::decode(&c).as_ref(),
                    |_| true,
                );
                seen.extend(ids(&page));
            }
            assert_eq!(seen, all, "forward n={n}");
            // Backward from the last page.
            let mut back: Vec<String> = ids(&page).into_iter().rev().collect();
            while let Some(c) = page.prev_cursor.clone() {
                page = paginate(
                    &data.as_slice(),
                    per_page,
                    Cursor::decode(&c).as_ref(),
                    |_| true,
                );
                back.extend(ids(&page).into_iter().rev());
                assert!(
                    page.next_cursor.is_some(),
                    "a backward page always has a next page"
                );
            }
            back.reverse();
            assert_eq!(back, all, "backward n={n}");
        }
    }

    #[test]
    fn cursor_past_the_end_gives_an_empty_page_without_cursors() {
        let data = items(3);
        let c = Cursor::at("2000-01-01 00:00:00", "zzz", true);
        let page = paginate(&data.as_slice(), 5, Some(&c), |_| true);
        assert!(page.items.is_empty());
        assert_eq!((page.next_cursor, page.prev_cursor), (None, None));
    }
}
