//! The one privacy policy: what of an applicant's identity number and name
//! each viewer sees on each surface (a case, a licence, a printed licence, the
//! public pages). The use cases ask [`exposure`] and apply its answer; no
//! surface decides for itself.
//!
//! - The applicant, or holder, sees everything that is theirs.
//! - The public never sees an identity number, and sees a person's name with
//!   only the surname (a company's name is public).
//! - Staff and regulators see names. On an item that masks identities (双盲),
//!   they see identity numbers masked, except intake, which checks the original
//!   documents, and — on the printed licence only — the officer who prints it
//!   for the holder (制证).

use crate::case::ApplicantKind;
use crate::role::Role;

/// Where an identity is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// A case: its page, its JSON, its form fields.
    Case,
    /// A licence as data: its page, its JSON, licence lists.
    Licence,
    /// A licence as the printed document (PDF).
    LicencePrint,
    /// The public verification page and the public list (证照公示).
    Public,
}

/// Who is looking.
#[derive(Debug, Clone, Copy)]
pub enum Viewer<'a> {
    /// The applicant of the case, the holder of the licence.
    Owner,
    /// A member of staff or a regulator, with their roles.
    Staff(&'a [Role]),
    /// Anyone, without logging in.
    Public,
}

/// How much of a value is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Full,
    Masked,
    Hidden,
}

/// What a viewer sees of one identity and name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exposure {
    pub identity: Shown,
    pub name: Shown,
}

impl Exposure {
    /// The identity number as shown (`None` when hidden).
    pub fn identity(&self, number: &str) -> Option<String> {
        match self.identity {
            Shown::Full => Some(number.to_string()),
            Shown::Masked => Some(mask_identity_number(number)),
            Shown::Hidden => None,
        }
    }

    /// The name as shown (empty when hidden).
    pub fn name(&self, name: &str) -> String {
        match self.name {
            Shown::Full => name.to_string(),
            Shown::Masked => mask_person_name(name),
            Shown::Hidden => String::new(),
        }
    }

    /// Whether anything is held back from this viewer.
    pub fn is_partial(&self) -> bool {
        self.identity != Shown::Full || self.name != Shown::Full
    }
}

/// What `viewer` sees on `surface` of the identity and name of an applicant
/// of `kind`, for an item that does or does not mask identities.
pub fn exposure(
    viewer: Viewer<'_>,
    surface: Surface,
    item_masks: bool,
    kind: ApplicantKind,
) -> Exposure {
    const FULL: Exposure = Exposure {
        identity: Shown::Full,
        name: Shown::Full,
    };
    let roles = match viewer {
        Viewer::Owner => return FULL,
        Viewer::Public => return public(kind),
        Viewer::Staff(_) if surface == Surface::Public => return public(kind),
        Viewer::Staff(roles) => roles,
    };
    let checks_originals = roles.iter().any(|r| r.sees_full_identity());
    let prints_it = surface == Surface::LicencePrint && roles.contains(&Role::Officer);
    if item_masks && !checks_originals && !prints_it {
        Exposure {
            identity: Shown::Masked,
            name: Shown::Full,
        }
    } else {
        FULL
    }
}

/// What anyone may see: no number; a person's surname, a company's name.
fn public(kind: ApplicantKind) -> Exposure {
    Exposure {
        identity: Shown::Hidden,
        name: match kind {
            ApplicantKind::Person => Shown::Masked,
            ApplicantKind::Organisation => Shown::Full,
        },
    }
}

/// Keeps the first 4 and last 4 characters of an identity number.
pub fn mask_identity_number(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..4].iter().collect();
    out.push_str(&"*".repeat(chars.len() - 8));
    out.extend(&chars[chars.len() - 4..]);
    out
}

/// A natural person's name with only the surname: the first character and asterisks.
pub fn mask_person_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => {
            let rest = chars.count().max(1);
            format!("{first}{}", "*".repeat(rest))
        }
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SURFACES: [Surface; 4] = [
        Surface::Case,
        Surface::Licence,
        Surface::LicencePrint,
        Surface::Public,
    ];

    #[test]
    fn the_owner_sees_everything_that_is_theirs() {
        for surface in SURFACES {
            let e = exposure(Viewer::Owner, surface, true, ApplicantKind::Person);
            assert_eq!(e.identity(&"1".repeat(18)), Some("1".repeat(18)));
            assert_eq!(e.name("张三"), "张三");
        }
    }

    #[test]
    fn the_public_never_sees_a_number_and_sees_only_a_persons_surname() {
        for surface in SURFACES {
            for masks in [false, true] {
                let person = exposure(Viewer::Public, surface, masks, ApplicantKind::Person);
                assert_eq!(person.identity("11010519491231002X"), None);
                assert_eq!(person.name("张三"), "张*");
                let company = exposure(Viewer::Public, surface, masks, ApplicantKind::Organisation);
                assert_eq!(company.identity("91510107MA6C11110G"), None);
                assert_eq!(company.name("锦江书店有限公司"), "锦江书店有限公司");
            }
        }
        let staff = exposure(
            Viewer::Staff(&[Role::Clerk]),
            Surface::Public,
            false,
            ApplicantKind::Person,
        );
        assert_eq!(
            staff.identity,
            Shown::Hidden,
            "the public page is public for staff too"
        );
    }

    #[test]
    fn on_a_masking_item_only_intake_and_the_printing_officer_see_the_number() {
        let id = "11010519491231002X";
        for role in Role::ALL.into_iter().filter(|r| r.is_staff()) {
            for surface in [Surface::Case, Surface::Licence, Surface::LicencePrint] {
                let e = exposure(Viewer::Staff(&[role]), surface, true, ApplicantKind::Person);
                let full = role == Role::Clerk
                    || (role == Role::Officer && surface == Surface::LicencePrint);
                let expected = if full {
                    id.to_string()
                } else {
                    "1101**********002X".to_string()
                };
                assert_eq!(e.identity(id), Some(expected), "{role:?} {surface:?}");
                assert_eq!(e.name("张三"), "张三");
                let plain = exposure(
                    Viewer::Staff(&[role]),
                    surface,
                    false,
                    ApplicantKind::Person,
                );
                assert_eq!(
                    plain.identity(id).as_deref(),
                    Some(id),
                    "no masking on other items"
                );
            }
        }
    }

    #[test]
    fn masks_keep_the_ends() {
        assert_eq!(
            mask_identity_number("11010519491231002X"),
            "1101**********002X"
        );
        assert_eq!(mask_identity_number("12345678"), "********");
        assert_eq!(mask_person_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_person_name("李"), "李*");
    }
}
