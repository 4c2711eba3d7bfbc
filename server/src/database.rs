//! Finding, starting and migrating the database.
//!
//! In order: the configured URL (`PORTAL_DATABASE_URL`, then `DATABASE_URL`); a PostgreSQL
//! server answering on 127.0.0.1:5432 (a database of the portal's own name is created on it);
//! a private cluster under the data folder, created with `initdb` and started with `pg_ctl`
//! on its own port, and reused on later runs. Production only ever uses the configured URL.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;
use std::time::Duration;

use anyhow::{bail, Context};
use secrecy::ExposeSecret;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};

use crate::settings::{Environment, Settings};

/// Where the database server came from.
#[derive(Debug)]
pub enum Origin {
    /// A URL from the settings.
    Configured,
    /// The local server on 127.0.0.1:5432.
    LocalServer,
    /// The portal's own cluster under the data folder.
    Private(PrivateCluster),
}

/// A PostgreSQL server the portal can use, and the database it should use on it.
#[derive(Debug)]
pub struct Server {
    /// Options for the portal's database.
    pub options: PgConnectOptions,
    /// How the server was found.
    pub origin: Origin,
}

impl Server {
    /// Options for the same server's maintenance database (`postgres`).
    pub fn maintenance(&self) -> PgConnectOptions {
        self.options.clone().database("postgres")
    }

    /// Options for another database on the same server.
    pub fn database(&self, name: &str) -> PgConnectOptions {
        self.options.clone().database(name)
    }

    /// A line for the log that says where the database is, without credentials.
    pub fn describe(&self) -> String {
        let where_ = format!(
            "{}:{}/{}",
            self.options.get_host(),
            self.options.get_port(),
            self.options.get_database().unwrap_or("?")
        );
        match &self.origin {
            Origin::Configured => format!("configured database at {where_}"),
            Origin::LocalServer => format!("local PostgreSQL server at {where_}"),
            Origin::Private(c) => {
                format!(
                    "private PostgreSQL cluster in {} at {where_}",
                    c.dir.display()
                )
            }
        }
    }
}

/// Finds (or starts) the database server, following the order in the module docs.
pub async fn locate(settings: &Settings) -> anyhow::Result<Server> {
    if let Some(url) = settings.database_url() {
        let options = PgConnectOptions::from_str(url.expose_secret())
            .context("the database URL is not a valid PostgreSQL URL (postgres://user:password@host:port/database)")?;
        return Ok(Server {
            options,
            origin: Origin::Configured,
        });
    }
    if settings.environment == Environment::Production {
        bail!("no database configured: set PORTAL_DATABASE_URL");
    }
    let local = PgConnectOptions::new()
        .host("127.0.0.1")
        .port(5432)
        .username("postgres")
        .database("postgres");
    if answers(&local).await {
        return Ok(Server {
            options: local.database(&settings.database_name),
            origin: Origin::LocalServer,
        });
    }
    tracing::info!(
        "no PostgreSQL on 127.0.0.1:5432; using a private cluster under the data folder"
    );
    let cluster = PrivateCluster::start(&settings.data_dir, settings.private_pg_port)?;
    let options = cluster.options().database(&settings.database_name);
    Ok(Server {
        options,
        origin: Origin::Private(cluster),
    })
}

async fn answers(options: &PgConnectOptions) -> bool {
    let quiet = options
        .clone()
        .log_statements(tracing::log::LevelFilter::Off);
    let attempt = quiet.connect();
    matches!(
        tokio::time::timeout(Duration::from_secs(3), attempt).await,
        Ok(Ok(_))
    )
}

/// Creates the database named in `options` on its server when it does not exist yet.
pub async fn ensure_database(server: &Server, name: &str) -> anyhow::Result<()> {
    let mut conn = connect_with_retry(&server.maintenance()).await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut conn)
            .await?;
    if !exists {
        let sql = format!("CREATE DATABASE {}", quote_ident(name));
        match sqlx::query(&sql).execute(&mut conn).await {
            Ok(_) => tracing::info!(database = name, "created database"),
            // Another process created it between the check and now.
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => {}
            Err(e) => return Err(e).context(format!("could not create database {name}")),
        }
    }
    conn.close().await.ok();
    Ok(())
}

/// Connects, retrying for a few seconds while a just-started server comes up.
async fn connect_with_retry(options: &PgConnectOptions) -> anyhow::Result<PgConnection> {
    let mut last = None;
    for _ in 0..20 {
        match options.connect().await {
            Ok(conn) => return Ok(conn),
            Err(e) => {
                last = Some(e);
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
    }
    Err(last.expect("at least one attempt")).context(format!(
        "could not connect to PostgreSQL at {}:{}",
        options.get_host(),
        options.get_port()
    ))
}

/// The database role the portal's queries run as: no BYPASSRLS, so row-level security
/// holds even when the connecting user could bypass it.
pub const APP_ROLE: &str = "portal_app";

/// Opens the pool on the portal's database. Every connection switches to [`APP_ROLE`].
pub async fn pool(options: PgConnectOptions) -> anyhow::Result<PgPool> {
    let options =
        options.log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_millis(500));
    PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(5))
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                sqlx::query(&format!("SET ROLE {APP_ROLE}"))
                    .execute(conn)
                    .await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .context("could not open the database pool")
}

