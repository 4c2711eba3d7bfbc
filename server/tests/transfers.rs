//! Wallet transfers against the sandbox: confirmation figures, exactly-once sending under
//! double submits, every refusal before the call, and lost answers that end reconciled with
//! no money lost or doubled.

mod common;

use app::error::AppError;
use app::server::transfers::{self, State};
use common::world::World;
use rust_decimal::Decimal;
use std::str::FromStr;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// An Indian customer of the demo world (same currency as the partner).
fn customer(w: &World) -> String {
    w.demo.customers[1].auth_id.clone()
}

#[tokio::test]
async fn a_confirmed_transfer_moves_the_money_once_and_is_audited() {
    let w = World::new("acme").await;
    let c = customer(&w);
    let (partner0, customer0) = (w.partner_balance().await, w.customer_balance(&c).await);
    let p = transfers::preview(&w.state, &w.owner, &c, "1,500.50", "December top-up")
        .await
        .unwrap();
    assert_eq!(p.amount, d("1500.5"));
    assert_eq!(p.partner_balance, partner0);
    assert_eq!(p.customer_balance, customer0);
    assert_eq!(p.currency, "INR");

    let k = p.idempotency_key.to_string();
    let t = transfers::execute(
        &w.state,
        &w.owner,
        &w.actor(),
        &c,
        "1500.50",
        "December top-up",
        &k,
    )
    .await
    .unwrap();
    assert_eq!(t.state, State::Completed);
    assert!(t
        .vobiz_transaction_id
        .as_deref()
        .is_some_and(|id| id.starts_with("txn_")));
    assert_eq!(t.customer_balance_after, Some(customer0 + d("1500.5")));
    assert_eq!(w.partner_balance().await, partner0 - d("1500.5"));
    assert_eq!(w.customer_balance(&c).await, customer0 + d("1500.5"));

    // The customer's ledger carries the note and the reference.
    let ledger = w
        .client()
        .partner(&w.partner())
        .customer_transactions(&c, &Default::default())
        .await
        .unwrap();
    assert!(ledger.transactions.iter().any(|e| e
        .description
        .as_deref()
        .is_some_and(|s| s.contains("December top-up") && s.contains(&t.marker))));

    let audited = w.audit("wallet.transfer").await;
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].0, "ok");
    assert_eq!(audited[0].1["idempotency_key"], k);
    assert_eq!(audited[0].1["amount"], "1500.5");
    w.assert_invariants().await;
}

#[tokio::test]
async fn a_double_submitted_confirmation_is_one_transfer() {
    let w = World::new("acme").await;
    let c = customer(&w);
    let partner0 = w.partner_balance().await;
    let k = key();
    // Two posts of the same confirmation at the same moment, then a third one later.
    let actor = w.actor();
    let (a, b) = tokio::join!(
        transfers::execute(&w.state, &w.owner, &actor, &c, "700", "", &k),
        transfers::execute(&w.state, &w.owner, &actor, &c, "700", "", &k),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.id, b.id, "both posts are the same transfer");
    let c3 = transfers::execute(&w.state, &w.owner, &w.actor(), &c, "700", "", &k)
        .await
        .unwrap();
    assert_eq!(c3.id, a.id);
    assert_eq!(c3.state, State::Completed);
    assert_eq!(
        w.partner_balance().await,
        partner0 - d("700"),
        "exactly one debit"
    );
    assert_eq!(
        w.audit("wallet.transfer").await.len(),
        1,
        "one attempt was made"
    );
    // The key cannot be reused for something else.
    let other = transfers::execute(&w.state, &w.owner, &w.actor(), &c, "900", "", &k).await;
    assert!(matches!(other, Err(AppError::Invalid(_))));
    assert_eq!(w.partner_balance().await, partner0 - d("700"));
}

