//! Fault injection: rules kept in the world state, applied by a middleware on the API routes.

use std::time::Duration as StdDuration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::Sandbox;

/// One fault rule. `times: None` applies to every matching call until the faults are cleared.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Fault {
    #[serde(default)]
    pub(crate) id: u64,
    /// HTTP method to match; `None` matches any.
    #[serde(default)]
    pub(crate) method: Option<String>,
    /// A route name (see [`route_name`]), a path prefix starting with `/`, or `*`.
    pub(crate) route: String,
    #[serde(flatten)]
    pub(crate) kind: FaultKind,
    /// How many more calls this rule applies to.
    #[serde(default)]
    pub(crate) times: Option<u32>,
}

/// What a fault does to a matching call.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum FaultKind {
    /// Delay the call by `ms`, then handle it normally. Adds up with other matching latencies.
    Latency { ms: u64 },
    /// Do not handle the call; answer `status` with `body`.
    Fail {
        status: u16,
        #[serde(default)]
        body: Option<Value>,
    },
    /// Close the connection without a response. With `commit`, the operation runs first.
    Drop {
        #[serde(default)]
        commit: bool,
    },
    /// Do not handle the call; wait `ms` (default: the config's hang time), then answer 504.
    Hang {
        #[serde(default)]
        ms: Option<u64>,
    },
    /// Handle the call (its effects stay), then answer `status` (default 500) with `body`.
    CommitThenFail {
        #[serde(default)]
        status: Option<u16>,
        #[serde(default)]
        body: Option<Value>,
    },
    /// Handle the call, then hold the real response for `ms` before sending it.
    CommitThenDelay { ms: u64 },
}

/// Where [`Sandbox::router`] nests the API routes; fault rules match paths that start with it.
pub(crate) const API_PREFIX: &str = "/api/v1";

/// The stable name of an API route, used to target faults.
///
/// Partner: `partner-me`, `partner-dashboard`, `list-accounts`, `create-account`,
/// `get-account`, `customer-balance`, `transfer-balance`, `customer-transactions`,
/// `customer-numbers`, `customer-cdrs`, `partner-numbers`. Account: `list-numbers`,
/// `inventory`, `purchase-from-inventory`, `unrent`, `cancel-release`, `assign-subaccount`,
/// `unassign-subaccount`, `number-health`, `balance`, `transactions`, `list-sub-accounts`,
/// `create-sub-account`, `get-sub-account`, `update-sub-account`, `delete-sub-account`.
pub(crate) fn route_name(method: &Method, path: &str) -> Option<&'static str> {
    let rest = path.strip_prefix(API_PREFIX)?.strip_prefix('/')?;
    let segments: Vec<&str> = rest.split('/').collect();
    let get = method == Method::GET;
    let post = method == Method::POST;
    let delete = method == Method::DELETE;
    let name = match segments.as_slice() {
        ["partner", "me"] => "partner-me",
        ["partner", "dashboard"] => "partner-dashboard",
        ["partner", "numbers"] => "partner-numbers",
        ["partner", "accounts"] if post => "create-account",
        ["partner", "accounts"] => "list-accounts",
        ["partner", "accounts", _] => "get-account",
        ["partner", "accounts", _, "balance"] => "customer-balance",
        ["partner", "accounts", _, "transfer-balance"] => "transfer-balance",
        ["partner", "accounts", _, "transactions"] => "customer-transactions",
        ["partner", "accounts", _, "numbers"] => "customer-numbers",
        ["partner", "accounts", _, "cdrs"] => "customer-cdrs",
        ["Account" | "account", _, "numbers"] => "list-numbers",
        ["Account" | "account", _, "inventory", "numbers"] => "inventory",
        ["Account" | "account", _, "numbers", "purchase-from-inventory"] => {
            "purchase-from-inventory"
        }
        ["Account" | "account", _, "numbers", _] if delete => "unrent",
        ["account", _, "numbers", _, "cancel-release"] => "cancel-release",
        ["account", _, "numbers", _, "assign-subaccount"] if delete => "unassign-subaccount",
        ["account", _, "numbers", _, "assign-subaccount"] => "assign-subaccount",
        ["account", _, "numbers", _, "health"] => "number-health",
        ["Account" | "account", _, "balance", _] => "balance",
        ["Account" | "account", _, "transactions"] => "transactions",
        ["accounts", _, "sub-accounts", ""] if post => "create-sub-account",
        ["accounts", _, "sub-accounts", ""] => "list-sub-accounts",
        ["accounts", _, "sub-accounts", _] if get => "get-sub-account",
        ["accounts", _, "sub-accounts", _] if delete => "delete-sub-account",
        ["accounts", _, "sub-accounts", _] => "update-sub-account",
        _ => return None,
    };
    Some(name)
}

