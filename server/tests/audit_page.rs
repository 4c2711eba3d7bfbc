//! The audit log page: filters, paging, the CSV export, who may read it and the tenant wall.

mod common;

use app::api::audit::AuditFilters;
use app::domain::identity::Email;
use app::domain::policy::Role;
use app::error::AppError;
use app::server::audit::{self, Actor, Entry, Outcome};
use app::server::audit_view::{self, Filters, Paging, Record};
use app::server::{db, links, passwords, staff};
use chrono::{Duration, Utc};
use common::{as_user, spawn_app, TestApp, PASSWORD};
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

/// A browser with its own cookie jar.
struct Browser {
    client: reqwest::Client,
    address: String,
}

impl Browser {
    fn new(app: &TestApp) -> Self {
        Browser {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            address: app.address.clone(),
        }
    }

    async fn sign_in(&self, email: &str) {
        let res = self
            .client
            .post(format!("{}/api/sign_in", self.address))
            .header("origin", &self.address)
            .header("accept", "text/html")
            .form(&[("email", email), ("password", PASSWORD), ("next", "/")])
            .send()
            .await
            .unwrap();
        assert!(res.status().is_redirection(), "{}", res.status());
        let to = res.headers()["location"].to_str().unwrap();
        // Staff land where they asked to go; customer users on their own page.
        assert!(to == "/" || to == "/my", "signed in: {to}");
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap()
    }

    /// Calls `list_audit` as the page's script does; the answer or the error.
    async fn list_audit(&self, form: &[(&str, &str)]) -> Result<serde_json::Value, AppError> {
        let res = self
            .client
            .post(format!("{}/api/list_audit", self.address))
            .header("origin", &self.address)
            .form(form)
            .send()
            .await
            .unwrap();
        let ok = res.status().is_success();
        let body = res.text().await.unwrap();
        if ok {
            Ok(serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}")))
        } else {
            Err(serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}")))
        }
    }
}

/// Adds a staff member with `role` who has set [`PASSWORD`].
async fn colleague(app: &TestApp, tenant: Uuid, owner: &str, email: &str, role: Role) {
    let pool = app.pool().await;
    let by = as_user(app, tenant, owner).await;
    let issued = staff::invite(
        &pool,
        &by,
        &by.actor(None, None),
        &Email::parse(email).unwrap(),
        role,
    )
    .await
    .expect("invited");
    links::redeem(
        &pool,
        issued.link.token.expose_secret(),
        SecretString::from(PASSWORD.to_owned()),
        &Actor::default(),
    )
    .await
    .expect("password set");
}

