//! Numbers against the sandbox: the mirror's sync and oversight filters, the cool-off and its
//! override, release and cancel, bulk actions and buying into the pool, all audited.

mod common;

use app::error::AppError;
use app::server::accounts::{self, Refresh, Trigger};
use app::server::numbers::{self, Filters, Released, UnassignError};
use app::server::purchases::{self, PurchaseState};
use common::world::World;
use vobiz::client::Credentials;

async fn synced(w: &World) -> usize {
    accounts::refresh(&w.state, w.tenant, Trigger::Manual, &|_, _| {})
        .await
        .unwrap();
    match numbers::sync(&w.state, w.tenant, Trigger::Manual, &|_, _| {})
        .await
        .unwrap()
    {
        Refresh::Done(n) => n,
        Refresh::AlreadyRunning => panic!("no other sync runs here"),
    }
}

async fn world_state(w: &World) -> serde_json::Value {
    w.control("GET", "/state", serde_json::Value::Null).await
}

/// Numbers held by sub-accounts, with their last call (if any), from the sandbox's state.
async fn sub_account_numbers(w: &World) -> Vec<(String, Option<String>)> {
    let state = world_state(w).await;
    let subs: Vec<&str> = w
        .demo
        .sub_accounts
        .iter()
        .map(|s| s.auth_id.as_str())
        .collect();
    state["numbers"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, n)| n["owner"].as_str().is_some_and(|o| subs.contains(&o)))
        .map(|(e, n)| (e.clone(), n["last_call_at"].as_str().map(str::to_owned)))
        .collect()
}

fn recent(at: &Option<String>) -> bool {
    at.as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .is_some_and(|t| {
            chrono::Utc::now() - t.with_timezone(&chrono::Utc) < chrono::Duration::days(14)
        })
}

#[tokio::test]
async fn the_sync_mirrors_every_held_number_and_the_filters_find_what_needs_attention() {
    let w = World::new("acme").await;
    let held = synced(&w).await;
    let state = world_state(&w).await;
    let owned = state["numbers"]
        .as_object()
        .unwrap()
        .values()
        .filter(|n| !n["owner"].is_null())
        .count();
    assert_eq!(held, owned, "every number held at Vobiz is in the mirror");
    let all = Filters::default();
    let (rows, total) = numbers::list(&w.state.pool, w.tenant, &all, 1, 50)
        .await
        .unwrap();
    assert_eq!(total as usize, owned);
    assert_eq!(rows.len(), 50);

    let sub = &w.demo.sub_accounts[0].auth_id;
    let (of_sub, _) = numbers::list(
        &w.state.pool,
        w.tenant,
        &Filters {
            customer: Some(sub.clone()),
            ..all.clone()
        },
        1,
        100,
    )
    .await
    .unwrap();
    assert!(!of_sub.is_empty());
    assert!(
        of_sub
            .iter()
            .all(|n| &n.owner_auth_id == sub && n.billing_auth_id == w.demo.pool_account.auth_id),
        "sub-accounts are billed to the pool"
    );

    let (no_app, _) = numbers::list(
        &w.state.pool,
        w.tenant,
        &Filters {
            no_application: true,
            ..all.clone()
        },
        1,
        500,
    )
    .await
    .unwrap();
    assert!(!no_app.is_empty() && no_app.iter().all(|n| n.application_id.is_none()));
    let (aadhaar, _) = numbers::list(
        &w.state.pool,
        w.tenant,
        &Filters {
            aadhaar_pending: true,
            ..all.clone()
        },
        1,
        500,
    )
    .await
    .unwrap();
    assert!(
        !aadhaar.is_empty()
            && aadhaar
                .iter()
                .all(|n| n.aadhaar_required && !n.aadhaar_verified)
    );
    let (renewing, _) = numbers::list(
        &w.state.pool,
        w.tenant,
        &Filters {
            renewing_within_days: Some(14),
            ..all.clone()
        },
        1,
        500,
    )
    .await
    .unwrap();
    assert!(!renewing.is_empty());
    assert!(renewing
        .iter()
        .all(|n| n.next_billing_date.unwrap() <= chrono::Utc::now() + chrono::Duration::days(14)));
    // Karan Singh (35 INR) has numbers; those renewing within 14 days are at risk.
    let (risk, _) = numbers::list(
        &w.state.pool,
        w.tenant,
        &Filters {
            at_risk: true,
            ..all.clone()
        },
        1,
        500,
    )
    .await
    .unwrap();
    assert!(risk.iter().all(|n| n.at_risk));
    let (india, _) = numbers::list(
        &w.state.pool,
        w.tenant,
        &Filters {
            country: Some("IN".into()),
            region: Some("karna".into()),
            ..all.clone()
        },
        1,
        500,
    )
    .await
    .unwrap();
    assert!(
        !india.is_empty()
            && india
                .iter()
                .all(|n| n.region.as_deref() == Some("Karnataka"))
    );
    let one = &rows[3].e164;
    let (found, n) = numbers::list(
        &w.state.pool,
        w.tenant,
        &Filters {
            search: Some(one[3..].to_owned()),
            ..all.clone()
        },
        1,
        50,
    )
    .await
    .unwrap();
    assert!(n >= 1 && found.iter().any(|f| &f.e164 == one));

    // A customer with no number shows up among the idle ones.
    let id = app::server::customers::create_sub_account(
        &w.state,
        &w.owner,
        &w.actor(),
        app::server::customers::SubAccountForm {
            name: "Empty desk".into(),
            email: "".into(),
            kyc_mode: "personal_use".into(),
            business_type: "individual".into(),
        },
    )
    .await
    .unwrap();
    assert!(numbers::idle_customers(&w.state.pool, w.tenant)
        .await
        .unwrap()
        .iter()
        .any(|(a, _, _)| a == &id));

    let (csv, rows_out) = numbers::export_csv(
        &w.state.pool,
        w.tenant,
        &Filters {
            no_application: true,
            ..all
        },
    )
    .await
    .unwrap();
    assert_eq!(rows_out, no_app.len());
    let text = String::from_utf8(csv).unwrap();
    assert!(text.starts_with("e164,status,holder"));
    assert!(
        text.contains("'+91"),
        "numbers starting with + are kept from running as formulas"
    );
}

