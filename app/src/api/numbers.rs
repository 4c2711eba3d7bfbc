//! Numbers: the global and per-customer views from the mirror (with oversight filters and
//! the customers with no active number), a number's page, and its changes: assign, unassign
//! (with the cool-off), release and cancel, bulk actions, and the sync from Vobiz.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::customers::HistoryRow;
use crate::error::AppError;

/// The numbers page.
pub const NUMBERS_PAGE: &str = "/numbers";
/// Where the numbers CSV export is served.
pub const NUMBERS_EXPORT_PATH: &str = "/numbers/export.csv";
/// Numbers per page.
pub const NUMBERS_PER_PAGE: u32 = 50;

/// The numbers view's filters, as the address carries them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberFilters {
    /// Held by or billed to this account (`MA_…`, `SA_…`).
    #[serde(default)]
    pub customer: String,
    /// `active`, `pending_release`, `blocked`.
    #[serde(default)]
    pub status: String,
    /// ISO country code.
    #[serde(default)]
    pub country: String,
    /// Part of the region.
    #[serde(default)]
    pub region: String,
    /// Part of the number.
    #[serde(default)]
    pub q: String,
    /// `1`: only numbers with no application.
    #[serde(default)]
    pub no_app: String,
    /// `1`: only numbers waiting for Aadhaar.
    #[serde(default)]
    pub aadhaar: String,
    /// Only numbers renewing within this many days.
    #[serde(default)]
    pub renewing: String,
    /// `1`: only numbers whose wallet will not cover the next 14 days.
    #[serde(default)]
    pub at_risk: String,
    /// `1`: only the pool's own numbers (free to assign).
    #[serde(default)]
    pub pool_free: String,
}

impl NumberFilters {
    /// The filters in the address.
    pub fn from_query(q: &leptos_router::params::ParamsMap) -> Self {
        let get = |k: &str| q.get(k).unwrap_or_default();
        NumberFilters {
            customer: get("customer"),
            status: get("status"),
            country: get("country"),
            region: get("region"),
            q: get("q"),
            no_app: get("no_app"),
            aadhaar: get("aadhaar"),
            renewing: get("renewing"),
            at_risk: get("at_risk"),
            pool_free: get("pool_free"),
        }
    }

    /// The set `key=value` pairs.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        [
            ("customer", &self.customer),
            ("status", &self.status),
            ("country", &self.country),
            ("region", &self.region),
            ("q", &self.q),
            ("no_app", &self.no_app),
            ("aadhaar", &self.aadhaar),
            ("renewing", &self.renewing),
            ("at_risk", &self.at_risk),
            ("pool_free", &self.pool_free),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k, v.trim().to_owned()))
        .collect()
    }

    /// `path` with these filters.
    pub fn href(&self, path: &str) -> String {
        let q: Vec<String> = self
            .pairs()
            .iter()
            .map(|(k, v)| format!("{k}={}", crate::pages::encode(v)))
            .collect();
        if q.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{}", q.join("&"))
        }
    }
}

/// The address of a number's page: `/numbers/<digits>`.
pub fn number_href(e164: &str) -> String {
    format!("/numbers/{}", e164.trim_start_matches('+'))
}

/// One number of the views.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberItem {
    /// E.164.
    pub e164: String,
    /// `active`, …
    pub status: String,
    /// Holder's id.
    pub holder: String,
    /// Holder's name and kind, for people.
    pub holder_label: String,
    /// The wallet that pays.
    pub billed_to: String,
    /// Region, country.
    pub place: String,
    /// Monthly fee, formatted.
    pub monthly: String,
    /// Next renewal, `YYYY-MM-DD`.
    pub next_renewal: String,
    /// Application.
    pub application: Option<String>,
    /// Aadhaar pending.
    pub aadhaar_pending: bool,
    /// Renewal at risk.
    pub at_risk: bool,
    /// Held by a sub-account (may be unassigned).
    pub on_sub_account: bool,
}

/// A page of the numbers view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumbersView {
    /// The numbers.
    pub rows: Vec<NumberItem>,
    /// Matching in all.
    pub total: i64,
    /// This page.
    pub page: u32,
    /// Per page.
    pub per_page: u32,
    /// Last sync finished.
    pub last_sync: Option<String>,
    /// A sync under way, in words.
    pub syncing: Option<String>,
    /// The last sync failed with this.
    pub sync_error: Option<String>,
    /// Customers with no active number: (id, name, kind label).
    pub idle_customers: Vec<(String, String, String)>,
    /// The signed-in person may release numbers.
    pub can_release: bool,
    /// … assign and unassign.
    pub can_assign: bool,
}

