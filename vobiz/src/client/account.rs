//! The account API for one main or sub-account: numbers, inventory, purchase, release,
//! sub-account assignment, wallet, transactions and sub-accounts.

use reqwest::Method;
use secrecy::ExposeSecret;

use super::error::Redactor;
use super::http::{segment, Call};
use super::ledger::{AccountTransactionsQuery, Balance, TransactionsPage};
use super::numbers::{
    AssignSubAccount, CancelRelease, InventoryQuery, NumberQuery, NumbersPage, PhoneNumber,
    Purchase, PurchaseRequest, ReleaseOutcome,
};
use super::paging::{collect_pages, MAX_PER_PAGE};
use super::sub_accounts::{
    CreateSubAccount, CreatedSubAccount, SubAccount, SubAccountsPage, SubAccountsQuery,
    UpdateSubAccount,
};
use super::{Client, Credentials, Error};

/// The account API for one set of account credentials. Every `{auth_id}` in the paths is
/// the credentials' own id. Get it from [`Client::account`].
#[derive(Debug, Clone, Copy)]
pub struct AccountApi<'a> {
    client: &'a Client,
    credentials: &'a Credentials,
}

impl<'a> AccountApi<'a> {
    pub(crate) fn new(client: &'a Client, credentials: &'a Credentials) -> Self {
        AccountApi {
            client,
            credentials,
        }
    }

    fn id(&self) -> String {
        segment(&self.credentials.auth_id)
    }

    /// `GET /api/v1/Account/{auth_id}/numbers`: numbers the account owns (a main account
    /// also sees its sub-accounts' numbers; [`PhoneNumber::owner`] tells them apart).
    pub async fn numbers(&self, query: &NumberQuery) -> Result<NumbersPage, Error> {
        let call = Call::get(
            "/api/v1/Account/{auth_id}/numbers",
            format!("/api/v1/Account/{}/numbers", self.id()),
        );
        self.client.json(self.credentials, query.apply(call)).await
    }

    /// Every number the account owns, walking the pages `concurrency` at a time.
    pub async fn all_numbers(
        &self,
        search: Option<&str>,
        concurrency: usize,
    ) -> Result<Vec<PhoneNumber>, Error> {
        collect_pages(MAX_PER_PAGE, concurrency, |page| {
            let query = NumberQuery::walking(page, search);
            async move { self.numbers(&query).await }
        })
        .await
    }

    /// `GET /api/v1/Account/{auth_id}/inventory/numbers`: numbers available to buy.
    pub async fn inventory(&self, query: &InventoryQuery) -> Result<NumbersPage, Error> {
        let mut call = Call::get(
            "/api/v1/Account/{auth_id}/inventory/numbers",
            format!("/api/v1/Account/{}/inventory/numbers", self.id()),
        )
        .query("country", query.country.as_deref())
        .query("search", query.search.as_deref());
        for prefix in &query.exclude {
            call = call.query("exclude", Some(prefix));
        }
        let call = call
            .query("page", query.page)
            .query("per_page", query.per_page);
        self.client.json(self.credentials, call).await
    }

    /// Every inventory number matching `query` (its paging fields are ignored), walking the
    /// pages `concurrency` at a time.
    pub async fn all_inventory(
        &self,
        query: &InventoryQuery,
        concurrency: usize,
    ) -> Result<Vec<PhoneNumber>, Error> {
        collect_pages(MAX_PER_PAGE, concurrency, |page| {
            let query = InventoryQuery {
                page: Some(page),
                per_page: Some(MAX_PER_PAGE),
                ..query.clone()
            };
            async move { self.inventory(&query).await }
        })
        .await
    }

