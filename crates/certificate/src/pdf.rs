//! The printable licence: one A4 page laid out like a printed Chinese licence.
//!
//! Title (the licence type name), the data as `label：value` lines, the issuing
//! authority and date under a red round seal, a QR code of the verification URL
//! with the caption 扫码验证, and a footer. krilla does no line breaking, so lines
//! are broken here by measuring glyph advances; if the content does not fit, the
//! field text shrinks step by step down to 8 pt, then rendering fails with
//! [`CertificateError::ContentTooLong`] rather than printing past the seal.
//!
//! Text is laid out glyph by glyph from the font's character map (see
//! `Measure::glyphs`), which keeps measuring and drawing consistent and skips a
//! shaper that Chinese does not need. Page text is real text (extractable, searchable); the seal's lettering is drawn
//! as glyph outlines so that text extraction sees only the licence content.

use std::f32::consts::PI;

use krilla::Document;
use krilla::action::LinkAction;
use krilla::annotation::{Annotation, LinkAnnotation, Target};
use krilla::blend::BlendMode;
use krilla::color::rgb;
use krilla::geom::{Path, PathBuilder, Point, Rect, Transform};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, LineJoin, Stroke};
use krilla::surface::Surface;
use krilla::text::Font;

use crate::document::{chinese_date, validity_text};
use crate::font::Measure;
use crate::layout::{fit, wrap};
use crate::qr::{QUIET_ZONE, QrMatrix};
use crate::{CertificateError, FontSource, LicenceDocument};

// A4 in points, origin top left, y downwards.
pub(crate) const PAGE_W: f32 = 595.276;
pub(crate) const PAGE_H: f32 = 841.89;
pub(crate) const LEFT: f32 = 80.0;
pub(crate) const RIGHT: f32 = PAGE_W - 80.0;
const TITLE_BASELINE: f32 = 128.0;
const TITLE_SIZE: f32 = 30.0;
const FIELDS_TOP: f32 = 192.0;
/// The last baseline a field line may have: below it are the QR code and seal.
const FIELDS_BOTTOM: f32 = 598.0;
const FIELD_SIZES: [f32; 6] = [13.0, 12.0, 11.0, 10.0, 9.0, 8.0];
/// The label column is as wide as the widest label, up to this many em.
const LABEL_COLUMN_MAX_EM: f32 = 9.0;
const QR_SIDE: f32 = 100.0;
const QR_TOP: f32 = 624.0;
const SEAL_CENTRE: (f32, f32) = (RIGHT - 88.0, 696.0);
const SEAL_RADIUS: f32 = 58.0;

pub(crate) const INK: (u8, u8, u8) = (24, 24, 24);
pub(crate) const GREY: (u8, u8, u8) = (110, 110, 110);
const FRAME: (u8, u8, u8) = (158, 118, 64);
const SEAL_RED: (u8, u8, u8) = (214, 28, 36);

/// Renders `doc` as a one-page A4 PDF. `seal_name` is lettered along the seal's
/// rim (e.g. the bureau's name); `verify_url` is encoded in the QR code and linked
/// from it. The document is [checked](LicenceDocument::check) first, and every
/// character must exist in `font`: a missing glyph is an error, not a blank box.
pub fn render_pdf(
    doc: &LicenceDocument,
    seal_name: &str,
    verify_url: &str,
    font: &FontSource,
) -> Result<Vec<u8>, CertificateError> {
    render_pdf_copy(doc, seal_name, verify_url, font, None)
}

/// What a viewing copy of a licence prints instead of the holder's identity
/// number: the number as the viewer may see it, and a remark saying so.
#[derive(Debug, Clone)]
pub struct ViewingCopy {
    pub identity: String,
    pub remark: String,
}