/// Filters parsed for the mirror, or what is wrong with them.
#[cfg(feature = "ssr")]
pub fn parse_number_filters(
    f: &NumberFilters,
) -> Result<crate::server::numbers::Filters, AppError> {
    let flag = |v: &str| matches!(v.trim(), "1" | "true" | "on" | "yes");
    let opt = |v: &str| Some(v.trim().to_owned()).filter(|s| !s.is_empty());
    let renewing = match f.renewing.trim() {
        "" => None,
        t => Some(t.parse::<u32>().ok().filter(|d| *d <= 366).ok_or_else(|| {
            AppError::Invalid("Renewing within: a number of days from 0 to 366.".into())
        })?),
    };
    let status = opt(&f.status);
    if let Some(s) = status.as_deref() {
        if !["active", "pending_release", "blocked", "pending_purchase"].contains(&s) {
            return Err(AppError::Invalid(
                "Status is active, pending_release or blocked.".into(),
            ));
        }
    }
    Ok(crate::server::numbers::Filters {
        customer: opt(&f.customer),
        status,
        country: opt(&f.country).map(|c| c.to_uppercase()),
        region: opt(&f.region),
        search: opt(&f.q),
        no_application: flag(&f.no_app),
        aadhaar_pending: flag(&f.aadhaar),
        renewing_within_days: renewing,
        at_risk: flag(&f.at_risk),
        pool_free: flag(&f.pool_free),
    })
}

#[cfg(feature = "ssr")]
fn item(n: &crate::server::numbers::Number) -> NumberItem {
    use crate::server::accounts::Kind;
    use crate::server::forms::{day, money};
    let kind = match n.owner_kind {
        Some(Kind::Pool) => "pool",
        Some(Kind::SubAccount) => "sub-account",
        Some(Kind::Customer) => "customer account",
        None => "account",
    };
    NumberItem {
        e164: n.e164.clone(),
        status: n.status.clone(),
        holder: n.owner_auth_id.clone(),
        holder_label: match &n.owner_name {
            Some(name) => format!("{name} ({kind})"),
            None => format!("{} ({kind})", n.owner_auth_id),
        },
        billed_to: n.billing_auth_id.clone(),
        place: [n.region.clone(), n.country.clone()]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
        monthly: money(n.monthly_fee, n.currency.as_deref().unwrap_or("")),
        next_renewal: n.next_billing_date.map(day).unwrap_or_else(|| "—".into()),
        application: n.application_id.clone(),
        aadhaar_pending: n.aadhaar_required && !n.aadhaar_verified,
        at_risk: n.at_risk,
        on_sub_account: n.owner_kind == Some(Kind::SubAccount),
    }
}

/// A page of the tenant's numbers from the mirror.
#[server(prefix = "/api", endpoint = "list_numbers")]
pub async fn list_numbers(filters: NumberFilters, page: u32) -> Result<NumbersView, AppError> {
    use crate::domain::policy::{allows, Action};
    use crate::server::forms::{minute, signed_in};
    use crate::server::{accounts, numbers};
    let (state, user) = signed_in().await?;
    let role = user.require(Action::ViewBusiness)?;
    if page == 0 {
        return Err(AppError::Invalid("Pages are numbered from 1.".into()));
    }
    let f = parse_number_filters(&filters)?;
    let status = accounts::run_status(&state.pool, user.tenant_id, "numbers").await?;
    if status.last_ok_at.is_none() && status.running.is_none() {
        let (s, tenant) = (state.clone(), user.tenant_id);
        tokio::spawn(async move {
            let _ = numbers::sync(&s, tenant, accounts::Trigger::Schedule, &|_, _| {}).await;
        });
    }
    let ((rows, total), idle) = futures::try_join!(
        numbers::list(&state.pool, user.tenant_id, &f, page, NUMBERS_PER_PAGE),
        numbers::idle_customers(&state.pool, user.tenant_id),
    )?;
    Ok(NumbersView {
        rows: rows.iter().map(item).collect(),
        total,
        page,
        per_page: NUMBERS_PER_PAGE,
        last_sync: status.last_ok_at.map(minute),
        syncing: status.running.map(|(done, total, since)| match total {
            Some(t) => format!(
                "Syncing from Vobiz: {done} of {t} numbers read (started {}).",
                minute(since)
            ),
            None => format!(
                "Syncing from Vobiz: {done} numbers read (started {}).",
                minute(since)
            ),
        }),
        sync_error: status.last_error,
        idle_customers: idle
            .into_iter()
            .map(|(id, name, kind)| {
                let label = if kind == "sub_account" {
                    "Sub-account"
                } else {
                    "Customer account"
                };
                (id, name, label.to_owned())
            })
            .collect(),
        can_release: allows(role, Action::ReleaseNumber),
        can_assign: allows(role, Action::AssignNumber),
    })
}

