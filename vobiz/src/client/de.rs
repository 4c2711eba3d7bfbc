//! Tolerant serde helpers for the shapes the Vobiz contract documents as variable.
//!
//! Vobiz renders the same kind of value in several ways depending on the endpoint and the
//! docs generation (money as `"23906.83000"` or `23906.83`, timestamps with or without
//! fractions and zones, ids as strings or integers). Every response type decodes through
//! these helpers so the tolerance lives in one place.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Money: a decimal amount sent as a string (`"1300.00000"`) or a JSON number (`2950`,
/// `23906.83`), decoded into [`rust_decimal::Decimal`] without passing through `f64`.
///
/// Use with `#[serde(with = "money")]`; [`money::option`] handles nullable or missing
/// amounts. Amounts are sent back to Vobiz as exact JSON numbers.
pub mod money {
    use std::str::FromStr;

    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};
    use serde_json::Value;

    use super::kind_of;

    /// Decodes an amount from a string or a number.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
        let value = Value::deserialize(deserializer)?;
        from_value(&value).map_err(serde::de::Error::custom)
    }

    /// Encodes an amount as an exact JSON number.
    pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
        rust_decimal::serde::arbitrary_precision::serialize(value, serializer)
    }

    /// Reads an amount out of an already parsed JSON value.
    pub(crate) fn from_value(value: &Value) -> Result<Decimal, String> {
        match value {
            Value::String(text) => parse(text),
            // With serde_json's arbitrary precision the number keeps its exact digits.
            Value::Number(number) => parse(&number.to_string()),
            other => Err(format!(
                "expected an amount as a string or a number, found {}",
                kind_of(other)
            )),
        }
    }

    fn parse(text: &str) -> Result<Decimal, String> {
        let text = text.trim();
        Decimal::from_str(text)
            .or_else(|_| Decimal::from_scientific(text))
            .map_err(|_| format!("`{text}` is not an amount"))
    }

    /// Nullable or missing amounts: `null`, `""` and an absent key all become `None`.
    pub mod option {
        use rust_decimal::Decimal;
        use serde::{Deserialize, Deserializer, Serializer};
        use serde_json::Value;

        /// Decodes an optional amount.
        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<Decimal>, D::Error> {
            match Option::<Value>::deserialize(deserializer)? {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(text)) if text.trim().is_empty() => Ok(None),
                Some(value) => super::from_value(&value)
                    .map(Some)
                    .map_err(serde::de::Error::custom),
            }
        }

        /// Encodes an optional amount as an exact JSON number or `null`.
        pub fn serialize<S: Serializer>(
            value: &Option<Decimal>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            rust_decimal::serde::arbitrary_precision_option::serialize(value, serializer)
        }
    }
}

/// Timestamps in the precisions Vobiz mixes: `2026-03-25T10:00:00Z`,
/// `2026-03-25T06:58:38.796024Z`, `2025-09-30T08:33:24.700542+00:00`, and the zone-less
/// `2026-06-11 16:03:28.586839` (read as UTC).
pub mod timestamp {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer};

    /// Decodes a required timestamp.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(deserializer)?;
        super::parse_timestamp(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not a timestamp")))
    }

    /// Nullable or missing timestamps: `null`, `""` and an absent key all become `None`.
    pub mod option {
        use chrono::{DateTime, Utc};
        use serde::{Deserialize, Deserializer};

        /// Decodes an optional timestamp.
        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<DateTime<Utc>>, D::Error> {
            match Option::<String>::deserialize(deserializer)? {
                None => Ok(None),
                Some(text) if text.trim().is_empty() => Ok(None),
                Some(text) => super::super::parse_timestamp(&text)
                    .map(Some)
                    .ok_or_else(|| {
                        serde::de::Error::custom(format!("`{text}` is not a timestamp"))
                    }),
            }
        }
    }
}

