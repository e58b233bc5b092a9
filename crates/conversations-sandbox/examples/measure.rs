//! Measures, by hand, what a large sandbox costs: data set generation (time and peak
//! memory) and the time of Autocalls pages at several positions, with and without filters.
//!
//! ```sh
//! cargo run --release -p conversations-sandbox --example measure -- gen 1000000
//! cargo run --release -p conversations-sandbox --example measure -- pages 1000000
//! ```
//!
//! `gen SIZE` generates the data set once and prints the elapsed time and the process's
//! resident memory (Linux `/proc/self/status`: `VmRSS` now and `VmHWM` at its peak).
//! `pages SIZE` starts a sandbox of that size and prints the median time of a page for a few
//! queries, first page and deep in the listing. Numbers, not assertions: this is not a test.

use std::process::ExitCode;

use base64::Engine as _;
use std::time::{Duration, Instant};

use conversations_sandbox::{Dataset, Sandbox, SandboxConfig};

/// `VmRSS` and `VmHWM` of this process, in MiB (Linux only).
fn memory() -> String {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return String::from("(memory: /proc/self/status unavailable)");
    };
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or_else(|| String::from("?"), |kb| format!("{} MiB", kb / 1024))
    };
    format!("rss {} (peak {})", field("VmRSS:"), field("VmHWM:"))
}

fn generate(size: usize) {
    let start = Instant::now();
    let data = Dataset::generate(conversations_sandbox::DEFAULT_SEED, size);
    let elapsed = start.elapsed();
    println!(
        "generate {size}: {:.2?}, {}; {} asapp, {} assistants",
        elapsed,
        memory(),
        data.asapp_external_ids().len(),
        data.autocalls_assistants().len()
    );
}

async fn get(
    http: &reqwest::Client,
    url: &str,
    key: &str,
    query: &[(&str, &str)],
) -> Result<serde_json::Value, reqwest::Error> {
    http.get(url)
        .bearer_auth(key)
        .query(query)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await
}

/// The median of `rounds` timings of one request.
async fn time_page(
    http: &reqwest::Client,
    url: &str,
    key: &str,
    query: &[(&str, &str)],
    rounds: usize,
) -> Result<Duration, reqwest::Error> {
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let start = Instant::now();
        get(http, url, key, query).await?;
        times.push(start.elapsed());
    }
    times.sort();
    Ok(times[times.len() / 2])
}

async fn pages(size: usize) -> Result<(), Box<dyn std::error::Error>> {
    let start = Instant::now();
    let sandbox = Sandbox::start(SandboxConfig::new().dataset_size(size)).await?;
    println!("start {size}: {:.2?}, {}", start.elapsed(), memory());
    let http = reqwest::Client::new();
    let url = format!("{}/user/conversations", sandbox.autocalls_base_url());
    let key = sandbox.credentials().autocalls_api_key.clone();
    let assistant = sandbox
        .dataset()
        .autocalls_assistants()
        .first()
        .map(|a| a.id.to_string())
        .unwrap_or_default();
    // A cursor deep in the listing (cursors are positions: any timestamp will do), built the
    // way Laravel encodes them. 2024-01-01 is a year and a half into a 133,000-record listing.
    let deep = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(r#"{"created_at":"2024-01-01 00:00:00","id":"0","_pointsToNextItems":true}"#);
    let queries: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("unfiltered, first page", vec![("per_page", "100")]),
        (
            "unfiltered, deep page",
            vec![("per_page", "100"), ("cursor", &deep)],
        ),
        (
            "type=whatsapp, first page",
            vec![("per_page", "100"), ("type", "whatsapp")],
        ),
        (
            "type=whatsapp, deep page",
            vec![("per_page", "100"), ("type", "whatsapp"), ("cursor", &deep)],
        ),
        (
            "assistant_id + type=api",
            vec![
                ("per_page", "100"),
                ("assistant_id", &assistant),
                ("type", "api"),
            ],
        ),
        (
            "customer_phone (rare)",
            vec![("per_page", "100"), ("customer_phone", "+14155559876")],
        ),
        (
            "external_identifier (1-2 hits)",
            vec![
                ("per_page", "100"),
                ("external_identifier", "crm-lead-12301"),
            ],
        ),
    ];
    for (label, query) in &queries {
        // Warm up, then take the median of a few rounds.
        time_page(&http, &url, &key, query, 2).await?;
        let median = time_page(&http, &url, &key, query, 15).await?;
        println!("  {label:<32} {median:>10.2?}");
    }
    sandbox.shutdown().await;
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let size = |i: usize| args.get(i).and_then(|s| s.parse::<usize>().ok());
    match (args.first().map(String::as_str), size(1)) {
        (Some("gen"), Some(n)) => generate(n),
        (Some("pages"), Some(n)) => {
            if let Err(e) = pages(n).await {
                eprintln!("measure: {e}");
                return ExitCode::FAILURE;
            }
        }
        _ => {
            eprintln!("usage: measure gen SIZE | measure pages SIZE");
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}
