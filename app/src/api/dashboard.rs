//! The dashboard: the partner wallet, what needs attention, and the month's DID costs per
//! paying wallet (for invoicing).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Where the monthly DID costs are exported.
pub const COSTS_EXPORT_PATH: &str = "/dashboard/costs.csv";

/// A count with the address of the list behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tile {
    /// What is counted.
    pub label: String,
    /// How many.
    pub count: i64,
    /// The list.
    pub href: String,
    /// It needs attention when not zero.
    pub warn: bool,
}

/// One paying wallet's DID rentals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostRow {
    /// The account.
    pub auth_id: String,
    /// Its name.
    pub name: String,
    /// Active numbers.
    pub numbers: i64,
    /// Their monthly rentals, formatted.
    pub monthly: String,
}

/// What the dashboard shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardView {
    /// The partner's name at Vobiz.
    pub partner: String,
    /// The partner wallet, live.
    pub balance: String,
    /// Customer accounts used of the most allowed.
    pub accounts: Option<String>,
    /// Counts, each leading to its list.
    pub tiles: Vec<Tile>,
    /// Onboardings under way: (customer id, name, started).
    pub onboardings: Vec<(String, String, String)>,
    /// Monthly DID rentals per paying wallet, largest first.
    pub costs: Vec<CostRow>,
}

/// The dashboard of the signed-in person's organisation.
#[server(prefix = "/api", endpoint = "dashboard")]
pub async fn dashboard() -> Result<DashboardView, AppError> {
    use crate::domain::policy::Action;
    use crate::server::forms::{minute, money, signed_in};
    use crate::server::{customer_users, db, numbers, upstream};
    let (state, user) = signed_in().await?;
    user.require(Action::ViewBusiness)?;
    let tenant = user.tenant_id;
    let conn = upstream::connection(&state, tenant).await?;
    let me = conn
        .client
        .partner(&conn.partner)
        .me()
        .await
        .map_err(upstream::read_failed)?;
    let mut tx = db::begin_for(&state.pool, tenant)
        .await
        .map_err(upstream::internal)?;
    #[allow(clippy::type_complexity)]
    let counts: (i64, i64, i64, i64, i64, i64, i64, i64, i64) = sqlx::query_as(
        "WITH due AS (
            SELECT billing_auth_id, sum(monthly_fee) AS due FROM numbers
            WHERE status = 'active' AND next_billing_date <= now() + interval '14 days'
            GROUP BY billing_auth_id)
         SELECT
            (SELECT count(*) FROM vobiz_accounts WHERE kind = 'customer'),
            (SELECT count(*) FROM vobiz_accounts WHERE kind = 'sub_account'),
            (SELECT count(*) FROM numbers),
            (SELECT count(*) FROM numbers WHERE application_id IS NULL),
            (SELECT count(*) FROM numbers WHERE aadhaar_required AND NOT aadhaar_verified),
            (SELECT count(*) FROM numbers WHERE next_billing_date <= now() + interval '14 days'),
            (SELECT count(*) FROM numbers n LEFT JOIN vobiz_accounts b ON b.tenant_id = n.tenant_id AND b.auth_id = n.billing_auth_id
                LEFT JOIN due d ON d.billing_auth_id = n.billing_auth_id
                WHERE n.status = 'active' AND n.next_billing_date <= now() + interval '14 days'
                  AND coalesce(d.due, 0) > coalesce(b.balance, 0)),
            (SELECT count(*) FROM wallet_transfers WHERE state IN ('pending', 'unknown')),
            (SELECT count(*) FROM number_purchases WHERE state IN ('pending', 'unknown'))",
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(upstream::internal)?;
    tx.commit().await.map_err(upstream::internal)?;
    let idle = numbers::idle_customers(&state.pool, tenant).await?.len() as i64;
    let tile = |label: &str, count: i64, href: &str, warn: bool| Tile {
        label: label.into(),
        count,
        href: href.into(),
        warn: warn && count > 0,
    };
    let tiles = vec![
        tile(
            "Customer accounts",
            counts.0,
            "/customers?kind=customer",
            false,
        ),
        tile(
            "Sub-accounts",
            counts.1,
            "/customers?kind=sub_account",
            false,
        ),
        tile("Numbers", counts.2, "/numbers", false),
        tile(
            "Renewing in 14 days",
            counts.5,
            "/numbers?renewing=14",
            false,
        ),
        tile("Renewals at risk", counts.6, "/numbers?at_risk=1", true),
        tile(
            "Numbers with no application",
            counts.3,
            "/numbers?no_app=1",
            true,
        ),
        tile(
            "Aadhaar verification pending",
            counts.4,
            "/numbers?aadhaar=1",
            true,
        ),
        tile(
            "Customers with no active number",
            idle,
            "/numbers#idle",
            true,
        ),
        tile("Transfers not settled", counts.7, "/transfers", true),
        tile("Purchases not settled", counts.8, "/numbers", true),
    ];
    let costs = numbers::monthly_costs(&state.pool, tenant)
        .await?
        .into_iter()
        .map(|(id, name, n, monthly, currency)| CostRow {
            name: name.unwrap_or_else(|| id.clone()),
            auth_id: id,
            numbers: n,
            monthly: money(monthly, currency.as_deref().unwrap_or("")),
        })
        .collect();
    let currency = me.currency.clone().unwrap_or_default();
    Ok(DashboardView {
        partner: me.name.clone(),
        balance: money(me.balance, &currency),
        accounts: me
            .account_count
            .zip(me.max_accounts)
            .map(|(c, m)| format!("{c} of {m} customer accounts used")),
        tiles,
        onboardings: customer_users::open_onboardings(&state.pool, tenant)
            .await?
            .into_iter()
            .map(|(id, name, at)| (id, name, minute(at)))
            .collect(),
        costs,
    })
}
