//! The one error type of this crate. Variants name what went wrong; messages are
//! for the operator's log (they may name file paths), not for the public.

use std::path::PathBuf;

use thiserror::Error;

/// Everything that can go wrong while sealing or rendering a licence.
#[derive(Debug, Error)]
pub enum CertificateError {
    /// The seal's key file exists but could not be read.
    #[error("cannot read the seal key file {path}: {source}")]
    KeyFileRead {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The seal's key file could not be created.
    #[error("cannot write the seal key file {path}: {source}")]
    KeyFileWrite {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The text given as the seal's private key is not a PKCS#8 SM2 key in PEM.
    #[error("the seal key is not a PKCS#8 PEM SM2 private key: {reason}")]
    KeyFormat { reason: String },
    /// The operating system's random number generator failed.
    #[error("cannot generate a seal key: {reason}")]
    KeyGeneration { reason: String },
    /// SM2 refused to sign (a rejected nonce; practically never happens).
    #[error("cannot sign: {reason}")]
    Signing { reason: String },
    /// A public key given in hex is not an uncompressed or compressed SEC1 SM2 point.
    #[error("the public key is not a hex-encoded SEC1 SM2 point")]
    PublicKeyFormat,
    /// No CJK font was found where one is looked for.
    #[error(
        "no CJK font found (looked at {}); install the Debian package fonts-noto-cjk \
         (scripts/install-test-deps.sh does) or set ONESTAMP_FONT=path[:face index]",
        .tried.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    FontMissing { tried: Vec<PathBuf> },
    /// A font file exists but could not be read.
    #[error("cannot read the font file {path}: {source}")]
    FontRead {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The font bytes or the face index do not make a usable font.
    #[error("not a usable font (face index {index}) from {origin}")]
    FontFormat { origin: String, index: u32 },
    /// `ONESTAMP_FONT` is set but is not `path` or `path:index`.
    #[error("ONESTAMP_FONT must be `path` or `path:face index`, got {value:?}")]
    FontEnv { value: String },
    /// The font has no glyph for a character the licence needs.
    #[error("the font has no glyph for {character:?} (U+{:04X}) in {field}", u32::from(*.character))]
    MissingGlyph { character: char, field: String },
    /// The document contradicts itself, e.g. the type code in the identifier is not
    /// the document's type code.
    #[error("inconsistent licence document: {reason}")]
    Inconsistent { reason: &'static str },
    /// The content does not fit on one A4 page even at the smallest font size.
    #[error("the licence content does not fit on one page")]
    ContentTooLong,
    /// The verification URL is too long for a QR code.
    #[error("cannot encode the verification URL as a QR code: {reason}")]
    QrCode { reason: String },
    /// The PDF writer failed.
    #[error("cannot write the PDF: {reason}")]
    Pdf { reason: String },
    /// Canonical bytes that do not parse back into a licence document.
    #[error("not the canonical form of a licence document: {reason}")]
    CanonicalFormat { reason: String },
}
