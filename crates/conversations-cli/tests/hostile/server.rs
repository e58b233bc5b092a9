//! A small HTTP/1.1 server of our own, on a raw `TcpListener` (127.0.0.1:0), so that a case
//! can answer anything: a well-formed page, malformed chunked encoding, a body that never
//! ends, a byte every 200 ms, silence, a megabyte of headers, a flood of `100 Continue`…
//!
//! Each server is bounded: it counts the requests it reads and closes the connection without
//! an answer past its cap ([`Server::with_cap`]), an endless body stops after
//! [`ENDLESS_LIMIT`] bytes, a request head longer than [`HEAD_LIMIT`] is counted (flagged
//! oversized) and refused, and dropping the [`Server`] ends every task it started. Servers
//! run on one runtime shared by the whole test binary.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// The most a request head may take (request line and headers): past it the request is
/// counted as [`Request::oversized`] and the connection closed. A 60 KB cursor fits; a 10 MB
/// one does not.
pub(crate) const HEAD_LIMIT: usize = 256 * 1024;

/// The most bytes one endless answer ([`Step::Endless`], [`Step::Drip`]) sends before it
/// closes the connection: a client that never stops reading still ends (and one that kept
/// it all would be well past the memory bound).
pub(crate) const ENDLESS_LIMIT: usize = 400 * 1024 * 1024;

/// How many requests a server answers unless told otherwise; later ones are read, counted
/// and closed unanswered.
pub(crate) const DEFAULT_CAP: usize = 16;

/// The runtime every server runs on.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("hostile-server")
            .enable_all()
            .build()
            .expect("a runtime for the hostile servers")
    })
}

/// One request head as the server read it.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    /// The request target, e.g. `/api/user/conversations?per_page=15` (empty when oversized).
    pub(crate) target: String,
    /// The headers, names lowercased.
    pub(crate) headers: Vec<(String, String)>,
    /// The head was longer than [`HEAD_LIMIT`]: nothing of it was parsed.
    pub(crate) oversized: bool,
    /// 1 for the first request the server read, 2 for the second…
    pub(crate) n: usize,
}

impl Request {
    /// The value of header `name` (lowercase).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The path, without the query.
    pub(crate) fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    /// The query parameter `name`, percent-decoded (`+` as a space).
    pub(crate) fn query(&self, name: &str) -> Option<String> {
        let query = self.target.split_once('?')?.1;
        query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (k == name).then(|| {
                percent_encoding::percent_decode_str(&v.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            })
        })
    }
}

/// One thing the server does in answer to a request.
pub(crate) enum Step {
    /// Write these bytes.
    Send(Vec<u8>),
    /// Write `bytes` every `every`, until the client goes away (or [`ENDLESS_LIMIT`]).
    Drip { bytes: Vec<u8>, every: Duration },
    /// Write what the function makes, again and again, as fast as the client reads, until
    /// the client goes away (or [`ENDLESS_LIMIT`]).
    Endless(Box<dyn FnMut() -> Vec<u8> + Send>),
    /// Say nothing more, and keep the connection open until the client closes it.
    Hold,
    /// Close the connection.
    Close,
}

/// What a server answers to each request: the request as read, and its steps.
pub(crate) type Handler = Arc<dyn Fn(&Request) -> Vec<Step> + Send + Sync>;

struct State {
    requests: AtomicUsize,
    log: Mutex<Vec<Request>>,
    cap: usize,
}

/// A running server; dropping it stops it and every connection it holds.
pub(crate) struct Server {
    addr: SocketAddr,
    state: Arc<State>,
    accept: JoinHandle<()>,
}

impl Server {
    /// A server answering every request with `handler`, up to [`DEFAULT_CAP`] requests.
    pub(crate) fn start(handler: impl Fn(&Request) -> Vec<Step> + Send + Sync + 'static) -> Self {
        Self::with_cap(DEFAULT_CAP, handler)
    }

