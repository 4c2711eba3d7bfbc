//! The audit log page: a filtered, paged list of the tenant's audit entries.
//!
//! The filters travel in the page's address (a GET form), so a filtered view can be
//! bookmarked, works without JavaScript, and the CSV export link (`/audit/export.csv`,
//! served by the server crate) carries the same filters.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Where the CSV export of the filtered log is served.
pub const EXPORT_PATH: &str = "/audit/export.csv";

/// The filters as typed into the form (raw text; the server parses and checks them).
/// Empty means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditFilters {
    /// Part of the actor's email.
    pub actor: String,
    /// An action (`auth.sign_in`), or a prefix ending in a dot (`auth.`).
    pub action: String,
    /// The kind of target (`user`, `customer`, `number`, …).
    pub target_type: String,
    /// Part of the target's id.
    pub target_id: String,
    /// `ok`, `denied`, `failed` or `unknown`.
    pub outcome: String,
    /// First day, `YYYY-MM-DD` (UTC), inclusive.
    pub from: String,
    /// Last day, `YYYY-MM-DD` (UTC), inclusive.
    pub to: String,
}

impl AuditFilters {
    /// The filters in an address's query (`use_query_map()`).
    pub fn from_query(query: &leptos_router::params::ParamsMap) -> Self {
        let get = |k: &str| query.get(k).unwrap_or_default();
        AuditFilters {
            actor: get("actor"),
            action: get("action"),
            target_type: get("target_type"),
            target_id: get("target_id"),
            outcome: get("outcome"),
            from: get("from"),
            to: get("to"),
        }
    }

    /// The non-empty filters as `(name, value)` pairs, in a fixed order.
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("actor", self.actor.as_str()),
            ("action", self.action.as_str()),
            ("target_type", self.target_type.as_str()),
            ("target_id", self.target_id.as_str()),
            ("outcome", self.outcome.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .collect()
    }

    /// Whether no filter is set.
    pub fn is_empty(&self) -> bool {
        self.pairs().is_empty()
    }

    /// `path` with the non-empty filters (percent-encoded) as its query.
    pub fn href(&self, path: &str) -> String {
        let query = self
            .pairs()
            .into_iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        if query.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{query}")
        }
    }
}

use crate::pages::encode;

/// One audit entry as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    /// Position in the tenant's chain.
    pub seq: i64,
    /// When, `YYYY-MM-DD HH:MM:SS UTC`.
    pub at: String,
    /// When, RFC 3339 (for the `<time>` element).
    pub at_rfc3339: String,
    /// Who (email), when known.
    pub actor_email: Option<String>,
    /// Their role at the time.
    pub actor_role: Option<String>,
    /// What (`auth.sign_in`, …).
    pub action: String,
    /// The kind of target.
    pub target_type: Option<String>,
    /// Which one.
    pub target_id: Option<String>,
    /// `ok`, `denied`, `failed` or `unknown`.
    pub outcome: String,
    /// Vobiz's HTTP status, when Vobiz was called.
    pub upstream_status: Option<i32>,
    /// Vobiz's message.
    pub upstream_message: Option<String>,
    /// The request's id.
    pub request_id: Option<String>,
}

/// One page of the filtered log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    /// The entries on this page, newest first.
    pub rows: Vec<AuditRow>,
    /// How many entries match the filters in all.
    pub total: i64,
    /// This page's number, from 1.
    pub page: u32,
    /// Entries per page.
    pub per_page: u32,
}

/// A page of the caller's tenant's audit log, filtered. Any staff role may read it;
/// customer users may not.
#[server(prefix = "/api", endpoint = "list_audit")]
pub async fn list_audit(
    filters: AuditFilters,
    page: u32,
    per_page: Option<u32>,
) -> Result<AuditPage, AppError> {
    use crate::domain::policy::Action;
    use crate::server::{audit_view, auth, request, state::app_state};
    let state = app_state()?;
    let session = request::session()?;
    let user = auth::current_user(&state.pool, &session)
        .await?
        .ok_or(AppError::Unauthorized)?;
    user.require(Action::ViewAudit)?;
    let parsed = audit_view::Filters::parse(&filters)?;
    let paging = audit_view::Paging::new(page, per_page)?;
    let (records, total) = audit_view::list(&state.pool, user.tenant_id, &parsed, paging)
        .await
        .map_err(audit_view::internal)?;
    Ok(AuditPage {
        rows: records
            .into_iter()
            .map(audit_view::Record::into_row)
            .collect(),
        total,
        page: paging.page,
        per_page: paging.per_page,
    })
}
