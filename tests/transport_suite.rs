//! One transport under both providers: a table of status × body × `Retry-After`, through
//! native and trait calls of both, with counted requests; redirects that never carry a
//! credential to another host; timeouts that hold whatever the caller configures.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use asapp_gen::AsappClient;
use autocalls_api::{AutocallsClient, AutocallsSource, ListConversationsRequest};
use conversations_core::{ConversationQuery, ConversationSourceExt, Error};
use conversations_transport::ClientOptions;
use conversations_transport::RetryPolicy;
use httpmock::prelude::*;

const ASAPP_PATH: &str = "/conversation/v1/conversations";
const AUTOCALLS_PATH: &str = "/api/user/conversations";
const SECRET: &str = "s3cret-never-elsewhere";
const ATTEMPTS: u32 = 3;

fn options() -> ClientOptions {
    ClientOptions::new().retry_policy(
        RetryPolicy::default()
            .max_attempts(ATTEMPTS)
            .initial_delay(Duration::ZERO)
            .max_delay(Duration::ZERO)
            .jitter(false),
    )
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Provider {
    Asapp,
    Autocalls,
}

#[derive(Debug, Clone, Copy)]
enum Call {
    Native,
    Trait,
}

fn path(provider: Provider) -> &'static str {
    match provider {
        Provider::Asapp => ASAPP_PATH,
        Provider::Autocalls => AUTOCALLS_PATH,
    }
}

fn base(server: &MockServer, provider: Provider) -> String {
    match provider {
        Provider::Asapp => server.base_url(),
        Provider::Autocalls => server.url("/api"),
    }
}

async fn call(
    base: &str,
    provider: Provider,
    call: Call,
    options: ClientOptions,
) -> Result<usize, Error> {
    match provider {
        Provider::Asapp => {
            let client = AsappClient::builder()
                .api_id("id")
                .api_secret(SECRET)
                .base_url(base)
                .options(options)
                .build()
                .unwrap();
            match call {
                Call::Native => client.list_conversations("id-1").await.map(|v| v.len()),
                Call::Trait => client
                    .into_source()
                    .fetch_page(&ConversationQuery::new().external_id("id-1"), None)
                    .await
                    .map(|p| p.items.len()),
            }
        }
        Provider::Autocalls => {
            let client = AutocallsClient::builder()
                .api_key(SECRET)
                .base_url(base)
                .options(options)
                .build()
                .unwrap();
            match call {
                Call::Native => client
                    .list_conversations(&ListConversationsRequest::new())
                    .await
                    .map(|p| p.data.len()),
                Call::Trait => AutocallsSource::new(client)
                    .fetch_page(&ConversationQuery::new(), None)
                    .await
                    .map(|p| p.items.len()),
            }
        }
    }
}

fn envelope(provider: Provider) -> &'static str {
    match provider {
        Provider::Asapp => r#"{"error":{"requestId":"r-1","code":"503-01","message":"Down"}}"#,
        Provider::Autocalls => r#"{"message":"Server Error."}"#,
    }
}

/// Both providers' clients, native and as sources, built once over one mock server each
/// (building a TLS-capable client costs more than a whole case).
struct Clients {
    asapp: AsappClient,
    autocalls: AutocallsClient,
}

