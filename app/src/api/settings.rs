//! Settings: the tenant's Vobiz connection, its profile, and security (second factor).
//!
//! The mutations are form posts that end on their page with a notice or an error in the
//! address, so they work without JavaScript. Tokens and second-factor secrets are never put in
//! an address, a log line or an audit entry.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The Vobiz connection page.
pub const VOBIZ_PAGE: &str = "/settings/vobiz";
/// The tenant profile page.
pub const PROFILE_PAGE: &str = "/settings/profile";
/// The security page.
pub const SECURITY_PAGE: &str = "/settings/security";

/// A stored connection, as people may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionView {
    /// Where calls go.
    pub base_url: String,
    /// The partner id.
    pub partner_auth_id: String,
    /// The partner token, masked.
    pub partner_token_mask: String,
    /// The pool account id, if any.
    pub pool_auth_id: Option<String>,
    /// The pool token, masked.
    pub pool_token_mask: Option<String>,
    /// The partner's name as Vobiz reported it.
    pub partner_name: String,
    /// The partner's currency.
    pub currency: String,
    /// When Vobiz last accepted the credentials, `YYYY-MM-DD HH:MM UTC`.
    pub verified_at: String,
}

/// What the Vobiz connection page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VobizView {
    /// The stored connection, if any.
    pub connection: Option<ConnectionView>,
    /// The signed-in person may store or replace the credentials (owners).
    pub can_manage: bool,
    /// The signed-in person may test the connection (owners and admins).
    pub can_test: bool,
}

#[cfg(feature = "ssr")]
fn internal(error: impl std::fmt::Display) -> AppError {
    let request_id = crate::server::request::request_id();
    tracing::error!(%request_id, %error, "request failed");
    AppError::Internal { request_id }
}

/// The signed-in staff member (anyone else is refused).
#[cfg(feature = "ssr")]
async fn signed_in() -> Result<
    (
        crate::server::state::AppState,
        tower_sessions::Session,
        crate::server::auth::CurrentUser,
    ),
    AppError,
> {
    use crate::server::{auth, request, state::app_state};
    let state = app_state()?;
    let session = request::session()?;
    let user = auth::current_user(&state.pool, &session)
        .await?
        .ok_or(AppError::Unauthorized)?;
    Ok((state, session, user))
}

/// Ends a settings form: refusals go back to `page` in plain words; a server failure or a
/// missing session stays an error.
#[cfg(feature = "ssr")]
fn finish(page: &str, forbidden: &str, result: Result<(), AppError>) -> Result<(), AppError> {
    use crate::server::request::redirect_with_error;
    match result {
        Ok(()) => Ok(()),
        Err(AppError::Forbidden) => {
            redirect_with_error(page, forbidden);
            Ok(())
        }
        Err(e @ (AppError::Invalid(_) | AppError::NotFound(_))) => {
            redirect_with_error(page, &e.to_string());
            Ok(())
        }
        Err(other) => Err(other),
    }
}

/// The tenant's Vobiz connection, masked, and what the signed-in person may do with it.
#[server(prefix = "/api", endpoint = "vobiz_connection")]
pub async fn vobiz_connection() -> Result<VobizView, AppError> {
    use crate::domain::policy::{allows, Action};
    use crate::server::connections;
    let (state, _, user) = signed_in().await?;
    let role = user.require(Action::ViewBusiness)?;
    let connection = connections::summary(&state.pool, user.tenant_id)
        .await
        .map_err(internal)?
        .map(|c| ConnectionView {
            base_url: c.base_url,
            partner_auth_id: c.partner_auth_id,
            partner_token_mask: c.partner_token_mask,
            pool_auth_id: c.pool_auth_id,
            pool_token_mask: c.pool_token_mask,
            partner_name: c.partner_name,
            currency: c.currency,
            verified_at: c.verified_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        });
    Ok(VobizView {
        connection,
        can_manage: allows(role, Action::ManageCredentials),
        can_test: allows(role, Action::TestConnection),
    })
}

