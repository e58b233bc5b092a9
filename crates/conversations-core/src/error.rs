//! The one error type every source returns, with what a caller needs to act on it.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// `Result` with [`Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A boxed error, the cause behind a [`Error::Transport`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// How many characters of a response body a [`Error::Decode`] keeps.
pub const SNIPPET_CHARS: usize = 100;

/// How many characters of any one text a server sent (a message, a code, a request id) an
/// error's message quotes; the rest is cut, marked `…`.
pub const QUOTE_CHARS: usize = 100;

/// How many of a provider's field errors an error's message shows.
pub const QUOTE_FIELDS: usize = 5;

/// What a provider said about a failed request: status, code, message, request id.
///
/// ```
/// use conversations_core::ApiErrorDetails;
/// let d = ApiErrorDetails::new(401)
///     .code("401-01")
///     .message("Unauthorized")
///     .request_id("8e03");
/// assert_eq!(d.to_string(), "HTTP 401, code 401-01, request id 8e03: Unauthorized");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ApiErrorDetails {
    /// The HTTP status.
    pub status: u16,
    /// The provider's error code, if it sent one.
    pub code: Option<String>,
    /// The provider's message, if it sent one.
    pub message: Option<String>,
    /// The provider's id for the failed request, if it sent one.
    pub request_id: Option<String>,
    /// Messages per request field (for example Autocalls' `errors` on a 422).
    pub field_errors: BTreeMap<String, Vec<String>>,
}

impl ApiErrorDetails {
    /// Details holding only a status.
    ///
    /// ```
    /// assert_eq!(conversations_core::ApiErrorDetails::new(503).to_string(), "HTTP 503");
    /// ```
    pub fn new(status: u16) -> Self {
        Self {
            status,
            ..Self::default()
        }
    }

    /// Sets the provider's error code.
    ///
    /// ```
    /// let d = conversations_core::ApiErrorDetails::new(400).code("400-01");
    /// assert_eq!(d.code.as_deref(), Some("400-01"));
    /// ```
    pub fn code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Sets the provider's message.
    ///
    /// ```
    /// let d = conversations_core::ApiErrorDetails::new(400).message("Bad request");
    /// assert_eq!(d.message.as_deref(), Some("Bad request"));
    /// ```
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// Sets the provider's request id.
    ///
    /// ```
    /// let d = conversations_core::ApiErrorDetails::new(400).request_id("r-1");
    /// assert_eq!(d.request_id.as_deref(), Some("r-1"));
    /// ```
    pub fn request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }

    /// Adds messages about one request field.
    ///
    /// ```
    /// let d = conversations_core::ApiErrorDetails::new(422)
    ///     .field_errors("per_page", vec!["must be between 1 and 100".into()]);
    /// assert!(d.to_string().contains("per_page: must be between 1 and 100"));
    /// ```
    pub fn field_errors(mut self, field: impl Into<String>, messages: Vec<String>) -> Self {
        self.field_errors
            .entry(field.into())
            .or_default()
            .extend(messages);
        self
    }
}

impl ApiErrorDetails {
    /// The details with every text rewritten by `redact` (see [`Error::redact_with`]).
    ///
    /// ```
    /// let d = conversations_core::ApiErrorDetails::new(422).field_errors("key", vec!["KEY is wrong".into()]);
    /// let clean = d.redact_with(&|t: &str| t.replace("KEY", "***"));
    /// assert_eq!(clean.to_string(), "HTTP 422 (key: *** is wrong)");
    /// ```
    pub fn redact_with(self, redact: &dyn Fn(&str) -> String) -> Self {
        let opt = |text: Option<String>| text.map(|t| redact(&t));
        Self {
            status: self.status,
            code: opt(self.code),
            message: opt(self.message),
            request_id: opt(self.request_id),
            field_errors: self
                .field_errors
                .into_iter()
                .map(|(field, messages)| {
                    (redact(&field), messages.iter().map(|m| redact(m)).collect())
                })
                .collect(),
        }
    }
}