    /// `POST /api/v1/Account/{auth_id}/numbers/purchase-from-inventory`: buys a number and
    /// debits setup plus monthly fee (from the parent when the caller is a sub-account).
    /// Never retried; a short balance comes back as [`Error::InsufficientBalance`].
    pub async fn purchase_from_inventory(
        &self,
        request: &PurchaseRequest,
    ) -> Result<Purchase, Error> {
        let call = Call::new(
            Method::POST,
            "/api/v1/Account/{auth_id}/numbers/purchase-from-inventory",
            format!(
                "/api/v1/Account/{}/numbers/purchase-from-inventory",
                self.id()
            ),
        )
        .json(request)?;
        self.client.json(self.credentials, call).await
    }

    /// `DELETE /api/v1/Account/{auth_id}/numbers/{e164}`: releases (unrents) a number.
    /// With `immediate` the cancellable cooldown is skipped. Never retried.
    pub async fn release_number(
        &self,
        e164: &str,
        immediate: bool,
    ) -> Result<ReleaseOutcome, Error> {
        const ROUTE: &str = "/api/v1/Account/{auth_id}/numbers/{e164}";
        let call = Call::new(
            Method::DELETE,
            ROUTE,
            format!("/api/v1/Account/{}/numbers/{}", self.id(), segment(e164)),
        )
        .query("immediate", immediate.then_some(true));
        let answer = self.client.send(self.credentials, call).await?;
        let redactor = Redactor::new(self.credentials.auth_token.expose_secret());
        ReleaseOutcome::from_body(&answer.body, answer.is_empty()).map_err(|reason| Error::Decode {
            endpoint: format!("DELETE {ROUTE}"),
            reason,
            snippet: redactor.snippet(&answer.body),
            request_id: answer.request_id.clone(),
        })
    }

    /// `POST /api/v1/account/{auth_id}/numbers/{e164}/cancel-release`: restores a number
    /// inside its release cooldown and refunds the release fee. Never retried.
    pub async fn cancel_release(&self, e164: &str) -> Result<CancelRelease, Error> {
        let call = Call::new(
            Method::POST,
            "/api/v1/account/{auth_id}/numbers/{e164}/cancel-release",
            format!(
                "/api/v1/account/{}/numbers/{}/cancel-release",
                self.id(),
                segment(e164)
            ),
        );
        self.client.json(self.credentials, call).await
    }

    /// `POST /api/v1/account/{auth_id}/numbers/{e164}/assign-subaccount`: moves a pool
    /// number to a sub-account. Never retried.
    pub async fn assign_to_sub_account(
        &self,
        e164: &str,
        sub_account_id: &str,
    ) -> Result<(), Error> {
        let call = Call::new(
            Method::POST,
            "/api/v1/account/{auth_id}/numbers/{e164}/assign-subaccount",
            self.assignment_path(e164),
        )
        .json(&AssignSubAccount { sub_account_id })?;
        self.client.empty(self.credentials, call).await
    }

    /// `DELETE /api/v1/account/{auth_id}/numbers/{e164}/assign-subaccount`: moves a number
    /// back to the pool. A number used in the last 15 days fails with
    /// [`Error::CoolOffInEffect`] unless `force` (admin accounts only). Never retried.
    pub async fn unassign_from_sub_account(&self, e164: &str, force: bool) -> Result<(), Error> {
        let call = Call::new(
            Method::DELETE,
            "/api/v1/account/{auth_id}/numbers/{e164}/assign-subaccount",
            self.assignment_path(e164),
        )
        .query("force", force.then_some(true));
        self.client.empty(self.credentials, call).await
    }

    fn assignment_path(&self, e164: &str) -> String {
        format!(
            "/api/v1/account/{}/numbers/{}/assign-subaccount",
            self.id(),
            segment(e164)
        )
    }

    /// `GET /api/v1/Account/{auth_id}/balance/{currency}`: the wallet in `currency`.
    pub async fn balance(&self, currency: &str) -> Result<Balance, Error> {
        let call = Call::get(
            "/api/v1/Account/{auth_id}/balance/{currency}",
            format!(
                "/api/v1/Account/{}/balance/{}",
                self.id(),
                segment(currency)
            ),
        );
        self.client.json(self.credentials, call).await
    }

