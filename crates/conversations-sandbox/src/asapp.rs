//! The fake ASAPP endpoint: `GET /conversation/v1/conversations?externalId=…`.
//!
//! Behaviour, from the vendor's OpenAPI document:
//! - `asapp-api-id` and `asapp-api-secret` headers must match, else `401`.
//! - `externalId` is required and must be non-empty, else `400`.
//! - `200 {"items":[…]}` lists every conversation with that `externalId` (maybe none).
//! - Errors use the envelope `{"error":{"requestId":…,"code":"400-01","message":"Bad request"}}`.
//!
//! Where the document is silent: unknown query parameters are ignored; a repeated
//! `externalId` uses its first value; every response carries an `x-request-id` header equal to
//! the envelope's `requestId`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, StatusCode, Uri};
use axum::response::Response;
use serde::Serialize;

use crate::faults::{Fault, RetryAfter};
use crate::provider::Provider;
use crate::query::Query;
use crate::respond::{
    gateway_page, json_response, method_not_allowed_response, raw_json_response,
    server_error_status, set_header, set_retry_after,
};
use crate::state::{AppState, FaultOutcome, draw_fault};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

#[derive(Serialize)]
struct Envelope<'a> {
    error: ErrorDetails<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorDetails<'a> {
    request_id: &'a str,
    code: String,
    message: &'a str,
}

/// An ASAPP error envelope with code `<status>-01`.
pub(crate) fn error_response(request_id: &str, status: StatusCode, message: &str) -> Response {
    let mut response = json_response(
        status,
        &Envelope {
            error: ErrorDetails {
                request_id,
                code: format!("{}-01", status.as_u16()),
                message,
            },
        },
    );
    set_header(response.headers_mut(), REQUEST_ID, request_id);
    response
}

/// `GET /conversation/v1/conversations`.
pub(crate) async fn list(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    state.count(Provider::Asapp);
    let request_id = state.next_request_id();
    let mut response = match draw_fault(&state, Provider::Asapp).await {
        FaultOutcome::Fail(fault) => fault_response(&request_id, fault),
        FaultOutcome::Limited(limited) => fault_response(
            &request_id,
            Fault::RateLimited {
                retry_after: RetryAfter::Seconds(limited.retry_after),
            },
        ),
        FaultOutcome::Proceed | FaultOutcome::CursorLoop => {
            answer(&state, &headers, &uri, &request_id)
        }
    };
    if !response.headers().contains_key(REQUEST_ID) {
        set_header(response.headers_mut(), REQUEST_ID, &request_id);
    }
    response
}

/// Any other method on the list path.
pub(crate) async fn method_not_allowed(State(state): State<Arc<AppState>>) -> Response {
    state.count(Provider::Asapp);
    method_not_allowed_response(error_response(
        &state.next_request_id(),
        StatusCode::METHOD_NOT_ALLOWED,
        "Method Not Allowed",
    ))
}

fn answer(state: &AppState, headers: &HeaderMap, uri: &Uri, request_id: &str) -> Response {
    let creds = &state.credentials;
    let header_is = |name: &str, expected: &str| {
        headers
            .get(name)
            .is_some_and(|v| v.as_bytes() == expected.as_bytes())
    };
    if !(header_is("asapp-api-id", &creds.asapp_api_id)
        && header_is("asapp-api-secret", &creds.asapp_api_secret))
    {
        return error_response(request_id, StatusCode::UNAUTHORIZED, "Unauthorized");
    }
    let query = Query::parse(uri.query());
    let Some(external_id) = query.first("externalId").filter(|v| !v.is_empty()) else {
        return error_response(request_id, StatusCode::BAD_REQUEST, "Bad request");
    };
    // Indexed by externalId: the cost does not grow with the data set.
    let data = state.snapshot();
    let mut body = String::from(r#"{"items":["#);
    let mut first = true;
    for record in data
        .base
        .asapp_positions(external_id)
        .filter_map(|i| data.asapp_record(i))
    {
        if !first {
            body.push(',');
        }
        first = false;
        body.push_str(&record.json);
    }
    body.push_str("]}");
    raw_json_response(StatusCode::OK, body)
}

fn fault_response(request_id: &str, fault: Fault) -> Response {
    match fault {
        Fault::RateLimited { retry_after } => {
            let mut response = error_response(
                request_id,
                StatusCode::TOO_MANY_REQUESTS,
                "Too Many Requests",
            );
            set_retry_after(response.headers_mut(), retry_after);
            response
        }
        Fault::Unavailable => error_response(
            request_id,
            StatusCode::SERVICE_UNAVAILABLE,
            "Service Unavailable",
        ),
        Fault::Unauthorized => error_response(request_id, StatusCode::UNAUTHORIZED, "Unauthorized"),
        Fault::ServerError { status } => {
            let status = server_error_status(status);
            gateway_page(status).unwrap_or_else(|| {
                let message = match status {
                    StatusCode::INTERNAL_SERVER_ERROR => "Internal server error",
                    other => other.canonical_reason().unwrap_or("Error"),
                };
                error_response(request_id, status, message)
            })
        }
        // Not failures; handled before this point.
        Fault::Delay(_) | Fault::CursorLoop => error_response(
            request_id,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal server error",
        ),
    }
}
