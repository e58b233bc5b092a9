//! Latency and rate limits per provider, on Tokio's paused clock: every duration here is
//! virtual, so nothing waits and nothing depends on the machine's speed.

mod common;

use std::time::Duration;

use common::*;
use conversations_sandbox::{
    Fault, LatencySpec, Provider, RateLimit, RateLimitSpec, Sandbox, SandboxConfig,
};
use serde_json::Value;
use tokio::time::Instant;

async fn small(config: SandboxConfig) -> Sandbox {
    sandbox_with(config.dataset_size(30)).await
}

/// The virtual time one request takes, and its status.
async fn timed<F: std::future::Future<Output = reqwest::Response>>(request: F) -> (Duration, u16) {
    let start = Instant::now();
    let response = request.await;
    let status = response.status().as_u16();
    let _ = response.bytes().await;
    (start.elapsed(), status)
}

#[tokio::test(start_paused = true)]
async fn latency_delays_each_answer_of_that_provider_only() {
    let sandbox =
        small(SandboxConfig::new().latency(Provider::Asapp, Duration::from_secs(3))).await;
    let id = sandbox.dataset().asapp_external_ids()[0].to_owned();

    let (asapp, status) = timed(asapp_get(&sandbox, &id)).await;
    assert_eq!(status, 200);
    assert!(asapp >= Duration::from_secs(3), "{asapp:?}");
    let (autocalls, status) = timed(autocalls_get(&sandbox, &[])).await;
    assert_eq!(status, 200);
    assert!(autocalls < Duration::from_secs(3), "{autocalls:?}");

    // Errors wait too: a request with wrong credentials.
    let wrong = client()
        .get(asapp_url(&sandbox))
        .header("asapp-api-id", "nope")
        .query(&[("externalId", id.as_str())])
        .send();
    let (elapsed, status) = timed(async { wrong.await.expect("sent") }).await;
    assert_eq!(status, 401);
    assert!(elapsed >= Duration::from_secs(3));

    // Changed at runtime, from text.
    let spec: LatencySpec = "autocalls:1500ms".parse().expect("spec");
    for p in spec.providers() {
        sandbox.set_latency(*p, spec.latency);
    }
    sandbox.set_latency(Provider::Asapp, Duration::ZERO);
    let (autocalls, _) = timed(autocalls_get(&sandbox, &[])).await;
    assert!(autocalls >= Duration::from_millis(1500), "{autocalls:?}");
    let (asapp, _) = timed(asapp_get(&sandbox, &id)).await;
    assert!(asapp < Duration::from_millis(1500), "{asapp:?}");
}

#[tokio::test(start_paused = true)]
async fn autocalls_beyond_its_rate_gets_laravels_429() {
    let sandbox =
        small(SandboxConfig::new().rate_limit(Provider::Autocalls, RateLimit::per_second(2))).await;
    assert_eq!(autocalls_get(&sandbox, &[]).await.status(), 200);
    assert_eq!(autocalls_get(&sandbox, &[]).await.status(), 200);
    let limited = autocalls_get(&sandbox, &[]).await;
    assert_eq!(limited.status(), 429);
    let headers = limited.headers().clone();
    assert_eq!(headers["retry-after"], "1");
    assert_eq!(headers["x-ratelimit-limit"], "120");
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    let body: Value = limited.json().await.expect("json");
    assert_eq!(body, serde_json::json!({"message": "Too Many Attempts."}));
    assert_eq!(sandbox.rate_limited(Provider::Autocalls), 1);
    assert_eq!(sandbox.requests(Provider::Autocalls), 3);

    // The other provider is not limited.
    let id = sandbox.dataset().asapp_external_ids()[0].to_owned();
    for _ in 0..5 {
        assert_eq!(asapp_get(&sandbox, &id).await.status(), 200);
    }
    assert_eq!(sandbox.rate_limited(Provider::Asapp), 0);

    // Half a second later, one token is back.
    tokio::time::advance(Duration::from_millis(500)).await;
    assert_eq!(autocalls_get(&sandbox, &[]).await.status(), 200);
    assert_eq!(autocalls_get(&sandbox, &[]).await.status(), 429);
    assert_eq!(sandbox.rate_limited(Provider::Autocalls), 2);

    // Lifted at runtime.
    sandbox.set_rate_limit(Provider::Autocalls, None);
    for _ in 0..10 {
        assert_eq!(autocalls_get(&sandbox, &[]).await.status(), 200);
    }
    assert_eq!(sandbox.rate_limited(Provider::Autocalls), 2);
}

