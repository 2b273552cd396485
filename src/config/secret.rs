//! The cookie-sealing key: parsing, generating, and the development key
//! kept under `data/`.

use std::fmt;
use std::path::Path;

use actix_web::cookie::Key;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::ConfigError;

/// Where the development secret key is kept (relative to the working directory).
pub const DEV_KEY_FILE: &str = "data/secret_key";

/// The cookie-sealing key; its `Debug` never shows the bytes.
#[derive(Clone)]
pub struct SecretKey(pub Key);

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

impl SecretKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        Self(Key::generate())
    }

    /// Decodes base64 of at least 64 bytes.
    pub fn from_base64(encoded: &str) -> Result<Self, String> {
        let bytes = BASE64
            .decode(encoded.trim())
            .map_err(|_| "expected base64 (make one with `session-auth generate-secret`)")?;
        Key::try_from(bytes.as_slice())
            .map(Self)
            .map_err(|_| format!("decodes to {} bytes, at least 64 are needed", bytes.len()))
    }

    /// Base64 of 64 new random bytes: a value for `SECRET_KEY`.
    pub fn generate_base64() -> String {
        BASE64.encode(Key::generate().master())
    }
}

/// `SECRET_KEY_FALLBACKS`: comma-separated keys.
pub(super) fn parse_keys(value: &str) -> Result<Vec<SecretKey>, String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(SecretKey::from_base64)
        .collect()
}

/// Loads the development key, creating it (mode 0600) on first use.
pub(super) fn load_or_create_dev_key(path: &Path) -> Result<SecretKey, ConfigError> {
    let io_err = |source| ConfigError::DevKey {
        path: path.display().to_string(),
        source,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => SecretKey::from_base64(&text).map_err(|reason| ConfigError::InvalidSecret {
            name: "SECRET_KEY (development key file)",
            reason: format!(
                "{}: {reason}; delete the file to make a new one",
                path.display()
            ),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(io_err)?;
            }
            let encoded = SecretKey::generate_base64();
            write_private(path, &encoded).map_err(io_err)?;
            log::info!("generated a development secret key in {}", path.display());
            SecretKey::from_base64(&encoded).map_err(|reason| ConfigError::InvalidSecret {
                name: "SECRET_KEY (development key file)",
                reason,
            })
        }
        Err(e) => Err(io_err(e)),
    }
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())?;
    file.write_all(b"\n")
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_development_key_is_created_once_and_kept_private() {
        let dir = std::env::temp_dir().join(format!("sa-key-{}", rand::random::<u64>()));
        let path = dir.join("secret_key");
        let first = load_or_create_dev_key(&path).unwrap();
        let second = load_or_create_dev_key(&path).unwrap();
        assert_eq!(first.0.master(), second.0.master());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
