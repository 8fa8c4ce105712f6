//! Users: listing (admin) and creation.

use onestamp_domain::role::Role;

use crate::auth::{Session, hash_password};
use crate::store::{AuditFact, NewUser, User};
use crate::{App, AppError};

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
        username: &str,
        display_name: &str,
        roles: Vec<Role>,
        identity: &str,
        password: &str,
    ) -> Result<User, AppError> {
        if let Some(s) = actor {
            s.require(&[Role::Admin])?;
        }
        let username = username.trim();
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
        if roles.contains(&Role::Applicant) {
            let today = self.today();
            let id = identity.as_str();
            let ok = onestamp_domain::validate::CreditCode::parse(id).is_ok()
                || onestamp_domain::validate::CitizenId::parse(id, today).is_ok();
            if !ok {
                return Err(AppError::invalid(
                    "申请人须有有效的公民身份号码或统一社会信用代码",
                ));
            }
        }
        if password.chars().count() < 4 {
            return Err(AppError::invalid("密码至少 4 位"));
        }
        let password = password.to_string();
        let password_hash = crate::auth::hashing(move || hash_password(&password))
            .await
            .ok_or_else(|| AppError::invalid("密码处理失败，请重试"))??;
        let audit = AuditFact {
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