impl fmt::Display for ApiErrorDetails {
    /// One line; each text the provider sent is cut to [`QUOTE_CHARS`] characters and at most
    /// [`QUOTE_FIELDS`] field errors are shown (the struct keeps them whole).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, ", code {}", quote(code))?;
        }
        if let Some(id) = &self.request_id {
            write!(f, ", request id {}", quote(id))?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {}", quote(message))?;
        }
        if !self.field_errors.is_empty() {
            let mut fields: Vec<String> = self
                .field_errors
                .iter()
                .take(QUOTE_FIELDS)
                .map(|(field, messages)| {
                    format!("{}: {}", quote(field), quote(&messages.join("; ")))
                })
                .collect();
            if self.field_errors.len() > QUOTE_FIELDS {
                fields.push(format!(
                    "and {} more fields",
                    self.field_errors.len() - QUOTE_FIELDS
                ));
            }
            write!(f, " ({})", fields.join("; "))?;
        }
        Ok(())
    }
}

/// Everything that can go wrong listing conversations.
///
/// Every variant names the provider. [`Display`](fmt::Display) is one line naming the
/// provider, the HTTP status, the provider's code and request id where known. Secrets never
/// appear in it.
///
/// ```
/// use conversations_core::{ApiErrorDetails, Error};
/// let err = Error::from_status("asapp", ApiErrorDetails::new(429).request_id("r-9"), None);
/// assert!(matches!(err, Error::RateLimited { .. }));
/// assert!(err.is_retryable());
/// assert_eq!(err.status(), Some(429));
/// assert_eq!(err.request_id(), Some("r-9"));
/// assert_eq!(err.to_string(), "asapp: rate limited (HTTP 429, request id r-9)");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The query was refused before any request: unsupported or missing filter, bad value.
    #[error("{provider}: invalid query: {reason}")]
    InvalidQuery {
        /// The source that refused the query.
        provider: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The credentials were refused (HTTP 401).
    #[error("{provider}: unauthorized ({details})")]
    Unauthorized {
        /// The provider that answered.
        provider: String,
        /// What the provider said.
        details: Box<ApiErrorDetails>,
    },
    /// The credentials lack permission (HTTP 403).
    #[error("{provider}: forbidden ({details})")]
    Forbidden {
        /// The provider that answered.
        provider: String,
        /// What the provider said.
        details: Box<ApiErrorDetails>,
    },
    /// The resource does not exist (HTTP 404).
    #[error("{provider}: not found ({details})")]
    NotFound {
        /// The provider that answered.
        provider: String,
        /// What the provider said.
        details: Box<ApiErrorDetails>,
    },
    /// Too many requests (HTTP 429); retry after the given delay if the provider sent one.
    #[error("{provider}: rate limited ({details}{})", RetryAfterSuffix(*.retry_after))]
    RateLimited {
        /// The provider that answered.
        provider: String,
        /// How long the provider asked the caller to wait.
        retry_after: Option<Duration>,
        /// What the provider said.
        details: Box<ApiErrorDetails>,
    },
    /// The provider is unavailable or failed (HTTP 503 and other 5xx).
    #[error("{provider}: unavailable ({details}{})", RetryAfterSuffix(*.retry_after))]
    Unavailable {
        /// The provider that answered.
        provider: String,
        /// How long the provider asked the caller to wait, if it said.
        retry_after: Option<Duration>,
        /// What the provider said.
        details: Box<ApiErrorDetails>,
    },
    /// Any other error status (400, 422, …).
    #[error("{provider}: request failed ({details})")]
    Api {
        /// The provider that answered.
        provider: String,
        /// What the provider said.
        details: Box<ApiErrorDetails>,
    },
    /// The request did not complete: connection, TLS, timeout.
    #[error("{provider}: transport error: {message}")]
    Transport {
        /// The provider the request was for.
        provider: String,
        /// What failed.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
    },
    /// A response could not be decoded: a page body that is not JSON or lacks its list, or
    /// an error body that is not the provider's envelope.
    ///
    /// For a successful (2xx) response the error names where and what JSON type was wrong,
    /// never content: no snippet, no values. For an error status, a bounded snippet of the
    /// body is kept (a gateway's HTML page, say).
    #[error("{provider}: could not decode {what}{}: {reason}{}", StatusSuffix(*.status), SnippetSuffix(.snippet.as_deref()))]
    Decode {
        /// The provider that answered.
        provider: String,
        /// The HTTP status of the response, if there was one.
        status: Option<u16>,
        /// What was being decoded.
        what: String,
        /// Why it failed (positions and JSON types, never values of a 2xx body).
        reason: String,
        /// The start of a non-2xx body (at most [`SNIPPET_CHARS`] characters).
        snippet: Option<String>,
    },
    /// Strict decoding ([`ConversationQuery::strict`](crate::ConversationQuery::strict)) met a
    /// record off its documented types. Names the field and the JSON types, never the value.
    #[error("{provider}: record {position} of the listing is off its documented types: {note}")]
    OffSpec {
        /// The source that served the record.
        provider: String,
        /// The record's position in the listing, from 1.
        position: u64,
        /// The first field that was off.
        note: Box<crate::note::DecodeNote>,
    },
    /// Paging went wrong: a provider repeated a cursor, or a cursor was not one it issued.
    #[error("{provider}: pagination error: {reason}")]
    Pagination {
        /// The provider that paged.
        provider: String,
        /// What went wrong.
        reason: String,
    },
    /// A response body was larger than the client's limit: it was not read further and the
    /// request is not retried (the same request would bring the same body).
    #[error(
        "{provider}: the response body is larger than the limit of {} (not retried; raise it with --max-body-size or ClientOptions::max_body_size)",
        ByteCount(*.limit)
    )]
    ResponseTooLarge {
        /// The provider that answered.
        provider: String,
        /// The limit, in bytes.
        limit: u64,
        /// The HTTP status of the response.
        status: u16,
    },
}

