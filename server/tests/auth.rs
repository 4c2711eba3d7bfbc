//! Signing in and out through HTTP, as a browser does it.

mod common;

use common::{spawn_app, PASSWORD};
use reqwest::StatusCode;

#[tokio::test]
async fn protected_pages_send_anonymous_visitors_to_sign_in_and_back() {
    let app = spawn_app().await;
    let res = app.get("/customers?page=2").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()["location"],
        "/login?next=%2Fcustomers%3Fpage%3D2"
    );
    let res = app.get("/login").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("Sign in"));
}

#[tokio::test]
async fn signing_in_sets_a_fresh_http_only_session_cookie_and_opens_the_pages() {
    let app = spawn_app().await;
    let (_, email) = app.tenant_with_owner("acme").await;
    // A session that exists before signing in is replaced, not reused.
    let before = app
        .post_form(
            "/api/sign_in",
            &[
                ("email", &email),
                ("password", "wrong password here"),
                ("next", "/"),
            ],
        )
        .await;
    let res = app
        .post_form(
            "/api/sign_in",
            &[
                ("email", &email),
                ("password", PASSWORD),
                ("next", "/numbers"),
            ],
        )
        .await;
    assert_eq!(res.headers()["location"], "/numbers");
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("portal_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    if let Some(old) = before.headers().get("set-cookie") {
        assert_ne!(
            old.to_str().unwrap().split(';').next(),
            cookie.split(';').next(),
            "the id was cycled"
        );
    }
    let page = app.get("/numbers").await;
    assert_eq!(page.status(), StatusCode::OK);
    let me: serde_json::Value = app
        .client
        .post(format!("{}/api/whoami", app.address))
        .header("origin", &app.address)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], email);
    assert_eq!(me["role"], "Owner");
    assert_eq!(me["tenant_name"], "acme telecom");
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer_and_are_recorded() {
    let app = spawn_app().await;
    let (tenant, email) = app.tenant_with_owner("acme").await;
    let wrong = app.sign_in(&email, "not the password at all").await;
    let unknown = app
        .sign_in("nobody@acme.test", "not the password at all")
        .await;
    assert!(
        wrong.starts_with("/login?error=The%20email%20or%20password%20is%20wrong."),
        "{wrong}"
    );
    assert_eq!(
        wrong.split('&').next(),
        unknown.split('&').next(),
        "one message for both, so accounts are not revealed"
    );
    let pool = app.pool().await;
    let mut tx = app::server::db::begin_for(&pool, tenant).await.unwrap();
    let outcomes: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, outcome FROM audit_log WHERE action = 'auth.sign_in' ORDER BY seq",
    )
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    assert_eq!(
        outcomes,
        vec![("auth.sign_in".to_owned(), "failed".to_owned())]
    );
}

#[tokio::test]
async fn repeated_failures_are_throttled_even_with_the_right_password() {
    let app = spawn_app().await;
    let (_, email) = app.tenant_with_owner("acme").await;
    for _ in 0..5 {
        app.sign_in(&email, "not the password at all").await;
    }
    let throttled = app.sign_in(&email, PASSWORD).await;
    assert!(
        throttled.contains("Too%20many%20failed%20sign-ins"),
        "{throttled}"
    );
    assert_eq!(
        app.get("/numbers").await.status(),
        StatusCode::SEE_OTHER,
        "still signed out"
    );
}

#[tokio::test]
async fn sign_out_ends_the_session_and_sign_out_everywhere_ends_all_of_them() {
    let app = spawn_app().await;
    let (_, email) = app.tenant_with_owner("acme").await;
    app.sign_in(&email, PASSWORD).await;
    let res = app.post_form("/api/sign_out", &[]).await;
    assert_eq!(res.headers()["location"], "/login");
    assert_eq!(app.get("/numbers").await.status(), StatusCode::SEE_OTHER);

    // Two browsers signed in; one signs out everywhere.
    app.sign_in(&email, PASSWORD).await;
    let other = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    other
        .post(format!("{}/api/sign_in", app.address))
        .header("origin", &app.address)
        .header("accept", "text/html")
        .form(&[
            ("email", email.as_str()),
            ("password", PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        other
            .get(format!("{}/numbers", app.address))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    app.post_form("/api/sign_out_everywhere", &[]).await;
    assert_eq!(
        other
            .get(format!("{}/numbers", app.address))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.get("/numbers").await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn writes_from_another_origin_or_without_one_are_refused() {
    let app = spawn_app().await;
    let (_, email) = app.tenant_with_owner("acme").await;
    for origin in [Some("https://evil.test"), None] {
        let mut req = app
            .client
            .post(format!("{}/api/sign_in", app.address))
            .form(&[("email", email.as_str()), ("password", PASSWORD)]);
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{origin:?}");
    }
    assert_eq!(
        app.get("/numbers").await.status(),
        StatusCode::SEE_OTHER,
        "not signed in"
    );
}

#[tokio::test]
async fn a_set_password_link_works_through_the_pages() {
    use app::domain::identity::{Email, Slug};
    use secrecy::ExposeSecret;
    let app = spawn_app().await;
    let pool = app.pool().await;
    let created = app::server::tenants::create(
        &pool,
        &Slug::parse("acme").unwrap(),
        "Acme",
        &Email::parse("boss@acme.test").unwrap(),
        &Default::default(),
    )
    .await
    .unwrap();
    let token = created.owner_link.token.expose_secret().to_owned();
    let page = app
        .get(&format!("/accept/{token}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("boss@acme.test"),
        "the page names the account"
    );

    let mismatch = app
        .post_form(
            "/api/set_password",
            &[
                ("token", &token),
                ("password", PASSWORD),
                ("confirm", "something else"),
            ],
        )
        .await;
    assert!(mismatch.headers()["location"]
        .to_str()
        .unwrap()
        .contains("not%20the%20same"));
    let ok = app
        .post_form(
            "/api/set_password",
            &[
                ("token", &token),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(ok.headers()["location"], "/login?password_set=1");
    assert_eq!(app.sign_in("boss@acme.test", PASSWORD).await, "/");
    let reused = app
        .get(&format!("/accept/{token}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(reused.contains("already been used"));
}

#[tokio::test]
async fn the_local_default_has_a_demo_tenant_connected_to_the_sandbox() {
    let app = common::spawn_app_with(&["--demo-tenant", "true"]).await;
    let login = app.demo.clone().expect("a demo login is printed");
    assert_eq!(app.sign_in(&login.email, &login.password).await, "/");
    let pool = app.pool().await;
    let tenant: uuid::Uuid = sqlx::query_scalar("SELECT tenant_id FROM sign_in_lookup($1)")
        .bind(&login.email)
        .fetch_one(&pool)
        .await
        .unwrap();
    let summary = app::server::connections::summary(&pool, tenant)
        .await
        .unwrap()
        .expect("connected");
    assert!(summary.partner_auth_id.starts_with("PA_"));
    assert!(summary.pool_auth_id.unwrap().starts_with("MA_"));
}

#[tokio::test]
async fn many_failures_from_one_address_are_throttled_whatever_the_account() {
    let app = spawn_app().await;
    let (_, email) = app.tenant_with_owner("acme").await;
    // Spread over many accounts, so no single account reaches its own limit.
    for i in 0..20 {
        app.sign_in(&format!("guess{i}@acme.test"), "not the password at all")
            .await;
    }
    let throttled = app.sign_in(&email, PASSWORD).await;
    assert!(
        throttled.contains("Too%20many%20failed%20sign-ins"),
        "{throttled}"
    );
}
