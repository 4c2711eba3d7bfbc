//! The client's transport: what it sends, retry policy (reads only), Retry-After,
//! timeouts, broken connections, and that tokens stay out of logs.

mod client_support;

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::Method;
use client_support::{account, fast_options, partner, Reply, Scripted, TOKEN};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use vobiz::client::{
    Client, ClientOptions, Error, InventoryQuery, NumberQuery, PurchaseRequest, RetryPolicy,
};

const ME: &str = r#"{"id":"p","auth_id":"PA_TESTPARTNER","name":"Test","balance":"10.00000"}"#;
const PURCHASED: &str = r#"{"message":"Number purchased successfully","number":{"id":"n","account_id":"MA_ZKITB8Z2","e164":"+919876543210","status":"active","setup_fee":100,"monthly_fee":300}}"#;

fn purchase_request() -> PurchaseRequest {
    PurchaseRequest {
        e164: "+919876543210".to_owned(),
        currency: Some("INR".to_owned()),
    }
}

#[tokio::test]
async fn sends_auth_headers_and_accept() {
    let server = Scripted::start(vec![Reply::json(200, ME)]).await;
    let client = server.client();
    let credentials = partner();
    let profile = client.partner(&credentials).me().await.unwrap();
    assert_eq!(profile.auth_id, "PA_TESTPARTNER");
    let seen = &server.seen()[0];
    assert_eq!(seen.method, Method::GET);
    assert_eq!(seen.uri, "/api/v1/partner/me");
    assert_eq!(seen.headers["x-auth-id"], "PA_TESTPARTNER");
    assert_eq!(seen.headers["x-auth-token"], TOKEN);
    assert_eq!(seen.headers["accept"], "application/json");
}

#[tokio::test]
async fn writes_send_json_bodies() {
    let server = Scripted::start(vec![Reply::json(200, PURCHASED)]).await;
    let client = server.client();
    let credentials = account();
    client
        .account(&credentials)
        .purchase_from_inventory(&purchase_request())
        .await
        .unwrap();
    let seen = &server.seen()[0];
    assert_eq!(seen.method, Method::POST);
    assert_eq!(
        seen.uri,
        "/api/v1/Account/MA_ZKITB8Z2/numbers/purchase-from-inventory"
    );
    assert_eq!(seen.headers["content-type"], "application/json");
    let body: serde_json::Value = serde_json::from_slice(&seen.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"e164": "+919876543210", "currency": "INR"})
    );
}

#[tokio::test]
async fn paths_use_documented_casing_and_encode_e164() {
    let server = Scripted::start(vec![Reply::empty(204)]).await;
    let client = server.client();
    let credentials = account();
    let api = client.account(&credentials);
    api.release_number("+919876543210", true).await.unwrap();
    api.release_number("+919876543210", false).await.unwrap();
    api.assign_to_sub_account("+919876543210", "SA_CHILD001")
        .await
        .unwrap();
    api.unassign_from_sub_account("+919876543210", true)
        .await
        .unwrap();
    api.delete_sub_account("SA_CHILD001").await.unwrap();
    // JSON-answering calls fail to decode on 204; only the request line matters here.
    let _ = api.cancel_release("+919876543210").await;
    let _ = api.balance("INR").await;
    let _ = api.list_sub_accounts(&Default::default()).await;
    let seen: Vec<_> = server
        .seen()
        .into_iter()
        .map(|seen| format!("{} {}", seen.method, seen.uri))
        .collect();
    assert_eq!(
        seen,
        [
            "DELETE /api/v1/Account/MA_ZKITB8Z2/numbers/%2B919876543210?immediate=true",
            "DELETE /api/v1/Account/MA_ZKITB8Z2/numbers/%2B919876543210",
            "POST /api/v1/account/MA_ZKITB8Z2/numbers/%2B919876543210/assign-subaccount",
            "DELETE /api/v1/account/MA_ZKITB8Z2/numbers/%2B919876543210/assign-subaccount?force=true",
            "DELETE /api/v1/accounts/MA_ZKITB8Z2/sub-accounts/SA_CHILD001",
            "POST /api/v1/account/MA_ZKITB8Z2/numbers/%2B919876543210/cancel-release",
            "GET /api/v1/Account/MA_ZKITB8Z2/balance/INR",
            "GET /api/v1/accounts/MA_ZKITB8Z2/sub-accounts/",
        ]
    );
    let assign: serde_json::Value = serde_json::from_slice(&server.seen()[2].body).unwrap();
    assert_eq!(assign, serde_json::json!({"sub_account_id": "SA_CHILD001"}));
}

