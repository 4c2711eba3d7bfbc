//! Settings through HTTP, as a browser without JavaScript uses them: the Vobiz connection
//! (stored by owners only, verified first, shown masked, tested live), the tenant profile,
//! and the second factor (enrolment, signing in with a code, the tenant-wide requirement).

mod common;

use app::domain::identity::Email;
use app::domain::policy::Role;
use app::server::audit::Actor;
use app::server::{connections, db, links, staff, totp};
use common::{as_user, spawn_app, TestApp, PASSWORD};
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;
use vobiz::sandbox::{DemoWorld, Sandbox, SandboxConfig};

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

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String, String) {
        let res = self
            .client
            .post(format!("{}{path}", self.address))
            .header("origin", &self.address)
            .header("accept", "text/html,application/xhtml+xml")
            .form(form)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let location = res
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, location, res.text().await.unwrap())
    }

    async fn get(&self, path: &str) -> (u16, String, String) {
        let res = self
            .client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let location = res
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, location, res.text().await.unwrap())
    }

    async fn sign_in(&self, email: &str) -> String {
        let (status, location, _) = self
            .post(
                "/api/sign_in",
                &[("email", email), ("password", PASSWORD), ("next", "/")],
            )
            .await;
        assert!((300..400).contains(&status), "sign-in redirects: {status}");
        location
    }
}

/// The value of `key` in the query of `location`.
fn query(location: &str, key: &str) -> Option<String> {
    let url = url::Url::parse(&format!("http://x{location}")).unwrap();
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// The sandbox world the test portal's built-in upstream serves (its default seed).
fn world() -> DemoWorld {
    Sandbox::new(SandboxConfig::demo(42)).demo()
}

/// Adds a staff member with `role` who has set [`PASSWORD`]; returns their email.
async fn colleague(app: &TestApp, tenant: Uuid, owner: &str, role: Role, slug: &str) -> String {
    let pool = app.pool().await;
    let by = as_user(app, tenant, owner).await;
    let email = format!("{}@{slug}.test", role.as_str());
    let issued = staff::invite(
        &pool,
        &by,
        &by.actor(None, None),
        &Email::parse(&email).unwrap(),
        role,
    )
    .await
    .unwrap();
    links::redeem(
        &pool,
        issued.link.token.expose_secret(),
        SecretString::from(PASSWORD.to_owned()),
        &Actor::default(),
    )
    .await
    .unwrap();
    email
}

/// (action, outcome) of the tenant's audit entries, oldest first.
async fn audit(app: &TestApp, tenant: Uuid) -> Vec<(String, String, serde_json::Value)> {
    let pool = app.pool().await;
    let mut tx = db::begin_for(&pool, tenant).await.unwrap();
    let rows = sqlx::query_as("SELECT action, outcome, params FROM audit_log ORDER BY seq")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    rows
}

fn credentials<'a>(w: &'a DemoWorld, token: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("partner_auth_id", w.partner.auth_id.as_str()),
        ("partner_token", token),
        ("pool_auth_id", w.pool_account.auth_id.as_str()),
        ("pool_token", w.pool_account.auth_token.as_str()),
        ("base_url", ""),
    ]
}

