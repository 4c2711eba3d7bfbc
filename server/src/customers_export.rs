//! CSV downloads of the business lists: customers (`/customers/export.csv`), numbers
//! (`/numbers/export.csv`) and the month's DID costs (`/dashboard/costs.csv`), each filtered as
//! its page's address says, each audited.

use app::api::customers::{parse_filters, CustomerFilters};
use app::api::numbers::{parse_number_filters, NumberFilters};
use app::domain::policy::Action;
use app::error::AppError;
use app::server::accounts;
use app::server::audit::{self, Entry, Outcome};
use app::server::auth::{self, CurrentUser};
use app::server::state::AppState;
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use tower_sessions::Session;

use crate::http::REQUEST_ID;

fn refuse(error: AppError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        error.to_string(),
    )
        .into_response()
}

/// A signed-in person allowed to export, the request id, and the filters in the address.
async fn exporter<F: DeserializeOwned>(
    state: &AppState,
    session: &Session,
    req: Request,
    page: &str,
) -> Result<(CurrentUser, String, F), Response> {
    // Only the address and the request id are kept: the request itself is not `Sync`.
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("unknown")
        .to_owned();
    let uri = req.uri().clone();
    drop(req);
    let user = match auth::current_user(&state.pool, session).await {
        Ok(Some(user)) => user,
        Ok(None) => return Err(refuse(AppError::Unauthorized)),
        Err(e) => return Err(refuse(e)),
    };
    user.require(Action::ViewBusiness)
        .and_then(|_| user.require(Action::ExportCsv))
        .map_err(refuse)?;
    let Query(filters) = Query::<F>::try_from_uri(&uri).map_err(|_| {
        refuse(AppError::Invalid(format!(
            "The export address is not readable: export again from the {page}."
        )))
    })?;
    Ok((user, request_id, filters))
}

/// Audits the export, then answers the CSV as a download named `name-<date>.csv`.
async fn download(
    state: &AppState,
    user: &CurrentUser,
    request_id: String,
    action: &str,
    params: serde_json::Value,
    name: &str,
    body: Vec<u8>,
) -> Response {
    let entry = Entry::new(
        user.tenant_id,
        &user.actor(Some(request_id.clone()), None),
        action,
        Outcome::Ok,
    )
    .params(params);
    if let Err(error) = audit::record(&state.pool, &entry).await {
        tracing::error!(%request_id, %error, "could not audit an export");
        return refuse(AppError::Internal { request_id });
    }
    let disposition = format!(
        "attachment; filename=\"{name}-{}.csv\"",
        chrono::Utc::now().format("%Y-%m-%d")
    );
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}

fn filters_param(pairs: Vec<(&'static str, String)>, rows: usize) -> serde_json::Value {
    serde_json::json!({
        "filters": pairs.into_iter().collect::<std::collections::BTreeMap<_, _>>(),
        "rows": rows,
    })
}

/// The CSV export of the caller's tenant's customers, filtered as the address says.
pub async fn export_csv(State(state): State<AppState>, session: Session, req: Request) -> Response {
    let (user, request_id, filters) =
        match exporter::<CustomerFilters>(&state, &session, req, "customer list").await {
            Ok(x) => x,
            Err(r) => return r,
        };
    let query = match parse_filters(&filters, 1, 1) {
        Ok(q) => q,
        Err(e) => return refuse(e),
    };
    match accounts::export_csv(&state.pool, user.tenant_id, &query).await {
        Ok((body, rows)) => {
            let params = filters_param(filters.pairs(), rows);
            download(
                &state,
                &user,
                request_id,
                "customers.export",
                params,
                "customers",
                body,
            )
            .await
        }
        Err(e) => refuse(e),
    }
}

/// The CSV export of the caller's tenant's numbers, filtered as the numbers view's address says.
pub async fn export_numbers(
    State(state): State<AppState>,
    session: Session,
    req: Request,
) -> Response {
    let (user, request_id, filters) =
        match exporter::<NumberFilters>(&state, &session, req, "numbers page").await {
            Ok(x) => x,
            Err(r) => return r,
        };
    let parsed = match parse_number_filters(&filters) {
        Ok(f) => f,
        Err(e) => return refuse(e),
    };
    match app::server::numbers::export_csv(&state.pool, user.tenant_id, &parsed).await {
        Ok((body, rows)) => {
            let params = filters_param(filters.pairs(), rows);
            download(
                &state,
                &user,
                request_id,
                "numbers.export",
                params,
                "numbers",
                body,
            )
            .await
        }
        Err(e) => refuse(e),
    }
}

/// The month's DID rentals per paying wallet, as CSV (for invoicing).
pub async fn export_costs(
    State(state): State<AppState>,
    session: Session,
    req: Request,
) -> Response {
    let (user, request_id, _) =
        match exporter::<serde_json::Value>(&state, &session, req, "dashboard").await {
            Ok(x) => x,
            Err(r) => return r,
        };
    let rows = match app::server::numbers::monthly_costs(&state.pool, user.tenant_id).await {
        Ok(r) => r,
        Err(e) => return refuse(e),
    };
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut write = || -> Result<Vec<u8>, csv::Error> {
        out.write_record([
            "paid_by",
            "name",
            "active_numbers",
            "monthly_rentals",
            "currency",
        ])?;
        for (id, name, n, monthly, currency) in &rows {
            let cells = [
                id.clone(),
                name.clone().unwrap_or_default(),
                n.to_string(),
                monthly.round_dp(2).to_string(),
                currency.clone().unwrap_or_default(),
            ];
            out.write_record(
                cells
                    .iter()
                    .map(|c| app::server::audit_view::csv_cell(c).into_owned()),
            )?;
        }
        out.flush()?;
        Ok(out.get_ref().clone())
    };
    match write() {
        Ok(body) => {
            let params = serde_json::json!({ "rows": rows.len() });
            download(
                &state,
                &user,
                request_id,
                "costs.export",
                params,
                "did-costs",
                body,
            )
            .await
        }
        Err(error) => {
            tracing::error!(%request_id, %error, "could not write the costs export");
            refuse(AppError::Internal { request_id })
        }
    }
}
