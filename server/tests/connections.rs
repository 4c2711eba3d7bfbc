//! Storing a tenant's Vobiz credentials: verified first, sealed, masked, rotatable.

mod common;

use app::domain::identity::{Email, Slug};
use app::server::audit::Actor;
use app::server::connections::{self, ConnectionError, ConnectionInput};
use app::server::tenants;
use app::server::vault::{MasterKey, Vault};
use common::{database_url, spawn_app};
use secrecy::{ExposeSecret, SecretString};
use sqlx::PgPool;
use vobiz::client::Client;
use vobiz::sandbox::{Sandbox, SandboxConfig};

fn actor() -> Actor {
    Actor {
        role: Some("owner".into()),
        email: Some("owner@acme.test".into()),
        ..Actor::default()
    }
}

async fn setup() -> (
    common::TestApp,
    PgPool,
    uuid::Uuid,
    vobiz::sandbox::RunningSandbox,
    vobiz::sandbox::DemoWorld,
) {
    let app = spawn_app().await;
    let pool = server::database::pool(app.db.clone()).await.unwrap();
    let t = tenants::create(
        &pool,
        &Slug::parse("acme").unwrap(),
        "Acme",
        &Email::parse("owner@acme.test").unwrap(),
        &Actor::default(),
    )
    .await
    .unwrap();
    let sandbox = Sandbox::new(SandboxConfig::demo(7));
    let demo = sandbox.demo();
    let running = sandbox.spawn("127.0.0.1:0".parse().unwrap()).await.unwrap();
    (app, pool, t.tenant_id, running, demo)
}

fn input(demo: &vobiz::sandbox::DemoWorld, token: &str) -> ConnectionInput {
    ConnectionInput {
        base_url: None,
        partner_auth_id: demo.partner.auth_id.clone(),
        partner_token: SecretString::from(token.to_owned()),
        pool_auth_id: Some(demo.pool_account.auth_id.clone()),
        pool_token: Some(SecretString::from(demo.pool_account.auth_token.clone())),
    }
}

#[tokio::test]
async fn wrong_credentials_are_refused_and_nothing_is_stored() {
    let (_app, pool, tenant, sandbox, demo) = setup().await;
    let client = Client::new(&sandbox.base_url(), Default::default()).unwrap();
    let vault = Vault::new(MasterKey::generate(), vec![], false);
    let err = connections::save(
        &pool,
        &vault,
        &client,
        tenant,
        &actor(),
        input(&demo, "wrong-token"),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ConnectionError::Rejected(_)), "{err:?}");
    assert!(err.to_string().contains("did not accept"), "{err}");
    assert!(connections::summary(&pool, tenant).await.unwrap().is_none());

    let bad_id = ConnectionInput {
        partner_auth_id: "MA_123".into(),
        ..input(&demo, "x")
    };
    let err = connections::save(&pool, &vault, &client, tenant, &actor(), bad_id)
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectionError::Invalid(_)), "{err:?}");
}

