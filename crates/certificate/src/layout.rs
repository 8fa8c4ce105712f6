//! Line breaking for licence text, which krilla leaves to its caller.
//!
//! Chinese breaks between any two characters, except that closing punctuation
//! never starts a line and opening punctuation never ends one (the basic rules of
//! 避头尾, applied by pushing the character to the next line); Latin words, numbers
//! and codes break only at spaces unless a single one is wider than the line.

use crate::font::Measure;

/// Breaks `text` into lines no wider than `first_width` (the first) and `width`
/// (the rest). Breaks fall between CJK characters or between Latin words, never
/// before closing punctuation nor after opening punctuation; a word wider than a
/// line is broken between characters; `\n` forces a break.
pub(crate) fn wrap(
    measure: &Measure<'_>,
    text: &str,
    size: f32,
    first_width: f32,
    width: f32,
) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut line_width = 0.0;
        for token in tokens(paragraph.trim_end()) {
            let limit = if lines.is_empty() { first_width } else { width };
            let token_width = measure.width(&token, size);
            if line_width + token_width <= limit + 0.01 {
                if !(line.is_empty() && token == " ") {
                    line.push_str(&token);
                    line_width += token_width;
                }
                continue;
            }
            if !line.is_empty() {
                lines.push(line.trim_end().to_owned());
                line.clear();
                line_width = 0.0;
            }
            if token == " " {
                continue;
            }
            for c in token.chars() {
                let limit = if lines.is_empty() { first_width } else { width };
                let w = measure.width(c.encode_utf8(&mut [0; 4]), size);
                if line_width + w > limit + 0.01 && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    line_width = 0.0;
                }
                line.push(c);
                line_width += w;
            }
        }
        lines.push(line.trim_end().to_owned());
    }
    lines
}

/// Unbreakable pieces: one CJK character, a Latin word or number, or a space, with
/// closing punctuation glued to what precedes and opening punctuation to what follows.
fn tokens(text: &str) -> Vec<String> {
    let mut raw: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || "._-/@#%+=&~".contains(c) {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            raw.push(std::mem::take(&mut word));
        }
        raw.push(if c.is_whitespace() {
            " ".to_owned()
        } else {
            c.to_string()
        });
    }
    if !word.is_empty() {
        raw.push(word);
    }
    let mut merged: Vec<String> = Vec::new();
    let mut opening = String::new();
    for token in raw {
        let closes = token
            .chars()
            .all(|c| "，。、；：？！）》」』】〉”’,;:?!)]%".contains(c));
        if closes
            && opening.is_empty()
            && let Some(last) = merged.last_mut()
        {
            last.push_str(&token);
            continue;
        }
        if token.chars().all(|c| "（《「『【〈“‘([".contains(c)) {
            opening.push_str(&token);
            continue;
        }
        merged.push(std::mem::take(&mut opening) + &token);
    }
    if !opening.is_empty() {
        merged.push(opening);
    }
    merged
}

/// `size`, reduced so that `text` is at most `max_width` wide.
pub(crate) fn fit(measure: &Measure<'_>, text: &str, size: f32, max_width: f32) -> f32 {
    let width = measure.width(text, size);
    if width > max_width && width > 0.0 {
        size * max_width / width
    } else {
        size
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FontSource;

    #[test]
    fn tokens_keep_words_whole_and_punctuation_with_its_neighbour() {
        assert_eq!(
            tokens("销售（含冷藏）；Special Foods"),
            ["销", "售", "（含", "冷", "藏）；", "Special", " ", "Foods"]
        );
        assert_eq!(tokens("1.2.156.3005"), ["1.2.156.3005"]);
        assert_eq!(tokens(""), Vec::<String>::new());
    }

    fn font() -> Option<FontSource> {
        match FontSource::system() {
            Ok(font) => Some(font),
            Err(e) if std::env::var_os("CI").is_some() => panic!("{e}"),
            Err(e) => {
                eprintln!("skipped: {e}");
                None
            }
        }
    }

    #[test]
    fn wrapped_lines_fit_and_lose_nothing() {
        let Some(font) = font() else { return };
        let measure = font.measure().unwrap();
        let text = "预包装食品销售（含冷藏冷冻食品）；散装食品销售（不含冷藏冷冻食品）；\
                    特殊医学用途配方食品销售（Special Medical Purpose Foods）";
        let lines = wrap(&measure, text, 12.0, 150.0, 200.0);
        assert!(lines.len() > 3);
        assert!(measure.width(&lines[0], 12.0) <= 150.01);
        for line in &lines[1..] {
            assert!(measure.width(line, 12.0) <= 200.01, "{line} too wide");
            assert!(!line.starts_with(['，', '；', '）', '。']), "{line}");
            assert!(!line.ends_with('（'), "{line}");
        }
        let joined: String = lines.concat();
        assert_eq!(joined.replace(' ', ""), text.replace(' ', ""));
        assert_eq!(wrap(&measure, "甲\n乙", 12.0, 100.0, 100.0), ["甲", "乙"]);
        let id = "1.2.156.3005.2.JY.11510107MB1527601B.2026000123.001.A";
        assert!(wrap(&measure, id, 12.0, 100.0, 100.0).len() > 1);
    }
}