/// Like [`render_pdf`]; with `copy`, the identity row shows `copy.identity`
/// and a remark row `copy.remark` closes the fields (a copy for staff who may
/// not see the number in full). The QR code still opens the real licence.
pub fn render_pdf_copy(
    doc: &LicenceDocument,
    seal_name: &str,
    verify_url: &str,
    font: &FontSource,
    copy: Option<&ViewingCopy>,
) -> Result<Vec<u8>, CertificateError> {
    doc.check()?;
    let measure = font.measure()?;
    let mut rows = rows(doc);
    if let Some(copy) = copy {
        if let Some(first) = rows.first_mut() {
            first.value = copy.identity.clone();
        }
        rows.push(Row {
            label: "备注".to_owned(),
            value: copy.remark.clone(),
            one_line: false,
        });
    }
    measure.check(&doc.type_name, "type_name")?;
    measure.check(&doc.issuer, "issuer")?;
    measure.check(seal_name, "seal_name")?;
    for row in &rows {
        measure.check(&row.label, &row.label)?;
        measure.check(&row.value, &row.label)?;
    }
    let field_lines = layout_fields(&measure, &rows)?;
    let qr = QrMatrix::encode(verify_url)?;

    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(format!("{} {}", doc.type_name, doc.id))
            .creator("onestamp".to_owned())
            .language("zh-CN".to_owned()),
    );
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| CertificateError::Pdf {
        reason: "invalid page size".to_owned(),
    })?;
    let mut page = document.start_page_with(settings);
    let mut surface = page.surface();
    let pen = Pen {
        font: font.krilla_font(),
        measure: &measure,
    };

    draw_frame(&mut surface);

    let title = doc.type_name.trim();
    let title_size = fit(&measure, title, TITLE_SIZE, RIGHT - LEFT);
    surface.set_fill(Some(fill(INK, 1.0)));
    // A hairline stroke of the same colour thickens the regular face into a title.
    surface.set_stroke(Some(stroke(INK, title_size * 0.03)));
    pen.centred(
        &mut surface,
        PAGE_W / 2.0,
        TITLE_BASELINE,
        title_size,
        title,
    );
    surface.set_stroke(None);

    for line in &field_lines {
        pen.text(&mut surface, line.x, line.baseline, line.size, &line.text);
    }

    let qr_box = draw_qr(&mut surface, &qr).ok_or_else(|| CertificateError::Pdf {
        reason: "cannot draw the QR code".to_owned(),
    })?;
    surface.set_fill(Some(fill(INK, 1.0)));
    pen.centred(
        &mut surface,
        LEFT + QR_SIDE / 2.0,
        QR_TOP + QR_SIDE + 14.0,
        10.5,
        "扫码验证",
    );

    let (cx, cy) = SEAL_CENTRE;
    let issuer = doc.issuer.trim();
    let issuer_size = fit(&measure, issuer, 13.0, 2.0 * (RIGHT - cx) + 40.0);
    // The star sits between the authority's name and the date; the ring covers both.
    pen.centred(&mut surface, cx, cy - 22.0, issuer_size, issuer);
    let date = chinese_date(doc.issued_on);
    pen.centred(&mut surface, cx, cy + 32.0, 13.0, &date);

    surface.set_fill(Some(fill(GREY, 1.0)));
    pen.centred(
        &mut surface,
        PAGE_W / 2.0,
        PAGE_H - 52.0,
        8.5,
        "本证照为电子证照，与纸质证照具有同等法律效力；扫描二维码可核验真伪。",
    );

    draw_seal(&mut surface, &pen, (cx, cy), seal_name.trim());

    surface.finish();
    page.add_annotation(Annotation::new_link(
        LinkAnnotation::new(
            qr_box,
            Target::Action(LinkAction::new(verify_url.to_owned()).into()),
        ),
        Some("扫码验证".to_owned()),
    ));
    page.finish();
    document.finish().map_err(|e| CertificateError::Pdf {
        reason: format!("{e:?}"),
    })
}

/// One printed `label：value` row.
struct Row {
    label: String,
    value: String,
    /// Codes and numbers: shrunk to fit one line rather than broken, so that they
    /// read (and copy) as one piece.
    one_line: bool,
}

/// The printed rows, in order: identity, name, the document's own fields, scope,
/// validity, date of issue, licence number. Empty values are left out.
fn rows(doc: &LicenceDocument) -> Vec<Row> {
    let name_label = match doc.holder_identity {
        crate::HolderIdentity::CreditCode(_) => "名称",
        crate::HolderIdentity::CitizenId(_) => "姓名",
    };
    let row = |label: &str, value: &str, one_line: bool| Row {
        label: label.trim().to_owned(),
        value: value.trim().to_owned(),
        one_line,
    };
    let mut rows = vec![
        row(
            doc.holder_identity.label(),
            doc.holder_identity.as_str(),
            true,
        ),
        row(name_label, &doc.holder_name, false),
    ];
    rows.extend(doc.fields.iter().map(|(l, v)| row(l, v, false)));
    rows.push(row("经营范围", &doc.scope, false));
    rows.push(row("有效期", &validity_text(doc), true));
    rows.push(row("发证日期", &chinese_date(doc.issued_on), true));
    rows.push(row("证照编号", &doc.id.to_string(), true));
    rows.retain(|r| !r.value.is_empty());
    rows
}

struct Line {
    x: f32,
    baseline: f32,
    size: f32,
    text: String,
}

/// Lays out the rows at the largest size that fits above the seal.
fn layout_fields(measure: &Measure<'_>, rows: &[Row]) -> Result<Vec<Line>, CertificateError> {
    for size in FIELD_SIZES {
        let lines = layout_at(measure, rows, size);
        if lines.last().is_none_or(|l| l.baseline <= FIELDS_BOTTOM) {
            return Ok(lines);
        }
    }
    Err(CertificateError::ContentTooLong)
}

