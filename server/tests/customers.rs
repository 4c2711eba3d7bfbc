//! Customers against the sandbox: the mirror and its refresh, creating customer accounts
//! and sub-accounts with every documented refusal, and the walls between tenants.

mod common;

use app::error::AppError;
use app::server::accounts::{self, Kind, ListQuery, Refresh, Sort, Trigger};
use app::server::customers::{self, CreateError, CustomerForm, SubAccountForm};
use common::world::World;
use rust_decimal::Decimal;
use secrecy::SecretString;

fn query() -> ListQuery {
    ListQuery {
        search: None,
        kind: None,
        kyc: None,
        balance_below: None,
        sort: Sort::Name,
        page: 1,
        per_page: 100,
    }
}

async fn refreshed(w: &World) -> usize {
    match accounts::refresh(&w.state, w.tenant, Trigger::Manual, &|_, _| {})
        .await
        .expect("refresh works")
    {
        Refresh::Done(n) => n,
        Refresh::AlreadyRunning => panic!("no other refresh runs in this test"),
    }
}

fn form(email: &str) -> CustomerForm {
    CustomerForm {
        name: "Nisha Patel".into(),
        email: email.into(),
        phone: "+919812345678".into(),
        country: "IN".into(),
        company: "Patel Clinics".into(),
        password: SecretString::from("Clinic#2026".to_owned()),
    }
}

fn refused(result: Result<String, CreateError>) -> customers::FieldError {
    match result {
        Err(CreateError::Refused(f)) => f,
        Err(CreateError::App(e)) => panic!("expected a refusal on the form, got {e:?}"),
        Ok(id) => panic!("expected a refusal, created {id}"),
    }
}

async fn customer_count(w: &World) -> u64 {
    w.client()
        .partner(&w.partner())
        .list_accounts(&Default::default())
        .await
        .unwrap()
        .total
}

#[tokio::test]
async fn the_mirror_lists_customers_and_sub_accounts_with_filters_sorting_and_paging() {
    let w = World::new("acme").await;
    let read = refreshed(&w).await;
    assert_eq!(read, w.demo.customers.len() + w.demo.sub_accounts.len());
    let (all, total) = accounts::list(&w.state.pool, w.tenant, &query())
        .await
        .unwrap();
    assert_eq!(
        total as usize, read,
        "the pool account itself is not a customer"
    );
    assert!(all.iter().all(|a| a.kind != Kind::Pool));
    assert!(all
        .windows(2)
        .all(|p| p[0].name.to_lowercase() <= p[1].name.to_lowercase()));

    let asha = &w.demo.customers[0];
    let (found, n) = accounts::list(
        &w.state.pool,
        w.tenant,
        &ListQuery {
            search: Some("ASHA".into()),
            ..query()
        },
    )
    .await
    .unwrap();
    assert_eq!(n, 1);
    assert_eq!(found[0].auth_id, asha.auth_id);
    assert_eq!(found[0].currency.as_deref(), Some("INR"));
    assert!(found[0].balance.is_some(), "customer wallets are mirrored");

    let (subs, n) = accounts::list(
        &w.state.pool,
        w.tenant,
        &ListQuery {
            kind: Some(Kind::SubAccount),
            ..query()
        },
    )
    .await
    .unwrap();
    assert_eq!(n as usize, w.demo.sub_accounts.len());
    assert!(subs
        .iter()
        .all(|a| a.parent_auth_id.as_deref() == Some(w.demo.pool_account.auth_id.as_str())));

    let (pending, _) = accounts::list(
        &w.state.pool,
        w.tenant,
        &ListQuery {
            kyc: Some("pending".into()),
            ..query()
        },
    )
    .await
    .unwrap();
    assert!(!pending.is_empty());
    assert!(pending
        .iter()
        .all(|a| a.kyc_status.as_deref() == Some("pending")));

    let (low, _) = accounts::list(
        &w.state.pool,
        w.tenant,
        &ListQuery {
            balance_below: Some(Decimal::from(200)),
            sort: Sort::Balance,
            ..query()
        },
    )
    .await
    .unwrap();
    assert!(!low.is_empty());
    assert!(low
        .iter()
        .all(|a| a.kind == Kind::Customer && a.balance.unwrap() < Decimal::from(200)));
    assert!(
        low.windows(2).all(|p| p[0].balance <= p[1].balance),
        "lowest balance first"
    );

    let (page2, total) = accounts::list(
        &w.state.pool,
        w.tenant,
        &ListQuery {
            page: 2,
            per_page: 5,
            ..query()
        },
    )
    .await
    .unwrap();
    assert_eq!(total as usize, read);
    assert_eq!(page2.len(), 5);
    assert_eq!(page2[0].auth_id, all[5].auth_id);

    let status = accounts::sync_status(&w.state.pool, w.tenant)
        .await
        .unwrap();
    assert!(
        status.last_ok_at.is_some(),
        "the list says when it was refreshed"
    );
}

