//! The customer pages over HTTP, as a browser without JavaScript uses them: a staff member
//! creates a customer and funds it (a repeated post is one transfer), invites its user, and
//! that user sees their own account and nothing else, whatever ids they send.

mod common;

use common::{spawn_app_with, TestApp, PASSWORD};
use reqwest::StatusCode;
use vobiz::client::{Client, Credentials};
use vobiz::sandbox::{Sandbox, SandboxConfig};

/// The demo world the portal's built-in sandbox serves (its default seed).
fn demo() -> vobiz::sandbox::DemoWorld {
    Sandbox::new(SandboxConfig::demo(42)).demo()
}

async fn sandbox_url(app: &TestApp) -> String {
    let pool = app.pool().await;
    let tenant: uuid::Uuid = sqlx::query_scalar("SELECT connected_tenants()")
        .fetch_one(&pool)
        .await
        .unwrap();
    app::server::connections::summary(&pool, tenant)
        .await
        .unwrap()
        .unwrap()
        .base_url
}

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

fn query_value(location: &str, key: &str) -> Option<String> {
    let url = url::Url::parse(&format!("http://x{location}")).ok()?;
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

async fn browser(app: &TestApp) -> reqwest::Client {
    let _ = app;
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn staff_provision_a_customer_who_then_sees_only_their_own_account() {
    let app = spawn_app_with(&["--demo-tenant", "true"]).await;
    let login = app.demo.clone().expect("demo login");
    app.sign_in(&login.email, &login.password).await;
    let world = demo();
    let client = Client::new(&sandbox_url(&app).await, Default::default()).unwrap();
    let partner = Credentials::new(&world.partner.auth_id, &world.partner.auth_token);

    // Create a customer account: the browser lands on its onboarding.
    let res = app
        .post_form(
            "/api/create_customer",
            &[
                ("name", "Ravi Kumar"),
                ("email", "ravi@kumar.example"),
                ("phone", "+919800011122"),
                ("country", "IN"),
                ("company", "Kumar Foods"),
                ("password", "Kumar#Foods1"),
            ],
        )
        .await;
    let to = location(&res);
    assert!(
        to.starts_with("/customers/MA_") && to.contains("/onboarding"),
        "{to}"
    );
    let customer = to.split('/').nth(2).unwrap().to_owned();

    // A bad phone comes back to the form, on its field, with the other values kept.
    let res = app
        .post_form(
            "/api/create_customer",
            &[
                ("name", "X"),
                ("email", "x@y.example"),
                ("phone", "12"),
                ("country", "IN"),
                ("password", "Kumar#Foods1"),
            ],
        )
        .await;
    let back = location(&res);
    assert!(back.starts_with("/customers/new?"), "{back}");
    assert_eq!(query_value(&back, "field").as_deref(), Some("phone"));
    assert_eq!(query_value(&back, "email").as_deref(), Some("x@y.example"));
    assert!(
        !back.contains("Kumar%23Foods1") && !back.contains("Kumar#Foods1"),
        "the password never goes back"
    );

    // Fund it: the same confirmation posted twice is one transfer.
    let before = client.partner(&partner).me().await.unwrap().balance;
    let key = uuid::Uuid::new_v4().to_string();
    let form = [
        ("customer", customer.as_str()),
        ("amount", "1200"),
        ("note", "Opening balance"),
        ("idempotency_key", key.as_str()),
    ];
    let first = location(&app.post_form("/api/send_transfer", &form).await);
    let second = location(&app.post_form("/api/send_transfer", &form).await);
    assert!(first.starts_with("/transfers/"), "{first}");
    assert_eq!(first, second, "one transfer");
    let after = client.partner(&partner).me().await.unwrap().balance;
    assert_eq!(
        before - after,
        rust_decimal::Decimal::from(1200),
        "one debit"
    );
    let page = app.get(&first).await.text().await.unwrap();
    assert!(
        page.contains("Completed"),
        "the transfer page says how it ended"
    );

    // Invite the customer's user: the one-time link comes back once, in the address.
    let res = app
        .post_form(
            "/api/invite_customer_user",
            &[("auth_id", &customer), ("email", "ravi.user@kumar.example")],
        )
        .await;
    let link = query_value(&location(&res), "link").expect("a one-time link");
    let token = link.rsplit('/').next().unwrap().to_owned();
    let res = app
        .post_form(
            "/api/set_password",
            &[
                ("token", &token),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(location(&res), "/login?password_set=1");

    // The customer user signs in in a browser of their own and lands on their own page.
    let theirs = browser(&app).await;
    let res = theirs
        .post(format!("{}/api/sign_in", app.address))
        .header("origin", &app.address)
        .header("accept", "text/html")
        .form(&[
            ("email", "ravi.user@kumar.example"),
            ("password", PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/my");
    let mine: serde_json::Value = theirs
        .post(format!("{}/api/my_account", app.address))
        .header("origin", &app.address)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mine["auth_id"], customer);
    assert_eq!(mine["balance"], "1,200.00 INR");
    let html = theirs
        .get(format!("{}/my", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Ravi Kumar"));

    // Nothing of the partner's business: staff pages send them home, staff functions refuse,
    // and other customers' ids (guessed or real) are refused.
    let res = theirs
        .get(format!("{}/customers", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/my");
    let other = &world.customers[0].auth_id;
    for (path, form) in [
        ("/api/customer_detail", vec![("auth_id", other.as_str())]),
        ("/api/customer_detail", vec![("auth_id", customer.as_str())]),
        ("/api/list_transfers", vec![("open_only", "false")]),
        (
            "/api/transfer_preview",
            vec![("customer", other.as_str()), ("amount", "5"), ("note", "")],
        ),
        (
            "/api/send_transfer",
            vec![
                ("customer", other.as_str()),
                ("amount", "5"),
                ("note", ""),
                ("idempotency_key", &key),
            ],
        ),
    ] {
        let res = theirs
            .post(format!("{}{path}", app.address))
            .header("origin", &app.address)
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let to = location(&res);
        let body = res.text().await.unwrap();
        assert!(
            status == StatusCode::FORBIDDEN || body.contains("Forbidden") || to.contains("error="),
            "{path}: {status} {to} {body}"
        );
        assert!(!body.contains("Asha"), "{path} leaks another customer");
    }
    let export = theirs
        .get(format!("{}/customers/export.csv", app.address))
        .send()
        .await
        .unwrap();
    assert_ne!(export.status(), StatusCode::OK);
    assert_eq!(
        client.partner(&partner).me().await.unwrap().balance,
        after,
        "no money moved"
    );
}

#[tokio::test]
async fn another_tenants_staff_cannot_reach_these_customers_by_id() {
    let app = spawn_app_with(&["--demo-tenant", "true"]).await;
    let world = demo();
    let (_, email) = app.tenant_with_owner("globex").await;
    app.sign_in(&email, PASSWORD).await;
    let theirs = &world.customers[0].auth_id;
    for path in ["/api/customer_detail", "/api/onboarding_status"] {
        let res = app.post_form(path, &[("auth_id", theirs)]).await;
        let body = res.text().await.unwrap();
        assert!(!body.contains("Asha Rao"), "{path}: {body}");
    }
    let res = app
        .post_form(
            "/api/send_transfer",
            &[
                ("customer", theirs),
                ("amount", "5"),
                ("note", ""),
                ("idempotency_key", &uuid::Uuid::new_v4().to_string()),
            ],
        )
        .await;
    let to = location(&res);
    assert!(to.contains("error="), "refused in words: {to}");
    // The demo tenant's mirror and transfers are invisible to Globex.
    let list = app.get("/customers").await.text().await.unwrap();
    assert!(!list.contains("Asha Rao"));
}

#[tokio::test]
async fn exports_and_bulk_actions_work_from_plain_forms_and_links() {
    let app = spawn_app_with(&["--demo-tenant", "true"]).await;
    let login = app.demo.clone().expect("demo login");
    app.sign_in(&login.email, &login.password).await;
    let pool = app.pool().await;
    let tenant: uuid::Uuid = sqlx::query_scalar("SELECT connected_tenants()")
        .fetch_one(&pool)
        .await
        .unwrap();
    // The refresh buttons start the syncs; the mirror fills.
    for path in ["/api/refresh_customers", "/api/sync_numbers"] {
        let to = location(&app.post_form(path, &[]).await);
        assert!(to.contains("notice="), "{path}: {to}");
    }
    let mut held = 0i64;
    for _ in 0..100 {
        let mut tx = app::server::db::begin_for(&pool, tenant).await.unwrap();
        held = sqlx::query_scalar("SELECT count(*) FROM numbers")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        let done: bool =
            sqlx::query_scalar("SELECT count(*) = 2 FROM sync_runs WHERE status = 'ok'")
                .fetch_one(&mut *tx)
                .await
                .unwrap();
        tx.commit().await.unwrap();
        if done {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(held > 0, "numbers mirrored");
    let page = app.get("/numbers").await.text().await.unwrap();
    assert!(page.contains("Last synced from Vobiz"));

    for (path, header) in [
        (
            "/customers/export.csv?kind=customer",
            "account_id,kind,name",
        ),
        ("/numbers/export.csv?no_app=1", "e164,status,holder"),
        ("/dashboard/costs.csv", "paid_by,name,active_numbers"),
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert!(res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".csv"));
        let body = res.text().await.unwrap();
        assert!(body.starts_with(header), "{path}: {body}");
        assert!(body.lines().count() > 1, "{path} has rows");
    }
    let bad = app.get("/numbers/export.csv?renewing=forever").await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    // Two never-used sub-account numbers, unassigned in one bulk post.
    let world = demo();
    let subs: Vec<String> = world
        .sub_accounts
        .iter()
        .map(|s| s.auth_id.clone())
        .collect();
    let mut tx = app::server::db::begin_for(&pool, tenant).await.unwrap();
    let on_subs: Vec<String> =
        sqlx::query_scalar("SELECT e164 FROM numbers WHERE owner_auth_id = ANY($1) ORDER BY e164")
            .bind(&subs)
            .fetch_all(&mut *tx)
            .await
            .unwrap();
    tx.commit().await.unwrap();
    assert!(on_subs.len() >= 2);
    let form = [
        ("action", "unassign"),
        ("e164s[0]", on_subs[0].as_str()),
        ("e164s[3]", on_subs[1].as_str()),
    ];
    let to = location(&app.post_form("/api/bulk_numbers", &form).await);
    assert!(to.starts_with("/numbers?"), "{to}");
    let text = query_value(&to, "notice")
        .or_else(|| query_value(&to, "error"))
        .unwrap();
    assert!(
        text.contains(&on_subs[0]) && text.contains(&on_subs[1]),
        "each number is reported: {text}"
    );
    let mut tx = app::server::db::begin_for(&pool, tenant).await.unwrap();
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'number.unassign'")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(audited, 2, "each is audited on its own");
}
