//! The monthly report (月度统计报告): tables of figures over as many A4 pages as
//! they take, the issuing authority, the date and the red seal on the last
//! page, and on every page a footer with the page number and the verification
//! line. [`report_canonical_bytes`] is what is signed: compact UTF-8 JSON
//! `{"format":"onestamp-report/1","report":{…}}`.

use chrono::NaiveDate;
use krilla::Document;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::surface::Surface;
use serde::{Deserialize, Serialize};

use onestamp_domain::document::date_zh;

use crate::font::Measure;
use crate::layout::fit;
use crate::pdf::{GREY, INK, LEFT, PAGE_H, PAGE_W, Pen, RIGHT, draw_seal, fill};
use crate::{CertificateError, FontSource};

/// The `format` marker of a report's canonical serialisation.
pub const REPORT_FORMAT: &str = "onestamp-report/1";

/// One table of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportTable {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// What a report says: sealed and printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportContent {
    pub title: String,
    /// The period and filters.
    pub scope: String,
    /// The headline figures, as `label：value`.
    pub headline: Vec<(String, String)>,
    pub tables: Vec<ReportTable>,
    pub issuer: String,
    pub issued_on: NaiveDate,
}

#[derive(Serialize)]
struct CanonicalRef<'a> {
    format: &'static str,
    report: &'a ReportContent,
}

/// The bytes of a report that are signed.
pub fn report_canonical_bytes(report: &ReportContent) -> Vec<u8> {
    serde_json::to_vec(&CanonicalRef {
        format: REPORT_FORMAT,
        report,
    })
    .unwrap_or_default()
}

const TOP: f32 = 70.0;
const BOTTOM: f32 = PAGE_H - 90.0;
const SIZE: f32 = 8.0;
const ROW: f32 = 13.0;

/// Fits `text` into `width` at `size`, cutting it with `…` when it does not.
fn cut(measure: &Measure<'_>, text: &str, size: f32, width: f32) -> String {
    if measure.width(text, size) <= width {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        let next = format!("{out}{c}…");
        if measure.width(&next, size) > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// A line of text placed on a page: x, baseline, size, text, grey.
type Placed = (f32, f32, f32, String, bool);

struct Pages<'a> {
    document: Document,
    pen: Pen<'a>,
    lines: Vec<Vec<Placed>>,
    y: f32,
}

impl Pages<'_> {
    fn line(&mut self, x: f32, size: f32, text: String, grey: bool) {
        if let Some(page) = self.lines.last_mut() {
            page.push((x, self.y, size, text, grey));
        }
    }

    fn need(&mut self, height: f32) {
        if self.y + height > BOTTOM {
            self.lines.push(Vec::new());
            self.y = TOP;
        }
    }
}

