//! Users: listing (admin) and creation; at the window (一窗受理), finding an
//! applicant by identity number and registering a walk-in applicant.

use serde::Serialize;

use onestamp_domain::case::{ApplicantKind, UserId};
use onestamp_domain::identity::Identity;
use onestamp_domain::role::Role;
use onestamp_domain::text::{self, Lines};
use onestamp_domain::validate::{MobileNumber, ValidationError};

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
    /// Applicants: a mainland mobile number, or empty.
    pub mobile: String,
    pub password: String,
}

/// A user's name and identity as checked for saving.
struct Checked {
    username: String,
    display_name: String,
    identity: String,
    identity_kind: Option<ApplicantKind>,
    mobile: String,
}

/// An applicant registered at the window (一窗受理) by a clerk.
#[derive(Debug, Clone)]
pub struct NewApplicant {
    /// The person's name or the organisation's registered name.
    pub name: String,
    pub kind: ApplicantKind,
    /// Citizen ID (person) or unified social credit code (organisation).
    pub identity: String,
    /// Mainland mobile number.
    pub mobile: String,
}

/// An applicant as the window sees them: identity unmasked, for the clerk who
/// has them in front of them (see [`Role::searches_by_identity`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApplicantSummary {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub kind: ApplicantKind,
    pub identity: String,
    /// Empty when none was given.
    pub mobile: String,
}

impl ApplicantSummary {
    /// The summary of a user who is an applicant with a registered kind.
    pub fn of(user: &User) -> Option<ApplicantSummary> {
        let kind = user.identity_kind?;
        user.roles
            .contains(&Role::Applicant)
            .then(|| ApplicantSummary {
                id: user.id,
                username: user.username.clone(),
                display_name: user.display_name.clone(),
                kind,
                identity: user.identity.clone(),
                mobile: user.mobile.clone(),
            })
    }
}

/// The stored password of an account registered at the window: not a PHC string,
/// so no password ever verifies against it (the login refuses it like a wrong one).
const NO_PASSWORD: &str = "!registered-at-the-window";

/// One field's problem, as a refusal that names the field.
fn field_invalid(field: &str, message: String) -> AppError {
    AppError::Invalid {
        message: message.clone(),
        problems: vec![onestamp_domain::error::FieldProblem {
            field: field.to_string(),
            message,
        }],
    }
}