#[tokio::test]
async fn only_owners_store_credentials_verified_first_and_shown_masked() {
    let app = spawn_app().await;
    let (tenant, owner) = app.tenant_with_owner("acme").await;
    let w = world();
    let pool = app.pool().await;
    let mut bodies = Vec::new();

    for role in [Role::Admin, Role::Operator, Role::Viewer] {
        let email = colleague(&app, tenant, &owner, role, "acme").await;
        let b = Browser::new(&app);
        b.sign_in(&email).await;
        let (_, location, body) = b
            .post(
                "/api/save_vobiz_connection",
                &credentials(&w, &w.partner.auth_token),
            )
            .await;
        let error = query(&location, "error").unwrap_or_default();
        assert!(error.contains("Only owners"), "{role:?}: {location}");
        bodies.push(body);
        assert!(connections::summary(&pool, tenant).await.unwrap().is_none());
        // Their page has no credentials form.
        let (status, _, body) = b.get("/settings/vobiz").await;
        assert_eq!(status, 200);
        assert!(!body.contains("name=\"partner_token\""), "{role:?}");
        bodies.push(body);
    }

    let b = Browser::new(&app);
    b.sign_in(&owner).await;
    let (_, _, empty) = b.get("/settings/vobiz").await;
    assert!(empty.contains("No Vobiz connection is stored yet"));
    assert!(empty.contains("type=\"password\""));

    // Wrong token: Vobiz refuses, the form says so, nothing is stored.
    let (_, location, body) = b
        .post(
            "/api/save_vobiz_connection",
            &credentials(&w, "wrong-token"),
        )
        .await;
    bodies.push(body);
    let error = query(&location, "error").unwrap();
    assert!(error.contains("Nothing was stored"), "{error}");
    assert!(error.contains("did not accept"), "{error}");
    assert!(connections::summary(&pool, tenant).await.unwrap().is_none());

    let (_, location, body) = b
        .post(
            "/api/save_vobiz_connection",
            &credentials(&w, &w.partner.auth_token),
        )
        .await;
    bodies.push(body);
    assert!(query(&location, "notice").is_some(), "{location}");
    let summary = connections::summary(&pool, tenant).await.unwrap().unwrap();
    assert_eq!(summary.partner_auth_id, w.partner.auth_id);

    let (status, _, page) = b.get("/settings/vobiz").await;
    assert_eq!(status, 200);
    assert!(page.contains(&w.partner.auth_id));
    assert!(page.contains(&summary.partner_token_mask));
    assert!(page.contains(&summary.partner_name));
    bodies.push(page);
    for body in &bodies {
        assert!(
            !body.contains(&w.partner.auth_token),
            "partner token leaked"
        );
        assert!(
            !body.contains(&w.pool_account.auth_token),
            "pool token leaked"
        );
    }
    let entries = audit(&app, tenant).await;
    let saves: Vec<_> = entries
        .iter()
        .filter(|e| e.0 == "settings.vobiz_credentials")
        .map(|e| e.1.as_str())
        .collect();
    assert_eq!(saves, ["failed", "ok"]);
}

#[tokio::test]
async fn owners_and_admins_test_the_connection_live_others_are_refused() {
    let app = spawn_app().await;
    let (tenant, owner) = app.tenant_with_owner("acme").await;
    let w = world();
    let ob = Browser::new(&app);
    ob.sign_in(&owner).await;

    // Nothing stored yet: said plainly.
    let (_, location, _) = ob.post("/api/test_vobiz_connection", &[]).await;
    assert!(query(&location, "error")
        .unwrap()
        .contains("No Vobiz connection"));

    ob.post(
        "/api/save_vobiz_connection",
        &credentials(&w, &w.partner.auth_token),
    )
    .await;
    let summary = connections::summary(&app.pool().await, tenant)
        .await
        .unwrap()
        .unwrap();

    let admin = colleague(&app, tenant, &owner, Role::Admin, "acme").await;
    for email in [owner.clone(), admin] {
        let b = Browser::new(&app);
        b.sign_in(&email).await;
        let (_, location, body) = b.post("/api/test_vobiz_connection", &[]).await;
        assert_eq!(
            query(&location, "tested").as_deref(),
            Some("ok"),
            "{location}"
        );
        assert_eq!(query(&location, "name").unwrap(), summary.partner_name);
        assert!(query(&location, "balance").is_some());
        assert!(!body.contains(&w.partner.auth_token));
        let (_, _, page) = b.get(&location).await;
        assert!(page.contains("the connection works for"), "{email}");
        assert!(!page.contains(&w.partner.auth_token));
    }
    for role in [Role::Operator, Role::Viewer] {
        let email = colleague(&app, tenant, &owner, role, "acme").await;
        let b = Browser::new(&app);
        b.sign_in(&email).await;
        let (_, location, _) = b.post("/api/test_vobiz_connection", &[]).await;
        assert!(query(&location, "tested").is_none());
        assert!(
            query(&location, "error")
                .unwrap()
                .contains("Owners and admins"),
            "{role:?}"
        );
    }
    let tests: Vec<_> = audit(&app, tenant)
        .await
        .into_iter()
        .filter(|e| e.0 == "settings.vobiz_test")
        .map(|e| e.1)
        .collect();
    assert_eq!(tests, ["ok", "ok"]);

    // Another tenant sees none of it, and its test has nothing to open.
    let (_, beta_owner) = app.tenant_with_owner("beta").await;
    let bb = Browser::new(&app);
    bb.sign_in(&beta_owner).await;
    let (_, _, page) = bb.get("/settings/vobiz").await;
    assert!(page.contains("No Vobiz connection is stored yet"));
    assert!(!page.contains(&summary.partner_token_mask));
    let (_, location, _) = bb.post("/api/test_vobiz_connection", &[]).await;
    assert!(query(&location, "error")
        .unwrap()
        .contains("No Vobiz connection"));
}