impl Fault {
    fn matches(&self, method: &Method, path: &str, name: Option<&str>) -> bool {
        let method_ok = self
            .method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method.as_str()));
        let route_ok = self.route == "*"
            || (self.route.starts_with('/') && path.starts_with(&self.route))
            || name == Some(self.route.as_str());
        method_ok && route_ok && self.times != Some(0)
    }
}

/// What the middleware does for one call.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    latency_ms: u64,
    action: Option<FaultKind>,
}

/// Picks the faults for a call and consumes one use of each rule applied: every matching
/// latency rule, and the first matching rule of any other kind.
pub(crate) fn plan(faults: &mut Vec<Fault>, method: &Method, path: &str) -> Plan {
    let name = route_name(method, path);
    let mut plan = Plan::default();
    for fault in faults.iter_mut() {
        if !fault.matches(method, path, name) {
            continue;
        }
        let applies = match &fault.kind {
            FaultKind::Latency { ms } => {
                plan.latency_ms = plan.latency_ms.saturating_add(*ms);
                true
            }
            kind if plan.action.is_none() => {
                plan.action = Some(kind.clone());
                true
            }
            _ => false,
        };
        if applies {
            if let Some(times) = &mut fault.times {
                *times -= 1;
            }
        }
    }
    faults.retain(|f| f.times != Some(0));
    plan
}

fn json_response(status: u16, body: Option<Value>, default: Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(body.unwrap_or(default))).into_response()
}

/// A response whose body fails on first poll: hyper then closes the connection without
/// writing the buffered head, so an HTTP client sees the connection drop mid-request.
fn dropped_connection() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "sandbox fault: connection dropped",
        ))
    });
    (StatusCode::BAD_GATEWAY, Body::from_stream(stream)).into_response()
}

/// Middleware applying the fault rules to the API routes.
pub(crate) async fn layer(
    State(sandbox): State<Sandbox>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().clone();
    // This layer runs inside `.nest(API_PREFIX, …)`, which strips the prefix from the URI.
    // Put it back rather than reading `OriginalUri`: that one also carries whatever prefix a
    // host mounted the sandbox router under, and rules name paths as the sandbox serves them.
    let path = format!("{API_PREFIX}{}", request.uri().path());
    let plan = sandbox.plan_faults(&method, &path);
    if plan.latency_ms > 0 {
        tokio::time::sleep(StdDuration::from_millis(plan.latency_ms)).await;
    }
    let injected =
        || json!({"error": "internal server error", "message": "sandbox injected failure"});
    match plan.action {
        None | Some(FaultKind::Latency { .. }) => next.run(request).await,
        Some(FaultKind::Fail { status, body }) => json_response(status, body, injected()),
        Some(FaultKind::Drop { commit }) => {
            if commit {
                drop(next.run(request).await);
            }
            dropped_connection()
        }
        Some(FaultKind::Hang { ms }) => {
            let ms = ms.unwrap_or(sandbox.config().hang_ms);
            tokio::time::sleep(StdDuration::from_millis(ms)).await;
            json_response(
                504,
                None,
                json!({"error": "gateway timeout", "message": "sandbox injected hang"}),
            )
        }
        Some(FaultKind::CommitThenFail { status, body }) => {
            drop(next.run(request).await);
            json_response(status.unwrap_or(500), body, injected())
        }
        Some(FaultKind::CommitThenDelay { ms }) => {
            let response = next.run(request).await;
            tokio::time::sleep(StdDuration::from_millis(ms)).await;
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_names_follow_casing_rules() {
        let p = |m: Method, path: &str| route_name(&m, path);
        assert_eq!(
            p(
                Method::POST,
                "/api/v1/Account/MA_1/numbers/purchase-from-inventory"
            ),
            Some("purchase-from-inventory")
        );
        assert_eq!(
            p(Method::DELETE, "/api/v1/Account/MA_1/numbers/+91"),
            Some("unrent")
        );
        assert_eq!(
            p(
                Method::DELETE,
                "/api/v1/account/MA_1/numbers/+91/assign-subaccount"
            ),
            Some("unassign-subaccount")
        );
        assert_eq!(
            p(
                Method::POST,
                "/api/v1/partner/accounts/MA_1/transfer-balance"
            ),
            Some("transfer-balance")
        );
        assert_eq!(p(Method::GET, "/partner/v1/me"), None);
    }

    #[test]
    fn counted_rules_run_out() {
        let mut faults = vec![Fault {
            id: 1,
            method: Some("POST".into()),
            route: "transfer-balance".into(),
            kind: FaultKind::Fail {
                status: 503,
                body: None,
            },
            times: Some(2),
        }];
        let path = "/api/v1/partner/accounts/MA_1/transfer-balance";
        assert!(plan(&mut faults, &Method::GET, path).action.is_none());
        assert!(plan(&mut faults, &Method::POST, path).action.is_some());
        assert!(plan(&mut faults, &Method::POST, path).action.is_some());
        assert!(plan(&mut faults, &Method::POST, path).action.is_none());
        assert!(faults.is_empty());
    }
}
