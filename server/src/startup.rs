//! Assembling the portal: database, sessions, state, routes, and serving.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use app::server::state::AppState;
use app::{shell, App};
use axum::extract::State;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use leptos::config::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tokio::net::TcpListener;
use tower_sessions::cookie::{time, SameSite};
use tower_sessions::session_store::ExpiredDeletion;
use tower_sessions::{Expiry, Session, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

use crate::database::{self, Origin, Server};
use crate::settings::Settings;
use crate::{http, keys, upstream};

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "portal_session";

/// A portal ready to serve: bound to its port, database migrated, upstream started.
pub struct Application {
    listener: TcpListener,
    router: Router,
    database: Server,
    demo_login: Option<crate::demo::DemoLogin>,
    _upstream: upstream::UpstreamHandle,
}

impl Application {
    /// Builds the portal from settings, finding (or starting) the database.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        settings.validate()?;
        let server = database::locate(&settings).await?;
        Self::build_on(settings, server).await
    }

    /// Builds the portal on a given database server (tests pass a fresh database here).
    pub async fn build_on(settings: Settings, server: Server) -> anyhow::Result<Self> {
        settings.validate()?;
        let name = server
            .options
            .get_database()
            .unwrap_or("postgres")
            .to_owned();
        database::ensure_database(&server, &name).await?;
        tracing::info!("database: {}", server.describe());
        database::migrate(&server.options).await?;
        let pool = database::pool(server.options.clone()).await?;

        let vault = keys::load(&settings)?;
        let upstream = upstream::start(&settings).await?;

        let listener = TcpListener::bind(settings.listen).await.with_context(|| {
            format!(
                "could not listen on {} (is another portal running? set PORTAL_LISTEN)",
                settings.listen
            )
        })?;
        let local = listener.local_addr()?;

        let leptos_options = leptos_options(&settings, local);
        let hashed = leptos_options.hash_files;
        let state = AppState {
            leptos_options,
            pool: pool.clone(),
            vobiz: vobiz::client::Client::new(
                &upstream.info.base_url,
                vobiz::client::ClientOptions {
                    timeout: Duration::from_secs(settings.vobiz_timeout_secs.max(1)),
                    ..Default::default()
                },
            )
            .context("the Vobiz base URL is not usable")?,
            upstream: Arc::new(upstream.info.clone()),
            vault: Arc::new(vault),
            environment: settings.environment.as_str(),
            public_url: settings
                .public_url
                .as_ref()
                .map(|u| u.as_str().trim_end_matches('/').to_owned())
                .unwrap_or_else(|| format!("http://{local}")),
        };

        let demo_login = match (&upstream.demo, settings.demo_tenant()) {
            (Some(world), true) => {
                Some(crate::demo::ensure(&state, &settings.data_dir, world).await?)
            }
            _ => None,
        };

        if settings.background_jobs {
            tokio::spawn(crate::jobs::run(
                state.clone(),
                Duration::from_secs(settings.sync_interval_secs.max(60)),
            ));
        }

        let store = PostgresStore::new(pool);
        tokio::spawn(
            store
                .clone()
                .continuously_delete_expired(Duration::from_secs(3600)),
        );
        let sessions = SessionManagerLayer::new(store)
            .with_name(SESSION_COOKIE)
            .with_secure(settings.cookie_secure())
            .with_http_only(true)
            .with_same_site(SameSite::Lax)
            .with_expiry(Expiry::OnInactivity(time::Duration::hours(12)));

        let own = Arc::new(http::OwnOrigin {
            origin: match &settings.public_url {
                Some(url) => url.origin(),
                None => url::Url::parse(&format!("http://{local}"))
                    .expect("a socket address forms a URL")
                    .origin(),
            },
            loopback_alias: settings.environment == crate::settings::Environment::Development,
        });
        let router = routes(state.clone())
            .layer(middleware::from_fn_with_state(state, require_sign_in))
            .layer(middleware::from_fn_with_state(own, http::check_origin))
            .layer(sessions);
        let router = http::wrap(router, hashed);
        Ok(Application {
            listener,
            router,
            database: server,
            demo_login,
            _upstream: upstream,
        })
    }

    /// The demo tenant's login, when one was set up.
    pub fn demo_login(&self) -> Option<&crate::demo::DemoLogin> {
        self.demo_login.as_ref()
    }

    /// The port the portal listens on (useful when the settings asked for port 0).
    pub fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or_default()
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests and, if the portal
    /// started its own database cluster, stops it cleanly.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let result = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        if let Origin::Private(cluster) = &self.database.origin {
            cluster.stop_if_started_here();
        }
        result.context("the web server stopped with an error")
    }
}

