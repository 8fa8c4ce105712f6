//! Assignment policy (双随机): a task goes at random to one of the qualified,
//! available staff of its role, weighted towards lower current load, never to
//! someone separation of duties keeps off the case.
//!
//! The random source is an argument, so tests seed it and get reproducible draws.

use rand::Rng;
use rand::seq::index::sample;
use serde::{Deserialize, Serialize};

use crate::case::{Case, Channel, Stage, UserId, separation_of_duties};
use crate::catalogue::Item;

/// What a member of staff may handle (持证上岗) and whether they are on duty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffProfile {
    /// On duty; staff on leave get no new tasks.
    #[serde(default = "on_duty")]
    pub available: bool,
    /// Department codes whose items they handle; `*` for every department.
    #[serde(default)]
    pub departments: Vec<String>,
    /// Individual item codes they handle besides their departments'.
    #[serde(default)]
    pub items: Vec<String>,
    /// Qualification certificates held (an item may require one, e.g. 食品经营许可审查员).
    #[serde(default)]
    pub certificates: Vec<String>,
}

impl Default for StaffProfile {
    fn default() -> Self {
        StaffProfile {
            available: true,
            departments: Vec::new(),
            items: Vec::new(),
            certificates: Vec::new(),
        }
    }
}

fn on_duty() -> bool {
    true
}

impl StaffProfile {
    /// Whether this person may handle `item` at all (availability aside).
    pub fn qualified_for(&self, item: &Item) -> bool {
        let scope = self.items.iter().any(|c| c == &item.code)
            || self
                .departments
                .iter()
                .any(|d| d == "*" || d == &item.department);
        let certified = item
            .qualification
            .as_ref()
            .is_none_or(|q| self.certificates.iter().any(|c| c == q));
        scope && certified
    }
}

/// Why a named person may not take a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unfit {
    WrongRole,
    IsApplicant,
    OnLeave,
    NotQualified,
    SeparationOfDuties,
}

impl Unfit {
    pub fn reason_zh(self) -> &'static str {
        match self {
            Unfit::WrongRole => "不具备该环节的岗位角色",
            Unfit::IsApplicant => "是本办件的申请人",
            Unfit::OnLeave => "不在岗",
            Unfit::NotQualified => "不具备该事项的办理资格（持证上岗）",
            Unfit::SeparationOfDuties => "已在本办件中承担其他分离岗位",
        }
    }
}

/// Checks one person for `stage` of `case` (when a supervisor names the assignee).
pub fn fit_for(
    case: &Case,
    item: &Item,
    stage: Stage,
    user: UserId,
    holds_role: bool,
    profile: &StaffProfile,
) -> Result<(), Unfit> {
    if !holds_role {
        return Err(Unfit::WrongRole);
    }
    if user == case.applicant.user_id {
        return Err(Unfit::IsApplicant);
    }
    if !profile.available {
        return Err(Unfit::OnLeave);
    }
    if !profile.qualified_for(item) {
        return Err(Unfit::NotQualified);
    }
    separation_of_duties(case, stage, user).map_err(|_| Unfit::SeparationOfDuties)
}

/// Who holds the first task of a case a clerk filed at the window (一窗受理).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowIntake {
    /// The clerk who took the application in accepts it at once.
    Filer(UserId),
    /// The task is drawn as usual (双随机); when the filing clerk was considered,
    /// why they may not take it.
    Draw(Option<Unfit>),
}

/// At the window the clerk who takes an application in normally accepts it at
/// once: the intake task of a counter case goes to the filing clerk when they
/// are fit for it ([`fit_for`]: a clerk, not the applicant, on duty, qualified
/// for the item, separation of duties); otherwise, and for every other stage or
/// channel, it is drawn. `clerk` is the filing clerk, whether they hold the
/// clerk role, and their profile (`None`: never given one, so not qualified).
pub fn window_intake(
    case: &Case,
    item: &Item,
    stage: Stage,
    clerk: Option<(UserId, bool, Option<&StaffProfile>)>,
) -> WindowIntake {
    let Some((user, holds_role, profile)) = clerk else {
        return WindowIntake::Draw(None);
    };
    if stage != Stage::Intake || case.channel != Channel::Counter {
        return WindowIntake::Draw(None);
    }
    let Some(profile) = profile else {
        return WindowIntake::Draw(Some(Unfit::NotQualified));
    };
    match fit_for(case, item, stage, user, holds_role, profile) {
        Ok(()) => WindowIntake::Filer(user),
        Err(unfit) => WindowIntake::Draw(Some(unfit)),
    }
}