/// Stores or replaces the tenant's Vobiz credentials, after Vobiz accepts them. Owners only.
#[server(prefix = "/api", endpoint = "save_vobiz_connection")]
pub async fn save_vobiz_connection(
    partner_auth_id: String,
    partner_token: String,
    pool_auth_id: Option<String>,
    pool_token: Option<String>,
    base_url: Option<String>,
) -> Result<(), AppError> {
    use crate::domain::policy::Action;
    use crate::server::connections::{self, ConnectionError, ConnectionInput};
    use crate::server::request;
    use secrecy::SecretString;
    let empty_none = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    finish(
        VOBIZ_PAGE,
        "You do not have permission to do that. Only owners store Vobiz credentials.",
        async {
            let (state, _, user) = signed_in().await?;
            user.require(Action::ManageCredentials)?;
            let actor = user.actor(Some(request::request_id()), request::client_ip());
            let input = ConnectionInput {
                base_url: empty_none(base_url),
                partner_auth_id,
                partner_token: SecretString::from(partner_token),
                pool_auth_id: empty_none(pool_auth_id),
                pool_token: empty_none(pool_token).map(SecretString::from),
            };
            match connections::save(
                &state.pool,
                &state.vault,
                &state.vobiz,
                user.tenant_id,
                &actor,
                input,
            )
            .await
            {
                Ok(summary) => {
                    request::redirect_with_notice(
                        VOBIZ_PAGE,
                        &format!(
                            "Vobiz accepted the credentials of {}. They are stored.",
                            summary.partner_name
                        ),
                    );
                    Ok(())
                }
                Err(
                    e @ (ConnectionError::Invalid(_)
                    | ConnectionError::Rejected(_)
                    | ConnectionError::Unreachable(_)),
                ) => Err(AppError::Invalid(format!("Nothing was stored. {e}"))),
                Err(other) => Err(internal(other)),
            }
        }
        .await,
    )
}

/// Opens the stored connection and asks Vobiz for the partner profile, live; the page shows
/// the answer (from the address) or why it failed. Owners and admins; audited.
#[server(prefix = "/api", endpoint = "test_vobiz_connection")]
pub async fn test_vobiz_connection() -> Result<(), AppError> {
    use crate::domain::policy::Action;
    use crate::server::audit::{self, Entry, Outcome};
    use crate::server::connections;
    use crate::server::request;
    finish(
        VOBIZ_PAGE,
        "You do not have permission to do that. Owners and admins test the connection.",
        async {
            let (state, _, user) = signed_in().await?;
            user.require(Action::TestConnection)?;
            let actor = user.actor(Some(request::request_id()), request::client_ip());
            let conn = match connections::open(
                &state.pool,
                &state.vault,
                &state.vobiz,
                user.tenant_id,
            )
            .await
            {
                Ok(Some(conn)) => conn,
                Ok(None) => {
                    return Err(AppError::Invalid(
                        "No Vobiz connection is stored yet. An owner stores the partner id and token first."
                            .into(),
                    ))
                }
                Err(connections::ConnectionError::Db(e)) => return Err(internal(e)),
                Err(e) => {
                    tracing::error!(request_id = %request::request_id(), error = %e, "stored connection does not open");
                    return Err(AppError::Invalid(
                        "The stored credentials could not be opened on this server. An owner should store them again."
                            .into(),
                    ));
                }
            };
            let entry = |outcome| {
                Entry::new(user.tenant_id, &actor, "settings.vobiz_test", outcome)
                    .target("setting", "vobiz_connection")
                    .params(serde_json::json!({ "partner_auth_id": conn.partner.auth_id }))
            };
            match conn.client.partner(&conn.partner).me().await {
                Ok(p) => {
                    let mut e = entry(Outcome::Ok);
                    e.upstream_status = Some(200);
                    audit::record(&state.pool, &e).await.map_err(internal)?;
                    let mut caps = Vec::new();
                    for (on, what) in [
                        (p.can_create_accounts, "create accounts"),
                        (p.can_create_pricing_tiers, "create pricing tiers"),
                        (p.can_view_cdrs, "view call records"),
                        (p.can_transfer_balance, "transfer balance"),
                    ] {
                        if on {
                            caps.push(what);
                        }
                    }
                    let caps = if caps.is_empty() {
                        "none".to_owned()
                    } else {
                        caps.join(", ")
                    };
                    let accounts = format!(
                        "{} of {}",
                        p.account_count
                            .map(|n| n.to_string())
                            .unwrap_or_else(|| "?".into()),
                        p.max_accounts
                            .map(|n| n.to_string())
                            .unwrap_or_else(|| "no limit".into())
                    );
                    let balance = p.balance.to_string();
                    let currency = p.currency.unwrap_or_default();
                    let query = request::url_query(&[
                        ("tested", "ok"),
                        ("name", &p.name),
                        ("currency", &currency),
                        ("balance", &balance),
                        ("accounts", &accounts),
                        ("caps", &caps),
                        ("active", if p.is_active { "yes" } else { "no" }),
                    ]);
                    leptos_axum::redirect(&format!("{VOBIZ_PAGE}?{query}"));
                    Ok(())
                }
                Err(error) => {
                    use vobiz::client::Error as E;
                    let message = match &error {
                        E::Unauthorized { .. } => "Vobiz no longer accepts the stored partner id and token. An owner should store new credentials.".to_owned(),
                        E::Forbidden { message, .. } => format!("Vobiz refused the stored credentials: {message}"),
                        other => format!("Vobiz could not be reached ({other}). Try again in a moment."),
                    };
                    let mut e = entry(Outcome::Failed);
                    e.upstream_message = Some(error.to_string());
                    audit::record(&state.pool, &e).await.map_err(internal)?;
                    Err(AppError::Invalid(format!("The test failed. {message}")))
                }
            }
        }
        .await,
    )
}

