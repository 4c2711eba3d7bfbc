//! Property tests: random operation sequences through the HTTP router keep the world's
//! invariants (money conserved per currency, no negative wallet, every DID in exactly one
//! consistent place held by an existing account).

use axum::body::{to_bytes, Body};
use axum::http::{Method, Request, StatusCode};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::json;
use tower::ServiceExt;

use super::model::{Place, World};
use super::{Sandbox, SandboxConfig};

#[derive(Debug, Clone)]
enum Op {
    Purchase { number: usize, buyer: usize },
    Release { number: usize, immediate: bool },
    Cancel { number: usize },
    Transfer { customer: usize, cents: i64 },
    Assign { number: usize, sub: usize },
    Unassign { number: usize, force: bool },
    Call { number: usize },
    Advance { seconds: i64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..40usize, 0..6usize).prop_map(|(number, buyer)| Op::Purchase { number, buyer }),
        (0..40usize, any::<bool>())
            .prop_map(|(number, immediate)| Op::Release { number, immediate }),
        (0..40usize).prop_map(|number| Op::Cancel { number }),
        (0..6usize, -1_000i64..5_000_000)
            .prop_map(|(customer, cents)| Op::Transfer { customer, cents }),
        (0..40usize, 0..4usize).prop_map(|(number, sub)| Op::Assign { number, sub }),
        (0..40usize, any::<bool>()).prop_map(|(number, force)| Op::Unassign { number, force }),
        (0..40usize).prop_map(|number| Op::Call { number }),
        prop_oneof![
            Just(3_600i64),
            Just(86_400),
            Just(16 * 86_400),
            Just(46 * 86_400)
        ]
        .prop_map(|seconds| Op::Advance { seconds }),
    ]
}

struct Creds {
    id: String,
    token: String,
}

