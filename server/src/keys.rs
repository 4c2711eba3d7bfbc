//! Loading the master key that encrypts stored Vobiz credentials.
//!
//! Production reads it from `PORTAL_MASTER_KEY` (and, during a rotation, the keys it replaces
//! from `PORTAL_PREVIOUS_MASTER_KEYS`). Development generates one once, stores it in
//! `<data dir>/master.key` with mode 0600, and says loudly that it is a development key.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use app::server::vault::{MasterKey, Vault, VaultError};
use secrecy::{ExposeSecret, SecretString};

use crate::settings::{Environment, Settings};

/// Why the key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// A configured key is malformed.
    #[error("PORTAL_MASTER_KEY: {0}")]
    Malformed(#[from] VaultError),
    /// A previous key is malformed.
    #[error("PORTAL_PREVIOUS_MASTER_KEYS, entry {index}: {source}")]
    MalformedPrevious {
        /// Position in the list, from 1.
        index: usize,
        /// What is wrong with it.
        source: VaultError,
    },
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

/// The vault: the configured key, or in development the generated one (created once).
pub fn load(settings: &Settings) -> Result<Vault, KeyError> {
    let previous = previous_keys(settings.previous_master_keys.as_ref())?;
    if let Some(text) = &settings.master_key {
        return Ok(Vault::new(MasterKey::from_base64(text)?, previous, false));
    }
    if settings.environment == Environment::Production {
        return Err(KeyError::Missing);
    }
    let key = load_or_create_dev_key(&settings.data_dir.join("master.key"))?;
    tracing::warn!(
        key_id = %key.id(),
        "using a DEVELOPMENT master key generated under the data folder; set PORTAL_MASTER_KEY for real use"
    );
    Ok(Vault::new(key, previous, true))
}

fn previous_keys(list: Option<&SecretString>) -> Result<Vec<MasterKey>, KeyError> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    list.expose_secret()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .enumerate()
        .map(|(i, text)| {
            MasterKey::from_base64(&SecretString::from(text.to_owned())).map_err(|source| {
                KeyError::MalformedPrevious {
                    index: i + 1,
                    source,
                }
            })
        })
        .collect()
}

fn load_or_create_dev_key(path: &Path) -> Result<MasterKey, KeyError> {
    let file_err = |source| KeyError::File {
        path: path.display().to_string(),
        source,
    };
    match fs::read_to_string(path) {
        Ok(text) => Ok(MasterKey::from_base64(&SecretString::from(text))?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir).map_err(file_err)?;
            }
            let key = MasterKey::generate();
            let mut file = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map_err(file_err)?;
            file.write_all(key.to_base64().expose_secret().as_bytes())
                .map_err(file_err)?;
            file.sync_all().map_err(file_err)?;
            fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(file_err)?;
            Ok(key)
        }
        Err(e) => Err(file_err(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_key_is_created_once_with_private_permissions_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/master.key");
        let first = load_or_create_dev_key(&path).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let second = load_or_create_dev_key(&path).unwrap();
        assert_eq!(first.id(), second.id());
    }

    #[test]
    fn a_malformed_previous_key_is_named_by_position() {
        let good = MasterKey::generate().to_base64();
        let list = SecretString::from(format!("{}, not-base64", good.expose_secret()));
        let err = previous_keys(Some(&list)).unwrap_err();
        assert!(err.to_string().contains("entry 2"), "{err}");
    }
}
