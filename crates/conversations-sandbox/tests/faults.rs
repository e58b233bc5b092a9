//! Fault injection on both providers.

mod common;

use std::time::{Duration, UNIX_EPOCH};

use common::*;
use conversations_sandbox::{Fault, FaultSpec, Provider, RetryAfter, Sandbox, SandboxConfig};
use serde_json::{Value, json};

async fn small() -> Sandbox {
    sandbox_with(SandboxConfig::new().dataset_size(90)).await
}

async fn asapp_any(sandbox: &Sandbox) -> reqwest::Response {
    let id = sandbox.dataset().asapp_external_ids()[0].to_owned();
    asapp_get(sandbox, &id).await
}

#[tokio::test]
async fn rate_limited_with_seconds() {
    let sandbox = small().await;
    let fault = Fault::RateLimited {
        retry_after: RetryAfter::Seconds(7),
    };
    sandbox.faults().inject(Provider::Autocalls, fault, 1);
    sandbox.faults().inject(Provider::Asapp, fault, 1);

    let limited = autocalls_get(&sandbox, &[]).await;
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "7");
    assert_eq!(limited.headers()["x-ratelimit-remaining"], "0");
    assert_eq!(
        limited.json::<Value>().await.expect("json"),
        json!({"message": "Too Many Attempts."})
    );
    assert_eq!(
        autocalls_get(&sandbox, &[]).await.status(),
        200,
        "only once"
    );

    let limited = asapp_any(&sandbox).await;
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "7");
    let body: Value = limited.json().await.expect("json");
    assert_eq!(body["error"]["code"], "429-01");
    assert_eq!(body["error"]["message"], "Too Many Requests");
    assert_eq!(asapp_any(&sandbox).await.status(), 200, "only once");
}

#[tokio::test]
async fn rate_limited_with_http_date_or_without_header() {
    let sandbox = small().await;
    let at = UNIX_EPOCH + Duration::from_secs(1_893_456_000); // 2030-01-01 00:00:00 UTC
    sandbox.faults().inject(
        Provider::Autocalls,
        Fault::RateLimited {
            retry_after: RetryAfter::HttpDate(at),
        },
        1,
    );
    sandbox.faults().inject(
        Provider::Autocalls,
        Fault::RateLimited {
            retry_after: RetryAfter::None,
        },
        1,
    );
    let dated = autocalls_get(&sandbox, &[]).await;
    assert_eq!(dated.status(), 429);
    assert_eq!(
        dated.headers()["retry-after"],
        "Tue, 01 Jan 2030 00:00:00 GMT"
    );
    let bare = autocalls_get(&sandbox, &[]).await;
    assert_eq!(bare.status(), 429);
    assert!(bare.headers().get("retry-after").is_none());

    // Out-of-range dates are clamped, never a panic.
    sandbox.faults().inject(
        Provider::Asapp,
        Fault::RateLimited {
            retry_after: RetryAfter::HttpDate(UNIX_EPOCH - Duration::from_secs(10)),
        },
        1,
    );
    let clamped = asapp_any(&sandbox).await;
    assert_eq!(
        clamped.headers()["retry-after"],
        "Thu, 01 Jan 1970 00:00:00 GMT"
    );
}

#[tokio::test]
async fn unavailable() {
    let sandbox = small().await;
    sandbox
        .faults()
        .inject(Provider::Autocalls, Fault::Unavailable, 1);
    sandbox
        .faults()
        .inject(Provider::Asapp, Fault::Unavailable, 1);
    let response = autocalls_get(&sandbox, &[]).await;
    assert_eq!(response.status(), 503);
    assert_eq!(
        response.json::<Value>().await.expect("json"),
        json!({"message": "Service Unavailable"})
    );
    let response = asapp_any(&sandbox).await;
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "503-01");
    assert_eq!(body["error"]["message"], "Service Unavailable");
}

#[tokio::test]
async fn server_errors_json_and_gateway_html() {
    let sandbox = small().await;
    for provider in Provider::ALL {
        sandbox
            .faults()
            .inject(provider, Fault::ServerError { status: 500 }, 1);
        sandbox
            .faults()
            .inject(provider, Fault::ServerError { status: 502 }, 1);
        sandbox
            .faults()
            .inject(provider, Fault::ServerError { status: 42 }, 1);
    }

    let response = autocalls_get(&sandbox, &[]).await;
    assert_eq!(response.status(), 500);
    assert_eq!(
        response.json::<Value>().await.expect("json"),
        json!({"message": "Server Error"})
    );
    let response = autocalls_get(&sandbox, &[]).await;
    assert_eq!(response.status(), 502);
    assert_eq!(response.headers()["content-type"], "text/html");
    assert!(
        response
            .text()
            .await
            .expect("text")
            .contains("<h1>502 Bad Gateway</h1>")
    );
    assert_eq!(
        autocalls_get(&sandbox, &[]).await.status(),
        500,
        "out-of-range status becomes 500"
    );

    let response = asapp_any(&sandbox).await;
    assert_eq!(response.status(), 500);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "500-01");
    assert_eq!(body["error"]["message"], "Internal server error");
    let response = asapp_any(&sandbox).await;
    assert_eq!(response.status(), 502);
    assert!(response.text().await.expect("text").starts_with("<html>"));
    assert_eq!(asapp_any(&sandbox).await.status(), 500);

    assert_eq!(autocalls_get(&sandbox, &[]).await.status(), 200);
    assert_eq!(asapp_any(&sandbox).await.status(), 200);
}

