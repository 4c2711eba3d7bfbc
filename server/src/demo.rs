//! The local default's demo tenant: connected to the built-in sandbox, with a printed login,
//! so a newcomer sees a working portal on first run.

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::Context;
use app::domain::policy::Role;
use app::server::audit::{self, Actor, Entry, Outcome};
use app::server::connections::{self, ConnectionInput};
use app::server::state::AppState;
use app::server::{db, passwords};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use vobiz::sandbox::DemoWorld;

/// The demo tenant's short name.
pub const DEMO_SLUG: &str = "demo";

/// The demo owner's login, kept in `<data dir>/demo-login.json` (mode 0600).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DemoLogin {
    /// The owner's email.
    pub email: String,
    /// The owner's password.
    pub password: String,
}

/// Creates the demo tenant (once) with its owner and its Vobiz connection to the sandbox,
/// and returns the login to print.
pub async fn ensure(
    state: &AppState,
    data_dir: &Path,
    world: &DemoWorld,
) -> anyhow::Result<DemoLogin> {
    let file = data_dir.join("demo-login.json");
    let owner_pool = &state.pool;
    let existing: Option<Uuid> = sqlx::query_scalar("SELECT tenant_id FROM sign_in_lookup($1)")
        .bind("owner@demo.example")
        .fetch_optional(owner_pool)
        .await?;
    if let (Some(_), Ok(text)) = (existing, fs::read_to_string(&file)) {
        if let Ok(login) = serde_json::from_str::<DemoLogin>(&text) {
            return Ok(login);
        }
    }
    let mut bytes = [0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let login = DemoLogin {
        email: "owner@demo.example".into(),
        password: format!("demo-{}", URL_SAFE_NO_PAD.encode(bytes)),
    };
    let hash = passwords::hash(SecretString::from(login.password.clone())).await;
    let actor = Actor {
        role: Some("platform-operator".into()),
        ..Actor::default()
    };
    let tenant = match existing {
        Some(tenant) => {
            // The login file was lost: give the owner a new password.
            let mut tx = db::begin_for(&state.pool, tenant).await?;
            sqlx::query("UPDATE users SET password_hash = $2 WHERE email = $1")
                .bind(&login.email)
                .bind(&hash)
                .execute(&mut *tx)
                .await?;
            audit::append(
                &mut tx,
                &Entry::new(tenant, &actor, "auth.set_password", Outcome::Ok)
                    .target("user", &login.email),
            )
            .await?;
            tx.commit().await?;
            tenant
        }
        None => {
            let tenant = Uuid::new_v4();
            let owner = Uuid::new_v4();
            let mut tx = db::begin_for(&state.pool, tenant).await?;
            sqlx::query("INSERT INTO tenants (id, slug, name) VALUES ($1, $2, 'Demo Telecom')")
                .bind(tenant)
                .bind(DEMO_SLUG)
                .execute(&mut *tx)
                .await
                .context("could not create the demo tenant (is the slug `demo` taken?)")?;
            sqlx::query(
                "INSERT INTO users (id, tenant_id, email, display_name, kind, role, password_hash)
                 VALUES ($1, $2, $3, 'Demo owner', 'staff', $4, $5)",
            )
            .bind(owner)
            .bind(tenant)
            .bind(&login.email)
            .bind(Role::Owner.as_str())
            .bind(&hash)
            .execute(&mut *tx)
            .await?;
            audit::append(
                &mut tx,
                &Entry::new(tenant, &actor, "tenant.create", Outcome::Ok)
                    .target("tenant", tenant)
                    .params(serde_json::json!({ "slug": DEMO_SLUG, "demo": true })),
            )
            .await?;
            tx.commit().await?;
            tenant
        }
    };
    let input = ConnectionInput {
        base_url: None,
        partner_auth_id: world.partner.auth_id.clone(),
        partner_token: SecretString::from(world.partner.auth_token.clone()),
        pool_auth_id: Some(world.pool_account.auth_id.clone()),
        pool_token: Some(SecretString::from(world.pool_account.auth_token.clone())),
    };
    connections::save(
        &state.pool,
        &state.vault,
        &state.vobiz,
        tenant,
        &actor,
        input,
    )
    .await
    .map_err(|e| anyhow::anyhow!("could not connect the demo tenant to the sandbox: {e}"))?;
    write_private(&file, &serde_json::to_string_pretty(&login)?)?;
    Ok(login)
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    fs::rename(&tmp, path)?;
    Ok(())
}

/// Prints the demo login for the person who started the portal.
pub fn announce(login: &DemoLogin, url: &str) {
    println!("  Demo tenant (sandbox data): sign in at {url}/login as");
    println!("    {}  /  {}", login.email, login.password);
    println!("  (kept in the data folder's demo-login.json)\n");
}