fn leptos_options(settings: &Settings, local: std::net::SocketAddr) -> LeptosOptions {
    // cargo-leptos writes hash.txt beside the binary when asset names carry hashes.
    let hashed = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt").is_file()))
        .unwrap_or(false);
    LeptosOptions::builder()
        .output_name("portal")
        .site_root(settings.site_root().to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(local)
        .hash_files(hashed)
        .build()
}

/// The portal's routes: health probes, pages, server functions and static files.
pub fn routes(state: AppState) -> Router {
    let leptos_routes = generate_route_list(App);
    let page_state = state.clone();
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route(
            app::api::audit::EXPORT_PATH,
            get(crate::audit_export::export_csv),
        )
        .route(
            app::api::customers::CUSTOMERS_EXPORT_PATH,
            get(crate::customers_export::export_csv),
        )
        .route(
            app::api::numbers::NUMBERS_EXPORT_PATH,
            get(crate::customers_export::export_numbers),
        )
        .route(
            app::api::dashboard::COSTS_EXPORT_PATH,
            get(crate::customers_export::export_costs),
        )
        .leptos_routes(&state, leptos_routes, {
            let options = page_state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .with_state(state)
}

/// Pages that need a signed-in person; anyone else is sent to the sign-in page and back.
const PROTECTED: &[&str] = &[
    "/dashboard",
    "/customers",
    "/transfers",
    "/my",
    "/numbers",
    "/audit",
    "/settings",
];

fn is_protected(path: &str) -> bool {
    path == "/"
        || PROTECTED.iter().any(|p| {
            path == *p
                || path
                    .strip_prefix(p)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
}

async fn require_sign_in(
    State(state): State<AppState>,
    session: Session,
    req: axum::extract::Request,
    next: Next,
) -> Response {
    if req.method() == axum::http::Method::GET && is_protected(req.uri().path()) {
        match app::server::auth::current_user(&state.pool, &session).await {
            Ok(Some(user)) => {
                // A tenant that requires a second factor sends staff without one to set it up.
                if req.uri().path() != "/settings/security" && user.must_enrol_totp {
                    return Redirect::to("/settings/security").into_response();
                }
                // Customer users have their own page and nothing of the partner's; staff
                // have no customer page of their own.
                let own = req.uri().path() == "/my";
                match user.principal {
                    app::server::auth::Principal::Customer(_) if !own => {
                        return Redirect::to("/my").into_response();
                    }
                    app::server::auth::Principal::Staff(_) if own => {
                        return Redirect::to("/customers").into_response();
                    }
                    _ => {}
                }
            }
            Ok(None) => {
                let wanted = req
                    .uri()
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                let next: String =
                    url::form_urlencoded::byte_serialize(wanted.as_bytes()).collect();
                return Redirect::to(&format!("/login?next={next}")).into_response();
            }
            Err(_) => {
                let id = req
                    .headers()
                    .get(&http::REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("unknown")
                    .to_owned();
                return http::server_error_page(&id);
            }
        }
    }
    next.run(req).await
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// The portal can serve: its database answers.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let ping = sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(&state.pool);
    match tokio::time::timeout(Duration::from_secs(2), ping).await {
        Ok(Ok(_)) => (
            StatusCode::OK,
            Json(serde_json::json!({ "status": "ready" })),
        ),
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: database query failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({ "status": "database unreachable" })),
            )
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "status": "database did not answer in time" })),
        ),
    }
}
