//! The case's written documents (办件文书: 受理回执, 受理通知书, 补正告知书,
//! 不予受理通知书, 不予许可决定书, 踏勘记录), sealed like licences and printed
//! on one A4 portrait page.
//!
//! [`notice_canonical_bytes`] is the one serialisation that is signed: compact
//! UTF-8 JSON `{"format":"onestamp-document/1","document":{…}}` with the keys of
//! [`DocumentContent`] in declaration order, blocks in the document's order and
//! strings exactly as given. [`notice_from_canonical_bytes`] reads them back.
//!
//! The page: the title, the document number, the recipient, the body blocks
//! (paragraphs indented two characters, `label：value` rows, numbered lists),
//! the issuing authority and date under the red round seal, and a verification
//! line in the footer. The body shrinks step by step down to 8 pt to stay
//! above the seal; past that, rendering fails with
//! [`CertificateError::ContentTooLong`].

use krilla::Document;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use serde::{Deserialize, Serialize};

use onestamp_domain::document::{Block, DocumentContent, date_zh};

use crate::font::Measure;
use crate::layout::{fit, wrap};
use crate::pdf::{
    GREY, INK, LEFT, PAGE_H, PAGE_W, Pen, RIGHT, draw_frame, draw_seal, fill, stroke,
};
use crate::{CertificateError, FontSource};

/// The `format` marker of a document's canonical serialisation.
pub const NOTICE_FORMAT: &str = "onestamp-document/1";

#[derive(Serialize)]
struct CanonicalRef<'a> {
    format: &'static str,
    document: &'a DocumentContent,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CanonicalOwned {
    format: String,
    document: DocumentContent,
}

/// The bytes of a document that are signed.
pub fn notice_canonical_bytes(doc: &DocumentContent) -> Vec<u8> {
    // Plain strings, enums and dates cannot fail to serialise; an empty result
    // would fail every verification, never pass one.
    serde_json::to_vec(&CanonicalRef {
        format: NOTICE_FORMAT,
        document: doc,
    })
    .unwrap_or_default()
}

/// Reads canonical bytes back, for display and printing.
pub fn notice_from_canonical_bytes(bytes: &[u8]) -> Result<DocumentContent, CertificateError> {
    let c: CanonicalOwned =
        serde_json::from_slice(bytes).map_err(|e| CertificateError::CanonicalFormat {
            reason: e.to_string(),
        })?;
    if c.format != NOTICE_FORMAT {
        return Err(CertificateError::CanonicalFormat {
            reason: format!("unknown format {:?}", c.format),
        });
    }
    Ok(c.document)
}

const TITLE_BASELINE: f32 = 112.0;
const TITLE_SIZE: f32 = 24.0;
const NUMBER_BASELINE: f32 = 142.0;
const BODY_TOP: f32 = 180.0;
/// The last baseline of the body: below are the authority, the date and the seal.
const BODY_BOTTOM: f32 = 626.0;
const BODY_SIZES: [f32; 6] = [13.0, 12.0, 11.0, 10.0, 9.0, 8.0];
const SEAL_CENTRE: (f32, f32) = (RIGHT - 88.0, 690.0);

struct Line {
    x: f32,
    baseline: f32,
    size: f32,
    text: String,
}

