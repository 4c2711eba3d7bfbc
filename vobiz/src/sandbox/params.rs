//! Parsing at the edge: query strings, paging, E.164 path segments, request bodies and
//! the field rules of customer creation.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::error::{ApiError, ApiResult};

/// A parsed query string that keeps repeated keys.
#[derive(Debug, Default)]
pub(crate) struct Query(Vec<(String, String)>);

impl Query {
    pub(crate) fn parse(raw: Option<&str>) -> Self {
        Self(
            raw.map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default(),
        )
    }

    /// The last value of `key`, if present and non-empty.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> {
        self.0
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn flag(&self, key: &str) -> ApiResult<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") || v == "1" => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") || v == "0" => Ok(Some(false)),
            Some(v) => Err(ApiError::bad_request(format!(
                "{key} must be true or false, got {v:?}"
            ))),
        }
    }

    pub(crate) fn uint(&self, key: &str) -> ApiResult<Option<u64>> {
        self.get(key)
            .map(|v| {
                v.parse::<u64>().map_err(|_| {
                    ApiError::bad_request(format!("{key} must be a non-negative integer"))
                })
            })
            .transpose()
    }

    /// `page`/`per_page` (or `size_key`) paging with the given default and a hard maximum.
    pub(crate) fn paging(&self, size_key: &str, default: u64, max: u64) -> ApiResult<Paging> {
        let page = self.uint("page")?.unwrap_or(1);
        let per_page = self.uint(size_key)?.unwrap_or(default);
        Paging::checked(page, per_page, size_key, max)
    }
}

/// A validated page request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Paging {
    pub(crate) page: u64,
    pub(crate) per_page: u64,
}

impl Paging {
    pub(crate) fn checked(page: u64, per_page: u64, size_key: &str, max: u64) -> ApiResult<Self> {
        if page == 0 {
            return Err(ApiError::bad_request("page must be at least 1"));
        }
        if per_page == 0 || per_page > max {
            return Err(ApiError::bad_request(format!(
                "{size_key} must be between 1 and {max}"
            )));
        }
        Ok(Self { page, per_page })
    }

    /// The slice of `items` on this page.
    pub(crate) fn slice<T>(&self, items: Vec<T>) -> Vec<T> {
        let skip =
            usize::try_from((self.page - 1).saturating_mul(self.per_page)).unwrap_or(usize::MAX);
        let take = usize::try_from(self.per_page).unwrap_or(usize::MAX);
        items.into_iter().skip(skip).take(take).collect()
    }

    pub(crate) fn total_pages(&self, total: usize) -> u64 {
        (total as u64).div_ceil(self.per_page)
    }
}

/// Normalises an E.164 from a path or body: `%2B91…`, `+91…` and `91…` all become `+91…`.
pub(crate) fn normalise_e164(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    let digits = trimmed
        .strip_prefix("%2B")
        .or_else(|| trimmed.strip_prefix("%2b"))
        .or_else(|| trimmed.strip_prefix('+'))
        .unwrap_or(trimmed);
    (!digits.is_empty() && digits.len() <= 15 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| format!("+{digits}"))
}

/// Strict E.164 as the customer `phone` field needs it: `+`, a non-zero digit, 8–15 digits.
pub(crate) fn is_e164(value: &str) -> bool {
    value.strip_prefix('+').is_some_and(|digits| {
        (8..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0')
    })
}

pub(crate) fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !value.chars().any(char::is_whitespace)
}

/// At least 8 characters, with a digit and a special (non-alphanumeric) character.
pub(crate) fn is_strong_password(value: &str) -> bool {
    value.chars().count() >= 8
        && value.chars().any(|c| c.is_ascii_digit())
        && value
            .chars()
            .any(|c| !c.is_alphanumeric() && !c.is_whitespace())
}

const ISO_3166_ALPHA2: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// Whether `code` is an assigned ISO 3166-1 alpha-2 code (upper case).
pub(crate) fn is_country(code: &str) -> bool {
    code.len() == 2 && ISO_3166_ALPHA2.split(' ').any(|c| c == code)
}

/// The wallet currency a customer in `country` gets.
pub(crate) fn currency_for_country(country: &str) -> &'static str {
    match country {
        "IN" => "INR",
        "GB" | "GG" | "JE" | "IM" => "GBP",
        "AT" | "BE" | "CY" | "DE" | "EE" | "ES" | "FI" | "FR" | "GR" | "HR" | "IE" | "IT"
        | "LT" | "LU" | "LV" | "MT" | "NL" | "PT" | "SI" | "SK" => "EUR",
        "AE" => "AED",
        "AU" => "AUD",
        "CA" => "CAD",
        "SG" => "SGD",
        "JP" => "JPY",
        "CH" => "CHF",
        "NP" => "NPR",
        "LK" => "LKR",
        "BD" => "BDT",
        "ZA" => "ZAR",
        _ => "USD",
    }
}

/// Parses a JSON object body; anything else is a 400.
pub(crate) fn json_object(body: &[u8]) -> ApiResult<Map<String, Value>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::bad_request("request body must be a JSON object")),
        Err(e) => Err(ApiError::bad_request(format!("invalid JSON body: {e}"))),
    }
}

/// An optional string field; present but not a string is a 400.
pub(crate) fn opt_str<'a>(body: &'a Map<String, Value>, key: &str) -> ApiResult<Option<&'a str>> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(ApiError::bad_request(format!("{key} must be a string"))),
    }
}

pub(crate) fn opt_bool(body: &Map<String, Value>, key: &str) -> ApiResult<Option<bool>> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ApiError::bad_request(format!("{key} must be a boolean"))),
    }
}

/// A decimal amount from a JSON number (or, leniently, a numeric string).
pub(crate) fn decimal(value: &Value) -> Option<Decimal> {
    match value {
        Value::Number(n) => {
            let text = n.to_string();
            Decimal::from_str(&text)
                .or_else(|_| Decimal::from_scientific(&text))
                .ok()
        }
        Value::String(s) => Decimal::from_str(s.trim()).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn e164_forms_normalise_to_one_key() {
        for raw in ["%2B919876543210", "+919876543210", "919876543210"] {
            assert_eq!(normalise_e164(raw).as_deref(), Some("+919876543210"));
        }
        assert_eq!(normalise_e164("+91 98"), None);
        assert_eq!(normalise_e164(""), None);
    }

    #[test]
    fn password_rules() {
        assert!(is_strong_password("s3cret!pw"));
        assert!(!is_strong_password("s3cr!t"));
        assert!(!is_strong_password("secret!pw"));
        assert!(!is_strong_password("s3cretpw1"));
    }

    #[test]
    fn country_and_currency() {
        assert!(is_country("IN") && is_country("GB") && !is_country("XX") && !is_country("in"));
        assert_eq!(currency_for_country("IN"), "INR");
        assert_eq!(currency_for_country("GB"), "GBP");
        assert_eq!(currency_for_country("US"), "USD");
    }

    proptest! {
        #[test]
        fn normalised_e164_is_stable(digits in "[1-9][0-9]{6,13}") {
            let once = normalise_e164(&digits).unwrap();
            prop_assert_eq!(normalise_e164(&once), Some(once.clone()));
            prop_assert_eq!(normalise_e164(&format!("%2B{digits}")), Some(once));
        }

        #[test]
        fn is_e164_never_panics(s in ".{0,20}") {
            let _ = is_e164(&s);
            let _ = is_email(&s);
            let _ = normalise_e164(&s);
        }
    }
}