/// The tenant profile as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileView {
    /// The tenant's name.
    pub name: String,
    /// The tenant's slug (fixed).
    pub slug: String,
    /// The signed-in person may rename the tenant (owners and admins).
    pub can_edit: bool,
}

/// The tenant's name and slug.
#[server(prefix = "/api", endpoint = "tenant_profile")]
pub async fn tenant_profile() -> Result<ProfileView, AppError> {
    use crate::domain::policy::{allows, Action};
    let (state, _, user) = signed_in().await?;
    let role = user.require(Action::ViewBusiness)?;
    let mut tx = crate::server::db::begin_for(&state.pool, user.tenant_id)
        .await
        .map_err(internal)?;
    let (name, slug): (String, String) =
        sqlx::query_as("SELECT name, slug FROM tenants WHERE id = $1")
            .bind(user.tenant_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(internal)?;
    tx.commit().await.map_err(internal)?;
    Ok(ProfileView {
        name,
        slug,
        can_edit: allows(role, Action::EditTenantProfile),
    })
}

/// Renames the tenant. Owners and admins; audited with the old and new name.
#[server(prefix = "/api", endpoint = "rename_tenant")]
pub async fn rename_tenant(name: String) -> Result<(), AppError> {
    use crate::domain::policy::Action;
    use crate::server::audit::{self, Entry, Outcome};
    use crate::server::request;
    finish(
        PROFILE_PAGE,
        "You do not have permission to do that. Owners and admins edit the profile.",
        async {
            let (state, _, user) = signed_in().await?;
            user.require(Action::EditTenantProfile)?;
            let name = name.trim().to_owned();
            let length = name.chars().count();
            if length == 0 || length > 200 || name.chars().any(char::is_control) {
                return Err(AppError::Invalid(
                    "The name must be 1 to 200 characters, on one line.".into(),
                ));
            }
            let actor = user.actor(Some(request::request_id()), request::client_ip());
            let mut tx = crate::server::db::begin_for(&state.pool, user.tenant_id)
                .await
                .map_err(internal)?;
            let old: String =
                sqlx::query_scalar("SELECT name FROM tenants WHERE id = $1 FOR UPDATE")
                    .bind(user.tenant_id)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(internal)?;
            sqlx::query("UPDATE tenants SET name = $2, updated_at = now() WHERE id = $1")
                .bind(user.tenant_id)
                .bind(&name)
                .execute(&mut *tx)
                .await
                .map_err(internal)?;
            audit::append(
                &mut tx,
                &Entry::new(user.tenant_id, &actor, "settings.profile", Outcome::Ok)
                    .target("tenant", user.tenant_id)
                    .params(serde_json::json!({ "old_name": old, "new_name": name })),
            )
            .await
            .map_err(internal)?;
            tx.commit().await.map_err(internal)?;
            request::redirect_with_notice(PROFILE_PAGE, "The name is saved.");
            Ok(())
        }
        .await,
    )
}

/// An authenticator app being set up: the secret to type in and the `otpauth://` address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolmentView {
    /// The secret, base32.
    pub secret: String,
    /// The `otpauth://` address.
    pub uri: String,
    /// The address as a QR code (inline SVG made by the server).
    pub qr_svg: String,
}

/// What the security page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityView {
    /// The signed-in person's email.
    pub email: String,
    /// They have an authenticator app.
    pub has_totp: bool,
    /// Their tenant requires one.
    pub required: bool,
    /// They may change whether it is required (owners).
    pub can_manage: bool,
    /// The set-up waiting for its first code in this session, if any.
    pub enrolment: Option<EnrolmentView>,
}