#[tokio::test]
async fn syncs_never_overlap_and_numbers_released_elsewhere_leave_the_mirror() {
    let w = World::new("acme").await;
    synced(&w).await;
    let state = world_state(&w).await;
    let (e164, _) = state["numbers"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, n)| n["owner"].as_str() == Some(w.demo.pool_account.auth_id.as_str()))
        .unwrap();
    let pool = Credentials::new(
        &w.demo.pool_account.auth_id,
        &w.demo.pool_account.auth_token,
    );
    w.client()
        .account(&pool)
        .release_number(e164, true)
        .await
        .unwrap();
    let (a, b) = tokio::join!(
        numbers::sync(&w.state, w.tenant, Trigger::Manual, &|_, _| {}),
        numbers::sync(&w.state, w.tenant, Trigger::Schedule, &|_, _| {}),
    );
    let outcomes = [a.unwrap(), b.unwrap()];
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| **o == Refresh::AlreadyRunning)
            .count(),
        1,
        "{outcomes:?}"
    );
    assert!(numbers::get(&w.state.pool, w.tenant, e164)
        .await
        .unwrap()
        .is_none());
    let status = accounts::run_status(&w.state.pool, w.tenant, "numbers")
        .await
        .unwrap();
    assert!(status.last_ok_at.is_some());
}

