//! Fault rules target API routes by name and by `/api/v1/…` path prefix, and only those.

mod sandbox_support;

use axum::http::{Method, StatusCode};
use axum::Router;
use sandbox_support::{enc, Harness};
use serde_json::{json, Value};
use vobiz::sandbox::{Sandbox, SandboxConfig};

async fn add_fault(h: &Harness, fault: Value) {
    let r = h.control(Method::POST, "/faults", Some(fault)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

async fn clear_faults(h: &Harness) {
    let r = h.control(Method::DELETE, "/faults", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

fn teapot(route: &str) -> Value {
    json!({
        "route": route, "kind": "fail", "status": 418,
        "body": {"error": "injected", "message": route}
    })
}

fn assert_injected(r: &sandbox_support::Reply, route: &str) {
    assert_eq!(r.status, StatusCode::IM_A_TEAPOT, "{route}: {}", r.body);
    assert_eq!(r.body["message"], route);
}

#[tokio::test]
async fn named_fault_fires_on_purchase_from_inventory_only() {
    let h = Harness::new(60);
    let c = &h.demo.customers[0];
    add_fault(&h, teapot("purchase-from-inventory")).await;
    let number = h.inventory_number(c, "IN").await;
    let purchase = format!(
        "/api/v1/Account/{}/numbers/purchase-from-inventory",
        c.auth_id
    );
    let body = json!({"e164": number["e164"]});
    let before = h.balance(c, "INR").await;

    let r = h
        .call(Method::POST, &purchase, Some(c), Some(body.clone()))
        .await;
    assert_injected(&r, "purchase-from-inventory");
    assert_eq!(h.balance(c, "INR").await, before, "nothing was charged");
    assert!(!h
        .numbers(c)
        .await
        .iter()
        .any(|n| n["e164"] == number["e164"]));

    // The other routes of the same account, and of the partner, are untouched.
    let r = h
        .get(
            &format!("/api/v1/Account/{}/inventory/numbers", c.auth_id),
            c,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = h
        .call(
            Method::POST,
            &format!("/api/v1/partner/accounts/{}/transfer-balance", c.auth_id),
            Some(&h.demo.partner),
            Some(json!({"amount": 5, "currency": "INR"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // The lower-case casing has the same name.
    let r = h
        .call(
            Method::POST,
            &format!(
                "/api/v1/account/{}/numbers/purchase-from-inventory",
                c.auth_id
            ),
            Some(c),
            Some(body.clone()),
        )
        .await;
    assert_injected(&r, "purchase-from-inventory");

    clear_faults(&h).await;
    let r = h.call(Method::POST, &purchase, Some(c), Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    h.assert_invariants().await;
}

#[tokio::test]
async fn named_fault_fires_on_transfer_balance_only() {
    let h = Harness::new(61);
    let c = &h.demo.customers[0];
    add_fault(
        &h,
        json!({"method": "POST", "route": "transfer-balance", "kind": "fail", "status": 418,
               "body": {"message": "transfer-balance"}}),
    )
    .await;
    let transfer = format!("/api/v1/partner/accounts/{}/transfer-balance", c.auth_id);
    let body = json!({"amount": 10, "currency": "INR"});
    let before = h.partner_balance().await;

    let r = h
        .call(
            Method::POST,
            &transfer,
            Some(&h.demo.partner),
            Some(body.clone()),
        )
        .await;
    assert_injected(&r, "transfer-balance");
    assert_eq!(h.partner_balance().await, before, "nothing moved");

    for path in [
        format!("/api/v1/partner/accounts/{}/balance", c.auth_id),
        format!("/api/v1/partner/accounts/{}", c.auth_id),
        "/api/v1/partner/me".to_owned(),
    ] {
        let r = h.get(&path, &h.demo.partner).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    }
    let number = h.inventory_number(c, "IN").await;
    let r = h
        .call(
            Method::POST,
            &format!(
                "/api/v1/Account/{}/numbers/purchase-from-inventory",
                c.auth_id
            ),
            Some(c),
            Some(json!({"e164": number["e164"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    clear_faults(&h).await;
    let r = h
        .call(Method::POST, &transfer, Some(&h.demo.partner), Some(body))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    h.assert_invariants().await;
}

#[tokio::test]
async fn named_fault_fires_on_unassign_not_on_assign() {
    let h = Harness::new(62);
    let pool = &h.demo.pool_account;
    let sub = &h.demo.sub_accounts[0];
    let free = h
        .numbers(pool)
        .await
        .into_iter()
        .find(|n| n["account_id"] == pool.auth_id.as_str())
        .expect("the pool holds a DID itself");
    let e164 = free["e164"].as_str().unwrap().to_owned();
    let assign = format!(
        "/api/v1/account/{}/numbers/{}/assign-subaccount",
        pool.auth_id,
        enc(&e164)
    );
    add_fault(&h, teapot("unassign-subaccount")).await;

    // Same path, other method and name: not targeted.
    let r = h
        .call(
            Method::POST,
            &assign,
            Some(pool),
            Some(json!({"sub_account_id": sub.auth_id})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let r = h.call(Method::DELETE, &assign, Some(pool), None).await;
    assert_injected(&r, "unassign-subaccount");
    assert!(
        h.numbers(sub)
            .await
            .iter()
            .any(|n| n["e164"] == e164.as_str()),
        "the sub-account still holds the number"
    );

    clear_faults(&h).await;
    let r = h.call(Method::DELETE, &assign, Some(pool), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(!h
        .numbers(sub)
        .await
        .iter()
        .any(|n| n["e164"] == e164.as_str()));
    h.assert_invariants().await;
}

#[tokio::test]
async fn path_prefix_fault_matches_the_full_api_path() {
    let h = Harness::new(63);
    let c = &h.demo.customers[0];
    add_fault(&h, teapot("/api/v1/partner/accounts/")).await;

    let r = h
        .get(
            &format!("/api/v1/partner/accounts/{}/balance", c.auth_id),
            &h.demo.partner,
        )
        .await;
    assert_injected(&r, "/api/v1/partner/accounts/");
    let r = h.get("/api/v1/partner/me", &h.demo.partner).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = h
        .get(&format!("/api/v1/Account/{}/numbers", c.auth_id), c)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // A prefix without `/api/v1` is not the full path and matches nothing.
    clear_faults(&h).await;
    add_fault(&h, teapot("/partner/")).await;
    let r = h
        .get(
            &format!("/api/v1/partner/accounts/{}/balance", c.auth_id),
            &h.demo.partner,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // Method and prefix together: purchases on `/Account/` fail, reads do not.
    clear_faults(&h).await;
    add_fault(
        &h,
        json!({"method": "POST", "route": format!("/api/v1/Account/{}/", c.auth_id),
               "kind": "fail", "status": 418, "body": {"message": "prefix"}}),
    )
    .await;
    let number = h.inventory_number(c, "IN").await;
    let r = h
        .call(
            Method::POST,
            &format!(
                "/api/v1/Account/{}/numbers/purchase-from-inventory",
                c.auth_id
            ),
            Some(c),
            Some(json!({"e164": number["e164"]})),
        )
        .await;
    assert_injected(&r, "prefix");
    let r = h
        .get(&format!("/api/v1/Account/{}/numbers", c.auth_id), c)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// A host may mount the sandbox router under its own prefix: rules still name sandbox routes
/// and `/api/v1/…` paths.
#[tokio::test]
async fn faults_match_when_the_router_is_mounted_under_a_prefix() {
    let sandbox = Sandbox::new(SandboxConfig::demo(64));
    let control = Harness::from(sandbox.clone());
    let mounted = Harness {
        app: Router::new().nest("/upstream", sandbox.router()),
        demo: sandbox.demo(),
        sandbox,
    };
    let c = &mounted.demo.customers[0];
    add_fault(&control, teapot("purchase-from-inventory")).await;
    add_fault(&control, teapot("/api/v1/partner/accounts/")).await;

    let number = control.inventory_number(c, "IN").await;
    let r = mounted
        .call(
            Method::POST,
            &format!(
                "/upstream/api/v1/Account/{}/numbers/purchase-from-inventory",
                c.auth_id
            ),
            Some(c),
            Some(json!({"e164": number["e164"]})),
        )
        .await;
    assert_injected(&r, "purchase-from-inventory");
    let r = mounted
        .get(
            &format!("/upstream/api/v1/partner/accounts/{}", c.auth_id),
            &mounted.demo.partner,
        )
        .await;
    assert_injected(&r, "/api/v1/partner/accounts/");
    let r = mounted
        .get(
            &format!("/upstream/api/v1/Account/{}/numbers", c.auth_id),
            c,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}