/// The signed-in person's second factor and the tenant's requirement.
#[server(prefix = "/api", endpoint = "security_overview")]
pub async fn security_overview() -> Result<SecurityView, AppError> {
    use crate::domain::policy::{allows, Action};
    use crate::server::totp;
    let (state, session, user) = signed_in().await?;
    let role = user.require_for_enrolment(Action::ViewBusiness)?;
    let (has_totp, required) = totp::status(&state.pool, &user).await?;
    let enrolment = if has_totp {
        None
    } else {
        totp::pending_enrolment(&state.vault, &session, &user)
            .await?
            .map(|e| EnrolmentView {
                secret: e.secret,
                uri: e.uri,
                qr_svg: e.qr_svg,
            })
    };
    Ok(SecurityView {
        email: user.email.clone(),
        has_totp,
        required,
        can_manage: allows(role, Action::ManageSecurity),
        enrolment,
    })
}

/// Starts setting up an authenticator app: the page then shows its secret.
#[server(prefix = "/api", endpoint = "start_totp")]
pub async fn start_totp() -> Result<(), AppError> {
    use crate::domain::policy::Action;
    use crate::server::totp;
    finish(
        SECURITY_PAGE,
        "Only staff set up a second factor here.",
        async {
            let (state, session, user) = signed_in().await?;
            user.require_for_enrolment(Action::ViewBusiness)?;
            if totp::status(&state.pool, &user).await?.0 {
                return Err(AppError::Invalid(
                    "Your account already has an authenticator app. Turn it off first to set up another."
                        .into(),
                ));
            }
            totp::start_enrolment(&state.vault, &session, &user).await?;
            leptos_axum::redirect(SECURITY_PAGE);
            Ok(())
        }
        .await,
    )
}

/// Confirms the set-up with the code the app shows now.
#[server(prefix = "/api", endpoint = "confirm_totp")]
pub async fn confirm_totp(code: String) -> Result<(), AppError> {
    use crate::domain::policy::Action;
    use crate::server::{request, totp};
    finish(
        SECURITY_PAGE,
        "Only staff set up a second factor here.",
        async {
            let (state, session, user) = signed_in().await?;
            user.require_for_enrolment(Action::ViewBusiness)?;
            let actor = user.actor(Some(request::request_id()), request::client_ip());
            totp::confirm_enrolment(&state.pool, &state.vault, &session, &user, &actor, &code)
                .await?;
            request::redirect_with_notice(
                SECURITY_PAGE,
                "Your authenticator app is set up. Signing in now asks for its code.",
            );
            Ok(())
        }
        .await,
    )
}

/// Abandons a set-up that was not confirmed.
#[server(prefix = "/api", endpoint = "cancel_totp")]
pub async fn cancel_totp() -> Result<(), AppError> {
    let (_, session, _) = signed_in().await?;
    crate::server::totp::cancel_enrolment(&session).await?;
    leptos_axum::redirect(SECURITY_PAGE);
    Ok(())
}

/// Turns the signed-in person's second factor off, given a current code.
#[server(prefix = "/api", endpoint = "disable_totp")]
pub async fn disable_totp(code: String) -> Result<(), AppError> {
    use crate::domain::policy::Action;
    use crate::server::{request, totp};
    finish(
        SECURITY_PAGE,
        "Only staff manage a second factor here.",
        async {
            let (state, _, user) = signed_in().await?;
            user.require_for_enrolment(Action::ViewBusiness)?;
            let actor = user.actor(Some(request::request_id()), request::client_ip());
            totp::disable(&state.pool, &state.vault, &user, &actor, &code).await?;
            request::redirect_with_notice(
                SECURITY_PAGE,
                "Your authenticator app is turned off. Signing in asks only for your password.",
            );
            Ok(())
        }
        .await,
    )
}

/// Makes a second factor required (`required=true`) or optional (`false`) for every staff
/// member of the tenant. Owners only; audited.
#[server(prefix = "/api", endpoint = "set_require_totp")]
pub async fn set_require_totp(required: String) -> Result<(), AppError> {
    use crate::domain::policy::Action;
    use crate::server::{request, totp};
    finish(
        SECURITY_PAGE,
        "You do not have permission to do that. Only owners change security settings.",
        async {
            let (state, _, user) = signed_in().await?;
            user.require(Action::ManageSecurity)?;
            let required = match required.trim() {
                "true" => true,
                "false" => false,
                _ => return Err(AppError::Invalid("Choose required or optional.".into())),
            };
            let actor = user.actor(Some(request::request_id()), request::client_ip());
            totp::set_required(&state.pool, user.tenant_id, &actor, required).await?;
            request::redirect_with_notice(
                SECURITY_PAGE,
                if required {
                    "A second factor is now required: staff without one are asked to set it up."
                } else {
                    "A second factor is now optional."
                },
            );
            Ok(())
        }
        .await,
    )
}
