//! Account phone-number, balance, transaction and sub-account APIs of the sandbox.

mod sandbox_support;

use axum::http::{Method, StatusCode};
use rust_decimal::Decimal;
use sandbox_support::{dec, enc, Harness};
use serde_json::json;
use vobiz::sandbox::DemoCredentials;

const DAY: i64 = 86_400;

#[tokio::test]
async fn inventory_filters_page_and_exclude() {
    let h = Harness::new(10);
    let pool = &h.demo.pool_account;
    let base = format!("/api/v1/Account/{}/inventory/numbers", pool.auth_id);
    let all = h.get(&base, pool).await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(all.body["per_page"], 25);
    assert_eq!(all.body["page"], 1);
    assert_eq!(all.body["items"].as_array().unwrap().len(), 25);
    let total = all.body["total"].as_u64().unwrap();
    let item = &all.body["items"][0];
    assert!(item["account_id"].is_null());
    assert_eq!(item["status"], "active");
    assert!(
        item["tags"].is_object(),
        "inventory shows tags as an object"
    );

    let india = h
        .get(&format!("{base}?country=IN&per_page=100"), pool)
        .await;
    let in_total = india.body["total"].as_u64().unwrap();
    assert!(in_total < total && in_total > 100);
    assert!(india.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|n| n["country"] == "IN"));

    let blr = h
        .get(&format!("{base}?search=9180&per_page=100"), pool)
        .await;
    let blr_total = blr.body["total"].as_u64().unwrap();
    assert!(blr_total > 0);
    assert!(blr.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|n| n["e164"].as_str().unwrap().contains("9180")));

    // Exclude: comma list and repeated, `+` optional, ANDed; total reflects the filter.
    let ex = h
        .get(
            &format!("{base}?country=IN&exclude=%2B9180,9122&exclude=+9111&per_page=100"),
            pool,
        )
        .await;
    let ex_total = ex.body["total"].as_u64().unwrap();
    // Search is a substring match, so count only prefix matches by paging the whole country.
    let mut expected = 0;
    let mut page = 1;
    loop {
        let r = h
            .get(&format!("{base}?country=IN&per_page=100&page={page}"), pool)
            .await;
        let items = r.body["items"].as_array().unwrap().clone();
        if items.is_empty() {
            break;
        }
        expected += items
            .iter()
            .filter(|n| {
                let e = n["e164"].as_str().unwrap();
                !(e.starts_with("+9180") || e.starts_with("+9122") || e.starts_with("+9111"))
            })
            .count() as u64;
        page += 1;
    }
    assert_eq!(ex_total, expected);
    assert!(ex.body["items"].as_array().unwrap().iter().all(|n| {
        let e = n["e164"].as_str().unwrap();
        !e.starts_with("+9180") && !e.starts_with("+9122") && !e.starts_with("+9111")
    }));
    assert!(ex_total < in_total);

    assert_eq!(
        h.get(&format!("{base}?per_page=101"), pool).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        h.get(&format!("{base}?page=0"), pool).await.status,
        StatusCode::BAD_REQUEST
    );
    let last = h
        .get(
            &format!("{base}?per_page=100&page={}", total.div_ceil(100)),
            pool,
        )
        .await;
    assert_eq!(
        last.body["items"].as_array().unwrap().len() as u64,
        total - (total.div_ceil(100) - 1) * 100
    );
    // Lower-case `account` is accepted for the `/Account/` routes.
    let lower = h
        .get(
            &format!("/api/v1/account/{}/inventory/numbers", pool.auth_id),
            pool,
        )
        .await;
    assert_eq!(lower.body["total"], total);
}

