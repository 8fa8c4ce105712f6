//! The verification QR code, drawn as vector rectangles (no raster image), so it
//! stays sharp at any zoom or print resolution.

use krilla::geom::{Path, PathBuilder, Rect};
use qrcode::{Color, EcLevel, QrCode};

use crate::CertificateError;

/// The light margin around the symbol, in modules, that ISO/IEC 18004 requires.
pub(crate) const QUIET_ZONE: usize = 4;

/// The modules of a QR code symbol, row by row, without quiet zone.
pub(crate) struct QrMatrix {
    width: usize,
    dark: Vec<bool>,
}

impl QrMatrix {
    /// Encodes `text` as bytes with error correction level M (15 % of the symbol
    /// may be damaged, e.g. by the seal or a fold, and still read).
    pub(crate) fn encode(text: &str) -> Result<QrMatrix, CertificateError> {
        let code =
            QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).map_err(|e| {
                CertificateError::QrCode {
                    reason: e.to_string(),
                }
            })?;
        let dark = code
            .to_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect();
        Ok(QrMatrix {
            width: code.width(),
            dark,
        })
    }

    /// Modules per side, without quiet zone.
    #[cfg(test)]
    pub(crate) fn width(&self) -> usize {
        self.width
    }

    /// The width in modules including the quiet zone on both sides.
    pub(crate) fn width_with_quiet_zone(&self) -> usize {
        self.width + 2 * QUIET_ZONE
    }

    fn is_dark(&self, x: usize, y: usize) -> bool {
        self.dark.get(y * self.width + x).copied().unwrap_or(false)
    }

    /// One path of the dark modules with the symbol's top-left module (the quiet
    /// zone is the caller's margin) at (`left`, `top`) and modules `module` points wide. Horizontal
    /// runs are merged into one rectangle each; filling a single path leaves no
    /// hairline seams between modules when rasterised.
    pub(crate) fn path(&self, left: f32, top: f32, module: f32) -> Option<Path> {
        let mut builder = PathBuilder::new();
        for y in 0..self.width {
            let mut x = 0;
            while x < self.width {
                if !self.is_dark(x, y) {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < self.width && self.is_dark(x, y) {
                    x += 1;
                }
                if let Some(rect) = Rect::from_xywh(
                    left + start as f32 * module,
                    top + y as f32 * module,
                    (x - start) as f32 * module,
                    module,
                ) {
                    builder.push_rect(rect);
                }
            }
        }
        builder.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verification_url_encodes_to_a_small_symbol() {
        let qr = QrMatrix::encode("https://wuhou.example.gov.cn/verify/1.2.156.3005.2.JY").unwrap();
        assert!((21..=41).contains(&qr.width()), "width {}", qr.width());
        assert_eq!(qr.width_with_quiet_zone(), qr.width() + 8);
        // The three finder patterns make the corners dark.
        assert!(qr.is_dark(0, 0));
        assert!(qr.is_dark(qr.width() - 1, 0));
        assert!(qr.is_dark(0, qr.width() - 1));
        assert!(qr.path(0.0, 0.0, 2.0).is_some());
    }

    #[test]
    fn text_too_long_for_a_qr_code_is_an_error() {
        let long = "x".repeat(5000);
        assert!(matches!(
            QrMatrix::encode(&long),
            Err(CertificateError::QrCode { .. })
        ));
    }
}
