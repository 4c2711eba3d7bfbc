//! Control routes, fault injection, persistence and determinism of the sandbox.

mod sandbox_support;

use std::time::{Duration, Instant};

use axum::http::{Method, Request, StatusCode};
use sandbox_support::{enc, Harness};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use vobiz::sandbox::{Sandbox, SandboxConfig};

#[tokio::test]
async fn control_routes_need_the_token() {
    let h = Harness::new(30);
    let req = Request::get("/__sandbox/clock")
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(h.raw(req).await.status, StatusCode::UNAUTHORIZED);
    let req = Request::get("/__sandbox/state")
        .header("X-Sandbox-Token", "wrong")
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(h.raw(req).await.status, StatusCode::UNAUTHORIZED);
    let clock = h.control(Method::GET, "/clock", None).await;
    assert_eq!(clock.body["offset_seconds"], 0);
    h.advance(3600).await;
    let clock = h.control(Method::GET, "/clock", None).await;
    assert_eq!(clock.body["offset_seconds"], 3600);
    let back = h
        .control(Method::POST, "/clock/advance", Some(json!({"seconds": -1})))
        .await;
    assert_eq!(back.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn demo_world_is_deterministic_from_the_seed() {
    let a = Sandbox::new(SandboxConfig::demo(99)).demo();
    let b = Sandbox::new(SandboxConfig::demo(99)).demo();
    let c = Sandbox::new(SandboxConfig::demo(100)).demo();
    assert_eq!(a.partner, b.partner);
    assert_eq!(a.customers, b.customers);
    assert_eq!(a.sub_accounts, b.sub_accounts);
    assert_eq!(a.control_token, b.control_token);
    assert_ne!(a.partner.auth_token, c.partner.auth_token);
    assert!(a.partner.auth_id.starts_with("PA_") && a.pool_account.auth_id.starts_with("MA_"));
    assert!((10..=14).contains(&a.customers.len()));
    assert!((3..=4).contains(&a.sub_accounts.len()));
    assert!(a.sub_accounts.iter().all(|s| s.auth_id.starts_with("SA_")));
    let printed = format!("{a:?}");
    assert!(!printed.contains(&a.partner.auth_token) && !printed.contains(&a.control_token));
    let config = format!("{:?}", SandboxConfig::demo(99));
    assert!(!config.contains(&a.control_token));
}

#[tokio::test]
async fn seeded_world_has_the_cases_the_portal_shows() {
    let h = Harness::new(31);
    let all = h
        .get("/api/v1/partner/numbers?per_page=100", &h.demo.partner)
        .await;
    let total = all.body["total"].as_u64().unwrap();
    let mut items = Vec::new();
    for page in 1..=total.div_ceil(100) {
        let r = h
            .get(
                &format!("/api/v1/partner/numbers?per_page=100&page={page}"),
                &h.demo.partner,
            )
            .await;
        items.extend(r.body["items"].as_array().unwrap().clone());
    }
    let now = chrono::Utc::now();
    let soon = items.iter().filter(|n| {
        n["next_billing_date"].as_str().is_some_and(|d| {
            let d = chrono::DateTime::parse_from_rfc3339(d).unwrap();
            d > now && d < now + chrono::Duration::days(14)
        })
    });
    assert!(soon.count() >= 3);
    assert!(items.iter().any(|n| n["application_id"].is_null()));
    assert!(items
        .iter()
        .any(|n| n["aadhaar_verification_required"] == true && n["aadhaar_verified"] == false));
    assert!(
        items.iter().any(|n| n["country"] == "US") && items.iter().any(|n| n["country"] == "GB")
    );
    let inv = h
        .get(
            &format!(
                "/api/v1/Account/{}/inventory/numbers",
                h.demo.pool_account.auth_id
            ),
            &h.demo.pool_account,
        )
        .await;
    assert!(inv.body["total"].as_u64().unwrap() > 200);
    // Some sub-account DID is in cool-off.
    let pool = &h.demo.pool_account;
    let mut cooled = 0;
    for n in h
        .numbers(pool)
        .await
        .iter()
        .filter(|n| n["account_id"] != pool.auth_id.as_str())
    {
        let path = format!(
            "/api/v1/account/{}/numbers/{}/assign-subaccount",
            pool.auth_id,
            enc(n["e164"].as_str().unwrap())
        );
        let r = h.call(Method::DELETE, &path, Some(pool), None).await;
        if r.status == StatusCode::CONFLICT {
            cooled += 1;
        }
    }
    assert!(cooled >= 1);
    // Some customers are near zero.
    let accounts = h
        .get("/api/v1/partner/accounts?per_page=100", &h.demo.partner)
        .await;
    assert!(accounts.body["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["cash_credits"].as_str().unwrap().parse::<f64>().unwrap() < 200.0));
    h.assert_invariants().await;
}

#[tokio::test]
async fn fail_fault_applies_n_times_to_the_targeted_route() {
    let h = Harness::new(32);
    let c = &h.demo.customers[0];
    let added = h
        .control(
            Method::POST,
            "/faults",
            Some(json!({
                "method": "POST", "route": "transfer-balance", "kind": "fail", "status": 503,
                "body": {"error": "service unavailable", "message": "try later"}, "times": 2
            })),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let path = format!("/api/v1/partner/accounts/{}/transfer-balance", c.auth_id);
    let body = json!({"amount": 10, "currency": "INR"});
    let before = h.partner_balance().await;
    for _ in 0..2 {
        let r = h
            .call(
                Method::POST,
                &path,
                Some(&h.demo.partner),
                Some(body.clone()),
            )
            .await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.body["message"], "try later");
    }
    assert_eq!(
        h.partner_balance().await,
        before,
        "failed calls had no effect"
    );
    // Other routes were untouched all along; the third call goes through.
    let r = h
        .call(Method::POST, &path, Some(&h.demo.partner), Some(body))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        h.control(Method::GET, "/faults", None).await.body["faults"],
        json!([])
    );
}

#[tokio::test]
async fn commit_then_fail_keeps_the_effect() {
    let h = Harness::new(33);
    let c = &h.demo.customers[0];
    h.control(
        Method::POST,
        "/faults",
        Some(json!({"route": "purchase-from-inventory", "kind": "commit_then_fail", "times": 1})),
    )
    .await;
    let number = h.inventory_number(c, "IN").await;
    let path = format!(
        "/api/v1/Account/{}/numbers/purchase-from-inventory",
        c.auth_id
    );
    let r = h
        .call(
            Method::POST,
            &path,
            Some(c),
            Some(json!({"e164": number["e164"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        h.numbers(c)
            .await
            .iter()
            .any(|n| n["e164"] == number["e164"]),
        "the purchase happened"
    );
}

#[tokio::test]
async fn latency_and_path_prefix_faults() {
    let h = Harness::new(34);
    let c = &h.demo.customers[0];
    h.control(Method::POST, "/faults", Some(json!({"faults": [
        {"method": "GET", "route": "/api/v1/Account/", "kind": "latency", "ms": 150, "times": 1},
        {"route": "no-such-route", "kind": "fail", "status": 500}
    ]}))).await;
    let start = Instant::now();
    let r = h
        .get(&format!("/api/v1/Account/{}/numbers", c.auth_id), c)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(start.elapsed() >= Duration::from_millis(150));
    let start = Instant::now();
    h.get(&format!("/api/v1/Account/{}/numbers", c.auth_id), c)
        .await;
    assert!(start.elapsed() < Duration::from_millis(150));
    let cleared = h.control(Method::DELETE, "/faults", None).await;
    assert_eq!(cleared.body["cleared"], 1);

    h.control(Method::POST, "/faults", Some(json!({"route": "transfer-balance", "kind": "commit_then_delay", "ms": 200, "times": 1}))).await;
    let start = Instant::now();
    let r = h
        .call(
            Method::POST,
            &format!("/api/v1/partner/accounts/{}/transfer-balance", c.auth_id),
            Some(&h.demo.partner),
            Some(json!({"amount": 1, "currency": "INR"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(start.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn drop_fault_closes_the_connection_without_a_response() {
    let sandbox = Sandbox::new(SandboxConfig::demo(35));
    let h = Harness::from(sandbox.clone());
    h.control(
        Method::POST,
        "/faults",
        Some(json!({"route": "partner-me", "kind": "drop", "times": 1})),
    )
    .await;
    let running = sandbox.spawn("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let p = &h.demo.partner;
    let request = format!(
        "GET /api/v1/partner/me HTTP/1.1\r\nHost: x\r\nX-Auth-ID: {}\r\nX-Auth-Token: {}\r\n\r\n",
        p.auth_id, p.auth_token
    );
    let mut stream = tokio::net::TcpStream::connect(running.addr())
        .await
        .unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut received))
        .await
        .expect("closed promptly");
    assert!(
        received.is_empty(),
        "got {:?}",
        String::from_utf8_lossy(&received)
    );
    // The next call is served normally.
    let mut stream = tokio::net::TcpStream::connect(running.addr())
        .await
        .unwrap();
    stream
        .write_all(
            request
                .replace("HTTP/1.1\r\n", "HTTP/1.1\r\nConnection: close\r\n")
                .as_bytes(),
        )
        .await
        .unwrap();
    let mut received = Vec::new();
    stream.read_to_end(&mut received).await.unwrap();
    assert!(String::from_utf8_lossy(&received).starts_with("HTTP/1.1 200"));
    running.shutdown().await;
}

#[tokio::test]
async fn top_up_records_a_payment_and_reset_reseeds() {
    let h = Harness::new(36);
    let c = &h.demo.customers[3];
    let before = h.balance(c, "INR").await;
    let r = h
        .control(
            Method::POST,
            &format!("/wallets/{}/top-up", c.auth_id),
            Some(json!({"amount": 250.5})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        h.balance(c, "INR").await,
        before + rust_decimal::Decimal::new(2505, 1)
    );
    let tx = h
        .get(
            &format!("/api/v1/Account/{}/transactions?limit=1", c.auth_id),
            c,
        )
        .await;
    assert_eq!(tx.body["transactions"][0]["reference_type"], "payment");
    h.assert_invariants().await;
    assert_eq!(
        h.control(
            Method::POST,
            "/wallets/MA_NOPE/top-up",
            Some(json!({"amount": 1}))
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );

    h.control(Method::POST, "/reset", Some(json!({"seed": 36})))
        .await;
    assert_eq!(h.balance(c, "INR").await, before);
    h.control(Method::POST, "/reset", Some(json!({"seed": 37})))
        .await;
    assert_eq!(
        h.get(&format!("/api/v1/Account/{}/numbers", c.auth_id), c)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_ne!(h.sandbox.demo().partner, h.demo.partner);
}

#[tokio::test]
async fn bulk_create_twenty_thousand_numbers_quickly() {
    let h = Harness::new(37);
    let pool = &h.demo.pool_account;
    let before = h
        .get(
            &format!(
                "/api/v1/Account/{}/inventory/numbers?per_page=1",
                pool.auth_id
            ),
            pool,
        )
        .await
        .body["total"]
        .as_u64()
        .unwrap();
    let start = Instant::now();
    let r = h
        .control(
            Method::POST,
            "/numbers/bulk",
            Some(json!({"count": 20_000})),
        )
        .await;
    let took = start.elapsed();
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["created"], 20_000);
    assert!(took < Duration::from_secs(1), "bulk create took {took:?}");
    let after = h
        .get(
            &format!(
                "/api/v1/Account/{}/inventory/numbers?per_page=1",
                pool.auth_id
            ),
            pool,
        )
        .await
        .body["total"]
        .as_u64()
        .unwrap();
    assert_eq!(after, before + 20_000);
    let c = &h.demo.customers[0];
    let owned = h
        .control(
            Method::POST,
            "/numbers/bulk",
            Some(json!({"count": 500, "owner": c.auth_id, "prefix": "+9141"})),
        )
        .await;
    assert_eq!(owned.status, StatusCode::CREATED, "{}", owned.body);
    let mine = h
        .get(
            &format!(
                "/api/v1/Account/{}/numbers?search=9141&per_page=1",
                c.auth_id
            ),
            c,
        )
        .await;
    assert_eq!(mine.body["total"], 500);
    h.assert_invariants().await;
}

#[tokio::test]
async fn persistence_round_trips_through_a_state_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sandbox.json");
    let config = SandboxConfig::demo(38);
    let e164;
    let balance;
    {
        let h = Harness::from(Sandbox::open(&path, config.clone()).unwrap());
        assert!(path.exists(), "seeded state is written at open");
        let c = &h.demo.customers[0];
        let number = h.inventory_number(c, "IN").await;
        e164 = number["e164"].as_str().unwrap().to_owned();
        let r = h
            .call(
                Method::POST,
                &format!(
                    "/api/v1/Account/{}/numbers/purchase-from-inventory",
                    c.auth_id
                ),
                Some(c),
                Some(json!({"e164": e164})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        h.advance(7200).await;
        balance = h.balance(c, "INR").await;
    }
    let h = Harness::from(Sandbox::open(&path, config).unwrap());
    let c = &h.demo.customers[0];
    assert!(h
        .numbers(c)
        .await
        .iter()
        .any(|n| n["e164"] == e164.as_str()));
    assert_eq!(h.balance(c, "INR").await, balance);
    assert_eq!(
        h.control(Method::GET, "/clock", None).await.body["offset_seconds"],
        7200
    );
    // No temp files left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    // A corrupt file is an error, not a silent reseed.
    std::fs::write(&path, b"{not json").unwrap();
    assert!(Sandbox::open(&path, SandboxConfig::demo(38)).is_err());
}

#[tokio::test]
async fn spawned_sandbox_serves_http() {
    let sandbox = Sandbox::new(SandboxConfig::demo(39));
    let demo = sandbox.demo();
    let running = sandbox.spawn("127.0.0.1:0".parse().unwrap()).await.unwrap();
    assert!(running.base_url().starts_with("http://127.0.0.1:"));
    let mut stream = tokio::net::TcpStream::connect(running.addr())
        .await
        .unwrap();
    let request = format!(
        "GET /api/v1/partner/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Auth-ID: {}\r\nX-Auth-Token: {}\r\n\r\n",
        demo.partner.auth_id, demo.partner.auth_token
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut received = String::new();
    stream.read_to_string(&mut received).await.unwrap();
    assert!(received.starts_with("HTTP/1.1 200"), "{received}");
    assert!(received.contains(&demo.partner.auth_id));
    running.shutdown().await;
}
