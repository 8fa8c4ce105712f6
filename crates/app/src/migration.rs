//! Data migration (历史数据迁移): the operator brings users and cases of a
//! predecessor system in bulk, as `onestamp bench search` does to build its
//! history. Users are saved one by one with one password hash for all (to be
//! reset at first login); cases in large batches with one audit fact each.
//! Migrated cases carry their own events but no per-case audit facts, so
//! `audit verify` reports them as unaudited.

use onestamp_domain::case::{ApplicantKind, UserId};
use onestamp_domain::identity::Identity;
use onestamp_domain::role::Role;

use crate::store::{AuditFact, ImportedCase, NewUser, User};
use crate::{App, AppError};

/// A user of the predecessor system.
#[derive(Debug, Clone)]
pub struct MigratedUser {
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    /// Applicants: citizen ID or credit code, as `identity_kind` says.
    pub identity: String,
    pub identity_kind: Option<ApplicantKind>,
}

/// Most cases migrated in one call (one transaction).
pub const MAX_CASES_PER_BATCH: usize = 50_000;

impl App {
    /// Saves migrated users, each audited (`user.migrate`), all with the
    /// password hash `password_hash` (from [`crate::auth::hash_password`]).
    pub async fn migrate_users(
        &self,
        users: Vec<MigratedUser>,
        password_hash: &str,
    ) -> Result<Vec<User>, AppError> {
        let today = self.today();
        let mut saved = Vec::with_capacity(users.len());
        for u in users {
            let name = u.username.trim();
            if name.is_empty() || name.chars().count() > 64 || u.roles.is_empty() {
                return Err(AppError::invalid(format!(
                    "迁移用户「{name}」：用户名（不超过 64 字）和角色不能为空"
                )));
            }
            if let Some(kind) = u.identity_kind {
                Identity::parse(kind, &u.identity, today).map_err(|e| {
                    AppError::invalid(format!("迁移用户「{name}」的证件号码有误：{e}"))
                })?;
            }
            let audit = AuditFact {
                at: self.clock.now(),
                actor_id: None,
                kind: "user.migrate".into(),
                subject: name.to_string(),
                detail: serde_json::json!({"roles": u.roles}),
            };
            let user = self
                .store
                .upsert_user(
                    NewUser {
                        username: name.to_string(),
                        display_name: u.display_name,
                        roles: u.roles,
                        identity: u.identity,
                        identity_kind: u.identity_kind,
                        mobile: String::new(),
                        password_hash: password_hash.to_string(),
                    },
                    audit,
                )
                .await?;
            saved.push(user);
        }
        Ok(saved)
    }

    /// Stores migrated cases (numbers set, ids 0) with their events in one
    /// transaction and one audit fact (`case.import`); returns the first id.
    pub async fn migrate_cases(&self, cases: Vec<ImportedCase>) -> Result<i64, AppError> {
        if cases.is_empty() || cases.len() > MAX_CASES_PER_BATCH {
            return Err(AppError::invalid(format!(
                "每批迁移 1 至 {MAX_CASES_PER_BATCH} 件办件"
            )));
        }
        let first = cases.first().map(|c| c.case.number.clone());
        let last = cases.last().map(|c| c.case.number.clone());
        let audit = AuditFact {
            at: self.clock.now(),
            actor_id: None,
            kind: "case.import".into(),
            subject: format!(
                "{}..{}",
                first.unwrap_or_default(),
                last.unwrap_or_default()
            ),
            detail: serde_json::json!({"cases": cases.len()}),
        };
        let mut tally = onestamp_domain::analytics::Tally::default();
        for c in &cases {
            tally.merge(onestamp_domain::analytics::of_history(
                &c.case,
                &c.events,
                &self.settings.calendar,
            ));
        }
        Ok(self.store.import_cases(cases, audit, tally).await?)
    }

    /// Has the database refresh its planner statistics after a migration.
    pub async fn refresh_statistics(&self) -> Result<(), AppError> {
        Ok(self.store.refresh_statistics().await?)
    }

    /// The id of a user by name, for a migration that links cases to users.
    pub async fn user_id(&self, username: &str) -> Result<Option<UserId>, AppError> {
        Ok(self
            .store
            .user_credentials(username)
            .await?
            .map(|(u, _)| u.id))
    }
}
