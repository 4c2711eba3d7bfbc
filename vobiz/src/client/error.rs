//! The one error type of the client, and how Vobiz responses map onto it.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use rust_decimal::Decimal;
use serde_json::Value;

use super::de::{money, parse_timestamp};

/// Longest body excerpt kept on an error, in characters.
const SNIPPET_CHARS: usize = 300;

/// Everything that can go wrong calling Vobiz, in terms a caller can act on.
///
/// `Display` is plain words meant for logs and, after mapping, for people; it never contains
/// a token. Where Vobiz identified the request (`api_id` in the body, or an `X-Request-Id`
/// header) the id is kept in `request_id` for support tickets.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// 401: the auth id or token is missing, wrong, or used on the wrong API.
    #[error("Vobiz did not accept the credentials")]
    Unauthorized {
        /// Vobiz's id for the request, when it sent one.
        request_id: Option<String>,
    },
    /// 403: the credentials are valid but not allowed to do this (capability flag off,
    /// account limit reached, not the owner of the number, admin-only override).
    #[error("Vobiz refused the operation: {message}")]
    Forbidden {
        /// Vobiz's explanation.
        message: String,
        /// Vobiz's id for the request, when it sent one.
        request_id: Option<String>,
    },
    /// 404: the account, number or sub-account does not exist or is not yours.
    #[error("Vobiz could not find it: {message}")]
    NotFound {
        /// Vobiz's explanation.
        message: String,
        /// Vobiz's id for the request, when it sent one.
        request_id: Option<String>,
    },
    /// 409 `did_cool_off_in_effect`: the number had a call in the last 15 days and cannot
    /// leave the sub-account before `until` (unless an admin forces it).
    #[error(
        "the number is in its 15-day cool-off until {until} ({remaining_seconds} seconds left)"
    )]
    CoolOffInEffect {
        /// When the cool-off ends.
        until: DateTime<Utc>,
        /// Seconds left at the time Vobiz answered.
        remaining_seconds: u64,
        /// Vobiz's id for the request, when it sent one.
        request_id: Option<String>,
    },
    /// 400 or 422: the request was malformed or a field failed validation.
    #[error("Vobiz rejected the request: {message}")]
    Validation {
        /// 400 or 422.
        status: u16,
        /// Vobiz's explanation.
        message: String,
        /// Vobiz's id for the request, when it sent one.
        request_id: Option<String>,
    },
    /// 409 other than the cool-off: duplicate email, session already terminal, and so on.
    #[error("the request conflicts with the current state at Vobiz: {message}")]
    Conflict {
        /// Vobiz's explanation.
        message: String,
        /// Vobiz's id for the request, when it sent one.
        request_id: Option<String>,
    },
    /// The balance does not cover the operation: a 400/402 insufficient-balance answer, or
    /// the purchase endpoint's documented 500 "failed to purchase number from provider".
    #[error("the balance is too low for this operation: {message}")]
    InsufficientBalance {
        /// Vobiz's explanation.
        message: String,
        /// The balance Vobiz reported, when it did.
        current_balance: Option<Decimal>,
        /// The amount Vobiz tried to debit, when it said.
        requested_amount: Option<Decimal>,
        /// Vobiz's id for the request, when it sent one.
        request_id: Option<String>,
    },
    /// 429: too many requests; wait `retry_after` when given.
    #[error("Vobiz is limiting the request rate{}", retry_after_words(*retry_after))]
    RateLimited {
        /// How long Vobiz asked to wait, from the `Retry-After` header.
        retry_after: Option<Duration>,
        /// Vobiz's id for the request, when it sent one.
        request_id: Option<String>,
    },
    /// Any other status: Vobiz itself failed or answered something unexpected.
    #[error("Vobiz answered with status {status}")]
    Upstream {
        /// The HTTP status.
        status: u16,
        /// The start of the body, with secrets removed.
        body_snippet: String,
        /// Vobiz's id for the request, when it sent one.
        request_id: Option<String>,
    },
    /// No answer within the configured timeout. The operation may or may not have happened.
    #[error("Vobiz did not answer in time")]
    Timeout,
    /// The connection failed or broke. For writes, the operation may or may not have
    /// happened.
    #[error("could not talk to Vobiz: {reason}")]
    Transport {
        /// What went wrong at the connection level.
        reason: String,
    },
    /// A success answer this client could not read.
    #[error("could not read Vobiz's answer to {endpoint}: {reason}")]
    Decode {
        /// Method and route template, e.g. `GET /api/v1/partner/me`.
        endpoint: String,
        /// Why decoding failed.
        reason: String,
        /// The start of the body, with secrets removed.
        snippet: String,
        /// Vobiz's id for the request, when it sent one.
        request_id: Option<String>,
    },
    /// The call could not be built: bad base URL, or a credential that cannot be sent as a
    /// header.
    #[error("the request could not be built: {reason}")]
    InvalidRequest {
        /// What is wrong.
        reason: String,
    },
}

