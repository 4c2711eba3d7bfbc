//! The master key that encrypts stored Vobiz credentials.
//!
//! Production reads it from `PORTAL_MASTER_KEY`. Development generates one once, stores it
//! in `<data dir>/master.key` with mode 0600 and says loudly that it is a development key.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use sha2::{Digest, Sha256};

use crate::settings::{Environment, Settings};

/// A 256-bit key, kept out of `Debug` and zeroed on drop.
pub struct MasterKey {
    bytes: SecretBox<[u8; 32]>,
    /// A short fingerprint that names the key without revealing it.
    pub id: String,
    /// Generated for development rather than configured.
    pub generated: bool,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MasterKey")
            .field("id", &self.id)
            .field("generated", &self.generated)
            .finish_non_exhaustive()
    }
}

/// Why the key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The configured value is not 32 bytes of base64.
    #[error("PORTAL_MASTER_KEY must be 32 random bytes in base64 (e.g. `openssl rand -base64 32`); {0}")]
    Malformed(String),
    /// Production has no key configured.
    #[error("PORTAL_MASTER_KEY is not set; production never generates a key")]
    Missing,
    /// The development key file could not be read or written.
    #[error("the development key file {path} could not be used: {source}")]
    File {
        /// The file.
        path: String,
        /// What the filesystem said.
        source: std::io::Error,
    },
}

impl MasterKey {
    /// Builds a key from its base64 text.
    pub fn from_base64(text: &SecretString, generated: bool) -> Result<Self, KeyError> {
        let decoded = STANDARD
            .decode(text.expose_secret().trim())
            .map_err(|_| KeyError::Malformed("the value is not valid base64".into()))?;
        let bytes: [u8; 32] = decoded
            .as_slice()
            .try_into()
            .map_err(|_| KeyError::Malformed(format!("it decodes to {} bytes, not 32", decoded.len())))?;
        Ok(Self::from_bytes(bytes, generated))
    }

    fn from_bytes(bytes: [u8; 32], generated: bool) -> Self {
        let digest = Sha256::digest(bytes);
        let id = digest[..6].iter().map(|b| format!("{b:02x}")).collect::<String>();
        MasterKey { bytes: SecretBox::new(Box::new(bytes)), id: format!("k-{id}"), generated }
    }

    /// The raw key, for the encryption code only.
    pub fn expose(&self) -> &[u8; 32] {
        self.bytes.expose_secret()
    }
}

/// Loads the configured key, or in development the generated one (creating it once).
pub fn load(settings: &Settings) -> Result<MasterKey, KeyError> {
    if let Some(text) = &settings.master_key {
        return MasterKey::from_base64(text, false);
    }
    if settings.environment == Environment::Production {
        return Err(KeyError::Missing);
    }
    let key = load_or_create_dev_key(&settings.data_dir.join("master.key"))?;
    tracing::warn!(
        key_id = %key.id,
        "using a DEVELOPMENT master key generated under the data folder; set PORTAL_MASTER_KEY for real use"
    );
    Ok(key)
}

fn load_or_create_dev_key(path: &Path) -> Result<MasterKey, KeyError> {
    let file_err = |source| KeyError::File { path: path.display().to_string(), source };
    match fs::read_to_string(path) {
        Ok(text) => MasterKey::from_base64(&SecretString::from(text), true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir).map_err(file_err)?;
            }
            let mut bytes = [0u8; 32];
            rand::Rng::fill(&mut rand::rngs::OsRng, &mut bytes);
            let mut file = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map_err(file_err)?;
            file.write_all(STANDARD.encode(bytes).as_bytes()).map_err(file_err)?;
            file.sync_all().map_err(file_err)?;
            fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(file_err)?;
            Ok(MasterKey::from_bytes(bytes, true))
        }
        Err(e) => Err(file_err(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_keys_of_the_wrong_length() {
        let err = MasterKey::from_base64(&SecretString::from("c2hvcnQ="), false).unwrap_err();
        assert!(err.to_string().contains("not 32"), "{err}");
    }

    #[test]
    fn dev_key_is_created_once_with_private_permissions_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/master.key");
        let first = load_or_create_dev_key(&path).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let second = load_or_create_dev_key(&path).unwrap();
        assert_eq!(first.id, second.id);
        assert_eq!(first.expose(), second.expose());
        assert!(second.generated);
    }

    #[test]
    fn debug_output_hides_the_key() {
        let key = MasterKey::from_bytes([7u8; 32], false);
        let shown = format!("{key:?}");
        assert!(!shown.contains("7, 7"), "{shown}");
        assert!(shown.contains(&key.id));
    }
}
