//! What text a person may type: printable characters, and line breaks and tabs
//! only where the text may have several lines. Control characters (a NUL that
//! looks like an empty opinion, an escape that rewrites a terminal) and the
//! invisible direction overrides that make a name read backwards are refused.

/// Whether the text may span several lines (an opinion, a 多行 field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    One,
    Many,
}

/// The first character that may not be typed here, described for the person
/// who typed it; `None` when the text is acceptable.
pub fn forbidden(text: &str, lines: Lines) -> Option<String> {
    text.chars().find_map(|c| {
        let allowed_break = lines == Lines::Many && matches!(c, '\n' | '\r' | '\t');
        if c.is_control() && !allowed_break {
            Some(if matches!(c, '\n' | '\r') {
                "不能换行".to_string()
            } else {
                format!("含有不可见的控制字符（U+{:04X}）", c as u32)
            })
        } else if is_direction_override(c) {
            Some(format!(
                "含有改变文字方向的不可见字符（U+{:04X}）",
                c as u32
            ))
        } else {
            None
        }
    })
}

/// Unicode's explicit embedding, override and isolate controls (and the
/// deprecated U+206A–206F): invisible, and able to reorder what is shown.
fn is_direction_override(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{206A}'..='\u{206F}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_chinese_and_punctuation_pass() {
        assert_eq!(forbidden("同意。符合《条例》第 3 条！", Lines::One), None);
        assert_eq!(forbidden("第一行\n第二行\t缩进", Lines::Many), None);
    }

    #[test]
    fn nul_and_escape_are_refused_everywhere() {
        for s in ["\0", "同意\0", "\u{1b}[2J", "a\u{7f}b", "\u{85}"] {
            assert!(forbidden(s, Lines::Many).is_some(), "{s:?}");
            assert!(forbidden(s, Lines::One).is_some(), "{s:?}");
        }
    }

    #[test]
    fn line_breaks_only_where_lines_are_many() {
        assert_eq!(forbidden("甲\n乙", Lines::One).as_deref(), Some("不能换行"));
        assert!(forbidden("甲\t乙", Lines::One).is_some());
    }

    #[test]
    fn direction_overrides_are_refused() {
        assert!(forbidden("invoice\u{202E}fdp.exe", Lines::One).is_some());
        assert!(forbidden("\u{2067}x", Lines::Many).is_some());
    }
}