/// Adds a customer's user (bound to customer account `customer`) with [`PASSWORD`].
async fn customer_user(app: &TestApp, tenant: Uuid, email: &str, customer: &str) {
    let pool = app.pool().await;
    let hash = passwords::hash(SecretString::from(PASSWORD.to_owned())).await;
    let mut tx = db::begin_for(&pool, tenant).await.unwrap();
    sqlx::query(
        "INSERT INTO users (id, tenant_id, email, kind, customer_ref, password_hash)
         VALUES ($1, $2, $3, 'customer', $4, $5)",
    )
    .bind(Uuid::new_v4())
    .bind(tenant)
    .bind(email)
    .bind(customer)
    .bind(hash)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

/// One entry to seed.
struct Seed<'a> {
    email: &'a str,
    role: &'a str,
    action: &'a str,
    target: Option<(&'a str, &'a str)>,
    outcome: Outcome,
    upstream: Option<(i32, &'a str)>,
}

async fn seed(app: &TestApp, tenant: Uuid, s: Seed<'_>) {
    let pool = app.pool().await;
    let actor = Actor {
        email: Some(s.email.to_owned()),
        role: Some(s.role.to_owned()),
        request_id: Some(format!("req-{}", Uuid::new_v4().simple())),
        ..Default::default()
    };
    let mut entry = Entry::new(tenant, &actor, s.action, s.outcome);
    if let Some((kind, id)) = s.target {
        entry = entry.target(kind, id);
    }
    if let Some((status, message)) = s.upstream {
        entry.upstream_status = Some(status);
        entry.upstream_message = Some(message.to_owned());
    }
    audit::record(&pool, &entry).await.unwrap();
}

fn filters(f: impl FnOnce(&mut AuditFilters)) -> AuditFilters {
    let mut raw = AuditFilters::default();
    f(&mut raw);
    raw
}

/// (rows, total) for the filters, first page of 50.
async fn query(app: &TestApp, tenant: Uuid, raw: AuditFilters) -> (Vec<Record>, i64) {
    query_page(app, tenant, raw, 1, None).await
}

async fn query_page(
    app: &TestApp,
    tenant: Uuid,
    raw: AuditFilters,
    page: u32,
    per_page: Option<u32>,
) -> (Vec<Record>, i64) {
    let pool = app.pool().await;
    let parsed = Filters::parse(&raw).expect("filters parse");
    audit_view::list(&pool, tenant, &parsed, Paging::new(page, per_page).unwrap())
        .await
        .unwrap()
}

async fn seed_four(app: &TestApp, tenant: Uuid) {
    for s in [
        Seed {
            email: "nia@acme.test",
            role: "operator",
            action: "staff.invite",
            target: Some(("user", "u-111")),
            outcome: Outcome::Ok,
            upstream: None,
        },
        Seed {
            email: "raj@acme.test",
            role: "admin",
            action: "number.purchase",
            target: Some(("number", "+911234567890")),
            outcome: Outcome::Failed,
            upstream: Some((422, "insufficient balance")),
        },
        Seed {
            email: "raj@acme.test",
            role: "admin",
            action: "number.release",
            target: Some(("number", "+919999000000")),
            outcome: Outcome::Unknown,
            upstream: None,
        },
        Seed {
            email: "nia@acme.test",
            role: "operator",
            action: "auth.sign_in",
            target: None,
            outcome: Outcome::Denied,
            upstream: None,
        },
    ] {
        seed(app, tenant, s).await;
    }
}

#[tokio::test]
async fn each_filter_narrows_the_list() {
    let app = spawn_app().await;
    let (tenant, _) = app.tenant_with_owner("acme").await;
    let (_, before) = query(&app, tenant, AuditFilters::default()).await;
    seed_four(&app, tenant).await;

    let (rows, total) = query(&app, tenant, AuditFilters::default()).await;
    assert_eq!(total, before + 4);
    assert_eq!(rows.len() as i64, total);
    assert_eq!(rows[0].action, "auth.sign_in", "newest first");

    // Actor: part of the email, any case; LIKE wildcards are literal.
    let (rows, total) = query(&app, tenant, filters(|f| f.actor = "RAJ@".into())).await;
    assert_eq!(total, 2);
    assert!(rows
        .iter()
        .all(|r| r.actor_email.as_deref() == Some("raj@acme.test")));
    assert_eq!(
        query(&app, tenant, filters(|f| f.actor = "%".into()))
            .await
            .1,
        0
    );
    assert_eq!(
        query(&app, tenant, filters(|f| f.actor = "r_j".into()))
            .await
            .1,
        0
    );

    // Action: exact, or a prefix ending in a dot.
    let (rows, total) = query(
        &app,
        tenant,
        filters(|f| f.action = "number.purchase".into()),
    )
    .await;
    assert_eq!(total, 1);
    assert_eq!(rows[0].upstream_status, Some(422));
    assert_eq!(
        rows[0].upstream_message.as_deref(),
        Some("insufficient balance")
    );
    assert_eq!(
        query(&app, tenant, filters(|f| f.action = "number.".into()))
            .await
            .1,
        2
    );
    assert_eq!(
        query(&app, tenant, filters(|f| f.action = "number".into()))
            .await
            .1,
        0
    );

    // Target: its kind and part of its id.
    assert_eq!(
        query(&app, tenant, filters(|f| f.target_type = "number".into()))
            .await
            .1,
        2
    );
    let (rows, total) = query(&app, tenant, filters(|f| f.target_id = "12345".into())).await;
    assert_eq!(total, 1);
    assert_eq!(rows[0].target_id.as_deref(), Some("+911234567890"));
    let both = filters(|f| {
        f.target_type = "user".into();
        f.target_id = "111".into();
    });
    assert_eq!(query(&app, tenant, both).await.1, 1);
    let mismatch = filters(|f| {
        f.target_type = "number".into();
        f.target_id = "111".into();
    });
    assert_eq!(query(&app, tenant, mismatch).await.1, 0);

    // Outcome.
    let (rows, total) = query(&app, tenant, filters(|f| f.outcome = "failed".into())).await;
    assert_eq!(total, 1);
    assert_eq!(rows[0].action, "number.purchase");
    assert_eq!(
        query(&app, tenant, filters(|f| f.outcome = "unknown".into()))
            .await
            .1,
        1
    );
    let denied_by_nia = filters(|f| {
        f.outcome = "denied".into();
        f.actor = "nia".into();
    });
    assert_eq!(query(&app, tenant, denied_by_nia).await.1, 1);

    // Dates (UTC days, both ends inclusive).
    let today = Utc::now().date_naive();
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    let all = before + 4;
    let on_today = filters(|f| {
        f.from = day(today);
        f.to = day(today);
    });
    assert_eq!(query(&app, tenant, on_today).await.1, all);
    let until_yesterday = filters(|f| f.to = day(today - Duration::days(1)));
    assert_eq!(query(&app, tenant, until_yesterday).await.1, 0);
    let from_tomorrow = filters(|f| f.from = day(today + Duration::days(1)));
    assert_eq!(query(&app, tenant, from_tomorrow).await.1, 0);

    // Bad filters are refused in words.
    for (raw, says) in [
        (
            filters(|f| f.outcome = "maybe".into()),
            "ok, denied, failed or unknown",
        ),
        (filters(|f| f.from = "2026-13-01".into()), "YYYY-MM-DD"),
        (filters(|f| f.to = "yesterday".into()), "YYYY-MM-DD"),
    ] {
        match Filters::parse(&raw) {
            Err(AppError::Invalid(m)) => assert!(m.contains(says), "{m}"),
            other => panic!("refused, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn pages_hold_fifty_newest_first_with_the_total() {
    let app = spawn_app().await;
    let (tenant, _) = app.tenant_with_owner("acme").await;
    for i in 0..120 {
        seed(
            &app,
            tenant,
            Seed {
                email: "bulk@acme.test",
                role: "operator",
                action: "load.test",
                target: Some(("item", &i.to_string())),
                outcome: Outcome::Ok,
                upstream: None,
            },
        )
        .await;
    }
    let raw = || filters(|f| f.action = "load.test".into());
    let (rows, total) = query_page(&app, tenant, raw(), 1, None).await;
    assert_eq!((rows.len(), total), (50, 120));
    assert_eq!(rows[0].target_id.as_deref(), Some("119"));
    assert_eq!(rows[49].target_id.as_deref(), Some("70"));
    let (rows, total) = query_page(&app, tenant, raw(), 2, None).await;
    assert_eq!((rows.len(), total), (50, 120));
    assert_eq!(rows[0].target_id.as_deref(), Some("69"));
    let (rows, total) = query_page(&app, tenant, raw(), 3, None).await;
    assert_eq!((rows.len(), total), (20, 120));
    assert_eq!(rows[19].target_id.as_deref(), Some("0"));
    let (rows, total) = query_page(&app, tenant, raw(), 4, None).await;
    assert_eq!((rows.len(), total), (0, 120));
    let (rows, _) = query_page(&app, tenant, raw(), 1, Some(200)).await;
    assert_eq!(rows.len(), 120);
    assert!(Paging::new(1, Some(201)).is_err());
    assert!(Paging::new(0, None).is_err());

    // The same through the server function the page calls.
    let (_, owner) = (tenant, "owner@acme.test");
    let browser = Browser::new(&app);
    browser.sign_in(owner).await;
    let page = browser
        .list_audit(&[("filters[action]", "load.test"), ("page", "3")])
        .await
        .expect("the owner reads the log");
    assert_eq!(page["total"], 120);
    assert_eq!(page["page"], 3);
    assert_eq!(page["per_page"], 50);
    assert_eq!(page["rows"].as_array().unwrap().len(), 20);
    match browser
        .list_audit(&[("filters[outcome]", "sideways"), ("page", "1")])
        .await
    {
        Err(AppError::Invalid(m)) => assert!(m.contains("ok, denied, failed or unknown"), "{m}"),
        other => panic!("refused, got {other:?}"),
    }
}

#[tokio::test]
async fn the_owner_sees_their_sign_in_on_the_page_and_filters_it() {
    let app = spawn_app().await;
    let (tenant, owner) = app.tenant_with_owner("acme").await;
    seed_four(&app, tenant).await;
    let browser = Browser::new(&app);
    browser.sign_in(&owner).await;

    let res = browser.get("/audit").await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("Audit log"));
    assert!(html.contains(&owner), "the owner's own sign-in is listed");
    assert!(html.contains("auth.sign_in"));
    assert!(html.contains("number.purchase"));
    assert!(
        html.contains("insufficient balance"),
        "Vobiz's message is shown"
    );
    assert!(
        html.contains("href=\"/audit/export.csv\""),
        "the export link"
    );

    let html = browser
        .get("/audit?action=auth.sign_in&outcome=ok")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(&owner));
    assert!(!html.contains("number.purchase"), "filtered out");
    assert!(
        html.contains("href=\"/audit/export.csv?action=auth.sign_in&amp;outcome=ok\""),
        "the export link carries the filters"
    );
    assert!(html.contains("1–1 of 1"), "the pager's count");

    let html = browser
        .get("/audit?actor=nobody-at-all")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("No entries match these filters"));

    let html = browser
        .get("/audit?outcome=maybe")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("choose ok, denied, failed or unknown"));
}