#[tokio::test]
async fn the_cool_off_is_reported_with_its_end_and_only_an_admin_with_a_reason_overrides_it() {
    let w = World::new("acme").await;
    synced(&w).await;
    let subs = sub_account_numbers(&w).await;
    let (busy, _) = subs
        .iter()
        .find(|(_, at)| recent(at))
        .expect("a recently used sub-account number")
        .clone();
    let (idle, _) = subs
        .iter()
        .find(|(_, at)| at.is_none())
        .expect("a never used sub-account number")
        .clone();

    match numbers::unassign(&w.state, &w.owner, &w.actor(), &busy, false, "").await {
        Err(UnassignError::CoolOff {
            until,
            remaining_seconds,
        }) => {
            assert!(until > chrono::Utc::now() && remaining_seconds > 0);
            let n = numbers::get(&w.state.pool, w.tenant, &busy)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                n.cool_off_until.map(|u| u.timestamp()),
                Some(until.timestamp()),
                "the mirror remembers it"
            );
        }
        other => panic!("expected the cool-off: {other:?}"),
    }
    let operator = w.staff("operator").await;
    assert!(
        matches!(
            numbers::unassign(
                &w.state,
                &operator,
                &operator.actor(None, None),
                &busy,
                true,
                "customer left, number needed back"
            )
            .await,
            Err(UnassignError::App(AppError::Forbidden))
        ),
        "operators may not force"
    );
    let admin = w.staff("admin").await;
    assert!(
        matches!(
            numbers::unassign(
                &w.state,
                &admin,
                &admin.actor(None, None),
                &busy,
                true,
                "because"
            )
            .await,
            Err(UnassignError::App(AppError::Invalid(_)))
        ),
        "a reason is needed"
    );
    numbers::unassign(
        &w.state,
        &admin,
        &admin.actor(None, None),
        &busy,
        true,
        "customer left, number needed back",
    )
    .await
    .unwrap();
    let n = numbers::get(&w.state.pool, w.tenant, &busy)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(n.owner_auth_id, w.demo.pool_account.auth_id);
    let state = world_state(&w).await;
    assert_eq!(
        state["numbers"][&busy]["owner"],
        w.demo.pool_account.auth_id.as_str()
    );

    // A never-used number leaves at once; a number used 16 days ago too (sandbox clock).
    numbers::unassign(
        &w.state,
        &operator,
        &operator.actor(None, None),
        &idle,
        false,
        "",
    )
    .await
    .unwrap();
    let (other, _) = subs
        .iter()
        .filter(|(e, _)| e != &busy && e != &idle)
        .find(|(_, at)| recent(at))
        .unwrap()
        .clone();
    w.control(
        "POST",
        "/clock/advance",
        serde_json::json!({ "seconds": 16 * 86_400 }),
    )
    .await;
    numbers::unassign(
        &w.state,
        &operator,
        &operator.actor(None, None),
        &other,
        false,
        "",
    )
    .await
    .unwrap();

    let audited = w.audit("number.unassign").await;
    let outcomes: Vec<&str> = audited.iter().map(|(o, _)| o.as_str()).collect();
    assert_eq!(outcomes, ["failed", "ok", "ok", "ok"]);
    assert_eq!(audited[0].1["cool_off_until"].is_string(), true);
    assert_eq!(audited[1].1["force"], true);
    assert_eq!(audited[1].1["reason"], "customer left, number needed back");
}

