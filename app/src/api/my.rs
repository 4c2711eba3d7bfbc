//! A customer user's own view: their account, wallet, numbers and transactions, and their
//! password. The account is the one their sign-in is bound to; nothing here takes an id.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::customers::{NumberRow, TransactionFilters, TransactionList};
use crate::error::AppError;

/// The customer's own page.
pub const MY_PAGE: &str = "/my";

/// What a customer user sees of their account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyAccountView {
    /// Their organisation's name at the partner.
    pub name: String,
    /// The account id.
    pub auth_id: String,
    /// `Customer account` or `Sub-account`.
    pub kind_label: String,
    /// Email on the account.
    pub email: String,
    /// Company.
    pub company: String,
    /// Country.
    pub country: String,
    /// The signed-in person's own email.
    pub me: String,
    /// The wallet, formatted (none for a sub-account).
    pub balance: Option<String>,
    /// Numbers, with renewal dates and routing.
    pub numbers: Vec<NumberRow>,
    /// Monthly rentals in all.
    pub monthly_total: String,
}

/// The signed-in customer user's account.
#[server(prefix = "/api", endpoint = "my_account")]
pub async fn my_account() -> Result<MyAccountView, AppError> {
    use crate::server::customers::{self, Wallet};
    use crate::server::forms::{money, signed_in};
    use crate::server::{accounts::Kind, customer_users};
    let (state, user) = signed_in().await?;
    let account = customer_users::own_account(&state, &user).await?;
    let tenant = user.tenant_id;
    let (numbers, balance) = if account.kind == Kind::Customer {
        let (n, w) = futures::try_join!(
            customers::numbers(&state, tenant, &account),
            customers::wallet(&state, tenant, &account)
        )?;
        let balance = match w {
            Wallet::Own { balance, currency } => Some(money(balance, &currency)),
            Wallet::Pool { .. } => None,
        };
        (n, balance)
    } else {
        (customers::numbers(&state, tenant, &account).await?, None)
    };
    let currency = numbers
        .first()
        .and_then(|n| n.currency.clone())
        .unwrap_or_default();
    let monthly: rust_decimal::Decimal = numbers
        .iter()
        .filter(|n| n.status == vobiz::client::NumberStatus::Active)
        .map(|n| n.monthly_fee)
        .sum();
    Ok(MyAccountView {
        kind_label: crate::api::customers::kind_label(account.kind).into(),
        name: account.name.clone(),
        email: account.email.clone().unwrap_or_default(),
        company: account.company.clone().unwrap_or_default(),
        country: account.country.clone().unwrap_or_default(),
        me: user.email.clone(),
        balance,
        numbers: numbers
            .iter()
            .map(crate::api::customers::number_row)
            .collect(),
        monthly_total: money(monthly, &currency),
        auth_id: account.auth_id,
    })
}

/// A page of the signed-in customer user's transactions.
#[server(prefix = "/api", endpoint = "my_transactions")]
pub async fn my_transactions(
    filters: TransactionFilters,
    page: u32,
) -> Result<TransactionList, AppError> {
    use crate::server::{customer_users, forms::signed_in};
    let (state, user) = signed_in().await?;
    let account = customer_users::own_account(&state, &user).await?;
    crate::api::customers::transactions_of(&state, user.tenant_id, &account, &filters, page).await
}

/// Changes the signed-in person's password; their other sessions end.
#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(
    current: String,
    password: String,
    confirm: String,
) -> Result<(), AppError> {
    use crate::server::forms::{actor_of, finish, signed_in};
    use crate::server::{auth, request};
    let back = MY_PAGE;
    finish(
        back,
        async {
            if password != confirm {
                return Err(AppError::Invalid(
                    "The two new passwords are not the same.".into(),
                ));
            }
            let (state, user) = signed_in().await?;
            let session = request::session()?;
            auth::change_password(
                &state.pool,
                &session,
                &user,
                &actor_of(&user),
                secrecy::SecretString::from(current),
                secrecy::SecretString::from(password),
            )
            .await?;
            request::redirect_with_notice(
                back,
                "Your password is changed. Other browsers signed in as you have been signed out.",
            );
            Ok(())
        }
        .await,
    )
}
