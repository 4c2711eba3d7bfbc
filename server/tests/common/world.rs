//! A tenant connected to a sandbox of the test's own, with the application state the server
//! functions take, so tests call the plain functions directly and steer the sandbox.

use std::time::Duration;

use app::server::audit::Actor;
use app::server::auth::CurrentUser;
use app::server::connections::{self, ConnectionInput};
use app::server::state::{AppState, Upstream, UpstreamMode};
use app::server::vault::{MasterKey, Vault};
use secrecy::SecretString;
use vobiz::client::{Client, ClientOptions, Credentials};
use vobiz::sandbox::{DemoWorld, RunningSandbox, Sandbox, SandboxConfig};

use super::{as_user, spawn_app, TestApp};

/// A portal, a tenant connected to its own sandbox, and its owner.
pub struct World {
    pub app: TestApp,
    pub state: AppState,
    pub tenant: uuid::Uuid,
    pub owner: CurrentUser,
    pub sandbox: RunningSandbox,
    pub demo: DemoWorld,
    http: reqwest::Client,
}

/// Seconds the test client waits for Vobiz (short, so lost answers come back quickly).
pub const TIMEOUT_SECS: u64 = 2;

impl World {
    /// A fresh portal and tenant `slug`, connected to a fresh sandbox of seed 7.
    pub async fn new(slug: &str) -> World {
        let app = spawn_app().await;
        let (tenant, email) = app.tenant_with_owner(slug).await;
        let sandbox = Sandbox::new(SandboxConfig::demo(7));
        let demo = sandbox.demo();
        let running = sandbox.spawn("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let state = state_for(&app, &running.base_url()).await;
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
        .expect("tenant connected to the sandbox");
        let owner = as_user(&app, tenant, &email).await;
        World {
            app,
            state,
            tenant,
            owner,
            sandbox: running,
            demo,
            http: reqwest::Client::new(),
        }
    }

    /// The owner as an audit actor.
    pub fn actor(&self) -> Actor {
        self.owner.actor(None, None)
    }

    /// A staff member of this tenant with `role`, signed in as the server functions see it.
    pub async fn staff(&self, role: &str) -> CurrentUser {
        let email = format!("{role}-{}@staff.test", uuid::Uuid::new_v4().simple());
        let pool = self.app.pool().await;
        let mut tx = app::server::db::begin_for(&pool, self.tenant)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO users (id, tenant_id, email, kind, role) VALUES ($1, $2, $3, 'staff', $4)",
        )
        .bind(uuid::Uuid::new_v4())
        .bind(self.tenant)
        .bind(&email)
        .bind(role)
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        as_user(&self.app, self.tenant, &email).await
    }

    /// The partner's credentials.
    pub fn partner(&self) -> Credentials {
        Credentials::new(&self.demo.partner.auth_id, &self.demo.partner.auth_token)
    }

    /// A client of the sandbox with the default (long) timeout.
    pub fn client(&self) -> Client {
        Client::new(&self.sandbox.base_url(), ClientOptions::default()).unwrap()
    }

    /// The partner wallet now.
    pub async fn partner_balance(&self) -> rust_decimal::Decimal {
        self.client()
            .partner(&self.partner())
            .me()
            .await
            .unwrap()
            .balance
    }

    /// A customer's wallet now.
    pub async fn customer_balance(&self, auth_id: &str) -> rust_decimal::Decimal {
        self.client()
            .partner(&self.partner())
            .account_balance(auth_id)
            .await
            .unwrap()
            .cash_credits
    }

    /// Calls a sandbox control route.
    pub async fn control(
        &self,
        method: &str,
        path: &str,
        body: serde_json::Value,
    ) -> serde_json::Value {
        let url = format!("{}/__sandbox{path}", self.sandbox.base_url());
        let req = match method {
            "GET" => self.http.get(&url),
            "DELETE" => self.http.delete(&url),
            _ => self.http.post(&url).json(&body),
        };
        let res = req
            .header("X-Sandbox-Token", &self.demo.control_token)
            .send()
            .await
            .expect("sandbox control answers");
        assert!(
            res.status().is_success(),
            "control {path}: {}",
            res.status()
        );
        res.json().await.unwrap_or(serde_json::Value::Null)
    }

    /// Adds one fault rule.
    pub async fn fault(&self, rule: serde_json::Value) {
        self.control("POST", "/faults", rule).await;
    }

    /// The sandbox's invariants hold (money conserved, numbers in one place).
    pub async fn assert_invariants(&self) {
        let v = self
            .control("GET", "/invariants", serde_json::Value::Null)
            .await;
        assert_eq!(v["ok"], true, "sandbox invariants: {v}");
    }

    /// Audit entries of the tenant with `action`: (outcome, params).
    pub async fn audit(&self, action: &str) -> Vec<(String, serde_json::Value)> {
        let pool = self.app.pool().await;
        let mut tx = app::server::db::begin_for(&pool, self.tenant)
            .await
            .unwrap();
        let rows =
            sqlx::query_as("SELECT outcome, params FROM audit_log WHERE action = $1 ORDER BY seq")
                .bind(action)
                .fetch_all(&mut *tx)
                .await
                .unwrap();
        tx.commit().await.unwrap();
        rows
    }
}

/// Application state on the test portal's database, calling Vobiz at `base_url`.
pub async fn state_for(app: &TestApp, base_url: &str) -> AppState {
    AppState {
        leptos_options: leptos::config::LeptosOptions::builder()
            .output_name("portal")
            .build(),
        pool: app.pool().await,
        upstream: std::sync::Arc::new(Upstream {
            mode: UpstreamMode::Sandbox,
            base_url: base_url.to_owned(),
        }),
        vobiz: Client::new(
            base_url,
            ClientOptions {
                timeout: Duration::from_secs(TIMEOUT_SECS),
                ..ClientOptions::default()
            },
        )
        .unwrap(),
        vault: std::sync::Arc::new(Vault::new(MasterKey::generate(), Vec::new(), true)),
        environment: "development",
        public_url: app.address.clone(),
    }
}