/// Identifiers Vobiz sends as strings in one place and integers in another
/// (`"id": "500000"` next to `"account_id": 500000`), kept as strings.
pub mod id {
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    /// Decodes a required identifier.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
        let value = Value::deserialize(deserializer)?;
        from_value(value).ok_or_else(|| serde::de::Error::custom("expected an identifier"))
    }

    fn from_value(value: Value) -> Option<String> {
        match value {
            Value::String(text) => Some(text),
            Value::Number(number) => Some(number.to_string()),
            _ => None,
        }
    }

    /// Nullable or missing identifiers become `None`.
    pub mod option {
        use serde::{Deserialize, Deserializer};
        use serde_json::Value;

        /// Decodes an optional identifier.
        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<String>, D::Error> {
            match Option::<Value>::deserialize(deserializer)? {
                None | Some(Value::Null) => Ok(None),
                Some(value) => super::from_value(value)
                    .map(Some)
                    .ok_or_else(|| serde::de::Error::custom("expected an identifier")),
            }
        }
    }
}

/// Number tags: documented as an array of strings, shown as an object `{}` on inventory
/// items. Arrays keep their strings, objects give their keys, `null` gives nothing.
pub(crate) fn tags<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(deserializer)? {
        Some(Value::Array(values)) => values
            .into_iter()
            .map(|value| match value {
                Value::String(text) => text,
                other => other.to_string(),
            })
            .collect(),
        Some(Value::Object(map)) => map.into_iter().map(|(key, _)| key).collect(),
        Some(Value::String(text)) if !text.is_empty() => vec![text],
        _ => Vec::new(),
    })
}

/// `null` where a collection or flag was expected decodes as its default.
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + DeserializeOwned,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Parses every timestamp form listed in the contract; `None` for anything else.
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(parsed) = DateTime::parse_from_rfc3339(text) {
        return Some(parsed.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%d %H:%M:%S%.f%:z", "%Y-%m-%d %H:%M:%S%.f%#z"] {
        if let Ok(parsed) = DateTime::parse_from_str(text, format) {
            return Some(parsed.with_timezone(&Utc));
        }
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(parsed) = NaiveDateTime::parse_from_str(text, format) {
            return Some(parsed.and_utc());
        }
    }
    None
}

/// Decodes `T` from a value, reporting a serde error with a plain message.
pub(crate) fn from_json_value<T: DeserializeOwned>(value: Value) -> Result<T, String> {
    T::deserialize(value).map_err(|error| error.to_string())
}

pub(crate) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Declares an enum over the string values Vobiz documents, keeping unknown values in
/// `Other` instead of failing to decode.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident => $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$variant_meta])* $variant, )+
            /// A value this client does not know yet, kept as Vobiz sent it.
            Other(String),
        }

        impl $name {
            /// The wire spelling of this value.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $text, )+
                    Self::Other(text) => text,
                }
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                match text {
                    $( $text => Self::$variant, )+
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Ok(Self::from(text.as_str()))
            }
        }
    };
}
pub(crate) use string_enum;

/// Serialises a secret for a request body. Only request types use this, and only when the
/// body is built for sending.
pub(crate) fn expose_secret<S: serde::Serializer>(
    secret: &secrecy::SecretString,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use secrecy::ExposeSecret;
    serializer.serialize_str(secret.expose_secret())
}

