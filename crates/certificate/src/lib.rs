//! Sealed electronic licences (电子证照): the signed content, the bureau's SM2 seal,
//! and the printable PDF.
//!
//! What this crate guarantees:
//!
//! - [`LicenceDocument::canonical_bytes`] is deterministic and changes when any part
//!   of the licence changes; it is the only thing that is signed.
//! - [`Seal`] signs with SM2 over SM3 and the fixed signer id [`SIGNER_ID`]; a
//!   [`Verifier`] built from a stored public key hex verifies old signatures after the
//!   bureau rotates its key. Verification of anything malformed is `false`, never a
//!   panic.
//! - [`render_pdf`] produces a one-page A4 PDF whose text (title, fields, licence
//!   id) is extractable, with the font subset embedded, a vector seal and a vector QR
//!   code that decodes exactly to the verification URL.
//!
//! - [`render_notice_pdf`] prints a case's documents (受理通知书, 补正告知书 …)
//!   on the same page and with the same seal; [`notice_canonical_bytes`] is what
//!   is signed of them.
//!
//! No database, no HTTP, no global state: pure functions, plus [`load_or_create`]
//! for the key file and [`FontSource`] for reading the font.

mod document;
mod error;
mod font;
mod layout;
mod notice;
mod pdf;
mod qr;
mod report;
mod seal;

pub use document::{
    CANONICAL_FORMAT, HolderIdentity, LicenceDocument, chinese_date, validity_text,
};
pub use error::CertificateError;
pub use font::{FONT_ENV, FontSource, SYSTEM_FONTS};
pub use notice::{
    NOTICE_FORMAT, notice_canonical_bytes, notice_from_canonical_bytes, render_notice_pdf,
};
pub use pdf::{ViewingCopy, render_pdf, render_pdf_copy};
pub use report::{
    REPORT_FORMAT, ReportContent, ReportTable, render_report_pdf, report_canonical_bytes,
};
pub use seal::{SIGNER_ID, Seal, Verifier, load_or_create};