/// A byte count as people read it: `32 MiB`, `512 KiB`, `1000 bytes`.
struct ByteCount(u64);

impl fmt::Display for ByteCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
        for (size, unit) in UNITS {
            if self.0 >= size && self.0.is_multiple_of(size) {
                return write!(f, "{} {unit}", self.0 / size);
            }
        }
        write!(f, "{} bytes", self.0)
    }
}

struct RetryAfterSuffix(Option<Duration>);

impl fmt::Display for RetryAfterSuffix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(d) => write!(f, ", retry after {}s", d.as_secs_f64()),
            None => Ok(()),
        }
    }
}

struct SnippetSuffix<'a>(Option<&'a str>);

impl fmt::Display for SnippetSuffix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(snippet) => write!(f, "; body starts: {snippet:?}"),
            None => Ok(()),
        }
    }
}

struct StatusSuffix(Option<u16>);

impl fmt::Display for StatusSuffix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(status) => write!(f, " (HTTP {status})"),
            None => Ok(()),
        }
    }
}

impl Error {
    /// An [`Error::InvalidQuery`].
    ///
    /// ```
    /// let err = conversations_core::Error::invalid_query("asapp", "external_id is required");
    /// assert_eq!(err.to_string(), "asapp: invalid query: external_id is required");
    /// ```
    pub fn invalid_query(provider: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidQuery {
            provider: provider.into(),
            reason: one_line(&reason.into()),
        }
    }

    /// An [`Error::Pagination`].
    ///
    /// ```
    /// let err = conversations_core::Error::pagination("autocalls", "cursor repeated");
    /// assert_eq!(err.to_string(), "autocalls: pagination error: cursor repeated");
    /// ```
    pub fn pagination(provider: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Pagination {
            provider: provider.into(),
            reason: one_line(&reason.into()),
        }
    }

    /// An [`Error::OffSpec`] for the record at `position` (from 1).
    ///
    /// ```
    /// use conversations_core::{DecodeNote, Documented, Error, Found, NoteAction};
    /// let note = DecodeNote::new("assistant_id", Documented::String, Found::Number, NoteAction::Converted);
    /// let err = Error::off_spec("autocalls", 3, note);
    /// assert_eq!(err.to_string(), "autocalls: record 3 of the listing is off its documented types: assistant_id (number, documented string)");
    /// assert!(!err.is_retryable());
    /// ```
    pub fn off_spec(
        provider: impl Into<String>,
        position: u64,
        note: crate::note::DecodeNote,
    ) -> Self {
        Error::OffSpec {
            provider: provider.into(),
            position,
            note: Box::new(note),
        }
    }