#[tokio::test]
async fn bad_amounts_and_impossible_transfers_are_refused_without_calling_vobiz() {
    let w = World::new("acme").await;
    let c = customer(&w);
    let partner0 = w.partner_balance().await;
    for amount in ["0", "-5", "abc", "12.345", "1e3", ""] {
        let r = transfers::execute(&w.state, &w.owner, &w.actor(), &c, amount, "", &key()).await;
        assert!(
            matches!(r, Err(AppError::Invalid(ref m)) if m.starts_with("Amount")),
            "{amount}: {r:?}"
        );
    }
    // More than the partner holds.
    let too_much = (partner0.trunc() + Decimal::ONE).to_string();
    match transfers::execute(&w.state, &w.owner, &w.actor(), &c, &too_much, "", &key()).await {
        Err(AppError::Invalid(m)) => assert!(m.contains("partner wallet holds"), "{m}"),
        other => panic!("{other:?}"),
    }
    // A US customer's wallet is in USD; the partner's in INR.
    let us = &w.demo.customers[10].auth_id;
    match transfers::execute(&w.state, &w.owner, &w.actor(), us, "10", "", &key()).await {
        Err(AppError::Invalid(m)) => assert!(m.contains("does not convert"), "{m}"),
        other => panic!("{other:?}"),
    }
    // Sub-accounts have no wallet.
    let sub = &w.demo.sub_accounts[0].auth_id;
    assert!(matches!(
        transfers::execute(&w.state, &w.owner, &w.actor(), sub, "10", "", &key()).await,
        Err(AppError::Invalid(_))
    ));
    // The partner may not transfer.
    w.control(
        "POST",
        "/partner",
        serde_json::json!({ "can_transfer_balance": false }),
    )
    .await;
    match transfers::execute(&w.state, &w.owner, &w.actor(), &c, "10", "", &key()).await {
        Err(AppError::Invalid(m)) => assert!(m.contains("does not let this partner"), "{m}"),
        other => panic!("{other:?}"),
    }
    // Operators and viewers may not move money.
    for role in ["operator", "viewer"] {
        let who = w.staff(role).await;
        assert!(matches!(
            transfers::execute(&w.state, &who, &who.actor(None, None), &c, "10", "", &key()).await,
            Err(AppError::Forbidden)
        ));
    }
    assert_eq!(w.partner_balance().await, partner0, "no money moved");
    let pool = w.app.pool().await;
    let mut tx = app::server::db::begin_for(&pool, w.tenant).await.unwrap();
    let intents: i64 = sqlx::query_scalar("SELECT count(*) FROM wallet_transfers")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(intents, 0, "refusals record no intent");
    assert!(w
        .audit("wallet.transfer")
        .await
        .iter()
        .all(|(o, _)| o == "denied"));
}

#[tokio::test]
async fn a_transfer_whose_answer_is_lost_after_it_happened_is_reconciled_as_completed() {
    let w = World::new("acme").await;
    let c = customer(&w);
    let (partner0, customer0) = (w.partner_balance().await, w.customer_balance(&c).await);
    w.fault(serde_json::json!({ "route": "transfer-balance", "kind": "drop", "commit": true, "times": 1 })).await;
    let k = key();
    let t = transfers::execute(&w.state, &w.owner, &w.actor(), &c, "250", "lost answer", &k)
        .await
        .unwrap();
    assert_eq!(
        t.state,
        State::Unknown,
        "the answer was lost: {:?}",
        t.error
    );
    // Posting the confirmation again does not send it again.
    let again = transfers::execute(&w.state, &w.owner, &w.actor(), &c, "250", "lost answer", &k)
        .await
        .unwrap();
    assert_eq!((again.id, again.state), (t.id, State::Unknown));
    assert_eq!(
        w.partner_balance().await,
        partner0 - d("250"),
        "it did happen, once"
    );

    let settled = transfers::reconcile(&w.state, w.tenant, t.id, &w.actor())
        .await
        .unwrap();
    assert_eq!(settled.state, State::Completed);
    assert!(settled.vobiz_transaction_id.is_some());
    assert_eq!(w.customer_balance(&c).await, customer0 + d("250"));
    assert_eq!(
        w.partner_balance().await,
        partner0 - d("250"),
        "never doubled"
    );
    let outcomes: Vec<String> = w
        .audit("wallet.transfer")
        .await
        .into_iter()
        .map(|(o, _)| o)
        .collect();
    assert_eq!(outcomes, ["unknown"]);
    assert_eq!(w.audit("wallet.transfer_reconcile").await[0].0, "ok");
    w.assert_invariants().await;
}

