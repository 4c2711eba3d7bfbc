//! Signing in and out, and setting a password from a link.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The signed-in person, as the browser may know them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    /// Their email.
    pub email: String,
    /// `Owner`, `Admin`, `Operator`, `Viewer` or `Customer`.
    pub role: String,
    /// Their organisation's name.
    pub tenant_name: String,
    /// Their organisation requires a second factor and they have none yet: every page but
    /// the security settings sends them there.
    pub must_enrol_totp: bool,
}

/// Who is signed in, if anyone.
#[server(prefix = "/api", endpoint = "whoami")]
pub async fn whoami() -> Result<Option<Me>, AppError> {
    use crate::server::{auth, request, state::app_state};
    let state = app_state()?;
    let session = request::session()?;
    let Some(user) = auth::current_user(&state.pool, &session).await? else {
        return Ok(None);
    };
    let mut tx = crate::server::db::begin_for(&state.pool, user.tenant_id)
        .await
        .map_err(|e| internal(e.to_string()))?;
    let tenant_name: String = sqlx::query_scalar("SELECT name FROM tenants WHERE id = $1")
        .bind(user.tenant_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| internal(e.to_string()))?;
    tx.commit().await.map_err(|e| internal(e.to_string()))?;
    let must_enrol_totp = user.must_enrol_totp;
    Ok(Some(Me {
        must_enrol_totp,
        email: user.email.clone(),
        role: match user.principal {
            auth::Principal::Staff(role) => role.label().to_owned(),
            auth::Principal::Customer(_) => "Customer".to_owned(),
        },
        tenant_name,
    }))
}

#[cfg(feature = "ssr")]
fn internal(error: String) -> AppError {
    let request_id = crate::server::request::request_id();
    tracing::error!(%request_id, %error, "request failed");
    AppError::Internal { request_id }
}

/// Where to go after signing in: only a path on this site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

/// Signs in with email and password, then goes to `next` (a path on this site). A failure
/// goes back to the sign-in page with the reason in its address, so the page can say it with
/// or without JavaScript.
#[server(prefix = "/api", endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::server::{auth, request, state::app_state};
    let state = app_state()?;
    let session = request::session()?;
    let next = safe_next(next.as_deref());
    let result = auth::sign_in(
        &state.pool,
        &session,
        &email,
        secrecy::SecretString::from(password),
        Some(request::request_id()),
        request::client_ip(),
    )
    .await;
    let target = match result {
        Ok(auth::SignInOutcome::SignedIn(user)) => match user.principal {
            // Customer users have one page of their own.
            auth::Principal::Customer(_) if next == "/" => crate::api::my::MY_PAGE.to_owned(),
            _ => next,
        },
        Ok(auth::SignInOutcome::NeedsCode) => format!(
            "/login/2fa?{}",
            crate::server::request::url_query(&[("next", &next)])
        ),
        Err(AppError::Invalid(message)) => format!(
            "/login?{}",
            crate::server::request::url_query(&[
                ("error", &message),
                ("email", email.trim()),
                ("next", &next)
            ])
        ),
        Err(other) => return Err(other),
    };
    leptos_axum::redirect(&target);
    Ok(())
}

/// Finishes a sign-in with the 6-digit code of the person's authenticator app, then goes to
/// `next`. A wrong code goes back to the code page; a timed-out sign-in to the sign-in page.
#[server(prefix = "/api", endpoint = "sign_in_code")]
pub async fn sign_in_code(code: String, next: Option<String>) -> Result<(), AppError> {
    use crate::server::{auth, request, state::app_state};
    let state = app_state()?;
    let session = request::session()?;
    let next = safe_next(next.as_deref());
    let result = auth::complete_second_factor(
        &state.pool,
        &state.vault,
        &session,
        &code,
        Some(request::request_id()),
        request::client_ip(),
    )
    .await?;
    let target = match result {
        Ok(_) => next,
        Err(e @ auth::CodeError::Restart) => format!(
            "/login?{}",
            request::url_query(&[("error", &e.to_string()), ("next", &next)])
        ),
        Err(e) => format!(
            "/login/2fa?{}",
            request::url_query(&[("error", &e.to_string()), ("next", &next)])
        ),
    };
    leptos_axum::redirect(&target);
    Ok(())
}

/// Signs out of this browser.
#[server(prefix = "/api", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::server::{auth, request, state::app_state};
    let state = app_state()?;
    let session = request::session()?;
    if let Some(user) = auth::current_user(&state.pool, &session).await? {
        let actor = user.actor(Some(request::request_id()), request::client_ip());
        auth::sign_out(&state.pool, &session, &user, &actor).await?;
    }
    leptos_axum::redirect("/login");
    Ok(())
}

/// Signs out of every browser and device.
#[server(prefix = "/api", endpoint = "sign_out_everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    use crate::server::{auth, request, state::app_state};
    let state = app_state()?;
    let session = request::session()?;
    let user = auth::current_user(&state.pool, &session)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let actor = user.actor(Some(request::request_id()), request::client_ip());
    auth::sign_out_everywhere(&state.pool, &session, &user, &actor).await?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// The email a set-password link belongs to, or why the link does not work.
#[server(prefix = "/api", endpoint = "inspect_link")]
pub async fn inspect_link(token: String) -> Result<String, AppError> {
    use crate::server::{links, state::app_state};
    let state = app_state()?;
    match links::inspect(&state.pool, &token).await {
        Ok(holder) => Ok(holder.email),
        Err(links::LinkError::Db(e)) => Err(internal(e.to_string())),
        Err(e) => Err(AppError::Invalid(e.to_string())),
    }
}

/// Sets the password of the link's account, then goes to the sign-in page. A refusal goes
/// back to the link's page with the reason.
#[server(prefix = "/api", endpoint = "set_password")]
pub async fn set_password(
    token: String,
    password: String,
    confirm: String,
) -> Result<(), AppError> {
    use crate::server::{audit::Actor, links, request, state::app_state};
    let back = |message: &str| {
        format!(
            "/accept/{}?{}",
            crate::server::request::percent_encode(&token),
            crate::server::request::url_query(&[("error", message)])
        )
    };
    if password != confirm {
        leptos_axum::redirect(&back("The two passwords are not the same."));
        return Ok(());
    }
    let state = app_state()?;
    let actor = Actor {
        request_id: Some(request::request_id()),
        client_ip: request::client_ip(),
        ..Actor::default()
    };
    match links::redeem(
        &state.pool,
        &token,
        secrecy::SecretString::from(password),
        &actor,
    )
    .await
    {
        Ok(_) => leptos_axum::redirect("/login?password_set=1"),
        Err(links::LinkError::Db(e)) => return Err(internal(e.to_string())),
        Err(e) => leptos_axum::redirect(&back(&e.to_string())),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_never_leaves_the_site() {
        assert_eq!(safe_next(Some("/numbers?page=2")), "/numbers?page=2");
        for evil in [
            "https://evil.test",
            "//evil.test",
            "/\\evil.test",
            "javascript:alert(1)",
        ] {
            assert_eq!(safe_next(Some(evil)), "/", "{evil}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
