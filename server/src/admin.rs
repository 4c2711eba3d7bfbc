//! `server admin …`: the platform operator's commands.

use anyhow::{bail, Context};
use app::domain::identity::{Email, Slug};
use app::server::audit::{self, Actor};
use app::server::{connections, tenants};
use clap::Subcommand;
use secrecy::ExposeSecret;
use sqlx::PgPool;
use uuid::Uuid;

use crate::database;
use crate::keys;
use crate::settings::Settings;

/// Platform operator commands.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a tenant and its first owner; prints the owner's one-time set-password link.
    CreateTenant {
        /// Short name used in links: lower-case letters, digits, hyphens.
        #[arg(long)]
        slug: String,
        /// The partner's name as people should see it.
        #[arg(long)]
        name: String,
        /// Email of the first owner.
        #[arg(long)]
        owner_email: String,
    },
    /// Create a platform operator account; prints its generated password once. Operators
    /// sign in at /operator/login to create tenants; they see no tenant's business data.
    CreateOperator {
        /// The operator's email.
        #[arg(long)]
        email: String,
    },
    /// Check every tenant's audit hash chain (or one tenant's); exits 1 at a broken link.
    VerifyAudit {
        /// Only this tenant (its slug).
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Refresh one tenant's customer and number mirrors from Vobiz now, showing progress.
    /// Safe while the portal runs: a refresh already under way (here or on any instance) is
    /// not started twice.
    Sync {
        /// The tenant (its slug).
        #[arg(long)]
        tenant: String,
    },
    /// Re-encrypt stored Vobiz credentials under PORTAL_MASTER_KEY. Give the old key in
    /// PORTAL_PREVIOUS_MASTER_KEYS; the portal keeps serving while this runs when its
    /// instances are configured with both.
    RotateKey,
}

struct Pools {
    app: PgPool,
    owner: PgPool,
}

async fn pools(settings: &Settings) -> anyhow::Result<Pools> {
    let server = database::locate(settings).await?;
    let name = server
        .options
        .get_database()
        .unwrap_or("postgres")
        .to_owned();
    database::ensure_database(&server, &name).await?;
    database::migrate(&server.options).await?;
    Ok(Pools {
        app: database::pool(server.options.clone()).await?,
        owner: database::owner_pool(server.options.clone()).await?,
    })
}

fn operator() -> Actor {
    Actor {
        role: Some("platform-operator".into()),
        ..Actor::default()
    }
}

/// Runs an admin command.
pub async fn run(settings: Settings, command: AdminCommand) -> anyhow::Result<()> {
    settings.validate()?;
    let pools = pools(&settings).await?;
    match command {
        AdminCommand::CreateTenant {
            slug,
            name,
            owner_email,
        } => {
            let slug = Slug::parse(&slug)
                .map_err(anyhow::Error::msg)
                .context("--slug")?;
            let email = Email::parse(&owner_email)
                .map_err(anyhow::Error::msg)
                .context("--owner-email")?;
            let created = tenants::create(&pools.app, &slug, &name, &email, &operator())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let link = settings
                .public_url()
                .join(&format!(
                    "accept/{}",
                    created.owner_link.token.expose_secret()
                ))
                .context("could not form the link")?;
            println!("Created tenant {} ({}).", name.trim(), slug.as_str());
            println!("Send this one-time link to {email}; it sets the owner's password and");
            println!(
                "expires {}:",
                created.owner_link.expires_at.format("%Y-%m-%d %H:%M UTC")
            );
            println!("\n  {link}\n");
            Ok(())
        }
        AdminCommand::CreateOperator { email } => {
            let email = Email::parse(&email)
                .map_err(anyhow::Error::msg)
                .context("--email")?;
            let mut bytes = [0u8; 18];
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
            let password =
                base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes);
            app::server::operators::create(
                &pools.app,
                &email,
                secrecy::SecretString::from(password.clone()),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            let url = settings
                .public_url()
                .join("operator/login")
                .context("could not form the link")?;
            println!("Created operator {email}. Sign in at {url} with this password (shown once):");
            println!("\n  {password}\n");
            Ok(())
        }
        AdminCommand::VerifyAudit { tenant } => {
            let tenants: Vec<(Uuid, String)> = match &tenant {
                Some(slug) => {
                    sqlx::query_as("SELECT id, slug FROM tenants WHERE slug = $1")
                        .bind(slug)
                        .fetch_all(&pools.owner)
                        .await?
                }
                None => {
                    sqlx::query_as("SELECT id, slug FROM tenants ORDER BY slug")
                        .fetch_all(&pools.owner)
                        .await?
                }
            };
            if tenants.is_empty() {
                bail!(
                    "no tenant{} found",
                    tenant
                        .map(|s| format!(" with slug {s}"))
                        .unwrap_or_default()
                );
            }
            let mut broken = 0;
            for (id, slug) in tenants {
                match audit::verify_chain(&pools.app, id).await? {
                    Ok(n) => println!("{slug}: {n} entries, chain intact"),
                    Err(link) => {
                        broken += 1;
                        println!("{slug}: BROKEN at entry {}: {}", link.seq, link.reason);
                    }
                }
            }
            if broken > 0 {
                bail!("{broken} tenant(s) have a broken audit chain");
            }
            Ok(())
        }
        AdminCommand::Sync { tenant } => sync(&settings, &pools, &tenant).await,
        AdminCommand::RotateKey => {
            if settings.master_key.is_none() {
                bail!("set PORTAL_MASTER_KEY to the new key and PORTAL_PREVIOUS_MASTER_KEYS to the old one(s)");
            }
            let vault = keys::load(&settings)?;
            let n = connections::rotate_all(&pools.owner, &pools.app, &vault)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let customers =
                app::server::accounts::rotate_credentials(&pools.owner, &pools.app, &vault).await?;
            println!(
                "Re-encrypted the Vobiz credentials of {n} tenant(s) and {customers} customer account token(s) under key {}.",
                vault.current_key_id()
            );
            Ok(())
        }
    }
}

