//! Giving a customer a number and the onboarding steps, against the sandbox: purchases are
//! exactly once, refused in plain words when they cannot happen, and reconciled when their
//! answer is lost; pool numbers are assigned to sub-accounts.

mod common;

use app::error::AppError;
use app::server::customer_users;
use app::server::purchases::{self, InventoryFilters, PurchaseState};
use common::world::World;
use vobiz::client::Credentials;

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

async fn for_sale(w: &World, customer: &str) -> String {
    let (rows, total, _) = purchases::inventory(
        &w.state,
        &w.owner,
        customer,
        &InventoryFilters {
            country: Some("IN".into()),
            page: 1,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(total > 0 && !rows.is_empty());
    rows[0].e164.clone()
}

async fn owner_at_vobiz(w: &World, e164: &str) -> Option<String> {
    let state = w.control("GET", "/state", serde_json::Value::Null).await;
    state["numbers"][e164]["owner"].as_str().map(str::to_owned)
}

#[tokio::test]
async fn a_number_is_bought_into_the_customers_account_once_per_confirmation() {
    let w = World::new("acme").await;
    let c = w.demo.customers[0].auth_id.clone();
    let e164 = for_sale(&w, &c).await;
    let before = w.customer_balance(&c).await;
    let q = purchases::quote(&w.state, &w.owner, &c, &e164)
        .await
        .unwrap();
    assert_eq!(q.cost, q.number.setup_fee + q.number.monthly_fee);
    assert_eq!(q.wallet_balance, Some(before));
    let k = q.idempotency_key.to_string();
    let actor = w.actor();
    let (a, b) = tokio::join!(
        purchases::purchase(&w.state, &w.owner, &actor, &c, &e164, &k),
        purchases::purchase(&w.state, &w.owner, &actor, &c, &e164, &k),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.id, b.id, "both posts are the same purchase");
    // One post bought it; the other may have seen it under way. Posting again shows the end.
    assert!(
        [&a.state, &b.state].contains(&&PurchaseState::Completed),
        "{a:?} {b:?}"
    );
    let again = purchases::purchase(&w.state, &w.owner, &actor, &c, &e164, &k)
        .await
        .unwrap();
    assert_eq!((again.id, again.state), (a.id, PurchaseState::Completed));
    assert_eq!(owner_at_vobiz(&w, &e164).await.as_deref(), Some(c.as_str()));
    assert_eq!(
        w.customer_balance(&c).await,
        before - q.cost,
        "debited once, from the customer's wallet"
    );
    let audited = w.audit("number.purchase").await;
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].0, "ok");
    assert_eq!(audited[0].1["customer"], c);
    assert_eq!(audited[0].1["idempotency_key"], k);
    // The customer's credentials were fetched once from the partner API and sealed.
    let pool = w.app.pool().await;
    let mut tx = app::server::db::begin_for(&pool, w.tenant).await.unwrap();
    let source: String =
        sqlx::query_scalar("SELECT source FROM vobiz_account_credentials WHERE auth_id = $1")
            .bind(&c)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(source, "fetched");
    // A token sealed under a key that is no longer configured is fetched and sealed again.
    let mut tx = app::server::db::begin_for(&pool, w.tenant).await.unwrap();
    sqlx::query("UPDATE vobiz_account_credentials SET key_id = 'k-retired' WHERE auth_id = $1")
        .bind(&c)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let conn = app::server::upstream::connection(&w.state, w.tenant)
        .await
        .unwrap();
    let again = app::server::accounts::customer_credentials(&w.state, &conn, w.tenant, &c)
        .await
        .unwrap();
    assert_eq!(again.auth_id, c);
    let mut tx = app::server::db::begin_for(&pool, w.tenant).await.unwrap();
    let key: String =
        sqlx::query_scalar("SELECT key_id FROM vobiz_account_credentials WHERE auth_id = $1")
            .bind(&c)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    tx.commit().await.unwrap();
    assert_ne!(key, "k-retired");
    w.assert_invariants().await;
}

