//! Passkeys (WebAuthn) through `webauthn-rs`: the relying party built once
//! from `PUBLIC_URL` and `WEBAUTHN_RP_ID`, and the two ceremonies. The
//! ceremony state and the credentials leave here as JSON text for the
//! database (`db::passkeys`); the browser only ever sees the options.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Url, Uuid, Webauthn, WebauthnBuilder,
};

/// How long a ceremony waits for the authenticator.
pub const CEREMONY_TTL: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// The relying party.
pub struct Passkeys {
    webauthn: Webauthn,
}

/// A ceremony begun: the options for `navigator.credentials`, and the state
/// the server keeps until the answer comes.
pub struct Started {
    /// `{"publicKey": …}` for the browser.
    pub options: Value,
    /// The ceremony's state, as JSON text (kept on the server only).
    pub state: String,
}

/// A credential that passed a ceremony.
pub struct Verified {
    /// Its credential id, base64url without padding.
    pub credential_id: String,
    /// The `Passkey` (public key, sign counter) as JSON text.
    pub credential: String,
}

/// Why a ceremony failed (logged; the client gets one message).
#[derive(Debug, thiserror::Error)]
pub enum CeremonyError {
    /// The client's answer is not a credential of the expected shape.
    #[error("malformed credential: {0}")]
    Malformed(String),
    /// webauthn-rs refused it (signature, challenge, origin, flags, counter…).
    #[error("refused: {0}")]
    Refused(String),
    /// The sign counter did not move forward.
    #[error("the sign counter went from {stored} to {seen}: a cloned authenticator?")]
    Counter {
        /// Stored before.
        stored: u64,
        /// In this answer.
        seen: u64,
    },
    /// The stored state or credential does not read back (a bug or an old row).
    #[error("stored state unreadable: {0}")]
    Stored(String),
}

impl Passkeys {
    /// The relying party `rp_id` for pages served at `origin`; `rp_id` must
    /// be the origin's host or a parent domain of it.
    pub fn new(origin: &str, rp_id: &str) -> anyhow::Result<Self> {
        let url = Url::parse(origin).map_err(|e| anyhow::anyhow!("PUBLIC_URL {origin}: {e}"))?;
        let webauthn = WebauthnBuilder::new(rp_id, &url)
            .and_then(|b| b.rp_name("session-auth").build())
            .map_err(|e| {
                anyhow::anyhow!(
                    "invalid WEBAUTHN_RP_ID={rp_id:?}: it must be the host of PUBLIC_URL ({origin}) or a domain above it ({e})"
                )
            })?;
        Ok(Self { webauthn })
    }

    /// The user handle an authenticator stores with the account's passkeys:
    /// the same for every passkey of the account, not its id in clear.
    pub fn user_handle(user_id: i32) -> Uuid {
        let digest = Sha256::digest(format!("session-auth passkey user {user_id}").as_bytes());
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        Uuid::from_bytes(bytes)
    }

    /// Starts adding a passkey to the account; `existing` (credential ids,
    /// base64url) are excluded so one authenticator is not added twice.
    /// The options ask for a discoverable credential (resident key) with
    /// user verification.
    pub fn start_registration(
        &self,
        user_id: i32,
        username: &str,
        existing: &[String],
    ) -> anyhow::Result<Started> {
        let exclude: Vec<_> = existing
            .iter()
            .filter_map(|id| URL_SAFE_NO_PAD.decode(id).ok())
            .collect();
        let (ccr, state) = self
            .webauthn
            .start_passkey_registration(
                Self::user_handle(user_id),
                username,
                username,
                Some(exclude).filter(|e: &Vec<_>| !e.is_empty()),
            )
            .map_err(|e| anyhow::anyhow!("starting a passkey registration: {e}"))?;
        let mut options = serde_json::to_value(&ccr)?;
        // Discoverable: the login page asks for a passkey without a username.
        if let Some(selection) = options
            .pointer_mut("/publicKey/authenticatorSelection")
            .and_then(Value::as_object_mut)
        {
            selection.insert("residentKey".into(), "required".into());
            selection.insert("requireResidentKey".into(), true.into());
        }
        Ok(Started {
            options,
            state: serde_json::to_string(&state)?,
        })
    }

    /// Checks the authenticator's answer to the registration `state`.
    pub fn finish_registration(
        &self,
        credential: &Value,
        state: &str,
    ) -> Result<Verified, CeremonyError> {
        let state: PasskeyRegistration =
            serde_json::from_str(state).map_err(|e| CeremonyError::Stored(e.to_string()))?;
        let answer: RegisterPublicKeyCredential = serde_json::from_value(credential.clone())
            .map_err(|e| CeremonyError::Malformed(e.to_string()))?;
        let passkey = self
            .webauthn
            .finish_passkey_registration(&answer, &state)
            .map_err(|e| CeremonyError::Refused(e.to_string()))?;
        Ok(Verified {
            credential_id: URL_SAFE_NO_PAD.encode(passkey.cred_id()),
            credential: serde_json::to_string(&passkey)
                .map_err(|e| CeremonyError::Stored(e.to_string()))?,
        })
    }