#[tokio::test]
async fn a_release_can_be_cancelled_in_its_window_and_an_immediate_one_leaves_the_mirror() {
    let w = World::new("acme").await;
    synced(&w).await;
    let c = w.demo.customers[0].auth_id.clone();
    let (mine, _) = numbers::list(
        &w.state.pool,
        w.tenant,
        &Filters {
            customer: Some(c.clone()),
            status: Some("active".into()),
            ..Default::default()
        },
        1,
        10,
    )
    .await
    .unwrap();
    assert!(mine.len() >= 2);
    let (first, second) = (mine[0].e164.clone(), mine[1].e164.clone());
    let before = w.customer_balance(&c).await;
    let terms = numbers::release_terms(&w.state, &w.owner, &first)
        .await
        .unwrap();
    assert_eq!(
        terms.fee,
        Some(rust_decimal::Decimal::from(700)),
        "the customer's tier release fee"
    );
    match numbers::release(&w.state, &w.owner, &w.actor(), &first, false)
        .await
        .unwrap()
    {
        Released::Pending { until, fee } => {
            assert!(until.unwrap() > chrono::Utc::now());
            assert_eq!(fee, Some(rust_decimal::Decimal::from(700)));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        numbers::get(&w.state.pool, w.tenant, &first)
            .await
            .unwrap()
            .unwrap()
            .status,
        "pending_release"
    );
    assert!(matches!(
        numbers::release(&w.state, &w.owner, &w.actor(), &first, false).await,
        Err(AppError::Invalid(_))
    ));
    assert_eq!(
        w.customer_balance(&c).await,
        before - rust_decimal::Decimal::from(700)
    );
    let refund = numbers::cancel_release(&w.state, &w.owner, &w.actor(), &first)
        .await
        .unwrap();
    assert_eq!(refund, Some(rust_decimal::Decimal::from(700)));
    assert_eq!(w.customer_balance(&c).await, before, "refunded");
    assert_eq!(
        numbers::get(&w.state.pool, w.tenant, &first)
            .await
            .unwrap()
            .unwrap()
            .status,
        "active"
    );

    assert!(matches!(
        numbers::release(&w.state, &w.owner, &w.actor(), &second, true)
            .await
            .unwrap(),
        Released::Done { .. }
    ));
    assert!(numbers::get(&w.state.pool, w.tenant, &second)
        .await
        .unwrap()
        .is_none());
    let viewer = w.staff("viewer").await;
    assert!(matches!(
        numbers::release(&w.state, &viewer, &viewer.actor(None, None), &first, false).await,
        Err(AppError::Forbidden)
    ));
    let actions: Vec<String> = ["number.release", "number.cancel_release"]
        .iter()
        .map(|a| a.to_string())
        .collect();
    assert_eq!(w.audit(&actions[0]).await.len(), 2);
    assert_eq!(w.audit(&actions[1]).await[0].0, "ok");
    w.assert_invariants().await;
}

#[tokio::test]
async fn bulk_unassign_reports_and_audits_each_number_on_its_own() {
    let w = World::new("acme").await;
    synced(&w).await;
    let subs = sub_account_numbers(&w).await;
    let busy = subs.iter().find(|(_, at)| recent(at)).unwrap().0.clone();
    let idle = subs.iter().find(|(_, at)| at.is_none()).unwrap().0.clone();
    let out = numbers::bulk(
        &w.state,
        &w.owner,
        &w.actor(),
        "unassign",
        &[busy.clone(), idle.clone(), idle.clone()],
    )
    .await
    .unwrap();
    assert_eq!(out.len(), 2, "duplicates are acted on once");
    let of = |e: &str| out.iter().find(|o| o.e164 == e).unwrap().result.clone();
    assert!(of(&busy).unwrap_err().contains("cool-off until"));
    assert_eq!(of(&idle).unwrap(), "back in the pool");
    assert_eq!(w.audit("number.unassign").await.len(), 2);
    assert!(matches!(
        numbers::bulk(&w.state, &w.owner, &w.actor(), "unassign", &[]).await,
        Err(AppError::Invalid(_))
    ));
    assert!(matches!(
        numbers::bulk(&w.state, &w.owner, &w.actor(), "delete", &[idle]).await,
        Err(AppError::Invalid(_))
    ));
}

#[tokio::test]
async fn a_number_bought_into_the_pool_is_mirrored_at_once_and_can_be_assigned() {
    let w = World::new("acme").await;
    synced(&w).await;
    let (rows, _, _) = purchases::inventory(
        &w.state,
        &w.owner,
        "pool",
        &purchases::InventoryFilters {
            country: Some("IN".into()),
            page: 1,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let e164 = rows[0].e164.clone();
    let q = purchases::quote(&w.state, &w.owner, "pool", &e164)
        .await
        .unwrap();
    assert_eq!(q.paid_by, "the pool account's wallet");
    let p = purchases::purchase(
        &w.state,
        &w.owner,
        &w.actor(),
        "pool",
        &e164,
        &q.idempotency_key.to_string(),
    )
    .await
    .unwrap();
    assert_eq!(p.state, PurchaseState::Completed);
    let n = numbers::get(&w.state.pool, w.tenant, &e164)
        .await
        .unwrap()
        .expect("mirrored from the answer");
    assert_eq!(n.owner_auth_id, w.demo.pool_account.auth_id);
    let (free, _) = numbers::list(
        &w.state.pool,
        w.tenant,
        &Filters {
            pool_free: true,
            ..Default::default()
        },
        1,
        500,
    )
    .await
    .unwrap();
    assert!(free.iter().any(|f| f.e164 == e164));
    let sub = w.demo.sub_accounts[1].auth_id.clone();
    purchases::assign(&w.state, &w.owner, &w.actor(), &sub, &e164)
        .await
        .unwrap();
    assert_eq!(
        numbers::get(&w.state.pool, w.tenant, &e164)
            .await
            .unwrap()
            .unwrap()
            .owner_auth_id,
        sub
    );
}
