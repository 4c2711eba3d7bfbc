//! The numbers mirror's figures, printed (not asserted):
//!
//! - a full sync of 20,000 numbers from the sandbox with 50 ms added to every Vobiz call;
//! - server time of filtering and paging the global numbers view over those 20,000 numbers
//!   (p50, p95, max over a mix of filters).
//!
//! Run with `cargo bench -p server --bench numbers_mirror`. It needs a PostgreSQL server (the
//! same one the tests use) and makes a database of its own, dropped at the end.

use std::time::{Duration, Instant};

use app::server::accounts::{self, Trigger};
use app::server::audit::Actor;
use app::server::connections::{self, ConnectionInput};
use app::server::numbers::{self, Filters};
use app::server::state::{AppState, Upstream, UpstreamMode};
use app::server::vault::{MasterKey, Vault};
use clap::Parser;
use secrecy::SecretString;
use server::database::{self, Origin, Server};
use sqlx::{ConnectOptions, Connection};
use vobiz::client::{Client, ClientOptions};
use vobiz::sandbox::{Sandbox, SandboxConfig};

const NUMBERS: usize = 20_000;
const LATENCY_MS: u64 = 50;
const QUERIES: usize = 400;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    settings: server::settings::Settings,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let settings = Cli::try_parse_from([
        "bench",
        "--data-dir",
        &dir.path().display().to_string(),
        "--log",
        "warn",
    ])?
    .settings;
    let located = database::locate(&settings).await?;
    let name = format!("portal_bench_{}", uuid::Uuid::new_v4().simple());
    let server = Server {
        options: located.database(&name),
        origin: Origin::Configured,
    };
    database::ensure_database(&server, &name).await?;
    database::migrate(&server.options).await?;
    let pool = database::pool(server.options.clone()).await?;

    let sandbox = Sandbox::new(SandboxConfig::demo(11));
    let demo = sandbox.demo();
    let running = sandbox.spawn("127.0.0.1:0".parse()?).await?;
    let base = running.base_url();
    let http = reqwest::Client::new();
    let control = |path: &str, body: serde_json::Value| {
        http.post(format!("{base}/__sandbox{path}"))
            .header("X-Sandbox-Token", &demo.control_token)
            .json(&body)
            .send()
    };
    // 20,000 more numbers, held by the pool.
    control(
        "/numbers/bulk",
        serde_json::json!({
            "count": NUMBERS, "country": "IN", "owner": demo.pool_account.auth_id,
        }),
    )
    .await?
    .error_for_status()?;

    let tenant_slug = app::domain::identity::Slug::parse("bench").map_err(anyhow::Error::msg)?;
    let email =
        app::domain::identity::Email::parse("owner@bench.test").map_err(anyhow::Error::msg)?;
    let created =
        app::server::tenants::create(&pool, &tenant_slug, "Bench", &email, &Actor::default())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    let tenant = created.tenant_id;
    let state = AppState {
        leptos_options: leptos::config::LeptosOptions::builder()
            .output_name("portal")
            .build(),
        pool: pool.clone(),
        upstream: std::sync::Arc::new(Upstream {
            mode: UpstreamMode::Sandbox,
            base_url: base.clone(),
        }),
        vobiz: Client::new(&base, ClientOptions::default())?,
        vault: std::sync::Arc::new(Vault::new(MasterKey::generate(), Vec::new(), true)),
        environment: "development",
        public_url: "http://127.0.0.1".into(),
    };
    connections::save(
        &state.pool,
        &state.vault,
        &state.vobiz,
        tenant,
        &Actor::default(),
        ConnectionInput {
            base_url: None,
            partner_auth_id: demo.partner.auth_id.clone(),
            partner_token: SecretString::from(demo.partner.auth_token.clone()),
            pool_auth_id: Some(demo.pool_account.auth_id.clone()),
            pool_token: Some(SecretString::from(demo.pool_account.auth_token.clone())),
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    accounts::refresh(&state, tenant, Trigger::Command, &|_, _| {})
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;

    control(
        "/faults",
        serde_json::json!({ "route": "*", "kind": "latency", "ms": LATENCY_MS }),
    )
    .await?
    .error_for_status()?;
    let started = Instant::now();
    let synced = numbers::sync(&state, tenant, Trigger::Command, &|_, _| {})
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let sync_time = started.elapsed();
    println!("full sync: {synced:?} numbers with {LATENCY_MS} ms added per Vobiz call in {:.2} s (target: under 30 s)", sync_time.as_secs_f64());

    let filters = [
        Filters::default(),
        Filters {
            search: Some("80".into()),
            ..Default::default()
        },
        Filters {
            country: Some("IN".into()),
            region: Some("maha".into()),
            ..Default::default()
        },
        Filters {
            no_application: true,
            ..Default::default()
        },
        Filters {
            renewing_within_days: Some(14),
            ..Default::default()
        },
        Filters {
            at_risk: true,
            ..Default::default()
        },
        Filters {
            aadhaar_pending: true,
            status: Some("active".into()),
            ..Default::default()
        },
        Filters {
            customer: Some(demo.pool_account.auth_id.clone()),
            pool_free: true,
            ..Default::default()
        },
    ];
    for round in [
        "right after the sync, before PostgreSQL has statistics of the new rows",
        "after ANALYZE (as autovacuum does soon after)",
    ] {
        if round.starts_with("after") {
            let mut owner = server.options.connect().await?;
            sqlx::query("ANALYZE numbers, vobiz_accounts")
                .execute(&mut owner)
                .await?;
            owner.close().await?;
        }
        println!("{round}:");
        let mut times = Vec::with_capacity(QUERIES);
        let mut by_filter: Vec<Vec<Duration>> = vec![Vec::new(); filters.len()];
        for i in 0..QUERIES {
            let f = &filters[i % filters.len()];
            let page = 1 + (i as u32 % 7) * 13;
            let t = Instant::now();
            let (_, total) = numbers::list(&state.pool, tenant, f, page, 50)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let took = t.elapsed();
            times.push(took);
            by_filter[i % filters.len()].push(took);
            std::hint::black_box(total);
        }
        for (f, mut t) in filters.iter().zip(by_filter) {
            t.sort();
            println!(
                "  p95 {:>6.1} ms  {f:?}",
                percentile(&t, 0.95).as_secs_f64() * 1000.0
            );
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "numbers view over {synced:?}: {QUERIES} filtered pages, p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms (target: p95 under 50 ms)",
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.95)),
            ms(*times.last().unwrap())
        );
    }

    pool.close().await;
    running.shutdown().await;
    if std::env::var_os("BENCH_KEEP_DATABASE").is_some() {
        println!("kept database {name} (BENCH_KEEP_DATABASE is set)");
        return Ok(());
    }
    let mut conn = located.maintenance().connect().await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}
