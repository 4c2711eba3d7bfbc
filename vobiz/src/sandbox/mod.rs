//! Stateful Vobiz sandbox: an axum router that implements the contract in `vobiz-api.md`
//! strictly (paths, casing, field names, money representations, error bodies), over a
//! seeded demo world, with control routes under `/__sandbox/` for clock, faults and data.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use vobiz::sandbox::{Sandbox, SandboxConfig};
//! let sandbox = Sandbox::new(SandboxConfig::demo(7));
//! let demo = sandbox.demo();
//! let running = sandbox.spawn("127.0.0.1:0".parse().unwrap()).await?;
//! println!("{} as {}", running.base_url(), demo.partner.auth_id);
//! running.shutdown().await;
//! # Ok(()) }
//! ```

mod account;
mod control;
mod error;
mod faults;
mod ledger;
mod model;
mod ops;
mod params;
mod partner;
mod persist;
mod render;
mod seed;

#[cfg(test)]
mod tests;

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use parking_lot::{Mutex, MutexGuard};
use serde_json::json;

use error::{ApiError, ApiResult};
use model::{AccountKind, World};

/// How the sandbox is set up.
#[derive(Clone)]
pub struct SandboxConfig {
    /// Seed of the demo world (credentials, ids, numbers and balances derive from it).
    pub seed: u64,
    /// Value the control routes expect in `X-Sandbox-Token`.
    pub control_token: String,
    /// How long a `hang` fault without its own `ms` holds a request (milliseconds).
    pub hang_ms: u64,
}

impl SandboxConfig {
    /// The seeded demo world; the control token is derived from the seed too.
    pub fn demo(seed: u64) -> Self {
        Self {
            seed,
            control_token: seed::control_token(seed),
            hang_ms: 120_000,
        }
    }
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self::demo(42)
    }
}

impl fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("seed", &self.seed)
            .field("control_token", &"<redacted>")
            .field("hang_ms", &self.hang_ms)
            .finish()
    }
}

/// Credentials of one account of the demo world.
#[derive(Clone, PartialEq, Eq)]
pub struct DemoCredentials {
    /// `PA_…`, `MA_…` or `SA_…`.
    pub auth_id: String,
    /// The `X-Auth-Token` for `auth_id`.
    pub auth_token: String,
    /// Display name of the account.
    pub name: String,
}

impl fmt::Debug for DemoCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DemoCredentials")
            .field("auth_id", &self.auth_id)
            .field("auth_token", &"<redacted>")
            .field("name", &self.name)
            .finish()
    }
}

/// Credentials of the current world (seeded accounts and any created since).
#[derive(Clone)]
pub struct DemoWorld {
    /// The partner (`PA_…`).
    pub partner: DemoCredentials,
    /// The partner's own main account that holds the DID pool (role admin).
    pub pool_account: DemoCredentials,
    /// The partner's customers (`MA_…`), in creation order.
    pub customers: Vec<DemoCredentials>,
    /// Sub-accounts (`SA_…`) of the pool account.
    pub sub_accounts: Vec<DemoCredentials>,
    /// Value for `X-Sandbox-Token`.
    pub control_token: String,
}

impl fmt::Debug for DemoWorld {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DemoWorld")
            .field("partner", &self.partner)
            .field("pool_account", &self.pool_account)
            .field("customers", &self.customers)
            .field("sub_accounts", &self.sub_accounts)
            .field("control_token", &"<redacted>")
            .finish()
    }
}

struct Inner {
    world: Mutex<World>,
    config: SandboxConfig,
    store: Option<persist::Store>,
}

/// A sandbox instance. Cheap to clone; clones share state.
#[derive(Clone)]
pub struct Sandbox {
    inner: Arc<Inner>,
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox")
            .field("config", &self.inner.config)
            .field("persistent", &self.inner.store.is_some())
            .finish()
    }
}

impl Sandbox {
    /// A sandbox held in memory only, seeded from `config.seed`.
    pub fn new(config: SandboxConfig) -> Sandbox {
        let world = seed::world(config.seed, Utc::now());
        Self::from_parts(world, config, None)
    }

    /// A sandbox persisted at `path`: loads the state file if it exists, otherwise seeds and
    /// writes it. After every changing request the state is written atomically.
    pub fn open(path: &Path, config: SandboxConfig) -> io::Result<Sandbox> {
        let (world, store) = persist::Store::open(path, || seed::world(config.seed, Utc::now()))?;
        Ok(Self::from_parts(world, config, Some(store)))
    }

    fn from_parts(world: World, config: SandboxConfig, store: Option<persist::Store>) -> Sandbox {
        Sandbox {
            inner: Arc::new(Inner {
                world: Mutex::new(world),
                config,
                store,
            }),
        }
    }

    /// The API (`/api/v1/…`) and control (`/__sandbox/…`) routes.
    pub fn router(&self) -> Router {
        let api = Router::new()
            .nest("/partner", partner::routes())
            .merge(account::routes())
            .fallback(not_found)
            .layer(middleware::from_fn_with_state(self.clone(), persist_layer))
            .layer(middleware::from_fn_with_state(self.clone(), faults::layer));
        let control =
            control::routes().layer(middleware::from_fn_with_state(self.clone(), persist_layer));
        Router::new()
            .nest(faults::API_PREFIX, api)
            .nest("/__sandbox", control)
            .fallback(not_found)
            .with_state(self.clone())
    }

