//! Bundles (联审联办): one application for a theme, one child case per item.
//!
//! What the applicant sees is the bundle: one status, one outcome, one list of
//! what to correct. This module says what that is from the children's states,
//! which waiting children may start now, and what a denial does to the rest.
//! Pure: the app loads the children and commits what is decided here.

use serde::{Deserialize, Serialize};

use crate::case::CaseStatus;
use crate::theme::OnDenial;

/// Where one child of a bundle stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ChildState {
    /// Waiting for the items it needs to be issued; no case yet.
    Waiting,
    /// A case exists.
    Case { id: i64, status: CaseStatus },
    /// It never started: the bundle stopped before its prerequisites were issued.
    Cancelled,
}

/// A child of a bundle: its item and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Child {
    pub item: String,
    pub waits_for: Vec<String>,
    pub state: ChildState,
}

/// Where a bundle stands, as its applicant reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BundleStatus {
    /// Some children are being handled (or wait for others).
    InProgress,
    /// At least one child waits for the applicant's correction.
    Correction,
    /// Every child was issued.
    Issued,
    /// Done, but not every permit was granted (the theme lets the others go on).
    PartlyIssued,
    /// A child was denied or not accepted and the theme stops the rest.
    Stopped,
    /// Nothing was granted.
    Refused,
    /// The applicant withdrew every child.
    Withdrawn,
}

impl BundleStatus {
    /// Whether the bureau has finished the bundle (withdrawals aside): its
    /// figures count it as finished.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            BundleStatus::Issued
                | BundleStatus::PartlyIssued
                | BundleStatus::Stopped
                | BundleStatus::Refused
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BundleStatus::InProgress => "in_progress",
            BundleStatus::Correction => "correction",
            BundleStatus::Issued => "issued",
            BundleStatus::PartlyIssued => "partly_issued",
            BundleStatus::Stopped => "stopped",
            BundleStatus::Refused => "refused",
            BundleStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            BundleStatus::InProgress => "并联办理中",
            BundleStatus::Correction => "待补正",
            BundleStatus::Issued => "已全部办结出证",
            BundleStatus::PartlyIssued => "已办结（部分事项未获许可）",
            BundleStatus::Stopped => "已终止（有事项未获许可，其余事项停止办理）",
            BundleStatus::Refused => "未获许可",
            BundleStatus::Withdrawn => "已撤回",
        }
    }

    pub fn is_closed(self) -> bool {
        !matches!(self, BundleStatus::InProgress | BundleStatus::Correction)
    }
}

fn refused(s: CaseStatus) -> bool {
    matches!(s, CaseStatus::Denied | CaseStatus::NotAccepted)
}

/// The bundle's status from its children's.
pub fn status(children: &[Child], on_denial: OnDenial) -> BundleStatus {
    let statuses: Vec<Option<CaseStatus>> = children
        .iter()
        .map(|c| match &c.state {
            ChildState::Case { status, .. } => Some(*status),
            _ => None,
        })
        .collect();
    let any = |f: fn(CaseStatus) -> bool| statuses.iter().flatten().any(|s| f(*s));
    let stopped = on_denial == OnDenial::Stop && any(refused);
    let open = children.iter().any(|c| match &c.state {
        ChildState::Waiting => !stopped,
        ChildState::Case { status, .. } => !status.is_closed(),
        ChildState::Cancelled => false,
    });
    if open {
        if any(|s| s == CaseStatus::Correction) {
            return BundleStatus::Correction;
        }
        return BundleStatus::InProgress;
    }
    if stopped {
        return BundleStatus::Stopped;
    }
    let issued = statuses
        .iter()
        .flatten()
        .filter(|s| **s == CaseStatus::Issued)
        .count();
    if issued == children.len() {
        BundleStatus::Issued
    } else if issued > 0 {
        BundleStatus::PartlyIssued
    } else if statuses
        .iter()
        .flatten()
        .all(|s| *s == CaseStatus::Withdrawn)
    {
        BundleStatus::Withdrawn
    } else {
        BundleStatus::Refused
    }
}

/// The waiting children whose prerequisites are all issued now: they start.
/// None start once the theme stops the bundle after a refusal.
pub fn ready(children: &[Child], on_denial: OnDenial) -> Vec<String> {
    if status(children, on_denial) == BundleStatus::Stopped
        || (on_denial == OnDenial::Stop
            && children
                .iter()
                .any(|c| matches!(&c.state, ChildState::Case { status, .. } if refused(*status))))
    {
        return Vec::new();
    }
    let issued = |item: &String| {
        children.iter().any(|c| {
            &c.item == item
                && matches!(
                    c.state,
                    ChildState::Case {
                        status: CaseStatus::Issued,
                        ..
                    }
                )
        })
    };
    children
        .iter()
        .filter(|c| c.state == ChildState::Waiting)
        .filter(|c| c.waits_for.iter().all(issued))
        .map(|c| c.item.clone())
        .collect()
}

