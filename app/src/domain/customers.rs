//! Parsers for customer and wallet input, shared so the browser can say what the server (and
//! Vobiz) will say before anything is sent.

use serde::{Deserialize, Serialize};

/// A phone number in E.164 form: `+`, a country code and the number, 8 to 15 digits in all.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct E164(String);

impl E164 {
    /// Accepts `+919876543210`; spaces, dots, dashes and brackets are ignored.
    pub fn parse(input: &str) -> Result<E164, String> {
        let compact: String = input
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
            .collect();
        let ok = compact.strip_prefix('+').is_some_and(|digits| {
            (8..=15).contains(&digits.len())
                && digits.bytes().all(|b| b.is_ascii_digit())
                && !digits.starts_with('0')
        });
        if ok {
            Ok(E164(compact))
        } else {
            Err("Write the phone number in international form: + and the country code, e.g. +919876543210.".to_owned())
        }
    }

    /// The number, with its `+`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for E164 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An ISO 3166-1 alpha-2 country code from [`COUNTRIES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Country(&'static str);

impl Country {
    /// Accepts a code of the list, in any case.
    pub fn parse(input: &str) -> Result<Country, String> {
        let code = input.trim().to_ascii_uppercase();
        COUNTRIES
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(c, _)| Country(c))
            .ok_or_else(|| "Choose the customer's country from the list.".to_owned())
    }

    /// The two-letter code.
    pub fn code(self) -> &'static str {
        self.0
    }

    /// The country's name.
    pub fn name(self) -> &'static str {
        COUNTRIES
            .iter()
            .find(|(c, _)| *c == self.0)
            .map(|(_, n)| *n)
            .unwrap_or(self.0)
    }

    /// The wallet currency Vobiz gives a customer in this country (IN → INR).
    pub fn wallet_currency(self) -> &'static str {
        match self.0 {
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
}

/// Checks a customer's Vobiz login password the way Vobiz does: at least 8 characters, with
/// a digit and a special character.
pub fn check_vobiz_password(password: &str) -> Result<(), String> {
    let long = password.chars().count() >= 8;
    let digit = password.chars().any(|c| c.is_ascii_digit());
    let special = password
        .chars()
        .any(|c| !c.is_alphanumeric() && !c.is_whitespace());
    if long && digit && special && password.chars().count() <= 128 {
        Ok(())
    } else {
        Err("Vobiz needs at least 8 characters with a digit and a special character (such as ! or #).".to_owned())
    }
}

/// Checks a person's or business name: 1 to 120 characters after trimming.
pub fn check_name(name: &str, what: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        Err(format!("Enter the {what}."))
    } else if name.chars().count() > 120 {
        Err(format!("Keep the {what} to 120 characters."))
    } else {
        Ok(name.to_owned())
    }
}

/// A positive amount of money with at most 2 decimal places, as typed (`1500`, `1,500.50`).
/// Kept as its normalised text (`1500.50`); the server turns it into a decimal. Never a float.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amount(String);

impl Amount {
    /// The largest amount accepted in one transfer.
    pub const MAX_WHOLE_DIGITS: usize = 10;

    /// Parses an amount: digits, an optional `.` and up to two decimals; commas and spaces
    /// between digits are ignored.
    pub fn parse(input: &str) -> Result<Amount, String> {
        let compact: String = input
            .trim()
            .chars()
            .filter(|c| !matches!(c, ',' | ' ' | '_'))
            .collect();
        let (whole, fraction) = match compact.split_once('.') {
            Some((w, f)) => (w, f),
            None => (compact.as_str(), ""),
        };
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if compact.is_empty() || whole.is_empty() || !digits(whole) || !digits(fraction) {
            return Err("Enter an amount like 1500 or 1500.50.".to_owned());
        }
        if fraction.len() > 2 {
            return Err("Use at most two decimal places.".to_owned());
        }
        let whole = whole.trim_start_matches('0');
        if whole.len() > Self::MAX_WHOLE_DIGITS {
            return Err("That amount is too large.".to_owned());
        }
        let fraction = fraction.trim_end_matches('0');
        let text = match (whole.is_empty(), fraction.is_empty()) {
            (true, true) => return Err("The amount must be more than zero.".to_owned()),
            (true, false) => format!("0.{fraction}"),
            (false, true) => whole.to_owned(),
            (false, false) => format!("{whole}.{fraction}"),
        };
        Ok(Amount(text))
    }

