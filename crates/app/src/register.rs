//! Applicants register themselves (注册), on the pages and the API: a person
//! with name, citizen ID, mobile and password; an organisation with its
//! registered name, unified social credit code, legal representative, contact
//! person and mobile, and password. The identity number is checked (GB 11643,
//! GB 32100) with the same validators as the counter's registration, an identity
//! or a user name already held is refused, and the password must be strong
//! ([`password_problem`]).
//!
//! Real-name verification against national systems (公安人口库, 市场主体登记库)
//! is outside this installation: [`RealNameCheck`] is the seam where it plugs in.
//! [`LocalRealName`], the default, accepts what the local checks passed.

use std::net::IpAddr;

use async_trait::async_trait;
use serde::Serialize;

use onestamp_domain::case::{ApplicantKind, UserId};
use onestamp_domain::identity::Identity;
use onestamp_domain::role::Role;
use onestamp_domain::text::{self, Lines};
use onestamp_domain::validate::{MobileNumber, password_problem};

use crate::auth::hash_password;
use crate::store::{AuditFact, NewUser, RegistrationDetails, StoreError};
use crate::throttle::Limit;
use crate::{App, AppError};

/// Registrations one client address may make.
pub const REGISTRATIONS_PER_ADDRESS: Limit = Limit {
    most: 20,
    window: chrono::Duration::hours(1),
};

/// What an applicant gives to register.
#[derive(Debug, Clone)]
pub struct Registration {
    pub kind: ApplicantKind,
    pub username: String,
    pub password: String,
    /// The person's name or the organisation's registered name.
    pub name: String,
    /// Citizen ID (person) or unified social credit code (organisation).
    pub identity: String,
    /// The person's own mobile, or the organisation's contact's.
    pub mobile: String,
    /// Organisations: the legal representative (法定代表人).
    pub legal_rep: String,
    /// Organisations: the contact person (联系人).
    pub contact_name: String,
}

/// A registered applicant, as the registration answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Registered {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub kind: ApplicantKind,
    /// Whether the real-name check confirmed the identity against an outside
    /// register; `false` with [`LocalRealName`] (checked locally only).
    pub verified_externally: bool,
}

/// Whom a real-name check is asked about.
#[derive(Debug, Clone)]
pub struct RealNameQuery<'a> {
    pub kind: ApplicantKind,
    pub name: &'a str,
    pub identity: &'a str,
    pub legal_rep: &'a str,
}

/// What a real-name check says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RealName {
    /// An outside register confirmed the name and the number belong together.
    Confirmed,
    /// Nothing outside was asked; only the local checks stand behind it.
    CheckedLocally,
    /// The outside register says the name and number do not belong together.
    Refused,
}

/// Real-name verification (实名核验) of a registration: where a connection to the
/// national population register or the market-entity register plugs in.
#[async_trait]
pub trait RealNameCheck: Send + Sync {
    async fn check(&self, query: RealNameQuery<'_>) -> Result<RealName, AppError>;
}

/// The check of this installation: nothing outside to ask, so everything the
/// local checks (check digits, birth date, names) passed is accepted.
pub struct LocalRealName;

#[async_trait]
impl RealNameCheck for LocalRealName {
    async fn check(&self, _: RealNameQuery<'_>) -> Result<RealName, AppError> {
        Ok(RealName::CheckedLocally)
    }
}

/// One field's problem, as a refusal that names the field.
fn field(name: &str, message: impl Into<String>) -> AppError {
    let message = message.into();
    AppError::Invalid {
        message: message.clone(),
        problems: vec![onestamp_domain::error::FieldProblem {
            field: name.to_string(),
            message,
        }],
    }
}

/// A person's or a representative's name: 1-50 characters, one line, no
/// invisible characters.
fn checked_name(
    field_name: &str,
    what: &str,
    value: &str,
    most: usize,
) -> Result<String, AppError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(field(field_name, format!("请填写{what}")));
    }
    if value.chars().count() > most {
        return Err(field(field_name, format!("{what}最多 {most} 个字")));
    }
    if let Some(reason) = text::forbidden(value, Lines::One) {
        return Err(field(field_name, format!("{what}{reason}")));
    }
    Ok(value.to_string())
}

impl App {
    /// Uses `check` for real-name verification instead of [`LocalRealName`].
    pub fn with_real_name_check(mut self, check: std::sync::Arc<dyn RealNameCheck>) -> App {
        self.real_name = check;
        self
    }

