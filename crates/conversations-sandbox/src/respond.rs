//! Response helpers both providers' handlers use: JSON bodies, headers, `Retry-After`, the
//! gateway's HTML error pages and 405s.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::header::{ALLOW, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::faults::RetryAfter;

/// A JSON response with exactly `body`'s serialization.
pub(crate) fn json_response<T: Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => raw_json_response(status, bytes),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// A JSON response from already-serialized bytes.
pub(crate) fn raw_json_response(status: StatusCode, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// Sets a header whose value came from data that could, in principle, be unrepresentable.
pub(crate) fn set_header(headers: &mut HeaderMap, name: HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        headers.insert(name, v);
    }
}

/// The status a [`Fault::ServerError`] is served with.
pub(crate) fn server_error_status(status: u16) -> StatusCode {
    match status {
        400..=599 => StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// For 502 and 504: the HTML page a gateway (here: nginx) in front of the service would send.
pub(crate) fn gateway_page(status: StatusCode) -> Option<Response> {
    let title = match status.as_u16() {
        502 => "502 Bad Gateway",
        504 => "504 Gateway Time-out",
        _ => return None,
    };
    let html = format!(
        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    );
    let mut response = Response::new(Body::from(html));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
    Some(response)
}

/// Adds `Retry-After` as configured.
pub(crate) fn set_retry_after(headers: &mut HeaderMap, retry_after: RetryAfter) {
    match retry_after {
        RetryAfter::Seconds(s) => {
            headers.insert(RETRY_AFTER, HeaderValue::from(s));
        }
        RetryAfter::HttpDate(at) => {
            set_header(
                headers,
                RETRY_AFTER,
                &httpdate::fmt_http_date(http_date_range(at)),
            );
        }
        RetryAfter::None => {}
    }
}

/// Clamps a time into what an HTTP-date can express (1970 to 9999), which `httpdate` requires.
pub(crate) fn http_date_range(at: SystemTime) -> SystemTime {
    const MAX_SECS: u64 = 253_402_300_799; // 9999-12-31 23:59:59
    match at.duration_since(UNIX_EPOCH) {
        Err(_) => UNIX_EPOCH,
        Ok(d) if d.as_secs() > MAX_SECS => UNIX_EPOCH + Duration::from_secs(MAX_SECS),
        Ok(_) => at,
    }
}

/// A 405 with an `Allow` header.
pub(crate) fn method_not_allowed_response(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(ALLOW, HeaderValue::from_static("GET,HEAD"));
    response
}
