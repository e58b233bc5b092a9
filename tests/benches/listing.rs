//! Listing benchmarks, each a ratio against a baseline measured in the same run:
//!
//! 1. **SDK overhead**: every Autocalls conversation of a sandbox through `AutocallsSource::list`
//!    (decoding, validation, normalization, retries, prefetch) against a bare reqwest loop that
//!    follows the same cursors and only parses each body into `serde_json::Value`.
//! 2. **Prefetch**: a consumer that spends time on each page, with a slow provider: the core
//!    paginator (next page fetched while the caller works) against a sequential
//!    fetch-then-work loop over the same source.
//!
//! Run: `cargo bench -p conversations-tests --bench listing`. Memory: `tests/benches/memory.sh`.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::time::{Duration, Instant};

use autocalls_api::{AutocallsClient, AutocallsSource};
use conversations_core::{ConversationQuery, ConversationSourceExt, Cursor};
use conversations_sandbox::{Fault, Provider, Sandbox, SandboxConfig};
use futures::{StreamExt, TryStreamExt};

const RUNS: usize = 7;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

async fn time<F, Fut>(mut f: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    f().await; // warm up: connections, allocator
    let mut samples = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        std::hint::black_box(f().await);
        samples.push(start.elapsed());
    }
    median(samples)
}

fn source(sandbox: &Sandbox, _http: reqwest::Client) -> AutocallsSource {
    AutocallsSource::new(
        AutocallsClient::builder()
            .api_key(sandbox.credentials().autocalls_api_key.clone())
            .base_url(sandbox.autocalls_base_url())
            .build()
            .unwrap(),
    )
}

async fn raw_listing(http: &reqwest::Client, sandbox: &Sandbox) -> usize {
    let url = format!("{}/user/conversations", sandbox.autocalls_base_url());
    let auth = format!("Bearer {}", sandbox.credentials().autocalls_api_key);
    let mut cursor: Option<String> = None;
    let mut count = 0;
    loop {
        let mut params = vec![("per_page", "100".to_owned())];
        if let Some(c) = &cursor {
            params.push(("cursor", c.clone()));
        }
        let body = http
            .get(&url)
            .header("Authorization", &auth)
            .query(&params)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let page: serde_json::Value = serde_json::from_slice(&body).unwrap();
        count += page["data"].as_array().unwrap().len();
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return count,
        }
    }
}

async fn sdk_overhead() {
    let sandbox = Sandbox::start(SandboxConfig::new().dataset_size(15_000))
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let total = sandbox.dataset().autocalls().len();
    let source = source(&sandbox, http.clone());
    let baseline = time(|| raw_listing(&http, &sandbox)).await;
    let sdk = time(|| async {
        source
            .list(ConversationQuery::new().page_size(100))
            .try_collect::<Vec<_>>()
            .await
            .unwrap()
            .len()
    })
    .await;
    println!(
        "sdk-overhead: {total} conversations, 100 a page: baseline (reqwest + serde_json::Value) {:.1} ms, \
         AutocallsSource::list {:.1} ms, ratio {:.2}",
        baseline.as_secs_f64() * 1e3,
        sdk.as_secs_f64() * 1e3,
        sdk.as_secs_f64() / baseline.as_secs_f64()
    );
}

async fn prefetch() {
    let delay = Duration::from_millis(20);
    let work = Duration::from_millis(20);
    let sandbox = Sandbox::start(SandboxConfig::new().dataset_size(1_500))
        .await
        .unwrap();
    sandbox
        .faults()
        .always(Provider::Autocalls, Fault::Delay(delay));
    let source = source(&sandbox, reqwest::Client::new());
    let query = ConversationQuery::new().page_size(50);
    let pages = sandbox.dataset().autocalls().len().div_ceil(50);

    let sequential = time(|| async {
        let mut cursor: Option<Cursor> = None;
        let mut n = 0;
        loop {
            let page = source.fetch_page(&query, cursor.as_ref()).await.unwrap();
            n += page.items.len();
            tokio::time::sleep(work).await; // the caller's work on this page
            match page.next {
                Some(next) => cursor = Some(next),
                None => return n,
            }
        }
    })
    .await;
    let prefetching = time(|| async {
        let mut n = 0;
        let mut stream = source.pages(query.clone());
        while let Some(page) = stream.next().await {
            n += page.unwrap().items.len();
            tokio::time::sleep(work).await;
        }
        n
    })
    .await;
    println!(
        "prefetch: {pages} pages, provider {} ms/page, caller {} ms/page: sequential loop {:.0} ms, \
         pages() stream {:.0} ms, ratio {:.2}",
        delay.as_millis(),
        work.as_millis(),
        sequential.as_secs_f64() * 1e3,
        prefetching.as_secs_f64() * 1e3,
        prefetching.as_secs_f64() / sequential.as_secs_f64()
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing we need.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        sdk_overhead().await;
        prefetch().await;
    });
}
