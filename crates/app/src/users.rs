//! Users: listing (admin) and creation.

use onestamp_domain::case::ApplicantKind;
use onestamp_domain::identity::Identity;
use onestamp_domain::role::Role;
use onestamp_domain::text::{self, Lines};

use crate::auth::{Session, hash_password};
use crate::store::{AuditFact, NewUser, User};
use crate::{App, AppError};

/// A user as an administrator (or the operator) saves them.
#[derive(Debug, Clone)]
pub struct UserForm {
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    /// Applicants: the citizen ID or credit code; staff: empty.
    pub identity: String,
    /// Applicants: what they register as, which says which number `identity` is.
    pub identity_kind: Option<ApplicantKind>,
    pub password: String,
}

impl App {
    /// Every user with their roles (admin only).
    pub async fn list_users(&self, session: &Session) -> Result<Vec<User>, AppError> {
        session.require(&[Role::Admin])?;
        Ok(self.store.users().await?)
    }

    /// Creates or updates a user. `actor` is `None` when the operator runs a command.
    pub async fn save_user(
        &self,
        actor: Option<&Session>,
        form: UserForm,
    ) -> Result<User, AppError> {
        if let Some(s) = actor {
            s.require(&[Role::Admin])?;
        }
        let UserForm {
            username,
            display_name,
            roles,
            identity,
            identity_kind,
            password,
        } = form;
        let (username, display_name) = (username.trim(), display_name.trim());
        if display_name.is_empty() || display_name.chars().count() > 100 {
            return Err(AppError::invalid("姓名或名称须为 1-100 个字"));
        }
        if let Some(reason) = text::forbidden(display_name, Lines::One) {
            return Err(AppError::invalid(format!("姓名或名称{reason}")));
        }
        if username.is_empty()
            || username.len() > 64
            || !username
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        {
            return Err(AppError::invalid(
                "用户名须为 1-64 位字母、数字、'.'、'_' 或 '-'",
            ));
        }
        if roles.is_empty() {
            return Err(AppError::invalid("至少需要一个角色"));
        }
        // Stored as the validators read it: trimmed, check letters upper case, so
        // that searches by identity find it however it was typed.
        let identity = identity.trim().to_uppercase();
        // Which kind of number it is comes from what the applicant registers as,
        // never from its digits: some citizen IDs are also valid credit codes.
        let identity_kind = if roles.contains(&Role::Applicant) {
            let kind = identity_kind.ok_or_else(|| {
                AppError::invalid(
                    "申请人须说明登记类型：自然人（person，公民身份号码）或法人及其他组织（organisation，统一社会信用代码）",
                )
            })?;
            Identity::parse(kind, &identity, self.today()).map_err(|e| {
                AppError::invalid(match kind {
                    ApplicantKind::Person => format!("公民身份号码无效：{e}"),
                    ApplicantKind::Organisation => format!("统一社会信用代码无效：{e}"),
                })
            })?;
            Some(kind)
        } else if identity_kind.is_some() {
            return Err(AppError::invalid("只有申请人有登记类型"));
        } else {
            None
        };
        if password.chars().count() < 4 {
            return Err(AppError::invalid("密码至少 4 位"));
        }
        let password_hash = crate::auth::hashing(move || hash_password(&password))
            .await
            .ok_or_else(|| AppError::invalid("密码处理失败，请重试"))??;
        let audit = AuditFact {
            at: self.clock.now(),
            actor_id: actor.map(|s| s.user.id),
            kind: "user.save".into(),
            subject: username.to_string(),
            detail: serde_json::json!({
                "roles": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
                "display_name": display_name,
            }),
        };
        let user = self
            .store
            .upsert_user(
                NewUser {
                    username: username.to_string(),
                    display_name: display_name.to_string(),
                    roles,
                    identity,
                    identity_kind,
                    password_hash,
                },
                audit,
            )
            .await?;
        tracing::info!(user = %user.username, user_id = user.id, actor_id = actor.map(|s| s.user.id), actor = actor.map_or("operator", |s| s.user.username.as_str()), "user saved");
        Ok(user)
    }
}

impl App {
    /// Sets a member of staff's qualifications and availability (admin).
    pub async fn set_staff_profile(
        &self,
        actor: Option<&Session>,
        user_id: onestamp_domain::case::UserId,
        profile: onestamp_domain::assignment::StaffProfile,
    ) -> Result<User, AppError> {
        if let Some(s) = actor {
            s.require(&[Role::Admin])?;
        }
        let user = self
            .store
            .user(user_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("用户 {user_id} ")))?;
        if !user.roles.iter().any(|r| r.is_staff() && *r != Role::Admin) {
            return Err(AppError::invalid("只有办件岗位的工作人员有资格与在岗设置"));
        }
        let audit = AuditFact {
            at: self.clock.now(),
            actor_id: actor.map(|s| s.user.id),
            kind: "staff.profile".into(),
            subject: user.username.clone(),
            detail: serde_json::to_value(&profile).unwrap_or_default(),
        };
        self.store
            .set_staff_profile(user_id, &profile, audit)
            .await?;
        tracing::info!(user = %user.username, user_id, actor_id = actor.map(|s| s.user.id), actor = actor.map_or("operator", |s| s.user.username.as_str()), "staff profile set");
        Ok(user)
    }

    pub async fn staff_profile(
        &self,
        session: &Session,
        user_id: onestamp_domain::case::UserId,
    ) -> Result<onestamp_domain::assignment::StaffProfile, AppError> {
        session.require_holding(Role::oversees)?;
        self.store
            .staff_profile(user_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("用户 {user_id} ")))
    }
}
