//! What a report shows: the view, the grouping, the periods, the window and the time zone.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::error::ReportError;
use crate::period::Per;

/// One of the report's views.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum View {
    /// Total cost per group per period (the records' `total_cost`, summed exactly).
    Cost,
    /// Conversations and messages (`message_count`) per group per period.
    Volume,
    /// Records with fields off their documented types, per provider, field and period.
    Notes,
}

impl View {
    /// Every view, in the order a full report shows them.
    pub const ALL: [View; 3] = [View::Cost, View::Volume, View::Notes];

    /// The view's name: `cost`, `volume`, `notes`.
    pub fn name(self) -> &'static str {
        match self {
            View::Cost => "cost",
            View::Volume => "volume",
            View::Notes => "notes",
        }
    }
}

impl std::str::FromStr for View {
    type Err = ReportError;

    /// ```
    /// use conversations_report::View;
    /// assert_eq!("cost".parse::<View>().unwrap(), View::Cost);
    /// assert!("price".parse::<View>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        View::ALL
            .into_iter()
            .find(|v| v.name() == s)
            .ok_or_else(|| ReportError::BadOption {
                option: "VIEW",
                reason: format!("{s:?} is not cost, volume or notes"),
            })
    }
}

/// What the groups of a cost or volume report are (the notes view groups by provider and
/// field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum By {
    /// The AI assistant or agent, by name (its id when it has none).
    Assistant,
    /// The channel (`whatsapp`, `api`, …).
    Channel,
    /// The provider (`autocalls`, `asapp`).
    Provider,
    /// The name rows are filed under: the provider, or the account for `sync --account`.
    Source,
}

impl By {
    /// The grouping's name, as `--by` takes it.
    pub fn name(self) -> &'static str {
        match self {
            By::Assistant => "assistant",
            By::Channel => "channel",
            By::Provider => "provider",
            By::Source => "source",
        }
    }

    /// The column (or expression) holding the group.
    pub(crate) fn column(self) -> &'static str {
        match self {
            By::Assistant => "coalesce(agent_name, agent_id)",
            By::Channel => "channel",
            By::Provider => "provider",
            By::Source => "source",
        }
    }
}

impl std::str::FromStr for By {
    type Err = ReportError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [By::Assistant, By::Channel, By::Provider, By::Source]
            .into_iter()
            .find(|b| b.name() == s)
            .ok_or_else(|| ReportError::BadOption {
                option: "--by",
                reason: format!("{s:?} is not assistant, channel, provider or source"),
            })
    }
}

/// A report's settings.
///
/// ```
/// use conversations_report::{By, Options, Per};
/// let options = Options::new().by(By::Channel).per(Per::Week).tz("Europe/Paris").unwrap().top(3);
/// assert_eq!(options.tz.name(), "Europe/Paris");
/// assert!(Options::new().tz("Mars/Olympus").unwrap_err().to_string().starts_with("--tz: "));
/// ```
#[derive(Debug, Clone)]
pub struct Options {
    /// The groups (cost and volume).
    pub by: By,
    /// The periods.
    pub per: Per,
    /// First instant included, if any.
    pub since: Option<DateTime<Utc>>,
    /// First instant left out, if any.
    pub until: Option<DateTime<Utc>>,
    /// The time zone days, weeks and months are counted in.
    pub tz: Tz,
    /// Keep this many groups (largest totals over the whole report), the rest as `other`.
    pub top: Option<usize>,
}

impl Default for Options {
    fn default() -> Self {
        Self::new()
    }
}

impl Options {
    /// By assistant, per day, in UTC, everything.
    pub fn new() -> Self {
        Self {
            by: By::Assistant,
            per: Per::Day,
            since: None,
            until: None,
            tz: Tz::UTC,
            top: None,
        }
    }

    /// Groups by `by`.
    pub fn by(mut self, by: By) -> Self {
        self.by = by;
        self
    }

    /// Periods of `per`.
    pub fn per(mut self, per: Per) -> Self {
        self.per = per;
        self
    }

    /// Counts days, weeks and months in the IANA time zone `name` (`Europe/Paris`).
    pub fn tz(mut self, name: &str) -> Result<Self, ReportError> {
        self.tz = name.parse().map_err(|_| ReportError::BadOption {
            option: "--tz",
            reason: format!("{name:?} is not an IANA time zone name (e.g. Europe/Paris, UTC)"),
        })?;
        Ok(self)
    }

    /// From `since` (included).
    pub fn since(mut self, since: DateTime<Utc>) -> Self {
        self.since = Some(since);
        self
    }

    /// Until `until` (left out).
    pub fn until(mut self, until: DateTime<Utc>) -> Self {
        self.until = Some(until);
        self
    }

    /// Keeps the `n` largest groups.
    pub fn top(mut self, n: usize) -> Self {
        self.top = Some(n);
        self
    }
}