fn retry_after_words(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(wait) => format!("; retry after {} seconds", wait.as_secs()),
        None => String::new(),
    }
}

impl Error {
    /// Vobiz's id for the failed request, when it sent one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Unauthorized { request_id }
            | Error::Forbidden { request_id, .. }
            | Error::NotFound { request_id, .. }
            | Error::CoolOffInEffect { request_id, .. }
            | Error::Validation { request_id, .. }
            | Error::Conflict { request_id, .. }
            | Error::InsufficientBalance { request_id, .. }
            | Error::RateLimited { request_id, .. }
            | Error::Upstream { request_id, .. }
            | Error::Decode { request_id, .. } => request_id.as_deref(),
            Error::Timeout | Error::Transport { .. } | Error::InvalidRequest { .. } => None,
        }
    }

    /// True when the outcome of a write is unknown: the request may have reached Vobiz and
    /// been applied. Callers reconcile (re-read) before repeating a money operation.
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self,
            Error::Timeout | Error::Transport { .. } | Error::Decode { .. }
        ) || matches!(self, Error::Upstream { status, .. } if *status >= 500)
    }

    pub(crate) fn from_reqwest(error: &reqwest::Error) -> Error {
        if error.is_timeout() {
            return Error::Timeout;
        }
        if error.is_builder() {
            return Error::InvalidRequest {
                reason: "the URL or a header is not valid".to_owned(),
            };
        }
        let reason = if error.is_connect() {
            "could not connect"
        } else if error.is_body() || error.is_decode() {
            "the connection broke while reading the answer"
        } else {
            "the connection failed or was closed early"
        };
        // The URL carries no secret, but it is left out: the reason is enough to act on.
        Error::Transport {
            reason: reason.to_owned(),
        }
    }
}

/// Removes secrets from text Vobiz sent back before it goes into an error or a log.
#[derive(Clone, Copy)]
pub(crate) struct Redactor<'a> {
    token: &'a str,
}

impl<'a> Redactor<'a> {
    pub(crate) fn new(token: &'a str) -> Self {
        Redactor { token }
    }

    /// A short, secret-free excerpt of a body: JSON values under keys that name a token,
    /// secret or password are replaced, the caller's own token is replaced anywhere, and the
    /// result is cut to a few hundred characters.
    pub(crate) fn snippet(&self, body: &[u8]) -> String {
        let text = match serde_json::from_slice::<Value>(body) {
            Ok(mut value) => {
                redact_value(&mut value);
                value.to_string()
            }
            Err(_) => String::from_utf8_lossy(body).into_owned(),
        };
        truncate(&self.text(&text))
    }

    /// Text with the caller's token removed and cut short.
    pub(crate) fn message(&self, text: &str) -> String {
        truncate(&self.text(text))
    }

    fn text(&self, text: &str) -> String {
        if self.token.len() >= 4 {
            text.replace(self.token, "[redacted]")
        } else {
            text.to_owned()
        }
    }
}

fn redact_value(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, field) in map.iter_mut() {
                let key = key.to_ascii_lowercase();
                let sensitive = ["token", "secret", "password"]
                    .iter()
                    .any(|word| key.contains(word));
                if sensitive && !field.is_null() {
                    *field = Value::String("[redacted]".to_owned());
                } else {
                    redact_value(field);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_value),
        _ => {}
    }
}