async fn send(
    sb: &Sandbox,
    method: Method,
    path: &str,
    who: Option<&Creds>,
    body: Option<serde_json::Value>,
) -> StatusCode {
    let mut builder = Request::builder().method(method).uri(path);
    if let Some(c) = who {
        builder = builder
            .header("X-Auth-ID", &c.id)
            .header("X-Auth-Token", &c.token);
    } else {
        builder = builder.header("X-Sandbox-Token", &sb.config().control_token);
    }
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
    let response = sb
        .router()
        .oneshot(builder.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status();
    to_bytes(response.into_body(), usize::MAX).await.unwrap();
    status
}

fn creds(w: &World, id: &str) -> Creds {
    let token = if id == w.partner.auth_id {
        w.partner.auth_token.expose().to_owned()
    } else {
        w.accounts[id].auth_token.expose().to_owned()
    };
    Creds {
        id: id.to_owned(),
        token,
    }
}

/// Credentials of the number's holder (or of the pool account when nobody holds it).
fn holder(sb: &Sandbox, e164: &str) -> Creds {
    let w = sb.lock();
    let id = w.numbers[e164]
        .owner
        .clone()
        .unwrap_or_else(|| sb.demo_ids(&w)[0].clone());
    creds(&w, &id)
}

/// Credentials of the main account controlling the number, and its `sub`-th sub-account.
fn parent(sb: &Sandbox, e164: &str, sub: usize) -> (Creds, String) {
    let w = sb.lock();
    let id = w.numbers[e164]
        .owner
        .clone()
        .unwrap_or_else(|| sb.demo_ids(&w)[0].clone());
    let parent = w.billing_account(&id).to_owned();
    let subs = w.sub_accounts_of(&parent);
    let sub_id = subs
        .get(sub % subs.len().max(1))
        .map(|a| a.auth_id.clone())
        .unwrap_or_default();
    (creds(&w, &parent), sub_id)
}

async fn apply(sb: &Sandbox, numbers: &[String], op: &Op) -> StatusCode {
    let enc = |e: &str| e.replace('+', "%2B");
    match op {
        Op::Purchase { number, buyer } => {
            let who = {
                let w = sb.lock();
                let ids = sb.demo_ids(&w);
                creds(&w, &ids[*buyer % ids.len()])
            };
            let path = format!("/api/v1/Account/{}/numbers/purchase-from-inventory", who.id);
            send(
                sb,
                Method::POST,
                &path,
                Some(&who),
                Some(json!({"e164": numbers[*number]})),
            )
            .await
        }
        Op::Release { number, immediate } => {
            let e164 = &numbers[*number];
            let who = holder(sb, e164);
            let q = if *immediate { "?immediate=true" } else { "" };
            let path = format!("/api/v1/Account/{}/numbers/{}{q}", who.id, enc(e164));
            send(sb, Method::DELETE, &path, Some(&who), None).await
        }
        Op::Cancel { number } => {
            let e164 = &numbers[*number];
            let who = holder(sb, e164);
            let path = format!(
                "/api/v1/account/{}/numbers/{}/cancel-release",
                who.id,
                enc(e164)
            );
            send(sb, Method::POST, &path, Some(&who), None).await
        }
        Op::Transfer { customer, cents } => {
            let (partner, target) = {
                let w = sb.lock();
                let customers: Vec<String> = w.customers().map(|a| a.auth_id.clone()).collect();
                let partner_id = w.partner.auth_id.clone();
                (
                    creds(&w, &partner_id),
                    customers[*customer % customers.len()].clone(),
                )
            };
            let amount: serde_json::Value =
                serde_json::from_str(&Decimal::new(*cents, 2).to_string()).unwrap();
            let path = format!("/api/v1/partner/accounts/{target}/transfer-balance");
            send(
                sb,
                Method::POST,
                &path,
                Some(&partner),
                Some(json!({"amount": amount, "currency": "INR"})),
            )
            .await
        }
        Op::Assign { number, sub } => {
            let e164 = &numbers[*number];
            let (who, sub_id) = parent(sb, e164, *sub);
            let path = format!(
                "/api/v1/account/{}/numbers/{}/assign-subaccount",
                who.id,
                enc(e164)
            );
            send(
                sb,
                Method::POST,
                &path,
                Some(&who),
                Some(json!({"sub_account_id": sub_id})),
            )
            .await
        }
        Op::Unassign { number, force } => {
            let e164 = &numbers[*number];
            let (who, _) = parent(sb, e164, 0);
            let q = if *force { "?force=true" } else { "" };
            let path = format!(
                "/api/v1/account/{}/numbers/{}/assign-subaccount{q}",
                who.id,
                enc(e164)
            );
            send(sb, Method::DELETE, &path, Some(&who), None).await
        }
        Op::Call { number } => {
            let path = format!("/__sandbox/numbers/{}/calls", enc(&numbers[*number]));
            send(sb, Method::POST, &path, None, None).await
        }
        Op::Advance { seconds } => {
            send(
                sb,
                Method::POST,
                "/__sandbox/clock/advance",
                None,
                Some(json!({"seconds": seconds})),
            )
            .await
        }
    }
}

impl Sandbox {
    /// Main accounts the property test acts as: the pool first, then customers.
    fn demo_ids(&self, w: &World) -> Vec<String> {
        let pool = w
            .accounts
            .values()
            .find(|a| a.kind == super::model::AccountKind::Pool)
            .unwrap();
        std::iter::once(pool.auth_id.clone())
            .chain(w.customers().map(|a| a.auth_id.clone()))
            .collect()
    }
}

/// 40 numbers: 14 INR inventory, 10 held by sub-accounts, 6 in the pool, 10 customers'.
fn pick_numbers(w: &World) -> Vec<String> {
    let mut by_place: [Vec<String>; 4] = Default::default();
    for n in w.numbers.values() {
        let slot = match n.place().unwrap() {
            Place::Inventory if n.currency == "INR" => 0,
            Place::Inventory => continue,
            Place::Owned(owner) if w.accounts[&owner].parent().is_some() => 1,
            Place::Owned(owner) if w.accounts[&owner].kind == super::model::AccountKind::Pool => 2,
            _ => 3,
        };
        by_place[slot].push(n.e164.clone());
    }
    let mut out: Vec<String> = Vec::new();
    for (slot, take) in [(0usize, 14usize), (1, 10), (2, 6), (3, 10)] {
        out.extend(by_place[slot].iter().take(take).cloned());
    }
    while out.len() < 40 {
        out.push(by_place[0][out.len()].clone());
    }
    out
}

fn snapshot(w: &World) -> (usize, Decimal) {
    let total = w.wallets.values().map(|wallet| wallet.balance).sum();
    (w.numbers.len(), total)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn random_operations_keep_the_invariants(seed in 0u64..4, ops in proptest::collection::vec(op(), 1..40)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let sb = Sandbox::new(SandboxConfig::demo(seed));
            let numbers = pick_numbers(&sb.lock());
            let (count, money) = snapshot(&sb.lock());
            for op in &ops {
                let status = apply(&sb, &numbers, op).await;
                prop_assert!(status.as_u16() < 500 || matches!(op, Op::Purchase { .. }), "{op:?} -> {status}");
                let w = sb.lock();
                if let Err(problem) = w.check_invariants() {
                    return Err(TestCaseError::fail(format!("after {op:?}: {problem}")));
                }
                let (now_count, now_money) = snapshot(&w);
                prop_assert_eq!(now_count, count, "numbers appeared or vanished");
                prop_assert_eq!(now_money, money, "money created or destroyed by {:?}", op);
            }
            Ok(())
        })?;
    }
}

#[test]
fn property_operations_do_succeed_sometimes() {
    // Guards the property test against only ever exercising rejections.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let sb = Sandbox::new(SandboxConfig::demo(1));
        let numbers = pick_numbers(&sb.lock());
        let ops = [
            Op::Purchase {
                number: 0,
                buyer: 0,
            },
            Op::Release {
                number: 0,
                immediate: false,
            },
            Op::Cancel { number: 0 },
            Op::Transfer {
                customer: 0,
                cents: 10_000,
            },
            Op::Assign { number: 26, sub: 1 },
            Op::Unassign {
                number: 26,
                force: false,
            },
            Op::Call { number: 14 },
            Op::Unassign {
                number: 14,
                force: true,
            },
            Op::Advance { seconds: 86_400 },
        ];
        for op in &ops {
            let status = apply(&sb, &numbers, op).await;
            assert!(status.is_success(), "{op:?} -> {status}");
        }
        sb.lock().check_invariants().unwrap();
    });
}