/// Draws `n` distinct entries of `from` at random (质量评查 samples), in their order.
pub fn draw_sample<T: Clone, R: Rng + ?Sized>(from: &[T], n: usize, rng: &mut R) -> Vec<T> {
    let n = n.min(from.len());
    let mut picked: Vec<usize> = sample(rng, from.len(), n).into_vec();
    picked.sort_unstable();
    picked
        .into_iter()
        .filter_map(|i| from.get(i).cloned())
        .collect()
}

/// A member of staff who could take a task, with their open task count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub user_id: UserId,
    pub load: u32,
}

/// Picks the assignee for `stage` of `case`, or `None` when nobody may take it.
///
/// Weight of a candidate = (highest load + 1) − own load, so the least loaded are
/// favoured while everyone keeps a chance (a pure minimum would be predictable).
pub fn choose_assignee<R: Rng + ?Sized>(
    case: &Case,
    stage: Stage,
    candidates: &[Candidate],
    rng: &mut R,
) -> Option<UserId> {
    let eligible: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| separation_of_duties(case, stage, c.user_id).is_ok())
        .filter(|c| c.user_id != case.applicant.user_id)
        .collect();
    let max = eligible.iter().map(|c| c.load).max()?;
    let weights: Vec<u64> = eligible
        .iter()
        .map(|c| u64::from(max - c.load) + 1)
        .collect();
    let total: u64 = weights.iter().sum();
    let mut draw = rng.random_range(0..total);
    for (c, w) in eligible.iter().zip(&weights) {
        if draw < *w {
            return Some(c.user_id);
        }
        draw -= w;
    }
    eligible.last().map(|c| c.user_id)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::Utc;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;
    use crate::case::{Applicant, ApplicantKind, CaseStatus, Channel};

    fn case() -> Case {
        Case {
            id: 1,
            number: "510107-20260302-000001".into(),
            item_code: "X".into(),
            item_version: 1,
            applicant: Applicant {
                user_id: 1,
                kind: ApplicantKind::Person,
                name: "李四".into(),
                identity: String::new(),
            },
            channel: Channel::Counter,
            form: serde_json::Map::new(),
            status: CaseStatus::Review,
            correction_return: None,
            priority: false,
            deadline: None,
            legal_deadline: None,
            version: 1,
            submitted_at: Utc::now(),
            updated_at: Utc::now(),
            task: None,
            handlers: BTreeMap::new(),
            machine_review: None,
            suspended_since: None,
            suspended_minutes: 0,
            stage_minutes: BTreeMap::new(),
            materials: BTreeMap::new(),
            correction: None,
            corrected_stages: Vec::new(),
            correction_allowance: None,
        }
    }

    fn counter_case() -> Case {
        let mut c = case();
        c.status = CaseStatus::Intake;
        c
    }

    fn on_duty_everywhere() -> StaffProfile {
        StaffProfile {
            departments: vec!["*".into()],
            ..StaffProfile::default()
        }
    }

    #[test]
    fn the_filing_clerk_takes_the_intake_of_a_counter_case_when_fit() {
        let item = crate::catalogue::tests::sample_item(false);
        let p = on_duty_everywhere();
        assert_eq!(
            window_intake(
                &counter_case(),
                &item,
                Stage::Intake,
                Some((10, true, Some(&p)))
            ),
            WindowIntake::Filer(10)
        );
    }

    #[test]
    fn an_unfit_filing_clerk_leaves_the_intake_to_the_draw_and_says_why() {
        let item = crate::catalogue::tests::sample_item(false);
        let c = counter_case();
        let fit = on_duty_everywhere();
        let on_leave = StaffProfile {
            available: false,
            ..fit.clone()
        };
        let elsewhere = StaffProfile {
            departments: vec!["nowhere".into()],
            ..fit.clone()
        };
        let draw = |clerk| window_intake(&c, &item, Stage::Intake, clerk);
        assert_eq!(
            draw(Some((10, true, Some(&on_leave)))),
            WindowIntake::Draw(Some(Unfit::OnLeave))
        );
        assert_eq!(
            draw(Some((10, true, Some(&elsewhere)))),
            WindowIntake::Draw(Some(Unfit::NotQualified))
        );
        assert_eq!(
            draw(Some((10, true, None))),
            WindowIntake::Draw(Some(Unfit::NotQualified))
        );
        assert_eq!(
            draw(Some((10, false, Some(&fit)))),
            WindowIntake::Draw(Some(Unfit::WrongRole))
        );
        let applicant = c.applicant.user_id;
        assert_eq!(
            draw(Some((applicant, true, Some(&fit)))),
            WindowIntake::Draw(Some(Unfit::IsApplicant))
        );
        assert_eq!(draw(None), WindowIntake::Draw(None));
    }

    #[test]
    fn only_the_intake_of_a_counter_case_goes_to_the_filer() {
        let item = crate::catalogue::tests::sample_item(false);
        let p = on_duty_everywhere();
        let clerk = Some((10, true, Some(&p)));
        let mut online = counter_case();
        online.channel = Channel::Web;
        assert_eq!(
            window_intake(&online, &item, Stage::Intake, clerk),
            WindowIntake::Draw(None)
        );
        assert_eq!(
            window_intake(&counter_case(), &item, Stage::Review, clerk),
            WindowIntake::Draw(None)
        );
    }

    #[test]
    fn separation_of_duties_keeps_the_filer_off_an_intake_after_another_duty() {
        let item = crate::catalogue::tests::sample_item(false);
        let p = on_duty_everywhere();
        let mut c = counter_case();
        c.handlers.insert(Stage::Review, 10);
        assert_eq!(
            window_intake(&c, &item, Stage::Intake, Some((10, true, Some(&p)))),
            WindowIntake::Draw(Some(Unfit::SeparationOfDuties))
        );
    }

    #[test]
    fn qualification_needs_the_department_or_item_and_the_certificate() {
        let mut item = crate::catalogue::tests::sample_item(false);
        item.qualification = Some("公共场所卫生许可审查员".into());
        let mut p = StaffProfile {
            available: true,
            departments: vec!["wjw".into()],
            items: vec![],
            certificates: vec![],
        };
        assert!(!p.qualified_for(&item), "no certificate");
        p.certificates.push("公共场所卫生许可审查员".into());
        assert!(p.qualified_for(&item));
        p.departments = vec!["scjg".into()];
        assert!(!p.qualified_for(&item), "other department");
        p.items = vec![item.code.clone()];
        assert!(p.qualified_for(&item), "named item");
        p.items.clear();
        p.departments = vec!["*".into()];
        assert!(p.qualified_for(&item));
    }

    #[test]
    fn a_sample_is_distinct_and_reproducible() {
        let ids: Vec<i64> = (1..=100).collect();
        let a = draw_sample(&ids, 10, &mut StdRng::seed_from_u64(1));
        let b = draw_sample(&ids, 10, &mut StdRng::seed_from_u64(1));
        assert_eq!(a, b);
        let mut d = a.clone();
        d.dedup();
        assert_eq!(d.len(), 10);
        assert_eq!(
            draw_sample(&ids[..3], 10, &mut StdRng::seed_from_u64(1)).len(),
            3
        );
    }

    #[test]
    fn nobody_who_did_intake_is_picked_for_review() {
        let mut c = case();
        c.handlers.insert(Stage::Intake, 10);
        let cands = [
            Candidate {
                user_id: 10,
                load: 0,
            },
            Candidate {
                user_id: 11,
                load: 50,
            },
        ];
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..100 {
            assert_eq!(
                choose_assignee(&c, Stage::Review, &cands, &mut rng),
                Some(11)
            );
        }
    }

    #[test]
    fn no_candidates_means_no_assignee() {
        let mut rng = StdRng::seed_from_u64(7);
        assert_eq!(choose_assignee(&case(), Stage::Review, &[], &mut rng), None);
    }

    #[test]
    fn draws_favour_the_less_loaded_but_reach_everyone() {
        let cands = [
            Candidate {
                user_id: 10,
                load: 0,
            },
            Candidate {
                user_id: 11,
                load: 4,
            },
        ];
        let mut rng = StdRng::seed_from_u64(42);
        let mut counts = [0u32; 2];
        for _ in 0..1000 {
            match choose_assignee(&case(), Stage::Review, &cands, &mut rng) {
                Some(10) => counts[0] += 1,
                Some(11) => counts[1] += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(counts[0] > counts[1] * 3, "{counts:?}");
        assert!(counts[1] > 0);
    }

    #[test]
    fn the_same_seed_gives_the_same_draws() {
        let cands: Vec<Candidate> = (10..20)
            .map(|u| Candidate {
                user_id: u,
                load: 0,
            })
            .collect();
        let draw = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            (0..20)
                .map(|_| choose_assignee(&case(), Stage::Review, &cands, &mut rng))
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(3), draw(3));
    }
}
