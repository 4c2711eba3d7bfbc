//! Password hashing (argon2id) and the new-password policy.
//!
//! Hashing runs on the blocking pool so it never stalls the async runtime. Parameters follow
//! OWASP's current recommendation for argon2id: 19 MiB of memory, 2 iterations, 1 lane.

use std::sync::OnceLock;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};

use crate::domain::identity::check_password_length;

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
pub async fn hash(password: SecretString) -> String {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(password.expose_secret().as_bytes(), &salt)
            .expect("argon2 hashing with valid parameters does not fail")
            .to_string()
    })
    .await
    .expect("the hashing task does not panic")
}

/// A hash to verify against when the account does not exist, so a sign-in for an unknown
/// email takes as long as one for a known email.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(b"no such account: timing equaliser", &salt)
            .expect("argon2 hashing with valid parameters does not fail")
            .to_string()
    })
}

/// Checks `password` against `stored`, or against a dummy hash when there is none; either
/// way the work done is the same. Returns whether it matched a real hash.
pub async fn verify(stored: Option<String>, password: SecretString) -> bool {
    tokio::task::spawn_blocking(move || {
        let real = stored.is_some();
        let phc = stored.unwrap_or_else(|| dummy_hash().to_owned());
        let Ok(parsed) = PasswordHash::new(&phc) else {
            return false;
        };
        let matched = argon2()
            .verify_password(password.expose_secret().as_bytes(), &parsed)
            .is_ok();
        real && matched
    })
    .await
    .unwrap_or(false)
}

/// Checks a new password: long enough, and not a common or easily guessed one (the bundled
/// dictionaries of common passwords, names and words, plus the person's own email).
pub fn check_new(password: &SecretString, email: &str) -> Result<(), String> {
    let pw = password.expose_secret();
    check_password_length(pw)?;
    let local = email.split('@').next().unwrap_or_default();
    let estimate = zxcvbn::zxcvbn(pw, &[email, local]);
    if (estimate.score() as u8) < 3 {
        return Err(
            "That password is too common or too easy to guess. Try a few unrelated words together."
                .to_owned(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> SecretString {
        SecretString::from(v.to_owned())
    }

    #[tokio::test]
    async fn hashes_verify_and_use_argon2id() {
        let phc = hash(s("correct horse battery staple")).await;
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify(Some(phc.clone()), s("correct horse battery staple")).await);
        assert!(!verify(Some(phc), s("correct horse battery stapler")).await);
    }

    #[tokio::test]
    async fn unknown_accounts_never_verify() {
        assert!(!verify(None, s("no such account: timing equaliser")).await);
    }

    #[test]
    fn common_and_short_passwords_are_refused() {
        assert!(check_new(&s("password1234"), "ana@example.com").is_err());
        assert!(check_new(&s("qwertyuiop123"), "ana@example.com").is_err());
        assert!(check_new(&s("ana@example.com"), "ana@example.com").is_err());
        assert!(check_new(&s("Sh0rt!"), "ana@example.com").is_err());
        assert!(check_new(&s("tangerine orbit velvet kettle"), "ana@example.com").is_ok());
    }
}
