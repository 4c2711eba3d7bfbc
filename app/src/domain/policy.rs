//! Who may do what: the permission matrix, written once.
//!
//! The server checks every server function against [`allows`]; the browser uses the same
//! function only to hide what a person cannot do. The README's permission table is this
//! matrix in words, and the tests below check every cell of it.

use serde::{Deserialize, Serialize};

/// A staff member's role within one tenant, from most to least powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the tenant: everything, including its Vobiz credentials and security settings.
    Owner,
    /// Runs the day to day: people, money and numbers, but not credentials or security.
    Admin,
    /// Does the work: customers, numbers and invitations for customers; no money moves.
    Operator,
    /// Reads everything, changes nothing.
    Viewer,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Operator, Role::Viewer];

    /// The name stored in the database and shown to people.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::Viewer => "viewer",
        }
    }

    /// Parses a stored or submitted role name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Operator => "Operator",
            Role::Viewer => "Viewer",
        }
    }
}

/// Something a signed-in person may try to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Read the tenant's customers, numbers, wallets and dashboard.
    ViewBusiness,
    /// Read the audit log.
    ViewAudit,
    /// Export any list as CSV.
    ExportCsv,
    /// Create customer accounts and sub-accounts.
    CreateCustomer,
    /// Move money from the partner wallet to a customer.
    TransferFunds,
    /// Buy a number from inventory.
    PurchaseNumber,
    /// Assign a pool number to a sub-account, or unassign it when Vobiz allows.
    AssignNumber,
    /// Unassign a number inside its cool-off period (needs a written reason).
    ForceUnassign,
    /// Release a number, or cancel a pending release.
    ReleaseNumber,
    /// Invite a customer's users to their self-service view.
    InviteCustomerUser,
    /// Invite staff, change their roles, disable them, issue set-password links.
    ManageStaff,
    /// Edit the tenant's profile.
    EditTenantProfile,
    /// Test the stored Vobiz connection.
    TestConnection,
    /// Store or replace the tenant's Vobiz credentials.
    ManageCredentials,
    /// Change security settings (e.g. require a second factor).
    ManageSecurity,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 15] = [
        Action::ViewBusiness,
        Action::ViewAudit,
        Action::ExportCsv,
        Action::CreateCustomer,
        Action::TransferFunds,
        Action::PurchaseNumber,
        Action::AssignNumber,
        Action::ForceUnassign,
        Action::ReleaseNumber,
        Action::InviteCustomerUser,
        Action::ManageStaff,
        Action::EditTenantProfile,
        Action::TestConnection,
        Action::ManageCredentials,
        Action::ManageSecurity,
    ];
}

/// Whether a staff member with `role` may perform `action`.
pub fn allows(role: Role, action: Action) -> bool {
    use Action::*;
    use Role::*;
    match action {
        ViewBusiness | ViewAudit | ExportCsv => true,
        CreateCustomer | PurchaseNumber | AssignNumber | ReleaseNumber | InviteCustomerUser => {
            matches!(role, Owner | Admin | Operator)
        }
        TransferFunds | ForceUnassign | ManageStaff | EditTenantProfile | TestConnection => {
            matches!(role, Owner | Admin)
        }
        ManageCredentials | ManageSecurity => role == Owner,
    }
}

/// Whether `actor` may give `target_new` to a colleague whose role is now `target_current`.
///
/// Admins manage operators and viewers (and may make someone an admin); only owners touch
/// owners. Nobody without [`Action::ManageStaff`] changes anyone.
pub fn may_set_role(actor: Role, target_current: Option<Role>, target_new: Role) -> bool {
    if !allows(actor, Action::ManageStaff) {
        return false;
    }
    match actor {
        Role::Owner => true,
        _ => target_current != Some(Role::Owner) && target_new != Role::Owner,
    }
}

/// Whether `actor` may disable (or re-enable, or reset the password of) a colleague with `target`.
pub fn may_manage_user(actor: Role, target: Role) -> bool {
    allows(actor, Action::ManageStaff) && (actor == Role::Owner || target != Role::Owner)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The matrix as the README states it: one row per action, columns owner/admin/operator/viewer.
    const MATRIX: &[(Action, [bool; 4])] = &[
        (Action::ViewBusiness, [true, true, true, true]),
        (Action::ViewAudit, [true, true, true, true]),
        (Action::ExportCsv, [true, true, true, true]),
        (Action::CreateCustomer, [true, true, true, false]),
        (Action::TransferFunds, [true, true, false, false]),
        (Action::PurchaseNumber, [true, true, true, false]),
        (Action::AssignNumber, [true, true, true, false]),
        (Action::ForceUnassign, [true, true, false, false]),
        (Action::ReleaseNumber, [true, true, true, false]),
        (Action::InviteCustomerUser, [true, true, true, false]),
        (Action::ManageStaff, [true, true, false, false]),
        (Action::EditTenantProfile, [true, true, false, false]),
        (Action::TestConnection, [true, true, false, false]),
        (Action::ManageCredentials, [true, false, false, false]),
        (Action::ManageSecurity, [true, false, false, false]),
    ];

    #[test]
    fn every_cell_of_the_matrix_holds() {
        assert_eq!(MATRIX.len(), Action::ALL.len(), "every action has a row");
        for (action, row) in MATRIX {
            for (role, expected) in Role::ALL.into_iter().zip(row) {
                assert_eq!(allows(role, *action), *expected, "{role:?} × {action:?}");
            }
        }
    }

    #[test]
    fn only_owners_touch_owners() {
        assert!(may_set_role(Role::Owner, Some(Role::Viewer), Role::Owner));
        assert!(may_set_role(Role::Owner, Some(Role::Owner), Role::Admin));
        assert!(may_set_role(Role::Admin, Some(Role::Viewer), Role::Admin));
        assert!(!may_set_role(Role::Admin, Some(Role::Viewer), Role::Owner));
        assert!(!may_set_role(Role::Admin, Some(Role::Owner), Role::Viewer));
        assert!(!may_set_role(
            Role::Operator,
            Some(Role::Viewer),
            Role::Viewer
        ));
        assert!(may_manage_user(Role::Admin, Role::Operator));
        assert!(!may_manage_user(Role::Admin, Role::Owner));
        assert!(may_manage_user(Role::Owner, Role::Owner));
        assert!(!may_manage_user(Role::Viewer, Role::Viewer));
    }

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