/// Why `identity` is refused for `kind`, in words for the person at the window.
fn identity_problem(kind: ApplicantKind, e: &ValidationError) -> String {
    match kind {
        ApplicantKind::Person => format!("公民身份号码无效：{e}"),
        ApplicantKind::Organisation => format!("统一社会信用代码无效：{e}"),
    }
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
            mobile,
            password,
        } = form;
        let checked = self.check_user(
            ("display_name", username, display_name),
            &roles,
            identity,
            identity_kind,
            mobile,
        )?;
        if password.chars().count() < 4 {
            return Err(AppError::invalid("密码至少 4 位"));
        }
        let password_hash = crate::auth::hashing(move || hash_password(&password))
            .await
            .ok_or_else(|| AppError::invalid("密码处理失败，请重试"))??;
        self.put_user(actor, "user.save", checked, roles, password_hash)
            .await
    }

    /// Registers a walk-in applicant at the window (clerks and admins): the
    /// identity is checked against the kind, the mobile number and the name are
    /// required; an identity already registered is refused, naming its account.
    /// The account is an applicant's with a generated user name and no usable
    /// password.
    pub async fn register_applicant(
        &self,
        session: &Session,
        new: NewApplicant,
    ) -> Result<ApplicantSummary, AppError> {
        session.require(&[Role::Clerk, Role::Admin])?;
        let identity = new.identity.trim().to_uppercase();
        if identity.is_empty() {
            return Err(field_invalid(
                "identity",
                match new.kind {
                    ApplicantKind::Person => "请填写公民身份号码".into(),
                    ApplicantKind::Organisation => "请填写统一社会信用代码".into(),
                },
            ));
        }
        Identity::parse(new.kind, &identity, self.today())
            .map_err(|e| field_invalid("identity", identity_problem(new.kind, &e)))?;
        let name = new.name.trim();
        if name.is_empty() {
            return Err(field_invalid("name", "请填写申请人姓名或名称".into()));
        }
        if new.mobile.trim().is_empty() {
            return Err(field_invalid("mobile", "请填写手机号码".into()));
        }
        if let Some(existing) = self.store.applicants_by_identity(&identity).await?.first() {
            return Err(AppError::Duplicate(format!(
                "证件号码 {identity} 的申请人账号（{}，用户名 {}）",
                existing.display_name, existing.username
            )));
        }
        let username = self.fresh_username().await?;
        let checked = self.check_user(
            ("name", username, name.to_string()),
            &[Role::Applicant],
            identity,
            Some(new.kind),
            new.mobile,
        )?;
        let user = self
            .put_user(
                Some(session),
                "user.register",
                checked,
                vec![Role::Applicant],
                NO_PASSWORD.to_string(),
            )
            .await?;
        ApplicantSummary::of(&user).ok_or_else(|| {
            AppError::Store(crate::store::StoreError::database(
                "registered user is not an applicant",
            ))
        })
    }

    /// The applicant a clerk serves at the window, by account id.
    pub async fn window_applicant(
        &self,
        session: &Session,
        id: UserId,
    ) -> Result<ApplicantSummary, AppError> {
        session.require(&[Role::Clerk])?;
        let user = self.applicant_account(id).await?;
        ApplicantSummary::of(&user).ok_or_else(|| {
            AppError::invalid("该账号未登记申请人类型（自然人或法人），请联系管理员补充")
        })
    }

    /// The applicant holding a citizen ID or unified social credit code (clerks,
    /// supervisors, admins), or `None`. A number that is neither is refused,
    /// saying what is wrong with it.
    pub async fn find_applicant(
        &self,
        session: &Session,
        identity: &str,
    ) -> Result<Option<ApplicantSummary>, AppError> {
        session.require_holding(Role::searches_by_identity)?;
        let identity = identity.trim().to_uppercase();
        if identity.is_empty() {
            return Err(field_invalid(
                "identity",
                "请填写公民身份号码或统一社会信用代码".into(),
            ));
        }
        let today = self.today();
        let as_person = Identity::parse(ApplicantKind::Person, &identity, today);
        let as_organisation = Identity::parse(ApplicantKind::Organisation, &identity, today);
        if let (Err(p), Err(o)) = (&as_person, &as_organisation) {
            // Say first what the number looks like it was meant to be.
            let looks_personal =
                identity.len() == 18 && identity.bytes().take(17).all(|b| b.is_ascii_digit());
            let message = if looks_personal {
                format!(
                    "证件号码无效：{}",
                    identity_problem(ApplicantKind::Person, p)
                )
            } else {
                format!(
                    "证件号码无效：既不是有效的公民身份号码（{p}），也不是有效的统一社会信用代码（{o}）"
                )
            };
            return Err(field_invalid("identity", message));
        }
        let found = self
            .store
            .applicants_by_identity(&identity)
            .await?
            .iter()
            .filter(|u| u.active)
            .find_map(ApplicantSummary::of);
        tracing::info!(actor_id = session.user.id, actor = %session.user.username, actor_role = %session.role_names(), found = found.is_some(), "applicant looked up by identity");
        Ok(found)
    }

    /// A user name nobody holds, for an account registered at the window.
    async fn fresh_username(&self) -> Result<String, AppError> {
        use rand::Rng;
        for _ in 0..8 {
            let n: u64 = self.with_rng(|rng| rng.random_range(0..(1u64 << 48)));
            let username = format!("w{n:012x}");
            if self.store.user_credentials(&username).await?.is_none() {
                return Ok(username);
            }
        }
        Err(AppError::Store(crate::store::StoreError::database(
            "no free user name after 8 draws",
        )))
    }

    /// Checks a user's names, identity and mobile number. `names`: the field the
    /// display name came in, the user name and the display name.
    fn check_user(
        &self,
        (name_field, username, display_name): (&str, String, String),
        roles: &[Role],
        identity: String,
        identity_kind: Option<ApplicantKind>,
        mobile: String,
    ) -> Result<Checked, AppError> {
        let (username, display_name) = (username.trim(), display_name.trim());
        if display_name.is_empty() || display_name.chars().count() > 100 {
            return Err(field_invalid(
                name_field,
                "姓名或名称须为 1-100 个字".into(),
            ));
        }
        if let Some(reason) = text::forbidden(display_name, Lines::One) {
            return Err(field_invalid(name_field, format!("姓名或名称{reason}")));
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
            Identity::parse(kind, &identity, self.today())
                .map_err(|e| field_invalid("identity", identity_problem(kind, &e)))?;
            Some(kind)
        } else if identity_kind.is_some() {
            return Err(AppError::invalid("只有申请人有登记类型"));
        } else {
            None
        };
        let mobile = match mobile.trim() {
            "" => String::new(),
            m => MobileNumber::parse(m)
                .map_err(|e| field_invalid("mobile", format!("手机号码无效：{e}")))?
                .as_str()
                .to_string(),
        };
        Ok(Checked {
            username: username.to_string(),
            display_name: display_name.to_string(),
            identity,
            identity_kind,
            mobile,
        })
    }

    /// Stores a checked user with its audit fact (`kind`).
    async fn put_user(
        &self,
        actor: Option<&Session>,
        kind: &str,
        checked: Checked,
        roles: Vec<Role>,
        password_hash: String,
    ) -> Result<User, AppError> {
        let Checked {
            username,
            display_name,
            identity,
            identity_kind,
            mobile,
        } = checked;
        let audit = AuditFact {
            at: self.clock.now(),
            actor_id: actor.map(|s| s.user.id),
            kind: kind.into(),
            subject: username.clone(),
            detail: serde_json::json!({
                "roles": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
                "display_name": display_name,
            }),
        };
        let user = self
            .store
            .upsert_user(
                NewUser {
                    username,
                    display_name,
                    roles,
                    identity,
                    identity_kind,
                    mobile,
                    password_hash,
                },
                audit,
            )
            .await?;
        tracing::info!(user = %user.username, user_id = user.id, actor_id = actor.map(|s| s.user.id), actor = actor.map_or("operator", |s| s.user.username.as_str()), "{kind}");
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