    /// The normalised text, e.g. `1500.5`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How a sub-account is used, as Vobiz names it.
pub const KYC_MODES: &[(&str, &str)] = &[
    ("personal_use", "Personal use (the partner's own team)"),
    ("customer_use", "Customer use (needs the customer's email)"),
];

/// Business types Vobiz accepts for sub-accounts.
pub const BUSINESS_TYPES: &[(&str, &str)] = &[
    ("individual", "Individual"),
    ("proprietorship", "Proprietorship"),
    ("private_limited", "Private limited"),
    ("llp", "LLP"),
    ("partnership", "Partnership"),
    ("public_limited", "Public limited"),
    ("trust", "Trust"),
    ("society", "Society"),
    ("huf", "HUF"),
    ("government", "Government"),
];

/// Whether `value` is one of `choices`' values.
pub fn is_choice(choices: &[(&str, &str)], value: &str) -> bool {
    choices.iter().any(|(v, _)| *v == value)
}

/// ISO 3166-1 alpha-2 codes and names.
pub const COUNTRIES: &[(&str, &str)] = &[
    ("AD", "Andorra"),
    ("AE", "United Arab Emirates"),
    ("AF", "Afghanistan"),
    ("AG", "Antigua and Barbuda"),
    ("AI", "Anguilla"),
    ("AL", "Albania"),
    ("AM", "Armenia"),
    ("AO", "Angola"),
    ("AQ", "Antarctica"),
    ("AR", "Argentina"),
    ("AS", "American Samoa"),
    ("AT", "Austria"),
    ("AU", "Australia"),
    ("AW", "Aruba"),
    ("AX", "Åland Islands"),
    ("AZ", "Azerbaijan"),
    ("BA", "Bosnia and Herzegovina"),
    ("BB", "Barbados"),
    ("BD", "Bangladesh"),
    ("BE", "Belgium"),
    ("BF", "Burkina Faso"),
    ("BG", "Bulgaria"),
    ("BH", "Bahrain"),
    ("BI", "Burundi"),
    ("BJ", "Benin"),
    ("BL", "Saint Barthélemy"),
    ("BM", "Bermuda"),
    ("BN", "Brunei"),
    ("BO", "Bolivia"),
    ("BQ", "Caribbean Netherlands"),
    ("BR", "Brazil"),
    ("BS", "Bahamas"),
    ("BT", "Bhutan"),
    ("BV", "Bouvet Island"),
    ("BW", "Botswana"),
    ("BY", "Belarus"),
    ("BZ", "Belize"),
    ("CA", "Canada"),
    ("CC", "Cocos (Keeling) Islands"),
    ("CD", "Congo (DRC)"),
    ("CF", "Central African Republic"),
    ("CG", "Congo"),
    ("CH", "Switzerland"),
    ("CI", "Côte d'Ivoire"),
    ("CK", "Cook Islands"),
    ("CL", "Chile"),
    ("CM", "Cameroon"),
    ("CN", "China"),
    ("CO", "Colombia"),
    ("CR", "Costa Rica"),
    ("CU", "Cuba"),
    ("CV", "Cabo Verde"),
    ("CW", "Curaçao"),
    ("CX", "Christmas Island"),
    ("CY", "Cyprus"),
    ("CZ", "Czechia"),
    ("DE", "Germany"),
    ("DJ", "Djibouti"),
    ("DK", "Denmark"),
    ("DM", "Dominica"),
    ("DO", "Dominican Republic"),
    ("DZ", "Algeria"),
    ("EC", "Ecuador"),
    ("EE", "Estonia"),
    ("EG", "Egypt"),
    ("EH", "Western Sahara"),
    ("ER", "Eritrea"),
    ("ES", "Spain"),
    ("ET", "Ethiopia"),
    ("FI", "Finland"),
    ("FJ", "Fiji"),
    ("FK", "Falkland Islands"),
    ("FM", "Micronesia"),
    ("FO", "Faroe Islands"),
    ("FR", "France"),
    ("GA", "Gabon"),
    ("GB", "United Kingdom"),
    ("GD", "Grenada"),
    ("GE", "Georgia"),
    ("GF", "French Guiana"),
    ("GG", "Guernsey"),
    ("GH", "Ghana"),
    ("GI", "Gibraltar"),
    ("GL", "Greenland"),
    ("GM", "Gambia"),
    ("GN", "Guinea"),
    ("GP", "Guadeloupe"),
    ("GQ", "Equatorial Guinea"),
    ("GR", "Greece"),
    ("GS", "South Georgia and the South Sandwich Islands"),
    ("GT", "Guatemala"),
    ("GU", "Guam"),
    ("GW", "Guinea-Bissau"),
    ("GY", "Guyana"),
    ("HK", "Hong Kong"),
    ("HM", "Heard Island and McDonald Islands"),
    ("HN", "Honduras"),
    ("HR", "Croatia"),
    ("HT", "Haiti"),
    ("HU", "Hungary"),
    ("ID", "Indonesia"),
    ("IE", "Ireland"),
    ("IL", "Israel"),
    ("IM", "Isle of Man"),
    ("IN", "India"),
    ("IO", "British Indian Ocean Territory"),
    ("IQ", "Iraq"),
    ("IR", "Iran"),
    ("IS", "Iceland"),
    ("IT", "Italy"),
    ("JE", "Jersey"),
    ("JM", "Jamaica"),
    ("JO", "Jordan"),
    ("JP", "Japan"),
    ("KE", "Kenya"),
    ("KG", "Kyrgyzstan"),
    ("KH", "Cambodia"),
    ("KI", "Kiribati"),
    ("KM", "Comoros"),
    ("KN", "Saint Kitts and Nevis"),
    ("KP", "North Korea"),
    ("KR", "South Korea"),
    ("KW", "Kuwait"),
    ("KY", "Cayman Islands"),
    ("KZ", "Kazakhstan"),
    ("LA", "Laos"),
    ("LB", "Lebanon"),
    ("LC", "Saint Lucia"),
    ("LI", "Liechtenstein"),
    ("LK", "Sri Lanka"),
    ("LR", "Liberia"),
    ("LS", "Lesotho"),
    ("LT", "Lithuania"),
    ("LU", "Luxembourg"),
    ("LV", "Latvia"),
    ("LY", "Libya"),
    ("MA", "Morocco"),
    ("MC", "Monaco"),
    ("MD", "Moldova"),
    ("ME", "Montenegro"),
    ("MF", "Saint Martin"),
    ("MG", "Madagascar"),
    ("MH", "Marshall Islands"),
    ("MK", "North Macedonia"),
    ("ML", "Mali"),
    ("MM", "Myanmar"),
    ("MN", "Mongolia"),
    ("MO", "Macao"),
    ("MP", "Northern Mariana Islands"),
    ("MQ", "Martinique"),
    ("MR", "Mauritania"),
    ("MS", "Montserrat"),
    ("MT", "Malta"),
    ("MU", "Mauritius"),
    ("MV", "Maldives"),
    ("MW", "Malawi"),
    ("MX", "Mexico"),
    ("MY", "Malaysia"),
    ("MZ", "Mozambique"),
    ("NA", "Namibia"),
    ("NC", "New Caledonia"),
    ("NE", "Niger"),
    ("NF", "Norfolk Island"),
    ("NG", "Nigeria"),
    ("NI", "Nicaragua"),
    ("NL", "Netherlands"),
    ("NO", "Norway"),
    ("NP", "Nepal"),
    ("NR", "Nauru"),
    ("NU", "Niue"),
    ("NZ", "New Zealand"),
    ("OM", "Oman"),
    ("PA", "Panama"),
    ("PE", "Peru"),
    ("PF", "French Polynesia"),
    ("PG", "Papua New Guinea"),
    ("PH", "Philippines"),
    ("PK", "Pakistan"),
    ("PL", "Poland"),
    ("PM", "Saint Pierre and Miquelon"),
    ("PN", "Pitcairn Islands"),
    ("PR", "Puerto Rico"),
    ("PS", "Palestine"),
    ("PT", "Portugal"),
    ("PW", "Palau"),
    ("PY", "Paraguay"),
    ("QA", "Qatar"),
    ("RE", "Réunion"),
    ("RO", "Romania"),
    ("RS", "Serbia"),
    ("RU", "Russia"),
    ("RW", "Rwanda"),
    ("SA", "Saudi Arabia"),
    ("SB", "Solomon Islands"),
    ("SC", "Seychelles"),
    ("SD", "Sudan"),
    ("SE", "Sweden"),
    ("SG", "Singapore"),
    ("SH", "Saint Helena"),
    ("SI", "Slovenia"),
    ("SJ", "Svalbard and Jan Mayen"),
    ("SK", "Slovakia"),
    ("SL", "Sierra Leone"),
    ("SM", "San Marino"),
    ("SN", "Senegal"),
    ("SO", "Somalia"),
    ("SR", "Suriname"),
    ("SS", "South Sudan"),
    ("ST", "São Tomé and Príncipe"),
    ("SV", "El Salvador"),
    ("SX", "Sint Maarten"),
    ("SY", "Syria"),
    ("SZ", "Eswatini"),
    ("TC", "Turks and Caicos Islands"),
    ("TD", "Chad"),
    ("TF", "French Southern Territories"),
    ("TG", "Togo"),
    ("TH", "Thailand"),
    ("TJ", "Tajikistan"),
    ("TK", "Tokelau"),
    ("TL", "Timor-Leste"),
    ("TM", "Turkmenistan"),
    ("TN", "Tunisia"),
    ("TO", "Tonga"),
    ("TR", "Türkiye"),
    ("TT", "Trinidad and Tobago"),
    ("TV", "Tuvalu"),
    ("TW", "Taiwan"),
    ("TZ", "Tanzania"),
    ("UA", "Ukraine"),
    ("UG", "Uganda"),
    ("UM", "U.S. Outlying Islands"),
    ("US", "United States"),
    ("UY", "Uruguay"),
    ("UZ", "Uzbekistan"),
    ("VA", "Vatican City"),
    ("VC", "Saint Vincent and the Grenadines"),
    ("VE", "Venezuela"),
    ("VG", "British Virgin Islands"),
    ("VI", "U.S. Virgin Islands"),
    ("VN", "Vietnam"),
    ("VU", "Vanuatu"),
    ("WF", "Wallis and Futuna"),
    ("WS", "Samoa"),
    ("YE", "Yemen"),
    ("YT", "Mayotte"),
    ("ZA", "South Africa"),
    ("ZM", "Zambia"),
    ("ZW", "Zimbabwe"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn phone_numbers_must_be_e164() {
        assert_eq!(
            E164::parse(" +91 98765-43210 ").unwrap().as_str(),
            "+919876543210"
        );
        for bad in [
            "",
            "919876543210",
            "+0123456789",
            "+12",
            "+1234567890123456",
            "+91abc",
        ] {
            assert!(E164::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn countries_come_from_the_list_and_give_the_wallet_currency() {
        let india = Country::parse("in").unwrap();
        assert_eq!(india.code(), "IN");
        assert_eq!(india.name(), "India");
        assert_eq!(india.wallet_currency(), "INR");
        assert_eq!(Country::parse("GB").unwrap().wallet_currency(), "GBP");
        assert_eq!(Country::parse("US").unwrap().wallet_currency(), "USD");
        assert!(Country::parse("XX").is_err());
        assert!(Country::parse("IND").is_err());
        assert_eq!(COUNTRIES.len(), 249);
    }

    #[test]
    fn vobiz_passwords_need_a_digit_and_a_special_character() {
        assert!(check_vobiz_password("Secret#2026").is_ok());
        for bad in ["short#1", "NoDigits#here", "NoSpecial123", ""] {
            assert!(check_vobiz_password(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn amounts_are_positive_decimals_with_two_places_at_most() {
        assert_eq!(Amount::parse("1,500").unwrap().as_str(), "1500");
        assert_eq!(Amount::parse("0012.50").unwrap().as_str(), "12.5");
        assert_eq!(Amount::parse("0.05").unwrap().as_str(), "0.05");
        for bad in [
            "",
            "0",
            "0.00",
            "-5",
            "1e3",
            "12.345",
            "abc",
            ".5",
            "12345678901",
        ] {
            assert!(Amount::parse(bad).is_err(), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn parsers_never_panic_and_accepted_values_are_stable(s in "\\PC{0,24}") {
            if let Ok(a) = Amount::parse(&s) {
                prop_assert_eq!(Amount::parse(a.as_str()).unwrap(), a);
            }
            if let Ok(p) = E164::parse(&s) {
                prop_assert_eq!(E164::parse(p.as_str()).unwrap(), p);
            }
            let _ = check_vobiz_password(&s);
        }
    }
}
