//! Non-2xx answers: ASAPP's error envelope `{"error": {"requestId", "code", "message"}}`
//! (the generated [`types::ErrorEnvelope`]) turned into a typed [`Error`].

use std::time::SystemTime;

use conversations_core::{ApiErrorDetails, Error, parse_retry_after};
use reqwest::header::RETRY_AFTER;

use crate::client::PROVIDER;
use crate::generated::types;

/// The most of an error body read; a longer one is cut and so fails to decode (it is not
/// the small envelope the spec describes).
pub(crate) const MAX_ERROR_BODY: usize = 64 * 1024;

/// The [`Error`] for a non-2xx `response`: the variant [`Error::from_status`] picks, with
/// the envelope's code, message and request id and the `Retry-After` delay; or
/// [`Error::Decode`] with the status and a snippet when the body is not the envelope.
pub(crate) async fn error_from_response(mut response: reqwest::Response) -> Error {
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, SystemTime::now()));
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                body.extend_from_slice(&chunk);
                if body.len() > MAX_ERROR_BODY {
                    body.truncate(MAX_ERROR_BODY);
                    break;
                }
            }
            Ok(None) => break,
            Err(e) => return Error::transport(PROVIDER, e),
        }
    }
    error_from_body(status, retry_after, &body)
}

/// The [`Error`] for a non-2xx status whose body is `body`.
///
/// An empty body carries no envelope: the error is the status alone (so a bare 503 from a
/// load balancer stays retryable). Anything else must be the envelope, or it is
/// [`Error::Decode`].
pub(crate) fn error_from_body(
    status: u16,
    retry_after: Option<std::time::Duration>,
    body: &[u8],
) -> Error {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Error::from_status(PROVIDER, ApiErrorDetails::new(status), retry_after);
    }
    let envelope: types::ErrorEnvelope = match serde_json::from_slice(body) {
        Ok(envelope) => envelope,
        Err(e) => {
            return Error::decode(
                PROVIDER,
                Some(status),
                "error body",
                format!("expected ASAPP's JSON error envelope: {e}"),
                body,
            );
        }
    };
    let mut details = ApiErrorDetails::new(status);
    if let Some(error) = envelope.error {
        details = details
            .with_message(error.message)
            .with_request_id(error.request_id);
        if let Some(code) = error.code {
            details = details.with_code(code);
        }
    }
    Error::from_status(PROVIDER, details, retry_after)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn envelope_fields_reach_the_error() {
        let body =
            br#"{"error":{"requestId":"r-1","code":"429-01","message":"Too Many Requests"}}"#;
        let err = error_from_body(429, Some(Duration::ZERO), body);
        assert!(matches!(err, Error::RateLimited { .. }));
        assert_eq!(err.code(), Some("429-01"));
        assert_eq!(err.request_id(), Some("r-1"));
        assert_eq!(err.retry_after(), Some(Duration::ZERO));
    }

    #[test]
    fn empty_body_is_the_status_alone_and_html_is_a_decode_error() {
        let err = error_from_body(503, None, b"  ");
        assert!(matches!(err, Error::Unavailable { .. }) && err.is_retryable());
        let err = error_from_body(502, None, b"<html><body>Bad Gateway</body></html>");
        assert!(
            matches!(
                err,
                Error::Decode {
                    status: Some(502),
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("<html>"));
    }
}