    /// Starts a login with any passkey of this site (no username: the
    /// authenticator offers its discoverable credentials).
    pub fn start_login(&self) -> anyhow::Result<Started> {
        let (rcr, state) = self
            .webauthn
            .start_discoverable_authentication()
            .map_err(|e| anyhow::anyhow!("starting a passkey login: {e}"))?;
        let mut options = serde_json::to_value(&rcr)?;
        // A button starts it, not the username field's autofill.
        if let Some(object) = options.as_object_mut() {
            object.remove("mediation");
        }
        Ok(Started {
            options,
            state: serde_json::to_string(&state)?,
        })
    }

    /// The credential id (base64url) and user handle a login answer names,
    /// to find the stored passkey by.
    pub fn identify(&self, credential: &Value) -> Result<(String, Uuid), CeremonyError> {
        let answer: PublicKeyCredential = serde_json::from_value(credential.clone())
            .map_err(|e| CeremonyError::Malformed(e.to_string()))?;
        let (handle, id) = self
            .webauthn
            .identify_discoverable_authentication(&answer)
            .map_err(|e| CeremonyError::Malformed(e.to_string()))?;
        Ok((URL_SAFE_NO_PAD.encode(id), handle))
    }

    /// Checks a login answer against its `state` and the stored passkey
    /// `stored` (JSON text); returns the passkey to store back (its sign
    /// counter moved on). A counter that does not go forward, when either
    /// value is non-zero, is refused.
    pub fn finish_login(
        &self,
        credential: &Value,
        state: &str,
        stored: &str,
    ) -> Result<String, CeremonyError> {
        let state: DiscoverableAuthentication =
            serde_json::from_str(state).map_err(|e| CeremonyError::Stored(e.to_string()))?;
        let mut passkey: Passkey =
            serde_json::from_str(stored).map_err(|e| CeremonyError::Stored(e.to_string()))?;
        let before = stored_counter(stored);
        let answer: PublicKeyCredential = serde_json::from_value(credential.clone())
            .map_err(|e| CeremonyError::Malformed(e.to_string()))?;
        let result = self
            .webauthn
            .finish_discoverable_authentication_v2(&answer, state, &passkey)
            .map_err(|e| CeremonyError::Refused(e.to_string()))?;
        let seen = u64::from(result.counter());
        if (seen > 0 || before > 0) && seen <= before {
            return Err(CeremonyError::Counter {
                stored: before,
                seen,
            });
        }
        passkey.update_credential(&result);
        serde_json::to_string(&passkey).map_err(|e| CeremonyError::Stored(e.to_string()))
    }
}

/// The sign counter inside a stored `Passkey`'s JSON (0 when absent).
fn stored_counter(stored: &str) -> u64 {
    serde_json::from_str::<Value>(stored)
        .ok()
        .and_then(|v| v.pointer("/cred/counter").and_then(Value::as_u64))
        .unwrap_or(0)
}

/// A new ceremony id: 32 random bytes, base64url.
pub fn ceremony_id() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rp_id_must_match_the_origin() {
        assert!(Passkeys::new("http://localhost:8080", "localhost").is_ok());
        assert!(Passkeys::new("https://login.example.com", "example.com").is_ok());
        let error = Passkeys::new("https://login.example.com", "other.com")
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("WEBAUTHN_RP_ID"), "{error}");
    }

    #[test]
    fn registration_asks_for_a_discoverable_credential_and_login_names_no_user() {
        let rp = Passkeys::new("http://localhost:8080", "localhost").unwrap();
        let reg = rp.start_registration(7, "ann", &[]).unwrap();
        let selection = &reg.options["publicKey"]["authenticatorSelection"];
        assert_eq!(selection["residentKey"], "required");
        assert_eq!(selection["userVerification"], "required");
        assert_eq!(reg.options["publicKey"]["rp"]["id"], "localhost");
        let login = rp.start_login().unwrap();
        assert!(login.options.get("mediation").is_none());
        let allowed = &login.options["publicKey"]["allowCredentials"];
        assert!(allowed.is_null() || allowed.as_array().is_some_and(Vec::is_empty));
        assert_eq!(
            Passkeys::user_handle(7),
            Passkeys::user_handle(7),
            "one handle per account"
        );
        assert_ne!(Passkeys::user_handle(7), Passkeys::user_handle(8));
    }

    #[test]
    fn garbage_answers_are_malformed_not_panics() {
        let rp = Passkeys::new("http://localhost:8080", "localhost").unwrap();
        let reg = rp.start_registration(7, "ann", &[]).unwrap();
        for garbage in [
            serde_json::json!(null),
            serde_json::json!("x"),
            serde_json::json!({"id": "a", "rawId": "!!", "type": "public-key"}),
        ] {
            assert!(matches!(
                rp.finish_registration(&garbage, &reg.state),
                Err(CeremonyError::Malformed(_))
            ));
            assert!(rp.identify(&garbage).is_err());
        }
    }
}
