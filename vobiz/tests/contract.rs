//! The client against the sandbox: every endpoint and every documented error, end to end.

use std::collections::HashSet;
use std::str::FromStr;

use chrono::{DateTime, Duration as Span, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::time::Duration;
use vobiz::client::{
    AccountTransactionsQuery, AccountsQuery, Client, ClientOptions, CreateCustomer,
    CreateSubAccount, Credentials, CustomerTransactionsQuery, Error, InventoryQuery, KycMode,
    LedgerDirection, NumberQuery, NumberStatus, Paged, PurchaseRequest, ReleaseOutcome,
    SubAccountsQuery, TransactionType, TransferRequest, UpdateSubAccount,
};
use vobiz::sandbox::{DemoCredentials, DemoWorld, RunningSandbox, Sandbox, SandboxConfig};

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn creds(demo: &DemoCredentials) -> Credentials {
    Credentials::new(demo.auth_id.clone(), demo.auth_token.clone())
}

/// A running sandbox, its demo world, a client, and the control routes.
struct Harness {
    /// Kept alive: dropping it stops the sandbox.
    _running: RunningSandbox,
    world: DemoWorld,
    client: Client,
    base_url: String,
    control: reqwest::Client,
}

impl Harness {
    async fn start(seed: u64) -> Harness {
        let sandbox = Sandbox::new(SandboxConfig::demo(seed));
        let world = sandbox.demo();
        let running = sandbox
            .spawn("127.0.0.1:0".parse().unwrap())
            .await
            .expect("the sandbox starts");
        let base_url = running.base_url().to_string();
        let client = Client::new(&base_url, ClientOptions::default()).unwrap();
        Harness {
            _running: running,
            world,
            client,
            base_url,
            control: reqwest::Client::new(),
        }
    }

    fn partner(&self) -> Credentials {
        creds(&self.world.partner)
    }

    fn pool(&self) -> Credentials {
        creds(&self.world.pool_account)
    }

    fn sub_account(&self, index: usize) -> Credentials {
        creds(&self.world.sub_accounts[index])
    }

    async fn control(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let response = self
            .control
            .request(method, format!("{}/__sandbox/{path}", self.base_url))
            .header("X-Sandbox-Token", &self.world.control_token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "control {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Records an answered call on `e164` at `at` (this drives the 15-day cool-off).
    async fn record_call(&self, e164: &str, at: DateTime<Utc>) {
        let path = format!("numbers/{}/calls", e164.replace('+', "%2B"));
        self.control(reqwest::Method::POST, &path, json!({"at": at}))
            .await;
    }

    /// Moves the sandbox clock forward.
    async fn advance(&self, by: Span) {
        self.control(
            reqwest::Method::POST,
            "clock/advance",
            json!({"seconds": by.num_seconds()}),
        )
        .await;
    }

    /// The sandbox clock.
    async fn sandbox_now(&self) -> DateTime<Utc> {
        let value = self.control(reqwest::Method::GET, "clock", json!({})).await;
        vobiz::client::parse_timestamp(value["now"].as_str().unwrap()).unwrap()
    }

    /// Adds one fault rule, e.g. `{"method":"GET","route":"*","kind":"fail","status":503}`.
    /// Rules here match by method and `*`, each test making exactly one matching call
    /// while the rule lasts.
    async fn inject(&self, rule: Value) {
        self.control(reqwest::Method::POST, "faults", rule).await;
    }
}

fn new_customer(tag: &str) -> CreateCustomer {
    CreateCustomer {
        name: format!("Contract {tag}"),
        email: format!("contract-{tag}@example.com"),
        phone: "+919812345678".into(),
        password: "Str0ng!pass".to_owned().into(),
        country: "IN".into(),
        company: Some("Contract Co".into()),
        description: None,
        address: None,
        city: None,
        state: None,
        zip_code: None,
        timezone: None,
        gstin: None,
        gst_status: None,
        account_type: None,
    }
}

// Partner API.

#[tokio::test]
async fn partner_profile_and_wrong_credentials() {
    let h = Harness::start(1).await;
    let partner = h.partner();
    let me = h.client.partner(&partner).me().await.unwrap();
    assert_eq!(me.auth_id, h.world.partner.auth_id);
    assert!(me.balance > Decimal::ZERO);
    assert_eq!(me.currency.as_deref(), Some("INR"));
    assert!(me.can_create_accounts && me.can_transfer_balance);

    let wrong = Credentials::new(h.world.partner.auth_id.clone(), "not-the-token");
    let error = h.client.partner(&wrong).me().await.unwrap_err();
    assert_eq!(error, Error::Unauthorized { request_id: None });

    // Account credentials do not open the partner API.
    let pool = h.pool();
    let error = h.client.partner(&pool).me().await.unwrap_err();
    assert!(
        matches!(error, Error::Unauthorized { .. } | Error::Forbidden { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn partner_dashboard() {
    let h = Harness::start(2).await;
    let partner = h.partner();
    let api = h.client.partner(&partner);
    let dashboard = api.dashboard().await.unwrap();
    let me = api.me().await.unwrap();
    assert_eq!(dashboard.total_balance, Some(me.balance));
    assert_eq!(dashboard.accounts.total, h.world.customers.len() as u64);
    assert_eq!(dashboard.accounts.customers.len(), h.world.customers.len());
    assert!(!dashboard.time_series.is_empty());
    assert!(dashboard.calls.answered_calls <= dashboard.calls.total_calls);
}

#[tokio::test]
async fn customer_list_pages_search_and_walk() {
    let h = Harness::start(3).await;
    let partner = h.partner();
    let api = h.client.partner(&partner);
    let page = api
        .list_accounts(&AccountsQuery {
            page: Some(2),
            per_page: Some(5),
            search: None,
        })
        .await
        .unwrap();
    assert_eq!(page.total, h.world.customers.len() as u64);
    assert_eq!(
        page.page_size(),
        Some(5),
        "the page size comes back as `size`"
    );
    assert_eq!(page.page, Some(2));
    assert_eq!(page.accounts.len(), 5);
    assert!(page.accounts.iter().all(|a| a.credentials().is_none()));

    let wanted = &h.world.customers[0];
    let found = api
        .list_accounts(&AccountsQuery {
            search: Some(wanted.name.to_lowercase()),
            ..AccountsQuery::default()
        })
        .await
        .unwrap();
    assert!(found.accounts.iter().any(|a| a.auth_id == wanted.auth_id));
    assert!(found.total < page.total);

    let all = api.all_accounts(None, 3).await.unwrap();
    let ids: HashSet<_> = all.iter().map(|a| a.auth_id.clone()).collect();
    let expected: HashSet<_> = h
        .world
        .customers
        .iter()
        .map(|c| c.auth_id.clone())
        .collect();
    assert_eq!(ids, expected);
    assert_eq!(all.len(), expected.len());

    let error = api
        .list_accounts(&AccountsQuery {
            per_page: Some(101),
            ..AccountsQuery::default()
        })
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Validation { .. }), "{error:?}");
}

#[tokio::test]
async fn create_customer_then_get_it_with_its_token() {
    let h = Harness::start(4).await;
    let partner = h.partner();
    let api = h.client.partner(&partner);
    let created = api.create_account(&new_customer("one")).await.unwrap();
    assert!(created.auth_id.starts_with("MA_"));
    assert_eq!(created.balance, Some(Decimal::ZERO));
    assert_eq!(created.currency.as_deref(), Some("INR"));

    let fetched = api.get_account(&created.auth_id).await.unwrap();
    assert_eq!(fetched.name, "Contract one");
    assert_eq!(fetched.cash_credits, Some(Decimal::ZERO));
    assert_eq!(fetched.kyc_status.as_deref(), Some("pending"));
    // The single-customer call carries a token that works on the account API.
    let credentials = fetched.credentials().expect("a real token");
    let balance = h.client.account(&credentials).balance("INR").await.unwrap();
    assert_eq!(balance.available_balance, Decimal::ZERO);

    let listed = api.list_accounts(&AccountsQuery::default()).await.unwrap();
    assert_eq!(listed.total, h.world.customers.len() as u64 + 1);
}

#[tokio::test]
async fn create_customer_validation_errors() {
    let h = Harness::start(5).await;
    let partner = h.partner();
    let api = h.client.partner(&partner);
    api.create_account(&new_customer("dup")).await.unwrap();

    let duplicate = api.create_account(&new_customer("dup")).await.unwrap_err();
    assert!(
        matches!(
            duplicate,
            Error::Validation { status: 422, .. } | Error::Conflict { .. }
        ),
        "{duplicate:?}"
    );

    let mut weak = new_customer("weak");
    weak.password = "password".to_owned().into();
    let error = api.create_account(&weak).await.unwrap_err();
    assert!(
        matches!(error, Error::Validation { status: 422, .. }),
        "{error:?}"
    );

    let mut phone = new_customer("phone");
    phone.phone = "98123".into();
    let error = api.create_account(&phone).await.unwrap_err();
    assert!(
        matches!(error, Error::Validation { status: 422, .. }),
        "{error:?}"
    );

    let mut country = new_customer("country");
    country.country = "XX".into();
    let error = api.create_account(&country).await.unwrap_err();
    assert!(
        matches!(error, Error::Validation { status: 422, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn unknown_customer_is_not_found_everywhere() {
    let h = Harness::start(6).await;
    let partner = h.partner();
    let api = h.client.partner(&partner);
    let missing = "MA_NOPE0000";
    assert!(matches!(
        api.get_account(missing).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        api.account_balance(missing).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        api.customer_transactions(missing, &Default::default())
            .await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        api.customer_numbers(missing, &Default::default()).await,
        Err(Error::NotFound { .. })
    ));
    let transfer = TransferRequest {
        amount: dec("10"),
        currency: "INR".into(),
        description: None,
    };
    assert!(matches!(
        api.transfer_balance(missing, &transfer).await,
        Err(Error::NotFound { .. })
    ));
    // The pool account is the partner's own, not a customer.
    assert!(matches!(
        api.get_account(&h.world.pool_account.auth_id).await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn transfer_moves_money_and_writes_both_ledgers() {
    let h = Harness::start(7).await;
    let partner = h.partner();
    let api = h.client.partner(&partner);
    let customer = h.world.customers[0].auth_id.clone();
    let partner_before = api.me().await.unwrap().balance;
    let customer_before = api.account_balance(&customer).await.unwrap().cash_credits;

    let amount = dec("500.25");
    let transfer = api
        .transfer_balance(
            &customer,
            &TransferRequest {
                amount,
                currency: "INR".into(),
                description: Some("April recharge".into()),
            },
        )
        .await
        .unwrap();
    assert!(transfer.transaction_id.starts_with("txn_"));
    assert_eq!(transfer.amount, amount);
    assert_eq!(
        transfer.partner_balance_after,
        Some(partner_before - amount)
    );
    assert_eq!(
        transfer.customer_balance_after,
        Some(customer_before + amount)
    );
    assert_eq!(api.me().await.unwrap().balance, partner_before - amount);
    let balance = api.account_balance(&customer).await.unwrap();
    assert_eq!(balance.cash_credits, customer_before + amount);
    assert_eq!(balance.currency.as_deref(), Some("INR"));

    let ledger = api
        .customer_transactions(
            &customer,
            &CustomerTransactionsQuery {
                transaction_type: Some(TransactionType::Transfer),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let row = &ledger.transactions[0];
    assert_eq!(row.direction, LedgerDirection::Credit);
    assert_eq!(row.amount, amount);
    assert_eq!(
        row.description.as_deref(),
        Some(
            format!(
                "Transfer from partner {}: April recharge",
                "Acme Telecom Partners"
            )
            .as_str()
        )
    );
    assert!(row.reference.as_deref().unwrap().starts_with("ptc:"));
    assert_eq!(ledger.account_auth_id.as_deref(), Some(customer.as_str()));
    assert!(ledger
        .transactions
        .iter()
        .all(|t| t.reference_type.as_deref() == Some("unknown")));
}

#[tokio::test]
async fn transfer_errors() {
    let h = Harness::start(8).await;
    let partner = h.partner();
    let api = h.client.partner(&partner);
    let customer = h.world.customers[0].auth_id.clone();
    let request = |amount: &str, currency: &str| TransferRequest {
        amount: dec(amount),
        currency: currency.into(),
        description: None,
    };

    let error = api
        .transfer_balance(&customer, &request("0", "INR"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Validation { status: 400, .. }),
        "{error:?}"
    );

    let error = api
        .transfer_balance(&customer, &request("10", "USD"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Validation { status: 400, .. }),
        "{error:?}"
    );

    let balance = api.me().await.unwrap().balance;
    let too_much = balance + Decimal::ONE;
    let error = api
        .transfer_balance(&customer, &request(&too_much.to_string(), "INR"))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        Error::InsufficientBalance {
            message: "insufficient partner balance".into(),
            current_balance: Some(balance),
            requested_amount: Some(too_much),
            request_id: None,
        }
    );
    assert_eq!(api.me().await.unwrap().balance, balance, "nothing moved");
}

#[tokio::test]
async fn customer_and_global_numbers() {
    let h = Harness::start(9).await;
    let partner = h.partner();
    let api = h.client.partner(&partner);
    let customer = h.world.customers[1].auth_id.clone();
    let page = api
        .customer_numbers(&customer, &NumberQuery::default())
        .await
        .unwrap();
    assert!(page.total > 0);
    assert_eq!(page.per_page, Some(20));
    assert_eq!(page.account_auth_id.as_deref(), Some(customer.as_str()));
    assert!(page
        .items
        .iter()
        .all(|n| n.owner() == Some(customer.as_str())));

    let first = page.items[0].e164.clone();
    let searched = api
        .customer_numbers(
            &customer,
            &NumberQuery {
                search: Some(first.clone()),
                ..NumberQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(searched.total, 1);
    assert_eq!(searched.items[0].e164, first);

    let global = api
        .numbers(&NumberQuery {
            per_page: Some(7),
            ..NumberQuery::default()
        })
        .await
        .unwrap();
    assert!(global.total >= page.total);
    assert_eq!(global.items.len(), 7);
    let everything = api.all_numbers(None, 4).await.unwrap();
    assert_eq!(everything.len() as u64, global.total);
    let unique: HashSet<_> = everything.iter().map(|n| n.e164.clone()).collect();
    assert_eq!(unique.len(), everything.len());
    let of_customer = api.all_customer_numbers(&customer, None, 2).await.unwrap();
    assert_eq!(of_customer.len() as u64, page.total);
}

// Account API.

#[tokio::test]
async fn account_numbers_include_sub_accounts() {
    let h = Harness::start(10).await;
    let pool = h.pool();
    let api = h.client.account(&pool);
    let page = api.numbers(&NumberQuery::default()).await.unwrap();
    assert_eq!(page.per_page, Some(25));
    assert!(page.total > 0);
    let subs: HashSet<_> = h
        .world
        .sub_accounts
        .iter()
        .map(|s| s.auth_id.as_str())
        .collect();
    let all = api.all_numbers(None, 2).await.unwrap();
    assert_eq!(all.len() as u64, page.total);
    assert!(all.iter().any(|n| n.owner() == Some(pool.auth_id.as_str())));
    assert!(all
        .iter()
        .any(|n| n.owner().is_some_and(|o| subs.contains(o))));
    assert!(all
        .iter()
        .all(|n| n.owner() == Some(pool.auth_id.as_str())
            || n.owner().is_some_and(|o| subs.contains(o))));

    let sub = h.sub_account(0);
    let own = h.client.account(&sub).all_numbers(None, 2).await.unwrap();
    assert!(own.iter().all(|n| n.owner() == Some(sub.auth_id.as_str())));
}

#[tokio::test]
async fn inventory_filters_exclude_and_pages() {
    let h = Harness::start(11).await;
    let pool = h.pool();
    let api = h.client.account(&pool);
    let everything = api.inventory(&InventoryQuery::default()).await.unwrap();
    assert_eq!(everything.per_page, Some(25));
    assert!(everything.items.iter().all(|n| n.owner().is_none()));

    let india = InventoryQuery {
        country: Some("IN".into()),
        ..InventoryQuery::default()
    };
    let indian = api.all_inventory(&india, 3).await.unwrap();
    assert!(!indian.is_empty());
    assert!(indian.iter().all(|n| n.country.as_deref() == Some("IN")));
    assert!(indian.len() as u64 <= everything.total);

    let bangalore = api
        .all_inventory(
            &InventoryQuery {
                search: Some("+9180".into()),
                ..india.clone()
            },
            3,
        )
        .await
        .unwrap();
    assert!(!bangalore.is_empty());
    assert!(bangalore.iter().all(|n| n.e164.contains("9180")));

    let without = api
        .inventory(&InventoryQuery {
            exclude: vec!["+9180".into(), "9122".into()],
            per_page: Some(100),
            ..india.clone()
        })
        .await
        .unwrap();
    let excluded = indian
        .iter()
        .filter(|n| n.e164.starts_with("+9180") || n.e164.starts_with("+9122"))
        .count() as u64;
    assert!(excluded > 0);
    assert_eq!(without.total, indian.len() as u64 - excluded);
    assert!(without
        .items
        .iter()
        .all(|n| !n.e164.starts_with("+9180") && !n.e164.starts_with("+9122")));

    let page2 = api
        .inventory(&InventoryQuery {
            page: Some(2),
            per_page: Some(10),
            ..india.clone()
        })
        .await
        .unwrap();
    let expected: Vec<_> = indian[10..20].iter().map(|n| n.e164.clone()).collect();
    let got: Vec<_> = page2.items.iter().map(|n| n.e164.clone()).collect();
    assert_eq!(got, expected, "the walk returns items in page order");
}

/// The first Indian inventory number priced in INR.
async fn inventory_number(h: &Harness) -> vobiz::client::PhoneNumber {
    let pool = h.pool();
    h.client
        .account(&pool)
        .inventory(&InventoryQuery {
            country: Some("IN".into()),
            ..InventoryQuery::default()
        })
        .await
        .unwrap()
        .items
        .remove(0)
}

#[tokio::test]
async fn purchase_debits_fees_and_moves_the_number() {
    let h = Harness::start(12).await;
    let pool = h.pool();
    let api = h.client.account(&pool);
    let number = inventory_number(&h).await;
    let before = api.balance("INR").await.unwrap();

    let purchase = api
        .purchase_from_inventory(&PurchaseRequest {
            e164: number.e164.clone(),
            currency: None,
        })
        .await
        .unwrap();
    assert_eq!(purchase.number.e164, number.e164);
    assert_eq!(purchase.number.owner(), Some(pool.auth_id.as_str()));
    assert_eq!(purchase.number.source.as_deref(), Some("inventory"));
    assert!(purchase.number.purchased_at.is_some());
    assert_eq!(purchase.items[0].e164, number.e164);

    let after = api.balance("INR").await.unwrap();
    assert_eq!(
        after.available_balance,
        before.available_balance - number.setup_fee - number.monthly_fee
    );
    let ledger = api
        .transactions(&AccountTransactionsQuery {
            limit: Some(5),
            offset: None,
        })
        .await
        .unwrap();
    let row = &ledger.transactions[0];
    assert_eq!(row.direction, LedgerDirection::Debit);
    assert_eq!(row.reference_type.as_deref(), Some("did_rental"));
    assert_eq!(row.amount, number.setup_fee + number.monthly_fee);

    let owned = api
        .numbers(&NumberQuery {
            search: Some(number.e164.clone()),
            ..NumberQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(owned.total, 1);

    // Bought once; a second purchase finds it gone from inventory.
    let again = api
        .purchase_from_inventory(&PurchaseRequest {
            e164: number.e164.clone(),
            currency: None,
        })
        .await
        .unwrap_err();
    assert_eq!(
        again,
        Error::NotFound {
            message: "number not found in inventory".into(),
            request_id: None
        }
    );
}

#[tokio::test]
async fn purchase_with_short_balance_is_insufficient_and_leaves_inventory_alone() {
    let h = Harness::start(13).await;
    let partner = h.partner();
    let created = h
        .client
        .partner(&partner)
        .create_account(&new_customer("broke"))
        .await
        .unwrap();
    let broke = created.credentials();
    let number = inventory_number(&h).await;
    let error = h
        .client
        .account(&broke)
        .purchase_from_inventory(&PurchaseRequest {
            e164: number.e164.clone(),
            currency: None,
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::InsufficientBalance { message, .. } if message == "failed to purchase number from provider"),
        "{error:?}"
    );
    let still = inventory_number(&h).await;
    assert_eq!(still.e164, number.e164);
}

#[tokio::test]
async fn sub_account_purchase_bills_the_parent() {
    let h = Harness::start(14).await;
    let pool = h.pool();
    let sub = h.sub_account(1);
    let number = inventory_number(&h).await;
    let before = h
        .client
        .account(&pool)
        .balance("INR")
        .await
        .unwrap()
        .balance;
    let purchase = h
        .client
        .account(&sub)
        .purchase_from_inventory(&PurchaseRequest {
            e164: number.e164.clone(),
            currency: None,
        })
        .await
        .unwrap();
    assert_eq!(purchase.number.owner(), Some(sub.auth_id.as_str()));
    let after = h
        .client
        .account(&pool)
        .balance("INR")
        .await
        .unwrap()
        .balance;
    assert_eq!(after, before - number.setup_fee - number.monthly_fee);
}

/// A number the pool account holds itself (not a sub-account's).
async fn pool_number(h: &Harness) -> String {
    let pool = h.pool();
    h.client
        .account(&pool)
        .all_numbers(None, 2)
        .await
        .unwrap()
        .into_iter()
        .find(|n| n.owner() == Some(pool.auth_id.as_str()) && n.status == NumberStatus::Active)
        .expect("the pool holds numbers")
        .e164
}

#[tokio::test]
async fn release_then_cancel_within_the_window() {
    let h = Harness::start(15).await;
    let pool = h.pool();
    let api = h.client.account(&pool);
    let e164 = pool_number(&h).await;
    let before = api.balance("INR").await.unwrap().balance;

    let outcome = api.release_number(&e164, false).await.unwrap();
    let ReleaseOutcome::PendingRelease(pending) = &outcome else {
        panic!("expected a pending release, got {outcome:?}");
    };
    let fee = pending.release_fee.expect("a release fee");
    assert!(fee > Decimal::ZERO);
    let now = h.sandbox_now().await;
    let ends = pending.cooldown_ends_at.expect("a cooldown end");
    assert!(
        (ends - (now + Span::hours(24))).num_seconds().abs() < 60,
        "{ends} vs {now}"
    );
    assert!(pending
        .cancel_url
        .as_deref()
        .unwrap()
        .ends_with("/cancel-release"));
    assert_eq!(api.balance("INR").await.unwrap().balance, before - fee);

    let listed = api
        .numbers(&NumberQuery {
            search: Some(e164.clone()),
            ..NumberQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(listed.items[0].status, NumberStatus::PendingRelease);

    let cancelled = api.cancel_release(&e164).await.unwrap();
    assert_eq!(cancelled.status, Some(NumberStatus::Active));
    assert_eq!(cancelled.refund_amount, Some(fee));
    assert_eq!(cancelled.refund_status.as_deref(), Some("success"));
    assert_eq!(api.balance("INR").await.unwrap().balance, before);

    // Not pending any more: nothing to cancel.
    let error = api.cancel_release(&e164).await.unwrap_err();
    assert!(
        matches!(error, Error::Validation { status: 400, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn cancel_after_the_window_fails() {
    let h = Harness::start(16).await;
    let pool = h.pool();
    let api = h.client.account(&pool);
    let e164 = pool_number(&h).await;
    api.release_number(&e164, false).await.unwrap();
    h.advance(Span::hours(25)).await;
    let error = api.cancel_release(&e164).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Validation { .. } | Error::Forbidden { .. } | Error::NotFound { .. }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn immediate_release_is_not_cancellable() {
    let h = Harness::start(17).await;
    let pool = h.pool();
    let api = h.client.account(&pool);
    let e164 = pool_number(&h).await;
    let outcome = api.release_number(&e164, true).await.unwrap();
    assert!(!outcome.is_cancellable(), "{outcome:?}");
    assert!(matches!(
        api.cancel_release(&e164).await,
        Err(Error::Forbidden { .. })
    ));
    let owned = api
        .numbers(&NumberQuery {
            search: Some(e164),
            ..NumberQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(owned.total, 0);
}

#[tokio::test]
async fn releasing_someone_elses_number_is_forbidden() {
    let h = Harness::start(18).await;
    let partner = h.partner();
    let customer = h.world.customers[0].auth_id.clone();
    let theirs = h
        .client
        .partner(&partner)
        .customer_numbers(&customer, &NumberQuery::default())
        .await
        .unwrap()
        .items
        .remove(0)
        .e164;
    let pool = h.pool();
    let error = h
        .client
        .account(&pool)
        .release_number(&theirs, false)
        .await
        .unwrap_err();
    assert_eq!(
        error,
        Error::Forbidden {
            message: "account does not own this number".into(),
            request_id: None
        }
    );
}

#[tokio::test]
async fn assign_and_unassign_a_never_used_number() {
    let h = Harness::start(19).await;
    let pool = h.pool();
    let api = h.client.account(&pool);
    let sub = h.world.sub_accounts[2].auth_id.clone();
    let e164 = pool_number(&h).await;

    api.assign_to_sub_account(&e164, &sub).await.unwrap();
    let held = api
        .numbers(&NumberQuery {
            search: Some(e164.clone()),
            ..NumberQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(held.items[0].owner(), Some(sub.as_str()));

    api.unassign_from_sub_account(&e164, false).await.unwrap();
    let back = api
        .numbers(&NumberQuery {
            search: Some(e164.clone()),
            ..NumberQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(back.items[0].owner(), Some(pool.auth_id.as_str()));
}

#[tokio::test]
async fn assignment_not_found_errors() {
    let h = Harness::start(20).await;
    let pool = h.pool();
    let api = h.client.account(&pool);
    let e164 = pool_number(&h).await;
    assert!(matches!(
        api.assign_to_sub_account(&e164, "SA_NOPE0000").await,
        Err(Error::NotFound { .. })
    ));
    let sub = h.world.sub_accounts[0].auth_id.clone();
    assert!(matches!(
        api.assign_to_sub_account("+910000000001", &sub).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        api.unassign_from_sub_account("+910000000001", false).await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn unassign_inside_the_cool_off_then_after_it() {
    let h = Harness::start(21).await;
    let pool = h.pool();
    let api = h.client.account(&pool);
    let sub = h.world.sub_accounts[3].auth_id.clone();
    let e164 = pool_number(&h).await;
    api.assign_to_sub_account(&e164, &sub).await.unwrap();

    let now = h.sandbox_now().await;
    let call_at = now - Span::days(2);
    h.record_call(&e164, call_at).await;

    let error = api
        .unassign_from_sub_account(&e164, false)
        .await
        .unwrap_err();
    let Error::CoolOffInEffect {
        until,
        remaining_seconds,
        ..
    } = error
    else {
        panic!("expected the cool-off, got {error:?}");
    };
    assert!(
        (until - (call_at + Span::days(15))).num_seconds().abs() <= 1,
        "{until}"
    );
    let expected = (until - now).num_seconds();
    assert!(
        (remaining_seconds as i64 - expected).abs() < 60,
        "{remaining_seconds} vs {expected}"
    );

    h.advance(Span::days(14)).await;
    api.unassign_from_sub_account(&e164, false).await.unwrap();
}

#[tokio::test]
async fn forced_unassign_needs_an_admin() {
    let h = Harness::start(22).await;
    let pool = h.pool();
    let api = h.client.account(&pool);
    let sub = h.world.sub_accounts[0].auth_id.clone();
    let e164 = pool_number(&h).await;
    api.assign_to_sub_account(&e164, &sub).await.unwrap();
    h.record_call(&e164, h.sandbox_now().await - Span::hours(1))
        .await;
    assert!(matches!(
        api.unassign_from_sub_account(&e164, false).await,
        Err(Error::CoolOffInEffect { .. })
    ));
    // The pool account is an admin: force goes through the cool-off.
    api.unassign_from_sub_account(&e164, true).await.unwrap();

    // A customer is not an admin.
    let partner = h.partner();
    let customer = h
        .client
        .partner(&partner)
        .get_account(&h.world.customers[0].auth_id)
        .await
        .unwrap()
        .credentials()
        .unwrap();
    let created = h
        .client
        .account(&customer)
        .create_sub_account(&CreateSubAccount::named("Customer team"))
        .await
        .unwrap();
    let theirs = h
        .client
        .account(&customer)
        .numbers(&NumberQuery::default())
        .await
        .unwrap()
        .items
        .remove(0)
        .e164;
    let customer_api = h.client.account(&customer);
    customer_api
        .assign_to_sub_account(&theirs, &created.sub_account.auth_id)
        .await
        .unwrap();
    let error = customer_api
        .unassign_from_sub_account(&theirs, true)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Forbidden { .. }), "{error:?}");
}

#[tokio::test]
async fn sub_accounts_cannot_manage_assignment() {
    let h = Harness::start(23).await;
    let sub = h.sub_account(0);
    let e164 = pool_number(&h).await;
    let error = h
        .client
        .account(&sub)
        .assign_to_sub_account(&e164, &h.world.sub_accounts[1].auth_id)
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Forbidden { .. }), "{error:?}");
}

#[tokio::test]
async fn balance_and_transactions() {
    let h = Harness::start(24).await;
    let pool = h.pool();
    let api = h.client.account(&pool);
    let balance = api.balance("INR").await.unwrap();
    assert_eq!(balance.currency, "INR");
    assert_eq!(balance.account_id.as_deref(), Some(pool.auth_id.as_str()));
    assert!(balance.available_balance > Decimal::ZERO);
    assert!(matches!(
        api.balance("USD").await,
        Err(Error::NotFound { .. })
    ));

    let first = api
        .transactions(&AccountTransactionsQuery {
            limit: Some(3),
            offset: Some(0),
        })
        .await
        .unwrap();
    assert_eq!(first.transactions.len(), 3);
    assert_eq!(first.per_page, Some(3));
    let second = api
        .transactions(&AccountTransactionsQuery {
            limit: Some(3),
            offset: Some(3),
        })
        .await
        .unwrap();
    assert_eq!(second.page, Some(2));
    assert_ne!(first.transactions[0].id, second.transactions[0].id);
    let summary = first.summary.expect("a summary");
    assert_eq!(summary.total_transactions, Some(first.total));
    assert!(matches!(
        api.transactions(&AccountTransactionsQuery {
            limit: Some(500),
            offset: None
        })
        .await,
        Err(Error::Validation { status: 400, .. })
    ));

    // A sub-account sees its parent's wallet.
    let sub = h.sub_account(0);
    let sub_balance = h.client.account(&sub).balance("INR").await.unwrap();
    assert_eq!(sub_balance.balance, balance.balance);
}

#[tokio::test]
async fn sub_account_crud() {
    let h = Harness::start(25).await;
    let pool = h.pool();
    let api = h.client.account(&pool);
    let listed = api
        .list_sub_accounts(&SubAccountsQuery::default())
        .await
        .unwrap();
    assert_eq!(listed.total, h.world.sub_accounts.len() as u64);
    assert!(listed
        .sub_accounts
        .iter()
        .all(|s| s.created.as_deref().is_some_and(|d| d.len() == 10)));

    let created = api
        .create_sub_account(&CreateSubAccount {
            email: Some("desk@example.com".into()),
            kyc_mode: Some(KycMode::CustomerUse),
            ..CreateSubAccount::named("Night desk")
        })
        .await
        .unwrap();
    let child = created.credentials().expect("credentials");
    assert!(child.auth_id.starts_with("SA_"));
    assert_eq!(
        created.sub_account.parent_auth_id.as_deref(),
        Some(pool.auth_id.as_str())
    );
    // The new credentials work.
    h.client
        .account(&child)
        .numbers(&NumberQuery::default())
        .await
        .unwrap();

    let fetched = api.get_sub_account(&child.auth_id).await.unwrap();
    assert_eq!(fetched.name, "Night desk");
    assert_eq!(fetched.kyc_mode, Some(KycMode::CustomerUse));

    let updated = api
        .update_sub_account(
            &child.auth_id,
            &UpdateSubAccount {
                name: Some("Night shift".into()),
                enabled: Some(false),
                ..UpdateSubAccount::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.name, "Night shift");
    assert!(!updated.enabled);

    let page = api
        .list_sub_accounts(&SubAccountsQuery {
            page: Some(1),
            size: Some(2),
        })
        .await
        .unwrap();
    assert_eq!(page.total, h.world.sub_accounts.len() as u64 + 1);
    assert_eq!(page.page_size(), Some(2));
    assert_eq!(page.sub_accounts.len(), 2);
    assert_eq!(
        api.all_sub_accounts(2).await.unwrap().len() as u64,
        page.total
    );

    api.delete_sub_account(&child.auth_id).await.unwrap();
    assert!(matches!(
        api.get_sub_account(&child.auth_id).await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn sub_account_validation() {
    let h = Harness::start(26).await;
    let pool = h.pool();
    let api = h.client.account(&pool);
    let error = api
        .create_sub_account(&CreateSubAccount {
            kyc_mode: Some(KycMode::CustomerUse),
            ..CreateSubAccount::named("No email")
        })
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Validation { status: 400, .. }),
        "{error:?}"
    );

    let plain = api
        .create_sub_account(&CreateSubAccount::named("Plain"))
        .await
        .unwrap();
    let error = api
        .update_sub_account(
            &plain.sub_account.auth_id,
            &UpdateSubAccount {
                kyc_mode: Some(KycMode::CustomerUse),
                ..UpdateSubAccount::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Validation { status: 400, .. }),
        "{error:?}"
    );

    // A sub-account holding numbers cannot be deleted.
    let busy = h.world.sub_accounts[0].auth_id.clone();
    assert!(matches!(
        api.delete_sub_account(&busy).await,
        Err(Error::Conflict { .. })
    ));
}

#[tokio::test]
async fn account_api_rejects_wrong_credentials() {
    let h = Harness::start(27).await;
    let wrong = Credentials::new(h.world.pool_account.auth_id.clone(), "nope");
    assert_eq!(
        h.client
            .account(&wrong)
            .numbers(&NumberQuery::default())
            .await
            .unwrap_err(),
        Error::Unauthorized { request_id: None }
    );
    let partner = h.partner();
    let error = h
        .client
        .account(&partner)
        .numbers(&NumberQuery::default())
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Unauthorized { .. } | Error::Forbidden { .. }),
        "{error:?}"
    );
}

// Faults: what the client does when the sandbox misbehaves on purpose.

#[tokio::test]
async fn a_failing_read_is_retried() {
    let h = Harness::start(30).await;
    h.inject(json!({"method": "GET", "route": "*", "kind": "fail", "status": 503, "times": 2}))
        .await;
    let pool = h.pool();
    let page = h
        .client
        .account(&pool)
        .inventory(&InventoryQuery::default())
        .await
        .unwrap();
    assert!(page.total > 0);
}

#[tokio::test]
async fn a_failing_write_is_not_retried() {
    let h = Harness::start(31).await;
    h.inject(json!({"method": "POST", "route": "*", "kind": "fail", "status": 503, "times": 1}))
        .await;
    let pool = h.pool();
    let api = h.client.account(&pool);
    let number = inventory_number(&h).await;
    let request = PurchaseRequest {
        e164: number.e164.clone(),
        currency: None,
    };
    let error = api.purchase_from_inventory(&request).await.unwrap_err();
    assert!(
        matches!(error, Error::Upstream { status: 503, .. }),
        "{error:?}"
    );
    // Had the client retried, the (single-use) fault would be gone and the purchase done.
    assert_eq!(inventory_number(&h).await.e164, number.e164);
    api.purchase_from_inventory(&request).await.unwrap();
}

#[tokio::test]
async fn a_dropped_write_has_an_unknown_outcome() {
    let h = Harness::start(32).await;
    h.inject(json!({"method": "POST", "route": "*", "kind": "drop", "commit": true, "times": 1}))
        .await;
    let partner = h.partner();
    let api = h.client.partner(&partner);
    let customer = h.world.customers[2].auth_id.clone();
    let before = api.account_balance(&customer).await.unwrap().cash_credits;
    let error = api
        .transfer_balance(
            &customer,
            &TransferRequest {
                amount: dec("42"),
                currency: "INR".into(),
                description: None,
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(error.outcome_unknown());
    // The money moved exactly once: the client did not send it again.
    let after = api.account_balance(&customer).await.unwrap().cash_credits;
    assert_eq!(after, before + dec("42"));
}

#[tokio::test]
async fn a_hanging_call_times_out() {
    let h = Harness::start(33).await;
    h.inject(json!({"method": "GET", "route": "*", "kind": "hang", "ms": 3000, "times": 1}))
        .await;
    let client = Client::new(
        &h.base_url,
        ClientOptions {
            timeout: Duration::from_millis(300),
            ..ClientOptions::default()
        },
    )
    .unwrap();
    let partner = h.partner();
    let error = client.partner(&partner).me().await.unwrap_err();
    assert_eq!(error, Error::Timeout);
}

#[tokio::test]
async fn rate_limited_writes_surface_to_the_caller() {
    let h = Harness::start(34).await;
    h.inject(
        json!({"method": "POST", "route": "*", "kind": "fail", "status": 429,
        "body": {"error": "rate_limited", "message": "slow down"}, "times": 1}),
    )
    .await;
    let pool = h.pool();
    let error = h
        .client
        .account(&pool)
        .create_sub_account(&CreateSubAccount::named("Later"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::RateLimited { .. }), "{error:?}");
}

#[tokio::test]
async fn partner_capability_flags_forbid() {
    let h = Harness::start(35).await;
    h.control(
        reqwest::Method::POST,
        "partner",
        json!({"can_transfer_balance": false, "can_create_accounts": false}),
    )
    .await;
    let partner = h.partner();
    let api = h.client.partner(&partner);
    let error = api
        .transfer_balance(
            &h.world.customers[0].auth_id,
            &TransferRequest {
                amount: dec("1"),
                currency: "INR".into(),
                description: None,
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Forbidden { .. }), "{error:?}");
    let error = api.create_account(&new_customer("flag")).await.unwrap_err();
    assert!(matches!(error, Error::Forbidden { .. }), "{error:?}");
}

#[tokio::test]
async fn max_accounts_reached_is_forbidden() {
    let h = Harness::start(36).await;
    h.control(
        reqwest::Method::POST,
        "partner",
        json!({"max_accounts": h.world.customers.len()}),
    )
    .await;
    let partner = h.partner();
    let error = h
        .client
        .partner(&partner)
        .create_account(&new_customer("limit"))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Forbidden { .. }), "{error:?}");
}