#[tokio::test]
async fn two_colleagues_buying_the_same_number_at_once_buy_it_once() {
    let w = World::new("acme").await;
    let c = w.demo.customers[0].auth_id.clone();
    let e164 = for_sale(&w, &c).await;
    let operator = w.staff("operator").await;
    let before = w.customer_balance(&c).await;
    let (actor, theirs) = (w.actor(), operator.actor(None, None));
    let (k1, k2) = (key(), key());
    let (a, b) = tokio::join!(
        purchases::purchase(&w.state, &w.owner, &actor, &c, &e164, &k1),
        purchases::purchase(&w.state, &operator, &theirs, &c, &e164, &k2),
    );
    let results = [a, b];
    let bought = results
        .iter()
        .filter(|r| matches!(r, Ok(p) if p.state == PurchaseState::Completed))
        .count();
    assert_eq!(bought, 1, "{results:?}");
    assert!(
        results.iter().any(|r| match r {
            Err(AppError::Invalid(m)) =>
                m.contains("right now") || m.contains("not in the inventory"),
            Ok(p) => matches!(p.state, PurchaseState::Failed(_)),
            _ => false,
        }),
        "{results:?}"
    );
    let q = w.customer_balance(&c).await;
    assert!(
        before - q <= rust_decimal::Decimal::from(600),
        "charged for one number only"
    );
    assert_eq!(
        w.audit("number.purchase").await.len(),
        2,
        "both attempts are audited"
    );
    w.assert_invariants().await;
}

