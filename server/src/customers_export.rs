//! `GET /customers/export.csv?…filters…`: the filtered customer list as a CSV download.

use app::api::customers::{parse_filters, CustomerFilters};
use app::domain::policy::Action;
use app::error::AppError;
use app::server::accounts;
use app::server::audit::{self, Entry, Outcome};
use app::server::auth;
use app::server::state::AppState;
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
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

/// The CSV export of the caller's tenant's customers, filtered as the address says.
pub async fn export_csv(State(state): State<AppState>, session: Session, req: Request) -> Response {
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("unknown")
        .to_owned();
    let user = match auth::current_user(&state.pool, &session).await {
        Ok(Some(user)) => user,
        Ok(None) => return refuse(AppError::Unauthorized),
        Err(e) => return refuse(e),
    };
    if let Err(e) = user
        .require(Action::ViewBusiness)
        .and_then(|_| user.require(Action::ExportCsv))
    {
        return refuse(e);
    }
    let Ok(Query(filters)) = Query::<CustomerFilters>::try_from_uri(req.uri()) else {
        return refuse(AppError::Invalid(
            "The export address is not readable: export again from the customer list.".into(),
        ));
    };
    let query = match parse_filters(&filters, 1, 1) {
        Ok(q) => q,
        Err(e) => return refuse(e),
    };
    let (body, rows) = match accounts::export_csv(&state.pool, user.tenant_id, &query).await {
        Ok(x) => x,
        Err(e) => return refuse(e),
    };
    let entry = Entry::new(
        user.tenant_id,
        &user.actor(Some(request_id.clone()), None),
        "customers.export",
        Outcome::Ok,
    )
    .params(serde_json::json!({ "filters": filters.pairs().into_iter().collect::<std::collections::BTreeMap<_, _>>(), "rows": rows }));
    if let Err(error) = audit::record(&state.pool, &entry).await {
        tracing::error!(%request_id, %error, "could not audit a customer export");
        return refuse(AppError::Internal { request_id });
    }
    let name = format!(
        "attachment; filename=\"customers-{}.csv\"",
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
                HeaderValue::from_str(&name)
                    .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}

/// The CSV export of the caller's tenant's numbers, filtered as the numbers view's address says.
pub async fn export_numbers(
    State(state): State<AppState>,
    session: Session,
    req: Request,
) -> Response {
    use app::api::numbers::{parse_number_filters, NumberFilters};
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("unknown")
        .to_owned();
    let user = match auth::current_user(&state.pool, &session).await {
        Ok(Some(user)) => user,
        Ok(None) => return refuse(AppError::Unauthorized),
        Err(e) => return refuse(e),
    };
    if let Err(e) = user
        .require(Action::ViewBusiness)
        .and_then(|_| user.require(Action::ExportCsv))
    {
        return refuse(e);
    }
    let Ok(Query(filters)) = Query::<NumberFilters>::try_from_uri(req.uri()) else {
        return refuse(AppError::Invalid(
            "The export address is not readable: export again from the numbers page.".into(),
        ));
    };
    let parsed = match parse_number_filters(&filters) {
        Ok(f) => f,
        Err(e) => return refuse(e),
    };
    let (body, rows) =
        match app::server::numbers::export_csv(&state.pool, user.tenant_id, &parsed).await {
            Ok(x) => x,
            Err(e) => return refuse(e),
        };
    let entry = Entry::new(
        user.tenant_id,
        &user.actor(Some(request_id.clone()), None),
        "numbers.export",
        Outcome::Ok,
    )
    .params(serde_json::json!({ "filters": filters.pairs().into_iter().collect::<std::collections::BTreeMap<_, _>>(), "rows": rows }));
    if let Err(error) = audit::record(&state.pool, &entry).await {
        tracing::error!(%request_id, %error, "could not audit a numbers export");
        return refuse(AppError::Internal { request_id });
    }
    let name = format!(
        "attachment; filename=\"numbers-{}.csv\"",
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
                HeaderValue::from_str(&name)
                    .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}

/// The month's DID rentals per paying wallet, as CSV (for invoicing).
pub async fn export_costs(
    State(state): State<AppState>,
    session: Session,
    req: Request,
) -> Response {
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("unknown")
        .to_owned();
    let user = match auth::current_user(&state.pool, &session).await {
        Ok(Some(user)) => user,
        Ok(None) => return refuse(AppError::Unauthorized),
        Err(e) => return refuse(e),
    };
    if let Err(e) = user
        .require(Action::ViewBusiness)
        .and_then(|_| user.require(Action::ExportCsv))
    {
        return refuse(e);
    }
    let rows = match app::server::numbers::monthly_costs(&state.pool, user.tenant_id).await {
        Ok(r) => r,
        Err(e) => return refuse(e),
    };
    let mut body = String::from("paid_by,name,active_numbers,monthly_rentals,currency\n");
    for (id, name, n, monthly, currency) in &rows {
        let cells = [
            id.clone(),
            name.clone().unwrap_or_default(),
            n.to_string(),
            monthly.round_dp(2).to_string(),
            currency.clone().unwrap_or_default(),
        ];
        let line: Vec<String> = cells
            .iter()
            .map(|c| {
                let c = app::server::audit_view::csv_cell(c);
                if c.contains([',', '"', '\n']) {
                    format!("\"{}\"", c.replace('"', "\"\""))
                } else {
                    c.into_owned()
                }
            })
            .collect();
        body.push_str(&line.join(","));
        body.push('\n');
    }
    let entry = Entry::new(
        user.tenant_id,
        &user.actor(Some(request_id.clone()), None),
        "costs.export",
        Outcome::Ok,
    )
    .params(serde_json::json!({ "rows": rows.len() }));
    if let Err(error) = audit::record(&state.pool, &entry).await {
        tracing::error!(%request_id, %error, "could not audit a costs export");
        return refuse(AppError::Internal { request_id });
    }
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"did-costs.csv\""),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}
