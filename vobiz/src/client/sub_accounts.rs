//! Sub-accounts (`SA_…`) of a main account.

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::de::{self, string_enum, timestamp};
use super::paging::Paged;

string_enum! {
    /// Who the sub-account's KYC is for.
    pub enum KycMode {
        /// The parent's own use (default).
        PersonalUse => "personal_use",
        /// A customer of the parent; requires an email.
        CustomerUse => "customer_use",
    }
}

/// What a sub-account may use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Permissions {
    /// Place and receive calls.
    pub calls: bool,
    /// Read call detail records.
    pub cdr: bool,
}

/// A sub-account. `auth_token` is `"<redacted>"` except in the create answer.
#[derive(Debug, Clone, Deserialize)]
pub struct SubAccount {
    /// `SA_…`.
    pub auth_id: String,
    /// Display name.
    pub name: String,
    /// Numeric id as a string, e.g. `500001`.
    #[serde(default, with = "de::id::option")]
    pub id: Option<String>,
    /// Email (required for `customer_use`).
    #[serde(default)]
    pub email: Option<String>,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Permissions, when set.
    #[serde(default)]
    pub permissions: Option<Permissions>,
    /// Requests allowed per period (Vobiz default 1000).
    #[serde(default)]
    pub rate_limit: Option<u32>,
    /// The parent's numeric id.
    #[serde(default, with = "de::id::option")]
    pub parent_account_id: Option<String>,
    /// The parent's `MA_…`.
    #[serde(default)]
    pub parent_auth_id: Option<String>,
    /// The token, or `"<redacted>"` outside the create answer.
    #[serde(default)]
    pub auth_token: Option<SecretString>,
    /// API UUID.
    #[serde(default)]
    pub api_id: Option<String>,
    /// Email verified.
    #[serde(default, deserialize_with = "de::null_as_default")]
    pub email_verified: bool,
    /// Enabled (disabling does not release numbers).
    #[serde(default, deserialize_with = "de::null_as_default")]
    pub enabled: bool,
    /// Active.
    #[serde(default, deserialize_with = "de::null_as_default")]
    pub is_active: bool,
    /// Creation day as Vobiz writes it (`YYYY-MM-DD`).
    #[serde(default)]
    pub created: Option<String>,
    /// Last change day as Vobiz writes it (`YYYY-MM-DD`).
    #[serde(default)]
    pub modified: Option<String>,
    /// When the sub-account was created.
    #[serde(default, with = "timestamp::option")]
    pub created_at: Option<DateTime<Utc>>,
    /// When the sub-account last changed.
    #[serde(default, with = "timestamp::option")]
    pub updated_at: Option<DateTime<Utc>>,
    /// Last use of its credentials.
    #[serde(default, with = "timestamp::option")]
    pub last_used: Option<DateTime<Utc>>,
    /// KYC mode, on create and KYC answers.
    #[serde(default)]
    pub kyc_mode: Option<KycMode>,
    /// Calls blocked until KYC completes.
    #[serde(default)]
    pub kyc_calls_blocked: Option<bool>,
    /// Parent resource, `/v1/Account/MA_…/`.
    #[serde(default)]
    pub account: Option<String>,
    /// This resource, `/v1/Account/MA_…/Subaccount/SA_…/`.
    #[serde(default)]
    pub resource_uri: Option<String>,
}

/// A page of sub-accounts: `{"sub_accounts":[…],"total","page","size"}`.
#[derive(Debug, Clone, Deserialize)]
pub struct SubAccountsPage {
    /// The sub-accounts on this page.
    #[serde(default, deserialize_with = "de::null_as_default")]
    pub sub_accounts: Vec<SubAccount>,
    /// Sub-accounts in total.
    #[serde(default)]
    pub total: u64,
    /// Page number echoed back.
    #[serde(default)]
    pub page: Option<u32>,
    /// Page size echoed back.
    #[serde(default)]
    pub size: Option<u32>,
}

impl Paged for SubAccountsPage {
    type Item = SubAccount;

    fn total(&self) -> u64 {
        self.total
    }

    fn page_size(&self) -> Option<u32> {
        self.size
    }

    fn into_items(self) -> Vec<SubAccount> {
        self.sub_accounts
    }
}

/// Paging of the sub-account list (`page`/`size`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SubAccountsQuery {
    /// 1-based page.
    pub page: Option<u32>,
    /// Page size.
    pub size: Option<u32>,
}

/// Body of creating a sub-account.
#[derive(Debug, Clone, Serialize)]
pub struct CreateSubAccount {
    /// Display name (required).
    pub name: String,
    /// Email; required when `kyc_mode` is `customer_use`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Login password.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "de::expose_secret_option"
    )]
    pub password: Option<SecretString>,
    /// KYC mode; Vobiz defaults to `personal_use`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kyc_mode: Option<KycMode>,
    /// `individual`, `proprietorship`, `private_limited`, …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_type: Option<String>,
    /// Enabled; Vobiz defaults to true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Rate limit; Vobiz defaults to 1000.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<u32>,
    /// Permissions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Permissions>,
}

impl CreateSubAccount {
    /// A create request with only the required name.
    pub fn named(name: impl Into<String>) -> Self {
        CreateSubAccount {
            name: name.into(),
            email: None,
            password: None,
            kyc_mode: None,
            business_type: None,
            enabled: None,
            rate_limit: None,
            permissions: None,
        }
    }
}

/// Answer to creating a sub-account: the only time its token is shown.
#[derive(Debug, Clone, Deserialize)]
pub struct CreatedSubAccount {
    /// `Sub-account created successfully`.
    #[serde(default)]
    pub message: Option<String>,
    /// The new sub-account, with its real token.
    pub sub_account: SubAccount,
    /// Its credentials.
    #[serde(default)]
    pub auth_credentials: Option<AuthCredentials>,
    /// Session tokens Vobiz issues for the new sub-account.
    #[serde(default)]
    pub tokens: Option<SessionTokens>,
}

impl CreatedSubAccount {
    /// The new sub-account's credentials, from `auth_credentials` or the sub-account.
    pub fn credentials(&self) -> Option<super::Credentials> {
        match &self.auth_credentials {
            Some(credentials) => Some(super::Credentials {
                auth_id: credentials.auth_id.clone(),
                auth_token: credentials.auth_token.clone(),
            }),
            None => self
                .sub_account
                .auth_token
                .as_ref()
                .map(|token| super::Credentials {
                    auth_id: self.sub_account.auth_id.clone(),
                    auth_token: token.clone(),
                }),
        }
    }
}

/// An auth id and token pair in an answer.
#[derive(Debug, Clone, Deserialize)]
pub struct AuthCredentials {
    /// `SA_…`.
    pub auth_id: String,
    /// The token.
    pub auth_token: SecretString,
}

/// Bearer tokens returned when a sub-account is created.
#[derive(Debug, Clone, Deserialize)]
pub struct SessionTokens {
    /// Access token.
    pub access_token: SecretString,
    /// Refresh token.
    #[serde(default)]
    pub refresh_token: Option<SecretString>,
    /// `bearer`.
    #[serde(default)]
    pub token_type: Option<String>,
    /// Lifetime of the access token in seconds.
    #[serde(default)]
    pub expires_in: Option<u64>,
}

/// Body of updating a sub-account; only the fields that are set are sent.
#[derive(Debug, Clone, Default, Serialize)]
pub struct UpdateSubAccount {
    /// New name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Enable or disable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// KYC mode (promotion to `customer_use` needs an email).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kyc_mode: Option<KycMode>,
    /// Email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Rate limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<u32>,
    /// Permissions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Permissions>,
}
