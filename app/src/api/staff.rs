//! Staff management: the list, invitations, roles, disabling and set-password links.
//!
//! The mutations are form posts that end on `/settings/users` with a notice or an error in
//! the address. A new link is put in that address once (`link=`), for the person who asked
//! for it to copy; it is never stored or logged in the clear.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The page the staff forms return to.
pub const STAFF_PAGE: &str = "/settings/users";

/// A role the signed-in person may choose in a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleChoice {
    /// The submitted value (`owner`, `admin`, …).
    pub value: String,
    /// The label shown.
    pub label: String,
}

/// One staff member on the staff page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffRow {
    /// Their account id.
    pub id: String,
    /// Their email.
    pub email: String,
    /// Their role's stored name.
    pub role: String,
    /// Their role's label.
    pub role_label: String,
    /// `Invited`, `Active` or `Disabled`.
    pub status: String,
    /// Created, `YYYY-MM-DD`.
    pub created: String,
    /// When a pending invitation or set-password link expires, `YYYY-MM-DD HH:MM UTC`.
    pub link_expires: Option<String>,
    /// They have an authenticator app set up.
    pub has_totp: bool,
    /// This row is the signed-in person.
    pub is_me: bool,
    /// The signed-in person may disable, enable or issue links for them.
    pub manageable: bool,
    /// The roles the signed-in person may give them (empty: no role change).
    pub role_choices: Vec<RoleChoice>,
}

/// What the staff page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffView {
    /// The signed-in person may manage staff (otherwise the page is read-only).
    pub can_manage: bool,
    /// The roles the signed-in person may give a new colleague.
    pub invite_roles: Vec<RoleChoice>,
    /// Every staff member.
    pub staff: Vec<StaffRow>,
}

/// The tenant's staff, with what the signed-in person may do to each.
#[server(prefix = "/api", endpoint = "staff_overview")]
pub async fn staff_overview() -> Result<StaffView, AppError> {
    use crate::domain::policy::{allows, may_manage_user, may_set_role, Action, Role};
    use crate::server::{auth, request, staff, state::app_state};
    let state = app_state()?;
    let session = request::session()?;
    let user = auth::current_user(&state.pool, &session)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let my_role = user.require(Action::ViewBusiness)?;
    let can_manage = allows(my_role, Action::ManageStaff);
    let choice = |r: Role| RoleChoice {
        value: r.as_str().to_owned(),
        label: r.label().to_owned(),
    };
    let members = staff::list(&state.pool, user.tenant_id).await?;
    let staff = members
        .into_iter()
        .map(|m| {
            let is_me = m.id == user.id;
            StaffRow {
                id: m.id.to_string(),
                email: m.email,
                role: m.role.as_str().to_owned(),
                role_label: m.role.label().to_owned(),
                status: m.status.label().to_owned(),
                created: m.created_at.format("%Y-%m-%d").to_string(),
                link_expires: m
                    .link_expires_at
                    .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
                has_totp: m.has_totp,
                is_me,
                manageable: !is_me && may_manage_user(my_role, m.role),
                role_choices: if is_me {
                    Vec::new()
                } else {
                    Role::ALL
                        .into_iter()
                        .filter(|r| may_set_role(my_role, Some(m.role), *r))
                        .map(choice)
                        .collect()
                },
            }
        })
        .collect();
    Ok(StaffView {
        can_manage,
        invite_roles: Role::ALL
            .into_iter()
            .filter(|r| may_set_role(my_role, None, *r))
            .map(choice)
            .collect(),
        staff,
    })
}

/// Ends a staff form: a refusal goes back to the page in plain words; a server failure or a
/// missing session stays an error.
#[cfg(feature = "ssr")]
fn finish(result: Result<(), AppError>) -> Result<(), AppError> {
    use crate::server::request::redirect_with_error;
    match result {
        Ok(()) => Ok(()),
        Err(AppError::Forbidden) => {
            redirect_with_error(
                STAFF_PAGE,
                "You do not have permission to do that. Owners and admins manage staff, and only owners manage owners.",
            );
            Ok(())
        }
        Err(e @ (AppError::Invalid(_) | AppError::NotFound(_))) => {
            redirect_with_error(STAFF_PAGE, &e.to_string());
            Ok(())
        }
        Err(other) => Err(other),
    }
}

/// The signed-in person, allowed to manage staff, and them as an audit actor.
#[cfg(feature = "ssr")]
async fn manager() -> Result<
    (
        crate::server::state::AppState,
        crate::server::auth::CurrentUser,
        crate::server::audit::Actor,
    ),
    AppError,
> {
    use crate::domain::policy::Action;
    use crate::server::{auth, request, state::app_state};
    let state = app_state()?;
    let session = request::session()?;
    let user = auth::current_user(&state.pool, &session)
        .await?
        .ok_or(AppError::Unauthorized)?;
    user.require(Action::ManageStaff)?;
    let actor = user.actor(Some(request::request_id()), request::client_ip());
    Ok((state, user, actor))
}

#[cfg(feature = "ssr")]
fn parse_role(role: &str) -> Result<crate::domain::policy::Role, AppError> {
    crate::domain::policy::Role::parse(role.trim())
        .ok_or_else(|| AppError::Invalid("Choose a role: owner, admin, operator or viewer.".into()))
}