fn layout_at(measure: &Measure<'_>, rows: &[Row], size: f32) -> Vec<Line> {
    let labels: Vec<String> = rows.iter().map(|r| format!("{}：", r.label)).collect();
    let column = labels
        .iter()
        .map(|l| measure.width(l, size))
        .fold(0.0, f32::max)
        .min(LABEL_COLUMN_MAX_EM * size);
    let value_x = LEFT + column;
    let mut lines = Vec::new();
    let mut baseline = FIELDS_TOP;
    for (label, row) in labels.into_iter().zip(rows) {
        let label_size = fit(measure, &label, size, RIGHT - LEFT);
        let mut first_x = value_x.max(LEFT + measure.width(&label, label_size));
        lines.push(Line {
            x: LEFT,
            baseline,
            size: label_size,
            text: label,
        });
        // A label too long to leave room beside it puts its value below it.
        if first_x > RIGHT - 6.0 * size {
            first_x = value_x;
            baseline += size * 1.55;
        }
        let one_line_size = fit(measure, &row.value, size, RIGHT - first_x);
        if row.one_line && !row.value.contains('\n') && one_line_size >= 0.7 * size {
            lines.push(Line {
                x: first_x,
                baseline,
                size: one_line_size,
                text: row.value.clone(),
            });
        } else {
            let wrapped = wrap(measure, &row.value, size, RIGHT - first_x, RIGHT - value_x);
            for (i, text) in wrapped.into_iter().enumerate() {
                if i > 0 {
                    baseline += size * 1.55;
                }
                let x = if i == 0 { first_x } else { value_x };
                lines.push(Line {
                    x,
                    baseline,
                    size,
                    text,
                });
            }
        }
        baseline += size * 2.2;
    }
    lines
}

pub(crate) struct Pen<'a> {
    pub(crate) font: Font,
    pub(crate) measure: &'a Measure<'a>,
}

impl Pen<'_> {
    pub(crate) fn text(
        &self,
        surface: &mut Surface<'_>,
        x: f32,
        baseline: f32,
        size: f32,
        text: &str,
    ) {
        let glyphs = self.measure.glyphs(text);
        surface.draw_glyphs(
            Point::from_xy(x, baseline),
            &glyphs,
            self.font.clone(),
            text,
            size,
            false,
        );
    }

    pub(crate) fn centred(
        &self,
        surface: &mut Surface<'_>,
        cx: f32,
        baseline: f32,
        size: f32,
        text: &str,
    ) {
        let x = cx - self.measure.width(text, size) / 2.0;
        self.text(surface, x, baseline, size, text);
    }
}

fn colour((r, g, b): (u8, u8, u8)) -> rgb::Color {
    rgb::Color::new(r, g, b)
}

pub(crate) fn fill(c: (u8, u8, u8), opacity: f32) -> Fill {
    Fill {
        paint: colour(c).into(),
        opacity: NormalizedF32::new(opacity).unwrap_or(NormalizedF32::ONE),
        rule: FillRule::NonZero,
    }
}

pub(crate) fn stroke(c: (u8, u8, u8), width: f32) -> Stroke {
    Stroke {
        paint: colour(c).into(),
        width,
        line_join: LineJoin::Round,
        ..Stroke::default()
    }
}

/// A double frame, thick outside and thin inside, as on printed licences.
pub(crate) fn draw_frame(surface: &mut Surface<'_>) {
    surface.set_fill(None);
    for (inset, width) in [(30.0, 2.2), (36.0, 0.7)] {
        if let Some(path) = rect_path(inset, inset, PAGE_W - 2.0 * inset, PAGE_H - 2.0 * inset) {
            surface.set_stroke(Some(stroke(FRAME, width)));
            surface.draw_path(&path);
        }
    }
    surface.set_stroke(None);
}

fn rect_path(x: f32, y: f32, w: f32, h: f32) -> Option<Path> {
    let mut builder = PathBuilder::new();
    builder.push_rect(Rect::from_xywh(x, y, w, h)?);
    builder.finish()
}

/// Draws the QR code (quiet zone included) in a `QR_SIDE` square at the left;
/// returns that square for the link annotation.
fn draw_qr(surface: &mut Surface<'_>, qr: &QrMatrix) -> Option<Rect> {
    let module = QR_SIDE / qr.width_with_quiet_zone() as f32;
    let offset = QUIET_ZONE as f32 * module;
    surface.set_stroke(None);
    surface.set_fill(Some(fill((255, 255, 255), 1.0)));
    surface.draw_path(&rect_path(LEFT, QR_TOP, QR_SIDE, QR_SIDE)?);
    surface.set_fill(Some(fill((0, 0, 0), 1.0)));
    surface.draw_path(&qr.path(LEFT + offset, QR_TOP + offset, module)?);
    Rect::from_xywh(LEFT, QR_TOP, QR_SIDE, QR_SIDE)
}