#[tokio::test]
async fn short_balance_and_numbers_gone_from_inventory_are_refused_in_plain_words() {
    let w = World::new("acme").await;
    // Karan Singh has 35 INR: not enough for any number.
    let poor = w.demo.customers[7].auth_id.clone();
    let e164 = for_sale(&w, &poor).await;
    let before = w.customer_balance(&poor).await;
    match purchases::purchase(&w.state, &w.owner, &w.actor(), &poor, &e164, &key()).await {
        Err(AppError::Invalid(m)) => assert!(m.contains("Fund the wallet"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(w.customer_balance(&poor).await, before);
    assert_eq!(owner_at_vobiz(&w, &e164).await, None, "still in inventory");
    // Vobiz itself refusing for balance (its documented 500), e.g. after the portal's check.
    let rich = w.demo.customers[0].auth_id.clone();
    w.fault(serde_json::json!({ "route": "purchase-from-inventory", "kind": "fail", "status": 500, "times": 1,
        "body": { "error": "internal server error", "message": "failed to purchase number from provider" } })).await;
    let p = purchases::purchase(&w.state, &w.owner, &w.actor(), &rich, &e164, &key())
        .await
        .unwrap();
    match &p.state {
        PurchaseState::Failed(m) => assert!(m.contains("does not cover"), "{m}"),
        other => panic!("{other:?}"),
    }
    // A number bought by someone else meanwhile.
    let pool = Credentials::new(
        &w.demo.pool_account.auth_id,
        &w.demo.pool_account.auth_token,
    );
    w.client()
        .account(&pool)
        .purchase_from_inventory(&vobiz::client::PurchaseRequest {
            e164: e164.clone(),
            currency: None,
        })
        .await
        .unwrap();
    match purchases::purchase(&w.state, &w.owner, &w.actor(), &rich, &e164, &key()).await {
        Err(AppError::Invalid(m)) => assert!(m.contains("not in the inventory"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(w
        .audit("number.purchase")
        .await
        .iter()
        .any(|(o, _)| o == "denied"));
    w.assert_invariants().await;
}

#[tokio::test]
async fn a_purchase_whose_answer_is_lost_is_reconciled_from_the_accounts_numbers() {
    let w = World::new("acme").await;
    let c = w.demo.customers[0].auth_id.clone();
    let e164 = for_sale(&w, &c).await;
    let before = w.customer_balance(&c).await;
    w.fault(serde_json::json!({ "route": "purchase-from-inventory", "kind": "drop", "commit": true, "times": 1 })).await;
    let k = key();
    let p = purchases::purchase(&w.state, &w.owner, &w.actor(), &c, &e164, &k)
        .await
        .unwrap();
    assert!(
        matches!(p.state, PurchaseState::Unknown(_)),
        "{:?}",
        p.state
    );
    // Another confirmation for the same number is refused while this one is open.
    assert!(matches!(
        purchases::purchase(&w.state, &w.owner, &w.actor(), &c, &e164, &key()).await,
        Err(AppError::Invalid(_))
    ));
    assert_eq!(
        purchases::reconcile_open(&w.state, w.tenant).await.unwrap(),
        1
    );
    let settled = purchases::purchase(&w.state, &w.owner, &w.actor(), &c, &e164, &k)
        .await
        .unwrap();
    assert_eq!(settled.state, PurchaseState::Completed);
    let cost = before - w.customer_balance(&c).await;
    assert!(
        cost > rust_decimal::Decimal::ZERO && cost <= rust_decimal::Decimal::from(600),
        "charged once: {cost}"
    );
    assert_eq!(w.audit("number.purchase_reconcile").await[0].0, "ok");
    w.assert_invariants().await;
}

#[tokio::test]
async fn sub_accounts_get_pool_numbers_and_onboarding_follows_the_real_state() {
    let w = World::new("acme").await;
    let id = app::server::customers::create_sub_account(
        &w.state,
        &w.owner,
        &w.actor(),
        app::server::customers::SubAccountForm {
            name: "Night shift".into(),
            email: "".into(),
            kyc_mode: "personal_use".into(),
            business_type: "individual".into(),
        },
    )
    .await
    .unwrap();
    let o = customer_users::onboarding(&w.state, &w.owner, &id)
        .await
        .unwrap();
    let done: Vec<bool> = o.steps.iter().map(|s| s.done).collect();
    assert_eq!(
        done,
        [true, true, false, false, false],
        "created; billed to the pool"
    );

    let free = purchases::pool_free_numbers(&w.state, &w.owner)
        .await
        .unwrap();
    let e164 = free
        .iter()
        .find(|n| n.application_id.is_some())
        .expect("a routed pool number")
        .e164
        .clone();
    purchases::assign(&w.state, &w.owner, &w.actor(), &id, &e164)
        .await
        .unwrap();
    assert_eq!(
        owner_at_vobiz(&w, &e164).await.as_deref(),
        Some(id.as_str())
    );
    // Assigned numbers are no longer free, and assigning again is refused in words.
    assert!(!purchases::pool_free_numbers(&w.state, &w.owner)
        .await
        .unwrap()
        .iter()
        .any(|n| n.e164 == e164));
    let viewer = w.staff("viewer").await;
    assert!(matches!(
        purchases::assign(&w.state, &viewer, &viewer.actor(None, None), &id, &e164).await,
        Err(AppError::Forbidden)
    ));

    let email = app::domain::identity::Email::parse("night@shift.example").unwrap();
    let invited = customer_users::invite(&w.state, &w.owner, &w.actor(), &id, &email)
        .await
        .unwrap();
    assert_eq!(invited.email, "night@shift.example");
    let o = customer_users::onboarding(&w.state, &w.owner, &id)
        .await
        .unwrap();
    assert!(o.steps.iter().all(|s| s.done), "{:?}", o.steps);
    assert!(customer_users::open_onboardings(&w.state.pool, w.tenant)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(w.audit("number.assign").await[0].0, "ok");
    assert_eq!(w.audit("customer.invite_user").await.len(), 1);
    // The same email cannot be invited twice.
    assert!(matches!(
        customer_users::invite(&w.state, &w.owner, &w.actor(), &id, &email).await,
        Err(AppError::Invalid(_))
    ));
}