#[tokio::test]
async fn purchase_debits_fees_and_assigns_the_number() {
    let h = Harness::new(11);
    let c = &h.demo.customers[0];
    let number = h.inventory_number(c, "IN").await;
    let e164 = number["e164"].as_str().unwrap().to_owned();
    let cost = dec(&number["setup_fee"]) + dec(&number["monthly_fee"]);
    let before = h.balance(c, "INR").await;
    let path = format!(
        "/api/v1/Account/{}/numbers/purchase-from-inventory",
        c.auth_id
    );
    let r = h
        .call(Method::POST, &path, Some(c), Some(json!({"e164": e164})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["message"], "Number purchased successfully");
    assert_eq!(r.body["number"]["account_id"], c.auth_id.as_str());
    assert_eq!(r.body["number"]["source"], "inventory");
    assert_eq!(r.body["items"][0]["e164"], e164.as_str());
    let purchased =
        chrono::DateTime::parse_from_rfc3339(r.body["number"]["purchased_at"].as_str().unwrap())
            .unwrap();
    let next = chrono::DateTime::parse_from_rfc3339(
        r.body["number"]["next_billing_date"].as_str().unwrap(),
    )
    .unwrap();
    assert!((next - purchased).num_days() >= 28 && (next - purchased).num_days() <= 31);
    assert_eq!(h.balance(c, "INR").await, before - cost);
    let tx = h
        .get(
            &format!("/api/v1/Account/{}/transactions?limit=1", c.auth_id),
            c,
        )
        .await;
    let row = &tx.body["transactions"][0];
    assert_eq!(row["reference_type"], "did_rental");
    assert_eq!(row["type"], "debit");
    assert_eq!(dec(&row["amount"]), cost);
    assert!(h
        .numbers(c)
        .await
        .iter()
        .any(|n| n["e164"] == e164.as_str()));

    // No longer in inventory.
    let again = h
        .call(Method::POST, &path, Some(c), Some(json!({"e164": e164})))
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_eq!(
        again.body,
        json!({"error": "not found", "message": "number not found in inventory"})
    );
    let missing = h
        .call(
            Method::POST,
            &path,
            Some(c),
            Some(json!({"e164": "+919999999999"})),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    h.assert_invariants().await;
}

#[tokio::test]
async fn purchase_with_short_wallet_fails_and_leaves_number_in_inventory() {
    let h = Harness::new(12);
    let fresh = h.call(Method::POST, "/api/v1/partner/accounts", Some(&h.demo.partner), Some(json!({
        "name": "Broke Ltd", "email": "broke@example.com", "phone": "+919800011122", "password": "s3cret!!", "country": "IN"
    }))).await;
    let c = DemoCredentials {
        auth_id: fresh.body["auth_id"].as_str().unwrap().into(),
        auth_token: fresh.body["auth_token"].as_str().unwrap().into(),
        name: "Broke Ltd".into(),
    };
    let number = h.inventory_number(&c, "IN").await;
    let e164 = number["e164"].as_str().unwrap();
    let path = format!(
        "/api/v1/Account/{}/numbers/purchase-from-inventory",
        c.auth_id
    );
    let r = h
        .call(Method::POST, &path, Some(&c), Some(json!({"e164": e164})))
        .await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        r.body,
        json!({"error": "internal server error", "message": "failed to purchase number from provider"})
    );
    assert_eq!(h.inventory_number(&c, "IN").await["e164"], e164);
    assert_eq!(h.balance(&c, "INR").await, Decimal::ZERO);
    // Fund exactly the cost: then it succeeds and the wallet is at zero.
    let cost = dec(&number["setup_fee"]) + dec(&number["monthly_fee"]);
    let t = h
        .call(
            Method::POST,
            &format!("/api/v1/partner/accounts/{}/transfer-balance", c.auth_id),
            Some(&h.demo.partner),
            Some(json!({"amount": cost.to_string().parse::<f64>().unwrap(), "currency": "INR"})),
        )
        .await;
    assert_eq!(t.status, StatusCode::OK);
    let r = h
        .call(Method::POST, &path, Some(&c), Some(json!({"e164": e164})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(h.balance(&c, "INR").await, Decimal::ZERO);
    // A USD number cannot be bought from an INR wallet.
    let us = h.inventory_number(&c, "US").await;
    if us.is_object() {
        let r = h
            .call(
                Method::POST,
                &path,
                Some(&c),
                Some(json!({"e164": us["e164"]})),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
    }
    h.assert_invariants().await;
}

#[tokio::test]
async fn sub_account_purchase_bills_the_parent() {
    let h = Harness::new(13);
    let pool = &h.demo.pool_account;
    let sub = &h.demo.sub_accounts[0];
    let number = h.inventory_number(sub, "IN").await;
    let cost = dec(&number["setup_fee"]) + dec(&number["monthly_fee"]);
    let before = h.balance(pool, "INR").await;
    let r = h
        .call(
            Method::POST,
            &format!(
                "/api/v1/account/{}/numbers/purchase-from-inventory",
                sub.auth_id
            ),
            Some(sub),
            Some(json!({"e164": number["e164"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["number"]["account_id"], sub.auth_id.as_str());
    assert_eq!(h.balance(pool, "INR").await, before - cost);
    // The master sees sub-account numbers; include_subaccounts=false hides them.
    assert!(h
        .numbers(pool)
        .await
        .iter()
        .any(|n| n["e164"] == number["e164"]));
    let own = h
        .get(
            &format!(
                "/api/v1/Account/{}/numbers?include_subaccounts=false&per_page=100",
                pool.auth_id
            ),
            pool,
        )
        .await;
    assert!(own.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|n| n["account_id"] == pool.auth_id.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_purchases_of_one_did_have_exactly_one_winner() {
    let h = Harness::new(14);
    let a = h.demo.customers[0].clone();
    let b = h.demo.pool_account.clone();
    let number = h.inventory_number(&a, "IN").await;
    let e164 = number["e164"].as_str().unwrap().to_owned();
    let mut tasks = Vec::new();
    for who in [a.clone(), b.clone(), a.clone(), b.clone()] {
        let app = h.app.clone();
        let e164 = e164.clone();
        tasks.push(tokio::spawn(async move {
            use tower::ServiceExt;
            let req = axum::http::Request::post(format!(
                "/api/v1/Account/{}/numbers/purchase-from-inventory",
                who.auth_id
            ))
            .header("X-Auth-ID", &who.auth_id)
            .header("X-Auth-Token", &who.auth_token)
            .header("content-type", "application/json")
            .body(axum::body::Body::from(json!({"e164": e164}).to_string()))
            .unwrap();
            app.oneshot(req).await.unwrap().status()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::NOT_FOUND)
            .count(),
        3
    );
    h.assert_invariants().await;
}

#[tokio::test]
async fn release_cancel_refund_and_quarantine() {
    let h = Harness::new(15);
    let c = &h.demo.customers[1];
    let owned = h.numbers(c).await;
    let e164 = owned[0]["e164"].as_str().unwrap().to_owned();
    let before = h.balance(c, "INR").await;
    // Unrent with the bare-digits form of the path.
    let r = h
        .call(
            Method::DELETE,
            &format!("/api/v1/Account/{}/numbers/{}", c.auth_id, &e164[1..]),
            Some(c),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "pending_release");
    assert_eq!(r.body["release_fee"], 700);
    assert_eq!(r.body["message"], "number release initiated");
    assert!(r.body["cancel_url"]
        .as_str()
        .unwrap()
        .ends_with("/cancel-release"));
    assert!(r.body["note"].is_string() && r.body["cooldown_ends_at"].is_string());
    assert_eq!(h.balance(c, "INR").await, before - Decimal::from(700));
    let listed = h.numbers(c).await;
    let pending = listed.iter().find(|n| n["e164"] == e164.as_str()).unwrap();
    assert_eq!(pending["status"], "pending_release");
    assert!(
        pending["application_id"].is_null(),
        "release detaches routing"
    );
    // Releasing twice conflicts; someone else cannot cancel.
    let twice = h
        .call(
            Method::DELETE,
            &format!("/api/v1/Account/{}/numbers/{}", c.auth_id, enc(&e164)),
            Some(c),
            None,
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    let other = &h.demo.customers[2];
    let stranger = h
        .call(
            Method::POST,
            &format!(
                "/api/v1/account/{}/numbers/{}/cancel-release",
                other.auth_id,
                enc(&e164)
            ),
            Some(other),
            None,
        )
        .await;
    assert_eq!(stranger.status, StatusCode::FORBIDDEN);

    h.advance(23 * 3600).await;
    let cancel = h
        .call(
            Method::POST,
            &format!(
                "/api/v1/account/{}/numbers/{}/cancel-release",
                c.auth_id,
                enc(&e164)
            ),
            Some(c),
            None,
        )
        .await;
    assert_eq!(cancel.status, StatusCode::OK, "{}", cancel.body);
    assert_eq!(cancel.body["status"], "active");
    assert_eq!(cancel.body["refund_amount"], 700);
    assert_eq!(cancel.body["refund_status"], "success");
    assert_eq!(cancel.body["currency"], "INR");
    assert_eq!(h.balance(c, "INR").await, before);
    let tx = h
        .get(
            &format!("/api/v1/Account/{}/transactions?limit=1", c.auth_id),
            c,
        )
        .await;
    assert_eq!(tx.body["transactions"][0]["reference_type"], "refund");
    let again = h
        .call(
            Method::POST,
            &format!(
                "/api/v1/account/{}/numbers/{}/cancel-release",
                c.auth_id,
                enc(&e164)
            ),
            Some(c),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);

    // Release again and let the window pass: quarantined, not cancellable, not in inventory.
    let r = h
        .call(
            Method::DELETE,
            &format!("/api/v1/Account/{}/numbers/{}", c.auth_id, enc(&e164)),
            Some(c),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    h.advance(DAY + 60).await;
    let late = h
        .call(
            Method::POST,
            &format!(
                "/api/v1/account/{}/numbers/{}/cancel-release",
                c.auth_id,
                enc(&e164)
            ),
            Some(c),
            None,
        )
        .await;
    assert_eq!(late.status, StatusCode::FORBIDDEN, "{}", late.body);
    assert!(!h
        .numbers(c)
        .await
        .iter()
        .any(|n| n["e164"] == e164.as_str()));
    let inv = h
        .get(
            &format!(
                "/api/v1/Account/{}/inventory/numbers?search={}",
                c.auth_id,
                &e164[1..]
            ),
            c,
        )
        .await;
    assert_eq!(inv.body["total"], 0, "quarantined numbers are not for sale");
    h.advance(45 * DAY).await;
    let inv = h
        .get(
            &format!(
                "/api/v1/Account/{}/inventory/numbers?search={}",
                c.auth_id,
                &e164[1..]
            ),
            c,
        )
        .await;
    assert_eq!(inv.body["total"], 1, "back in inventory after quarantine");
    h.assert_invariants().await;
}

#[tokio::test]
async fn immediate_release_and_ownership_errors() {
    let h = Harness::new(16);
    let c = &h.demo.customers[0];
    let other = &h.demo.customers[1];
    let theirs = h.numbers(other).await[0]["e164"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = h
        .call(
            Method::DELETE,
            &format!("/api/v1/Account/{}/numbers/{}", c.auth_id, enc(&theirs)),
            Some(c),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.body,
        json!({"error": "forbidden", "message": "account does not own this number"})
    );
    let inv = h.inventory_number(c, "IN").await;
    let r = h
        .call(
            Method::DELETE,
            &format!(
                "/api/v1/Account/{}/numbers/{}",
                c.auth_id,
                enc(inv["e164"].as_str().unwrap())
            ),
            Some(c),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let mine = h.numbers(c).await[0]["e164"].as_str().unwrap().to_owned();
    let r = h
        .call(
            Method::DELETE,
            &format!(
                "/api/v1/Account/{}/numbers/{}?immediate=true",
                c.auth_id, mine
            ),
            Some(c),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "released");
    let cancel = h
        .call(
            Method::POST,
            &format!(
                "/api/v1/account/{}/numbers/{}/cancel-release",
                c.auth_id,
                enc(&mine)
            ),
            Some(c),
            None,
        )
        .await;
    assert_ne!(cancel.status, StatusCode::OK);
    assert!(!h
        .numbers(c)
        .await
        .iter()
        .any(|n| n["e164"] == mine.as_str()));
    h.assert_invariants().await;
}

#[tokio::test]
async fn unassign_honours_the_15_day_cool_off() {
    let h = Harness::new(17);
    let pool = &h.demo.pool_account;
    let sub = &h.demo.sub_accounts[1];
    // A pool DID the parent still holds.
    let free = h
        .numbers(pool)
        .await
        .into_iter()
        .find(|n| n["account_id"] == pool.auth_id.as_str())
        .unwrap();
    let e164 = free["e164"].as_str().unwrap().to_owned();
    let assign = format!(
        "/api/v1/account/{}/numbers/{}/assign-subaccount",
        pool.auth_id,
        enc(&e164)
    );
    let r = h
        .call(
            Method::POST,
            &assign,
            Some(pool),
            Some(json!({"sub_account_id": sub.auth_id})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(h
        .numbers(pool)
        .await
        .iter()
        .any(|n| n["e164"] == e164.as_str() && n["account_id"] == sub.auth_id.as_str()));
    let r = h
        .call(
            Method::POST,
            &assign,
            Some(pool),
            Some(json!({"sub_account_id": "SA_NOPE0000"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Never called: unassign is immediate. Assign again, record a call, then it is blocked.
    assert_eq!(
        h.call(Method::DELETE, &assign, Some(pool), None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        h.call(
            Method::POST,
            &assign,
            Some(pool),
            Some(json!({"sub_account_id": sub.auth_id}))
        )
        .await
        .status,
        StatusCode::OK
    );
    let call = h
        .control(
            Method::POST,
            &format!("/numbers/{}/calls", enc(&e164)),
            None,
        )
        .await;
    assert_eq!(call.status, StatusCode::OK);
    let last_call =
        chrono::DateTime::parse_from_rfc3339(call.body["last_call_at"].as_str().unwrap()).unwrap();
    h.advance(2 * DAY).await;
    let r = h.call(Method::DELETE, &assign, Some(pool), None).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.body["error"], "did_cool_off_in_effect");
    let until =
        chrono::DateTime::parse_from_rfc3339(r.body["cool_off_until"].as_str().unwrap()).unwrap();
    assert_eq!(until, last_call + chrono::Duration::days(15));
    let remaining = r.body["cool_off_remaining_seconds"].as_i64().unwrap();
    assert!(
        (13 * DAY - 5..=13 * DAY).contains(&remaining),
        "{remaining}"
    );
    // The sub-account still holds it.
    assert!(h
        .numbers(sub)
        .await
        .iter()
        .any(|n| n["e164"] == e164.as_str()));

    // A sub-account cannot manage assignment; a non-admin cannot force.
    let own = format!(
        "/api/v1/account/{}/numbers/{}/assign-subaccount",
        sub.auth_id,
        enc(&e164)
    );
    assert_eq!(
        h.call(Method::DELETE, &own, Some(sub), None).await.status,
        StatusCode::FORBIDDEN
    );

    h.advance(13 * DAY + 10).await;
    let r = h.call(Method::DELETE, &assign, Some(pool), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(h
        .numbers(pool)
        .await
        .iter()
        .any(|n| n["e164"] == e164.as_str() && n["account_id"] == pool.auth_id.as_str()));
    h.assert_invariants().await;
}

#[tokio::test]
async fn force_unassign_needs_admin_role() {
    let h = Harness::new(18);
    let pool = &h.demo.pool_account;
    let held = h
        .numbers(pool)
        .await
        .into_iter()
        .find(|n| n["account_id"] != pool.auth_id.as_str())
        .unwrap();
    let e164 = held["e164"].as_str().unwrap().to_owned();
    h.control(
        Method::POST,
        &format!("/numbers/{}/calls", enc(&e164)),
        None,
    )
    .await;
    let path = format!(
        "/api/v1/account/{}/numbers/{}/assign-subaccount",
        pool.auth_id,
        enc(&e164)
    );
    assert_eq!(
        h.call(Method::DELETE, &path, Some(pool), None).await.status,
        StatusCode::CONFLICT
    );
    let forced = h
        .call(
            Method::DELETE,
            &format!("{path}?force=true"),
            Some(pool),
            None,
        )
        .await;
    assert_eq!(forced.status, StatusCode::OK, "{}", forced.body);
    let state = h.control(Method::GET, "/state", None).await;
    assert!(state.body["assignment_audit"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["e164"] == e164.as_str()));

    // A customer (role user) with its own sub-account cannot force.
    let c = &h.demo.customers[0];
    let created = h
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{}/sub-accounts/", c.auth_id),
            Some(c),
            Some(json!({"name": "Desk"})),
        )
        .await;
    let sa = created.body["sub_account"]["auth_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mine = h.numbers(c).await[0]["e164"].as_str().unwrap().to_owned();
    let path = format!(
        "/api/v1/account/{}/numbers/{}/assign-subaccount",
        c.auth_id,
        enc(&mine)
    );
    assert_eq!(
        h.call(
            Method::POST,
            &path,
            Some(c),
            Some(json!({"sub_account_id": sa}))
        )
        .await
        .status,
        StatusCode::OK
    );
    h.control(
        Method::POST,
        &format!("/numbers/{}/calls", enc(&mine)),
        None,
    )
    .await;
    assert_eq!(
        h.call(Method::DELETE, &format!("{path}?force=true"), Some(c), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        h.call(Method::DELETE, &path, Some(c), None).await.status,
        StatusCode::CONFLICT
    );
}

#[tokio::test]
async fn casing_rules_are_strict_where_documented() {
    let h = Harness::new(19);
    let pool = &h.demo.pool_account;
    let e164 = h.numbers(pool).await[0]["e164"]
        .as_str()
        .unwrap()
        .to_owned();
    // assign-subaccount, cancel-release and health only exist in lower case.
    let upper = format!(
        "/api/v1/Account/{}/numbers/{}/health",
        pool.auth_id,
        enc(&e164)
    );
    assert_eq!(h.get(&upper, pool).await.status, StatusCode::NOT_FOUND);
    let health = h
        .get(
            &format!(
                "/api/v1/account/{}/numbers/{}/health?days=30",
                pool.auth_id,
                enc(&e164)
            ),
            pool,
        )
        .await;
    assert_eq!(health.status, StatusCode::OK, "{}", health.body);
    assert_eq!(health.body["e164"], e164.as_str());
    assert_eq!(health.body["summary"]["period_days"], 30);
    // Sub-account list needs the trailing slash.
    assert_eq!(
        h.get(
            &format!("/api/v1/accounts/{}/sub-accounts", pool.auth_id),
            pool
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        h.get(
            &format!("/api/v1/accounts/{}/sub-accounts/", pool.auth_id),
            pool
        )
        .await
        .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn balance_and_transactions_paging() {
    let h = Harness::new(20);
    let c = &h.demo.customers[0];
    let b = h
        .get(&format!("/api/v1/Account/{}/balance/INR", c.auth_id), c)
        .await;
    assert_eq!(b.status, StatusCode::OK);
    assert!(b.body["balance"].is_number() && b.body["available_balance"].is_number());
    assert_eq!(b.body["currency"], "INR");
    assert_eq!(
        h.get(&format!("/api/v1/Account/{}/balance/USD", c.auth_id), c)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let all = h
        .get(&format!("/api/v1/Account/{}/transactions", c.auth_id), c)
        .await;
    assert_eq!(all.body["per_page"], 50);
    let total = all.body["total"].as_u64().unwrap();
    assert!(total >= 3);
    let page = h
        .get(
            &format!(
                "/api/v1/Account/{}/transactions?limit=2&offset=2",
                c.auth_id
            ),
            c,
        )
        .await;
    assert_eq!(page.body["page"], 2);
    assert_eq!(page.body["per_page"], 2);
    assert_eq!(page.body["total_pages"], total.div_ceil(2));
    assert_eq!(
        page.body["transactions"][0]["id"],
        all.body["transactions"][2]["id"]
    );
    assert_eq!(
        h.get(
            &format!("/api/v1/Account/{}/transactions?limit=101", c.auth_id),
            c
        )
        .await
        .status,
        StatusCode::BAD_REQUEST
    );
    // Credits minus debits is the balance.
    let sum = &all.body["summary"];
    assert_eq!(dec(&sum["net_amount"]), dec(&b.body["balance"]));
}

#[tokio::test]
async fn sub_account_crud() {
    let h = Harness::new(21);
    let pool = &h.demo.pool_account;
    let base = format!("/api/v1/accounts/{}/sub-accounts/", pool.auth_id);
    let list = h.get(&base, pool).await;
    assert_eq!(list.body["total"], h.demo.sub_accounts.len());
    assert!(list.body.get("size").is_some());
    let bad = h
        .call(
            Method::POST,
            &base,
            Some(pool),
            Some(json!({"name": "KYC", "kyc_mode": "customer_use"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let r = h
        .call(
            Method::POST,
            &base,
            Some(pool),
            Some(json!({"name": "Night shift", "rate_limit": 50})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["message"], "Sub-account created successfully");
    let sa = r.body["auth_credentials"]["auth_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = r.body["auth_credentials"]["auth_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(r.body["sub_account"]["auth_token"], token.as_str());
    assert_eq!(
        r.body["sub_account"]["parent_auth_id"],
        pool.auth_id.as_str()
    );
    assert_eq!(r.body["tokens"]["token_type"], "bearer");
    let created = r.body["sub_account"]["created"].as_str().unwrap();
    assert_eq!(created.len(), 10, "date-only");
    let creds = DemoCredentials {
        auth_id: sa.clone(),
        auth_token: token,
        name: "Night shift".into(),
    };
    assert_eq!(
        h.get(&format!("/api/v1/Account/{sa}/numbers"), &creds)
            .await
            .status,
        StatusCode::OK
    );

    let one = h.get(&format!("{base}{sa}"), pool).await;
    assert_eq!(one.body["auth_token"], "<redacted>");
    assert_eq!(one.body["rate_limit"], 50);
    let up = h
        .call(
            Method::PUT,
            &format!("{base}{sa}"),
            Some(pool),
            Some(json!({"name": "Night", "enabled": false})),
        )
        .await;
    assert_eq!(up.status, StatusCode::OK);
    assert_eq!(up.body["name"], "Night");
    assert_eq!(up.body["enabled"], false);
    assert_eq!(
        h.get(&format!("/api/v1/Account/{sa}/numbers"), &creds)
            .await
            .status,
        StatusCode::FORBIDDEN,
        "disabled"
    );
    let promote = h
        .call(
            Method::PUT,
            &format!("{base}{sa}"),
            Some(pool),
            Some(json!({"kyc_mode": "customer_use"})),
        )
        .await;
    assert_eq!(promote.status, StatusCode::BAD_REQUEST);

    // A sub-account holding numbers cannot be deleted.
    let holder = &h.demo.sub_accounts[0];
    assert_eq!(
        h.call(
            Method::DELETE,
            &format!("{base}{}", holder.auth_id),
            Some(pool),
            None
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    let del = h
        .call(Method::DELETE, &format!("{base}{sa}"), Some(pool), None)
        .await;
    assert_eq!(del.status, StatusCode::OK);
    assert_eq!(
        h.get(&format!("{base}{sa}"), pool).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        h.get(&format!("/api/v1/Account/{sa}/numbers"), &creds)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // Another main account cannot see the pool's sub-accounts.
    let c = &h.demo.customers[0];
    assert_eq!(
        h.get(
            &format!(
                "/api/v1/accounts/{}/sub-accounts/{}",
                c.auth_id, holder.auth_id
            ),
            c
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn renewals_charge_or_block_when_the_clock_passes() {
    let h = Harness::new(22);
    let c = &h.demo.customers[0];
    let numbers = h.numbers(c).await;
    let soonest = numbers
        .iter()
        .min_by_key(|n| n["next_billing_date"].as_str().unwrap().to_owned())
        .unwrap();
    let due = chrono::DateTime::parse_from_rfc3339(soonest["next_billing_date"].as_str().unwrap())
        .unwrap();
    let now = chrono::Utc::now();
    let before = h.balance(c, "INR").await;
    h.advance((due.with_timezone(&chrono::Utc) - now).num_seconds() + 60)
        .await;
    let after = h.balance(c, "INR").await;
    let renewed = h
        .numbers(c)
        .await
        .into_iter()
        .find(|n| n["e164"] == soonest["e164"])
        .unwrap();
    let fee = dec(&soonest["monthly_fee"]);
    if before >= fee {
        assert!(after <= before - fee, "the due renewal was charged");
        assert_ne!(renewed["next_billing_date"], soonest["next_billing_date"]);
    } else {
        assert_eq!(renewed["status"], "blocked");
    }
    h.assert_invariants().await;
}

#[tokio::test]
async fn immediate_release_answer_has_no_cooldown_or_cancel_url() {
    let h = Harness::new(18);
    let c = &h.demo.customers[0];
    let mine: Vec<String> = h
        .numbers(c)
        .await
        .iter()
        .map(|n| n["e164"].as_str().unwrap().to_owned())
        .collect();
    assert!(mine.len() >= 2, "the customer holds two numbers");
    let release = |e164: &str, query: &str| {
        format!("/api/v1/Account/{}/numbers/{}{query}", c.auth_id, enc(e164))
    };

    let r = h
        .call(
            Method::DELETE,
            &release(&mine[0], "?immediate=true"),
            Some(c),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "released");
    assert_eq!(r.body["release_fee"], 700);
    let answer = r.body.as_object().unwrap();
    assert!(
        !answer.contains_key("cooldown_ends_at"),
        "an immediate release has no cooldown: {}",
        r.body
    );
    assert!(
        !answer.contains_key("cancel_url"),
        "an immediate release is not cancellable: {}",
        r.body
    );
    assert!(answer["quarantine_ends_at"].is_string(), "{}", r.body);

    // The default release keeps both.
    let r = h
        .call(Method::DELETE, &release(&mine[1], ""), Some(c), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["status"], "pending_release");
    assert!(r.body["cooldown_ends_at"].is_string(), "{}", r.body);
    assert!(r.body["cancel_url"]
        .as_str()
        .is_some_and(|u| u.ends_with("/cancel-release")));
    h.assert_invariants().await;
}
