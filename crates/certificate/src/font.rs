//! The CJK font licences are printed in, loaded once and shared.
//!
//! A [`FontSource`] is cheap to clone (one `Arc`): read the font at start-up with
//! [`FontSource::system`] and hand clones to every render. The PDF embeds only the
//! subset of glyphs it uses. Noto Sans/Serif CJK (Debian `fonts-noto-cjk`) are under
//! the SIL Open Font License 1.1, which allows embedding.

use std::env;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use krilla::text::{GlyphId, KrillaGlyph};
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, MetadataProvider};

use crate::CertificateError;

/// The variable that overrides the font: `path` or `path:face index` (index 0 if
/// omitted). When it is set, no other font is tried.
pub const FONT_ENV: &str = "ONESTAMP_FONT";

/// Where [`FontSource::system`] looks, in order, with the face index of Simplified
/// Chinese in each collection (0 is Japanese: its glyph shapes differ).
pub const SYSTEM_FONTS: [(&str, u32); 2] = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
];

/// A loaded font face: the file's bytes (shared) and the face index in it.
#[derive(Clone)]
pub struct FontSource {
    inner: Arc<Inner>,
}

struct Inner {
    data: Arc<Vec<u8>>,
    index: u32,
    font: krilla::text::Font,
    origin: String,
}

impl FontSource {
    /// The font named by `ONESTAMP_FONT`, else the first of [`SYSTEM_FONTS`] that
    /// exists. The error for none names the Debian package to install.
    pub fn system() -> Result<FontSource, CertificateError> {
        if let Some(value) = env::var_os(FONT_ENV).filter(|v| !v.is_empty()) {
            let value = value.into_string().map_err(|v| CertificateError::FontEnv {
                value: v.to_string_lossy().into_owned(),
            })?;
            let (path, index) = parse_font_env(&value)?;
            return FontSource::from_path(&path, index);
        }
        let mut tried = Vec::new();
        for (path, index) in SYSTEM_FONTS {
            let path = Path::new(path);
            if path.is_file() {
                return FontSource::from_path(path, index);
            }
            tried.push(path.to_owned());
        }
        Err(CertificateError::FontMissing { tried })
    }

    /// Reads face `index` of the font file at `path`.
    pub fn from_path(path: &Path, index: u32) -> Result<FontSource, CertificateError> {
        let bytes = std::fs::read(path).map_err(|source| CertificateError::FontRead {
            path: path.to_owned(),
            source,
        })?;
        FontSource::load(bytes, index, path.display().to_string())
    }

    /// Uses face `index` of a font file already in memory (TrueType, OpenType or a
    /// collection). Fails unless the face can print Chinese.
    pub fn from_bytes(bytes: Vec<u8>, index: u32) -> Result<FontSource, CertificateError> {
        FontSource::load(bytes, index, "font bytes".to_owned())
    }

    fn load(bytes: Vec<u8>, index: u32, origin: String) -> Result<FontSource, CertificateError> {
        let unusable = || CertificateError::FontFormat {
            origin: origin.clone(),
            index,
        };
        let data = Arc::new(bytes);
        let font = krilla::text::Font::new(data.clone().into(), index).ok_or_else(unusable)?;
        let source = FontSource {
            inner: Arc::new(Inner {
                data,
                index,
                font,
                origin: origin.clone(),
            }),
        };
        let measure = source.measure().map_err(|_| unusable())?;
        if "证照审批".chars().any(|c| measure.advance(c).is_none()) {
            return Err(unusable());
        }
        Ok(source)
    }

    /// Where the font came from (a path, or "font bytes"), for logs.
    pub fn origin(&self) -> &str {
        &self.inner.origin
    }

    /// The face index in the font file.
    pub fn index(&self) -> u32 {
        self.inner.index
    }

    pub(crate) fn krilla_font(&self) -> krilla::text::Font {
        self.inner.font.clone()
    }

    /// Glyph advances for laying out lines; borrows the shared bytes, no copy.
    pub(crate) fn measure(&self) -> Result<Measure<'_>, CertificateError> {
        let font = FontRef::from_index(&self.inner.data, self.inner.index).map_err(|_| {
            CertificateError::FontFormat {
                origin: self.inner.origin.clone(),
                index: self.inner.index,
            }
        })?;
        Ok(Measure {
            charmap: font.charmap(),
            metrics: font.glyph_metrics(Size::unscaled(), LocationRef::default()),
            units_per_em: f32::from(
                font.metrics(Size::unscaled(), LocationRef::default())
                    .units_per_em,
            ),
        })
    }
}

