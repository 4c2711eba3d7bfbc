//! Parsers for identity input, shared so the browser can say the same thing the server will.

use serde::{Deserialize, Serialize};

/// A normalised (trimmed, lower-case) email address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    /// Accepts `local@domain.tld`, at most 254 characters, no spaces.
    pub fn parse(input: &str) -> Result<Email, String> {
        let s = input.trim().to_lowercase();
        let valid = s.len() <= 254
            && !s.chars().any(char::is_whitespace)
            && s.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            });
        if valid {
            Ok(Email(s))
        } else {
            Err("Enter an email address like name@example.com.".to_owned())
        }
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A tenant's short name, used in links: 2–63 of `a-z`, `0-9` and `-`, starting with a
/// letter or digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Slug(String);

impl Slug {
    /// Parses a slug.
    pub fn parse(input: &str) -> Result<Slug, String> {
        let s = input.trim().to_lowercase();
        let ok = (2..=63).contains(&s.len())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !s.starts_with('-');
        if ok {
            Ok(Slug(s))
        } else {
            Err("Use 2 to 63 lower-case letters, digits or hyphens, starting with a letter or digit.".to_owned())
        }
    }

    /// The slug.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest password accepted (hashing cost stays bounded).
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Checks a new password's length; the server also checks it against common passwords.
/// No composition rules: length is what makes a password strong.
pub fn check_password_length(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        Err(format!("Use at least {MIN_PASSWORD_CHARS} characters; a few words together make a strong password."))
    } else if n > MAX_PASSWORD_CHARS {
        Err(format!("Use at most {MAX_PASSWORD_CHARS} characters."))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("  Ana@Example.COM ").unwrap().as_str(),
            "ana@example.com"
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "a b@example.com",
            "a@b@c.com",
            "ana@.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn slugs_are_checked() {
        assert_eq!(
            Slug::parse("Acme-Telecom").unwrap().as_str(),
            "acme-telecom"
        );
        for bad in ["a", "-acme", "acme_tel", "acmé", &"a".repeat(64)] {
            assert!(Slug::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn passwords_need_length_not_composition() {
        assert!(check_password_length("correct horse battery").is_ok());
        assert!(check_password_length("Sh0rt!").is_err());
        assert!(check_password_length(&"x".repeat(257)).is_err());
    }

    proptest! {
        #[test]
        fn email_parsing_never_panics_and_accepted_addresses_are_stable(s in "\\PC{0,80}") {
            if let Ok(email) = Email::parse(&s) {
                prop_assert_eq!(Email::parse(email.as_str()).unwrap(), email.clone());
                prop_assert!(email.as_str().contains('@'));
            }
        }
    }
}
