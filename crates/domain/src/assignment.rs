//! Assignment policy (双随机): a task goes at random to one of the qualified,
//! available staff of its role, weighted towards lower current load, never to
//! someone separation of duties keeps off the case.
//!
//! The random source is an argument, so tests seed it and get reproducible draws.

use rand::Rng;

use crate::case::{Case, Stage, UserId, separation_of_duties};

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
        }
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
