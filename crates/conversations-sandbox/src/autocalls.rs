//! The fake Autocalls endpoint: `GET /api/user/conversations`, a Laravel API.
//!
//! Behaviour, from the vendor page:
//! - `Authorization: Bearer <key>` must match, else `401 {"message":"Unauthenticated."}`.
//! - Filters `type`, `assistant_id`, `customer_phone`, `whatsapp_sender_phone` and
//!   `external_identifier` match exactly and combine with AND.
//! - `per_page` is an integer in 1–100, default 15.
//! - Cursor pagination (see [`crate::cursor`]), newest `created_at` first; the response is
//!   `{"data":[…],"path":…,"per_page":N,"next_cursor":…,"prev_cursor":…}`.
//!
//! Where the page is silent, this follows what Laravel does by default: invalid input is a
//! `422 {"message":…,"errors":{field:[…]}}` with Laravel's English messages; the last of
//! repeated parameters wins; values are trimmed and blank ones count as absent; PHP array
//! syntax (`type[]=…`) is rejected; unknown parameters are ignored; an `assistant_id` that is
//! not one of the user's assistants is invalid. A malformed cursor is a `422` on `cursor`
//! (Laravel itself would quietly restart at the first page).

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::cursor::Cursor;
use crate::dataset::Dataset;
use crate::faults::{Fault, RetryAfter};
use crate::listing::{self, Filters};
use crate::provider::Provider;
use crate::query::{Param, Query};
use crate::records::ConversationType;
use crate::respond::{
    gateway_page, json_response, method_not_allowed_response, raw_json_response,
    server_error_status, set_retry_after,
};
use crate::state::{AppState, FaultOutcome, draw_fault};

/// The `per_page` used when the request does not send one.
const DEFAULT_PER_PAGE: usize = 15;

/// Set when a phone filter lacks its leading `+`, the usual sign of an unencoded `+`.
const SANDBOX_WARNING: HeaderName = HeaderName::from_static("x-sandbox-warning");

#[derive(Serialize)]
struct Message<'a> {
    message: &'a str,
}

/// A Laravel-style `{"message": …}` body.
pub(crate) fn message_response(status: StatusCode, message: &str) -> Response {
    json_response(status, &Message { message })
}