impl Clients {
    async fn call(&self, provider: Provider, kind: Call) -> Result<usize, Error> {
        match (provider, kind) {
            (Provider::Asapp, Call::Native) => {
                self.asapp.list_conversations("id-1").await.map(|v| v.len())
            }
            (Provider::Asapp, Call::Trait) => self
                .asapp
                .clone()
                .into_source()
                .fetch_page(&ConversationQuery::new().external_id("id-1"), None)
                .await
                .map(|p| p.items.len()),
            (Provider::Autocalls, Call::Native) => self
                .autocalls
                .list_conversations(&ListConversationsRequest::new())
                .await
                .map(|p| p.data.len()),
            (Provider::Autocalls, Call::Trait) => AutocallsSource::new(self.autocalls.clone())
                .fetch_page(&ConversationQuery::new(), None)
                .await
                .map(|p| p.items.len()),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_decides_retries_whatever_the_body_and_retry_after() {
    let statuses = [429u16, 500, 502, 503, 504, 400, 401, 403, 404, 422];
    let retry_afters: [Option<&str>; 5] = [
        None,
        Some("0"),
        Some("Wed, 21 Oct 2015 07:28:00 GMT"),
        Some("18446744073709551615"),
        Some("soon"),
    ];
    let server = MockServer::start_async().await;
    // A quota large enough for the whole table (the quota has its own test below).
    let options = options()
        .retry_quota(u32::MAX)
        .rate_limit(conversations_transport::RateLimit::unlimited().adaptive(false));
    let clients = Clients {
        asapp: AsappClient::builder()
            .api_id("id")
            .api_secret(SECRET)
            .base_url(server.base_url())
            .options(options.clone())
            .build()
            .unwrap(),
        autocalls: AutocallsClient::builder()
            .api_key(SECRET)
            .base_url(server.url("/api"))
            .options(options)
            .build()
            .unwrap(),
    };
    let mut cases = 0;
    for provider in [Provider::Asapp, Provider::Autocalls] {
        let path = path(provider);
        let bodies = [
            envelope(provider),
            "<html><body>Bad Gateway</body></html>",
            "",
            r#"{"error": {"requ"#,
        ];
        for status in statuses {
            for body in bodies {
                for retry_after in retry_afters {
                    for kind in [Call::Native, Call::Trait] {
                        let mock = server
                            .mock_async(|when, then| {
                                when.method(GET).path(path);
                                let then = then.status(status).body(body);
                                if let Some(value) = retry_after {
                                    then.header("retry-after", value);
                                }
                            })
                            .await;
                        let err = clients.call(provider, kind).await.unwrap_err();
                        let retryable = status == 429 || status >= 500;
                        let huge = retry_after == Some("18446744073709551615");
                        let expected_calls = if retryable && !huge { ATTEMPTS } else { 1 };
                        let what =
                            format!("{provider:?} {kind:?} {status} {body:?} {retry_after:?}");
                        assert_eq!(err.status(), Some(status), "{what}: {err}");
                        assert_eq!(err.is_retryable(), retryable, "{what}: {err}");
                        assert_eq!(mock.calls_async().await, expected_calls as usize, "{what}");
                        if retryable && huge {
                            assert_eq!(
                                err.retry_after(),
                                Some(Duration::from_secs(u64::MAX)),
                                "{what}"
                            );
                        }
                        assert!(!format!("{err} {err:?}").contains(SECRET), "{what}");
                        mock.delete_async().await;
                        cases += 1;
                    }
                }
            }
        }
    }
    assert_eq!(cases, 2 * 10 * 4 * 5 * 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_502_page_is_retried_then_succeeds() {
    for provider in [Provider::Asapp, Provider::Autocalls] {
        for kind in [Call::Native, Call::Trait] {
            let server = MockServer::start_async().await;
            let path = path(provider);
            let ok_body = if provider == Provider::Asapp {
                r#"{"items":[{"externalId":"id-1","customer":{"externalId":"c"}}]}"#
            } else {
                r#"{"data":[{"id":"c"}],"per_page":15,"next_cursor":null,"prev_cursor":null}"#
            };
            // The first request fails with an HTML gateway page, the second succeeds.
            let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let seen = calls.clone();
            server
                .mock_async(move |when, then| {
                    when.method(GET).path(path);
                    then.respond_with(move |_req: &HttpMockRequest| {
                        let n = seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        let (status, body) = if n == 0 {
                            (502, "<html>Bad Gateway</html>")
                        } else {
                            (200, ok_body)
                        };
                        HttpMockResponse::builder()
                            .status(status)
                            .body(body)
                            .build()
                    });
                })
                .await;
            let got = call(&base(&server, provider), provider, kind, options()).await;
            assert_eq!(got.unwrap(), 1, "{provider:?} {kind:?}");
            assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 2);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_to_another_host_never_carries_a_credential() {
    for provider in [Provider::Asapp, Provider::Autocalls] {
        let elsewhere = MockServer::start_async().await;
        let stolen = elsewhere
            .mock_async(|when, then| {
                when.any_request();
                then.status(200).body("{}");
            })
            .await;
        let server = MockServer::start_async().await;
        let path = path(provider);
        let target = elsewhere.url(path);
        server
            .mock_async(|when, then| {
                when.method(GET).path(path);
                then.status(302).header("location", target);
            })
            .await;
        // The caller even asks reqwest to follow redirects: the transport's policy holds.
        let follow =
            options().configure_http(|b| b.redirect(reqwest::redirect::Policy::limited(10)));
        for kind in [Call::Native, Call::Trait] {
            let err = call(&base(&server, provider), provider, kind, follow.clone())
                .await
                .unwrap_err();
            assert_eq!(err.status(), Some(302), "{provider:?}");
            assert!(!err.is_retryable());
            assert!(err.to_string().contains("redirect"), "{err}");
        }
        stolen.assert_calls_async(0).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_configured_client_without_timeouts_still_times_out() {
    for provider in [Provider::Asapp, Provider::Autocalls] {
        let server = MockServer::start_async().await;
        let path = path(provider);
        server
            .mock_async(|when, then| {
                when.method(GET).path(path);
                then.status(200).delay(Duration::from_secs(30)).body("{}");
            })
            .await;
        let slow = options()
            .configure_http(|b| {
                b.timeout(Duration::from_secs(3600))
                    .connect_timeout(Duration::from_secs(3600))
            })
            .timeout(Duration::from_millis(200))
            .retry_policy(RetryPolicy::none());
        let err = call(&base(&server, provider), provider, Call::Native, slow)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Transport { .. }), "{err}");
        assert!(err.to_string().contains("timed out"), "{err}");
        // Errors never carry the URL's query (ASAPP's externalId is in it).
        assert!(!err.to_string().contains("id-1"), "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_deadline_includes_retries() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(AUTOCALLS_PATH);
            then.status(200).delay(Duration::from_secs(30)).body("{}");
        })
        .await;
    let options = options()
        .timeout(Duration::from_millis(300))
        .deadline(Duration::from_millis(500))
        .retry_policy(
            RetryPolicy::default()
                .max_attempts(10)
                .initial_delay(Duration::ZERO)
                .jitter(false),
        );
    let err = call(
        &base(&server, Provider::Autocalls),
        Provider::Autocalls,
        Call::Native,
        options,
    )
    .await
    .unwrap_err();
    assert!(
        err.to_string().contains("deadline") || err.to_string().contains("timed out"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_storm_of_5xx_draws_on_one_quota_per_client() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path(AUTOCALLS_PATH);
            then.status(503).body("");
        })
        .await;
    // 50 tokens: ten retries (5 each) for the whole client, however many calls are made.
    let client = AutocallsClient::builder()
        .api_key(SECRET)
        .base_url(server.url("/api"))
        .options(options().retry_quota(50))
        .build()
        .unwrap();
    let calls = (0..20).map(|_| {
        let client = client.clone();
        async move {
            client
                .list_conversations(&ListConversationsRequest::new())
                .await
        }
    });
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_err));
    assert_eq!(mock.calls_async().await, 20 + 10, "not 20 x {ATTEMPTS}");
}

/// `SECRET` (and the ASAPP id) as a gateway might echo them: as sent, JSON-escaped,
/// percent-encoded, base64, and a run of 8 of their characters.
fn echoes() -> Vec<String> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(SECRET);
    vec![
        SECRET.to_owned(),
        format!("token={}", SECRET.replace('-', "%2D")),
        format!("b64 {b64}"),
        format!("tail {}", &SECRET[SECRET.len() - 9..]),
        format!("Bearer {SECRET}"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_echoing_the_credential_never_gets_it_into_an_error() {
    for status in [401u16, 403, 422, 500] {
        for echo in echoes() {
            for provider in [Provider::Asapp, Provider::Autocalls] {
                let server = MockServer::start_async().await;
                let body = match provider {
                    Provider::Asapp => serde_json::json!({"error": {
                        "requestId": format!("req {echo}"), "code": echo, "message": echo}}),
                    Provider::Autocalls => serde_json::json!({
                        "message": echo, "errors": {"api_key": [echo]}}),
                }
                .to_string();
                let path = path(provider);
                server
                    .mock_async(|when, then| {
                        when.method(GET).path(path);
                        then.status(status)
                            .header("x-request-id", echo.as_str())
                            .body(&body);
                    })
                    .await;
                for kind in [Call::Native, Call::Trait] {
                    let options = options().retry_policy(RetryPolicy::none());
                    let err = call(&base(&server, provider), provider, kind, options)
                        .await
                        .unwrap_err();
                    let shown = format!("{err} {err:?} {:?}", err.request_id());
                    for window in SECRET.as_bytes().windows(8) {
                        let window = std::str::from_utf8(window).unwrap();
                        assert!(
                            !shown.contains(window),
                            "{provider:?} {status} {echo:?}: {shown}"
                        );
                    }
                    assert!(shown.contains("***"), "{shown}");
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_is_an_error_not_retried() {
    for provider in [Provider::Asapp, Provider::Autocalls] {
        let server = MockServer::start_async().await;
        let path = path(provider);
        let big = format!(r#"{{"data":[{}]}}"#, vec!["{}"; 5000].join(","));
        let mock = server
            .mock_async(|when, then| {
                when.method(GET).path(path);
                then.status(200).body(&big);
            })
            .await;
        for kind in [Call::Native, Call::Trait] {
            let err = call(
                &base(&server, provider),
                provider,
                kind,
                options().max_body_size(4096),
            )
            .await
            .unwrap_err();
            assert!(
                matches!(err, Error::ResponseTooLarge { limit: 4096, .. }),
                "{err}"
            );
            assert!(!err.is_retryable());
            assert!(err.to_string().contains("4 KiB"), "{err}");
        }
        assert_eq!(
            mock.calls_async().await,
            2,
            "one request per call: no retry"
        );
    }
}
