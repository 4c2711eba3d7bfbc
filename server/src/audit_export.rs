//! `GET /audit/export.csv?…filters…`: the filtered audit log as a CSV download.
//!
//! A plain route rather than a server function, so the browser downloads it from a link
//! that carries the same filters as the page.

use std::net::SocketAddr;

use app::api::audit::AuditFilters;
use app::domain::policy::Action;
use app::error::AppError;
use app::server::audit::{self, Entry, Outcome};
use app::server::audit_view::{self, Filters};
use app::server::auth;
use app::server::state::AppState;
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

use crate::http::REQUEST_ID;

/// Answers an error in plain text with its status.
fn refuse(error: AppError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        error.to_string(),
    )
        .into_response()
}

/// The CSV export of the caller's tenant's audit log, filtered as the address says.
pub async fn export_csv(State(state): State<AppState>, session: Session, req: Request) -> Response {
    let request_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("unknown")
        .to_owned();
    let internal = |error: &dyn std::fmt::Display| {
        tracing::error!(%request_id, %error, "audit export failed");
        refuse(AppError::Internal {
            request_id: request_id.clone(),
        })
    };
    let user = match auth::current_user(&state.pool, &session).await {
        Ok(Some(user)) => user,
        Ok(None) => return refuse(AppError::Unauthorized),
        Err(e) => return internal(&e),
    };
    if let Err(e) = user
        .require(Action::ViewAudit)
        .and_then(|_| user.require(Action::ExportCsv))
    {
        return refuse(e);
    }
    let raw = match Query::<AuditFilters>::try_from_uri(req.uri()) {
        Ok(Query(raw)) => raw,
        Err(_) => {
            return refuse(AppError::Invalid(
                "The export address is not readable: export again from the audit log page.".into(),
            ))
        }
    };
    let filters = match Filters::parse(&raw) {
        Ok(f) => f,
        Err(e) => return refuse(e),
    };
    let export = match audit_view::export_csv(&state.pool, user.tenant_id, &filters).await {
        Ok(Ok(export)) => export,
        Ok(Err(e)) => return refuse(e),
        Err(e) => return internal(&e),
    };

    let client_ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let params = serde_json::json!({
        "filters": raw.pairs().into_iter().collect::<std::collections::BTreeMap<_, _>>(),
        "rows": export.rows,
    });
    let entry = Entry::new(
        user.tenant_id,
        &user.actor(Some(request_id.clone()), client_ip),
        "audit.export",
        Outcome::Ok,
    )
    .params(params);
    if let Err(e) = audit::record(&state.pool, &entry).await {
        return internal(&e);
    }

    let disposition =
        HeaderValue::from_str(&format!("attachment; filename=\"{}\"", export.filename))
            .unwrap_or_else(|_| HeaderValue::from_static("attachment; filename=\"audit.csv\""));
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        export.body,
    )
        .into_response()
}
