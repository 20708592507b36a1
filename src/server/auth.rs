//! Shopper tokens and customer identity verification.
//!
//! A shopper token is `<shopper id>.<HMAC-SHA256 of it>` under the server's secret: opaque to
//! the widget, unforgeable without the secret, and checkable without a store lookup. Secrets
//! rotate: new tokens are signed with the current secret, and tokens signed with a listed
//! previous secret are still accepted. A logged-in customer arrives as an id signed by the
//! shop's server with the identity secret (identity verification).

use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::profile::ShopperId;

type HmacSha256 = Hmac<Sha256>;

/// Signs and checks shopper tokens.
#[derive(Clone)]
pub struct Tokens {
    current: Vec<u8>,
    previous: Vec<Vec<u8>>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tokens(<secret>)")
    }
}

impl Tokens {
    pub fn new(current: &[u8], previous: &[Vec<u8>]) -> Tokens {
        Tokens { current: current.to_vec(), previous: previous.to_vec() }
    }

    /// The token for a shopper.
    pub fn sign(&self, shopper: ShopperId) -> String {
        let id = shopper.to_string();
        format!("{id}.{}", hex::encode(mac(&self.current, id.as_bytes())))
    }

    /// The shopper a token names, when it was signed with the current or a previous secret;
    /// `None` for anything forged, truncated, or signed elsewhere.
    pub fn verify(&self, token: &str) -> Option<ShopperId> {
        let (id, tag) = token.split_once('.')?;
        let tag = hex::decode(tag).ok()?;
        let valid = std::iter::once(&self.current).chain(&self.previous).any(|secret| {
            let Ok(mut m) = HmacSha256::new_from_slice(secret) else { return false };
            m.update(id.as_bytes());
            m.verify_slice(&tag).is_ok()
        });
        if valid { id.parse().ok() } else { None }
    }
}

/// Whether `signature` (hex) is the HMAC-SHA256 of `customer_id` under `secret`, compared in
/// constant time.
pub fn customer_signature_valid(secret: &str, customer_id: &str, signature: &str) -> bool {
    let Ok(tag) = hex::decode(signature.trim()) else { return false };
    let Ok(mut m) = HmacSha256::new_from_slice(secret.as_bytes()) else { return false };
    m.update(customer_id.as_bytes());
    m.verify_slice(&tag).is_ok()
}

/// The hex signature a shop's server computes for a customer id (for docs and tests).
pub fn sign_customer(secret: &str, customer_id: &str) -> String {
    hex::encode(mac(secret.as_bytes(), customer_id.as_bytes()))
}

fn mac(secret: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut m = HmacSha256::new_from_slice(secret).unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

/// The token secret: the configured one, else the one generated into `data_dir/secret` on
/// first start (32 random bytes as 64 hex digits, file mode 0600, written atomically so a
/// crash leaves no partial file), so tokens survive restarts.
///
/// An empty configured secret is refused. An empty file (left by a crash of a release that
/// wrote it in place, before any token was signed) is replaced with a new secret; a file that
/// holds anything but 64 hex digits is reported as corrupt, never overwritten: tokens signed
/// with the lost secret would all be invalid.
pub fn load_or_create_secret(configured: Option<&str>, data_dir: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind};
    if let Some(secret) = configured {
        if secret.trim().is_empty() {
            return Err(Error::new(ErrorKind::InvalidInput, "the configured secret is empty"));
        }
        return Ok(secret.as_bytes().to_vec());
    }
    let path = data_dir.join("secret");
    match std::fs::read(&path) {
        Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => {
            tracing::warn!(path = %path.display(), "the token secret file is empty (an interrupted first start?); generating a new one");
        }
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let text = text.trim();
            if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Ok(text.as_bytes().to_vec());
            }
            let message = format!(
                "{} is corrupt (not 64 hex digits); restore it from a backup, or delete it to start \
                 with a new secret (every shopper token issued so far then starts a new shopper)",
                path.display()
            );
            return Err(Error::new(ErrorKind::InvalidData, message));
        }
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    crate::files::private_dir(data_dir)?;
    let secret = hex::encode(rand::random::<[u8; 32]>());
    crate::files::write_private_atomically(&path, secret.as_bytes())?;
    Ok(secret.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_token_verifies_and_names_its_shopper() {
        let tokens = Tokens::new(b"secret", &[]);
        let id = ShopperId::random();
        assert_eq!(tokens.verify(&tokens.sign(id)), Some(id));
    }

    #[test]
    fn forged_truncated_and_foreign_tokens_are_refused() {
        let tokens = Tokens::new(b"secret", &[]);
        let token = tokens.sign(ShopperId::random());
        let other = ShopperId::random().to_string();
        let forged = format!("{other}{}", &token[token.find('.').unwrap()..]);
        assert_eq!(tokens.verify(&forged), None);
        assert_eq!(tokens.verify(&token[..token.len() - 2]), None);
        assert_eq!(tokens.verify("garbage"), None);
        assert_eq!(Tokens::new(b"another shop", &[]).verify(&token), None);
    }

    #[test]
    fn tokens_signed_with_a_previous_secret_survive_rotation() {
        let old = Tokens::new(b"old", &[]);
        let token = old.sign(ShopperId::random());
        let rotated = Tokens::new(b"new", &[b"old".to_vec()]);
        assert!(rotated.verify(&token).is_some());
        assert!(Tokens::new(b"new", &[]).verify(&token).is_none());
    }

    #[test]
    fn customer_signatures_are_checked() {
        let signature = sign_customer("shared", "c-42");
        assert!(customer_signature_valid("shared", "c-42", &signature));
        assert!(!customer_signature_valid("shared", "c-43", &signature));
        assert!(!customer_signature_valid("other", "c-42", &signature));
        assert!(!customer_signature_valid("shared", "c-42", "zz"));
    }

    #[test]
    fn a_generated_secret_is_kept_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create_secret(None, dir.path()).unwrap();
        assert_eq!(first, load_or_create_secret(None, dir.path()).unwrap());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("secret")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn an_empty_secret_file_left_by_a_crash_does_not_block_the_next_start() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("secret"), b"").unwrap();
        let secret = load_or_create_secret(None, dir.path()).unwrap();
        assert_eq!(secret.len(), 64);
        assert_eq!(load_or_create_secret(None, dir.path()).unwrap(), secret, "and the new one is kept");
    }

    #[test]
    fn a_corrupt_secret_file_is_reported_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("secret"), b"half a secr").unwrap();
        let error = load_or_create_secret(None, dir.path()).unwrap_err();
        assert!(error.to_string().contains("corrupt"), "{error}");
        assert_eq!(std::fs::read(dir.path().join("secret")).unwrap(), b"half a secr");
    }

    #[test]
    fn an_empty_configured_secret_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(load_or_create_secret(Some(""), dir.path()).is_err());
    }
}