    /// Credentials of the world as it is now.
    pub fn demo(&self) -> DemoWorld {
        let w = self.lock();
        let creds = |auth_id: &str, token: &model::Token, name: &str| DemoCredentials {
            auth_id: auth_id.to_owned(),
            auth_token: token.expose().to_owned(),
            name: name.to_owned(),
        };
        let pool = w
            .accounts
            .values()
            .find(|a| a.kind == AccountKind::Pool)
            .expect("the world has a pool account");
        DemoWorld {
            partner: creds(&w.partner.auth_id, &w.partner.auth_token, &w.partner.name),
            pool_account: creds(&pool.auth_id, &pool.auth_token, &pool.name),
            customers: w
                .customers()
                .map(|a| creds(&a.auth_id, &a.auth_token, &a.name))
                .collect(),
            sub_accounts: w
                .sub_accounts_of(&pool.auth_id)
                .into_iter()
                .map(|a| creds(&a.auth_id, &a.auth_token, &a.name))
                .collect(),
            control_token: self.inner.config.control_token.clone(),
        }
    }

    /// Serves the router on `addr` (port 0 picks a free port) in a background task.
    pub async fn spawn(self, addr: SocketAddr) -> io::Result<RunningSandbox> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let app = self.router();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await
        });
        Ok(RunningSandbox {
            addr,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    pub(crate) fn config(&self) -> &SandboxConfig {
        &self.inner.config
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, World> {
        self.inner.world.lock()
    }

    pub(crate) fn plan_faults(&self, method: &Method, path: &str) -> faults::Plan {
        let mut w = self.lock();
        if w.faults.is_empty() {
            return faults::Plan::default();
        }
        w.revision += 1;
        faults::plan(&mut w.faults, method, path)
    }

    /// Runs a partner-API operation: clock effects, then partner authentication, then `f`.
    pub(crate) fn partner_call<T>(
        &self,
        headers: &HeaderMap,
        f: impl FnOnce(&mut World, DateTime<Utc>) -> ApiResult<T>,
    ) -> ApiResult<T> {
        let mut w = self.lock();
        let now = w.now();
        w.tick(now);
        let (id, token) = credentials(headers)?;
        if id != w.partner.auth_id || !w.partner.auth_token.matches(token) {
            // Account credentials mean nothing to the partner API.
            return Err(ApiError::unauthorized());
        }
        if !w.partner.is_active {
            return Err(ApiError::forbidden("partner is not active"));
        }
        f(&mut w, now)
    }

    /// Runs an account-API operation for the account named in the path: clock effects,
    /// authentication as that account (or 403 for another account's path), then `f`.
    pub(crate) fn account_call<T>(
        &self,
        headers: &HeaderMap,
        path_id: &str,
        f: impl FnOnce(&mut World, &str, DateTime<Utc>) -> ApiResult<T>,
    ) -> ApiResult<T> {
        let mut w = self.lock();
        let now = w.now();
        w.tick(now);
        let (id, token) = credentials(headers)?;
        let account = w
            .accounts
            .get(id)
            .filter(|a| a.auth_token.matches(token))
            // Partner credentials mean nothing to the account API.
            .ok_or_else(ApiError::unauthorized)?;
        if !account.is_active || !account.enabled {
            return Err(ApiError::forbidden("account is disabled"));
        }
        if account.auth_id != path_id {
            return Err(ApiError::forbidden(
                "credentials do not match the account in the path",
            ));
        }
        let caller = account.auth_id.clone();
        f(&mut w, &caller, now)
    }
}

fn credentials(headers: &HeaderMap) -> ApiResult<(&str, &str)> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    match (header("x-auth-id"), header("x-auth-token")) {
        (Some(id), Some(token)) => Ok((id, token)),
        _ => Err(ApiError::unauthorized()),
    }
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"error": "not found", "message": "no such route"})),
    )
        .into_response()
}

/// Writes the state after changing requests (and after reads that applied clock effects).
async fn persist_layer(State(sandbox): State<Sandbox>, request: Request, next: Next) -> Response {
    let changing = request.method() != Method::GET;
    let response = next.run(request).await;
    if let Some(store) = &sandbox.inner.store {
        if changing {
            sandbox.lock().revision += 1;
        }
        if let Err(error) = store.save(&sandbox.inner.world).await {
            tracing::error!(%error, "sandbox: could not write the state file");
        }
    }
    response
}

/// A sandbox served on a local port.
#[derive(Debug)]
pub struct RunningSandbox {
    addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<io::Result<()>>>,
}

impl RunningSandbox {
    /// `http://127.0.0.1:<port>` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting connections and waits for open ones to finish.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Runs a sandbox on `addr` until Ctrl-C: persisted at `state_file` when given, otherwise
/// in memory. Prints the base URL and the demo credentials (it is a local sandbox).
pub async fn serve_standalone(
    addr: SocketAddr,
    state_file: Option<PathBuf>,
    config: SandboxConfig,
) -> io::Result<()> {
    let sandbox = match &state_file {
        Some(path) => Sandbox::open(path, config)?,
        None => Sandbox::new(config),
    };
    let demo = sandbox.demo();
    let running = sandbox.spawn(addr).await?;
    let base = running.base_url();
    println!("Vobiz sandbox listening on {base}");
    match &state_file {
        Some(path) => println!("state file: {}", path.display()),
        None => println!("state: in memory"),
    }
    println!(
        "control routes: {base}/__sandbox/  (X-Sandbox-Token: {})",
        demo.control_token
    );
    let line = |role: &str, c: &DemoCredentials| {
        println!(
            "  {role:<12} {:<12} {:<42} {}",
            c.auth_id, c.auth_token, c.name
        );
    };
    println!("demo credentials (X-Auth-ID / X-Auth-Token):");
    line("partner", &demo.partner);
    line("pool", &demo.pool_account);
    for c in &demo.customers {
        line("customer", c);
    }
    for c in &demo.sub_accounts {
        line("sub-account", c);
    }
    tokio::signal::ctrl_c().await?;
    println!("shutting down");
    running.shutdown().await;
    Ok(())
}