#[tokio::test]
async fn the_profile_is_renamed_by_owners_and_admins_audited_and_only_for_their_tenant() {
    let app = spawn_app().await;
    let (tenant, owner) = app.tenant_with_owner("acme").await;
    let (beta, _) = app.tenant_with_owner("beta").await;
    let b = Browser::new(&app);
    b.sign_in(&owner).await;
    let (_, _, page) = b.get("/settings/profile").await;
    assert!(page.contains("acme telecom"));
    assert!(page.contains("value=\"acme\""), "slug shown");

    let (_, location, _) = b.post("/api/rename_tenant", &[("name", "   ")]).await;
    assert!(query(&location, "error").unwrap().contains("1 to 200"));
    let (_, location, _) = b
        .post("/api/rename_tenant", &[("name", "Acme Voice")])
        .await;
    assert!(query(&location, "notice").is_some(), "{location}");

    let operator = colleague(&app, tenant, &owner, Role::Operator, "acme").await;
    let ob = Browser::new(&app);
    ob.sign_in(&operator).await;
    let (_, location, _) = ob.post("/api/rename_tenant", &[("name", "Hijack")]).await;
    assert!(query(&location, "error").is_some());

    let pool = app.pool().await;
    let name_of = |t: Uuid| {
        let pool = pool.clone();
        async move {
            let mut tx = db::begin_for(&pool, t).await.unwrap();
            let n: String = sqlx::query_scalar("SELECT name FROM tenants WHERE id = $1")
                .bind(t)
                .fetch_one(&mut *tx)
                .await
                .unwrap();
            n
        }
    };
    assert_eq!(name_of(tenant).await, "Acme Voice");
    assert_eq!(name_of(beta).await, "beta telecom");
    let renames: Vec<_> = audit(&app, tenant)
        .await
        .into_iter()
        .filter(|e| e.0 == "settings.profile")
        .collect();
    assert_eq!(renames.len(), 1);
    assert_eq!(renames[0].2["old_name"], "acme telecom");
    assert_eq!(renames[0].2["new_name"], "Acme Voice");
    assert!(audit(&app, beta)
        .await
        .iter()
        .all(|e| e.0 != "settings.profile"));
}

/// The secret shown on the security page while enrolling.
fn secret_in(page: &str) -> SecretString {
    let at = page
        .find("secret=")
        .expect("the page shows the otpauth address")
        + 7;
    let secret: String = page[at..]
        .chars()
        .take_while(|c| c.is_ascii_uppercase() || ('2'..='7').contains(c))
        .collect();
    assert!(secret.len() >= 32, "{secret}");
    SecretString::from(secret)
}

async fn failed_attempts(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM login_attempts WHERE email = $1 AND NOT succeeded")
        .bind(email)
        .fetch_one(&app.pool().await)
        .await
        .unwrap()
}