    /// Registers an applicant who registers themselves (no login needed).
    /// `source`: the client's address, for the rate limit.
    pub async fn register(
        &self,
        r: Registration,
        source: Option<IpAddr>,
    ) -> Result<Registered, AppError> {
        let kind = r.kind;
        let username = r.username.trim().to_string();
        if username.is_empty() {
            return Err(field("username", "请填写用户名"));
        }
        if username.chars().count() < 4
            || username.len() > 32
            || !username.starts_with(|c: char| c.is_ascii_alphabetic())
            || !username
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        {
            return Err(field(
                "username",
                "用户名须为 4-32 位字母、数字、“.”、“_”或“-”，以字母开头",
            ));
        }
        let (name_what, id_what) = match kind {
            ApplicantKind::Person => ("姓名", "公民身份号码"),
            ApplicantKind::Organisation => ("单位名称", "统一社会信用代码"),
        };
        let name = checked_name("name", name_what, &r.name, 100)?;
        let identity = r.identity.trim().to_uppercase();
        if identity.is_empty() {
            return Err(field("identity", format!("请填写{id_what}")));
        }
        Identity::parse(kind, &identity, self.today())
            .map_err(|e| field("identity", format!("{id_what}无效：{e}")))?;
        let (legal_rep, contact_name) = match kind {
            ApplicantKind::Person => (String::new(), String::new()),
            ApplicantKind::Organisation => (
                checked_name("legal_rep", "法定代表人姓名", &r.legal_rep, 50)?,
                checked_name("contact_name", "联系人姓名", &r.contact_name, 50)?,
            ),
        };
        let mobile = r.mobile.trim();
        if mobile.is_empty() {
            return Err(field("mobile", "请填写手机号码"));
        }
        let mobile = MobileNumber::parse(mobile)
            .map_err(|e| field("mobile", format!("手机号码无效：{e}")))?
            .as_str()
            .to_string();
        if let Some(problem) = password_problem(&r.password, &[&identity, &mobile, &username]) {
            return Err(field("password", problem));
        }
        let now = self.clock.now();
        let address = format!(
            "register-address:{}",
            source.map_or_else(|| "unknown".to_string(), |ip| ip.to_string())
        );
        self.registrations
            .admit(&[(address.as_str(), REGISTRATIONS_PER_ADDRESS)], now)
            .map_err(|at| AppError::RateLimited {
                what: "注册",
                retry_at: self.local_time(at),
            })?;
        if !self
            .store
            .applicants_by_identity(&identity)
            .await?
            .is_empty()
        {
            return Err(duplicate_identity(id_what));
        }
        let verdict = self
            .real_name
            .check(RealNameQuery {
                kind,
                name: &name,
                identity: &identity,
                legal_rep: &legal_rep,
            })
            .await?;
        if verdict == RealName::Refused {
            return Err(field(
                "identity",
                format!("实名核验未通过：{name_what}与{id_what}不一致，请核对"),
            ));
        }
        let password = r.password;
        let password_hash = crate::auth::hashing(move || hash_password(&password))
            .await
            .ok_or_else(|| AppError::invalid("密码处理失败，请重试"))??;
        let audit = AuditFact {
            at: now,
            actor_id: None,
            kind: "user.self_register".into(),
            subject: username.clone(),
            detail: serde_json::json!({
                "kind": match kind {
                    ApplicantKind::Person => "person",
                    ApplicantKind::Organisation => "organisation",
                },
                "display_name": name,
                "real_name": match verdict {
                    RealName::Confirmed => "confirmed",
                    _ => "checked_locally",
                },
            }),
        };
        let user = self
            .store
            .register_applicant(
                NewUser {
                    username,
                    display_name: name,
                    roles: vec![Role::Applicant],
                    identity,
                    identity_kind: Some(kind),
                    mobile,
                    password_hash,
                },
                RegistrationDetails {
                    legal_rep,
                    contact_name,
                },
                audit,
            )
            .await
            .map_err(|e| match e {
                StoreError::Duplicate(what) if what == "username" => {
                    field("username", "该用户名已被使用，请换一个")
                }
                StoreError::Duplicate(_) => duplicate_identity(id_what),
                other => AppError::Store(other),
            })?;
        tracing::info!(user = %user.username, user_id = user.id, actor = "public", "applicant registered");
        Ok(Registered {
            id: user.id,
            username: user.username,
            display_name: user.display_name,
            kind,
            verified_externally: verdict == RealName::Confirmed,
        })
    }
}

/// The refusal of an identity number someone already registered: no account
/// is named, since anyone may try a number here.
fn duplicate_identity(id_what: &str) -> AppError {
    AppError::Duplicate(format!("使用该{id_what}注册的申请人账号"))
}