    /// An [`Error::Transport`] from any error.
    ///
    /// ```
    /// let io = std::io::Error::other("connection refused");
    /// let err = conversations_core::Error::transport("asapp", io);
    /// assert!(err.is_retryable());
    /// assert_eq!(err.to_string(), "asapp: transport error: connection refused");
    /// ```
    pub fn transport(provider: impl Into<String>, source: impl Into<BoxError>) -> Self {
        let source = source.into();
        Error::Transport {
            provider: provider.into(),
            message: one_line(&source.to_string()),
            source: Some(source),
        }
    }

    /// An [`Error::Decode`] keeping a bounded, printable snippet of `body` when `status` is
    /// an error status; for a 2xx (or no) status the body is not quoted at all, since it may
    /// hold personal data — `reason` must then name only positions and JSON types (see
    /// [`decode::describe`](crate::decode::describe)).
    ///
    /// ```
    /// let body = format!("<html>{}</html>", "x".repeat(10_000));
    /// let err = conversations_core::Error::decode("asapp", Some(502), "error body", "expected JSON", body.as_bytes());
    /// let text = err.to_string();
    /// assert!(text.starts_with("asapp: could not decode error body (HTTP 502): expected JSON"));
    /// assert!(text.contains("<html>") && text.len() < 400);
    ///
    /// let ok = conversations_core::Error::decode("asapp", Some(200), "page", "items is missing", br#"{"name":"Jane"}"#);
    /// assert!(!ok.to_string().contains("Jane"));
    /// ```
    pub fn decode(
        provider: impl Into<String>,
        status: Option<u16>,
        what: impl Into<String>,
        reason: impl fmt::Display,
        body: &[u8],
    ) -> Self {
        Error::Decode {
            provider: provider.into(),
            status,
            what: what.into(),
            reason: one_line(&reason.to_string()),
            snippet: status
                .filter(|s| !(200..300).contains(s))
                .map(|_| snippet(body)),
        }
    }

    /// The error for a non-success HTTP status, chosen by status: 401 [`Unauthorized`](Error::Unauthorized),
    /// 403 [`Forbidden`](Error::Forbidden), 404 [`NotFound`](Error::NotFound), 429
    /// [`RateLimited`](Error::RateLimited), 5xx [`Unavailable`](Error::Unavailable), anything
    /// else [`Api`](Error::Api).
    ///
    /// ```
    /// use conversations_core::{ApiErrorDetails, Error};
    /// let err = Error::from_status("autocalls", ApiErrorDetails::new(422), None);
    /// assert!(matches!(err, Error::Api { .. }));
    /// assert!(!err.is_retryable());
    /// ```
    pub fn from_status(
        provider: impl Into<String>,
        details: ApiErrorDetails,
        retry_after: Option<Duration>,
    ) -> Self {
        let provider = provider.into();
        let details = Box::new(details);
        match details.status {
            401 => Error::Unauthorized { provider, details },
            403 => Error::Forbidden { provider, details },
            404 => Error::NotFound { provider, details },
            429 => Error::RateLimited {
                provider,
                retry_after,
                details,
            },
            500..=599 => Error::Unavailable {
                provider,
                retry_after,
                details,
            },
            _ => Error::Api { provider, details },
        }
    }

