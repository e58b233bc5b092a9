//! [`Answer`]: one row of a view's aggregate query, as the database gives it and the report
//! is built from (below both, so neither imports the other's types).

use rust_decimal::Decimal;

/// One row of a view's answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Answer {
    /// The group (`NULL`: no value; in the notes view, the whole record).
    pub(crate) group: Option<String>,
    /// The period; `None` for rows without a creation time.
    pub(crate) period: Option<String>,
    /// The provider.
    pub(crate) provider: String,
    /// How many rows.
    pub(crate) rows: u64,
    /// The exact sum of the view's field, if any row had it.
    pub(crate) sum: Option<Decimal>,
}