#[tokio::test]
async fn delay_then_normal_answer() {
    let sandbox = small().await;
    sandbox.faults().inject(
        Provider::Autocalls,
        Fault::Delay(Duration::from_millis(1)),
        1,
    );
    sandbox
        .faults()
        .inject(Provider::Asapp, Fault::Delay(Duration::from_millis(1)), 1);
    let page = autocalls_page(&sandbox, &[("per_page", "2")]).await;
    assert_eq!(page["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(asapp_any(&sandbox).await.status(), 200);
    // A delayed request is still authenticated.
    sandbox.faults().inject(
        Provider::Autocalls,
        Fault::Delay(Duration::from_millis(1)),
        1,
    );
    let response = client()
        .get(autocalls_url(&sandbox))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 401);
    assert_eq!(sandbox.faults().queued(Provider::Autocalls), 0);
}

#[tokio::test]
async fn unauthorized_whatever_the_credentials() {
    let sandbox = small().await;
    sandbox
        .faults()
        .inject(Provider::Autocalls, Fault::Unauthorized, 1);
    sandbox
        .faults()
        .inject(Provider::Asapp, Fault::Unauthorized, 1);
    let response = autocalls_get(&sandbox, &[]).await;
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.json::<Value>().await.expect("json"),
        json!({"message": "Unauthenticated."})
    );
    let response = asapp_any(&sandbox).await;
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.json::<Value>().await.expect("json")["error"]["code"],
        "401-01"
    );
    assert_eq!(autocalls_get(&sandbox, &[]).await.status(), 200);
}

#[tokio::test]
async fn cursor_loop_repeats_the_cursor() {
    let sandbox = small().await;
    sandbox
        .faults()
        .always(Provider::Autocalls, Fault::CursorLoop);
    let first = autocalls_page(&sandbox, &[("per_page", "5")]).await;
    let cursor = first["next_cursor"].as_str().expect("next").to_owned();
    let second = autocalls_page(&sandbox, &[("per_page", "5"), ("cursor", &cursor)]).await;
    assert_eq!(
        second["next_cursor"],
        cursor.as_str(),
        "next_cursor repeats the cursor sent"
    );
    assert_ne!(
        second["data"], first["data"],
        "the page itself is served normally"
    );
    let third = autocalls_page(&sandbox, &[("per_page", "5"), ("cursor", &cursor)]).await;
    assert_eq!(third["next_cursor"], cursor.as_str());
    assert_eq!(third["data"], second["data"]);

    sandbox.faults().clear();
    let normal = autocalls_page(&sandbox, &[("per_page", "5"), ("cursor", &cursor)]).await;
    assert_ne!(normal["next_cursor"], cursor.as_str());

    // ASAPP has no cursors: the fault is consumed without effect.
    sandbox
        .faults()
        .inject(Provider::Asapp, Fault::CursorLoop, 1);
    assert_eq!(asapp_any(&sandbox).await.status(), 200);
}

#[tokio::test]
async fn queue_is_fifo_per_provider_and_always_applies_after_it() {
    let sandbox = small().await;
    let faults = sandbox.faults();
    faults.inject(Provider::Autocalls, Fault::Unavailable, 2);
    faults.inject(Provider::Autocalls, Fault::ServerError { status: 500 }, 1);
    faults.always(Provider::Autocalls, Fault::Unauthorized);
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(autocalls_get(&sandbox, &[]).await.status().as_u16());
    }
    assert_eq!(statuses, [503, 503, 500, 401, 401]);
    assert_eq!(
        asapp_any(&sandbox).await.status(),
        200,
        "other provider unaffected"
    );
    faults.clear();
    assert_eq!(autocalls_get(&sandbox, &[]).await.status(), 200);
    assert_eq!(sandbox.requests(Provider::Autocalls), 6);
    assert_eq!(sandbox.requests(Provider::Asapp), 1);
}

#[tokio::test]
async fn fault_specs_from_config_and_text() {
    let spec: FaultSpec = "autocalls:429*2".parse().expect("valid spec");
    let sandbox = sandbox_with(
        SandboxConfig::new()
            .dataset_size(30)
            .fault(spec)
            .fault("asapp:502*1".parse().expect("valid spec")),
    )
    .await;
    assert_eq!(autocalls_get(&sandbox, &[]).await.status(), 429);
    assert_eq!(autocalls_get(&sandbox, &[]).await.status(), 429);
    assert_eq!(autocalls_get(&sandbox, &[]).await.status(), 200);
    assert_eq!(asapp_any(&sandbox).await.status(), 502);
    assert_eq!(asapp_any(&sandbox).await.status(), 200);

    "503*1"
        .parse::<FaultSpec>()
        .expect("valid")
        .apply_to(sandbox.faults());
    assert_eq!(asapp_any(&sandbox).await.status(), 503);
    assert_eq!(autocalls_get(&sandbox, &[]).await.status(), 503);
}

#[tokio::test]
async fn request_counter_sees_requests_that_never_reach_the_handler_logic() {
    let sandbox = small().await;
    assert_eq!(sandbox.requests(Provider::Asapp), 0);
    assert_eq!(sandbox.requests(Provider::Autocalls), 0);
    sandbox.faults().always(Provider::Asapp, Fault::Unavailable);
    for _ in 0..3 {
        assert_eq!(asapp_any(&sandbox).await.status(), 503);
    }
    assert_eq!(sandbox.requests(Provider::Asapp), 3);
    assert_eq!(sandbox.requests(Provider::Autocalls), 0);
}
