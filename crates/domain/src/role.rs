//! The roles of the people who use onestamp (DESIGN "who uses it").

use serde::{Deserialize, Serialize};

/// A role a user holds. A user may hold several, but separation of duties
/// (see [`crate::assignment`]) keeps one person off two handling stages of one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 申请人: a citizen or an enterprise.
    Applicant,
    /// 受理员: intake at the window, pre-review of online submissions.
    Clerk,
    /// 审查员: examines materials against the item's standard.
    Reviewer,
    /// 踏勘员: site inspection.
    Inspector,
    /// 核准人: grants or denies.
    Approver,
    /// 制证员: produces and issues the certificate.
    Officer,
    /// 监察: sees every clock, reassigns, audits samples.
    Supervisor,
    /// 监管部门: receives approvals of its domain.
    Regulator,
    /// Operator of the installation: users and catalogue.
    Admin,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::Applicant,
        Role::Clerk,
        Role::Reviewer,
        Role::Inspector,
        Role::Approver,
        Role::Officer,
        Role::Supervisor,
        Role::Regulator,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Applicant => "applicant",
            Role::Clerk => "clerk",
            Role::Reviewer => "reviewer",
            Role::Inspector => "inspector",
            Role::Approver => "approver",
            Role::Officer => "officer",
            Role::Supervisor => "supervisor",
            Role::Regulator => "regulator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Chinese name, for pages and messages.
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Applicant => "申请人",
            Role::Clerk => "受理员",
            Role::Reviewer => "审查员",
            Role::Inspector => "踏勘员",
            Role::Approver => "核准人",
            Role::Officer => "制证员",
            Role::Supervisor => "监察",
            Role::Regulator => "监管部门",
            Role::Admin => "管理员",
        }
    }

    /// Staff who handle cases (everyone but applicants).
    pub fn is_staff(self) -> bool {
        self != Role::Applicant
    }

    /// Holds tasks of the pipeline (a workbench of open tasks): intake, review,
    /// inspection, approval and production.
    pub fn handles_cases(self) -> bool {
        match self {
            Role::Clerk | Role::Reviewer | Role::Inspector | Role::Approver | Role::Officer => true,
            Role::Applicant | Role::Supervisor | Role::Regulator | Role::Admin => false,
        }
    }

    /// Sees every case and every licence: the handling staff, supervisors and
    /// administrators. An applicant sees their own; a regulator only the
    /// licences of the departments it supervises, and no case.
    pub fn sees_every_case(self) -> bool {
        match self {
            Role::Clerk
            | Role::Reviewer
            | Role::Inspector
            | Role::Approver
            | Role::Officer
            | Role::Supervisor
            | Role::Admin => true,
            Role::Applicant | Role::Regulator => false,
        }
    }

    /// Oversees the bureau's work as a whole: overdue alerts, late tasks, quality
    /// samples, staff profiles.
    pub fn oversees(self) -> bool {
        match self {
            Role::Supervisor | Role::Admin => true,
            Role::Applicant
            | Role::Clerk
            | Role::Reviewer
            | Role::Inspector
            | Role::Approver
            | Role::Officer
            | Role::Regulator => false,
        }
    }

    /// May look cases up by an applicant's identity number: intake, which checks
    /// the documents, and those who answer for the whole bureau.
    pub fn searches_by_identity(self) -> bool {
        match self {
            Role::Clerk | Role::Supervisor | Role::Admin => true,
            Role::Applicant
            | Role::Reviewer
            | Role::Inspector
            | Role::Approver
            | Role::Officer
            | Role::Regulator => false,
        }
    }

    /// Sees identity numbers in full on an item that masks them (双盲): intake
    /// checks the original documents; every other member of staff sees them masked.
    pub fn sees_full_identity(self) -> bool {
        match self {
            Role::Clerk => true,
            Role::Applicant
            | Role::Reviewer
            | Role::Inspector
            | Role::Approver
            | Role::Officer
            | Role::Supervisor
            | Role::Regulator
            | Role::Admin => false,
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("king"), None);
    }

    /// The roles for which `pick` holds, in the order of [`Role::ALL`].
    fn holding(pick: fn(Role) -> bool) -> Vec<Role> {
        Role::ALL.into_iter().filter(|r| pick(*r)).collect()
    }

    #[test]
    fn every_member_of_staff_but_the_regulator_sees_every_case() {
        use Role::*;
        assert_eq!(
            holding(Role::sees_every_case),
            [
                Clerk, Reviewer, Inspector, Approver, Officer, Supervisor, Admin
            ]
        );
    }

    #[test]
    fn supervisors_and_admins_oversee() {
        assert_eq!(holding(Role::oversees), [Role::Supervisor, Role::Admin]);
    }

    #[test]
    fn only_intake_supervisors_and_admins_search_by_identity() {
        use Role::*;
        assert_eq!(
            holding(Role::searches_by_identity),
            [Clerk, Supervisor, Admin]
        );
    }

    #[test]
    fn only_intake_sees_masked_identities_in_full() {
        assert_eq!(holding(Role::sees_full_identity), [Role::Clerk]);
    }
}
