//! Quality review (质量评查): supervisors draw random samples of finished cases
//! — all, one item's, or only instant decisions (秒批) — and record findings.
//! Samples and findings go into the audit chain.

use onestamp_domain::assignment::draw_sample;
use onestamp_domain::role::Role;

use crate::auth::Session;
use crate::store::{AuditFact, QualitySample, SampleCriteria};
use crate::{App, AppError};

/// Most finished cases a sample is drawn from (the most recent ones).
const POPULATION: u32 = 10_000;

impl App {
    pub async fn draw_quality_sample(
        &self,
        session: &Session,
        criteria: SampleCriteria,
    ) -> Result<QualitySample, AppError> {
        session.require(&[Role::Supervisor])?;
        if !(1..=200).contains(&criteria.size) {
            return Err(AppError::invalid("抽样数量须在 1 到 200 之间"));
        }
        let population = self.store.finished_case_ids(&criteria, POPULATION).await?;
        if population.is_empty() {
            return Err(AppError::invalid("没有符合条件的已办结办件"));
        }
        let picked = self.with_rng(|rng| draw_sample(&population, criteria.size as usize, rng));
        let now = self.clock.now();
        let audit = AuditFact {
            at: now,
            actor_id: Some(session.user.id),
            kind: "quality.sample".into(),
            subject: String::new(),
            detail: serde_json::json!({"criteria": criteria, "population": population.len(), "cases": picked}),
        };
        let id = self
            .store
            .create_sample(session.user.id, now, &criteria, &picked, audit)
            .await?;
        tracing::info!(sample = id, cases = picked.len(), actor_id = session.user.id, actor = %session.user.username, actor_role = %session.role_names(), "quality sample drawn");
        self.quality_sample(session, id).await
    }

    pub async fn quality_sample(
        &self,
        session: &Session,
        id: i64,
    ) -> Result<QualitySample, AppError> {
        session.require_holding(Role::oversees)?;
        self.store
            .sample(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("抽样 {id} ")))
    }

    /// Records a finding (`compliant` or `defect`, with notes) on a case of a sample.
    pub async fn record_quality_finding(
        &self,
        session: &Session,
        sample_id: i64,
        case_id: i64,
        verdict: &str,
        notes: &str,
    ) -> Result<QualitySample, AppError> {
        session.require(&[Role::Supervisor])?;
        if !matches!(verdict, "compliant" | "defect") {
            return Err(AppError::invalid(
                "评查结论须为 compliant（合格）或 defect（存在问题）",
            ));
        }
        let notes = notes.trim();
        if verdict == "defect" && notes.is_empty() {
            return Err(AppError::invalid("存在问题时须写明评查意见"));
        }
        if notes.chars().count() > 2000 {
            return Err(AppError::invalid("评查意见过长（最多 2000 字）"));
        }
        let sample = self.quality_sample(session, sample_id).await?;
        let Some(entry) = sample.cases.iter().find(|c| c.case_id == case_id) else {
            return Err(AppError::NotFound(format!(
                "抽样 {sample_id} 中的办件 {case_id} "
            )));
        };
        let now = self.clock.now();
        let audit = AuditFact {
            at: now,
            actor_id: Some(session.user.id),
            kind: "quality.finding".into(),
            subject: entry.case_number.clone(),
            detail: serde_json::json!({"sample": sample_id, "verdict": verdict, "notes": notes}),
        };
        self.store
            .record_finding(
                sample_id,
                case_id,
                verdict,
                notes,
                session.user.id,
                now,
                audit,
            )
            .await?;
        tracing::info!(sample = sample_id, case_no = %entry.case_number, verdict, actor_id = session.user.id, actor = %session.user.username, actor_role = %session.role_names(), "quality finding recorded");
        self.quality_sample(session, sample_id).await
    }
}
