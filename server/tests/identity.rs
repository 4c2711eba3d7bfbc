//! Tenants, single-use links, the audit chain and the wall between tenants.

mod common;

use app::domain::identity::{Email, Slug};
use app::server::audit::{self, Actor, Entry, Outcome};
use app::server::links::{self, LinkError};
use app::server::{db, tenants};
use common::spawn_app;
use secrecy::{ExposeSecret, SecretString};
use sqlx::{ConnectOptions, Connection, PgPool};

fn cli_actor() -> Actor {
    Actor {
        role: Some("platform-operator".into()),
        ..Actor::default()
    }
}

async fn app_pool(app: &common::TestApp) -> PgPool {
    server::database::pool(app.db.clone()).await.unwrap()
}

async fn new_tenant(pool: &PgPool, slug: &str, owner: &str) -> tenants::CreatedTenant {
    tenants::create(
        pool,
        &Slug::parse(slug).unwrap(),
        &format!("{slug} telecom"),
        &Email::parse(owner).unwrap(),
        &cli_actor(),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn a_tenant_is_created_with_an_owner_who_sets_a_password_once() {
    let app = spawn_app().await;
    let pool = app_pool(&app).await;
    let created = new_tenant(&pool, "acme", "owner@acme.test").await;
    let token = created.owner_link.token.expose_secret().to_owned();

    let holder = links::inspect(&pool, &token).await.unwrap();
    assert_eq!(holder.email, "owner@acme.test");

    let weak = links::redeem(
        &pool,
        &token,
        SecretString::from("password1234"),
        &Actor::default(),
    )
    .await;
    assert!(
        matches!(weak, Err(LinkError::Password(_))),
        "common passwords are refused"
    );

    let strong = SecretString::from("tangerine orbit velvet kettle".to_owned());
    links::redeem(&pool, &token, strong.clone(), &Actor::default())
        .await
        .unwrap();
    let again = links::redeem(&pool, &token, strong, &Actor::default()).await;
    assert!(matches!(again, Err(LinkError::Used)), "a link works once");
    assert!(matches!(
        links::inspect(&pool, "not-a-token").await,
        Err(LinkError::Unknown)
    ));

    // Only the hash of the token is stored.
    let mut conn = app.db.connect().await.unwrap();
    let stored: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM invitations WHERE convert_to($1, 'UTF8') = token_hash",
    )
    .bind(&token)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(stored, 0);
    let hash: String =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE email = 'owner@acme.test'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert!(hash.starts_with("$argon2id$"));
}

#[tokio::test]
async fn slugs_and_owner_emails_are_unique_with_clear_errors() {
    let app = spawn_app().await;
    let pool = app_pool(&app).await;
    new_tenant(&pool, "acme", "owner@acme.test").await;
    let slug = tenants::create(
        &pool,
        &Slug::parse("acme").unwrap(),
        "Other",
        &Email::parse("x@y.test").unwrap(),
        &cli_actor(),
    )
    .await;
    assert!(
        matches!(slug, Err(tenants::TenantError::SlugTaken(_))),
        "{slug:?}"
    );
    let email = tenants::create(
        &pool,
        &Slug::parse("beta").unwrap(),
        "Beta",
        &Email::parse("OWNER@acme.test").unwrap(),
        &cli_actor(),
    )
    .await;
    assert!(
        matches!(email, Err(tenants::TenantError::EmailTaken(_))),
        "{email:?}"
    );
}

#[tokio::test]
async fn the_audit_chain_verifies_and_reports_the_first_edited_entry() {
    let app = spawn_app().await;
    let pool = app_pool(&app).await;
    let created = new_tenant(&pool, "acme", "owner@acme.test").await;
    for i in 0..3 {
        audit::record(
            &pool,
            &Entry::new(created.tenant_id, &cli_actor(), "test.event", Outcome::Ok)
                .params(serde_json::json!({ "i": i, "note": "zürich ✓" })),
        )
        .await
        .unwrap();
    }
    assert_eq!(
        audit::verify_chain(&pool, created.tenant_id).await.unwrap(),
        Ok(5)
    );

    // The application role cannot edit the log at all.
    let mut tx = db::begin_for(&pool, created.tenant_id).await.unwrap();
    let denied = sqlx::query("UPDATE audit_log SET action = 'x' WHERE seq = 3")
        .execute(&mut *tx)
        .await;
    assert!(denied.is_err(), "portal_app may not update the audit log");
    drop(tx);

    // Even the owner cannot, while the trigger stands; someone who removes it is caught.
    let mut owner = app.db.connect().await.unwrap();
    assert!(sqlx::query("DELETE FROM audit_log WHERE seq = 4")
        .execute(&mut owner)
        .await
        .is_err());
    sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
        .execute(&mut owner)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_log SET params = '{\"i\": 99}' WHERE seq = 4")
        .execute(&mut owner)
        .await
        .unwrap();
    let broken = audit::verify_chain(&pool, created.tenant_id)
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(broken.seq, 4);
    assert!(broken.reason.contains("edited"), "{broken:?}");
    owner.close().await.unwrap();
}

#[tokio::test]
async fn concurrent_entries_form_one_chain_without_forks() {
    let app = spawn_app().await;
    let pool = app_pool(&app).await;
    let created = new_tenant(&pool, "acme", "owner@acme.test").await;
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let pool = pool.clone();
            let tenant = created.tenant_id;
            tokio::spawn(async move {
                audit::record(
                    &pool,
                    &Entry::new(tenant, &cli_actor(), "test.concurrent", Outcome::Ok)
                        .target("n", i),
                )
                .await
                .unwrap()
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(
        audit::verify_chain(&pool, created.tenant_id).await.unwrap(),
        Ok(22)
    );
}

#[tokio::test]
async fn row_level_security_hides_and_protects_other_tenants_rows() {
    let app = spawn_app().await;
    let pool = app_pool(&app).await;
    let a = new_tenant(&pool, "acme", "owner@acme.test").await;
    let b = new_tenant(&pool, "beta", "owner@beta.test").await;

    // Scoped to A, even a query that names B's rows sees and changes nothing of B.
    let mut tx = db::begin_for(&pool, a.tenant_id).await.unwrap();
    let seen: Vec<String> = sqlx::query_scalar("SELECT email FROM users")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(seen, vec!["owner@acme.test".to_owned()]);
    let changed = sqlx::query("UPDATE users SET display_name = 'pwned' WHERE id = $1")
        .bind(b.owner_id)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(changed.rows_affected(), 0);
    let planted = sqlx::query("INSERT INTO users (id, tenant_id, email, kind, role) VALUES (gen_random_uuid(), $1, 'spy@beta.test', 'staff', 'owner')")
        .bind(b.tenant_id)
        .execute(&mut *tx)
        .await;
    assert!(
        planted.is_err(),
        "rows cannot be written into another tenant"
    );
    drop(tx);

    // Without a tenant, nothing is visible at all.
    let none: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(none, 0);
    let audit_b: i64 = {
        let mut tx = db::begin_for(&pool, a.tenant_id).await.unwrap();
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE tenant_id = $1")
            .bind(b.tenant_id)
            .fetch_one(&mut *tx)
            .await
            .unwrap()
    };
    assert_eq!(audit_b, 0);
}