/// `GET /api/user/conversations`.
pub(crate) async fn list(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    state.count(Provider::Autocalls);
    let cursor_loop = match draw_fault(&state, Provider::Autocalls).await {
        FaultOutcome::Fail(fault) => return fault_response(fault, DEFAULT_RATE_LIMIT),
        FaultOutcome::Limited(limited) => {
            return fault_response(
                Fault::RateLimited {
                    retry_after: RetryAfter::Seconds(limited.retry_after),
                },
                limited.per_minute,
            );
        }
        FaultOutcome::CursorLoop => true,
        FaultOutcome::Proceed => false,
    };
    if !authorized(&headers, &state.credentials.autocalls_api_key) {
        return message_response(StatusCode::UNAUTHORIZED, "Unauthenticated.");
    }
    let query = Query::parse(uri.query());
    let data = state.snapshot();
    let request = match ListRequest::validate(&query, &data) {
        Ok(request) => request,
        Err(errors) => return errors.into_response(),
    };
    // Indexed: a binary search for the cursor in the shortest posting list, then a short scan
    // (see `listing`), so a page costs the same at any data set size.
    let page = listing::page(
        &data,
        &request.filters,
        request.per_page,
        request.cursor.as_ref(),
    );
    let next_cursor = match (cursor_loop, request.raw_cursor) {
        (true, Some(sent)) => Some(sent.to_owned()),
        _ => page.next_cursor,
    };

    let mut body =
        String::with_capacity(64 + page.items.iter().map(|r| r.json.len() + 1).sum::<usize>());
    let path = json_string(&state.autocalls_path);
    body.push_str(r#"{"data":["#);
    for (i, record) in page.items.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(record.json);
    }
    body.push_str(r#"],"path":"#);
    body.push_str(&path);
    body.push_str(&format!(
        r#","per_page":{},"next_cursor":"#,
        request.per_page
    ));
    body.push_str(&json_option(next_cursor.as_deref()));
    body.push_str(r#","prev_cursor":"#);
    body.push_str(&json_option(page.prev_cursor.as_deref()));
    body.push('}');

    let mut response = raw_json_response(StatusCode::OK, body);
    for (field, value) in [
        ("customer_phone", request.filters.customer_phone),
        ("whatsapp_sender_phone", request.filters.sender_phone),
    ] {
        if value.is_some_and(|v| !v.starts_with('+')) {
            let warning = format!(
                "{field} has no leading '+'; a literal '+' in a query string means a space, send it as %2B"
            );
            if let Ok(v) = HeaderValue::from_str(&warning) {
                response.headers_mut().append(SANDBOX_WARNING, v);
            }
        }
    }
    response
}

/// Any other method on the list path, worded like Laravel's `MethodNotAllowedHttpException`.
pub(crate) async fn method_not_allowed(
    State(state): State<Arc<AppState>>,
    method: Method,
) -> Response {
    state.count(Provider::Autocalls);
    let message = format!(
        "The {} method is not supported for route api/user/conversations. Supported methods: GET, HEAD.",
        method.as_str()
    );
    method_not_allowed_response(message_response(StatusCode::METHOD_NOT_ALLOWED, &message))
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| String::from("\"\""))
}

fn json_option(s: Option<&str>) -> String {
    s.map_or_else(|| String::from("null"), json_string)
}

/// Laravel's `Request::bearerToken()`: case-insensitive `Bearer ` scheme, token up to a comma.
fn authorized(headers: &HeaderMap, key: &str) -> bool {
    headers.get_all(AUTHORIZATION).iter().any(|value| {
        let Ok(value) = value.to_str() else {
            return false;
        };
        let token = value
            .get(..7)
            .filter(|scheme| scheme.eq_ignore_ascii_case("bearer "))
            .and_then(|_| value.get(7..))
            .map(|t| t.split(',').next().unwrap_or(t));
        token == Some(key)
    })
}

/// `X-RateLimit-Limit` of an injected 429: Laravel's default API throttle, 60 a minute.
const DEFAULT_RATE_LIMIT: u64 = 60;

/// The answer to a fault; `limit` is the requests a minute a 429 reports.
fn fault_response(fault: Fault, limit: u64) -> Response {
    match fault {
        Fault::RateLimited { retry_after } => {
            let mut response =
                message_response(StatusCode::TOO_MANY_REQUESTS, "Too Many Attempts.");
            let headers = response.headers_mut();
            set_retry_after(headers, retry_after);
            headers.insert(
                HeaderName::from_static("x-ratelimit-limit"),
                HeaderValue::from(limit),
            );
            headers.insert(
                HeaderName::from_static("x-ratelimit-remaining"),
                HeaderValue::from(0u32),
            );
            let reset = match retry_after {
                RetryAfter::Seconds(s) => SystemTime::now().checked_add(Duration::from_secs(s)),
                RetryAfter::HttpDate(at) => Some(at),
                RetryAfter::None => None,
            };
            if let Some(secs) = reset.and_then(|t| t.duration_since(UNIX_EPOCH).ok()) {
                headers.insert(
                    HeaderName::from_static("x-ratelimit-reset"),
                    HeaderValue::from(secs.as_secs()),
                );
            }
            response
        }
        Fault::Unavailable => {
            message_response(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable")
        }
        Fault::Unauthorized => message_response(StatusCode::UNAUTHORIZED, "Unauthenticated."),
        Fault::ServerError { status } => {
            let status = server_error_status(status);
            gateway_page(status).unwrap_or_else(|| {
                let message = match status {
                    StatusCode::INTERNAL_SERVER_ERROR => "Server Error",
                    other => other.canonical_reason().unwrap_or("Server Error"),
                };
                message_response(status, message)
            })
        }
        // Not failures; handled before this point.
        Fault::Delay(_) | Fault::CursorLoop => {
            message_response(StatusCode::INTERNAL_SERVER_ERROR, "Server Error")
        }
    }
}

/// A validated list request.
#[derive(Debug)]
struct ListRequest<'q> {
    filters: Filters<'q>,
    per_page: usize,
    cursor: Option<Cursor>,
    raw_cursor: Option<&'q str>,
}

impl<'q> ListRequest<'q> {
    /// Applies the endpoint's validation rules, collecting every failure like Laravel does.
    fn validate(query: &'q Query, dataset: &Dataset) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();

        let kind = match query.laravel("type") {
            Param::Absent => None,
            Param::Array => errors.add("type", "The type field must be a string."),
            Param::Value(v) => match ConversationType::parse(v) {
                Some(t) => Some(t),
                None => errors.add("type", "The selected type is invalid."),
            },
        };

        let assistant_id = match query.laravel("assistant_id") {
            Param::Absent => None,
            Param::Array => {
                errors.add("assistant_id", "The assistant id field must be an integer.")
            }
            Param::Value(v) => match php_int(v) {
                None => errors.add("assistant_id", "The assistant id field must be an integer."),
                Some(n) => {
                    let owned = u64::try_from(n)
                        .ok()
                        .filter(|id| dataset.autocalls_assistants().iter().any(|a| a.id == *id));
                    if owned.is_none() {
                        errors.add::<()>("assistant_id", "The selected assistant id is invalid.");
                    }
                    owned
                }
            },
        };

        let mut string_filter = |field: &'static str, label: &str| match query.laravel(field) {
            Param::Absent => None,
            Param::Array => errors.add(field, format!("The {label} field must be a string.")),
            Param::Value(v) => Some(v),
        };
        let customer_phone = string_filter("customer_phone", "customer phone");
        let sender_phone = string_filter("whatsapp_sender_phone", "whatsapp sender phone");
        let external_identifier = string_filter("external_identifier", "external identifier");

        let per_page = match query.laravel("per_page") {
            Param::Absent => Some(DEFAULT_PER_PAGE),
            Param::Array => errors.add("per_page", "The per page field must be an integer."),
            Param::Value(v) => {
                let int = php_int(v);
                if int.is_none() {
                    errors.add::<()>("per_page", "The per page field must be an integer.");
                }
                // Laravel's `between` compares numbers for numeric input, else string length.
                let in_range = match php_numeric(v) {
                    Some(n) => (1.0..=100.0).contains(&n),
                    None => (1..=100).contains(&v.chars().count()),
                };
                if !in_range {
                    errors.add::<()>("per_page", "The per page field must be between 1 and 100.");
                }
                int.filter(|_| in_range)
                    .and_then(|n| usize::try_from(n).ok())
            }
        };

        let (cursor, raw_cursor) = match query.laravel("cursor") {
            Param::Absent => (None, None),
            Param::Array => (errors.add("cursor", "The cursor is invalid."), None),
            Param::Value(v) => match Cursor::decode(v) {
                Some(c) => (Some(c), Some(v)),
                None => (errors.add("cursor", "The cursor is invalid."), None),
            },
        };

        match per_page {
            Some(per_page) if errors.is_empty() => Ok(ListRequest {
                filters: Filters {
                    kind,
                    assistant_id,
                    customer_phone,
                    sender_phone,
                    external_identifier,
                },
                per_page,
                cursor,
                raw_cursor,
            }),
            _ => Err(errors),
        }
    }
}