#[cfg(feature = "ssr")]
fn parse_user(user_id: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(user_id.trim()).map_err(|_| AppError::NotFound("User".into()))
}

/// Sends the browser back to the staff page with a notice and the one-time link.
#[cfg(feature = "ssr")]
fn show_link(
    state: &crate::server::state::AppState,
    issued: &crate::server::staff::IssuedLink,
    notice: &str,
) {
    use secrecy::ExposeSecret;
    let link = format!(
        "{}/accept/{}",
        state.public_url,
        issued.link.token.expose_secret()
    );
    let expires = issued
        .link
        .expires_at
        .format("%Y-%m-%d %H:%M UTC")
        .to_string();
    let query = crate::server::request::url_query(&[
        ("notice", notice),
        ("link", &link),
        ("for", &issued.email),
        ("expires", &expires),
    ]);
    leptos_axum::redirect(&format!("{STAFF_PAGE}?{query}"));
}

/// Invites a new staff member; the page then shows their one-time invitation link.
#[server(prefix = "/api", endpoint = "invite_staff")]
pub async fn invite_staff(email: String, role: String) -> Result<(), AppError> {
    use crate::domain::identity::Email;
    use crate::server::staff;
    finish(
        async {
            let (state, user, actor) = manager().await?;
            let email =
                Email::parse(&email).map_err(|m| AppError::Invalid(format!("Email: {m}")))?;
            let role = parse_role(&role)?;
            let issued = staff::invite(&state.pool, &user, &actor, &email, role).await?;
            show_link(
                &state,
                &issued,
                &format!(
                    "Invited {} as {}. Send them this one-time link; it works once.",
                    issued.email,
                    role.label().to_lowercase()
                ),
            );
            Ok(())
        }
        .await,
    )
}

/// Gives a colleague another role.
#[server(prefix = "/api", endpoint = "change_staff_role")]
pub async fn change_staff_role(user_id: String, role: String) -> Result<(), AppError> {
    use crate::server::{request, staff};
    finish(
        async {
            let (state, user, actor) = manager().await?;
            let target = parse_user(&user_id)?;
            let role = parse_role(&role)?;
            let email = staff::change_role(&state.pool, &user, &actor, target, role).await?;
            request::redirect_with_notice(
                STAFF_PAGE,
                &format!("{email} is now {}.", role.label().to_lowercase()),
            );
            Ok(())
        }
        .await,
    )
}

/// Disables a colleague; their sessions end at once.
#[server(prefix = "/api", endpoint = "disable_staff")]
pub async fn disable_staff(user_id: String) -> Result<(), AppError> {
    use crate::server::{request, staff};
    finish(
        async {
            let (state, user, actor) = manager().await?;
            let target = parse_user(&user_id)?;
            let email = staff::set_disabled(&state.pool, &user, &actor, target, true).await?;
            request::redirect_with_notice(
                STAFF_PAGE,
                &format!("{email} is disabled and has been signed out."),
            );
            Ok(())
        }
        .await,
    )
}

/// Enables a disabled colleague again.
#[server(prefix = "/api", endpoint = "enable_staff")]
pub async fn enable_staff(user_id: String) -> Result<(), AppError> {
    use crate::server::{request, staff};
    finish(
        async {
            let (state, user, actor) = manager().await?;
            let target = parse_user(&user_id)?;
            let email = staff::set_disabled(&state.pool, &user, &actor, target, false).await?;
            request::redirect_with_notice(STAFF_PAGE, &format!("{email} can sign in again."));
            Ok(())
        }
        .await,
    )
}

/// Removes a colleague's second factor (a lost authenticator app); their sessions end.
#[server(prefix = "/api", endpoint = "reset_staff_totp")]
pub async fn reset_staff_totp(user_id: String) -> Result<(), AppError> {
    use crate::server::{request, staff};
    finish(
        async {
            let (state, user, actor) = manager().await?;
            let target = parse_user(&user_id)?;
            let email = staff::reset_second_factor(&state.pool, &user, &actor, target).await?;
            request::redirect_with_notice(
                STAFF_PAGE,
                &format!("{email}'s second factor is removed and they are signed out; they can sign in with their password and set up a new authenticator app."),
            );
            Ok(())
        }
        .await,
    )
}

/// Issues a new set-password link (or a fresh invitation) for a colleague; the page then
/// shows it once.
#[server(prefix = "/api", endpoint = "staff_password_link")]
pub async fn staff_password_link(user_id: String) -> Result<(), AppError> {
    use crate::server::{links::Purpose, staff};
    finish(async {
        let (state, user, actor) = manager().await?;
        let target = parse_user(&user_id)?;
        let issued = staff::issue_password_link(&state.pool, &user, &actor, target).await?;
        let what = match issued.purpose {
            Purpose::Invite => "a new invitation link",
            Purpose::Reset => "a set-password link",
        };
        show_link(
            &state,
            &issued,
            &format!(
                "Made {what} for {}. Send it to them; it works once and earlier links of this kind no longer work.",
                issued.email
            ),
        );
        Ok(())
    }
    .await)
}
