//! Bulk lookups keep to the client's rate as the server sees it: the sandbox limits ASAPP with
//! its own token bucket and counts the most requests that arrived within any one second, and
//! the tests assert on those counts (no clock is read here).
//!
//! The client sends at exactly its rate; what the server sees also carries the jitter of the
//! loopback and the scheduler, so a window may hold a few requests more than were sent in one
//! second. [`jitter`] is that allowance (200 ms of the rate's requests, for a machine busy with
//! other work): far below what the client sent before one pacer was kept per client (it was
//! rebuilt with a fresh burst every five successes: ASAPP lookups at the default 100/s drew
//! 429s from a server allowing 100/s, and a rate of 20/s reached 66 requests in one second).

use std::sync::Arc;

use asapp_gen::AsappClient;
use conversations_core::{ConversationSource, Lookup};
use conversations_sandbox::{Provider, RateLimit, Sandbox, SandboxConfig};
use conversations_transport::ClientOptions;
use futures::StreamExt;

/// Requests a window may hold past the rate, for the jitter between the client and the server.
fn jitter(rate: u64) -> u64 {
    rate.div_ceil(5)
}

async fn sandbox_limited_to(per_second: u32) -> Sandbox {
    Sandbox::start(
        SandboxConfig::new()
            .dataset_size(100)
            .rate_limit(Provider::Asapp, RateLimit::per_second(per_second)),
    )
    .await
    .expect("the sandbox starts")
}

fn source(sandbox: &Sandbox, options: ClientOptions) -> Arc<dyn ConversationSource> {
    let credentials = sandbox.credentials();
    let source = AsappClient::builder()
        .api_id(credentials.asapp_api_id.clone())
        .api_secret(credentials.asapp_api_secret.clone())
        .base_url(sandbox.asapp_base_url())
        .options(options)
        .build()
        .expect("client builds")
        .into_source();
    Arc::new(source)
}

/// Looks up `n` distinct ids, 32 at once; every lookup must be answered.
async fn look_up(source: Arc<dyn ConversationSource>, n: usize) {
    let ids = futures::stream::iter((0..n).map(|i| format!("crm-pace-{i}")));
    let results: Vec<_> = Lookup::new(source)
        .expect("ASAPP looks ids up")
        .concurrency(32)
        .run(ids)
        .collect()
        .await;
    assert_eq!(results.len(), n);
    for r in &results {
        assert!(r.result.is_ok(), "{}: {:?}", r.id, r.result);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookups_at_the_default_rate_draw_no_429_from_a_server_allowing_it() {
    // ASAPP documents 100 requests a second; the client's default is that.
    let sandbox = sandbox_limited_to(100).await;
    look_up(source(&sandbox, ClientOptions::new()), 300).await;
    assert_eq!(sandbox.rate_limited(Provider::Asapp), 0);
    let busiest = sandbox.busiest_second(Provider::Asapp);
    assert!(
        busiest <= 100 + jitter(100),
        "{busiest} requests in one second"
    );
    assert_eq!(sandbox.requests(Provider::Asapp), 300);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_of_our_own_holds_over_every_second() {
    // The server would take far more; the client keeps to the rate it was given.
    let sandbox = sandbox_limited_to(1000).await;
    let options =
        ClientOptions::new().rate_limit(conversations_transport::RateLimit::per_second(20));
    look_up(source(&sandbox, options), 80).await;
    let busiest = sandbox.busiest_second(Provider::Asapp);
    assert!(
        busiest <= 20 + jitter(20),
        "{busiest} requests in one second"
    );
    assert_eq!(sandbox.rate_limited(Provider::Asapp), 0);
}
