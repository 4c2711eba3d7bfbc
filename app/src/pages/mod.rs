//! One module per page.

pub mod accept;
pub mod audit;
pub mod customer;
pub mod customers;
pub mod dashboard;
pub mod login;
pub mod my;
pub mod not_found;
pub mod numbers;
pub mod onboarding;
pub mod operator;
pub mod settings_index;
pub mod settings_pages;
pub mod staff;
pub mod status;
pub mod two_factor;
pub mod wallet;

/// Percent-encodes everything but unreserved characters, for values in an address.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