/// Renders a report as an A4 PDF of as many pages as its tables take. Every
/// character must exist in `font`.
pub fn render_report_pdf(
    report: &ReportContent,
    seal_name: &str,
    verify_line: &str,
    font: &FontSource,
) -> Result<Vec<u8>, CertificateError> {
    let measure = font.measure()?;
    let check = |t: &str| measure.check(t, "report");
    check(&report.title)?;
    check(&report.scope)?;
    check(&report.issuer)?;
    check(seal_name)?;
    check(verify_line)?;
    for (l, v) in &report.headline {
        check(l)?;
        check(v)?;
    }
    for t in &report.tables {
        check(&t.title)?;
        for h in &t.headers {
            check(h)?;
        }
        for r in &t.rows {
            for c in r {
                check(c)?;
            }
        }
    }
    let width = RIGHT - LEFT;
    let mut p = Pages {
        document: Document::new(),
        pen: Pen {
            font: font.krilla_font(),
            measure: &measure,
        },
        lines: vec![Vec::new()],
        y: TOP + 20.0,
    };
    let title_size = fit(&measure, &report.title, 20.0, width);
    let title_x = LEFT + (width - measure.width(&report.title, title_size)) / 2.0;
    p.line(title_x, title_size, report.title.clone(), false);
    p.y += 24.0;
    let scope = format!("统计范围：{}", report.scope);
    let scope_size = fit(&measure, &scope, 10.5, width);
    p.line(LEFT, scope_size, scope, true);
    p.y += 22.0;
    // The headline in three columns.
    for chunk in report.headline.chunks(3) {
        p.need(ROW + 2.0);
        for (i, (l, v)) in chunk.iter().enumerate() {
            let x = LEFT + i as f32 * width / 3.0;
            let text = cut(&measure, &format!("{l}：{v}"), 9.5, width / 3.0 - 6.0);
            p.line(x, 9.5, text, false);
        }
        p.y += ROW + 3.0;
    }
    for t in &report.tables {
        p.y += 10.0;
        p.need(ROW * 3.0 + 8.0);
        p.line(LEFT, 11.0, t.title.clone(), false);
        p.y += ROW + 3.0;
        let cols = t.headers.len().max(1) as f32;
        // The first column (names) twice as wide as the others.
        let unit = width / (cols + 1.0);
        let x_of = |i: usize| {
            if i == 0 {
                LEFT
            } else {
                LEFT + unit * (i as f32 + 1.0)
            }
        };
        let col_w = |i: usize| if i == 0 { unit * 2.0 - 4.0 } else { unit - 4.0 };
        let header: Vec<(f32, String)> = t
            .headers
            .iter()
            .enumerate()
            .map(|(i, h)| (x_of(i), cut(&measure, h, SIZE, col_w(i))))
            .collect();
        for (x, h) in &header {
            p.line(*x, SIZE, h.clone(), true);
        }
        p.y += ROW;
        if t.rows.is_empty() {
            p.line(LEFT, SIZE, "本期暂无数据。".into(), true);
            p.y += ROW;
        }
        for r in &t.rows {
            if p.y + ROW > BOTTOM {
                p.need(ROW * 2.0);
                for (x, h) in &header {
                    p.line(*x, SIZE, h.clone(), true);
                }
                p.y += ROW;
            }
            for (i, c) in r.iter().enumerate() {
                p.line(x_of(i), SIZE, cut(&measure, c, SIZE, col_w(i)), false);
            }
            p.y += ROW;
        }
    }
    // The authority, the date and the seal, on the last page.
    p.need(150.0);
    let seal_y = p.y + 70.0;
    let cx = RIGHT - 90.0;
    let issuer_size = fit(&measure, &report.issuer, 12.0, 220.0);
    let pages_n = p.lines.len();
    let Pages {
        mut document,
        pen,
        lines,
        ..
    } = p;
    document.set_metadata(
        Metadata::new()
            .title(report.title.clone())
            .creator("onestamp".to_owned())
            .language("zh-CN".to_owned()),
    );
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| CertificateError::Pdf {
        reason: "invalid page size".to_owned(),
    })?;
    for (n, page_lines) in lines.iter().enumerate() {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        draw_lines(&mut surface, &pen, page_lines);
        surface.set_fill(Some(fill(GREY, 1.0)));
        let footer = cut(
            &measure,
            &format!("第 {} 页 共 {pages_n} 页　{verify_line}", n + 1),
            7.0,
            width,
        );
        pen.centred(&mut surface, PAGE_W / 2.0, PAGE_H - 50.0, 7.0, &footer);
        if n + 1 == pages_n {
            surface.set_fill(Some(fill(INK, 1.0)));
            pen.centred(&mut surface, cx, seal_y - 22.0, issuer_size, &report.issuer);
            pen.centred(
                &mut surface,
                cx,
                seal_y + 32.0,
                12.0,
                &date_zh(report.issued_on),
            );
            draw_seal(&mut surface, &pen, (cx, seal_y), seal_name.trim());
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| CertificateError::Pdf {
        reason: format!("{e:?}"),
    })
}

fn draw_lines(surface: &mut Surface<'_>, pen: &Pen<'_>, lines: &[Placed]) {
    surface.set_stroke(None);
    for (x, y, size, text, grey) in lines {
        surface.set_fill(Some(fill(if *grey { GREY } else { INK }, 1.0)));
        pen.text(surface, *x, *y, *size, text);
    }
}
