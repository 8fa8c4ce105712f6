//! Charts drawn on the server as inline SVG: horizontal bars (labels in
//! Chinese on the left, readable on a phone) and columns over days. The
//! drawing scales to the card's width (`viewBox`); text takes the page's font.
//! Every label is escaped here, so the template may embed the result as is.

use std::fmt::Write;

const WIDTH: f64 = 480.0;
const LABEL: f64 = 150.0;
const BAR: f64 = 24.0;
const GAP: f64 = 10.0;
/// Longest label drawn, in characters (the table beside it has the whole).
const LABEL_CHARS: usize = 9;

/// Escapes text for SVG (XML).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn short(s: &str) -> String {
    if s.chars().count() <= LABEL_CHARS {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(LABEL_CHARS - 1).collect();
        t.push('…');
        t
    }
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.1}")
    }
}

/// Horizontal bars, one per (label, value), longest first as given; `unit`
/// follows each value (`%`, `小时`, or nothing). `None` without data.
pub fn bars(title: &str, data: &[(String, f64)], unit: &str) -> Option<String> {
    if data.is_empty() {
        return None;
    }
    let max = data.iter().map(|(_, v)| *v).fold(0.0_f64, f64::max);
    let height = 36.0 + data.len() as f64 * (BAR + GAP);
    let plot = WIDTH - LABEL - 80.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart-svg" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = escape(title)
    );
    let _ = write!(
        svg,
        r##"<text x="0" y="18" font-size="16" font-weight="600" fill="#1f2d3d">{}</text>"##,
        escape(title)
    );
    for (i, (label, v)) in data.iter().enumerate() {
        let y = 32.0 + i as f64 * (BAR + GAP);
        let w = if max > 0.0 { plot * v / max } else { 0.0 };
        let _ = write!(
            svg,
            r##"<text x="{x}" y="{ty}" font-size="15" text-anchor="end" fill="#333">{l}</text><rect x="{LABEL}" y="{y}" width="{w:.1}" height="{BAR}" rx="3" fill="#c0392b"><title>{full}：{n}{unit}</title></rect><text x="{vx:.1}" y="{ty}" font-size="15" fill="#333">{n}{unit}</text>"##,
            x = LABEL - 8.0,
            ty = y + BAR * 0.72,
            l = escape(&short(label)),
            full = escape(label),
            n = number(*v),
            unit = escape(unit),
            vx = LABEL + w + 6.0,
        );
    }
    svg.push_str("</svg>");
    Some(svg)
}

/// Columns over days (`label` like `03-02`), with a label under every few
/// columns and the highest value marked. `None` without data.
pub fn columns(title: &str, data: &[(String, f64)]) -> Option<String> {
    if data.is_empty() {
        return None;
    }
    let max = data.iter().map(|(_, v)| *v).fold(0.0_f64, f64::max);
    let (left, top, bottom) = (40.0, 30.0, 26.0);
    let height = 240.0;
    let plot_h = height - top - bottom;
    let step = (WIDTH - left) / data.len() as f64;
    let every = (data.len() / 8).max(1);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart-svg" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title>"#,
        t = escape(title)
    );
    let _ = write!(
        svg,
        r##"<text x="0" y="18" font-size="16" font-weight="600" fill="#1f2d3d">{}</text>"##,
        escape(title)
    );
    let base = top + plot_h;
    let _ = write!(
        svg,
        r##"<line x1="{left}" y1="{base}" x2="{WIDTH}" y2="{base}" stroke="#999" stroke-width="1"/><text x="{lx}" y="{ty}" font-size="14" text-anchor="end" fill="#666">{m}</text><text x="{lx}" y="{base}" font-size="14" text-anchor="end" fill="#666">0</text>"##,
        lx = left - 4.0,
        ty = top + 10.0,
        m = number(max),
    );
    for (i, (label, v)) in data.iter().enumerate() {
        let h = if max > 0.0 { plot_h * v / max } else { 0.0 };
        let x = left + i as f64 * step + (step - (step * 0.7).min(36.0)) / 2.0;
        let _ = write!(
            svg,
            r##"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="#2f6fb0"><title>{l}：{n}</title></rect>"##,
            y = base - h,
            w = (step * 0.7).min(36.0),
            l = escape(label),
            n = number(*v),
        );
        if i % every == 0 {
            let _ = write!(
                svg,
                r##"<text x="{cx:.1}" y="{ly}" font-size="14" text-anchor="middle" fill="#666">{l}</text>"##,
                cx = x + (step * 0.7).min(36.0) / 2.0,
                ly = base + 18.0,
                l = escape(label),
            );
        }
    }
    svg.push_str("</svg>");
    Some(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_escape_labels_and_scale_to_the_largest() {
        let svg = bars(
            "按事项",
            &[
                ("食品<经营>".into(), 10.0),
                ("出版物零售单位设立登记许可".into(), 5.0),
            ],
            "件",
        )
        .unwrap_or_default();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("食品&lt;经营&gt;"));
        assert!(svg.contains("出版物零售单位设…"), "{svg}");
        assert!(svg.contains(r#"width="250.0""#), "{svg}");
        assert!(svg.contains(r#"width="125.0""#), "{svg}");
        assert!(bars("空", &[], "").is_none());
    }

    #[test]
    fn columns_draw_one_per_day() {
        let data: Vec<(String, f64)> = (1..=3).map(|d| (format!("03-0{d}"), d as f64)).collect();
        let svg = columns("每日办件量", &data).unwrap_or_default();
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains("03-02"));
    }
}
