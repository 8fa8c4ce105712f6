//! Case numbers: `<district code>-<YYYYMMDD>-<6-digit daily serial>`, e.g.
//! `510107-20261122-000123`.

use chrono::NaiveDate;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CaseNumber(String);

impl CaseNumber {
    /// The `serial`-th case of `date` in `district` (a 6-digit region code).
    pub fn new(district: &str, date: NaiveDate, serial: u32) -> CaseNumber {
        CaseNumber(format!("{district}-{}-{serial:06}", date.format("%Y%m%d")))
    }

    /// Parses a case number, checking each part.
    pub fn parse(s: &str) -> Option<CaseNumber> {
        let mut parts = s.split('-');
        let (Some(d), Some(day), Some(serial), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
        if !digits(d, 6) || !digits(day, 8) || !digits(serial, 6) {
            return None;
        }
        NaiveDate::parse_from_str(day, "%Y%m%d").ok()?;
        Some(CaseNumber(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CaseNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_number_has_district_date_and_serial() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let n = CaseNumber::new("510107", d, 123);
        assert_eq!(n.as_str(), "510107-20261122-000123");
        assert_eq!(CaseNumber::parse(n.as_str()), Some(n));
    }

    #[test]
    fn malformed_case_numbers_are_refused() {
        for bad in [
            "",
            "510107-20261122",
            "510107-20261322-000001",
            "51010-20261122-000001",
            "510107-20261122-00000a",
            "510107-20261122-000001-1",
        ] {
            assert_eq!(CaseNumber::parse(bad), None, "{bad}");
        }
    }
}