#[tokio::test]
async fn with_an_authenticator_app_signing_in_needs_a_right_code() {
    let app = spawn_app().await;
    let (tenant, owner) = app.tenant_with_owner("acme").await;
    let b = Browser::new(&app);
    b.sign_in(&owner).await;
    let (_, _, page) = b.get("/settings/security").await;
    assert!(page.contains("Set up an authenticator app"));

    b.post("/api/start_totp", &[]).await;
    let (_, _, page) = b.get("/settings/security").await;
    assert!(
        page.contains("shape-rendering=\"crispEdges\""),
        "the set-up address is shown as a QR code"
    );
    let secret = secret_in(&page);
    // Codes of three consecutive steps: enrolment uses the previous one, signing in the
    // current one, turning off the next one (each code is accepted once, in order).
    let t0 = totp::now_unix();
    let at = |t: u64| totp::code_at(&secret, t).unwrap();
    let (previous, current, next) = (at(t0 - 30), at(t0), at(t0 + 30));
    let near: Vec<String> = [t0 - 90, t0 - 60, t0 - 30, t0, t0 + 30, t0 + 60, t0 + 90]
        .into_iter()
        .map(at)
        .collect();
    let wrong = [
        "000000", "111111", "222222", "333333", "444444", "555555", "666666", "777777",
    ]
    .into_iter()
    .find(|w| !near.iter().any(|n| n == w))
    .unwrap();
    let (_, location, _) = b.post("/api/confirm_totp", &[("code", wrong)]).await;
    assert!(query(&location, "error").unwrap().contains("not right"));
    let (_, location, _) = b.post("/api/confirm_totp", &[("code", &previous)]).await;
    assert!(query(&location, "notice").is_some(), "{location}");

    // Stored sealed: the database holds no secret in clear, and the vault-bound row opens.
    let pool = app.pool().await;
    let mut tx = db::begin_for(&pool, tenant).await.unwrap();
    let raw: Vec<u8> = sqlx::query_scalar("SELECT totp_secret FROM users WHERE email = $1")
        .bind(&owner)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(!raw
        .windows(16)
        .any(|w| w == &secret.expose_secret().as_bytes()[..16]));

    // A new browser: the password alone does not sign in.
    let nb = Browser::new(&app);
    let location = nb.sign_in(&owner).await;
    assert!(location.starts_with("/login/2fa"), "{location}");
    let (status, location, _) = nb.get("/settings").await;
    assert!((300..400).contains(&status));
    assert!(location.starts_with("/login"), "{location}");

    let before = failed_attempts(&app, &owner).await;
    let (_, location, _) = nb
        .post(
            "/api/sign_in_code",
            &[("code", wrong), ("next", "/settings")],
        )
        .await;
    assert!(location.starts_with("/login/2fa"), "{location}");
    assert!(query(&location, "error").unwrap().contains("not right"));
    assert_eq!(failed_attempts(&app, &owner).await, before + 1);
    let (status, _, _) = nb.get("/settings").await;
    assert!(
        (300..400).contains(&status),
        "a wrong code does not sign in"
    );

    // A code already used (here, at enrolment) is refused, and counted.
    let (_, location, _) = nb
        .post(
            "/api/sign_in_code",
            &[("code", &previous), ("next", "/settings")],
        )
        .await;
    assert!(query(&location, "error").unwrap().contains("used already"));
    assert_eq!(failed_attempts(&app, &owner).await, before + 2);

    let (_, location, _) = nb
        .post(
            "/api/sign_in_code",
            &[("code", &current), ("next", "/settings")],
        )
        .await;
    assert_eq!(location, "/settings");
    let (status, _, _) = nb.get("/settings").await;
    assert_eq!(status, 200);

    let entries = audit(&app, tenant).await;
    let actions: Vec<_> = entries
        .iter()
        .map(|e| (e.0.as_str(), e.1.as_str()))
        .collect();
    assert!(actions.contains(&("auth.totp_enrol", "failed")));
    assert!(actions.contains(&("auth.totp_enrol", "ok")));
    assert!(actions.contains(&("auth.sign_in_code", "failed")));
    assert_eq!(
        entries
            .last()
            .map(|e| (e.0.as_str(), e.2["second_factor"].clone())),
        Some(("auth.sign_in", serde_json::json!("totp")))
    );
    for e in &entries {
        assert!(!e.2.to_string().contains(secret.expose_secret()));
    }

    // Turning it off needs a right code; then the password is enough again.
    let before = failed_attempts(&app, &owner).await;
    let (_, location, _) = nb.post("/api/disable_totp", &[("code", wrong)]).await;
    assert!(query(&location, "error").unwrap().contains("not right"));
    assert_eq!(failed_attempts(&app, &owner).await, before + 1);
    let (_, location, _) = nb.post("/api/disable_totp", &[("code", &current)]).await;
    assert!(
        query(&location, "error").unwrap().contains("used already"),
        "the sign-in code does not work twice"
    );
    let (_, location, _) = nb.post("/api/disable_totp", &[("code", &next)]).await;
    assert!(query(&location, "notice").is_some(), "{location}");
    let third = Browser::new(&app);
    assert_eq!(third.sign_in(&owner).await, "/");
    assert!(audit(&app, tenant)
        .await
        .iter()
        .any(|e| e.0 == "auth.totp_disable" && e.1 == "ok"));
}

