//! Encryption of stored secrets (Vobiz tokens) under the master key.
//!
//! AES-256-GCM with a fresh 96-bit nonce per secret. Each sealed secret records the id of the
//! key that sealed it, and is bound by associated data to its tenant and purpose, so a
//! ciphertext copied into another tenant's row, or into another field, does not open.
//! Rotation: the vault opens secrets sealed under the current key or any previous key, and
//! always seals under the current one; `server admin rotate-key` re-seals old rows.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// A 256-bit master key, kept out of `Debug` and zeroed on drop.
pub struct MasterKey {
    bytes: SecretBox<[u8; 32]>,
    id: String,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MasterKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Why a key or a sealed secret could not be used.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The key text is not 32 bytes of base64.
    #[error(
        "a master key must be 32 random bytes in base64 (e.g. `openssl rand -base64 32`); {0}"
    )]
    MalformedKey(String),
    /// The secret was sealed under a key the vault does not have.
    #[error("the secret was sealed under key {0}, which is not configured")]
    UnknownKey(String),
    /// The ciphertext failed authentication: tampered, or copied from another tenant or field.
    #[error("the stored secret does not open for this tenant and purpose")]
    Tampered,
}

impl MasterKey {
    /// Builds a key from its base64 text.
    pub fn from_base64(text: &SecretString) -> Result<Self, VaultError> {
        let decoded = STANDARD
            .decode(text.expose_secret().trim())
            .map_err(|_| VaultError::MalformedKey("the value is not valid base64".into()))?;
        let bytes: [u8; 32] = decoded.as_slice().try_into().map_err(|_| {
            VaultError::MalformedKey(format!("it decodes to {} bytes, not 32", decoded.len()))
        })?;
        Ok(Self::from_bytes(bytes))
    }

    /// Builds a key from raw bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        let digest = Sha256::digest(bytes);
        let id = digest[..6]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>();
        MasterKey {
            bytes: SecretBox::new(Box::new(bytes)),
            id: format!("k-{id}"),
        }
    }

    /// A new random key.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
        Self::from_bytes(bytes)
    }

    /// The key as base64 text, for writing a development key file.
    pub fn to_base64(&self) -> SecretString {
        SecretString::from(STANDARD.encode(self.bytes.expose_secret()))
    }

    /// A fingerprint that names the key without revealing it.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(self.bytes.expose_secret()))
    }
}

/// A secret as stored: which key sealed it, the nonce, and the ciphertext with its tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// The id of the sealing key.
    pub key_id: String,
    /// The 12-byte nonce.
    pub nonce: Vec<u8>,
    /// Ciphertext followed by the 16-byte tag.
    pub ciphertext: Vec<u8>,
}

/// The current key and the previous ones still accepted for opening.
#[derive(Debug)]
pub struct Vault {
    current: MasterKey,
    previous: Vec<MasterKey>,
    generated: bool,
}

impl Vault {
    /// A vault sealing under `current` and also opening secrets sealed under `previous`.
    pub fn new(current: MasterKey, previous: Vec<MasterKey>, generated: bool) -> Self {
        Vault {
            current,
            previous,
            generated,
        }
    }

    /// The id of the key new secrets are sealed under.
    pub fn current_key_id(&self) -> &str {
        self.current.id()
    }

    /// The current key was generated for development rather than configured.
    pub fn is_generated(&self) -> bool {
        self.generated
    }

    /// Encrypts `secret` for `tenant` and `purpose` (e.g. `partner_token`).
    pub fn seal(&self, tenant: Uuid, purpose: &str, secret: &SecretString) -> Sealed {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let aad = associated_data(tenant, purpose);
        let ciphertext = self
            .current
            .cipher()
            .encrypt(
                &nonce,
                Payload {
                    msg: secret.expose_secret().as_bytes(),
                    aad: &aad,
                },
            )
            .expect("AES-GCM encryption of an in-memory buffer does not fail");
        Sealed {
            key_id: self.current.id.clone(),
            nonce: nonce.to_vec(),
            ciphertext,
        }
    }

