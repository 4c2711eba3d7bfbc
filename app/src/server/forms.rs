//! What the server functions of the business pages share: the signed-in person, ending a
//! form with a message in the address, and writing money and dates for people.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::audit::Actor;
use super::auth::{self, CurrentUser};
use super::request;
use super::state::{app_state, AppState};
use crate::error::AppError;

/// The state and the signed-in person, or "please sign in".
pub async fn signed_in() -> Result<(AppState, CurrentUser), AppError> {
    let state = app_state()?;
    let session = request::session()?;
    let user = auth::current_user(&state.pool, &session)
        .await?
        .ok_or(AppError::Unauthorized)?;
    Ok((state, user))
}

/// The signed-in person as an audit actor of this request.
pub fn actor_of(user: &CurrentUser) -> Actor {
    user.actor(Some(request::request_id()), request::client_ip())
}

/// Ends a form: a refusal goes back to `back` in plain words (with or without JavaScript);
/// a server failure or a missing session stays an error.
pub fn finish(back: &str, result: Result<(), AppError>) -> Result<(), AppError> {
    match result {
        Ok(()) => Ok(()),
        Err(AppError::Forbidden) => {
            request::redirect_with_error(
                back,
                "Your role does not allow that. Ask an owner or admin of your organisation.",
            );
            Ok(())
        }
        Err(e @ (AppError::Invalid(_) | AppError::NotFound(_))) => {
            request::redirect_with_error(back, &e.to_string());
            Ok(())
        }
        Err(other) => Err(other),
    }
}

/// `1,234.50 INR`: two decimals, thousands grouped, the currency after.
pub fn money(amount: Decimal, currency: &str) -> String {
    let rounded = amount.round_dp(2);
    let negative = rounded.is_sign_negative() && !rounded.is_zero();
    let text = format!("{:.2}", rounded.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, "00"));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if negative { "-" } else { "" };
    if currency.is_empty() {
        format!("{sign}{grouped}.{fraction}")
    } else {
        format!("{sign}{grouped}.{fraction} {currency}")
    }
}

/// `2026-12-01`.
pub fn day(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

/// `2026-12-01 14:05 UTC`.
pub fn minute(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn money_is_grouped_and_rounded_to_two_places() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(money(d("1234567.891"), "INR"), "1,234,567.89 INR");
        assert_eq!(money(d("0"), "INR"), "0.00 INR");
        assert_eq!(money(d("999.5"), ""), "999.50");
        assert_eq!(money(d("-1500"), "USD"), "-1,500.00 USD");
        assert_eq!(money(d("23906.83000"), "INR"), "23,906.83 INR");
    }
}
