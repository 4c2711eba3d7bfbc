//! The foundation: health, readiness, pages, errors, headers and the status function.

mod common;

use common::spawn_app;
use reqwest::StatusCode;

#[tokio::test]
async fn healthz_answers_ok_with_a_request_id() {
    let app = spawn_app().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), StatusCode::OK);
    let id = res
        .headers()
        .get("x-request-id")
        .expect("request id")
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(id.len(), 36, "a uuid request id: {id}");
    assert_eq!(res.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn readyz_reports_the_database_ready() {
    let app = spawn_app().await;
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ready");
}

#[tokio::test]
async fn status_page_renders_on_the_server_with_version_database_and_upstream() {
    let app = spawn_app().await;
    let res = app.get("/status").await;
    assert_eq!(res.status(), StatusCode::OK);
    let csp = res
        .headers()
        .get("content-security-policy")
        .expect("csp")
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    let html = res.text().await.unwrap();
    assert!(html.contains(env!("CARGO_PKG_VERSION")), "version shown");
    assert!(html.contains("Connected"), "database state shown");
    assert!(html.contains("Sandbox (demo data)"), "upstream mode shown");
    // Every inline script carries the nonce the CSP allows.
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("the page CSP names a nonce");
    let scripts = html.matches("<script").count();
    assert!(scripts > 0, "the page loads its hydration script");
    assert_eq!(
        html.matches(&format!("nonce=\"{nonce}\"")).count(),
        scripts,
        "every script has the nonce"
    );
    assert!(!csp.contains("unsafe-inline"));
}

#[tokio::test]
async fn status_function_reports_database_and_sandbox_upstream() {
    let app = spawn_app().await;
    let res = app
        .client
        .post(format!("{}/api/status", app.address))
        .header("origin", &app.address)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let report: serde_json::Value = res.json().await.unwrap();
    assert_eq!(report["database"]["reachable"], true);
    assert!(report["database"]["server_version"]
        .as_str()
        .unwrap()
        .starts_with("PostgreSQL"));
    assert!(report["database"]["migrations_applied"].as_i64().unwrap() >= 1);
    assert_eq!(report["upstream"]["mode"], "sandbox");
    assert!(report["upstream"]["base_url"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:"));
    assert_eq!(report["key"]["source"], "development (generated)");
}

#[tokio::test]
async fn the_sandbox_upstream_answers_with_the_demo_world() {
    let app = spawn_app().await;
    let report: serde_json::Value = app
        .post_form("/api/status", &[])
        .await
        .json()
        .await
        .unwrap();
    let base = report["upstream"]["base_url"].as_str().unwrap();
    // Without credentials the sandbox refuses, as Vobiz does.
    let res = reqwest::get(format!("{base}/api/v1/partner/me"))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn unknown_pages_are_a_real_404_page() {
    let app = spawn_app().await;
    let res = app.get("/no/such/page").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let html = res.text().await.unwrap();
    assert!(html.contains("Page not found"));
    assert!(html.contains("Go to the start page"));
}

#[tokio::test]
async fn every_area_of_the_navigation_answers_with_its_page() {
    let app = spawn_app().await;
    let (_, email) = app.tenant_with_owner("acme").await;
    assert_eq!(app.sign_in(&email, common::PASSWORD).await, "/");
    for (path, heading) in [
        ("/dashboard", ">Dashboard<"),
        ("/customers", ">Customers<"),
        ("/numbers", ">Numbers<"),
        ("/transfers", ">Transfers<"),
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let html = res.text().await.unwrap();
        assert!(html.contains(heading), "{path}");
    }
    // Without a Vobiz connection the dashboard says how to make one.
    let html = app.get("/dashboard").await.text().await.unwrap();
    assert!(html.contains("not connected to Vobiz yet"));
}

#[tokio::test]
async fn every_test_gets_a_fresh_migrated_database() {
    use sqlx::ConnectOptions;
    let app = spawn_app().await;
    let mut conn = app.db.connect().await.unwrap();
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM tower_sessions.session")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(sessions, 0);
}