#[tokio::test]
async fn a_transfer_that_never_happened_is_reconciled_as_failed_and_can_be_sent_again() {
    let w = World::new("acme").await;
    let c = customer(&w);
    let partner0 = w.partner_balance().await;
    w.fault(serde_json::json!({ "route": "transfer-balance", "kind": "drop", "commit": false, "times": 1 })).await;
    let t = transfers::execute(&w.state, &w.owner, &w.actor(), &c, "300", "", &key())
        .await
        .unwrap();
    assert_eq!(t.state, State::Unknown);
    // The background round settles it.
    assert_eq!(
        transfers::reconcile_open(&w.state, w.tenant).await.unwrap(),
        1
    );
    let settled = transfers::get(&w.state.pool, w.tenant, t.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(settled.state, State::Failed);
    assert_eq!(
        w.partner_balance().await,
        partner0,
        "no money moved, none lost"
    );
    // A new confirmation sends it for real.
    let retry = transfers::execute(&w.state, &w.owner, &w.actor(), &c, "300", "", &key())
        .await
        .unwrap();
    assert_eq!(retry.state, State::Completed);
    assert_eq!(w.partner_balance().await, partner0 - d("300"));
    w.assert_invariants().await;
}

#[tokio::test]
async fn a_server_error_after_the_money_moved_and_a_timeout_are_unknown_until_checked() {
    let w = World::new("acme").await;
    let c = customer(&w);
    let partner0 = w.partner_balance().await;
    w.fault(serde_json::json!({ "route": "transfer-balance", "kind": "commit_then_fail", "status": 502, "times": 1 })).await;
    let t1 = transfers::execute(&w.state, &w.owner, &w.actor(), &c, "100", "", &key())
        .await
        .unwrap();
    assert_eq!(t1.state, State::Unknown);
    // The answer arrives after the portal stopped waiting (2 s).
    w.fault(serde_json::json!({ "route": "transfer-balance", "kind": "commit_then_delay", "ms": 4000, "times": 1 })).await;
    let t2 = transfers::execute(&w.state, &w.owner, &w.actor(), &c, "50", "", &key())
        .await
        .unwrap();
    assert_eq!(t2.state, State::Unknown);
    // A plain refusal is a failure, not unknown.
    w.fault(
        serde_json::json!({ "route": "transfer-balance", "kind": "fail", "status": 404, "times": 1,
        "body": { "error": "not found", "message": "customer account not found" } }),
    )
    .await;
    let t3 = transfers::execute(&w.state, &w.owner, &w.actor(), &c, "10", "", &key())
        .await
        .unwrap();
    assert_eq!(t3.state, State::Failed);
    assert!(t3.error.as_deref().unwrap().contains("could not find"));

    assert_eq!(
        transfers::reconcile_open(&w.state, w.tenant).await.unwrap(),
        2
    );
    for t in [&t1, &t2] {
        let s = transfers::get(&w.state.pool, w.tenant, t.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(s.state, State::Completed, "{:?}", s.error);
    }
    assert_eq!(w.partner_balance().await, partner0 - d("150"));
    w.assert_invariants().await;
}

#[tokio::test]
async fn a_recent_pending_transfer_is_left_alone_and_an_old_one_is_settled() {
    let w = World::new("acme").await;
    let c = customer(&w);
    // An intent whose process stopped before Vobiz answered (never sent).
    let pool = w.app.pool().await;
    let id = uuid::Uuid::new_v4();
    let mut tx = app::server::db::begin_for(&pool, w.tenant).await.unwrap();
    sqlx::query(
        "INSERT INTO wallet_transfers (id, tenant_id, idempotency_key, customer_auth_id, amount, currency, marker, state, created_at)
         VALUES ($1, $2, $3, $4, 10, 'INR', 'TR-CRASHED0000000', 'pending', now())",
    )
    .bind(id)
    .bind(w.tenant)
    .bind(uuid::Uuid::new_v4())
    .bind(&c)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let t = transfers::reconcile(&w.state, w.tenant, id, &w.actor())
        .await
        .unwrap();
    assert_eq!(t.state, State::Pending, "it may still be on its way");
    let mut tx = app::server::db::begin_for(&pool, w.tenant).await.unwrap();
    sqlx::query(
        "UPDATE wallet_transfers SET created_at = now() - interval '10 minutes' WHERE id = $1",
    )
    .bind(id)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        transfers::reconcile_open(&w.state, w.tenant).await.unwrap(),
        1
    );
    assert_eq!(
        transfers::get(&w.state.pool, w.tenant, id)
            .await
            .unwrap()
            .unwrap()
            .state,
        State::Failed
    );
}