/// Starts a sync of the numbers mirror from Vobiz.
#[server(prefix = "/api", endpoint = "sync_numbers")]
pub async fn sync_numbers() -> Result<(), AppError> {
    use crate::domain::policy::Action;
    use crate::server::forms::{finish, signed_in};
    use crate::server::{accounts::Trigger, numbers};
    finish(
        NUMBERS_PAGE,
        async {
            let (state, user) = signed_in().await?;
            user.require(Action::ViewBusiness)?;
            crate::server::upstream::connection(&state, user.tenant_id).await?;
            let (s, tenant) = (state.clone(), user.tenant_id);
            tokio::spawn(async move {
                if let Err(error) = numbers::sync(&s, tenant, Trigger::Manual, &|_, _| {}).await {
                    tracing::warn!(%tenant, %error, "syncing numbers failed");
                }
            });
            tokio::time::sleep(std::time::Duration::from_millis(700)).await;
            crate::server::request::redirect_with_notice(
                NUMBERS_PAGE,
                "Syncing the numbers from Vobiz. Reload in a moment to see the result.",
            );
            Ok(())
        }
        .await,
    )
}

/// A number's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberPageView {
    /// The number as a row.
    pub item: NumberItem,
    /// Everything Vobiz reports, as (term, value).
    pub facts: Vec<(String, String)>,
    /// Its history from the audit log.
    pub history: Vec<HistoryRow>,
    /// Sub-accounts it can be assigned to (when the pool holds it).
    pub sub_accounts: Vec<(String, String)>,
    /// A pending release: the end of its cancel window.
    pub pending_until: Option<String>,
    /// A cool-off Vobiz reported, and its end.
    pub cool_off_until: Option<String>,
    /// The release fee the holder pays, when known.
    pub release_fee: Option<String>,
    /// The signed-in person may assign and unassign.
    pub can_assign: bool,
    /// … force an unassignment.
    pub can_force: bool,
    /// … release.
    pub can_release: bool,
}