#[tokio::test]
async fn a_code_page_without_a_password_first_signs_nobody_in() {
    let app = spawn_app().await;
    let b = Browser::new(&app);
    let (_, location, _) = b
        .post("/api/sign_in_code", &[("code", "123456"), ("next", "/")])
        .await;
    assert!(location.starts_with("/login?"), "{location}");
    assert!(query(&location, "error").unwrap().contains("Sign in again"));
}

#[tokio::test]
async fn a_required_second_factor_sends_staff_without_one_to_the_security_page() {
    let app = spawn_app().await;
    let (tenant, owner) = app.tenant_with_owner("acme").await;
    let (_, beta_owner) = app.tenant_with_owner("beta").await;
    let admin = colleague(&app, tenant, &owner, Role::Admin, "acme").await;

    // Only owners may require it.
    let ab = Browser::new(&app);
    ab.sign_in(&admin).await;
    let (_, location, _) = ab
        .post("/api/set_require_totp", &[("required", "true")])
        .await;
    assert!(query(&location, "error").unwrap().contains("Only owners"));
    let (status, _, _) = ab.get("/settings").await;
    assert_eq!(status, 200);

    let ob = Browser::new(&app);
    ob.sign_in(&owner).await;
    let (_, location, _) = ob
        .post("/api/set_require_totp", &[("required", "true")])
        .await;
    assert!(query(&location, "notice").is_some(), "{location}");

    for b in [&ab, &ob] {
        for path in ["/settings", "/settings/vobiz", "/"] {
            let (status, location, _) = b.get(path).await;
            assert!((300..400).contains(&status), "{path}: {status}");
            assert_eq!(location, "/settings/security", "{path}");
        }
        let (status, _, page) = b.get("/settings/security").await;
        assert_eq!(status, 200);
        assert!(page.contains("requires a second factor"));
    }

    // Server functions refuse them too, not only pages.
    let (_, location, _) = ab
        .post(
            "/api/invite_staff",
            &[("email", "new@acme.test"), ("role", "viewer")],
        )
        .await;
    assert!(
        query(&location, "error")
            .unwrap_or_default()
            .contains("requires a second factor"),
        "{location}"
    );
    let pool = app.pool().await;
    let mut tx = db::begin_for(&pool, tenant).await.unwrap();
    let invited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM users WHERE email = 'new@acme.test'")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(invited, 0, "nothing was done");

    // The other tenant is not affected.
    let bb = Browser::new(&app);
    bb.sign_in(&beta_owner).await;
    let (status, _, _) = bb.get("/settings").await;
    assert_eq!(status, 200);

    // Enrolling lets the admin in again.
    ab.post("/api/start_totp", &[]).await;
    let (_, _, page) = ab.get("/settings/security").await;
    let secret = secret_in(&page);
    let code = totp::code_at(&secret, totp::now_unix()).unwrap();
    let (_, location, _) = ab.post("/api/confirm_totp", &[("code", &code)]).await;
    assert!(query(&location, "notice").is_some(), "{location}");
    let (status, _, _) = ab.get("/settings").await;
    assert_eq!(status, 200);

    let required: Vec<_> = audit(&app, tenant)
        .await
        .into_iter()
        .filter(|e| e.0 == "settings.require_totp")
        .collect();
    assert_eq!(required.len(), 1);
    assert_eq!(required[0].2["new"], true);
}