#[tokio::test]
async fn list_queries_carry_filters() {
    let page = r#"{"items":[],"page":2,"per_page":10,"total":0}"#;
    let server = Scripted::start(vec![Reply::json(200, page)]).await;
    let client = server.client();
    let credentials = account();
    let api = client.account(&credentials);
    api.inventory(&InventoryQuery {
        country: Some("IN".into()),
        search: Some("+9180".into()),
        exclude: vec!["+9122".into(), "9140".into()],
        page: Some(2),
        per_page: Some(10),
    })
    .await
    .unwrap();
    api.numbers(&NumberQuery {
        page: None,
        per_page: Some(25),
        search: Some("+91".into()),
    })
    .await
    .unwrap();
    let seen = server.seen();
    assert_eq!(
        seen[0].uri,
        "/api/v1/Account/MA_ZKITB8Z2/inventory/numbers?country=IN&search=%2B9180&exclude=%2B9122&exclude=9140&page=2&per_page=10"
    );
    assert_eq!(
        seen[1].uri,
        "/api/v1/Account/MA_ZKITB8Z2/numbers?per_page=25&search=%2B91"
    );
}

#[tokio::test]
async fn get_retries_503_then_succeeds() {
    let server = Scripted::start(vec![Reply::json(503, "{}"), Reply::json(200, ME)]).await;
    let client = server.client();
    let credentials = partner();
    let profile = client.partner(&credentials).me().await.unwrap();
    assert_eq!(profile.name, "Test");
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn get_retries_each_retryable_status() {
    for status in [429u16, 502, 503, 504] {
        let server = Scripted::start(vec![Reply::json(status, "{}"), Reply::json(200, ME)]).await;
        let client = server.client();
        let credentials = partner();
        client.partner(&credentials).me().await.unwrap();
        assert_eq!(server.hits(), 2, "status {status}");
    }
}

#[tokio::test]
async fn get_does_not_retry_other_failures() {
    for status in [400u16, 401, 403, 404, 409, 422, 500] {
        let server = Scripted::start(vec![Reply::json(status, "{}"), Reply::json(200, ME)]).await;
        let client = server.client();
        let credentials = partner();
        assert!(client.partner(&credentials).me().await.is_err());
        assert_eq!(server.hits(), 1, "status {status}");
    }
}

#[tokio::test]
async fn retries_are_bounded() {
    let server = Scripted::start(vec![Reply::json(503, r#"{"error":"unavailable"}"#)]).await;
    let client = server.client();
    let credentials = partner();
    let error = client.partner(&credentials).me().await.unwrap_err();
    assert!(
        matches!(error, Error::Upstream { status: 503, .. }),
        "{error:?}"
    );
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn post_is_never_retried() {
    for status in [429u16, 502, 503, 504] {
        let server =
            Scripted::start(vec![Reply::json(status, "{}"), Reply::json(200, PURCHASED)]).await;
        let client = server.client();
        let credentials = account();
        let error = client
            .account(&credentials)
            .purchase_from_inventory(&purchase_request())
            .await
            .unwrap_err();
        assert_eq!(server.hits(), 1, "status {status}");
        if status == 429 {
            assert!(matches!(error, Error::RateLimited { .. }));
        } else {
            assert!(error.outcome_unknown());
            assert!(matches!(error, Error::Upstream { status: s, .. } if s == status));
        }
    }
}

#[tokio::test]
async fn put_and_delete_are_never_retried() {
    let server = Scripted::start(vec![Reply::json(503, "{}"), Reply::empty(204)]).await;
    let client = server.client();
    let credentials = account();
    let api = client.account(&credentials);
    assert!(api.delete_sub_account("SA_X").await.is_err());
    assert_eq!(server.hits(), 1);
    let server = Scripted::start(vec![Reply::json(503, "{}"), Reply::json(200, "{}")]).await;
    let client = server.client();
    let api = client.account(&credentials);
    assert!(api
        .update_sub_account("SA_X", &Default::default())
        .await
        .is_err());
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = Scripted::start(vec![
        Reply::json(429, "{}").header("retry-after", "1"),
        Reply::json(200, ME),
    ])
    .await;
    let client = server.client();
    let credentials = partner();
    let started = Instant::now();
    client.partner(&credentials).me().await.unwrap();
    // The backoff is a few milliseconds, so only Retry-After explains a full second.
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn retry_after_beyond_the_limit_is_returned_to_the_caller() {
    let server = Scripted::start(vec![
        Reply::json(429, "{}").header("retry-after", "60"),
        Reply::json(200, ME),
    ])
    .await;
    let client = server.client();
    let credentials = partner();
    let started = Instant::now();
    let error = client.partner(&credentials).me().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        error,
        Error::RateLimited {
            retry_after: Some(Duration::from_secs(60)),
            request_id: None
        }
    );
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn slow_answers_time_out() {
    let server = Scripted::start(vec![Reply::json(200, ME).after(Duration::from_secs(3))]).await;
    let client = Client::new(
        &server.base_url,
        ClientOptions {
            timeout: Duration::from_millis(200),
            ..fast_options()
        },
    )
    .unwrap();
    let credentials = partner();
    let started = Instant::now();
    let error = client.partner(&credentials).me().await.unwrap_err();
    assert_eq!(error, Error::Timeout);
    assert!(error.outcome_unknown());
    assert!(started.elapsed() < Duration::from_secs(2));
    // A timeout is not one of the retried failures.
    assert_eq!(server.hits(), 1);
}

/// A raw server that drops the first `drops` connections without answering, then answers
/// every later request with `body` (200). Counts connections accepted.
async fn flaky_server(drops: usize, body: &'static str) -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let seen = counter.fetch_add(1, Ordering::SeqCst);
            if seen < drops {
                // Read the request, then close without a response.
                let mut buffer = [0u8; 4096];
                let _ = socket.read(&mut buffer).await;
                drop(socket);
                continue;
            }
            tokio::spawn(async move {
                let mut buffer = [0u8; 8192];
                let _ = socket.read(&mut buffer).await;
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{}",
                    body.len(),
                    body
                );
                let _ = socket.write_all(response.as_bytes()).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    (base_url, accepted)
}

#[tokio::test]
async fn get_retries_a_broken_connection() {
    let (base_url, accepted) = flaky_server(1, ME).await;
    let client = Client::new(&base_url, fast_options()).unwrap();
    let credentials = partner();
    let profile = client.partner(&credentials).me().await.unwrap();
    assert_eq!(profile.name, "Test");
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn post_does_not_retry_a_broken_connection() {
    let (base_url, accepted) = flaky_server(1, PURCHASED).await;
    let client = Client::new(&base_url, fast_options()).unwrap();
    let credentials = account();
    let error = client
        .account(&credentials)
        .purchase_from_inventory(&purchase_request())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(error.outcome_unknown());
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn refused_connections_are_transport_errors_after_retries() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = Client::new(&base_url, fast_options()).unwrap();
    let credentials = partner();
    let error = client.partner(&credentials).me().await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(!error.to_string().contains(TOKEN));
}

#[tokio::test]
async fn a_policy_of_one_attempt_never_retries() {
    let server = Scripted::start(vec![Reply::json(503, "{}"), Reply::json(200, ME)]).await;
    let client = Client::new(
        &server.base_url,
        ClientOptions {
            retry: RetryPolicy::none(),
            ..fast_options()
        },
    )
    .unwrap();
    let credentials = partner();
    assert!(client.partner(&credentials).me().await.is_err());
    assert_eq!(server.hits(), 1);
}

#[test]
fn bad_base_urls_are_rejected() {
    assert!(Client::new("not a url", ClientOptions::default()).is_err());
    assert!(Client::new("ftp://example.com", ClientOptions::default()).is_err());
    let client = Client::new("http://127.0.0.1:9/", ClientOptions::default()).unwrap();
    assert_eq!(client.base_url(), "http://127.0.0.1:9");
}

/// Collects everything tracing writes, at every level.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn spans_name_method_route_and_auth_id_but_never_the_token() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    tracing::subscriber::with_default(subscriber, || {
        runtime.block_on(async {
            let server = Scripted::start(vec![
                Reply::json(503, "{}"),
                Reply::json(403, &format!(r#"{{"message":"no {TOKEN}"}}"#)),
            ])
            .await;
            let client = server.client();
            let credentials = account();
            let error = client
                .account(&credentials)
                .numbers(&NumberQuery::default())
                .await
                .unwrap_err();
            assert!(matches!(error, Error::Forbidden { .. }));
        })
    });
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("vobiz.call"), "{logs}");
    assert!(logs.contains("MA_ZKITB8Z2"), "{logs}");
    assert!(logs.contains("/api/v1/Account/{auth_id}/numbers"), "{logs}");
    assert!(logs.contains("GET"), "{logs}");
    assert!(!logs.contains(TOKEN), "{logs}");
}
