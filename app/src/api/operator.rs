//! The platform operator's pages: sign-in, the tenant list, creating tenants.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A tenant row on the operator's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantRow {
    /// Short name.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Created, `YYYY-MM-DD`.
    pub created: String,
    /// Staff accounts.
    pub staff: i64,
    /// Vobiz connection stored.
    pub connected: bool,
}

/// What the operator's page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorView {
    /// The signed-in operator's email.
    pub email: String,
    /// Every tenant.
    pub tenants: Vec<TenantRow>,
}

/// The operator's overview, or `None` when no operator is signed in.
#[server(prefix = "/api", endpoint = "operator_overview")]
pub async fn operator_overview() -> Result<Option<OperatorView>, AppError> {
    use crate::server::{operators, request, state::app_state};
    let state = app_state()?;
    let session = request::session()?;
    let Some(op) = operators::current(&state.pool, &session).await? else {
        return Ok(None);
    };
    let tenants = operators::tenants(&state.pool)
        .await?
        .into_iter()
        .map(|t| TenantRow {
            slug: t.slug,
            name: t.name,
            created: t.created_at.format("%Y-%m-%d").to_string(),
            staff: t.staff,
            connected: t.connected,
        })
        .collect();
    Ok(Some(OperatorView {
        email: op.email,
        tenants,
    }))
}

/// Signs a platform operator in.
#[server(prefix = "/api", endpoint = "operator_sign_in")]
pub async fn operator_sign_in(email: String, password: String) -> Result<(), AppError> {
    use crate::server::{operators, request, state::app_state};
    let state = app_state()?;
    let session = request::session()?;
    match operators::sign_in(
        &state.pool,
        &session,
        &email,
        secrecy::SecretString::from(password),
        request::client_ip(),
    )
    .await
    {
        Ok(_) => leptos_axum::redirect("/operator"),
        Err(AppError::Invalid(message)) => {
            request::redirect_with_error("/operator/login", &message)
        }
        Err(other) => return Err(other),
    }
    Ok(())
}

/// Signs the operator out.
#[server(prefix = "/api", endpoint = "operator_sign_out")]
pub async fn operator_sign_out() -> Result<(), AppError> {
    let session = crate::server::request::session()?;
    session.flush().await.map_err(|e| {
        let request_id = crate::server::request::request_id();
        tracing::error!(%request_id, error = %e, "could not end the operator session");
        AppError::Internal { request_id }
    })?;
    leptos_axum::redirect("/operator/login");
    Ok(())
}

/// Creates a tenant and its first owner; the page then shows the owner's one-time link.
#[server(prefix = "/api", endpoint = "operator_create_tenant")]
pub async fn operator_create_tenant(
    slug: String,
    name: String,
    owner_email: String,
) -> Result<(), AppError> {
    use secrecy::ExposeSecret;

    use crate::domain::identity::{Email, Slug};
    use crate::server::{audit::Actor, operators, request, state::app_state, tenants};
    let state = app_state()?;
    let session = request::session()?;
    let op = operators::current(&state.pool, &session)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let slug = match Slug::parse(&slug) {
        Ok(s) => s,
        Err(message) => {
            request::redirect_with_error("/operator", &format!("Short name: {message}"));
            return Ok(());
        }
    };
    let email = match Email::parse(&owner_email) {
        Ok(e) => e,
        Err(message) => {
            request::redirect_with_error("/operator", &format!("Owner's email: {message}"));
            return Ok(());
        }
    };
    let actor = Actor {
        user_id: None,
        email: Some(op.email.clone()),
        role: Some("platform-operator".into()),
        request_id: Some(request::request_id()),
        client_ip: request::client_ip(),
    };
    match tenants::create(&state.pool, &slug, &name, &email, &actor).await {
        Ok(created) => {
            let link = format!(
                "{}/accept/{}",
                state.public_url,
                created.owner_link.token.expose_secret()
            );
            let query = request::url_query(&[
                (
                    "notice",
                    &format!(
                        "Created {}. Send this one-time link to {email}; it expires in 72 hours.",
                        name.trim()
                    ),
                ),
                ("link", &link),
            ]);
            leptos_axum::redirect(&format!("/operator?{query}"));
        }
        Err(tenants::TenantError::Db(e)) => {
            let request_id = request::request_id();
            tracing::error!(%request_id, error = %e, "tenant creation failed");
            return Err(AppError::Internal { request_id });
        }
        Err(refusal) => request::redirect_with_error("/operator", &refusal.to_string()),
    }
    Ok(())
}
