//! The wire protocol, the bottom of the crate (above only the generated code): the provider
//! name, where the operation lives, and how an error response reads ([`PROTOCOL`], handed
//! to the shared transport, which does the retries, timeouts, rate limits and logs).
//!
//! Non-2xx answers: ASAPP's error envelope `{"error": {"requestId", "code", "message"}}`
//! (the generated `ErrorEnvelope`) read into the error's details; the shared transport maps
//! the status (which alone decides the error and its retryability).

use conversations_core::ApiErrorDetails;
use conversations_transport::{Protocol, RateLimit};

use crate::generated::types;

/// The provider name that tags every record and error: `"asapp"`.
///
/// ```
/// assert_eq!(asapp_gen::PROVIDER, "asapp");
/// ```
pub const PROVIDER: &str = "asapp";

/// ASAPP's base URL as the spec's `servers` gives it.
///
/// ```
/// assert_eq!(asapp_gen::DEFAULT_BASE_URL, "https://api.sandbox.asapp.com");
/// ```
pub const DEFAULT_BASE_URL: &str = "https://api.sandbox.asapp.com";

/// The path of the *list conversations* operation (`getConversations`).
///
/// ```
/// assert_eq!(asapp_gen::CONVERSATIONS_PATH, "/conversation/v1/conversations");
/// ```
pub const CONVERSATIONS_PATH: &str = "/conversation/v1/conversations";

/// What the shared transport needs to know about ASAPP.
pub(crate) const PROTOCOL: Protocol = Protocol {
    provider: PROVIDER,
    request_id_header: None,
    error_details,
    // ASAPP documents a spike limit of 100 requests per second.
    default_rate_limit: RateLimit::per_second(100),
};

/// The envelope's code, message and request id into `details`, when the body is the
/// envelope; nothing otherwise (an HTML gateway page keeps its status: a 502 stays a
/// retryable [`Error::Unavailable`](conversations_core::Error::Unavailable)).
pub(crate) fn error_details(body: &[u8], details: &mut ApiErrorDetails) {
    let Ok(envelope) = serde_json::from_slice::<types::ErrorEnvelope>(body) else {
        return;
    };
    if let Some(error) = envelope.error {
        details.message = Some(error.message);
        details.request_id = Some(error.request_id);
        details.code = error.code;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_fields_reach_the_details() {
        let body =
            br#"{"error":{"requestId":"r-1","code":"429-01","message":"Too Many Requests"}}"#;
        let mut details = ApiErrorDetails::new(429);
        error_details(body, &mut details);
        assert_eq!(details.code.as_deref(), Some("429-01"));
        assert_eq!(details.request_id.as_deref(), Some("r-1"));
    }

    #[test]
    fn other_bodies_leave_the_status_alone() {
        for body in [
            &b""[..],
            b"<html><body>Bad Gateway</body></html>",
            b"{\"error\":",
        ] {
            let mut details = ApiErrorDetails::new(502);
            error_details(body, &mut details);
            assert_eq!(details, ApiErrorDetails::new(502));
        }
    }
}