#[tokio::test]
async fn a_viewer_reads_and_exports_and_a_customer_user_may_not() {
    let app = spawn_app().await;
    let (tenant, owner) = app.tenant_with_owner("acme").await;
    colleague(&app, tenant, &owner, "vic@acme.test", Role::Viewer).await;
    customer_user(&app, tenant, "cust@acme.test", "CUST-1").await;

    let viewer = Browser::new(&app);
    viewer.sign_in("vic@acme.test").await;
    let page = viewer
        .list_audit(&[("filters[actor]", "vic@"), ("page", "1")])
        .await
        .expect("a viewer reads the log");
    assert!(page["total"].as_i64().unwrap() >= 1);
    let res = viewer.get("/audit/export.csv?actor=vic%40").await;
    assert_eq!(res.status(), StatusCode::OK);
    let csv = res.text().await.unwrap();
    assert!(csv.contains("vic@acme.test"));

    let customer = Browser::new(&app);
    customer.sign_in("cust@acme.test").await;
    assert_eq!(
        customer
            .list_audit(&[("page", "1"), ("filters[actor]", "")])
            .await,
        Err(AppError::Forbidden)
    );
    let res = customer.get("/audit/export.csv").await;
    // Customer users are sent back to their own page; the export never answers them.
    let sent_home = res.status().is_redirection()
        && res.headers().get("location").and_then(|v| v.to_str().ok()) == Some("/my");
    assert!(
        res.status() == StatusCode::FORBIDDEN || sent_home,
        "{}",
        res.status()
    );
    let body = res.text().await.unwrap();
    assert!(!body.contains("acme.test"), "nothing of the log: {body}");

    // Nobody signed in: the export sends the browser to sign in; the function refuses.
    let anonymous = Browser::new(&app);
    let res = anonymous.get("/audit/export.csv?action=auth.").await;
    assert!(res.status().is_redirection(), "{}", res.status());
    assert_eq!(
        res.headers()["location"],
        "/login?next=%2Faudit%2Fexport.csv%3Faction%3Dauth."
    );
    assert_eq!(
        anonymous
            .list_audit(&[("page", "1"), ("filters[actor]", "")])
            .await,
        Err(AppError::Unauthorized)
    );
}

