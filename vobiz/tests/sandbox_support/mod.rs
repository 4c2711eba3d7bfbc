//! Raw-HTTP helpers for the sandbox tests: requests go straight into the router.

#![allow(dead_code)]

use axum::body::{to_bytes, Body};
use axum::http::{Method, Request, StatusCode};
use axum::Router;
use serde_json::Value;
use tower::ServiceExt;
use vobiz::sandbox::{DemoCredentials, DemoWorld, Sandbox, SandboxConfig};

pub struct Harness {
    pub sandbox: Sandbox,
    pub app: Router,
    pub demo: DemoWorld,
}

pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

impl Harness {
    pub fn new(seed: u64) -> Self {
        Self::from(Sandbox::new(SandboxConfig::demo(seed)))
    }

    pub fn from(sandbox: Sandbox) -> Self {
        let app = sandbox.router();
        let demo = sandbox.demo();
        Self { sandbox, app, demo }
    }

    pub async fn raw(&self, request: Request<Body>) -> Reply {
        let response = self.app.clone().oneshot(request).await.expect("infallible");
        let status = response.status();
        let bytes = to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Reply { status, body }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        creds: Option<&DemoCredentials>,
        body: Option<Value>,
    ) -> Reply {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(c) = creds {
            builder = builder
                .header("X-Auth-ID", &c.auth_id)
                .header("X-Auth-Token", &c.auth_token);
        }
        let body = match body {
            Some(v) => {
                builder = builder.header("content-type", "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        self.raw(builder.body(body).unwrap()).await
    }

    pub async fn get(&self, path: &str, creds: &DemoCredentials) -> Reply {
        self.call(Method::GET, path, Some(creds), None).await
    }

    pub async fn control(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut builder = Request::builder()
            .method(method)
            .uri(format!("/__sandbox{path}"))
            .header("X-Sandbox-Token", &self.demo.control_token);
        let body = match body {
            Some(v) => {
                builder = builder.header("content-type", "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        self.raw(builder.body(body).unwrap()).await
    }

    pub async fn advance(&self, seconds: i64) {
        let r = self
            .control(
                Method::POST,
                "/clock/advance",
                Some(serde_json::json!({"seconds": seconds})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    }

    pub async fn assert_invariants(&self) {
        let r = self.control(Method::GET, "/invariants", None).await;
        assert_eq!(r.status, StatusCode::OK, "invariants broken: {}", r.body);
    }

    /// The first inventory number of `country`.
    pub async fn inventory_number(&self, who: &DemoCredentials, country: &str) -> Value {
        let r = self
            .get(
                &format!(
                    "/api/v1/Account/{}/inventory/numbers?country={country}&per_page=1",
                    who.auth_id
                ),
                who,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.body["items"][0].clone()
    }

    /// Numbers the account holds (including its sub-accounts').
    pub async fn numbers(&self, who: &DemoCredentials) -> Vec<Value> {
        let r = self
            .get(
                &format!("/api/v1/Account/{}/numbers?per_page=100", who.auth_id),
                who,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.body["items"].as_array().unwrap().clone()
    }

    /// Wallet balance as a decimal string, via the account balance endpoint.
    pub async fn balance(&self, who: &DemoCredentials, currency: &str) -> rust_decimal::Decimal {
        let r = self
            .get(
                &format!("/api/v1/Account/{}/balance/{currency}", who.auth_id),
                who,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.body["balance"].to_string().parse().unwrap()
    }

    pub async fn partner_balance(&self) -> rust_decimal::Decimal {
        let r = self.get("/api/v1/partner/me", &self.demo.partner).await;
        r.body["balance"].as_str().unwrap().parse().unwrap()
    }
}

pub fn enc(e164: &str) -> String {
    e164.replace('+', "%2B")
}

pub fn dec(v: &Value) -> rust_decimal::Decimal {
    match v {
        Value::String(s) => s.parse().unwrap(),
        other => other.to_string().parse().unwrap(),
    }
}