#[tokio::test]
async fn a_refresh_drops_accounts_vobiz_no_longer_lists_and_refreshes_never_overlap() {
    let w = World::new("acme").await;
    let pool = vobiz::client::Credentials::new(
        &w.demo.pool_account.auth_id,
        &w.demo.pool_account.auth_token,
    );
    let gone = w
        .client()
        .account(&pool)
        .create_sub_account(&vobiz::client::CreateSubAccount::named("Temporary desk"))
        .await
        .unwrap()
        .sub_account;
    refreshed(&w).await;
    assert!(accounts::get(&w.state.pool, w.tenant, &gone.auth_id)
        .await
        .unwrap()
        .is_some());
    w.client()
        .account(&pool)
        .delete_sub_account(&gone.auth_id)
        .await
        .unwrap();
    let (a, b) = tokio::join!(
        accounts::refresh(&w.state, w.tenant, Trigger::Manual, &|_, _| {}),
        accounts::refresh(&w.state, w.tenant, Trigger::Schedule, &|_, _| {}),
    );
    let outcomes = [a.unwrap(), b.unwrap()];
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| **o == Refresh::AlreadyRunning)
            .count(),
        1,
        "two refreshes at once: one runs, one steps aside ({outcomes:?})"
    );
    assert!(accounts::get(&w.state.pool, w.tenant, &gone.auth_id)
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn creating_a_customer_account_keeps_its_token_sealed_mirrors_it_and_audits_it() {
    let w = World::new("acme").await;
    let id =
        customers::create_customer(&w.state, &w.owner, &w.actor(), form("nisha@patel.example"))
            .await
            .expect("created");
    assert!(id.starts_with("MA_"));
    let mirrored = accounts::get(&w.state.pool, w.tenant, &id)
        .await
        .unwrap()
        .expect("mirrored at once");
    assert_eq!(mirrored.kind, Kind::Customer);
    assert_eq!(mirrored.currency.as_deref(), Some("INR"));
    assert_eq!(mirrored.kyc_status.as_deref(), Some("pending"));

    // The token Vobiz returned is sealed: the stored bytes are not the token.
    let state = w.control("GET", "/state", serde_json::Value::Null).await;
    let token = state["accounts"][&id]["auth_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let pool = w.app.pool().await;
    let mut tx = app::server::db::begin_for(&pool, w.tenant).await.unwrap();
    let (sealed, mask, source): (Vec<u8>, String, String) = sqlx::query_as(
        "SELECT token, token_mask, source FROM vobiz_account_credentials WHERE auth_id = $1",
    )
    .bind(&id)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(source, "created");
    assert!(!String::from_utf8_lossy(&sealed).contains(&token));
    assert!(!mask.contains(&token));
    let conn = app::server::upstream::connection(&w.state, w.tenant)
        .await
        .unwrap();
    let opened = accounts::customer_credentials(&w.state, &conn, w.tenant, &id)
        .await
        .unwrap();
    use secrecy::ExposeSecret;
    assert_eq!(
        opened.auth_token.expose_secret(),
        token,
        "the vault opens it for calls"
    );

    let audited = w.audit("customer.create").await;
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].0, "ok");
    assert!(
        !audited[0].1.to_string().contains("Clinic#2026"),
        "no password in the audit log"
    );
    let onboarding = app::server::customer_users::open_onboardings(&w.state.pool, w.tenant)
        .await
        .unwrap();
    assert_eq!(onboarding[0].0, id, "an onboarding is under way");
}