#[tokio::test(start_paused = true)]
async fn asapp_beyond_its_rate_gets_its_error_envelope() {
    let spec: RateLimitSpec = "asapp:1/s,burst=1".parse().expect("spec");
    let sandbox = small(SandboxConfig::new().rate_limit_spec(spec)).await;
    let id = sandbox.dataset().asapp_external_ids()[0].to_owned();
    assert_eq!(asapp_get(&sandbox, &id).await.status(), 200);
    let limited = asapp_get(&sandbox, &id).await;
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "1");
    let request_id = limited.headers()["x-request-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let body: Value = limited.json().await.expect("json");
    assert_eq!(
        body,
        serde_json::json!({"error": {
            "requestId": request_id,
            "code": "429-01",
            "message": "Too Many Requests"
        }})
    );
    assert_eq!(sandbox.rate_limited(Provider::Asapp), 1);
    assert_eq!(sandbox.rate_limited(Provider::Autocalls), 0);
    assert_eq!(autocalls_get(&sandbox, &[]).await.status(), 200);
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_the_wait_for_the_next_token_rounded_up() {
    // 15 a minute: a token every 4 seconds, none saved up beyond one.
    let sandbox =
        small(SandboxConfig::new().rate_limit_spec("autocalls:15/m".parse().expect("spec"))).await;
    let retry = |r: &reqwest::Response| {
        r.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(autocalls_get(&sandbox, &[]).await.status(), 200);
    let r = autocalls_get(&sandbox, &[]).await;
    assert_eq!(
        (r.status().as_u16(), retry(&r).as_deref()),
        (429, Some("4"))
    );
    tokio::time::advance(Duration::from_millis(1500)).await;
    let r = autocalls_get(&sandbox, &[]).await;
    assert_eq!(retry(&r).as_deref(), Some("3"));
    tokio::time::advance(Duration::from_millis(2400)).await;
    let r = autocalls_get(&sandbox, &[]).await;
    assert_eq!(retry(&r).as_deref(), Some("1"), "0.1 s to go is still 1");
    tokio::time::advance(Duration::from_millis(100)).await;
    assert_eq!(autocalls_get(&sandbox, &[]).await.status(), 200);
    assert_eq!(sandbox.rate_limited(Provider::Autocalls), 3);
}

#[tokio::test(start_paused = true)]
async fn the_limit_judges_arrival_and_leaves_the_fault_queue_alone() {
    let sandbox = small(
        SandboxConfig::new()
            .rate_limit(Provider::Autocalls, RateLimit::per_second(1))
            .latency(Provider::Autocalls, Duration::from_secs(5)),
    )
    .await;
    sandbox
        .faults()
        .inject(Provider::Autocalls, Fault::Unavailable, 2);
    // Two requests arrive at once: one takes the token, the other is turned away on arrival.
    // Both answer after the latency; only the admitted one draws from the fault plan.
    let ((a, status_a), (b, status_b)) = tokio::join!(
        timed(autocalls_get(&sandbox, &[])),
        timed(autocalls_get(&sandbox, &[]))
    );
    let mut statuses = [status_a, status_b];
    statuses.sort_unstable();
    assert_eq!(statuses, [429, 503]);
    assert!(a >= Duration::from_secs(5) && b >= Duration::from_secs(5));
    assert_eq!(sandbox.faults().queued(Provider::Autocalls), 1);
    assert_eq!(sandbox.rate_limited(Provider::Autocalls), 1);
}
