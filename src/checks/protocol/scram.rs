//! The client side of SCRAM-SHA-256 (RFC 5802, RFC 7677), as PostgreSQL asks for it: the
//! first message with a fresh nonce, the proof computed from the server's salt and
//! iteration count, and the check of the server's signature. No channel binding.

use base64ct::{Base64, Encoding};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// The most PBKDF2 iterations accepted (PostgreSQL uses 4096; a huge count is a DoS).
const MAX_ITERATIONS: u32 = 1_000_000;

/// A SCRAM exchange in progress: what the client sent first and its nonce.
pub struct Scram {
    nonce: String,
    client_first_bare: String,
}

/// What the client sends after the server's first message, and what it then expects.
pub struct ClientFinal {
    pub message: String,
    server_signature: [u8; 32],
}

impl Scram {
    /// Starts an exchange with a random nonce.
    pub fn new() -> Result<Scram, String> {
        let mut random = [0u8; 18];
        getrandom::fill(&mut random).map_err(|e| format!("no random numbers for SCRAM: {e}"))?;
        // PostgreSQL takes the user from the startup message and ignores this one.
        Ok(Scram::with_nonce("", &Base64::encode_string(&random)))
    }

    fn with_nonce(user: &str, nonce: &str) -> Scram {
        Scram { nonce: nonce.to_owned(), client_first_bare: format!("n={user},r={nonce}") }
    }

    /// The client-first message (no channel binding, the user name left to the startup message).
    pub fn client_first(&self) -> String {
        format!("n,,{}", self.client_first_bare)
    }

    /// The client-final message for the server-first message `server_first`.
    pub fn client_final(&self, server_first: &str, password: &str) -> Result<ClientFinal, String> {
        let attribute = |name: char| {
            server_first.split(',').find_map(|part| part.strip_prefix(name).and_then(|rest| rest.strip_prefix('=')))
        };
        let malformed = || format!("SCRAM: expected 'r=...,s=...,i=...' from the server, got '{server_first}'");
        let nonce = attribute('r').ok_or_else(malformed)?;
        let salt = attribute('s').and_then(|s| Base64::decode_vec(s).ok()).ok_or_else(malformed)?;
        let iterations: u32 = attribute('i').and_then(|i| i.parse().ok()).ok_or_else(malformed)?;
        if !nonce.starts_with(&self.nonce) || nonce.len() == self.nonce.len() {
            return Err(format!("SCRAM: the server's nonce does not extend ours: '{server_first}'"));
        }
        if iterations == 0 || iterations > MAX_ITERATIONS {
            return Err(format!("SCRAM: expected 1 to {MAX_ITERATIONS} iterations, got {iterations}"));
        }
        let salted = pbkdf2_sha256(password.as_bytes(), &salt, iterations);
        let client_key = hmac_sha256(&salted, b"Client Key");
        let stored_key: [u8; 32] = sha256(&client_key);
        let without_proof = format!("c=biws,r={nonce}");
        let auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);
        let signature = hmac_sha256(&stored_key, auth_message.as_bytes());
        let proof: Vec<u8> = client_key.iter().zip(signature).map(|(k, s)| k ^ s).collect();
        let server_key = hmac_sha256(&salted, b"Server Key");
        Ok(ClientFinal {
            message: format!("{without_proof},p={}", Base64::encode_string(&proof)),
            server_signature: hmac_sha256(&server_key, auth_message.as_bytes()),
        })
    }
}

impl ClientFinal {
    /// Checks the server-final message: the server proves it knows the password too.
    pub fn verify(&self, server_final: &str) -> Result<(), String> {
        if let Some(error) = server_final.strip_prefix("e=") {
            return Err(format!("SCRAM: the server refused the proof: {error}"));
        }
        let signature = server_final
            .strip_prefix("v=")
            .and_then(|v| Base64::decode_vec(v.split(',').next().unwrap_or_default()).ok())
            .ok_or_else(|| format!("SCRAM: expected 'v=<signature>' from the server, got '{server_final}'"))?;
        if signature != self.server_signature {
            return Err("SCRAM: the server's signature does not match (it does not know the password)".to_owned());
        }
        Ok(())
    }
}

fn sha256(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(&Sha256::digest(data));
    out
}

/// HMAC-SHA-256 (RFC 2104), SCRAM's `HMAC()`.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC takes a key of any length (a long one is hashed first): this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// PBKDF2 with HMAC-SHA-256, one 32-byte block (RFC 8018), as SCRAM's `Hi()`.
fn pbkdf2_sha256(password: &[u8], salt: &[u8], iterations: u32) -> [u8; 32] {
    pbkdf2::pbkdf2_hmac_array::<Sha256, 32>(password, salt, iterations)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn hmac_and_pbkdf2_match_known_vectors() {
        // RFC 4231 test case 2.
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // PBKDF2-HMAC-SHA256("password", "salt", 2), the first 32 bytes.
        assert_eq!(
            hex(&pbkdf2_sha256(b"password", b"salt", 2)),
            "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43"
        );
    }

    #[test]
    fn rfc7677_exchange() {
        let scram = Scram::with_nonce("user", "rOprNGfwEbeRWgbNEkqO");
        assert_eq!(scram.client_first(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        let server_first = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
        let last = scram.client_final(server_first, "pencil").unwrap();
        assert_eq!(
            last.message,
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        assert_eq!(last.verify("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="), Ok(()));
        assert!(last.verify("v=AAAA").unwrap_err().contains("does not match"));
        assert_eq!(
            last.verify("e=invalid-proof"),
            Err("SCRAM: the server refused the proof: invalid-proof".to_owned())
        );
    }

    #[test]
    fn a_foreign_nonce_is_refused() {
        let scram = Scram::with_nonce("", "abc");
        let error = scram.client_final("r=xyz123,s=AAAA,i=4096", "pw").err().unwrap();
        assert!(error.contains("does not extend ours"), "{error}");
    }
}