impl std::fmt::Debug for FontSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FontSource")
            .field("origin", &self.inner.origin)
            .field("index", &self.inner.index)
            .finish_non_exhaustive()
    }
}

/// `path` or `path:index`; a suffix after the last `:` that is not a number is
/// part of the path.
fn parse_font_env(value: &str) -> Result<(PathBuf, u32), CertificateError> {
    let (path, index) = match value.rsplit_once(':') {
        Some((path, index)) if !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit()) => {
            let index = index.parse().map_err(|_| CertificateError::FontEnv {
                value: value.to_owned(),
            })?;
            (path, index)
        }
        _ => (value, 0),
    };
    if path.is_empty() {
        return Err(CertificateError::FontEnv {
            value: value.to_owned(),
        });
    }
    Ok((PathBuf::from(path), index))
}

/// Horizontal advances of one font face, for line layout.
pub(crate) struct Measure<'a> {
    charmap: skrifa::charmap::Charmap<'a>,
    metrics: GlyphMetrics<'a>,
    units_per_em: f32,
}

impl Measure<'_> {
    /// The advance of `c` in em, or `None` if the font has no glyph for it.
    pub(crate) fn advance(&self, c: char) -> Option<f32> {
        let glyph = self.charmap.map(c)?;
        let advance = self.metrics.advance_width(glyph)?;
        Some(advance / self.units_per_em)
    }

    /// The width of `text` at `size` points; characters without a glyph count as
    /// one em (they are refused by [`Measure::check`] before drawing).
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| self.advance(c).unwrap_or(1.0))
            .sum::<f32>()
            * size
    }

    /// The glyphs that draw `text` on one line, left to right. No shaping:
    /// Chinese needs none, and the printed codes and numbers are plain Latin, so
    /// nominal glyphs with their advances are what a shaper would give (bar
    /// kerning). Widths thereby match [`Measure::width`] exactly. Control
    /// characters are dropped.
    pub(crate) fn glyphs(&self, text: &str) -> Vec<KrillaGlyph> {
        text.char_indices()
            .filter(|(_, c)| !c.is_control())
            .map(|(i, c)| {
                let glyph = self.charmap.map(c).unwrap_or_default();
                let advance = self.metrics.advance_width(glyph).unwrap_or(0.0) / self.units_per_em;
                KrillaGlyph::new(
                    GlyphId::new(glyph.to_u32()),
                    advance,
                    0.0,
                    0.0,
                    0.0,
                    i..i + c.len_utf8(),
                    None,
                )
            })
            .collect()
    }

    /// Fails on the first character of `text` that the font cannot draw.
    pub(crate) fn check(&self, text: &str, field: &str) -> Result<(), CertificateError> {
        match text
            .chars()
            .find(|c| !c.is_control() && self.advance(*c).is_none())
        {
            Some(character) => Err(CertificateError::MissingGlyph {
                character,
                field: field.to_owned(),
            }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_font_variable_takes_an_optional_face_index() {
        assert_eq!(
            parse_font_env("/f/a.ttc:2").unwrap(),
            (PathBuf::from("/f/a.ttc"), 2)
        );
        assert_eq!(
            parse_font_env("/f/a.otf").unwrap(),
            (PathBuf::from("/f/a.otf"), 0)
        );
        assert_eq!(
            parse_font_env("C:/f/a.otf").unwrap(),
            (PathBuf::from("C:/f/a.otf"), 0)
        );
        assert!(parse_font_env(":2").is_err());
        assert!(parse_font_env("/f/a.ttc:99999999999").is_err());
    }

    #[test]
    fn bytes_that_are_not_a_font_are_refused() {
        assert!(matches!(
            FontSource::from_bytes(b"not a font".to_vec(), 0),
            Err(CertificateError::FontFormat { .. })
        ));
    }

    #[test]
    fn a_font_source_can_be_shared_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<FontSource>();
    }

    #[test]
    fn the_missing_font_error_names_the_package() {
        let error = CertificateError::FontMissing {
            tried: vec![PathBuf::from(SYSTEM_FONTS[0].0)],
        };
        assert!(error.to_string().contains("fonts-noto-cjk"));
    }
}