#[tokio::test]
async fn good_credentials_are_stored_sealed_shown_masked_and_open_for_their_tenant_only() {
    let (app, pool, tenant, sandbox, demo) = setup().await;
    let client = Client::new(&sandbox.base_url(), Default::default()).unwrap();
    let vault = Vault::new(MasterKey::generate(), vec![], false);
    let summary = connections::save(
        &pool,
        &vault,
        &client,
        tenant,
        &actor(),
        input(&demo, &demo.partner.auth_token),
    )
    .await
    .unwrap();
    assert_eq!(summary.partner_auth_id, demo.partner.auth_id);
    assert!(!summary.partner_name.is_empty());
    assert!(!summary
        .partner_token_mask
        .contains(&demo.partner.auth_token));
    assert_eq!(summary.currency, "INR");

    // The database holds no token in clear.
    use sqlx::ConnectOptions;
    let mut owner = app.db.connect().await.unwrap();
    let raw: Vec<u8> = sqlx::query_scalar("SELECT partner_token FROM vobiz_connections")
        .fetch_one(&mut owner)
        .await
        .unwrap();
    assert!(!raw
        .windows(demo.partner.auth_token.len())
        .any(|w| w == demo.partner.auth_token.as_bytes()));

    let opened = connections::open(&pool, &vault, &client, tenant)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        opened.partner.auth_token.expose_secret(),
        demo.partner.auth_token
    );
    assert_eq!(opened.pool.unwrap().auth_id, demo.pool_account.auth_id);

    // Another tenant sees no connection, and a row copied into it does not open.
    let other = tenants::create(
        &pool,
        &Slug::parse("beta").unwrap(),
        "Beta",
        &Email::parse("o@beta.test").unwrap(),
        &Actor::default(),
    )
    .await
    .unwrap()
    .tenant_id;
    assert!(connections::open(&pool, &vault, &client, other)
        .await
        .unwrap()
        .is_none());
    sqlx::query("INSERT INTO vobiz_connections SELECT $1, base_url, partner_auth_id, partner_key_id, partner_nonce, partner_token, partner_token_mask, pool_auth_id, pool_key_id, pool_nonce, pool_token, pool_token_mask, partner_name, currency, verified_at, NULL, now() FROM vobiz_connections WHERE tenant_id = $2")
        .bind(other)
        .bind(tenant)
        .execute(&mut owner)
        .await
        .unwrap();
    let copied = connections::open(&pool, &vault, &client, other).await;
    assert!(
        matches!(copied, Err(ConnectionError::Vault(_))),
        "{copied:?}"
    );
}

#[tokio::test]
async fn the_cli_creates_tenants_verifies_the_audit_chain_and_rotates_the_key() {
    let (app, pool, tenant, sandbox, demo) = setup().await;
    let client = Client::new(&sandbox.base_url(), Default::default()).unwrap();
    let old = MasterKey::generate();
    let old_text = old.to_base64();
    let vault = Vault::new(old, vec![], false);
    connections::save(
        &pool,
        &vault,
        &client,
        tenant,
        &actor(),
        input(&demo, &demo.partner.auth_token),
    )
    .await
    .unwrap();

    let data_dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str], envs: &[(&str, &str)]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_server"));
        cmd.args(args)
            .env("PORTAL_DATABASE_URL", database_url(app.db_name()))
            .env("PORTAL_DATA_DIR", data_dir.path())
            .env("PORTAL_LOG", "error")
            .env_remove("PORTAL_MASTER_KEY")
            .env_remove("PORTAL_PREVIOUS_MASTER_KEYS");
        for (k, v) in envs {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };

    let out = run(
        &[
            "admin",
            "create-tenant",
            "--slug",
            "gamma",
            "--name",
            "Gamma Telecom",
            "--owner-email",
            "boss@gamma.test",
        ],
        &[],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("/accept/"), "{stdout}");

    let out = run(&["admin", "verify-audit"], &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("acme: 3 entries, chain intact"), "{stdout}");
    assert!(
        stdout.contains("gamma: 2 entries, chain intact"),
        "{stdout}"
    );

    let out = run(
        &[
            "admin",
            "create-tenant",
            "--slug",
            "gamma",
            "--name",
            "Again",
            "--owner-email",
            "x@gamma.test",
        ],
        &[],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already uses the short name gamma"));

    let new = MasterKey::generate();
    let new_text = new.to_base64();
    let out = run(
        &["admin", "rotate-key"],
        &[
            ("PORTAL_MASTER_KEY", new_text.expose_secret()),
            ("PORTAL_PREVIOUS_MASTER_KEYS", old_text.expose_secret()),
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("1 tenant(s)"), "{stdout}");

    // Only the new key is needed now.
    let only_new = Vault::new(MasterKey::from_base64(&new_text).unwrap(), vec![], false);
    let opened = connections::open(&pool, &only_new, &client, tenant)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        opened.partner.auth_token.expose_secret(),
        demo.partner.auth_token
    );
    let out = run(&["admin", "verify-audit", "--tenant", "acme"], &[]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("acme: 4 entries, chain intact"));
}