fn truncate(text: &str) -> String {
    match text.char_indices().nth(SNIPPET_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// What could be read out of an error body, across the shapes Vobiz uses: flat
/// `{error, message, api_id}`, the cool-off body, and the nested
/// `{status:"error", error:{code, message, details}, requestId}` envelope.
#[derive(Debug, Default)]
struct ErrorBody {
    code: Option<String>,
    message: Option<String>,
    request_id: Option<String>,
    cool_off_until: Option<String>,
    cool_off_remaining_seconds: Option<u64>,
    current_balance: Option<Decimal>,
    requested_amount: Option<Decimal>,
}

impl ErrorBody {
    fn parse(body: &[u8]) -> ErrorBody {
        let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
            return ErrorBody::default();
        };
        let text = |value: Option<&Value>| match value {
            Some(Value::String(text)) if !text.trim().is_empty() => Some(text.clone()),
            _ => None,
        };
        let amount = |value: Option<&Value>| value.and_then(|value| money::from_value(value).ok());
        let mut parsed = ErrorBody {
            message: text(map.get("message")).or_else(|| text(map.get("detail"))),
            request_id: text(map.get("api_id"))
                .or_else(|| text(map.get("request_id")))
                .or_else(|| text(map.get("requestId"))),
            cool_off_until: text(map.get("cool_off_until")),
            cool_off_remaining_seconds: map
                .get("cool_off_remaining_seconds")
                .and_then(|value| value.as_f64())
                .filter(|seconds| *seconds >= 0.0)
                .map(|seconds| seconds as u64),
            current_balance: amount(map.get("current_balance")),
            requested_amount: amount(map.get("requested_amount")),
            ..ErrorBody::default()
        };
        match map.get("error") {
            Some(Value::String(code)) => parsed.code = Some(code.clone()),
            Some(Value::Object(nested)) => {
                parsed.code = text(nested.get("code"));
                parsed.message = parsed.message.or_else(|| text(nested.get("message")));
                if let Some(Value::Object(details)) = nested.get("details") {
                    parsed.current_balance = parsed
                        .current_balance
                        .or_else(|| amount(details.get("current_balance")));
                    parsed.requested_amount = parsed
                        .requested_amount
                        .or_else(|| amount(details.get("requested_amount")));
                }
            }
            _ => {}
        }
        if let Some(Value::Object(details)) = map.get("details") {
            parsed.current_balance = parsed
                .current_balance
                .or_else(|| amount(details.get("current_balance")));
            parsed.requested_amount = parsed
                .requested_amount
                .or_else(|| amount(details.get("requested_amount")));
        }
        parsed
    }

    fn says_insufficient_balance(&self) -> bool {
        let mentions = |text: &Option<String>| {
            text.as_deref().is_some_and(|text| {
                let text = text.to_ascii_lowercase();
                text.contains("insufficient") && (text.contains("balance") || text.contains("fund"))
            })
        };
        mentions(&self.code)
            || mentions(&self.message)
            || self.current_balance.is_some()
            || self.requested_amount.is_some()
    }
}

/// The purchase endpoint's documented answer when the balance debit fails.
const PURCHASE_DEBIT_FAILED: &str = "failed to purchase number from provider";

/// Maps a non-success answer to an [`Error`].
pub(crate) fn from_response(
    status: StatusCode,
    header_request_id: Option<String>,
    retry_after: Option<Duration>,
    body: &[u8],
    redactor: Redactor<'_>,
) -> Error {
    let parsed = ErrorBody::parse(body);
    let request_id = header_request_id.or_else(|| parsed.request_id.clone());
    let message = parsed
        .message
        .as_deref()
        .or(parsed.code.as_deref())
        .map(|text| redactor.message(text))
        .unwrap_or_else(|| {
            let snippet = redactor.snippet(body);
            if snippet.trim().is_empty() {
                status
                    .canonical_reason()
                    .unwrap_or("no explanation given")
                    .to_ascii_lowercase()
            } else {
                snippet
            }
        });
    let insufficient = |message: String| Error::InsufficientBalance {
        message,
        current_balance: parsed.current_balance,
        requested_amount: parsed.requested_amount,
        request_id: request_id.clone(),
    };
    match status.as_u16() {
        401 => Error::Unauthorized { request_id },
        402 => insufficient(message),
        403 => Error::Forbidden {
            message,
            request_id,
        },
        404 => Error::NotFound {
            message,
            request_id,
        },
        409 => {
            if parsed.code.as_deref() == Some("did_cool_off_in_effect") {
                if let Some(until) = parsed.cool_off_until.as_deref().and_then(parse_timestamp) {
                    let remaining_seconds =
                        parsed.cool_off_remaining_seconds.unwrap_or_else(|| {
                            (until - Utc::now()).num_seconds().max(0).unsigned_abs()
                        });
                    return Error::CoolOffInEffect {
                        until,
                        remaining_seconds,
                        request_id,
                    };
                }
            }
            if parsed.says_insufficient_balance() {
                insufficient(message)
            } else {
                Error::Conflict {
                    message,
                    request_id,
                }
            }
        }
        400 | 422 if parsed.says_insufficient_balance() => insufficient(message),
        code @ (400 | 422) => Error::Validation {
            status: code,
            message,
            request_id,
        },
        429 => Error::RateLimited {
            retry_after,
            request_id,
        },
        500 if parsed
            .message
            .as_deref()
            .is_some_and(|text| text.trim().eq_ignore_ascii_case(PURCHASE_DEBIT_FAILED)) =>
        {
            insufficient(message)
        }
        code => Error::Upstream {
            status: code,
            body_snippet: redactor.snippet(body),
            request_id,
        },
    }
}