    /// The error with every text it carries rewritten by `redact`: the provider's code,
    /// message, request id and field errors, a transport failure's message (its cause is then
    /// dropped, so nothing unredacted can be reached through it), a decode error's reason and
    /// body snippet, a pagination error's reason. The transport runs every error it returns
    /// through its credentials' redactor with this.
    ///
    /// ```
    /// use conversations_core::{ApiErrorDetails, Error};
    /// let err = Error::from_status("p", ApiErrorDetails::new(500).request_id("rid-SECRET").message("SECRET"), None);
    /// let clean = err.redact_with(&|t: &str| t.replace("SECRET", "***"));
    /// assert_eq!(clean.to_string(), "p: unavailable (HTTP 500, request id rid-***: ***)");
    /// ```
    pub fn redact_with(mut self, redact: &dyn Fn(&str) -> String) -> Self {
        match &mut self {
            Error::Unauthorized { details, .. }
            | Error::Forbidden { details, .. }
            | Error::NotFound { details, .. }
            | Error::RateLimited { details, .. }
            | Error::Unavailable { details, .. }
            | Error::Api { details, .. } => {
                **details = std::mem::take(&mut **details).redact_with(redact);
            }
            Error::Transport {
                message, source, ..
            } => {
                let clean = redact(message);
                if clean != *message {
                    *message = clean;
                    *source = None;
                }
            }
            Error::Decode {
                reason, snippet, ..
            } => {
                *reason = redact(reason);
                if let Some(snippet) = snippet {
                    *snippet = redact(snippet);
                }
            }
            Error::Pagination { reason, .. } | Error::InvalidQuery { reason, .. } => {
                *reason = redact(reason);
            }
            Error::OffSpec { .. } | Error::ResponseTooLarge { .. } => {}
        }
        self
    }

    /// The provider the error is about.
    ///
    /// ```
    /// let err = conversations_core::Error::pagination("autocalls", "loop");
    /// assert_eq!(err.provider(), "autocalls");
    /// ```
    pub fn provider(&self) -> &str {
        match self {
            Error::InvalidQuery { provider, .. }
            | Error::Unauthorized { provider, .. }
            | Error::Forbidden { provider, .. }
            | Error::NotFound { provider, .. }
            | Error::RateLimited { provider, .. }
            | Error::Unavailable { provider, .. }
            | Error::Api { provider, .. }
            | Error::Transport { provider, .. }
            | Error::Decode { provider, .. }
            | Error::OffSpec { provider, .. }
            | Error::Pagination { provider, .. }
            | Error::ResponseTooLarge { provider, .. } => provider,
        }
    }

    /// The provider's details, for errors that came with an HTTP error status.
    ///
    /// ```
    /// use conversations_core::{ApiErrorDetails, Error};
    /// let err = Error::from_status("asapp", ApiErrorDetails::new(403).code("403-01"), None);
    /// assert_eq!(err.details().and_then(|d| d.code.as_deref()), Some("403-01"));
    /// ```
    pub fn details(&self) -> Option<&ApiErrorDetails> {
        match self {
            Error::Unauthorized { details, .. }
            | Error::Forbidden { details, .. }
            | Error::NotFound { details, .. }
            | Error::RateLimited { details, .. }
            | Error::Unavailable { details, .. }
            | Error::Api { details, .. } => Some(details),
            _ => None,
        }
    }

    /// The HTTP status, where there was a response.
    ///
    /// ```
    /// let err = conversations_core::Error::decode("asapp", Some(200), "page", "bad", b"{");
    /// assert_eq!(err.status(), Some(200));
    /// ```
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Decode { status, .. } => *status,
            Error::ResponseTooLarge { status, .. } => Some(*status),
            other => other.details().map(|d| d.status),
        }
    }

    /// The provider's error code, where it sent one.
    ///
    /// ```
    /// use conversations_core::{ApiErrorDetails, Error};
    /// let err = Error::from_status("asapp", ApiErrorDetails::new(400).code("400-01"), None);
    /// assert_eq!(err.code(), Some("400-01"));
    /// ```
    pub fn code(&self) -> Option<&str> {
        self.details().and_then(|d| d.code.as_deref())
    }

    /// The provider's request id, where it sent one.
    ///
    /// ```
    /// use conversations_core::{ApiErrorDetails, Error};
    /// let err = Error::from_status("asapp", ApiErrorDetails::new(500).request_id("r"), None);
    /// assert_eq!(err.request_id(), Some("r"));
    /// ```
    pub fn request_id(&self) -> Option<&str> {
        self.details().and_then(|d| d.request_id.as_deref())
    }

    /// How long the provider asked the caller to wait, where it said.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conversations_core::{ApiErrorDetails, Error};
    /// let err = Error::from_status("asapp", ApiErrorDetails::new(429), Some(Duration::from_secs(2)));
    /// assert_eq!(err.retry_after(), Some(Duration::from_secs(2)));
    /// ```
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } | Error::Unavailable { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }

    /// Whether trying the same request again may succeed: rate limiting, 5xx, transport
    /// errors. Never for 400/401/403/404/422, invalid queries, decode or pagination errors.
    ///
    /// ```
    /// use conversations_core::{ApiErrorDetails, Error};
    /// assert!(Error::from_status("p", ApiErrorDetails::new(503), None).is_retryable());
    /// assert!(!Error::from_status("p", ApiErrorDetails::new(404), None).is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::RateLimited { .. } | Error::Unavailable { .. } | Error::Transport { .. }
        )
    }
}