/// `server admin sync --tenant SLUG`: both mirrors of one tenant, with progress bars.
async fn sync(settings: &Settings, pools: &Pools, slug: &str) -> anyhow::Result<()> {
    use app::server::accounts::{self, Refresh, Trigger};
    use indicatif::{ProgressBar, ProgressStyle};
    let tenant: Option<Uuid> = sqlx::query_scalar("SELECT id FROM tenants WHERE slug = $1")
        .bind(slug)
        .fetch_optional(&pools.owner)
        .await?;
    let Some(tenant) = tenant else {
        bail!("no tenant has the short name {slug}");
    };
    let state = app::server::state::AppState {
        leptos_options: leptos::config::LeptosOptions::builder()
            .output_name("portal")
            .build(),
        pool: pools.app.clone(),
        upstream: std::sync::Arc::new(app::server::state::Upstream {
            mode: app::server::state::UpstreamMode::Live,
            base_url: settings
                .vobiz_base_url
                .as_str()
                .trim_end_matches('/')
                .to_owned(),
        }),
        vobiz: vobiz::client::Client::new(
            settings.vobiz_base_url.as_str(),
            vobiz::client::ClientOptions {
                timeout: std::time::Duration::from_secs(settings.vobiz_timeout_secs.max(1)),
                ..Default::default()
            },
        )?,
        vault: std::sync::Arc::new(keys::load(settings)?),
        environment: settings.environment.as_str(),
        public_url: settings
            .public_url()
            .as_str()
            .trim_end_matches('/')
            .to_owned(),
    };
    let style = ProgressStyle::with_template("{prefix:>10} [{bar:40}] {pos}/{len} {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    for kind in ["customers", "numbers"] {
        let bar = ProgressBar::new(0)
            .with_style(style.clone())
            .with_prefix(kind);
        let tick = |done: usize, total: usize| {
            bar.set_length(total.max(done) as u64);
            bar.set_position(done as u64);
        };
        let outcome = match kind {
            "customers" => accounts::refresh(&state, tenant, Trigger::Command, &tick).await,
            _ => app::server::numbers::sync(&state, tenant, Trigger::Command, &tick).await,
        }
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        match outcome {
            Refresh::Done(n) => bar.finish_with_message(format!("done: {n} {kind}")),
            Refresh::AlreadyRunning => bar.abandon_with_message(
                "a sync of this tenant is already running; not started again",
            ),
        }
    }
    Ok(())
}
