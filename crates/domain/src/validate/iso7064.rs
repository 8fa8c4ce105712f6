//! Check-character systems of ISO/IEC 7064 used by Chinese identifiers.
//!
//! * MOD 11-2 (pure system, numeric input, check character `0`–`9` or `X`): the
//!   last character of a citizen ID (GB 11643).
//! * MOD 37,36 (hybrid system, input and check character from `0`–`9A`–`Z`): the
//!   last segment of an e-licence identifier (GB/T 36904).
//!
//! Both functions are total: an input character outside the system's alphabet
//! yields `None` rather than a panic, so callers can report it as a format error.

/// Value of `c` in the alphanumeric alphabet `0`–`9` = 0–9, `A`–`Z` = 10–35.
/// Lower-case letters are not accepted; callers normalise first.
pub fn alphanumeric_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' | 'A'..='Z' => c.to_digit(36),
        _ => None,
    }
}

/// The character of value `v` (0–35) in the alphanumeric alphabet.
fn alphanumeric_char(v: u32) -> Option<char> {
    char::from_digit(v, 36).map(|c| c.to_ascii_uppercase())
}

/// The MOD 11-2 check character for a string of decimal digits, or `None` if the
/// string holds anything else.
///
/// Computed recursively (P = (P + a) × 2 mod 11 per digit), which equals the
/// weighted sum with weights 2^k mod 11 that GB 11643 prints as
/// `7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2`; the check value c makes P + c ≡ 1 (mod 11),
/// and 10 is written `X`.
pub fn mod_11_2_check(digits: &str) -> Option<char> {
    let mut p = 0u32;
    for c in digits.chars() {
        let a = c.to_digit(10)?;
        p = ((p + a) * 2) % 11;
    }
    let check = (12 - p) % 11;
    if check == 10 {
        Some('X')
    } else {
        char::from_digit(check, 10)
    }
}

/// The MOD 37,36 check character for a string over `0`–`9A`–`Z`, or `None` if
/// the string holds anything else.
///
/// Hybrid system with M = 36: start with P = M; for each character
/// P = (P + value) mod M, replaced by M when 0, then P = 2P mod (M + 1); the check
/// value is (M + 1 − P) mod M.
pub fn mod_37_36_check(s: &str) -> Option<char> {
    const M: u32 = 36;
    let mut p = M;
    for c in s.chars() {
        let a = alphanumeric_value(c)?;
        p = (p + a) % M;
        if p == 0 {
            p = M;
        }
        p = (p * 2) % (M + 1);
    }
    alphanumeric_char((M + 1 - p) % M)
}

/// Whether the last character of `s` is the MOD 37,36 check character of the rest.
pub fn mod_37_36_is_valid(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next_back() {
        Some(last) => mod_37_36_check(chars.as_str()) == Some(last),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The weighted-sum formulation printed in GB 11643-1999.
    fn gb11643_check(digits: &str) -> char {
        const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        const MAP: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
        let sum: u32 = digits
            .chars()
            .zip(WEIGHTS)
            .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
            .sum();
        MAP[(sum % 11) as usize]
    }

    /// A deterministic stream of 17-digit strings (a linear congruential generator).
    fn seventeen_digit_strings(n: usize) -> Vec<String> {
        let mut state: u64 = 0x5101_0700;
        (0..n)
            .map(|_| {
                (0..17)
                    .map(|_| {
                        state = state
                            .wrapping_mul(6_364_136_223_846_793_005)
                            .wrapping_add(1_442_695_040_888_963_407);
                        char::from(b'0' + ((state >> 33) % 10) as u8)
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn mod_11_2_matches_the_iso_example_and_the_x_case() {
        // ISO/IEC 7064 examples, also in python-stdnum's documentation.
        assert_eq!(mod_11_2_check("0794"), Some('0'));
        assert_eq!(mod_11_2_check("079"), Some('X'));
    }

    #[test]
    fn mod_11_2_agrees_with_the_weight_table_of_gb_11643() {
        for digits in seventeen_digit_strings(5_000) {
            assert_eq!(
                mod_11_2_check(&digits),
                Some(gb11643_check(&digits)),
                "{digits}"
            );
        }
        assert_eq!(mod_11_2_check("11010519491231002"), Some('X'));
    }

    #[test]
    fn mod_11_2_refuses_non_digits() {
        assert_eq!(mod_11_2_check("12A4"), None);
    }

    #[test]
    fn mod_37_36_matches_the_iso_example() {
        // ISO/IEC 7064 example, also in python-stdnum's documentation.
        assert_eq!(mod_37_36_check("A12425GABC1234002"), Some('M'));
        assert!(mod_37_36_is_valid("A12425GABC1234002M"));
    }

    #[test]
    fn mod_37_36_detects_every_single_substitution() {
        let valid = "A12425GABC1234002M";
        for (i, original) in valid.char_indices() {
            for v in 0..36 {
                let Some(replacement) = alphanumeric_char(v) else {
                    continue;
                };
                if replacement == original {
                    continue;
                }
                let mut changed = valid.to_owned();
                changed.replace_range(i..i + 1, &replacement.to_string());
                assert!(!mod_37_36_is_valid(&changed), "{changed} should fail");
            }
        }
    }

    #[test]
    fn mod_37_36_refuses_characters_outside_the_alphabet() {
        assert_eq!(mod_37_36_check("abc"), None);
        assert_eq!(mod_37_36_check("A.B"), None);
        assert!(!mod_37_36_is_valid(""));
    }

    #[test]
    fn alphanumeric_values_run_from_zero_to_thirty_five() {
        assert_eq!(alphanumeric_value('0'), Some(0));
        assert_eq!(alphanumeric_value('9'), Some(9));
        assert_eq!(alphanumeric_value('A'), Some(10));
        assert_eq!(alphanumeric_value('Z'), Some(35));
        assert_eq!(alphanumeric_value('a'), None);
        assert_eq!(alphanumeric_char(35), Some('Z'));
    }
}
