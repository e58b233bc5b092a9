//! The per-client limiter against a local server that records what it sees: requests in flight
//! never exceed the bound, the rate holds, a 429 slows the client and its `Retry-After` pauses
//! every call of the client, not only the one that saw it.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use conversations_core::ApiErrorDetails;
use conversations_transport::RetryPolicy;
use conversations_transport::{ClientOptions, Credentials, Protocol, RateLimit, Transport};
use tokio::time::Instant;

fn nothing(_: &[u8], _: &mut ApiErrorDetails) {}

const DEMO: Protocol = Protocol {
    provider: "demo",
    request_id_header: None,
    error_details: nothing,
    default_rate_limit: RateLimit::unlimited(),
};

#[derive(Default)]
struct Seen {
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    arrivals: Mutex<Vec<Instant>>,
    /// Answer 429 (Retry-After: 1) to this many requests first.
    throttle: AtomicUsize,
    latency_ms: AtomicUsize,
}

async fn handler(State(seen): State<Arc<Seen>>) -> Response {
    seen.arrivals.lock().unwrap().push(Instant::now());
    let now = seen.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    seen.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let latency = seen.latency_ms.load(Ordering::SeqCst) as u64;
    if latency > 0 {
        // The server's own latency, not a wait for an event.
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    seen.in_flight.fetch_sub(1, Ordering::SeqCst);
    let throttled = seen
        .throttle
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if throttled {
        return (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "1")], "").into_response();
    }
    (StatusCode::OK, "{}").into_response()
}

async fn server(seen: Arc<Seen>) -> String {
    let app = Router::new().route("/x", get(handler)).with_state(seen);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

fn transport(base: &str, limit: RateLimit, retry: RetryPolicy) -> Transport {
    let options = ClientOptions::new().rate_limit(limit).retry_policy(retry);
    Transport::new(
        DEMO,
        base,
        Credentials::bearer("key", &"k".into()).unwrap(),
        &options,
    )
    .unwrap()
}

fn no_backoff() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(5)
        .initial_delay(Duration::ZERO)
        .max_delay(Duration::ZERO)
        .jitter(false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_in_flight_never_exceed_the_bound() {
    let seen = Arc::new(Seen::default());
    seen.latency_ms.store(30, Ordering::SeqCst);
    let base = server(Arc::clone(&seen)).await;
    let t = transport(
        &base,
        RateLimit::unlimited().in_flight(3),
        RetryPolicy::none(),
    );
    let calls = (0..24).map(|_| t.get("/x", &[]));
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(seen.max_in_flight.load(Ordering::SeqCst), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_holds_across_concurrent_calls() {
    let seen = Arc::new(Seen::default());
    let base = server(Arc::clone(&seen)).await;
    let t = transport(
        &base,
        RateLimit::per_second(40).burst(1),
        RetryPolicy::none(),
    );
    let start = Instant::now();
    let calls = (0..41).map(|_| t.get("/x", &[]));
    futures::future::join_all(calls).await;
    // 41 requests at 40 per second, one at once: at least a second, however fast the machine.
    assert!(
        start.elapsed() >= Duration::from_millis(990),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_slows_the_client_and_its_retry_after_pauses_every_call() {
    let seen = Arc::new(Seen::default());
    seen.throttle.store(1, Ordering::SeqCst);
    let base = server(Arc::clone(&seen)).await;
    let t = transport(&base, RateLimit::per_second(50).burst(1), no_backoff());
    let first = t.get("/x", &[]).await;
    assert!(first.is_ok(), "retried after its Retry-After");
    assert!(
        t.current_rate().unwrap() < 50.0,
        "slowed: {:?}",
        t.current_rate()
    );
    let arrivals = seen.arrivals.lock().unwrap().clone();
    assert_eq!(arrivals.len(), 2);
    assert!(arrivals[1] - arrivals[0] >= Duration::from_millis(990));

    // A storm: many calls, the first few throttled; after each 429 nobody sends for a second.
    seen.throttle.store(3, Ordering::SeqCst);
    seen.arrivals.lock().unwrap().clear();
    let calls = (0..6).map(|_| t.get("/x", &[]));
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_ok));
    let arrivals = seen.arrivals.lock().unwrap().clone();
    assert_eq!(arrivals.len(), 9, "six calls, three 429s retried");
    // Recovery: successes bring the rate back up, step by step.
    let before = t.current_rate().unwrap();
    for _ in 0..10 {
        t.get("/x", &[]).await.unwrap();
    }
    assert!(t.current_rate().unwrap() > before);
}