#[tokio::test]
async fn another_tenants_entries_never_appear_whatever_the_filters() {
    let app = spawn_app().await;
    let (acme, acme_owner) = app.tenant_with_owner("acme").await;
    let (beta, _) = app.tenant_with_owner("beta").await;
    seed(
        &app,
        beta,
        Seed {
            email: "spy@beta.test",
            role: "owner",
            action: "secret.thing",
            target: Some(("number", "+915550001111")),
            outcome: Outcome::Ok,
            upstream: Some((200, "beta private message")),
        },
    )
    .await;

    let (rows, _) = query_page(&app, acme, AuditFilters::default(), 1, Some(200)).await;
    assert!(!rows.is_empty());
    assert!(rows
        .iter()
        .all(|r| !r.actor_email.as_deref().unwrap_or("").contains("beta")
            && r.action != "secret.thing"));
    for raw in [
        filters(|f| f.actor = "spy@beta".into()),
        filters(|f| f.action = "secret.thing".into()),
        filters(|f| f.action = "secret.".into()),
        filters(|f| f.target_id = "5550001111".into()),
    ] {
        assert_eq!(query(&app, acme, raw).await.1, 0);
    }
    // Beta itself sees it.
    assert_eq!(
        query(&app, beta, filters(|f| f.action = "secret.thing".into()))
            .await
            .1,
        1
    );

    let browser = Browser::new(&app);
    browser.sign_in(&acme_owner).await;
    for path in [
        "/audit/export.csv?actor=spy",
        "/audit/export.csv?action=secret.",
        "/audit/export.csv?target_id=555000",
    ] {
        let csv = browser.get(path).await.text().await.unwrap();
        assert_eq!(csv.lines().count(), 1, "only the header row: {csv}");
    }
    let csv = browser.get("/audit/export.csv").await.text().await.unwrap();
    assert!(!csv.contains("beta"), "{csv}");
    let html = browser.get("/audit?actor=spy").await.text().await.unwrap();
    assert!(html.contains("No entries match these filters"));
    assert!(!html.contains("beta private message"));
    let page = browser
        .list_audit(&[("filters[action]", "secret.thing"), ("page", "1")])
        .await
        .unwrap();
    assert_eq!(page["total"], 0);
}