/// Renders a document as a one-page A4 PDF. `seal_name` is lettered along the
/// seal's rim; `verify_line` is printed in the footer (e.g. the seal's key and
/// where to check the document). Every character must exist in `font`.
pub fn render_notice_pdf(
    doc: &DocumentContent,
    seal_name: &str,
    verify_line: &str,
    font: &FontSource,
) -> Result<Vec<u8>, CertificateError> {
    let measure = font.measure()?;
    measure.check(&doc.title, "title")?;
    measure.check(&doc.number, "number")?;
    measure.check(&doc.recipient, "recipient")?;
    measure.check(&doc.issuer, "issuer")?;
    measure.check(seal_name, "seal_name")?;
    measure.check(verify_line, "verify_line")?;
    for block in &doc.body {
        match block {
            Block::Text(t) => measure.check(t, "text")?,
            Block::Field(l, v) => {
                measure.check(l, l)?;
                measure.check(v, l)?;
            }
            Block::List(h, items) => {
                measure.check(h, h)?;
                for i in items {
                    measure.check(i, h)?;
                }
            }
        }
    }
    let lines = layout_body(&measure, doc)?;

    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(format!("{} {}", doc.title, doc.number))
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

    let title = doc.title.trim();
    let size = fit(&measure, title, TITLE_SIZE, RIGHT - LEFT);
    surface.set_fill(Some(fill(INK, 1.0)));
    surface.set_stroke(Some(stroke(INK, size * 0.03)));
    // Letter-spaced like a printed notice: 受 理 通 知 书.
    let spaced: String = title
        .chars()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(" ");
    let spaced = if measure.width(&spaced, size) <= RIGHT - LEFT {
        spaced
    } else {
        title.to_string()
    };
    pen.centred(&mut surface, PAGE_W / 2.0, TITLE_BASELINE, size, &spaced);
    surface.set_stroke(None);

    surface.set_fill(Some(fill(GREY, 1.0)));
    let number = format!("文书编号：{}", doc.number);
    let number_size = fit(&measure, &number, 10.5, RIGHT - LEFT);
    pen.centred(
        &mut surface,
        PAGE_W / 2.0,
        NUMBER_BASELINE,
        number_size,
        &number,
    );
    surface.set_fill(Some(fill(INK, 1.0)));
    for line in &lines {
        pen.text(&mut surface, line.x, line.baseline, line.size, &line.text);
    }

    let (cx, cy) = SEAL_CENTRE;
    let issuer = doc.issuer.trim();
    let issuer_size = fit(&measure, issuer, 13.0, 2.0 * (RIGHT - cx) + 40.0);
    // The star sits between the authority's name and the date, as on a licence.
    pen.centred(&mut surface, cx, cy - 22.0, issuer_size, issuer);
    pen.centred(&mut surface, cx, cy + 32.0, 13.0, &date_zh(doc.issued_on));

    surface.set_fill(Some(fill(GREY, 1.0)));
    let footer = wrap(&measure, verify_line, 8.0, RIGHT - LEFT, RIGHT - LEFT);
    for (i, text) in footer.iter().enumerate() {
        pen.centred(
            &mut surface,
            PAGE_W / 2.0,
            PAGE_H - 66.0 + i as f32 * 11.0,
            8.0,
            text,
        );
    }
    draw_seal(&mut surface, &pen, (cx, cy), seal_name.trim());
    surface.finish();
    page.finish();
    document.finish().map_err(|e| CertificateError::Pdf {
        reason: format!("{e:?}"),
    })
}

fn layout_body(
    measure: &Measure<'_>,
    doc: &DocumentContent,
) -> Result<Vec<Line>, CertificateError> {
    for size in BODY_SIZES {
        let lines = layout_at(measure, doc, size);
        if lines.last().is_none_or(|l| l.baseline <= BODY_BOTTOM) {
            return Ok(lines);
        }
    }
    Err(CertificateError::ContentTooLong)
}

