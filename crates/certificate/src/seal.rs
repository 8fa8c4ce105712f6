//! The bureau's seal (电子印章): an SM2 key pair that signs licences, and the
//! [`Verifier`] that checks them with nothing but a public key.
//!
//! Algorithms and encodings, fixed because signatures outlive the code:
//!
//! - SM2 digital signature (GB/T 32918.2) with SM3 (GB/T 32905) as the digest,
//!   RustCrypto `sm2` 0.14. The signer's distinguishing identifier is the
//!   GM/T 0009 default [`SIGNER_ID`] `1234567812345678`, as OpenSSL 3 and most Chinese
//!   government tooling assume; changing it would make every earlier signature fail.
//! - A signature is the lower-case hex of its ASN.1 DER encoding
//!   (`SEQUENCE { r INTEGER, s INTEGER }`, GM/T 0009), 140–144 hex digits. This is
//!   what `openssl pkeyutl -verify` and other SM2 tools read.
//! - A public key is the lower-case hex of its uncompressed SEC1 point (`04 ‖ x ‖ y`,
//!   130 hex digits); [`Verifier::from_public_key_hex`] also accepts the compressed
//!   form.
//! - The key id is the first 16 hex digits of SM3 over the uncompressed SEC1 point:
//!   stable for a key, different across keys, so the app can keep every retired
//!   public key by its id and still verify the licences it sealed.
//! - The private key is stored as an unencrypted PKCS#8 PEM (`BEGIN PRIVATE KEY`),
//!   readable by `openssl pkey`; on unix [`load_or_create`] creates it with mode 0600.

use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use sm2::SecretKey;
use sm2::dsa::signature::{Signer, Verifier as _};
use sm2::dsa::{DerSignature, Signature, SigningKey, VerifyingKey};
use sm2::elliptic_curve::Generate;
use sm2::elliptic_curve::sec1::ToSec1Point;
use sm2::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use sm3::{Digest, Sm3};
use zeroize::Zeroizing;

use crate::CertificateError;

/// The SM2 signer distinguishing identifier (`ID_A`) used for every signature: the
/// GM/T 0009-2012 default. Part of the signature format; never change it.
pub const SIGNER_ID: &str = "1234567812345678";

/// The bureau's signing key. `Debug` shows only the key id.
pub struct Seal {
    signing_key: SigningKey,
    verifier: Verifier,
}

impl Seal {
    /// Generates a new key from the operating system's random number generator.
    pub fn generate() -> Result<Seal, CertificateError> {
        let secret = SecretKey::try_generate().map_err(|e| CertificateError::KeyGeneration {
            reason: e.to_string(),
        })?;
        Seal::from_secret_key(&secret)
    }

    /// Reads a PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`).
    pub fn from_pem(pem: &str) -> Result<Seal, CertificateError> {
        let secret =
            SecretKey::from_pkcs8_pem(pem.trim()).map_err(|e| CertificateError::KeyFormat {
                reason: e.to_string(),
            })?;
        Seal::from_secret_key(&secret)
    }

    fn from_secret_key(secret: &SecretKey) -> Result<Seal, CertificateError> {
        let signing_key =
            SigningKey::new(SIGNER_ID, secret).map_err(|e| CertificateError::KeyFormat {
                reason: e.to_string(),
            })?;
        let verifier = Verifier::new(signing_key.verifying_key().clone());
        Ok(Seal {
            signing_key,
            verifier,
        })
    }

    /// The private key as PKCS#8 PEM with `\n` line endings; wiped from memory when
    /// dropped.
    pub fn to_pem(&self) -> Result<Zeroizing<String>, CertificateError> {
        let secret = SecretKey::from(self.signing_key.as_nonzero_scalar());
        secret
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| CertificateError::KeyFormat {
                reason: e.to_string(),
            })
    }

    /// The key id: first 16 hex digits of SM3 over the uncompressed public point.
    pub fn key_id(&self) -> &str {
        self.verifier.key_id()
    }

    /// The public key as hex of the uncompressed SEC1 point (130 digits).
    pub fn public_key_hex(&self) -> &str {
        self.verifier.public_key_hex()
    }

    /// The verifier for this seal's signatures.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// Signs `message` (for a licence, its [canonical bytes]) and returns the hex of
    /// the DER signature. Signing is deterministic (RFC 6979 nonces): the same key and
    /// message give the same signature. The error is theoretical (a nonce that SM2
    /// rejects, probability about 2⁻²⁵⁶) but is reported rather than panicking.
    ///
    /// [canonical bytes]: crate::LicenceDocument::canonical_bytes
    pub fn sign(&self, message: &[u8]) -> Result<String, CertificateError> {
        let signature: Signature =
            self.signing_key
                .try_sign(message)
                .map_err(|e| CertificateError::Signing {
                    reason: e.to_string(),
                })?;
        Ok(hex::encode(DerSignature::from(signature).as_bytes()))
    }
}