/// The waiting children that can never start: a prerequisite was refused or
/// withdrawn (whatever the theme says of the others), or the theme stops the
/// bundle after a refusal.
pub fn cancelled(children: &[Child], on_denial: OnDenial) -> Vec<String> {
    let ended_without_licence = |item: &String| {
        children
            .iter()
            .filter(|c| &c.item == item)
            .any(|c| match &c.state {
                ChildState::Case { status, .. } => {
                    status.is_closed() && *status != CaseStatus::Issued
                }
                ChildState::Cancelled => true,
                ChildState::Waiting => false,
            })
    };
    let stop = on_denial == OnDenial::Stop
        && children
            .iter()
            .any(|c| matches!(&c.state, ChildState::Case { status, .. } if refused(*status)));
    children
        .iter()
        .filter(|c| c.state == ChildState::Waiting)
        .filter(|c| stop || c.waits_for.iter().any(ended_without_licence))
        .map(|c| c.item.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn child(item: &str, waits: &[&str], state: ChildState) -> Child {
        Child {
            item: item.into(),
            waits_for: waits.iter().map(|s| s.to_string()).collect(),
            state,
        }
    }

    fn case(id: i64, status: CaseStatus) -> ChildState {
        ChildState::Case { id, status }
    }

    #[test]
    fn a_waiting_child_starts_once_each_prerequisite_is_issued() {
        let mut kids = vec![
            child("A", &[], case(1, CaseStatus::Approval)),
            child("B", &["A"], ChildState::Waiting),
            child("C", &[], case(2, CaseStatus::Review)),
        ];
        assert_eq!(status(&kids, OnDenial::Continue), BundleStatus::InProgress);
        assert!(ready(&kids, OnDenial::Continue).is_empty());
        kids[0].state = case(1, CaseStatus::Issued);
        assert_eq!(ready(&kids, OnDenial::Continue), ["B"]);
        kids[1].state = case(3, CaseStatus::Issued);
        kids[2].state = case(2, CaseStatus::Issued);
        assert_eq!(status(&kids, OnDenial::Continue), BundleStatus::Issued);
    }

    #[test]
    fn a_correction_of_any_child_is_the_bundles() {
        let kids = vec![
            child("A", &[], case(1, CaseStatus::Correction)),
            child("B", &[], case(2, CaseStatus::Issued)),
        ];
        assert_eq!(status(&kids, OnDenial::Continue), BundleStatus::Correction);
    }

    #[test]
    fn a_denial_stops_the_rest_only_when_the_theme_says_so() {
        let kids = vec![
            child("A", &[], case(1, CaseStatus::Denied)),
            child("B", &[], case(2, CaseStatus::Issued)),
            child("C", &["B"], ChildState::Waiting),
        ];
        assert_eq!(ready(&kids, OnDenial::Continue), ["C"]);
        assert_eq!(status(&kids, OnDenial::Continue), BundleStatus::InProgress);
        assert!(ready(&kids, OnDenial::Stop).is_empty());
        assert_eq!(cancelled(&kids, OnDenial::Stop), ["C"]);
        assert!(cancelled(&kids, OnDenial::Continue).is_empty());
        let mut done = kids.clone();
        done[2].state = ChildState::Cancelled;
        assert_eq!(status(&done, OnDenial::Stop), BundleStatus::Stopped);
        done[2].state = case(3, CaseStatus::Issued);
        assert_eq!(
            status(&done, OnDenial::Continue),
            BundleStatus::PartlyIssued
        );
    }

    #[test]
    fn a_child_whose_prerequisite_was_refused_never_starts() {
        let kids = vec![
            child("A", &[], case(1, CaseStatus::NotAccepted)),
            child("B", &["A"], ChildState::Waiting),
        ];
        assert_eq!(cancelled(&kids, OnDenial::Continue), ["B"]);
        let mut done = kids;
        done[1].state = ChildState::Cancelled;
        assert_eq!(status(&done, OnDenial::Continue), BundleStatus::Refused);
        let withdrawn = vec![
            child("A", &[], case(1, CaseStatus::Withdrawn)),
            child("B", &[], case(2, CaseStatus::Withdrawn)),
        ];
        assert_eq!(
            status(&withdrawn, OnDenial::Continue),
            BundleStatus::Withdrawn
        );
        assert!(BundleStatus::Withdrawn.is_closed());
    }
}
