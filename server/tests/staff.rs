//! Staff management through HTTP (as a browser without JavaScript does it) and through the
//! plain functions: invitations, roles, disabling, set-password links, refusals and the
//! tenant wall.

mod common;

use app::domain::identity::Email;
use app::domain::policy::Role;
use app::error::AppError;
use app::server::audit::Actor;
use app::server::auth::CurrentUser;
use app::server::{db, links, staff};
use common::{as_user, spawn_app, TestApp, PASSWORD};
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

/// A second browser with its own cookie jar.
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

    async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.address))
            .header("origin", &self.address)
            .header("accept", "text/html,application/xhtml+xml")
            .form(form)
            .send()
            .await
            .unwrap()
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap()
    }

    async fn sign_in(&self, email: &str, password: &str) -> String {
        location(
            &self
                .post_form(
                    "/api/sign_in",
                    &[("email", email), ("password", password), ("next", "/")],
                )
                .await,
        )
    }
}

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .unwrap_or_else(|| panic!("a redirect, got {}", res.status()))
        .to_str()
        .unwrap()
        .to_owned()
}

/// The decoded query parameter `key` of a redirect location.
fn param(location: &str, key: &str) -> Option<String> {
    let query = location.split_once('?')?.1;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

fn actor_of(user: &CurrentUser) -> Actor {
    user.actor(None, None)
}

/// Adds a staff member with `role` who has set [`PASSWORD`]; returns their id.
async fn colleague(app: &TestApp, tenant: Uuid, owner: &str, email: &str, role: Role) -> Uuid {
    let pool = app.pool().await;
    let by = as_user(app, tenant, owner).await;
    let issued = staff::invite(
        &pool,
        &by,
        &actor_of(&by),
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
    issued.user_id
}

/// (role, disabled, has password) of a user, seen from `tenant`.
async fn user_state(app: &TestApp, tenant: Uuid, id: Uuid) -> Option<(String, bool, bool)> {
    let pool = app.pool().await;
    let mut tx = db::begin_for(&pool, tenant).await.unwrap();
    let row = sqlx::query_as(
        "SELECT role, disabled_at IS NOT NULL, password_hash IS NOT NULL FROM users WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    row
}

async fn count(app: &TestApp, tenant: Uuid, sql: &str) -> i64 {
    let pool = app.pool().await;
    let mut tx = db::begin_for(&pool, tenant).await.unwrap();
    let n = sqlx::query_scalar(sql).fetch_one(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    n
}

/// Audit entries of `action`: (actor id, actor role, target id, params, outcome).
async fn audited(
    app: &TestApp,
    tenant: Uuid,
    action: &str,
) -> Vec<(
    Option<Uuid>,
    Option<String>,
    Option<String>,
    serde_json::Value,
)> {
    let pool = app.pool().await;
    let mut tx = db::begin_for(&pool, tenant).await.unwrap();
    let rows = sqlx::query_as(
        "SELECT actor_id, actor_role, target_id, params FROM audit_log
         WHERE action = $1 AND outcome = 'ok' ORDER BY seq",
    )
    .bind(action)
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    rows
}

#[tokio::test]
async fn an_owner_invites_a_colleague_who_sets_a_password_and_signs_in() {
    let app = spawn_app().await;
    let (tenant, owner) = app.tenant_with_owner("acme").await;
    let owner_id = as_user(&app, tenant, &owner).await.id;
    app.sign_in(&owner, PASSWORD).await;

    let res = app
        .post_form(
            "/api/invite_staff",
            &[("email", " Nia@Acme.test "), ("role", "operator")],
        )
        .await;
    let to = location(&res);
    assert!(to.starts_with("/settings/users?"), "{to}");
    assert!(param(&to, "error").is_none(), "{to}");
    let link = param(&to, "link").expect("the one-time link is in the address");
    let prefix = format!("{}/accept/", app.address);
    assert!(link.starts_with(&prefix), "{link}");
    let token = link[prefix.len()..].to_owned();
    assert_eq!(param(&to, "for").as_deref(), Some("nia@acme.test"));
    assert!(param(&to, "expires").unwrap().ends_with("UTC"));

    // The list shows them as invited with a pending link of about 72 hours.
    let listed = staff::list(&app.pool().await, tenant).await.unwrap();
    let nia = listed.iter().find(|m| m.email == "nia@acme.test").unwrap();
    assert_eq!(nia.role, Role::Operator);
    assert_eq!(nia.status, staff::StaffStatus::Invited);
    let hours = (nia.link_expires_at.unwrap() - chrono::Utc::now()).num_minutes() as f64 / 60.0;
    assert!((71.5..=72.0).contains(&hours), "{hours}");

    // Audited with who did it, their role, and what was asked; never the token.
    let entries = audited(&app, tenant, "staff.invite").await;
    let (actor, role, target, params) = entries.last().unwrap();
    assert_eq!(*actor, Some(owner_id));
    assert_eq!(role.as_deref(), Some("owner"));
    assert_eq!(target.as_deref(), Some(nia.id.to_string().as_str()));
    assert_eq!(params["email"], "nia@acme.test");
    assert_eq!(params["role"], "operator");
    assert!(!params.to_string().contains(&token));

    // The same email again is refused in plain words, and nothing is added.
    let before = count(&app, tenant, "SELECT count(*) FROM users").await;
    let dup = app
        .post_form(
            "/api/invite_staff",
            &[("email", "nia@acme.test"), ("role", "viewer")],
        )
        .await;
    let error = param(&location(&dup), "error").unwrap();
    assert!(error.contains("already has an account"), "{error}");
    assert!(param(&location(&dup), "link").is_none());
    for (email, role, says) in [
        ("not an email", "viewer", "Email"),
        ("ok@acme.test", "root", "Choose a role"),
    ] {
        let bad = app
            .post_form("/api/invite_staff", &[("email", email), ("role", role)])
            .await;
        let error = param(&location(&bad), "error").unwrap();
        assert!(error.contains(says), "{error}");
    }
    assert_eq!(
        count(&app, tenant, "SELECT count(*) FROM users").await,
        before
    );

    // The invited person opens the link in their own browser, sets a password and signs in.
    let nia_browser = Browser::new(&app);
    let page = nia_browser.get(&format!("/accept/{token}")).await;
    assert!(page.text().await.unwrap().contains("nia@acme.test"));
    let set = nia_browser
        .post_form(
            "/api/set_password",
            &[
                ("token", &token),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(location(&set), "/login?password_set=1");
    assert_eq!(nia_browser.sign_in("nia@acme.test", PASSWORD).await, "/");
    assert_eq!(
        nia_browser.get("/settings/users").await.status(),
        StatusCode::OK
    );
    let listed = staff::list(&app.pool().await, tenant).await.unwrap();
    let nia = listed.iter().find(|m| m.email == "nia@acme.test").unwrap();
    assert_eq!(nia.status, staff::StaffStatus::Active);
    assert_eq!(nia.link_expires_at, None, "the link is used up");

    // The owner's page lists both and offers the invitation form.
    let page = app.get("/settings/users").await.text().await.unwrap();
    assert!(
        page.contains("nia@acme.test") && page.contains(&owner),
        "{page}"
    );
    assert!(page.contains("Create invitation"));
}

#[tokio::test]
async fn operators_and_viewers_see_the_list_but_change_nothing() {
    let app = spawn_app().await;
    let (tenant, owner) = app.tenant_with_owner("acme").await;
    colleague(&app, tenant, &owner, "op@acme.test", Role::Operator).await;
    let viewer = colleague(&app, tenant, &owner, "view@acme.test", Role::Viewer).await;
    let viewer_id = viewer.to_string();
    let users_before = count(&app, tenant, "SELECT count(*) FROM users").await;
    let links_before = count(&app, tenant, "SELECT count(*) FROM invitations").await;

    for email in ["op@acme.test", "view@acme.test"] {
        let browser = Browser::new(&app);
        browser.sign_in(email, PASSWORD).await;
        let page = browser.get("/settings/users").await;
        assert_eq!(page.status(), StatusCode::OK);
        let page = page.text().await.unwrap();
        assert!(page.contains("op@acme.test"), "{email} sees the list");
        assert!(!page.contains("Create invitation"), "{email} gets no forms");

        let attempts: [(&str, Vec<(&str, &str)>); 5] = [
            (
                "/api/invite_staff",
                vec![("email", "sneaky@acme.test"), ("role", "viewer")],
            ),
            (
                "/api/change_staff_role",
                vec![("user_id", &viewer_id), ("role", "admin")],
            ),
            ("/api/disable_staff", vec![("user_id", &viewer_id)]),
            ("/api/enable_staff", vec![("user_id", &viewer_id)]),
            ("/api/staff_password_link", vec![("user_id", &viewer_id)]),
        ];
        for (path, form) in attempts {
            let res = browser.post_form(path, &form).await;
            let to = location(&res);
            let error = param(&to, "error").unwrap_or_else(|| panic!("{email} {path}: {to}"));
            assert!(error.contains("permission"), "{error}");
            assert!(param(&to, "link").is_none());
        }
    }
    assert_eq!(
        count(&app, tenant, "SELECT count(*) FROM users").await,
        users_before
    );
    assert_eq!(
        count(&app, tenant, "SELECT count(*) FROM invitations").await,
        links_before
    );
    assert_eq!(
        user_state(&app, tenant, viewer).await,
        Some(("viewer".into(), false, true))
    );

    // The plain functions refuse too, whoever calls them.
    let op = as_user(&app, tenant, "op@acme.test").await;
    let pool = app.pool().await;
    let refused = staff::invite(
        &pool,
        &op,
        &actor_of(&op),
        &Email::parse("x@acme.test").unwrap(),
        Role::Viewer,
    )
    .await;
    assert_eq!(refused.unwrap_err(), AppError::Forbidden);
    assert_eq!(
        staff::set_disabled(&pool, &op, &actor_of(&op), viewer, true).await,
        Err(AppError::Forbidden)
    );

    // Without a session nothing happens either.
    let anonymous = Browser::new(&app);
    let res = anonymous
        .post_form("/api/disable_staff", &[("user_id", &viewer_id)])
        .await;
    assert!(!res.status().is_success() || res.headers().contains_key("location"));
    assert_eq!(
        user_state(&app, tenant, viewer).await,
        Some(("viewer".into(), false, true))
    );
}

#[tokio::test]
async fn admins_manage_colleagues_but_never_owners() {
    let app = spawn_app().await;
    let (tenant, owner) = app.tenant_with_owner("acme").await;
    let owner_id = as_user(&app, tenant, &owner).await.id;
    colleague(&app, tenant, &owner, "admin@acme.test", Role::Admin).await;
    let viewer = colleague(&app, tenant, &owner, "view@acme.test", Role::Viewer).await;
    let admin = Browser::new(&app);
    admin.sign_in("admin@acme.test", PASSWORD).await;

    let owner_s = owner_id.to_string();
    let viewer_s = viewer.to_string();
    let refusals: [(&str, Vec<(&str, &str)>); 6] = [
        (
            "/api/invite_staff",
            vec![("email", "boss2@acme.test"), ("role", "owner")],
        ),
        (
            "/api/change_staff_role",
            vec![("user_id", &viewer_s), ("role", "owner")],
        ),
        (
            "/api/change_staff_role",
            vec![("user_id", &owner_s), ("role", "viewer")],
        ),
        ("/api/disable_staff", vec![("user_id", &owner_s)]),
        ("/api/staff_password_link", vec![("user_id", &owner_s)]),
        ("/api/enable_staff", vec![("user_id", &owner_s)]),
    ];
    for (path, form) in refusals {
        let to = location(&admin.post_form(path, &form).await);
        let error = param(&to, "error").unwrap_or_else(|| panic!("{path} {form:?}: {to}"));
        assert!(error.contains("permission"), "{path}: {error}");
    }
    assert_eq!(
        count(
            &app,
            tenant,
            "SELECT count(*) FROM users WHERE email = 'boss2@acme.test'"
        )
        .await,
        0
    );
    assert_eq!(
        user_state(&app, tenant, owner_id).await,
        Some(("owner".into(), false, true))
    );
    assert_eq!(
        user_state(&app, tenant, viewer).await,
        Some(("viewer".into(), false, true))
    );

    // What admins may do: invite below owner, promote to admin, disable, issue links.
    let invited = admin
        .post_form(
            "/api/invite_staff",
            &[("email", "new@acme.test"), ("role", "admin")],
        )
        .await;
    assert!(param(&location(&invited), "link").is_some());
    let promoted = admin
        .post_form(
            "/api/change_staff_role",
            &[("user_id", &viewer_s), ("role", "operator")],
        )
        .await;
    assert_eq!(
        param(&location(&promoted), "notice").as_deref(),
        Some("view@acme.test is now operator.")
    );
    assert_eq!(
        user_state(&app, tenant, viewer).await,
        Some(("operator".into(), false, true))
    );
    let (actor, role, _, params) = audited(&app, tenant, "staff.role_change")
        .await
        .pop()
        .unwrap();
    assert_eq!(role.as_deref(), Some("admin"));
    assert_eq!(
        actor,
        Some(as_user(&app, tenant, "admin@acme.test").await.id)
    );
    assert_eq!(params["from"], "viewer");
    assert_eq!(params["to"], "operator");
    let linked = admin
        .post_form("/api/staff_password_link", &[("user_id", &viewer_s)])
        .await;
    assert!(param(&location(&linked), "link").is_some());
    let disabled = admin
        .post_form("/api/disable_staff", &[("user_id", &viewer_s)])
        .await;
    assert!(param(&location(&disabled), "notice").is_some());
    assert_eq!(
        user_state(&app, tenant, viewer).await,
        Some(("operator".into(), true, true))
    );

    // The owner may make the admin an owner.
    let admin_id = as_user(&app, tenant, "admin@acme.test").await.id;
    app.sign_in(&owner, PASSWORD).await;
    let made = app
        .post_form(
            "/api/change_staff_role",
            &[("user_id", &admin_id.to_string()), ("role", "owner")],
        )
        .await;
    assert!(param(&location(&made), "notice").is_some());
    assert_eq!(user_state(&app, tenant, admin_id).await.unwrap().0, "owner");
}

#[tokio::test]
async fn the_last_owner_stays_and_nobody_changes_themselves() {
    let app = spawn_app().await;
    let (tenant, owner) = app.tenant_with_owner("acme").await;
    let owner_id = as_user(&app, tenant, &owner).await.id;
    app.sign_in(&owner, PASSWORD).await;
    for (path, form) in [
        (
            "/api/change_staff_role",
            vec![("user_id", owner_id.to_string()), ("role", "admin".into())],
        ),
        (
            "/api/disable_staff",
            vec![("user_id", owner_id.to_string())],
        ),
    ] {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let to = location(&app.post_form(path, &form).await);
        let error = param(&to, "error").unwrap_or_else(|| panic!("{path}: {to}"));
        assert!(error.contains("your own"), "{error}");
    }
    assert_eq!(
        user_state(&app, tenant, owner_id).await,
        Some(("owner".into(), false, true))
    );

    // Two owners: one demotes the other; the demoted one, acting on what it was a moment
    // ago, cannot then demote or disable the owner who is left.
    let second = colleague(&app, tenant, &owner, "second@acme.test", Role::Owner).await;
    let pool = app.pool().await;
    let first_user = as_user(&app, tenant, &owner).await;
    let second_user = as_user(&app, tenant, "second@acme.test").await;
    staff::change_role(
        &pool,
        &second_user,
        &actor_of(&second_user),
        owner_id,
        Role::Admin,
    )
    .await
    .unwrap();
    let demote = staff::change_role(
        &pool,
        &first_user,
        &actor_of(&first_user),
        second,
        Role::Admin,
    )
    .await;
    assert!(
        matches!(&demote, Err(AppError::Invalid(m)) if m.contains("only active owner")),
        "{demote:?}"
    );
    let disable =
        staff::set_disabled(&pool, &first_user, &actor_of(&first_user), second, true).await;
    assert!(
        matches!(&disable, Err(AppError::Invalid(m)) if m.contains("only active owner")),
        "{disable:?}"
    );
    assert_eq!(
        user_state(&app, tenant, second).await,
        Some(("owner".into(), false, true))
    );
    assert_eq!(
        count(
            &app,
            tenant,
            "SELECT count(*) FROM users WHERE role = 'owner' AND disabled_at IS NULL"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn disabling_ends_the_session_at_once_and_links_reset_passwords() {
    let app = spawn_app().await;
    let (tenant, owner) = app.tenant_with_owner("acme").await;
    let owner_id = as_user(&app, tenant, &owner).await.id;
    let op = colleague(&app, tenant, &owner, "op@acme.test", Role::Operator).await;
    let op_s = op.to_string();
    let op_browser = Browser::new(&app);
    op_browser.sign_in("op@acme.test", PASSWORD).await;
    assert_eq!(op_browser.get("/numbers").await.status(), StatusCode::OK);

    app.sign_in(&owner, PASSWORD).await;
    let res = app
        .post_form("/api/disable_staff", &[("user_id", &op_s)])
        .await;
    assert!(param(&location(&res), "notice").is_some());
    let next = op_browser.get("/numbers").await;
    assert_eq!(next.status(), StatusCode::SEE_OTHER);
    assert!(location(&next).starts_with("/login"), "signed out at once");
    let again = op_browser.sign_in("op@acme.test", PASSWORD).await;
    assert!(
        again.starts_with("/login?"),
        "a disabled account cannot sign in"
    );
    let listed = staff::list(&app.pool().await, tenant).await.unwrap();
    assert_eq!(
        listed.iter().find(|m| m.id == op).unwrap().status,
        staff::StaffStatus::Disabled
    );
    let (actor, role, target, params) = audited(&app, tenant, "staff.disable").await.pop().unwrap();
    assert_eq!(
        (actor, role.as_deref(), target),
        (Some(owner_id), Some("owner"), Some(op_s.clone()))
    );
    assert_eq!(params["email"], "op@acme.test");

    // A disabled account gets no link; disabling twice says so.
    let link = app
        .post_form("/api/staff_password_link", &[("user_id", &op_s)])
        .await;
    assert!(param(&location(&link), "error")
        .unwrap()
        .contains("Enable them first"));
    let twice = app
        .post_form("/api/disable_staff", &[("user_id", &op_s)])
        .await;
    assert!(param(&location(&twice), "error")
        .unwrap()
        .contains("already disabled"));

    // Enabled again, they sign in with their password.
    let res = app
        .post_form("/api/enable_staff", &[("user_id", &op_s)])
        .await;
    assert!(param(&location(&res), "notice").is_some());
    assert_eq!(audited(&app, tenant, "staff.enable").await.len(), 1);
    assert_eq!(op_browser.sign_in("op@acme.test", PASSWORD).await, "/");

    // A new set-password link: 24 hours, works once, sets a new password.
    let res = app
        .post_form("/api/staff_password_link", &[("user_id", &op_s)])
        .await;
    let to = location(&res);
    let link = param(&to, "link").unwrap();
    let token = link.rsplit('/').next().unwrap().to_owned();
    let hours = (staff::list(&app.pool().await, tenant)
        .await
        .unwrap()
        .iter()
        .find(|m| m.id == op)
        .unwrap()
        .link_expires_at
        .unwrap()
        - chrono::Utc::now())
    .num_minutes() as f64
        / 60.0;
    assert!((23.5..=24.0).contains(&hours), "{hours}");
    let (_, _, _, params) = audited(&app, tenant, "staff.password_link")
        .await
        .pop()
        .unwrap();
    assert_eq!(params["purpose"], "reset");
    assert!(!params.to_string().contains(&token));
    let new_password = "marble lantern quiet harbour";
    links::redeem(
        &app.pool().await,
        &token,
        SecretString::from(new_password.to_owned()),
        &Actor::default(),
    )
    .await
    .unwrap();
    let fresh = Browser::new(&app);
    assert_eq!(fresh.sign_in("op@acme.test", new_password).await, "/");

    // Someone who never set a password gets a fresh invitation; the old one stops working.
    let pool = app.pool().await;
    let by = as_user(&app, tenant, &owner).await;
    let first = staff::invite(
        &pool,
        &by,
        &actor_of(&by),
        &Email::parse("late@acme.test").unwrap(),
        Role::Viewer,
    )
    .await
    .unwrap();
    let second = staff::issue_password_link(&pool, &by, &actor_of(&by), first.user_id)
        .await
        .unwrap();
    assert_eq!(second.purpose, links::Purpose::Invite);
    assert!(matches!(
        links::inspect(&pool, first.link.token.expose_secret()).await,
        Err(links::LinkError::Used)
    ));
    assert!(links::inspect(&pool, second.link.token.expose_secret())
        .await
        .is_ok());
}

#[tokio::test]
async fn another_tenants_people_are_not_found_and_unchanged() {
    let app = spawn_app().await;
    let (acme, acme_owner) = app.tenant_with_owner("acme").await;
    let (beta, beta_owner) = app.tenant_with_owner("beta").await;
    let victim = colleague(&app, beta, &beta_owner, "op@beta.test", Role::Operator).await;
    let beta_owner_id = as_user(&app, beta, &beta_owner).await.id;
    let links_before = count(&app, beta, "SELECT count(*) FROM invitations").await;
    let audit_before = count(&app, beta, "SELECT count(*) FROM audit_log").await;
    app.sign_in(&acme_owner, PASSWORD).await;

    for id in [victim, beta_owner_id] {
        let id = id.to_string();
        let attempts: [(&str, Vec<(&str, &str)>); 4] = [
            (
                "/api/change_staff_role",
                vec![("user_id", &id), ("role", "viewer")],
            ),
            ("/api/disable_staff", vec![("user_id", &id)]),
            ("/api/enable_staff", vec![("user_id", &id)]),
            ("/api/staff_password_link", vec![("user_id", &id)]),
        ];
        for (path, form) in attempts {
            let to = location(&app.post_form(path, &form).await);
            assert_eq!(
                param(&to, "error").as_deref(),
                Some("User was not found."),
                "{path}: {to}"
            );
            assert!(param(&to, "link").is_none());
        }
    }
    let garbage = app
        .post_form("/api/disable_staff", &[("user_id", "not-a-user")])
        .await;
    assert_eq!(
        param(&location(&garbage), "error").as_deref(),
        Some("User was not found.")
    );

    let pool = app.pool().await;
    let by = as_user(&app, acme, &acme_owner).await;
    assert_eq!(
        staff::change_role(&pool, &by, &actor_of(&by), victim, Role::Viewer).await,
        Err(AppError::NotFound("User".into()))
    );
    assert_eq!(
        staff::set_disabled(&pool, &by, &actor_of(&by), victim, true).await,
        Err(AppError::NotFound("User".into()))
    );
    assert_eq!(
        staff::issue_password_link(&pool, &by, &actor_of(&by), victim)
            .await
            .unwrap_err(),
        AppError::NotFound("User".into())
    );

    assert_eq!(
        user_state(&app, beta, victim).await,
        Some(("operator".into(), false, true))
    );
    assert_eq!(
        user_state(&app, beta, beta_owner_id).await,
        Some(("owner".into(), false, true))
    );
    assert_eq!(
        count(&app, beta, "SELECT count(*) FROM invitations").await,
        links_before
    );
    assert_eq!(
        count(&app, beta, "SELECT count(*) FROM audit_log").await,
        audit_before
    );
    let listed = staff::list(&pool, acme).await.unwrap();
    assert!(listed.iter().all(|m| m.email.ends_with("@acme.test")));
    let page = app.get("/settings/users").await.text().await.unwrap();
    assert!(!page.contains("beta.test"));
}
