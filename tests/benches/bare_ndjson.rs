//! Baseline for the decode benchmark (`tests/benches/decode_cpu.sh`): the least a client
//! could do — follow Autocalls' cursors with reqwest, parse each page into a
//! `serde_json::Value`, and write every item as one JSON line. No typing, no normalizing.
//!
//! `AUTOCALLS_BASE_URL=… AUTOCALLS_API_KEY=… bare_ndjson > out.ndjson`
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::io::Write;

// The same runtime flavor and output buffer as the CLI, so the comparison is the decode path.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::var("AUTOCALLS_BASE_URL")?;
    let key = std::env::var("AUTOCALLS_API_KEY")?;
    let http = reqwest::Client::new();
    let url = format!("{base}/user/conversations");
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(256 * 1024, stdout.lock());
    let mut cursor: Option<String> = None;
    loop {
        let mut request = http
            .get(&url)
            .bearer_auth(&key)
            .query(&[("per_page", "100")]);
        if let Some(cursor) = &cursor {
            request = request.query(&[("cursor", cursor)]);
        }
        let body = request.send().await?.error_for_status()?.bytes().await?;
        let mut page: serde_json::Value = serde_json::from_slice(&body)?;
        if let Some(items) = page["data"].as_array() {
            for item in items {
                serde_json::to_writer(&mut out, item)?;
                out.write_all(b"\n")?;
            }
        }
        match page["next_cursor"].take() {
            serde_json::Value::String(next) => cursor = Some(next),
            _ => break,
        }
    }
    out.flush()?;
    Ok(())
}
