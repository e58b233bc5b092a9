//! One page of results and the opaque cursors that lead to its neighbours.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One page of results, with cursors to the next and previous pages.
///
/// ```
/// use conversations_core::{Cursor, Page};
/// let page = Page { items: vec![1, 2], next: Some(Cursor::new("abc")), prev: None };
/// assert_eq!(page.items.len(), 2);
/// assert!(page.next.is_some());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The items on this page, in the provider's order.
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
    /// Where the previous page starts; `None` on the first page or for sources that cannot page back.
    pub prev: Option<Cursor>,
}

impl<T> Page<T> {
    /// A page with no neighbours.
    ///
    /// ```
    /// let page = conversations_core::Page::single(vec!["a"]);
    /// assert!(page.next.is_none() && page.prev.is_none());
    /// ```
    pub fn single(items: Vec<T>) -> Self {
        Self {
            items,
            next: None,
            prev: None,
        }
    }

    /// The cursor leading on in `direction`.
    ///
    /// ```
    /// use conversations_core::{Cursor, Direction, Page};
    /// let page = Page { items: vec![1], next: Some(Cursor::new("n")), prev: None };
    /// assert_eq!(page.cursor(Direction::Forward).map(Cursor::as_str), Some("n"));
    /// assert!(page.cursor(Direction::Backward).is_none());
    /// ```
    pub fn cursor(&self, direction: Direction) -> Option<&Cursor> {
        match direction {
            Direction::Forward => self.next.as_ref(),
            Direction::Backward => self.prev.as_ref(),
        }
    }

    /// Applies `f` to every item, keeping the cursors.
    ///
    /// ```
    /// let page = conversations_core::Page::single(vec![1, 2]).map(|n| n * 10);
    /// assert_eq!(page.items, vec![10, 20]);
    /// ```
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next: self.next,
            prev: self.prev,
        }
    }
}

/// An opaque position in a provider's result list.
///
/// Only the source that issued a cursor understands it. It serializes as a plain JSON string,
/// so a caller can persist it and resume later with
/// [`ConversationSourceExt::pages_from`](crate::ConversationSourceExt::pages_from).
///
/// ```
/// use conversations_core::Cursor;
/// let cursor = Cursor::new("eyJpZCI6MTAwfQ");
/// let saved = serde_json::to_string(&cursor).unwrap();
/// assert_eq!(saved, "\"eyJpZCI6MTAwfQ\"");
/// assert_eq!(serde_json::from_str::<Cursor>(&saved).unwrap(), cursor);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cursor(String);

impl Cursor {
    /// Wraps a provider's cursor string.
    ///
    /// ```
    /// assert_eq!(conversations_core::Cursor::new("x").as_str(), "x");
    /// ```
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The cursor as the provider gave it.
    ///
    /// ```
    /// assert_eq!(conversations_core::Cursor::new("x").as_str(), "x");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The cursor as the provider gave it, owned.
    ///
    /// ```
    /// assert_eq!(conversations_core::Cursor::new("x").into_string(), "x");
    /// ```
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which way a paginator walks: forward through `next` cursors or backward through `prev`.
///
/// ```
/// use conversations_core::Direction;
/// assert_ne!(Direction::Forward, Direction::Backward);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Through [`Page::next`].
    #[default]
    Forward,
    /// Through [`Page::prev`].
    Backward,
}