fn layout_at(measure: &Measure<'_>, doc: &DocumentContent, size: f32) -> Vec<Line> {
    let mut lines = Vec::new();
    let lead = size * 1.6;
    let mut y = BODY_TOP;
    let width = RIGHT - LEFT;
    let push = |lines: &mut Vec<Line>, x: f32, y: f32, text: String| {
        lines.push(Line {
            x,
            baseline: y,
            size,
            text,
        })
    };
    let recipient = doc.recipient.trim();
    if !recipient.is_empty() {
        push(&mut lines, LEFT, y, format!("{recipient}："));
        y += lead;
    }
    for block in &doc.body {
        match block {
            Block::Text(t) => {
                let indent = 2.0 * size;
                for (i, text) in wrap(measure, t.trim(), size, width - indent, width)
                    .into_iter()
                    .enumerate()
                {
                    let x = if i == 0 { LEFT + indent } else { LEFT };
                    push(&mut lines, x, y, text);
                    y += lead;
                }
            }
            Block::Field(label, value) => {
                let label = format!("{}：", label.trim());
                let label_w = measure.width(&label, size).min(width / 2.0);
                let x = LEFT + 2.0 * size;
                push(&mut lines, x, y, label);
                let value_x = x + label_w;
                for text in wrap(
                    measure,
                    value.trim(),
                    size,
                    RIGHT - value_x,
                    RIGHT - value_x,
                ) {
                    push(&mut lines, value_x, y, text);
                    y += lead;
                }
            }
            Block::List(heading, items) => {
                push(
                    &mut lines,
                    LEFT + 2.0 * size,
                    y,
                    format!("{}：", heading.trim()),
                );
                y += lead;
                let x = LEFT + 3.0 * size;
                for (n, item) in items.iter().enumerate() {
                    let mark = format!("{}. ", n + 1);
                    let mark_w = measure.width(&mark, size);
                    push(&mut lines, x, y, mark);
                    for text in wrap(
                        measure,
                        item.trim(),
                        size,
                        RIGHT - x - mark_w,
                        RIGHT - x - mark_w,
                    ) {
                        push(&mut lines, x + mark_w, y, text);
                        y += lead;
                    }
                }
            }
        }
        y += size * 0.4;
    }
    lines
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use onestamp_domain::document::DocumentKind;

    use super::*;

    fn sample() -> DocumentContent {
        DocumentContent {
            kind: DocumentKind::Correction,
            number: "510107-20261122-000123-BZ01".into(),
            title: "补正告知书".into(),
            case_number: "510107-20261122-000123".into(),
            recipient: "成都锦江书香文化有限公司".into(),
            body: vec![
                Block::Text("您申请办理的事项，现一次性告知需要补正的全部内容如下：".into()),
                Block::List(
                    "需补正的内容".into(),
                    vec!["营业执照复印件不清晰".into(), "租赁合同缺少签字".into()],
                ),
                Block::Field("告知日期".into(), "2026年11月22日".into()),
            ],
            issuer: "成都市武侯区行政审批局".into(),
            issued_on: NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        }
    }

    #[test]
    fn the_canonical_form_is_pinned_and_reads_back() {
        let mut doc = sample();
        doc.body.truncate(1);
        let bytes = notice_canonical_bytes(&doc);
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(
            text.starts_with(
                r#"{"format":"onestamp-document/1","document":{"kind":"correction","number":"510107-20261122-000123-BZ01","title":"补正告知书","#
            ),
            "{text}"
        );
        assert!(
            text.ends_with(r#""issuer":"成都市武侯区行政审批局","issued_on":"2026-11-22"}}"#),
            "{text}"
        );
        assert_eq!(notice_from_canonical_bytes(&bytes).unwrap(), doc);
        let other = text.replace("document/1", "document/2");
        assert!(notice_from_canonical_bytes(other.as_bytes()).is_err());
        let mut changed = doc.clone();
        changed.body[0] = Block::Text("别的内容".into());
        assert_ne!(notice_canonical_bytes(&changed), bytes);
    }

    #[test]
    fn a_document_renders_as_a_pdf() {
        let font = match FontSource::system() {
            Ok(f) => f,
            Err(e) if std::env::var_os("CI").is_some() => panic!("{e}"),
            Err(_) => return,
        };
        let pdf = render_notice_pdf(
            &sample(),
            "成都市武侯区行政审批局",
            "本文书已加盖电子印章",
            &font,
        )
        .unwrap();
        assert!(pdf.starts_with(b"%PDF"));
        let mut long = sample();
        long.body = vec![Block::Text("很长的内容".repeat(2000))];
        assert!(matches!(
            render_notice_pdf(&long, "印章", "核验", &font),
            Err(CertificateError::ContentTooLong)
        ));
    }
}