#[tokio::test]
async fn the_csv_has_a_header_quotes_properly_and_defuses_formulas() {
    let app = spawn_app().await;
    let (tenant, owner) = app.tenant_with_owner("acme").await;
    seed(
        &app,
        tenant,
        Seed {
            email: "raj@acme.test",
            role: "admin",
            action: "number.purchase",
            target: Some(("number", "=HYPERLINK(\"http://evil\")")),
            outcome: Outcome::Failed,
            upstream: Some((422, "He said \"no\", twice\nthen left")),
        },
    )
    .await;
    seed(
        &app,
        tenant,
        Seed {
            email: "@raj@acme.test",
            role: "admin",
            action: "number.release",
            target: Some(("number", "-5+3")),
            outcome: Outcome::Ok,
            upstream: None,
        },
    )
    .await;
    let browser = Browser::new(&app);
    browser.sign_in(&owner).await;

    let res = browser.get("/audit/export.csv?action=number.").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    let today = Utc::now().format("%Y-%m-%d").to_string();
    assert_eq!(
        res.headers()["content-disposition"].to_str().unwrap(),
        format!("attachment; filename=\"audit-acme-{today}.csv\"")
    );
    let csv = res.text().await.unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "time,seq,actor_email,actor_role,action,target_type,target_id,outcome,\
             upstream_status,upstream_message,request_id,client_ip,params"
        )
    );
    // Quotes doubled, the comma and newline kept inside one quoted cell.
    assert!(
        csv.contains("\"He said \"\"no\"\", twice\nthen left\""),
        "{csv}"
    );
    // Cells that a spreadsheet would run as formulas start with a quote mark.
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://evil\"\")\""),
        "{csv}"
    );
    assert!(csv.contains(",'-5+3,"), "{csv}");
    assert!(csv.contains(",'@raj@acme.test,"), "{csv}");
    assert!(csv.contains(",422,"), "{csv}");
    // Newest first: the release was recorded last.
    let release = csv.find("number.release").unwrap();
    let purchase = csv.find("number.purchase").unwrap();
    assert!(release < purchase);

    // A bad filter is refused in words, not exported half-done.
    let res = browser.get("/audit/export.csv?from=23-11-2026").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("YYYY-MM-DD"));

    // The export itself is audited, with its filters.
    let (rows, _) = query(&app, tenant, filters(|f| f.action = "audit.export".into())).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].actor_email.as_deref(), Some(owner.as_str()));
    assert_eq!(rows[0].params["filters"]["action"], "number.");
    assert_eq!(rows[0].params["rows"], 2);
}