/// Like [`expose_secret`] for optional secrets.
pub(crate) fn expose_secret_option<S: serde::Serializer>(
    secret: &Option<secrecy::SecretString>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match secret {
        Some(secret) => expose_secret(secret, serializer),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    #[derive(Deserialize)]
    struct Amount {
        #[serde(with = "money")]
        value: Decimal,
        #[serde(default, with = "money::option")]
        maybe: Option<Decimal>,
    }

    fn amount(json: &str) -> Amount {
        serde_json::from_str(json).expect("amount decodes")
    }

    #[test]
    fn money_reads_strings_and_numbers_exactly() {
        assert_eq!(
            amount(r#"{"value":"23906.83000"}"#).value,
            Decimal::from_str("23906.83").unwrap()
        );
        assert_eq!(
            amount(r#"{"value":23906.83}"#).value,
            Decimal::from_str("23906.83").unwrap()
        );
        assert_eq!(amount(r#"{"value":0}"#).value, Decimal::ZERO);
        // A value f64 cannot hold exactly stays exact.
        assert_eq!(
            amount(r#"{"value":0.10000000000000000001}"#)
                .value
                .to_string(),
            "0.10000000000000000001"
        );
        assert_eq!(
            amount(r#"{"value":"1e3"}"#).value,
            Decimal::from_str("1000").unwrap()
        );
    }

    #[test]
    fn optional_money_treats_null_empty_and_missing_as_none() {
        assert_eq!(amount(r#"{"value":1}"#).maybe, None);
        assert_eq!(amount(r#"{"value":1,"maybe":null}"#).maybe, None);
        assert_eq!(amount(r#"{"value":1,"maybe":""}"#).maybe, None);
        assert_eq!(
            amount(r#"{"value":1,"maybe":"700"}"#).maybe,
            Some(Decimal::from(700))
        );
    }

    #[test]
    fn money_rejects_non_amounts() {
        assert!(serde_json::from_str::<Amount>(r#"{"value":"lots"}"#).is_err());
        assert!(serde_json::from_str::<Amount>(r#"{"value":true}"#).is_err());
        assert!(serde_json::from_str::<Amount>(r#"{"value":null}"#).is_err());
    }

    #[test]
    fn money_serialises_as_an_exact_number() {
        #[derive(serde::Serialize)]
        struct Out {
            #[serde(with = "money")]
            amount: Decimal,
        }
        let text = serde_json::to_string(&Out {
            amount: Decimal::from_str("500.10").unwrap(),
        })
        .unwrap();
        assert_eq!(text, r#"{"amount":500.10}"#);
    }

    #[test]
    fn timestamps_in_every_documented_precision() {
        let expected = |text: &str| DateTime::parse_from_rfc3339(text).unwrap().to_utc();
        assert_eq!(
            parse_timestamp("2026-03-25T10:00:00Z"),
            Some(expected("2026-03-25T10:00:00Z"))
        );
        assert_eq!(
            parse_timestamp("2026-03-25T06:58:38.796024Z"),
            Some(expected("2026-03-25T06:58:38.796024Z"))
        );
        assert_eq!(
            parse_timestamp("2025-09-30T08:33:24.700542+00:00"),
            Some(expected("2025-09-30T08:33:24.700542Z"))
        );
        assert_eq!(
            parse_timestamp("2026-06-11 16:03:28.586839"),
            Some(expected("2026-06-11T16:03:28.586839Z"))
        );
        assert_eq!(
            parse_timestamp("2026-07-21T09:18:26.000Z"),
            Some(expected("2026-07-21T09:18:26Z"))
        );
        assert_eq!(
            parse_timestamp("2026-03-25T15:30:00+05:30"),
            Some(expected("2026-03-25T10:00:00Z"))
        );
        assert_eq!(parse_timestamp("2026-03-25"), None);
        assert_eq!(parse_timestamp("yesterday"), None);
    }

    proptest::proptest! {
        #[test]
        fn money_round_trips_any_decimal_string(mantissa in proptest::num::i64::ANY, scale in 0u32..=10) {
            let decimal = Decimal::new(mantissa, scale);
            let from_string: Amount =
                serde_json::from_str(&format!(r#"{{"value":"{decimal}"}}"#)).unwrap();
            let from_number: Amount =
                serde_json::from_str(&format!(r#"{{"value":{decimal}}}"#)).unwrap();
            proptest::prop_assert_eq!(from_string.value, decimal);
            proptest::prop_assert_eq!(from_number.value, decimal);
        }
    }
}