/// A small pool as the configured user itself (the schema owner), for platform-operator
/// commands that must see across tenants. The portal's requests never use it.
pub async fn owner_pool(options: PgConnectOptions) -> anyhow::Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
        .context("could not open the database")
}

/// Applies the migrations in `migrations/` that are not applied yet, on a connection of
/// the configured user (which owns the schema), not the application role.
pub async fn migrate(options: &PgConnectOptions) -> anyhow::Result<()> {
    let mut conn = connect_with_retry(options).await?;
    sqlx::migrate!("../migrations")
        .run(&mut conn)
        .await
        .context("database migrations failed")?;
    conn.close().await.ok();
    Ok(())
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The portal's own PostgreSQL cluster under the data folder.
#[derive(Debug)]
pub struct PrivateCluster {
    dir: PathBuf,
    port: u16,
    started_here: bool,
}

impl PrivateCluster {
    /// Creates the cluster if needed and starts it unless it is already running.
    pub fn start(data_dir: &Path, port: u16) -> anyhow::Result<Self> {
        fs::create_dir_all(data_dir)
            .with_context(|| format!("could not create the data folder {}", data_dir.display()))?;
        let data_dir = data_dir.canonicalize()?;
        let dir = data_dir.join("pg");
        // One process at a time creates or starts the cluster.
        let lock = fs::File::create(data_dir.join("pg.lock"))?;
        lock.lock()?;
        let as_user = postgres_user_if_root()?;
        if !dir.join("PG_VERSION").exists() {
            tracing::info!(dir = %dir.display(), "initialising a private PostgreSQL cluster");
            fs::create_dir_all(&dir)?;
            if let Some(user) = &as_user {
                run(Command::new("chown").args(["-R", user]).arg(&dir), "chown")?;
            }
            run(
                command(&as_user, "initdb")?
                    .args([
                        "-U",
                        "postgres",
                        "-A",
                        "trust",
                        "-E",
                        "UTF8",
                        "--no-instructions",
                        "-D",
                    ])
                    .arg(&dir),
                "initdb",
            )?;
        }
        let running = command(&as_user, "pg_ctl")?
            .arg("status")
            .arg("-D")
            .arg(&dir)
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        let mut started_here = false;
        if !running {
            tracing::info!(port, "starting the private PostgreSQL cluster");
            run(
                command(&as_user, "pg_ctl")?
                    .args(["start", "-w", "-t", "60", "-D"])
                    .arg(&dir)
                    .arg("-l")
                    .arg(dir.join("server.log"))
                    .arg("-o")
                    .arg(format!(
                        "-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
                    )),
                "pg_ctl start",
            )?;
            started_here = true;
        }
        drop(lock);
        Ok(PrivateCluster {
            dir,
            port,
            started_here,
        })
    }

    /// Connection options for the cluster (maintenance database).
    pub fn options(&self) -> PgConnectOptions {
        PgConnectOptions::new()
            .host("127.0.0.1")
            .port(self.port)
            .username("postgres")
            .database("postgres")
    }

    /// Stops the cluster cleanly if this process started it.
    pub fn stop_if_started_here(&self) {
        if !self.started_here {
            return;
        }
        let result = postgres_user_if_root().and_then(|user| {
            run(
                command(&user, "pg_ctl")?
                    .args(["stop", "-m", "fast", "-w", "-D"])
                    .arg(&self.dir),
                "pg_ctl stop",
            )
        });
        match result {
            Ok(()) => tracing::info!("stopped the private PostgreSQL cluster"),
            Err(e) => tracing::error!(error = %e, "could not stop the private PostgreSQL cluster"),
        }
    }
}

/// PostgreSQL refuses to run as root; as root, its tools run as the `postgres` user.
fn postgres_user_if_root() -> anyhow::Result<Option<String>> {
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .context("could not run `id -u`")?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Ok(None);
    }
    let exists = Command::new("id")
        .arg("postgres")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !exists {
        bail!("running as root, and PostgreSQL will not run as root: create a `postgres` user (`useradd -r postgres`) or set PORTAL_DATABASE_URL");
    }
    Ok(Some("postgres".to_owned()))
}

fn command(as_user: &Option<String>, tool: &str) -> anyhow::Result<Command> {
    let path = find_tool(tool).with_context(|| {
        format!("`{tool}` was not found: install PostgreSQL's server package (e.g. `apt-get install postgresql`) or set PORTAL_DATABASE_URL")
    })?;
    Ok(match as_user {
        Some(user) => {
            let mut c = Command::new("runuser");
            c.args(["-u", user, "--"]).arg(path);
            c
        }
        None => Command::new(path),
    })
}

fn find_tool(tool: &str) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(tool))
            .find(|p| p.is_file())
    });
    on_path.or_else(|| {
        let mut versions: Vec<PathBuf> = fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path().join("bin").join(tool)))
            .filter(|p| p.is_file())
            .collect();
        versions.sort();
        versions.pop()
    })
}

fn run(cmd: &mut Command, what: &str) -> anyhow::Result<()> {
    let out = cmd
        .output()
        .with_context(|| format!("could not run {what}"))?;
    if !out.status.success() {
        bail!(
            "{what} failed: {}{}",
            String::from_utf8_lossy(&out.stderr).trim(),
            String::from_utf8_lossy(&out.stdout).trim()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    }
}