/// A number of the tenant, with its history and what may be done to it.
#[server(prefix = "/api", endpoint = "number_detail")]
pub async fn number_detail(e164: String) -> Result<NumberPageView, AppError> {
    use crate::domain::policy::{allows, Action};
    use crate::server::accounts::{self, Kind};
    use crate::server::forms::{day, minute, money, signed_in};
    use crate::server::{db, numbers, upstream::internal};
    let (state, user) = signed_in().await?;
    let role = user.require(Action::ViewBusiness)?;
    let e164 = if e164.starts_with('+') {
        e164
    } else {
        format!("+{e164}")
    };
    let terms = numbers::release_terms(&state, &user, &e164).await?;
    let n = terms.number;
    let currency = n.currency.clone().unwrap_or_default();
    let opt_day = |d: Option<chrono::DateTime<chrono::Utc>>| d.map(day).unwrap_or_default();
    let caps = ["Voice", "SMS", "MMS", "Fax"]
        .iter()
        .zip(n.capabilities)
        .filter(|(_, on)| *on)
        .map(|(l, _)| *l)
        .collect::<Vec<_>>()
        .join(", ");
    let facts = vec![
        ("Status", n.status.replace('_', " ")),
        (
            "Held by",
            format!(
                "{} ({})",
                n.owner_name.clone().unwrap_or_default(),
                n.owner_auth_id
            ),
        ),
        ("Billed to", n.billing_auth_id.clone()),
        ("Country", n.country.clone().unwrap_or_default()),
        ("Region", n.region.clone().unwrap_or_default()),
        ("Capabilities", caps),
        (
            "Application",
            n.application_id
                .clone()
                .unwrap_or_else(|| "None: inbound calls have nowhere to go".into()),
        ),
        ("Setup fee", money(n.setup_fee, &currency)),
        ("Monthly fee", money(n.monthly_fee, &currency)),
        ("Bought", opt_day(n.purchased_at)),
        ("Last billed", opt_day(n.last_billing_date)),
        ("Next renewal", opt_day(n.next_billing_date)),
        (
            "Minimum commitment",
            n.minimum_commitment_months
                .map(|m| format!("{m} months"))
                .unwrap_or_default(),
        ),
        (
            "Aadhaar",
            if n.aadhaar_required {
                if n.aadhaar_verified {
                    "Verified".into()
                } else {
                    "Verification pending: the number may be restricted".into()
                }
            } else {
                "Not required".into()
            },
        ),
        (
            "Trial number",
            if n.is_trial {
                "Yes".into()
            } else {
                "No".into()
            },
        ),
        ("Source", n.source.clone().unwrap_or_default()),
        ("Provider", n.provider.clone().unwrap_or_default()),
        ("Trunk group", n.trunk_group_id.clone().unwrap_or_default()),
        ("Vobiz id", n.number_id.clone()),
        ("Mirrored", minute(n.synced_at)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let mut tx = db::begin_for(&state.pool, user.tenant_id)
        .await
        .map_err(internal)?;
    #[allow(clippy::type_complexity)]
    let history: Vec<(
        chrono::DateTime<chrono::Utc>,
        Option<String>,
        String,
        String,
        serde_json::Value,
    )> = sqlx::query_as(
        "SELECT at, actor_email, action, outcome, params FROM audit_log
         WHERE target_type = 'number' AND target_id = $1 ORDER BY seq DESC LIMIT 100",
    )
    .bind(&n.e164)
    .fetch_all(&mut *tx)
    .await
    .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    let pool_held = n.owner_kind == Some(Kind::Pool);
    let sub_accounts = if pool_held && allows(role, Action::AssignNumber) {
        let (subs, _) = accounts::list(
            &state.pool,
            user.tenant_id,
            &accounts::ListQuery {
                search: None,
                kind: Some(Kind::SubAccount),
                kyc: None,
                balance_below: None,
                sort: accounts::Sort::Name,
                page: 1,
                per_page: 500,
            },
        )
        .await?;
        subs.into_iter().map(|a| (a.auth_id, a.name)).collect()
    } else {
        Vec::new()
    };
    Ok(NumberPageView {
        item: item(&n),
        facts,
        history: history
            .into_iter()
            .map(|(at, actor, action, outcome, params)| HistoryRow {
                at: minute(at),
                actor: actor.unwrap_or_else(|| "—".into()),
                summary: [
                    params
                        .get("reason")
                        .and_then(|v| v.as_str())
                        .map(|r| format!("reason: {r}")),
                    params
                        .get("force")
                        .and_then(|v| v.as_bool())
                        .filter(|f| *f)
                        .map(|_| "forced".to_owned()),
                    params
                        .get("customer")
                        .and_then(|v| v.as_str())
                        .map(str::to_owned),
                    params
                        .get("idempotency_key")
                        .and_then(|v| v.as_str())
                        .map(|k| format!("key {k}")),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · "),
                action,
                outcome,
            })
            .collect(),
        sub_accounts,
        pending_until: (n.status == "pending_release").then(|| {
            n.release_cooldown_ends_at
                .map(minute)
                .unwrap_or_else(|| "24 hours after the release".into())
        }),
        cool_off_until: n
            .cool_off_until
            .filter(|u| *u > chrono::Utc::now())
            .map(minute),
        release_fee: terms.fee.map(|f| money(f, &currency)),
        can_assign: allows(role, Action::AssignNumber),
        can_force: allows(role, Action::ForceUnassign),
        can_release: allows(role, Action::ReleaseNumber),
    })
}

#[cfg(feature = "ssr")]
fn page_of(e164: &str) -> String {
    number_href(e164.trim())
}

/// Assigns a pool number to a sub-account.
#[server(prefix = "/api", endpoint = "assign_number")]
pub async fn assign_number(e164: String, sub_account: String) -> Result<(), AppError> {
    use crate::server::forms::{actor_of, finish, signed_in};
    let back = page_of(&e164);
    finish(
        &back,
        async {
            let (state, user) = signed_in().await?;
            crate::server::purchases::assign(&state, &user, &actor_of(&user), &sub_account, &e164)
                .await?;
            crate::server::request::redirect_with_notice(
                &back,
                &format!("{} is assigned to {}.", e164.trim(), sub_account.trim()),
            );
            Ok(())
        }
        .await,
    )
}

/// Moves a number back to the pool. Inside the cool-off the page shows its end, and owners
/// and admins may force it with a reason.
#[server(prefix = "/api", endpoint = "unassign_number")]
pub async fn unassign_number(
    e164: String,
    force: Option<String>,
    reason: Option<String>,
) -> Result<(), AppError> {
    use crate::server::forms::{actor_of, finish, minute, signed_in};
    use crate::server::numbers::{self, UnassignError};
    use crate::server::request;
    let back = page_of(&e164);
    finish(&back, async {
        let (state, user) = signed_in().await?;
        let force = force.as_deref().is_some_and(|f| matches!(f, "1" | "true" | "on"));
        match numbers::unassign(&state, &user, &actor_of(&user), &e164, force, reason.as_deref().unwrap_or("")).await {
            Ok(()) => request::redirect_with_notice(&back, &format!("{} is back in the pool{}.", e164.trim(), if force { " (cool-off overridden)" } else { "" })),
            Err(UnassignError::CoolOff { until, remaining_seconds }) => {
                let message = format!(
                    "{} had a call in the last 15 days, so Vobiz keeps it on the sub-account until {} ({} from now). An owner or admin can override this with a written reason.",
                    e164.trim(), minute(until), numbers::remaining_words(remaining_seconds)
                );
                request::redirect_with_error(&back, &message);
            }
            Err(UnassignError::App(e)) => return Err(e),
        }
        Ok(())
    }.await)
}

/// Releases a number (into Vobiz's 24-hour cancel window, or at once).
#[server(prefix = "/api", endpoint = "release_number")]
pub async fn release_number(e164: String, immediate: Option<String>) -> Result<(), AppError> {
    use crate::server::forms::{actor_of, finish, minute, signed_in};
    use crate::server::numbers::{self, Released};
    let back = page_of(&e164);
    finish(
        &back,
        async {
            let (state, user) = signed_in().await?;
            let immediate = immediate
                .as_deref()
                .is_some_and(|f| matches!(f, "1" | "true" | "on"));
            let r = numbers::release(&state, &user, &actor_of(&user), &e164, immediate).await?;
            let text = match r {
                Released::Pending { until, .. } => format!(
                    "{} is being released. You can cancel until {}.",
                    e164.trim(),
                    until
                        .map(minute)
                        .unwrap_or_else(|| "24 hours from now".into())
                ),
                Released::Done { .. } => format!("{} is released.", e164.trim()),
            };
            let to = if immediate {
                NUMBERS_PAGE.to_owned()
            } else {
                back.clone()
            };
            crate::server::request::redirect_with_notice(&to, &text);
            Ok(())
        }
        .await,
    )
}

/// Cancels a pending release.
#[server(prefix = "/api", endpoint = "cancel_release")]
pub async fn cancel_release(e164: String) -> Result<(), AppError> {
    use crate::server::forms::{actor_of, finish, money, signed_in};
    let back = page_of(&e164);
    finish(
        &back,
        async {
            let (state, user) = signed_in().await?;
            let refund =
                crate::server::numbers::cancel_release(&state, &user, &actor_of(&user), &e164)
                    .await?;
            crate::server::request::redirect_with_notice(
                &back,
                &format!(
                    "The release of {} is cancelled and the number is active again{}.",
                    e164.trim(),
                    refund
                        .map(|r| format!("; {} refunded", money(r, "")))
                        .unwrap_or_default()
                ),
            );
            Ok(())
        }
        .await,
    )
}

/// Releases or unassigns the ticked numbers, one by one, and reports each.
#[server(prefix = "/api", endpoint = "bulk_numbers")]
pub async fn bulk_numbers(action: String, e164s: Vec<String>) -> Result<(), AppError> {
    use crate::server::forms::{actor_of, finish, signed_in};
    finish(
        NUMBERS_PAGE,
        async {
            let (state, user) = signed_in().await?;
            let outcomes = crate::server::numbers::bulk(
                &state,
                &user,
                &actor_of(&user),
                action.trim(),
                &e164s,
            )
            .await?;
            let ok: Vec<String> = outcomes
                .iter()
                .filter_map(|o| o.result.as_ref().ok().map(|r| format!("{}: {r}", o.e164)))
                .collect();
            let failed: Vec<String> = outcomes
                .iter()
                .filter_map(|o| o.result.as_ref().err().map(|r| format!("{}: {r}", o.e164)))
                .collect();
            let mut text = format!("{} done", ok.len());
            if !ok.is_empty() {
                text.push_str(&format!(" ({})", ok.join("; ")));
            }
            if !failed.is_empty() {
                text.push_str(&format!(
                    ". {} not done: {}",
                    failed.len(),
                    failed.join("; ")
                ));
            }
            text.push('.');
            if failed.is_empty() {
                crate::server::request::redirect_with_notice(NUMBERS_PAGE, &text);
            } else {
                crate::server::request::redirect_with_error(NUMBERS_PAGE, &text);
            }
            Ok(())
        }
        .await,
    )
}