    /// A server answering up to `cap` requests with `handler`; later ones are read, counted
    /// and closed unanswered.
    pub(crate) fn with_cap(
        cap: usize,
        handler: impl Fn(&Request) -> Vec<Step> + Send + Sync + 'static,
    ) -> Self {
        let handler: Handler = Arc::new(handler);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("nonblocking listener");
        let addr = listener.local_addr().expect("the listener's address");
        let state = Arc::new(State {
            requests: AtomicUsize::new(0),
            log: Mutex::new(Vec::new()),
            cap,
        });
        let accept = {
            let state = state.clone();
            runtime().spawn(async move {
                let listener = TcpListener::from_std(listener).expect("a tokio listener");
                // Dropped (aborting every connection) when this task is aborted.
                let mut connections = JoinSet::new();
                loop {
                    tokio::select! {
                        accepted = listener.accept() => {
                            let Ok((stream, _)) = accepted else { continue };
                            connections.spawn(serve(stream, state.clone(), handler.clone()));
                        }
                        Some(_) = connections.join_next(), if !connections.is_empty() => {}
                    }
                }
            })
        };
        Self {
            addr,
            state,
            accept,
        }
    }

    /// `http://127.0.0.1:PORT`: ASAPP's base URL.
    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT/api`: Autocalls' base URL.
    pub(crate) fn autocalls_url(&self) -> String {
        format!("http://{}/api", self.addr)
    }

    /// How many requests (heads) the server has read, answered or not.
    pub(crate) fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// Every request head read, in order.
    pub(crate) fn log(&self) -> Vec<Request> {
        self.state.log.lock().expect("the request log").clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// One connection: read a head, answer it, and again while the answer leaves it open.
async fn serve(mut stream: TcpStream, state: Arc<State>, handler: Handler) {
    let mut buffer = Vec::new();
    loop {
        let head = match read_head(&mut stream, &mut buffer).await {
            Head::Complete(head) => head,
            Head::Oversized => {
                let n = state.requests.fetch_add(1, Ordering::SeqCst) + 1;
                state.log.lock().expect("log").push(Request {
                    target: String::new(),
                    headers: Vec::new(),
                    oversized: true,
                    n,
                });
                let _ = stream
                    .write_all(b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
                return;
            }
            Head::Gone => return,
        };
        let n = state.requests.fetch_add(1, Ordering::SeqCst) + 1;
        let request = parse(&head, n);
        state.log.lock().expect("log").push(request.clone());
        if n > state.cap {
            // Past the cap: no answer.
            return;
        }
        for step in handler(&request) {
            match step {
                Step::Send(bytes) => {
                    if stream.write_all(&bytes).await.is_err() {
                        return;
                    }
                }
                Step::Drip { bytes, every } => {
                    for _ in 0..ENDLESS_LIMIT / bytes.len().max(1) {
                        if stream.write_all(&bytes).await.is_err() {
                            return;
                        }
                        tokio::time::sleep(every).await;
                    }
                    return;
                }
                Step::Endless(mut make) => {
                    let mut sent = 0;
                    while sent < ENDLESS_LIMIT {
                        let chunk = make();
                        sent += chunk.len().max(1);
                        if stream.write_all(&chunk).await.is_err() {
                            return;
                        }
                    }
                    return;
                }
                Step::Hold => {
                    // Read (and drop) whatever comes until the client closes.
                    let mut sink = [0u8; 4096];
                    while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
                    return;
                }
                Step::Close => return,
            }
        }
        let _ = stream.flush().await;
    }
}

enum Head {
    Complete(Vec<u8>),
    Oversized,
    Gone,
}

/// Reads up to the end of a request head (`\r\n\r\n`); what follows stays in `buffer`.
async fn read_head(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Head {
    let mut chunk = vec![0u8; 64 * 1024];
    let mut searched: usize = 0;
    loop {
        if let Some(end) = buffer[searched.saturating_sub(3)..]
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map(|p| p + searched.saturating_sub(3) + 4)
        {
            let head = buffer[..end].to_vec();
            buffer.drain(..end);
            return Head::Complete(head);
        }
        searched = buffer.len();
        if buffer.len() > HEAD_LIMIT {
            return Head::Oversized;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => {
                return if buffer.is_empty() {
                    Head::Gone
                } else {
                    Head::Complete(std::mem::take(buffer))
                };
            }
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
}

fn parse(head: &[u8], n: usize) -> Request {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let target = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .unwrap_or_default()
        .to_owned();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Request {
        target,
        headers,
        oversized: false,
        n,
    }
}

/// A listener that never accepts: whatever connects to it waits in its backlog, and
/// [`Trap::connections`] counts them once the client has exited (no clock involved: a
/// connection the client made is in the backlog by then).
pub(crate) struct Trap {
    listener: std::net::TcpListener,
}

impl Trap {
    pub(crate) fn new() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("nonblocking trap");
        Self { listener }
    }

    pub(crate) fn addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("the trap's address")
    }

    /// How many connections reached the trap (call after the client exited).
    pub(crate) fn connections(&self) -> usize {
        let mut n = 0;
        while self.listener.accept().is_ok() {
            n += 1;
        }
        n
    }
}

// ---------------------------------------------------------------------------------------
// Answers.

/// A complete response with a `Content-Length`.
pub(crate) fn http(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} {}\r\n", reason(status)).into_bytes();
    for (name, value) in headers {
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    out.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
    out
}

/// A complete JSON response.
pub(crate) fn json(status: u16, value: &serde_json::Value) -> Vec<u8> {
    http(
        status,
        &[("content-type", "application/json")],
        value.to_string().as_bytes(),
    )
}

/// Just the status line and headers (ending with the blank line), for a body sent in steps.
pub(crate) fn head(status: u16, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} {}\r\n", reason(status)).into_bytes();
    for (name, value) in headers {
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// One chunk of a chunked body.
pub(crate) fn chunk(data: &[u8]) -> Vec<u8> {
    let mut out = format!("{:x}\r\n", data.len()).into_bytes();
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
    out
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        401 => "Unauthorized",
        403 => "Forbidden",
        418 => "I'm a teapot",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        _ => "Whatever",
    }
}

// ---------------------------------------------------------------------------------------
// Records, as the providers document them (specs/).

/// An Autocalls conversation like the vendor page's example; `i` makes it distinct.
pub(crate) fn autocalls_record(i: usize) -> serde_json::Value {
    serde_json::json!({
        "id": format!("7c9e6679-7425-40de-944b-{i:012x}"),
        "assistant_id": "a1b2c3d4-5678-90ab-cdef-1234567890ab",
        "assistant_name": "Support Assistant",
        "type": "widget",
        "variables": {"user_name": "Jane Smith", "plan": "premium"},
        "message_count": 12,
        "total_cost": 0.0045,
        "ai_enabled": true,
        "created_at": format!("2025-01-25 14:{:02}:00", 59 - i % 60),
        "updated_at": "2025-01-25 14:45:22"
    })
}

/// An Autocalls page of `records` leading to `next`.
pub(crate) fn autocalls_page(
    records: &[serde_json::Value],
    next: Option<&str>,
) -> serde_json::Value {
    serde_json::json!({
        "data": records,
        "path": "https://app.autocalls.ai/api/user/conversations",
        "per_page": 15,
        "next_cursor": next,
        "prev_cursor": null
    })
}

/// The Autocalls records `0..n`.
pub(crate) fn autocalls_records(n: usize) -> Vec<serde_json::Value> {
    (0..n).map(autocalls_record).collect()
}

/// An ASAPP conversation like the vendor page's example.
pub(crate) fn asapp_record(i: usize, external_id: &str) -> serde_json::Value {
    serde_json::json!({
        "id": format!("01BX5ZZKBKACTAV9WEVGEMM{i:03}"),
        "externalId": external_id,
        "agent": {"externalId": "agent-111", "name": "agent-x"},
        "customer": {"externalId": "customer-x", "name": "customer-name-x"},
        "metadata": {"organizationalGroup": "some-group", "queue": "some-queue"}
    })
}
