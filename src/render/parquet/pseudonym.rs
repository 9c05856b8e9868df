//! `--pseudonymize`: every identifier becomes HMAC-SHA256 under a key the person sharing the data
//! keeps. The same id gives the same pseudonym in every table and every archive exported with the
//! same key (joins and "the same account in two archives" still work); without the key the ids
//! cannot be recovered or confirmed by guessing. The key never comes from the command line (it
//! would sit in shell history and in `ps`).

use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::writer::hex;
use crate::error::{Error, Result};

/// The environment variable that holds the key when no `--pseudonym-key-file` is given.
pub const KEY_ENV: &str = "CHATARCHIVE_PSEUDONYM_KEY";

/// A key shorter than this is refused: HMAC is only as strong as its key.
const MIN_KEY_BYTES: usize = 16;

#[derive(Clone)]
pub struct Pseudonymizer {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for Pseudonymizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymizer(key hidden)")
    }
}

impl Pseudonymizer {
    /// The key from `file` when given, else from `$CHATARCHIVE_PSEUDONYM_KEY` (`env` is its value,
    /// read by the caller). One trailing newline of a key file is not part of the key (`echo`
    /// writes one).
    pub fn from_sources(file: Option<&Path>, env: Option<Vec<u8>>) -> Result<Pseudonymizer> {
        let key = match (file, env) {
            (Some(path), _) => {
                let mut bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
                if bytes.ends_with(b"\n") {
                    bytes.pop();
                    if bytes.ends_with(b"\r") {
                        bytes.pop();
                    }
                }
                bytes
            }
            (None, Some(bytes)) => bytes,
            (None, None) => {
                return Err(Error::Usage(format!(
                    "--pseudonymize needs a key: --pseudonym-key-file FILE or ${KEY_ENV} \
                     (at least {MIN_KEY_BYTES} bytes; e.g. `head -c 32 /dev/urandom | base64 > key`)"
                )))
            }
        };
        if key.len() < MIN_KEY_BYTES {
            return Err(Error::Usage(format!(
                "the pseudonym key is {} bytes; use at least {MIN_KEY_BYTES} \
                 (e.g. `head -c 32 /dev/urandom | base64 > key`)",
                key.len()
            )));
        }
        Ok(Pseudonymizer {
            mac: Hmac::<Sha256>::new_from_slice(&key)
                .map_err(|e| Error::Usage(format!("pseudonym key: {e}")))?,
        })
    }

    /// The pseudonym of an identifier: 64 lower-case hex digits.
    pub fn id(&self, value: &[u8]) -> String {
        let mut mac = self.mac.clone();
        mac.update(value);
        hex(&mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_4231_test_case_2() {
        // Key "Jefe" is too short for us; check the HMAC itself through the same code path.
        let p = Pseudonymizer {
            mac: Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap(),
        };
        assert_eq!(
            p.id(b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn key_sources() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("key");
        std::fs::write(&file, "0123456789abcdef0123\n").unwrap();
        let from_file =
            Pseudonymizer::from_sources(Some(&file), Some(b"other key 12345678".to_vec())).unwrap();
        let from_env =
            Pseudonymizer::from_sources(None, Some(b"0123456789abcdef0123".to_vec())).unwrap();
        // The file wins over the environment, and its trailing newline is not key.
        assert_eq!(from_file.id(b"user-1"), from_env.id(b"user-1"));
        assert_ne!(from_file.id(b"user-1"), from_file.id(b"user-2"));
        let err = Pseudonymizer::from_sources(None, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("CHATARCHIVE_PSEUDONYM_KEY"), "{err}");
        let err = Pseudonymizer::from_sources(None, Some(b"short".to_vec()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("is 5 bytes"), "{err}");
    }
}