    /// Decrypts a secret sealed for `tenant` and `purpose`.
    pub fn open(
        &self,
        tenant: Uuid,
        purpose: &str,
        sealed: &Sealed,
    ) -> Result<SecretString, VaultError> {
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id == sealed.key_id)
            .ok_or_else(|| VaultError::UnknownKey(sealed.key_id.clone()))?;
        if sealed.nonce.len() != 12 {
            return Err(VaultError::Tampered);
        }
        let aad = associated_data(tenant, purpose);
        let plain = key
            .cipher()
            .decrypt(
                Nonce::from_slice(&sealed.nonce),
                Payload {
                    msg: &sealed.ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| VaultError::Tampered)?;
        String::from_utf8(plain)
            .map(SecretString::from)
            .map_err(|_| VaultError::Tampered)
    }

    /// Whether `sealed` needs re-sealing under the current key.
    pub fn is_stale(&self, sealed: &Sealed) -> bool {
        sealed.key_id != self.current.id
    }
}

fn associated_data(tenant: Uuid, purpose: &str) -> Vec<u8> {
    format!("vobiz-portal/v1|{tenant}|{purpose}").into_bytes()
}

/// Shows a token as its first and last few characters, e.g. `abcd…wxyz`, for people to
/// recognise it. Short tokens show nothing but their length.
pub fn mask(secret: &SecretString) -> String {
    let s = secret.expose_secret();
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 12 {
        return format!("•••• ({} characters)", chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[test]
    fn seals_and_opens_for_the_same_tenant_and_purpose() {
        let vault = Vault::new(MasterKey::generate(), vec![], false);
        let tenant = Uuid::new_v4();
        let sealed = vault.seal(tenant, "partner_token", &secret("tok_abc"));
        assert_eq!(sealed.key_id, vault.current_key_id());
        assert!(!sealed.ciphertext.windows(7).any(|w| w == b"tok_abc"));
        assert_eq!(
            vault
                .open(tenant, "partner_token", &sealed)
                .unwrap()
                .expose_secret(),
            "tok_abc"
        );
    }

    #[test]
    fn a_ciphertext_copied_to_another_tenant_or_purpose_does_not_open() {
        let vault = Vault::new(MasterKey::generate(), vec![], false);
        let tenant = Uuid::new_v4();
        let sealed = vault.seal(tenant, "partner_token", &secret("tok_abc"));
        assert!(matches!(
            vault.open(Uuid::new_v4(), "partner_token", &sealed),
            Err(VaultError::Tampered)
        ));
        assert!(matches!(
            vault.open(tenant, "pool_token", &sealed),
            Err(VaultError::Tampered)
        ));
        let mut flipped = sealed.clone();
        flipped.ciphertext[0] ^= 1;
        assert!(matches!(
            vault.open(tenant, "partner_token", &flipped),
            Err(VaultError::Tampered)
        ));
    }

    #[test]
    fn rotation_opens_old_secrets_and_seals_under_the_new_key() {
        let old = MasterKey::generate();
        let old_text = old.to_base64();
        let tenant = Uuid::new_v4();
        let sealed_old = Vault::new(old, vec![], false).seal(tenant, "p", &secret("s1"));

        let rotated = Vault::new(
            MasterKey::generate(),
            vec![MasterKey::from_base64(&old_text).unwrap()],
            false,
        );
        assert!(rotated.is_stale(&sealed_old));
        assert_eq!(
            rotated
                .open(tenant, "p", &sealed_old)
                .unwrap()
                .expose_secret(),
            "s1"
        );
        let resealed = rotated.seal(tenant, "p", &secret("s1"));
        assert!(!rotated.is_stale(&resealed));

        let without_old = Vault::new(MasterKey::generate(), vec![], false);
        assert!(matches!(
            without_old.open(tenant, "p", &sealed_old),
            Err(VaultError::UnknownKey(_))
        ));
    }

    #[test]
    fn keys_parse_only_from_32_bytes_and_never_print() {
        assert!(MasterKey::from_base64(&secret("c2hvcnQ=")).is_err());
        let key = MasterKey::from_bytes([7u8; 32]);
        let shown = format!("{key:?}");
        assert!(shown.contains(key.id()) && !shown.contains("7, 7"));
    }

    #[test]
    fn masking_shows_only_the_ends() {
        assert_eq!(mask(&secret("abcdefghijklmnopqrstuvwxyz")), "abcd…wxyz");
        assert_eq!(mask(&secret("short")), "•••• (5 characters)");
    }
}