impl fmt::Debug for Seal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Seal")
            .field("key_id", &self.key_id())
            .finish_non_exhaustive()
    }
}

/// Checks signatures against one public key. Built from the hex the app keeps for
/// every key it ever sealed with, so licences stay verifiable after key rotation.
#[derive(Clone)]
pub struct Verifier {
    key: VerifyingKey,
    key_id: String,
    public_key_hex: String,
}

impl Verifier {
    fn new(key: VerifyingKey) -> Verifier {
        let point = key.to_sec1_point(false);
        let key_id = hex::encode(Sm3::digest(point.as_bytes()))
            .chars()
            .take(16)
            .collect();
        let public_key_hex = hex::encode(point.as_bytes());
        Verifier {
            key,
            key_id,
            public_key_hex,
        }
    }

    /// Reads a public key written by [`Seal::public_key_hex`] (or a compressed SEC1
    /// point); upper- or lower-case hex, surrounding whitespace ignored.
    pub fn from_public_key_hex(public_key_hex: &str) -> Result<Verifier, CertificateError> {
        let bytes =
            hex::decode(public_key_hex.trim()).map_err(|_| CertificateError::PublicKeyFormat)?;
        let key = VerifyingKey::from_sec1_bytes(SIGNER_ID, &bytes)
            .map_err(|_| CertificateError::PublicKeyFormat)?;
        Ok(Verifier::new(key))
    }

    /// The key id, as [`Seal::key_id`].
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The public key as hex of the uncompressed SEC1 point.
    pub fn public_key_hex(&self) -> &str {
        &self.public_key_hex
    }

    /// Whether `signature` (hex of a DER SM2 signature, as [`Seal::sign`] returns)
    /// is this key's signature of `message`. Anything malformed is simply `false`.
    pub fn verify(&self, message: &[u8], signature: &str) -> bool {
        let Ok(der) = hex::decode(signature.trim()) else {
            return false;
        };
        let Ok(der) = DerSignature::from_bytes(&der) else {
            return false;
        };
        let Ok(signature) = Signature::try_from(der) else {
            return false;
        };
        self.key.verify(message, &signature).is_ok()
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// Reads the seal from the PEM file at `path`, or, if there is no file, generates a
/// key and writes it there (creating missing parent directories) before returning it.
///
/// Creation is atomic and never overwrites: the key is written to a temporary file
/// beside `path` (mode 0600 on unix) and hard-linked into place, so two processes
/// starting at once end up with the same key, and a crash leaves no half-written
/// key file. A file that exists but does not parse is an error, never replaced.
pub fn load_or_create(path: &Path) -> Result<Seal, CertificateError> {
    match fs::read_to_string(path) {
        Ok(pem) => return Seal::from_pem(&pem),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(CertificateError::KeyFileRead {
                path: path.to_owned(),
                source,
            });
        }
    }
    let seal = Seal::generate()?;
    let write_error = |source| CertificateError::KeyFileWrite {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(write_error)?;
    }
    let temporary = temporary_path(path);
    let written = write_private(&temporary, seal.to_pem()?.as_bytes())
        .and_then(|()| fs::hard_link(&temporary, path));
    // The temporary name is ours alone; remove it whether or not the link worked.
    let _ = fs::remove_file(&temporary);
    match written {
        Ok(()) => Ok(seal),
        // Another process created the key first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let pem = fs::read_to_string(path).map_err(|source| CertificateError::KeyFileRead {
                path: path.to_owned(),
                source,
            })?;
            Seal::from_pem(&pem)
        }
        Err(source) => Err(write_error(source)),
    }
}

fn temporary_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.tmp", std::process::id()));
    path.with_file_name(name)
}