/// A text as an error message quotes it (a server's, or one a user gave, such as an id): at
/// most [`QUOTE_CHARS`] characters, then `…`, on one line (control characters escaped).
///
/// ```
/// use conversations_core::{QUOTE_CHARS, quote};
/// assert_eq!(quote("a\nb"), "a\\nb");
/// let long = quote(&"x".repeat(10_000_000));
/// assert_eq!(long.chars().count(), QUOTE_CHARS + 1);
/// assert!(long.ends_with('…'));
/// ```
pub fn quote(text: &str) -> String {
    match text.char_indices().nth(QUOTE_CHARS) {
        Some((cut, _)) => one_line(&format!("{}…", &text[..cut])),
        None => one_line(text),
    }
}

/// Makes text safe for a one-line message: control characters (newlines included) escaped.
fn one_line(text: &str) -> String {
    if text.chars().any(char::is_control) {
        text.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect()
    } else {
        text.to_owned()
    }
}

/// The first [`SNIPPET_CHARS`] characters of a body, lossily decoded and on one line.
fn snippet(body: &[u8]) -> String {
    let head = &body[..body.len().min(SNIPPET_CHARS * 4)];
    let text = String::from_utf8_lossy(head);
    let mut out: String = text.chars().take(SNIPPET_CHARS).collect();
    if text.chars().count() > SNIPPET_CHARS || body.len() > head.len() {
        out.push('…');
    }
    one_line(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_one_line_with_provider_status_code_and_request_id() {
        let err = Error::from_status(
            "asapp",
            ApiErrorDetails::new(401)
                .code("401-01")
                .request_id("8e03")
                .message("Un\nauthorized"),
            None,
        );
        let text = err.to_string();
        assert_eq!(
            text,
            "asapp: unauthorized (HTTP 401, code 401-01, request id 8e03: Un\\nauthorized)"
        );
        assert!(!text.contains('\n'));
    }

    #[test]
    fn status_classification() {
        let kinds = [
            (400, false),
            (401, false),
            (403, false),
            (404, false),
            (422, false),
            (429, true),
            (500, true),
            (502, true),
            (503, true),
        ];
        for (status, retryable) in kinds {
            let err = Error::from_status("p", ApiErrorDetails::new(status), None);
            assert_eq!(err.is_retryable(), retryable, "{status}");
            assert_eq!(err.status(), Some(status));
        }
    }

    #[test]
    fn snippet_is_bounded_and_utf8_safe() {
        let body = "é".repeat(10_000);
        let s = snippet(body.as_bytes());
        assert_eq!(s.chars().count(), SNIPPET_CHARS + 1);
        assert!(s.ends_with('…'));
        assert_eq!(snippet(b"\xff\xfe{"), "\u{fffd}\u{fffd}{");
        assert_eq!(snippet(b"a\nb"), "a\\nb");
    }

    #[test]
    fn retry_after_shows_in_display() {
        let err = Error::from_status(
            "autocalls",
            ApiErrorDetails::new(429),
            Some(Duration::from_secs(3)),
        );
        assert_eq!(
            err.to_string(),
            "autocalls: rate limited (HTTP 429, retry after 3s)"
        );
    }
}