#[tokio::test]
async fn bad_input_is_refused_on_its_field_before_anything_is_sent() {
    let w = World::new("acme").await;
    let before = customer_count(&w).await;
    for (field, change) in [
        (
            "phone",
            Box::new(|f: &mut CustomerForm| f.phone = "9812345678".into())
                as Box<dyn Fn(&mut CustomerForm)>,
        ),
        (
            "email",
            Box::new(|f: &mut CustomerForm| f.email = "not-an-email".into()),
        ),
        (
            "country",
            Box::new(|f: &mut CustomerForm| f.country = "XX".into()),
        ),
        (
            "password",
            Box::new(|f: &mut CustomerForm| {
                f.password = SecretString::from("weakpassword".to_owned())
            }),
        ),
        (
            "name",
            Box::new(|f: &mut CustomerForm| f.name = "  ".into()),
        ),
    ] {
        let mut f = form("ok@patel.example");
        change(&mut f);
        let r = refused(customers::create_customer(&w.state, &w.owner, &w.actor(), f).await);
        assert_eq!(r.field, Some(field), "{r:?}");
    }
    assert_eq!(customer_count(&w).await, before, "nothing reached Vobiz");
}

#[tokio::test]
async fn vobiz_refusals_are_mapped_onto_the_form() {
    let w = World::new("acme").await;
    // Duplicate email: on the email field.
    customers::create_customer(&w.state, &w.owner, &w.actor(), form("dup@patel.example"))
        .await
        .unwrap();
    let r = refused(
        customers::create_customer(&w.state, &w.owner, &w.actor(), form("DUP@patel.example")).await,
    );
    assert_eq!(r.field, Some("email"));
    assert!(
        r.message.contains("already has a Vobiz account"),
        "{}",
        r.message
    );

    // max_accounts reached: a message with the limit, and no call.
    let count = customer_count(&w).await;
    w.control(
        "POST",
        "/partner",
        serde_json::json!({ "max_accounts": count }),
    )
    .await;
    let r = refused(
        customers::create_customer(&w.state, &w.owner, &w.actor(), form("max@patel.example")).await,
    );
    assert_eq!(r.field, None);
    assert!(
        r.message
            .contains(&format!("limit of {count} customer accounts")),
        "{}",
        r.message
    );

    // The partner may not create accounts at all.
    w.control(
        "POST",
        "/partner",
        serde_json::json!({ "max_accounts": 500, "can_create_accounts": false }),
    )
    .await;
    let r = refused(
        customers::create_customer(&w.state, &w.owner, &w.actor(), form("flag@patel.example"))
            .await,
    );
    assert!(
        r.message
            .contains("does not let this partner account create"),
        "{}",
        r.message
    );

    // A 422 Vobiz gives for a field (injected): on that field, in plain words.
    w.control(
        "POST",
        "/partner",
        serde_json::json!({ "can_create_accounts": true }),
    )
    .await;
    w.fault(serde_json::json!({
        "route": "create-account", "kind": "fail", "status": 422, "times": 1,
        "body": { "error": "validation_error", "field": "phone", "message": "phone number is not reachable" },
    }))
    .await;
    let r = refused(
        customers::create_customer(&w.state, &w.owner, &w.actor(), form("f@patel.example")).await,
    );
    assert_eq!(r.field, Some("phone"));
    assert!(r.message.contains("phone number is not reachable"));

    // Vobiz failing: plain words, nothing created, audited as failed.
    w.fault(
        serde_json::json!({ "route": "create-account", "kind": "fail", "status": 503, "times": 1 }),
    )
    .await;
    let r = refused(
        customers::create_customer(&w.state, &w.owner, &w.actor(), form("down@patel.example"))
            .await,
    );
    assert!(r.message.contains("Vobiz"), "{}", r.message);
    let outcomes: Vec<String> = w
        .audit("customer.create")
        .await
        .into_iter()
        .map(|(o, _)| o)
        .collect();
    assert!(
        outcomes.contains(&"denied".to_owned())
            && outcomes.iter().filter(|o| *o != "ok").count() >= 4,
        "{outcomes:?}"
    );
}

