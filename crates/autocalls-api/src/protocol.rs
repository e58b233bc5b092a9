//! The wire protocol, the bottom of the crate: the provider name, where the endpoint lives,
//! and how an error response reads ([`PROTOCOL`], handed to the shared transport, which
//! does the retries, timeouts, rate limits and logs).
//!
//! Autocalls is a Laravel API: errors come as `{"message": "…"}` (401 `Unauthenticated.`,
//! 403, 404, 429, 5xx) and validation failures as 422 `{"message": "…", "errors": {"field":
//! ["…"]}}`. The message goes to [`ApiErrorDetails::message`] and the `errors` to
//! [`ApiErrorDetails::field_errors`]. A body that is not JSON (an HTML gateway page, a truncated or empty body)
//! keeps the error's status kind, with no message: the status decides, never the body. The
//! shared transport does the rest (status mapping, `Retry-After`, the request id header).

use conversations_core::ApiErrorDetails;
use conversations_transport::{Protocol, RateLimit};
use serde_json::Value;

/// The provider name: it tags every normalized record and every error.
///
/// ```
/// assert_eq!(autocalls_api::PROVIDER, "autocalls");
/// ```
pub const PROVIDER: &str = "autocalls";

/// The production base URL; the client appends `/user/conversations`.
///
/// ```
/// assert_eq!(autocalls_api::DEFAULT_BASE_URL, "https://app.autocalls.ai/api");
/// ```
pub const DEFAULT_BASE_URL: &str = "https://app.autocalls.ai/api";

/// The path the client appends to the base URL.
pub(crate) const ENDPOINT_PATH: &str = "/user/conversations";

/// What the shared transport needs to know about Autocalls.
pub(crate) const PROTOCOL: Protocol = Protocol {
    provider: PROVIDER,
    request_id_header: Some("x-request-id"),
    error_details,
    // Autocalls documents no limit: no rate of our own; a 429 still slows the client down
    // and its Retry-After pauses it.
    default_rate_limit: RateLimit::unlimited(),
};

/// Laravel's `{"message", "errors"}` into `details`, when the body is that; nothing otherwise.
pub(crate) fn error_details(body: &[u8], details: &mut ApiErrorDetails) {
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(body) else {
        return;
    };
    if let Some(message) = object.get("message").and_then(Value::as_str) {
        details.message = Some(message.to_owned());
    }
    if let Some(Value::Object(errors)) = object.get("errors") {
        for (field, messages) in errors {
            let messages = match messages {
                Value::Array(items) => items.iter().map(text).collect(),
                other => vec![text(other)],
            };
            details
                .field_errors
                .entry(field.clone())
                .or_default()
                .extend(messages);
        }
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn laravel_validation_body() {
        let body = br#"{"message":"The per page field must not be greater than 100.","errors":{"per_page":["The per page field must not be greater than 100."],"type":"bad"}}"#;
        let mut details = ApiErrorDetails::new(422);
        error_details(body, &mut details);
        assert_eq!(
            details.field_errors["per_page"],
            vec!["The per page field must not be greater than 100."]
        );
        assert_eq!(details.field_errors["type"], vec!["bad"]);
    }

    #[test]
    fn non_json_bodies_leave_the_details_alone() {
        for body in [&b""[..], b"<html>502</html>", b"{\"message\":"] {
            let mut details = ApiErrorDetails::new(502);
            error_details(body, &mut details);
            assert_eq!(details, ApiErrorDetails::new(502));
        }
    }
}