    /// `GET /api/v1/Account/{auth_id}/transactions`: the account's ledger.
    pub async fn transactions(
        &self,
        query: &AccountTransactionsQuery,
    ) -> Result<TransactionsPage, Error> {
        let call = Call::get(
            "/api/v1/Account/{auth_id}/transactions",
            format!("/api/v1/Account/{}/transactions", self.id()),
        )
        .query("limit", query.limit)
        .query("offset", query.offset);
        self.client.json(self.credentials, call).await
    }

    /// `POST /api/v1/accounts/{auth_id}/sub-accounts/`: creates a sub-account. Never
    /// retried.
    pub async fn create_sub_account(
        &self,
        request: &CreateSubAccount,
    ) -> Result<CreatedSubAccount, Error> {
        let call = Call::new(
            Method::POST,
            "/api/v1/accounts/{auth_id}/sub-accounts/",
            format!("/api/v1/accounts/{}/sub-accounts/", self.id()),
        )
        .json(request)?;
        self.client.json(self.credentials, call).await
    }

    /// `GET /api/v1/accounts/{auth_id}/sub-accounts/`: one page of sub-accounts.
    pub async fn list_sub_accounts(
        &self,
        query: &SubAccountsQuery,
    ) -> Result<SubAccountsPage, Error> {
        let call = Call::get(
            "/api/v1/accounts/{auth_id}/sub-accounts/",
            format!("/api/v1/accounts/{}/sub-accounts/", self.id()),
        )
        .query("page", query.page)
        .query("size", query.size);
        self.client.json(self.credentials, call).await
    }

    /// Every sub-account, walking the pages `concurrency` at a time.
    pub async fn all_sub_accounts(&self, concurrency: usize) -> Result<Vec<SubAccount>, Error> {
        collect_pages(MAX_PER_PAGE, concurrency, |page| {
            let query = SubAccountsQuery {
                page: Some(page),
                size: Some(MAX_PER_PAGE),
            };
            async move { self.list_sub_accounts(&query).await }
        })
        .await
    }

    /// `GET /api/v1/accounts/{auth_id}/sub-accounts/{sub_auth_id}`.
    pub async fn get_sub_account(&self, sub_auth_id: &str) -> Result<SubAccount, Error> {
        let call = Call::get(
            "/api/v1/accounts/{auth_id}/sub-accounts/{sub_auth_id}",
            self.sub_account_path(sub_auth_id),
        );
        self.client.json(self.credentials, call).await
    }

    /// `PUT /api/v1/accounts/{auth_id}/sub-accounts/{sub_auth_id}`: changes the fields
    /// that are set. Never retried.
    pub async fn update_sub_account(
        &self,
        sub_auth_id: &str,
        request: &UpdateSubAccount,
    ) -> Result<SubAccount, Error> {
        let call = Call::new(
            Method::PUT,
            "/api/v1/accounts/{auth_id}/sub-accounts/{sub_auth_id}",
            self.sub_account_path(sub_auth_id),
        )
        .json(request)?;
        self.client.json(self.credentials, call).await
    }

    /// `DELETE /api/v1/accounts/{auth_id}/sub-accounts/{sub_auth_id}`. Never retried.
    pub async fn delete_sub_account(&self, sub_auth_id: &str) -> Result<(), Error> {
        let call = Call::new(
            Method::DELETE,
            "/api/v1/accounts/{auth_id}/sub-accounts/{sub_auth_id}",
            self.sub_account_path(sub_auth_id),
        );
        self.client.empty(self.credentials, call).await
    }

    fn sub_account_path(&self, sub_auth_id: &str) -> String {
        format!(
            "/api/v1/accounts/{}/sub-accounts/{}",
            self.id(),
            segment(sub_auth_id)
        )
    }
}
