//! [`Notice`]: what a run tells its user besides its counts — a resume, a walk that stopped
//! early, ids skipped — typed, so that a tool on top can say it in its own words (naming its
//! own flags: the library names none).

use std::fmt;

use chrono::{DateTime, Utc};

use crate::state::time_text;

/// Something the user of a sync should know, passed to
/// [`Observer::notice`](crate::Observer::notice) as it happens and kept in
/// [`Summary::notices`](crate::Summary::notices). Its `Display` is the library's wording,
/// also saved in the stream's message.
///
/// ```
/// use conversations_sync::Notice;
/// let n = Notice::SkippedFailed { ids: 2 };
/// assert_eq!(
///     n.to_string(),
///     "skipping 2 ids the provider refused for good before (a sync that retries failed ids looks them up again)"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Notice {
    /// The stream's saved position could not be read: it was discarded, and the walk starts
    /// over (a full refresh).
    PositionDiscarded,
    /// An incremental walk stopped at its floor: the last walk's newest record less the
    /// lookback.
    LookbackBoundary {
        /// The floor.
        floor: DateTime<Utc>,
    },
    /// Ids the provider refused for good in an earlier run were not looked up again.
    SkippedFailed {
        /// How many.
        ids: u64,
    },
    /// Ids the provider refused for good in this run, recorded as failed: later runs skip
    /// them.
    RecordedFailed {
        /// How many.
        ids: u64,
    },
    /// Anything else worth knowing, in words (a resume, a page size, a broken order, records
    /// that shared a key).
    Text(String),
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PositionDiscarded => f.write_str(
                "the saved position was unreadable and is discarded (a full refresh): starting \
                 over",
            ),
            Self::LookbackBoundary { floor } => write!(
                f,
                "stopped at the lookback boundary ({}: the last walk's newest record less the \
                 lookback)",
                time_text(floor)
            ),
            Self::SkippedFailed { ids } => write!(
                f,
                "skipping {ids} {} the provider refused for good before (a sync that retries \
                 failed ids looks them up again)",
                if *ids == 1 { "id" } else { "ids" }
            ),
            Self::RecordedFailed { ids } => write!(
                f,
                "{ids} {} refused by the provider for good, recorded as failed (the stream's \
                 state lists them); later runs skip them unless told to retry failed ids",
                if *ids == 1 { "id was" } else { "ids were" }
            ),
            Self::Text(text) => f.write_str(text),
        }
    }
}

impl From<String> for Notice {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_library_names_no_flag() {
        let floor = DateTime::<Utc>::UNIX_EPOCH;
        for notice in [
            Notice::PositionDiscarded,
            Notice::LookbackBoundary { floor },
            Notice::SkippedFailed { ids: 1 },
            Notice::RecordedFailed { ids: 2 },
        ] {
            let text = notice.to_string();
            assert!(!text.contains("--"), "{text}");
        }
    }
}