#[tokio::test]
async fn owners_reset_a_lost_second_factor_of_a_colleague_who_then_signs_in_with_the_password() {
    let app = spawn_app().await;
    let (tenant, owner) = app.tenant_with_owner("acme").await;
    let admin = colleague(&app, tenant, &owner, Role::Admin, "acme").await;

    // The admin sets up an authenticator app.
    let ab = Browser::new(&app);
    ab.sign_in(&admin).await;
    ab.post("/api/start_totp", &[]).await;
    let (_, _, page) = ab.get("/settings/security").await;
    let secret = secret_in(&page);
    let code = totp::code_at(&secret, totp::now_unix()).unwrap();
    let (_, location, _) = ab.post("/api/confirm_totp", &[("code", &code)]).await;
    assert!(query(&location, "notice").is_some(), "{location}");

    let pool = app.pool().await;
    let id_of = |email: String| {
        let pool = pool.clone();
        async move {
            let mut tx = db::begin_for(&pool, tenant).await.unwrap();
            let id: Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
                .bind(email)
                .fetch_one(&mut *tx)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            id.to_string()
        }
    };
    let admin_id = id_of(admin.clone()).await;
    let owner_id = id_of(owner.clone()).await;

    // Nobody resets their own this way, and admins never touch owners.
    let (_, location, _) = ab
        .post("/api/reset_staff_totp", &[("user_id", &admin_id)])
        .await;
    assert!(
        query(&location, "error").unwrap().contains("Security page"),
        "{location}"
    );
    let (_, location, _) = ab
        .post("/api/reset_staff_totp", &[("user_id", &owner_id)])
        .await;
    assert!(query(&location, "error").is_some(), "{location}");

    // The owner resets it: the admin's sessions end, and the password alone signs in again.
    let ob = Browser::new(&app);
    ob.sign_in(&owner).await;
    let (_, _, users_page) = ob.get("/settings/users").await;
    assert!(
        users_page.contains("Reset second factor"),
        "the page offers it"
    );
    let (_, location, _) = ob
        .post("/api/reset_staff_totp", &[("user_id", &admin_id)])
        .await;
    assert!(
        query(&location, "notice")
            .unwrap()
            .contains("second factor is removed"),
        "{location}"
    );
    let (status, location, _) = ab.get("/settings").await;
    assert!(
        (300..400).contains(&status) && location.starts_with("/login"),
        "{status} {location}"
    );
    let fresh = Browser::new(&app);
    assert_eq!(fresh.sign_in(&admin).await, "/");

    // Once is enough: there is nothing left to reset.
    let (_, location, _) = ob
        .post("/api/reset_staff_totp", &[("user_id", &admin_id)])
        .await;
    assert!(
        query(&location, "error")
            .unwrap()
            .contains("no second factor"),
        "{location}"
    );

    let resets: Vec<_> = audit(&app, tenant)
        .await
        .into_iter()
        .filter(|e| e.0 == "staff.totp_reset")
        .collect();
    assert_eq!(resets.len(), 1);
    assert_eq!(resets[0].2["email"], admin.as_str());

    // Another tenant's owner cannot reach the admin.
    let (_, beta_owner) = app.tenant_with_owner("beta").await;
    let bb = Browser::new(&app);
    bb.sign_in(&beta_owner).await;
    let (_, location, _) = bb
        .post("/api/reset_staff_totp", &[("user_id", &admin_id)])
        .await;
    assert!(
        query(&location, "error").unwrap().contains("not found"),
        "{location}"
    );
}
