//! Turning an error response into a [`conversations_core::Error`].
//!
//! Autocalls is a Laravel API: errors come as `{"message": "…"}` (401 `Unauthenticated.`,
//! 403, 404, 429, 5xx) and validation failures as 422 `{"message": "…", "errors": {"field":
//! ["…"]}}`. The message goes to [`ApiErrorDetails::message`], the `errors` to
//! [`ApiErrorDetails::field_errors`], the `x-request-id` header to
//! [`ApiErrorDetails::request_id`] and `Retry-After` (seconds or HTTP date) to the error's
//! retry delay. A body that is not JSON (an HTML gateway page, a truncated or empty body)
//! keeps the error's status kind, with no message: the status decides, never the body.

use std::time::SystemTime;

use conversations_core::{ApiErrorDetails, Error, parse_retry_after};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde_json::Value;

use crate::PROVIDER;

/// The response header carrying the server's request id.
pub(crate) const REQUEST_ID: &str = "x-request-id";

/// The request id a response carries, if any.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// The error for a response with a non-success `status`.
pub(crate) fn error_for_status(status: u16, headers: &HeaderMap, body: &[u8]) -> Error {
    let mut details = ApiErrorDetails::new(status);
    if let Some(id) = request_id(headers) {
        details = details.with_request_id(id);
    }
    if let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(body) {
        if let Some(message) = object.get("message").and_then(Value::as_str) {
            details = details.with_message(message);
        }
        if let Some(Value::Object(errors)) = object.get("errors") {
            for (field, messages) in errors {
                let messages = match messages {
                    Value::Array(items) => items.iter().map(text).collect(),
                    other => vec![text(other)],
                };
                details = details.with_field_errors(field.clone(), messages);
            }
        }
    }
    let retry_after = headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, SystemTime::now()));
    Error::from_status(PROVIDER, details, retry_after)
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn laravel_validation_body() {
        let body = br#"{"message":"The per page field must not be greater than 100.","errors":{"per_page":["The per page field must not be greater than 100."],"type":"bad"}}"#;
        let mut headers = HeaderMap::new();
        headers.insert(REQUEST_ID, HeaderValue::from_static("req-1"));
        let err = error_for_status(422, &headers, body);
        let details = err.details().unwrap();
        assert_eq!(
            details.field_errors["per_page"],
            vec!["The per page field must not be greater than 100."]
        );
        assert_eq!(details.field_errors["type"], vec!["bad"]);
        assert_eq!(err.request_id(), Some("req-1"));
        assert!(matches!(err, Error::Api { .. }));
    }

    #[test]
    fn non_json_bodies_keep_the_status() {
        for body in [&b""[..], b"<html>502</html>", b"{\"message\":"] {
            let err = error_for_status(502, &HeaderMap::new(), body);
            assert!(matches!(err, Error::Unavailable { .. }));
            assert_eq!(err.details().unwrap().message, None);
        }
    }
}
