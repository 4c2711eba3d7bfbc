//! The rules: purchases, releases, renewals, transfers and sub-account assignments. Each
//! runs under the world lock, so it is atomic; each checks everything before it changes
//! anything, so a failure leaves the world as it was.

use chrono::{DateTime, Months, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::error::{ApiError, ApiResult};
use super::ledger::Movement;
use super::model::{
    money_num, ts, Account, AccountKind, AssignmentAudit, Number, Place, Release, World, COOL_OFF,
    QUARANTINE, RELEASE_COOLDOWN,
};
use super::render::{self, NumberView};

impl World {
    /// The partner's customers, in creation order.
    pub(crate) fn customers(&self) -> impl Iterator<Item = &Account> {
        let mut list: Vec<&Account> = self
            .accounts
            .values()
            .filter(|a| a.kind == AccountKind::Customer)
            .collect();
        list.sort_by_key(|a| a.numeric_id);
        list.into_iter()
    }

    /// The sub-accounts of `parent`, in creation order.
    pub(crate) fn sub_accounts_of<'a>(&'a self, parent: &'a str) -> Vec<&'a Account> {
        let mut list: Vec<&Account> = self
            .accounts
            .values()
            .filter(|a| a.parent() == Some(parent))
            .collect();
        list.sort_by_key(|a| a.numeric_id);
        list
    }

    /// Applies everything the clock has made due: end of release cooldowns, end of
    /// quarantines, and monthly renewals. Returns whether anything changed.
    pub(crate) fn tick(&mut self, now: DateTime<Utc>) -> bool {
        let due: Vec<String> = self
            .numbers
            .values()
            .filter(|n| {
                n.release
                    .as_ref()
                    .is_some_and(|r| r.cooldown_ends_at <= now)
                    || n.quarantine_until.is_some_and(|q| q <= now)
                    || (n.release.is_none()
                        && n.next_billing_date.is_some_and(|d| d <= now)
                        && n.owner.as_deref().is_some_and(|owner| {
                            // A blocked number is only retried once its wallet covers the rental.
                            !n.is_blocked
                                || self.balance(self.billing_account(owner)) >= n.monthly_fee
                        }))
            })
            .map(|n| n.e164.clone())
            .collect();
        for e164 in &due {
            self.advance_number(e164, now);
        }
        if !due.is_empty() {
            self.revision += 1;
        }
        !due.is_empty()
    }

    fn advance_number(&mut self, e164: &str, now: DateTime<Utc>) {
        let Some(n) = self.numbers.get_mut(e164) else {
            return;
        };
        if let Some(release) = n.release.take_if(|r| r.cooldown_ends_at <= now) {
            quarantine(n, release.cooldown_ends_at);
        }
        if n.quarantine_until.is_some_and(|q| q <= now) {
            return_to_inventory(n, now);
            return;
        }
        // Renewals: charge each month that has come due while the wallet covers it.
        loop {
            let n = &self.numbers[e164];
            let (Some(owner), None, Some(due)) = (n.owner.clone(), &n.release, n.next_billing_date)
            else {
                break;
            };
            if due > now {
                break;
            }
            let fee = n.monthly_fee;
            let payer = self.billing_account(&owner).to_owned();
            let charged = self.charge(
                &payer,
                fee,
                "did_rental",
                format!("did:{e164}:{}", due.format("%Y-%m")),
                format!("DID rental renewal {e164}"),
                due,
            );
            let n = self.numbers.get_mut(e164).expect("number exists");
            n.updated_at = now;
            if charged.is_err() {
                // The number stops routing until the wallet covers the rental.
                n.is_blocked = true;
                n.status = "blocked".into();
                break;
            }
            n.last_billing_date = Some(due);
            n.next_billing_date = due.checked_add_months(Months::new(1));
            n.is_blocked = false;
            n.status = "active".into();
        }
    }

    fn number_mut(&mut self, e164: &str) -> ApiResult<&mut Number> {
        self.numbers
            .get_mut(e164)
            .ok_or_else(|| ApiError::not_found("number not found"))
    }

    /// Whether `caller` may act on numbers held by `holder`: itself, or its sub-account.
    fn controls(&self, caller: &str, holder: &str) -> bool {
        caller == holder
            || self
                .accounts
                .get(holder)
                .and_then(Account::parent)
                .is_some_and(|p| p == caller)
    }

    /// Purchase from inventory for `caller`, billed to its main account.
    pub(crate) fn purchase(
        &mut self,
        caller: &str,
        e164: &str,
        currency: Option<&str>,
        now: DateTime<Utc>,
    ) -> ApiResult<Value> {
        let Some(n) = self.numbers.get(e164).filter(|n| n.in_inventory()) else {
            return Err(ApiError::not_found("number not found in inventory"));
        };
        let payer = self.billing_account(caller).to_owned();
        let wallet_currency = self.wallet_currency(&payer).unwrap_or_default().to_owned();
        let requested = currency
            .map(str::to_ascii_uppercase)
            .unwrap_or_else(|| n.currency.clone());
        if requested != n.currency || wallet_currency != n.currency {
            return Err(ApiError::bad_request(format!(
                "number is priced in {}; the wallet is in {wallet_currency} and the request asked for {requested}",
                n.currency
            )));
        }
        let cost = n.setup_fee + n.monthly_fee;
        if self
            .charge(
                &payer,
                cost,
                "did_rental",
                format!("did:{e164}:purchase"),
                format!("DID purchase {e164} (setup + first month)"),
                now,
            )
            .is_err()
        {
            return Err(ApiError::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "internal server error",
                "failed to purchase number from provider",
            ));
        }
        let n = self.numbers.get_mut(e164).expect("number exists");
        n.owner = Some(caller.to_owned());
        n.purchased_at = Some(now);
        n.last_billing_date = Some(now);
        n.next_billing_date = now.checked_add_months(Months::new(1));
        n.source = "inventory".into();
        n.released_at = None;
        n.updated_at = now;
        self.revision += 1;
        let n = &self.numbers[e164];
        Ok(json!({
            "message": "Number purchased successfully",
            "number": render::number(n, NumberView::Owned),
            "items": [render::number_item(n)],
        }))
    }

    /// Unrent. Default: 24 h cancellable cooldown then quarantine; `immediate`: quarantine now.
    pub(crate) fn release(
        &mut self,
        caller: &str,
        e164: &str,
        immediate: bool,
        now: DateTime<Utc>,
    ) -> ApiResult<Value> {
        let n = self
            .numbers
            .get(e164)
            .ok_or_else(|| ApiError::not_found("number not found"))?;
        let holder = match n.place() {
            Ok(Place::Owned(holder)) => holder,
            Ok(Place::PendingRelease(holder)) if self.controls(caller, &holder) => {
                return Err(ApiError::conflict("number release already pending"));
            }
            _ => return Err(ApiError::forbidden("account does not own this number")),
        };
        if !self.controls(caller, &holder) {
            return Err(ApiError::forbidden("account does not own this number"));
        }
        let payer = self.billing_account(&holder).to_owned();
        let fee = self.release_fee(&payer);
        let currency = self.wallet_currency(&payer).unwrap_or("INR").to_owned();
        if self
            .charge(
                &payer,
                fee,
                "did_rental",
                format!("did:{e164}:release"),
                format!("DID release fee {e164}"),
                now,
            )
            .is_err()
        {
            return Err(ApiError::new(
                axum::http::StatusCode::BAD_REQUEST,
                "insufficient_balance",
                "insufficient balance for the release fee",
            )
            .with("release_fee", money_num(fee))
            .with("current_balance", money_num(self.balance(&payer))));
        }
        let n = self.numbers.get_mut(e164).expect("number exists");
        // A release detaches routing; cancelling does not re-attach it.
        n.application_id = None;
        n.trunk_group_id = None;
        n.updated_at = now;
        self.revision += 1;
        if immediate {
            n.owner = None;
            quarantine(n, now);
            return Ok(json!({
                "message": "number released",
                "note": "Number is quarantined for 45 days before becoming available.",
                "release_fee": money_num(fee),
                // No cooldown and nothing to cancel: no `cooldown_ends_at` nor `cancel_url`.
                "status": "released",
                "quarantine_ends_at": ts(now + QUARANTINE),
            }));
        }
        let cooldown_ends_at = now + RELEASE_COOLDOWN;
        n.status = "pending_release".into();
        n.release = Some(Release {
            billed_to: payer,
            fee,
            currency,
            requested_at: now,
            cooldown_ends_at,
        });
        Ok(json!({
            "cancel_url": format!("/api/v1/account/{caller}/numbers/{e164}/cancel-release"),
            "cooldown_ends_at": cooldown_ends_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "message": "number release initiated",
            "note": "Number will be in pending_release for 24 hours (cancellable), then quarantined for 45 days before becoming available.",
            "release_fee": money_num(fee),
            "status": "pending_release",
        }))
    }

    fn release_fee(&self, payer: &str) -> Decimal {
        self.accounts
            .get(payer)
            .and_then(|a| self.pricing_tiers.get(&a.pricing_tier_id))
            .map_or(Decimal::ZERO, |t| t.did_release_fee)
    }

    /// Cancels a pending release inside its 24 h window and refunds the fee.
    pub(crate) fn cancel_release(
        &mut self,
        caller: &str,
        e164: &str,
        now: DateTime<Utc>,
    ) -> ApiResult<Value> {
        let n = self
            .numbers
            .get(e164)
            .ok_or_else(|| ApiError::not_found("number not found"))?;
        let holder = match n.place() {
            Ok(Place::PendingRelease(holder)) => holder,
            Ok(Place::Owned(holder)) if self.controls(caller, &holder) => {
                return Err(ApiError::bad_request("number is not pending release"));
            }
            _ => return Err(ApiError::forbidden("account does not own this number")),
        };
        if !self.controls(caller, &holder) {
            return Err(ApiError::forbidden("account does not own this number"));
        }
        let release = n.release.clone().expect("pending release has release data");
        if release.cooldown_ends_at <= now {
            return Err(ApiError::bad_request("the cancellation window has ended"));
        }
        let revenue = World::revenue_wallet(&release.currency);
        let refund = self.move_money(
            &revenue,
            &release.billed_to,
            release.fee,
            Movement {
                reference_type: "refund",
                reference: format!("did:{e164}:release-refund"),
                debit_description: format!("Release fee refund {e164} ({})", release.billed_to),
                credit_description: format!("Release fee refund {e164}"),
            },
            now,
        );
        let n = self.number_mut(e164)?;
        n.release = None;
        n.status = if n.is_blocked { "blocked" } else { "active" }.into();
        n.updated_at = now;
        self.revision += 1;
        let mut body = json!({
            "message": "release cancelled, number restored to active status",
            "status": "active",
            "currency": release.currency,
            "refund_amount": money_num(release.fee),
            "refund_status": if refund.is_ok() { "success" } else { "failed" },
        });
        if refund.is_err() {
            body["refund_error"] = json!("refund could not be processed");
        }
        Ok(body)
    }

    /// Moves a pool DID of `parent` to its sub-account.
    pub(crate) fn assign_sub_account(
        &mut self,
        parent: &str,
        e164: &str,
        sub: &str,
        now: DateTime<Utc>,
    ) -> ApiResult<()> {
        if self.accounts.get(sub).and_then(Account::parent) != Some(parent) {
            return Err(ApiError::not_found("sub-account not found"));
        }
        let n = self
            .numbers
            .get(e164)
            .ok_or_else(|| ApiError::not_found("number not found"))?;
        match n.place() {
            Ok(Place::Owned(holder)) if holder == parent => {}
            Ok(Place::Owned(holder)) if holder == sub => return Ok(()),
            Ok(Place::Owned(holder)) if self.controls(parent, &holder) => {
                return Err(ApiError::conflict(
                    "number is assigned to another sub-account; unassign it first",
                ));
            }
            Ok(Place::PendingRelease(holder)) if self.controls(parent, &holder) => {
                return Err(ApiError::conflict("number release is pending"));
            }
            _ => return Err(ApiError::not_found("number not found")),
        }
        let n = self.number_mut(e164)?;
        n.owner = Some(sub.to_owned());
        n.updated_at = now;
        self.revision += 1;
        Ok(())
    }

    /// Moves a DID from a sub-account back to the parent pool, honouring the cool-off.
    pub(crate) fn unassign_sub_account(
        &mut self,
        parent: &str,
        e164: &str,
        force: bool,
        now: DateTime<Utc>,
    ) -> ApiResult<()> {
        let n = self
            .numbers
            .get(e164)
            .ok_or_else(|| ApiError::not_found("number not found"))?;
        let holder = match n.place() {
            Ok(Place::Owned(holder)) if holder != parent && self.controls(parent, &holder) => {
                holder
            }
            Ok(Place::Owned(holder)) if holder == parent => {
                return Err(ApiError::not_found(
                    "number is not assigned to a sub-account",
                ));
            }
            Ok(Place::PendingRelease(holder)) if self.controls(parent, &holder) => {
                return Err(ApiError::conflict("number release is pending"));
            }
            _ => return Err(ApiError::not_found("number not found")),
        };
        let cool_off_until = n
            .last_call_at
            .map(|at| at + COOL_OFF)
            .filter(|until| *until > now);
        if force {
            let admin = self.accounts.get(parent).is_some_and(|a| a.role == "admin");
            if !admin {
                return Err(ApiError::forbidden(
                    "force requires an account with the admin role",
                ));
            }
            self.assignment_audit.push(AssignmentAudit {
                e164: e164.to_owned(),
                from_sub_account: holder.clone(),
                to_account: parent.to_owned(),
                forced_by: parent.to_owned(),
                cool_off_until,
                at: now,
            });
        } else if let Some(until) = cool_off_until {
            let remaining = (until - now).num_seconds();
            return Err(ApiError {
                status: axum::http::StatusCode::CONFLICT,
                body: json!({
                    "error": "did_cool_off_in_effect",
                    "cool_off_until": ts(until),
                    "cool_off_remaining_seconds": remaining,
                }),
            });
        }
        let n = self.number_mut(e164)?;
        n.owner = Some(parent.to_owned());
        n.updated_at = now;
        self.revision += 1;
        Ok(())
    }

    /// Partner → customer transfer.
    pub(crate) fn transfer(
        &mut self,
        customer: &str,
        amount: Decimal,
        currency: &str,
        description: Option<&str>,
        now: DateTime<Utc>,
    ) -> ApiResult<Value> {
        let partner_id = self.partner.auth_id.clone();
        let partner_uuid = self.partner.id;
        let partner_name = self.partner.name.clone();
        if amount <= Decimal::ZERO {
            return Err(ApiError::new(
                axum::http::StatusCode::BAD_REQUEST,
                "invalid_amount",
                "amount must be greater than 0",
            ));
        }
        if amount.scale() > 5 {
            return Err(ApiError::new(
                axum::http::StatusCode::BAD_REQUEST,
                "invalid_amount",
                "amount has more than 5 decimal places",
            ));
        }
        if currency != self.partner.currency {
            return Err(ApiError::new(
                axum::http::StatusCode::BAD_REQUEST,
                "currency_mismatch",
                format!("currency must be {}", self.partner.currency),
            ));
        }
        if self.wallet_currency(customer) != Some(currency) {
            return Err(ApiError::new(
                axum::http::StatusCode::BAD_REQUEST,
                "currency_mismatch",
                "the customer's wallet is in a different currency",
            ));
        }
        let current = self.balance(&partner_id);
        let note = description.unwrap_or("Balance transfer");
        let unix = now.timestamp();
        let moved = self.move_money(
            &partner_id,
            customer,
            amount,
            Movement {
                reference_type: "unknown",
                reference: format!("ptc:{partner_uuid}:{customer}:{unix}"),
                debit_description: format!("Transfer to customer {customer}: {note}"),
                credit_description: format!("Transfer from partner {partner_name}: {note}"),
            },
            now,
        );
        if moved.is_err() {
            return Err(ApiError::new(
                axum::http::StatusCode::BAD_REQUEST,
                "insufficient_balance",
                "insufficient partner balance",
            )
            .with("current_balance", money_num(current))
            .with("requested_amount", money_num(amount)));
        }
        self.revision += 1;
        let txn = self.with_rng(|rng| super::model::random_chars(rng, b"0123456789abcdef", 12));
        Ok(json!({
            "transaction_id": format!("txn_{txn}"),
            "from_account": partner_id,
            "to_account": customer,
            "amount": money_num(amount),
            "currency": currency,
            "description": note,
            "status": "completed",
            "partner_balance_after": money_num(self.balance(&partner_id)),
            "customer_balance_after": money_num(self.balance(customer)),
            "timestamp": ts(now),
        }))
    }

    /// Checks the world's invariants: every number in one consistent place held by an
    /// existing account, no negative wallet, and money conserved per currency.
    pub(crate) fn check_invariants(&self) -> Result<(), String> {
        for n in self.numbers.values() {
            match n.place()? {
                Place::Owned(owner) | Place::PendingRelease(owner) => {
                    if !self.accounts.contains_key(&owner) {
                        return Err(format!("{} held by unknown account {owner}", n.e164));
                    }
                }
                Place::Inventory | Place::Quarantine => {}
            }
        }
        let mut totals: std::collections::BTreeMap<&str, Decimal> = Default::default();
        for w in self.wallets.values() {
            if w.balance < Decimal::ZERO {
                return Err(format!("wallet {} is negative: {}", w.owner, w.balance));
            }
            let ledger: Decimal = w
                .ledger
                .iter()
                .map(|e| {
                    if e.direction == "credit" {
                        e.amount
                    } else {
                        -e.amount
                    }
                })
                .sum();
            if ledger != w.balance {
                return Err(format!(
                    "wallet {} balance {} != ledger {ledger}",
                    w.owner, w.balance
                ));
            }
            *totals.entry(w.currency.as_str()).or_default() += w.balance;
        }
        for (currency, injected) in &self.external_in {
            let total = totals.get(currency.as_str()).copied().unwrap_or_default();
            if total != *injected {
                return Err(format!(
                    "{currency}: wallets hold {total}, {injected} entered"
                ));
            }
        }
        Ok(())
    }
}

fn quarantine(n: &mut Number, from: DateTime<Utc>) {
    n.owner = None;
    n.release = None;
    n.status = "released".into();
    n.released_at = Some(from);
    n.quarantine_until = Some(from + QUARANTINE);
    n.is_blocked = false;
    n.updated_at = from;
}

fn return_to_inventory(n: &mut Number, now: DateTime<Utc>) {
    n.quarantine_until = None;
    n.status = "active".into();
    n.source = "inventory".into();
    n.purchased_at = None;
    n.last_billing_date = None;
    n.next_billing_date = None;
    n.last_call_at = None;
    n.application_id = None;
    n.trunk_group_id = None;
    n.aadhaar_verified = false;
    n.updated_at = now;
}
