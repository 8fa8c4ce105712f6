//! What the public sees of the licence library: the disclosure list (证照公示)
//! and reports about a licence (扫码举报), each limited per address and licence.

use crate::licences::{PublicLicence, public_view};
use crate::store::{AuditFact, LicenceQuery};
use crate::{App, AppError};

/// Reports one client address may make (any licences).
pub const REPORTS_PER_ADDRESS: crate::throttle::Limit = crate::throttle::Limit {
    most: 5,
    window: chrono::Duration::hours(1),
};

/// Reports one licence may receive (from any addresses).
pub const REPORTS_PER_LICENCE: crate::throttle::Limit = crate::throttle::Limit {
    most: 20,
    window: chrono::Duration::hours(1),
};

impl App {
    /// The public disclosure list (证照公示): only what may be public.
    pub async fn public_licences(
        &self,
        search: Option<String>,
        type_code: Option<String>,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<(i64, PublicLicence)>, AppError> {
        let query = LicenceQuery {
            search: search
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty() && s.chars().count() <= 64),
            type_code,
            before_seq: before,
            limit: limit.clamp(1, 100),
            ..Default::default()
        };
        let keys = self.store.seal_keys().await?;
        let mut out = Vec::new();
        for l in self.store.licences(&query).await? {
            let (standing, doc) = self.standing_among(&keys, &l);
            if let Some(doc) = doc {
                out.push((l.seq, public_view(&doc, l.holder_is_person, standing)));
            }
        }
        Ok(out)
    }

    /// A report from the public about a licence (扫码举报): reaches the supervisors.
    /// Each report is an alert someone must handle, so one address may report at
    /// most [`REPORTS_PER_ADDRESS`] and one licence receive at most
    /// [`REPORTS_PER_LICENCE`]; the rest are refused until the window passes.
    pub async fn report_licence(
        &self,
        id: &str,
        text: &str,
        source: Option<std::net::IpAddr>,
    ) -> Result<(), AppError> {
        let text = text.trim();
        if text.is_empty() || text.chars().count() > 1000 {
            return Err(AppError::invalid("请填写举报内容（不超过 1000 字）"));
        }
        if let Some(reason) =
            onestamp_domain::text::forbidden(text, onestamp_domain::text::Lines::Many)
        {
            return Err(AppError::invalid(format!("举报内容{reason}")));
        }
        let stored = self
            .store
            .licence(id.trim())
            .await?
            .ok_or_else(|| AppError::NotFound(format!("证照 {id} ")))?;
        let now = self.clock.now();
        let address = format!(
            "address:{}",
            source.map_or_else(|| "unknown".to_string(), |ip| ip.to_string())
        );
        let licence = format!("licence:{}", stored.id);
        self.reports
            .admit(
                &[
                    (&address, REPORTS_PER_ADDRESS),
                    (&licence, REPORTS_PER_LICENCE),
                ],
                now,
            )
            .map_err(|at| {
                tracing::warn!(licence = %stored.id, ?source, "public report refused: too many");
                AppError::RateLimited {
                    what: "举报",
                    retry_at: self.local_time(at),
                }
            })?;
        let audit = AuditFact {
            at: now,
            actor_id: None,
            kind: "licence.report".into(),
            subject: stored.id.clone(),
            detail: serde_json::json!({"text": text}),
        };
        let alert = self.store.report_licence(&stored, text, now, audit).await?;
        tracing::warn!(licence = %stored.id, case_id = stored.case_id, alert, actor = "public", "licence reported");
        Ok(())
    }
}
