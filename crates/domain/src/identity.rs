//! The identity of an applicant: a citizen ID (GB 11643) for a person, a unified
//! social credit code (GB 32100) for an organisation.
//!
//! Which of the two it is comes from what the applicant registered as
//! ([`ApplicantKind`]), never from the shape of the characters: some valid citizen
//! ID numbers are also valid credit codes, so guessing mislabels those persons.

use chrono::NaiveDate;

use crate::case::ApplicantKind;
use crate::validate::{CitizenId, CreditCode, ValidationError};

/// A validated identity of a known kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    Citizen(CitizenId),
    Organisation(CreditCode),
}

impl Identity {
    /// Parses `s` as the identity of an applicant of `kind`. `today` is the latest
    /// birth date accepted for a citizen ID.
    pub fn parse(kind: ApplicantKind, s: &str, today: NaiveDate) -> Result<Self, ValidationError> {
        match kind {
            ApplicantKind::Person => CitizenId::parse(s, today).map(Identity::Citizen),
            ApplicantKind::Organisation => CreditCode::parse(s).map(Identity::Organisation),
        }
    }

    pub fn kind(&self) -> ApplicantKind {
        match self {
            Identity::Citizen(_) => ApplicantKind::Person,
            Identity::Organisation(_) => ApplicantKind::Organisation,
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Identity::Citizen(id) => id.as_str(),
            Identity::Organisation(code) => code.as_str(),
        }
    }

    /// The label printed before the identity.
    pub fn label(&self) -> &'static str {
        match self {
            Identity::Citizen(_) => "公民身份号码",
            Identity::Organisation(_) => "统一社会信用代码",
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or_default()
    }

    /// A valid citizen ID whose characters also make a valid credit code, found by a
    /// deterministic search over the sequence digits.
    pub(crate) fn citizen_id_that_is_also_a_credit_code() -> String {
        for seq in 0..1000u32 {
            let body = format!("51010719900101{seq:03}");
            for check in "0123456789X".chars() {
                let s = format!("{body}{check}");
                if CitizenId::parse(&s, today()).is_ok() && CreditCode::parse(&s).is_ok() {
                    return s;
                }
            }
        }
        String::new()
    }

    #[test]
    fn a_collision_exists_and_the_registered_kind_decides() {
        let s = citizen_id_that_is_also_a_credit_code();
        assert_eq!(
            s.len(),
            18,
            "no citizen ID found that is also a credit code"
        );
        let person = Identity::parse(ApplicantKind::Person, &s, today());
        assert!(matches!(person, Ok(Identity::Citizen(_))));
        assert_eq!(person.map(|i| i.label()), Ok("公民身份号码"));
        let org = Identity::parse(ApplicantKind::Organisation, &s, today());
        assert!(matches!(org, Ok(Identity::Organisation(_))));
    }

    #[test]
    fn the_wrong_kind_is_refused() {
        assert!(Identity::parse(ApplicantKind::Person, "91510107MA6C11110G", today()).is_err());
        assert!(
            Identity::parse(ApplicantKind::Organisation, "11010519491231002X", today()).is_err()
        );
        assert_eq!(
            Identity::parse(ApplicantKind::Person, "11010519491231002X", today()).map(|i| i.kind()),
            Ok(ApplicantKind::Person)
        );
    }
}