/// The round seal: a red ring, a five-pointed star, and `name` lettered clockwise
/// along the upper rim, each character upright towards the rim. Drawn with
/// multiply blending so the black text under it stays legible, as with real ink.
pub(crate) fn draw_seal(
    surface: &mut Surface<'_>,
    pen: &Pen<'_>,
    (cx, cy): (f32, f32),
    name: &str,
) {
    surface.push_blend_mode(BlendMode::Multiply);
    let ring = 3.2;
    surface.set_fill(None);
    surface.set_stroke(Some(Stroke {
        opacity: NormalizedF32::new(0.92).unwrap_or(NormalizedF32::ONE),
        ..stroke(SEAL_RED, ring)
    }));
    if let Some(circle) = circle_path(cx, cy, SEAL_RADIUS - ring / 2.0) {
        surface.draw_path(&circle);
    }
    surface.set_stroke(None);
    surface.set_fill(Some(fill(SEAL_RED, 0.92)));
    if let Some(star) = star_path(cx, cy, SEAL_RADIUS * 0.3) {
        surface.draw_path(&star);
    }

    let chars: Vec<char> = name.chars().filter(|c| !c.is_whitespace()).collect();
    if !chars.is_empty() {
        let n = chars.len() as f32;
        // Seal lettering is tall and narrow: glyphs are squeezed horizontally.
        let squeeze = 0.78;
        let mut size = 15.0_f32;
        // Degrees one character takes at the middle of its height, with spacing.
        let step = |size: f32| {
            let middle = SEAL_RADIUS - ring - 3.0 - 0.45 * size;
            (squeeze + 0.14) * size / middle * 180.0 / PI
        };
        let max_span = 230.0;
        if step(size) * n > max_span {
            size *= max_span / (step(size) * n);
        }
        let span = (step(size) * n).max(if n > 1.0 { 150.0 } else { 0.0 });
        let per_char = span / n;
        // Baseline radius: glyph tops (about 0.88 em above the baseline) stay
        // just inside the ring.
        let baseline_radius = SEAL_RADIUS - ring - 3.0 - 0.88 * size;
        for (i, c) in chars.iter().enumerate() {
            let angle = -span / 2.0 + (i as f32 + 0.5) * per_char;
            let (sin, cos) = angle.to_radians().sin_cos();
            // translate(cx, cy) · rotate(angle) · translate(0, -baseline_radius)
            // · scale(squeeze, 1)
            let transform = Transform::from_row(
                cos * squeeze,
                sin * squeeze,
                -sin,
                cos,
                cx + baseline_radius * sin,
                cy - baseline_radius * cos,
            );
            let glyph = c.to_string();
            let half = pen.measure.width(&glyph, size) / 2.0;
            surface.push_transform(&transform);
            surface.draw_glyphs(
                Point::from_xy(-half, 0.0),
                &pen.measure.glyphs(&glyph),
                pen.font.clone(),
                &glyph,
                size,
                true,
            );
            surface.pop();
        }
    }
    surface.pop();
}

fn circle_path(cx: f32, cy: f32, r: f32) -> Option<Path> {
    // Four cubic Béziers; the control distance 0.5523·r is within 0.03 % of a circle.
    let k = 0.552_284_8 * r;
    let mut b = PathBuilder::new();
    b.move_to(cx, cy - r);
    b.cubic_to(cx + k, cy - r, cx + r, cy - k, cx + r, cy);
    b.cubic_to(cx + r, cy + k, cx + k, cy + r, cx, cy + r);
    b.cubic_to(cx - k, cy + r, cx - r, cy + k, cx - r, cy);
    b.cubic_to(cx - r, cy - k, cx - k, cy - r, cx, cy - r);
    b.close();
    b.finish()
}

fn star_path(cx: f32, cy: f32, r: f32) -> Option<Path> {
    // Inner radius of a regular pentagram: r · sin 18° / sin 126°.
    let inner = r * 0.381_966;
    let mut b = PathBuilder::new();
    for i in 0..10 {
        let radius = if i % 2 == 0 { r } else { inner };
        let (sin, cos) = (i as f32 * 36.0).to_radians().sin_cos();
        let (x, y) = (cx + radius * sin, cy - radius * cos);
        if i == 0 {
            b.move_to(x, y);
        } else {
            b.line_to(x, y);
        }
    }
    b.close();
    b.finish()
}
