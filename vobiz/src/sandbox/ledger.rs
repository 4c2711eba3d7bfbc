//! Money movements. Every movement debits one wallet and credits another, so the sum over
//! all wallets (revenue included) only changes through [`World::inject`].

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::model::{random_uuid, LedgerEntry, Wallet, World};

/// The wallet on the paying side does not cover the amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Insufficient {
    pub(crate) balance: Decimal,
}

/// Describes one movement for both ledgers.
pub(crate) struct Movement<'a> {
    pub(crate) reference_type: &'a str,
    pub(crate) reference: String,
    pub(crate) debit_description: String,
    pub(crate) credit_description: String,
}

impl World {
    /// Creates a wallet for `owner` if it has none.
    pub(crate) fn ensure_wallet(&mut self, owner: &str, currency: &str, at: DateTime<Utc>) {
        if self.wallets.contains_key(owner) {
            return;
        }
        let id = self.with_rng(random_uuid);
        self.wallets.insert(
            owner.to_owned(),
            Wallet {
                id,
                owner: owner.to_owned(),
                currency: currency.to_owned(),
                balance: Decimal::ZERO,
                created_at: at,
                ledger: Vec::new(),
            },
        );
    }

    pub(crate) fn balance(&self, owner: &str) -> Decimal {
        self.wallets.get(owner).map_or(Decimal::ZERO, |w| w.balance)
    }

    pub(crate) fn wallet_currency(&self, owner: &str) -> Option<&str> {
        self.wallets.get(owner).map(|w| w.currency.as_str())
    }

    // One entry's fields, as both sides of a movement and injections need them.
    #[allow(clippy::too_many_arguments)]
    fn entry(
        &mut self,
        direction: &str,
        amount: Decimal,
        currency: &str,
        description: String,
        reference: String,
        reference_type: &str,
        at: DateTime<Utc>,
    ) -> LedgerEntry {
        LedgerEntry {
            id: self.with_rng(random_uuid),
            direction: direction.to_owned(),
            amount,
            currency: currency.to_owned(),
            description,
            reference,
            reference_type: reference_type.to_owned(),
            at,
        }
    }

    /// Moves `amount` from `from` to `to`, both wallets in the same currency. Fails without
    /// any change when `from` does not cover it.
    pub(crate) fn move_money(
        &mut self,
        from: &str,
        to: &str,
        amount: Decimal,
        movement: Movement<'_>,
        at: DateTime<Utc>,
    ) -> Result<(), Insufficient> {
        let balance = self.balance(from);
        if amount < Decimal::ZERO || balance < amount {
            return Err(Insufficient { balance });
        }
        let currency = self
            .wallet_currency(from)
            .expect("paying wallet exists")
            .to_owned();
        debug_assert_eq!(self.wallet_currency(to), Some(currency.as_str()));
        let debit = self.entry(
            "debit",
            amount,
            &currency,
            movement.debit_description,
            movement.reference.clone(),
            movement.reference_type,
            at,
        );
        let credit = self.entry(
            "credit",
            amount,
            &currency,
            movement.credit_description,
            movement.reference,
            movement.reference_type,
            at,
        );
        let payer = self.wallets.get_mut(from).expect("paying wallet exists");
        payer.balance -= amount;
        payer.ledger.push(debit);
        let payee = self.wallets.get_mut(to).expect("receiving wallet exists");
        payee.balance += amount;
        payee.ledger.push(credit);
        Ok(())
    }

    /// Charges `amount` from `payer` to the revenue wallet of its currency.
    pub(crate) fn charge(
        &mut self,
        payer: &str,
        amount: Decimal,
        reference_type: &str,
        reference: String,
        description: String,
        at: DateTime<Utc>,
    ) -> Result<(), Insufficient> {
        let currency = self
            .wallet_currency(payer)
            .ok_or(Insufficient {
                balance: Decimal::ZERO,
            })?
            .to_owned();
        let revenue = World::revenue_wallet(&currency);
        self.ensure_wallet(&revenue, &currency, at);
        self.move_money(
            payer,
            &revenue,
            amount,
            Movement {
                reference_type,
                reference,
                credit_description: format!("{description} ({payer})"),
                debit_description: description,
            },
            at,
        )
    }

    /// Money entering from outside (seed funding, control top-up): a `payment` credit.
    pub(crate) fn inject(
        &mut self,
        to: &str,
        amount: Decimal,
        description: String,
        at: DateTime<Utc>,
    ) {
        let currency = self.wallet_currency(to).expect("wallet exists").to_owned();
        let reference = format!("pay:{}", self.with_rng(random_uuid).simple());
        let entry = self.entry(
            "credit",
            amount,
            &currency,
            description,
            reference,
            "payment",
            at,
        );
        let wallet = self.wallets.get_mut(to).expect("wallet exists");
        wallet.balance += amount;
        wallet.ledger.push(entry);
        *self.external_in.entry(currency).or_default() += amount;
    }
}