/// PHP's `filter_var($v, FILTER_VALIDATE_INT)`, which Laravel's `integer` rule uses: optional
/// sign, no leading zeros, within 64 bits.
fn php_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || (digits.len() > 1 && digits.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

/// PHP's `is_numeric` for the decimal forms that matter here (`1.5`, `1e3`, `-2`).
fn php_numeric(s: &str) -> Option<f64> {
    let plausible = s.bytes().any(|b| b.is_ascii_digit())
        && s.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'));
    if plausible { s.parse().ok() } else { None }
}

/// Laravel's validation error bag: fields in rule order, each with its messages.
#[derive(Debug, Default)]
struct ValidationErrors {
    fields: Vec<(&'static str, Vec<String>)>,
}

impl ValidationErrors {
    /// Records a failure; returns `None` so it can stand in for a value in a `match`.
    fn add<T>(&mut self, field: &'static str, message: impl Into<String>) -> Option<T> {
        match self.fields.iter_mut().find(|(f, _)| *f == field) {
            Some((_, messages)) => messages.push(message.into()),
            None => self.fields.push((field, vec![message.into()])),
        }
        None
    }

    fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// `422` with Laravel's body: the first message, "(and N more errors)", then the bag.
    fn into_response(self) -> Response {
        let total: usize = self.fields.iter().map(|(_, m)| m.len()).sum();
        let first = self
            .fields
            .first()
            .and_then(|(_, m)| m.first())
            .cloned()
            .unwrap_or_else(|| String::from("The given data was invalid."));
        let message = match total.saturating_sub(1) {
            0 => first,
            1 => format!("{first} (and 1 more error)"),
            n => format!("{first} (and {n} more errors)"),
        };
        json_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ValidationBody {
                message,
                errors: &self,
            },
        )
    }
}

impl Serialize for ValidationErrors {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.fields.len()))?;
        for (field, messages) in &self.fields {
            map.serialize_entry(field, messages)?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct ValidationBody<'a> {
    message: String,
    errors: &'a ValidationErrors,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn php_integer_rules() {
        assert_eq!(php_int("15"), Some(15));
        assert_eq!(php_int("+5"), Some(5));
        assert_eq!(php_int("-5"), Some(-5));
        assert_eq!(php_int("0"), Some(0));
        for bad in [
            "05",
            "1.5",
            "abc",
            "",
            "+",
            "1e3",
            "99999999999999999999",
            "٣",
        ] {
            assert_eq!(php_int(bad), None, "{bad}");
        }
    }

    #[test]
    fn php_numeric_rules() {
        assert_eq!(php_numeric("1.5"), Some(1.5));
        assert_eq!(php_numeric("1e3"), Some(1000.0));
        assert_eq!(php_numeric("abc"), None);
        assert_eq!(php_numeric("inf"), None);
        assert_eq!(php_numeric("1-"), None);
    }

    #[test]
    fn validation_messages_like_laravel() {
        let data = Dataset::generate(1, 30);
        let check = |raw: &str| -> Vec<(&'static str, Vec<String>)> {
            let q = Query::parse(Some(raw));
            match ListRequest::validate(&q, &data) {
                Ok(_) => Vec::new(),
                Err(e) => e.fields,
            }
        };
        assert_eq!(check("per_page=100&type=api"), vec![]);
        assert_eq!(
            check("per_page=0"),
            vec![(
                "per_page",
                vec!["The per page field must be between 1 and 100.".to_owned()]
            )]
        );
        assert_eq!(
            check("per_page=abc"),
            vec![(
                "per_page",
                vec!["The per page field must be an integer.".to_owned()]
            )]
        );
        assert_eq!(check("per_page=1e9")[0].1.len(), 2);
        assert_eq!(
            check("type=sms&assistant_id=x"),
            vec![
                ("type", vec!["The selected type is invalid.".to_owned()]),
                (
                    "assistant_id",
                    vec!["The assistant id field must be an integer.".to_owned()]
                ),
            ]
        );
        assert_eq!(
            check("assistant_id=1"),
            vec![(
                "assistant_id",
                vec!["The selected assistant id is invalid.".to_owned()]
            )]
        );
        assert_eq!(
            check("customer_phone[]=1"),
            vec![(
                "customer_phone",
                vec!["The customer phone field must be a string.".to_owned()]
            )]
        );
        assert_eq!(
            check("cursor=nope"),
            vec![("cursor", vec!["The cursor is invalid.".to_owned()])]
        );
    }

    #[test]
    fn bearer_parsing() {
        let mut h = HeaderMap::new();
        assert!(!authorized(&h, "k"));
        h.insert(AUTHORIZATION, HeaderValue::from_static("bearer k"));
        assert!(authorized(&h, "k"));
        h.insert(AUTHORIZATION, HeaderValue::from_static("Bearer k,extra"));
        assert!(authorized(&h, "k"));
        h.insert(AUTHORIZATION, HeaderValue::from_static("Basic k"));
        assert!(!authorized(&h, "k"));
        h.insert(AUTHORIZATION, HeaderValue::from_static("Bearer"));
        assert!(!authorized(&h, "k"));
        h.insert(AUTHORIZATION, HeaderValue::from_static("Bearer k2"));
        assert!(!authorized(&h, "k"));
    }
}
