//! Starts the real portal on port 0 against a fresh database, with the sandbox upstream,
//! and talks to it like a browser (cookies kept, redirects not followed).

#![allow(dead_code)]

pub mod world;

use clap::Parser;
use server::database::{self, Origin, Server};
use server::settings::Settings;
use server::startup::Application;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    settings: Settings,
}

/// Settings for a test portal: port 0, its own data folder, development mode.
pub fn test_settings(data_dir: &std::path::Path, extra: &[&str]) -> Settings {
    let mut args = vec![
        "server".to_owned(),
        "--environment".into(),
        "development".into(),
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--data-dir".into(),
        data_dir.display().to_string(),
        "--log".into(),
        std::env::var("TEST_LOG").unwrap_or_else(|_| "warn".into()),
    ];
    if !extra.contains(&"--background-jobs") {
        args.extend(["--background-jobs".to_owned(), "false".to_owned()]);
    }
    if !extra.contains(&"--demo-tenant") {
        args.extend(["--demo-tenant".to_owned(), "false".to_owned()]);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    Cli::try_parse_from(args)
        .expect("test settings parse")
        .settings
}

/// A running portal on a database of its own, dropped when the test ends.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`
    pub address: String,
    /// A client with a cookie jar that does not follow redirects.
    pub client: reqwest::Client,
    /// Options for the test's own database.
    pub db: PgConnectOptions,
    /// The demo tenant's login, when the portal set one up.
    pub demo: Option<server::demo::DemoLogin>,
    maintenance: PgConnectOptions,
    db_name: String,
    _data_dir: tempfile::TempDir,
}

/// A URL for database `name` on the server the tests use, for child processes.
pub fn database_url(name: &str) -> String {
    let configured =
        std::env::var("PORTAL_DATABASE_URL").or_else(|_| std::env::var("DATABASE_URL"));
    match configured {
        Ok(url) if !url.trim().is_empty() => {
            let mut url = url::Url::parse(&url).expect("the configured database URL parses");
            url.set_path(&format!("/{name}"));
            url.to_string()
        }
        _ => format!("postgres://postgres@127.0.0.1:5432/{name}"),
    }
}

/// A password that passes the portal's policy.
pub const PASSWORD: &str = "tangerine orbit velvet kettle";

impl TestApp {
    /// A pool on the test database as the portal's own role.
    pub async fn pool(&self) -> sqlx::PgPool {
        server::database::pool(self.db.clone())
            .await
            .expect("pool opens")
    }

    /// Creates a tenant whose owner has set [`PASSWORD`]; returns (tenant id, owner email).
    pub async fn tenant_with_owner(&self, slug: &str) -> (uuid::Uuid, String) {
        use app::domain::identity::{Email, Slug};
        use secrecy::ExposeSecret;
        let pool = self.pool().await;
        let email = format!("owner@{slug}.test");
        let created = app::server::tenants::create(
            &pool,
            &Slug::parse(slug).unwrap(),
            &format!("{slug} telecom"),
            &Email::parse(&email).unwrap(),
            &app::server::audit::Actor::default(),
        )
        .await
        .expect("tenant created");
        app::server::links::redeem(
            &pool,
            created.owner_link.token.expose_secret(),
            secrecy::SecretString::from(PASSWORD.to_owned()),
            &app::server::audit::Actor::default(),
        )
        .await
        .expect("password set");
        (created.tenant_id, email)
    }

    /// Signs the test's browser in; returns where the portal sent it.
    pub async fn sign_in(&self, email: &str, password: &str) -> String {
        let res = self
            .post_form(
                "/api/sign_in",
                &[("email", email), ("password", password), ("next", "/")],
            )
            .await;
        let status = res.status();
        if !status.is_redirection() {
            panic!(
                "sign-in answers with a redirect, got {status}: {}",
                res.text().await.unwrap_or_default()
            );
        }
        res.headers()["location"].to_str().unwrap().to_owned()
    }

    /// The test database's name.
    pub fn db_name(&self) -> &str {
        &self.db_name
    }

    /// GET a path.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request sent")
    }

    /// POST a form to a server function or route, as a browser without JavaScript does.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.address))
            .header("origin", &self.address)
            .header("accept", "text/html,application/xhtml+xml")
            .form(form)
            .send()
            .await
            .expect("request sent")
    }
}

/// Starts a portal on a fresh database (created from the migrations).
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Starts a portal with extra settings (flags).
pub async fn spawn_app_with(extra: &[&str]) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let settings = test_settings(data_dir.path(), extra);
    let located = database::locate(&settings)
        .await
        .expect("a PostgreSQL server is available");
    let db_name = format!("portal_test_{}", uuid::Uuid::new_v4().simple());
    let server = Server {
        options: located.database(&db_name),
        origin: Origin::Configured,
    };
    let maintenance = located.maintenance();
    let db = server.options.clone();
    let app = Application::build_on(settings, server)
        .await
        .expect("portal builds");
    let demo = app.demo_login().cloned();
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client builds");
    TestApp {
        address,
        client,
        db,
        maintenance,
        db_name,
        demo,
        _data_dir: data_dir,
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let maintenance = self.maintenance.clone();
        let name = self.db_name.clone();
        // Drop runs inside the test's runtime; a thread with its own runtime may block.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let mut conn = maintenance.connect().await.ok()?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .execute(&mut conn)
                    .await
                    .ok()?;
                conn.close().await.ok()
            })
        })
        .join();
    }
}

/// The staff member `email` of `tenant` as the server functions see them when signed in.
pub async fn as_user(
    app: &TestApp,
    tenant: uuid::Uuid,
    email: &str,
) -> app::server::auth::CurrentUser {
    let pool = app.pool().await;
    let mut tx = app::server::db::begin_for(&pool, tenant).await.unwrap();
    let (id, role): (uuid::Uuid, String) =
        sqlx::query_as("SELECT id, role FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
    tx.commit().await.unwrap();
    app::server::auth::CurrentUser {
        id,
        tenant_id: tenant,
        email: email.to_owned(),
        principal: app::server::auth::Principal::Staff(
            app::domain::policy::Role::parse(&role).unwrap(),
        ),
        must_enrol_totp: false,
    }
}