/// Writes a new file readable by its owner only (on unix), synced to disk.
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_with_the_seals_public_key() {
        let seal = Seal::generate().unwrap();
        let signature = seal.sign(b"licence").unwrap();
        let verifier = Verifier::from_public_key_hex(seal.public_key_hex()).unwrap();
        assert!(verifier.verify(b"licence", &signature));
        assert!(seal.verifier().verify(b"licence", &signature));
        assert_eq!(verifier.key_id(), seal.key_id());
        assert_eq!(seal.public_key_hex().len(), 130);
        assert!(seal.public_key_hex().starts_with("04"));
        assert_eq!(seal.key_id().len(), 16);
    }

    #[test]
    fn signing_is_deterministic() {
        let seal = Seal::generate().unwrap();
        assert_eq!(seal.sign(b"x").unwrap(), seal.sign(b"x").unwrap());
    }

    #[test]
    fn a_tampered_message_or_signature_does_not_verify() {
        let seal = Seal::generate().unwrap();
        let signature = seal.sign(b"holder: A").unwrap();
        assert!(!seal.verifier().verify(b"holder: B", &signature));
        let mut flipped = signature.clone().into_bytes();
        let last = flipped.len() - 1;
        flipped[last] = if flipped[last] == b'0' { b'1' } else { b'0' };
        let flipped = String::from_utf8(flipped).unwrap();
        assert!(!seal.verifier().verify(b"holder: A", &flipped));
        assert!(!seal.verifier().verify(b"holder: A", "not hex"));
        assert!(!seal.verifier().verify(b"holder: A", ""));
    }

    #[test]
    fn another_keys_signature_does_not_verify() {
        let seal = Seal::generate().unwrap();
        let other = Seal::generate().unwrap();
        let signature = other.sign(b"licence").unwrap();
        assert!(!seal.verifier().verify(b"licence", &signature));
        assert_ne!(seal.key_id(), other.key_id());
    }

    /// A signature made by `openssl pkeyutl -sign -rawin -digest sm3 -pkeyopt
    /// distid:1234567812345678` (OpenSSL 3.0.19) verifies here; the other direction
    /// was checked by hand with `openssl pkeyutl -verify` and the same options.
    #[test]
    fn an_openssl_signature_verifies() {
        let verifier = Verifier::from_public_key_hex(
            "04634c1bdbc78704a40a9dbfd54220cd92bcd4e9bafbdb3ccfce38ca914321d90e6b83ae7736fd692480eabba26dd8099e339e2be47652ec1ddc7d3d729110e0a8",
        )
        .unwrap();
        let openssl = "304402203022717a78c191dcda4099fa67451cc93b3700a92a7667b70d513e80dd8569a302205fd2dcb65fabcecaa0d7f1c934fb6315ed7e8e4aa050899f2fe584fa7edf9ee2";
        assert!(verifier.verify(b"hello licence", openssl));
        assert!(!verifier.verify(b"hello licence!", openssl));
    }

    #[test]
    fn a_bad_public_key_is_rejected() {
        assert!(Verifier::from_public_key_hex("04abcd").is_err());
        assert!(Verifier::from_public_key_hex("zz").is_err());
    }

    #[test]
    fn the_pem_round_trips_to_the_same_key() {
        let seal = Seal::generate().unwrap();
        let pem = seal.to_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        let again = Seal::from_pem(&pem).unwrap();
        assert_eq!(again.public_key_hex(), seal.public_key_hex());
        assert_eq!(again.key_id(), seal.key_id());
        assert!(seal.verifier().verify(b"m", &again.sign(b"m").unwrap()));
        assert!(Seal::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n").is_err());
    }

    #[test]
    fn debug_does_not_show_the_private_key() {
        let seal = Seal::generate().unwrap();
        let debug = format!("{seal:?}");
        assert!(debug.contains(seal.key_id()));
        assert!(!debug.contains("PRIVATE"));
    }

    #[test]
    fn load_or_create_creates_the_key_once_then_reads_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys").join("seal.pem");
        let created = load_or_create(&path).unwrap();
        assert!(path.exists());
        let read = load_or_create(&path).unwrap();
        assert_eq!(read.key_id(), created.key_id());
        assert_eq!(read.public_key_hex(), created.public_key_hex());
        let leftovers: Vec<_> = fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn load_or_create_refuses_a_corrupt_key_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seal.pem");
        fs::write(&path, "garbage").unwrap();
        assert!(matches!(
            load_or_create(&path),
            Err(CertificateError::KeyFormat { .. })
        ));
        assert_eq!(fs::read_to_string(&path).unwrap(), "garbage");
    }
}