#[tokio::test]
async fn sub_accounts_are_created_under_the_pool_with_their_kyc_mode() {
    let w = World::new("acme").await;
    let r = match customers::create_sub_account(
        &w.state,
        &w.owner,
        &w.actor(),
        SubAccountForm {
            name: "Front desk".into(),
            email: "".into(),
            kyc_mode: "customer_use".into(),
            business_type: "llp".into(),
        },
    )
    .await
    {
        Err(CreateError::Refused(f)) => f,
        other => panic!("customer use needs an email: {other:?}"),
    };
    assert_eq!(r.field, Some("email"));
    let id = customers::create_sub_account(
        &w.state,
        &w.owner,
        &w.actor(),
        SubAccountForm {
            name: "Front desk".into(),
            email: "desk@patel.example".into(),
            kyc_mode: "customer_use".into(),
            business_type: "llp".into(),
        },
    )
    .await
    .unwrap();
    assert!(id.starts_with("SA_"));
    let a = accounts::get(&w.state.pool, w.tenant, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.kind, Kind::SubAccount);
    assert_eq!(a.kyc_mode.as_deref(), Some("customer_use"));
    assert_eq!(
        a.parent_auth_id.as_deref(),
        Some(w.demo.pool_account.auth_id.as_str())
    );
    let pool = vobiz::client::Credentials::new(
        &w.demo.pool_account.auth_id,
        &w.demo.pool_account.auth_token,
    );
    let at_vobiz = w
        .client()
        .account(&pool)
        .get_sub_account(&id)
        .await
        .unwrap();
    assert_eq!(at_vobiz.name, "Front desk");
}

#[tokio::test]
async fn viewers_cannot_create_and_another_tenants_customers_are_not_found() {
    let w = World::new("acme").await;
    refreshed(&w).await;
    let viewer = w.staff("viewer").await;
    match customers::create_customer(&w.state, &viewer, &w.actor(), form("v@patel.example")).await {
        Err(CreateError::App(AppError::Forbidden)) => {}
        other => panic!("viewers may not create customers: {other:?}"),
    }
    // A second tenant on the same portal, connected to a sandbox of its own.
    let (other, email) = w.app.tenant_with_owner("globex").await;
    let other_owner = common::as_user(&w.app, other, &email).await;
    let asha = &w.demo.customers[0].auth_id;
    // Globex has no Vobiz connection of its own and cannot see Acme's mirror.
    let (rows, total) = accounts::list(&w.state.pool, other, &query())
        .await
        .unwrap();
    assert!(rows.is_empty() && total == 0);
    match accounts::find_customer(&w.state, other_owner.tenant_id, asha).await {
        Err(AppError::Invalid(m)) => assert!(m.contains("not connected"), "{m}"),
        Err(AppError::NotFound(_)) => {}
        other => panic!("another tenant's customer must stay hidden: {other:?}"),
    }
    // Ids that are not customer ids are not found, without a call.
    for bad in ["../../partner/me", "PA_X", &w.demo.pool_account.auth_id] {
        assert!(
            matches!(
                accounts::find_customer(&w.state, w.tenant, bad).await,
                Err(AppError::NotFound(_))
            ),
            "{bad}"
        );
    }
}
