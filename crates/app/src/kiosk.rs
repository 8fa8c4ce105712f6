//! Self-service kiosks (自助终端): registering the devices, signing applicants
//! in with an identity number and a one-time code sent to their registered
//! mobile, the kiosk session that ends after `kiosk_idle_secs` without a touch,
//! the items a kiosk offers and printing what the applicant holds.
//!
//! A kiosk session is a [`Session`] with [`Session::kiosk`] set: applying goes
//! through [`App::submit_application`] like the web and the phone, with the
//! channel `kiosk` and the kiosk's id and name in the submission's audit fact.
//! All state is in the store (devices, codes, sessions, the SMS outbox), so
//! any node serves any kiosk and a restart signs nobody out.
//!
//! Two seams: [`SmsSender`] (this installation's [`SimulatedSms`] writes the
//! text to the store's outbox and the log; a real SMS gateway plugs in here)
//! and [`IdCardReader`] (no device here: [`NoCardReader`]).

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Duration;
use rand::Rng;

use onestamp_domain::DomainError;
use onestamp_domain::audit::AuditFact;
use onestamp_domain::kiosk::{
    self, CODE_TTL_SECS, CodeCheck, MAX_TRIES, THROTTLE_WINDOW_SECS, code_hash, may_send,
};
use onestamp_domain::role::Role;

use crate::auth::{KioskOrigin, Session, random_token, token_hash};
use crate::store::{Kiosk, NewKioskCode, StoredItem, StoredSms};
use crate::{App, AppError, Clock, Store};

/// Sends a text to a mobile number.
#[async_trait]
pub trait SmsSender: Send + Sync {
    async fn send(&self, mobile: &str, text: &str) -> Result<(), AppError>;
}

/// The SMS channel of this installation: no gateway, so each text is written
/// to the store's outbox (`sms_outbox`, readable by every node and by tests)
/// and logged.
pub struct SimulatedSms {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
}

impl SimulatedSms {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> SimulatedSms {
        SimulatedSms { store, clock }
    }
}

#[async_trait]
impl SmsSender for SimulatedSms {
    async fn send(&self, mobile: &str, text: &str) -> Result<(), AppError> {
        self.store.send_sms(mobile, text, self.clock.now()).await?;
        tracing::info!(mobile = %kiosk::mask_mobile(mobile), text, "SMS (simulated channel)");
        Ok(())
    }
}

/// An identity-card reader (身份证阅读器) at a kiosk: the number on the card
/// placed on it, to fill in the sign-in form.
pub trait IdCardReader: Send + Sync {
    fn read(&self, kiosk_id: i64) -> Option<String>;
}

/// No reader attached: the applicant types the number.
pub struct NoCardReader;

impl IdCardReader for NoCardReader {
    fn read(&self, _kiosk_id: i64) -> Option<String> {
        None
    }
}

/// A code sent: to whom, as the kiosk may show it.
#[derive(Debug, Clone)]
pub struct CodeSent {
    pub identity: String,
    pub masked_mobile: String,
}

impl App {
    /// Uses `sms` to send kiosk codes.
    pub fn with_sms(mut self, sms: Arc<dyn SmsSender>) -> App {
        self.sms = sms;
        self
    }

    /// Uses `reader` to read identity cards at the kiosks.
    pub fn with_card_reader(mut self, reader: Arc<dyn IdCardReader>) -> App {
        self.card_reader = reader;
        self
    }

    /// The number on the card on the kiosk's reader, if it has one.
    pub fn read_id_card(&self, kiosk: &Kiosk) -> Option<String> {
        self.card_reader.read(kiosk.id)
    }

    /// Registers a kiosk (admins): the kiosk and its device token, which is
    /// shown this once (only its hash is kept).
    pub async fn register_kiosk(
        &self,
        session: &Session,
        name: &str,
        location: &str,
    ) -> Result<(Kiosk, String), AppError> {
        session.require(&[Role::Admin])?;
        let name = kiosk::kiosk_text(name, "名称").map_err(AppError::invalid)?;
        let location = kiosk::kiosk_text(location, "位置").map_err(AppError::invalid)?;
        self.create_kiosk(Some(session.user.id), &name, &location)
            .await
    }

    pub(crate) async fn create_kiosk(
        &self,
        actor: Option<i64>,
        name: &str,
        location: &str,
    ) -> Result<(Kiosk, String), AppError> {
        let token = random_token();
        let now = self.clock.now();
        let audit = AuditFact {
            at: now,
            actor_id: actor,
            kind: "kiosk.register".into(),
            subject: String::new(),
            detail: serde_json::json!({"name": name, "location": location}),
        };
        let kiosk = self
            .store
            .create_kiosk(name, location, &token_hash(&token), now, audit)
            .await?;
        Ok((kiosk, token))
    }

    /// Every kiosk (admins).
    pub async fn list_kiosks(&self, session: &Session) -> Result<Vec<Kiosk>, AppError> {
        session.require(&[Role::Admin])?;
        Ok(self.store.kiosks().await?)
    }

    /// Enables or disables a kiosk (admins); disabling signs its user out.
    pub async fn set_kiosk_enabled(
        &self,
        session: &Session,
        id: i64,
        enabled: bool,
    ) -> Result<Kiosk, AppError> {
        session.require(&[Role::Admin])?;
        let now = self.clock.now();
        let audit = AuditFact {
            at: now,
            actor_id: Some(session.user.id),
            kind: if enabled {
                "kiosk.enable"
            } else {
                "kiosk.disable"
            }
            .into(),
            subject: format!("kiosk:{id}"),
            detail: serde_json::json!({}),
        };
        self.store
            .set_kiosk_enabled(id, enabled, now, audit)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("自助终端 {id}")))
    }

    /// The enabled kiosk a device token belongs to.
    pub async fn kiosk_of_device(&self, token: &str) -> Result<Option<Kiosk>, AppError> {
        if token.is_empty() || token.len() > 256 {
            return Ok(None);
        }
        Ok(self
            .store
            .kiosk_by_token(&token_hash(token))
            .await?
            .filter(|k| k.enabled))
    }

    /// Step one of signing in at a kiosk: checks the identity number, finds
    /// the applicant's registered mobile and sends a fresh code to it (within
    /// the limits per identity and per kiosk).
    pub async fn send_kiosk_code(
        &self,
        kiosk: &Kiosk,
        identity: &str,
    ) -> Result<CodeSent, AppError> {
        let now = self.clock.now();
        let (identity, _) =
            kiosk::parse_identity(identity, self.today()).map_err(|m| AppError::Invalid {
                message: m.clone(),
                problems: vec![onestamp_domain::error::FieldProblem {
                    field: "identity".into(),
                    message: m,
                }],
            })?;
        let since = now - Duration::seconds(THROTTLE_WINDOW_SECS);
        let sent = self
            .store
            .kiosk_codes_sent(kiosk.id, &identity, since)
            .await?;
        if let Err(retry) = may_send(sent, now) {
            return Err(AppError::RateLimited {
                what: "获取验证码",
                retry_at: self
                    .settings
                    .calendar
                    .wall_clock(retry)
                    .format("%H:%M:%S")
                    .to_string(),
            });
        }
        let user = self
            .store
            .applicants_by_identity(&identity)
            .await?
            .into_iter()
            .find(|u| u.active && u.roles.contains(&Role::Applicant) && !u.mobile.is_empty());
        let code = kiosk::code_from(self.with_rng(|r| r.random::<u32>()));
        let audit = AuditFact {
            at: now,
            actor_id: user.as_ref().map(|u| u.id),
            kind: "kiosk.code.send".into(),
            subject: format!("kiosk:{}", kiosk.id),
            detail: serde_json::json!({"channel": "kiosk", "kiosk": kiosk.id, "sent": user.is_some()}),
        };
        // Counted for the limits even when nobody can receive it.
        self.store
            .store_kiosk_code(
                NewKioskCode {
                    kiosk_id: kiosk.id,
                    identity: identity.clone(),
                    user_id: user.as_ref().map(|u| u.id),
                    code_hash: code_hash(&identity, &code),
                    at: now,
                    expires_at: now + Duration::seconds(CODE_TTL_SECS),
                },
                audit,
            )
            .await?;
        let Some(user) = user else {
            return Err(AppError::invalid(
                "该证件号码尚未注册或未预留手机号码，请先在网上注册或到窗口登记",
            ));
        };
        self.sms
            .send(
                &user.mobile,
                &kiosk::sms_text(&self.settings.bureau_name, &code),
            )
            .await?;
        Ok(CodeSent {
            identity,
            masked_mobile: kiosk::mask_mobile(&user.mobile),
        })
    }

    /// Step two: the code sent for `identity` at this kiosk. Right, the kiosk
    /// session's token (its hash stored, tied to the kiosk); wrong, a try
    /// counted and a Chinese refusal saying how many are left.
    pub async fn kiosk_sign_in(
        &self,
        kiosk: &Kiosk,
        identity: &str,
        code: &str,
    ) -> Result<String, AppError> {
        let now = self.clock.now();
        let identity = identity.trim().to_ascii_uppercase();
        let code = code.trim();
        let pending = self.store.latest_kiosk_code(kiosk.id, &identity).await?;
        let refused = |r| AppError::Domain(DomainError::KioskCode(r));
        let pending = match kiosk::check_code(pending.as_ref(), code, now) {
            CodeCheck::Refused(r) => return Err(refused(r)),
            CodeCheck::Wrong => {
                let id = pending.map_or(0, |p| p.id);
                return Err(match self.store.fail_kiosk_code(id, MAX_TRIES).await? {
                    Some(tries) => refused(kiosk::after_wrong_try(tries)),
                    None => refused(kiosk::CodeRefusal::Exhausted),
                });
            }
            CodeCheck::Accepted => pending,
        };
        let Some(pending) = pending else {
            return Err(refused(kiosk::CodeRefusal::Missing));
        };
        let user = self
            .store
            .applicants_by_identity(&identity)
            .await?
            .into_iter()
            .find(|u| u.active && u.roles.contains(&Role::Applicant) && !u.mobile.is_empty())
            .ok_or_else(|| refused(kiosk::CodeRefusal::Missing))?;
        let token = random_token();
        let audit = AuditFact {
            at: now,
            actor_id: Some(user.id),
            kind: "kiosk.signin".into(),
            subject: user.username.clone(),
            detail: serde_json::json!({"channel": "kiosk", "kiosk": kiosk.id, "kiosk_name": kiosk.name}),
        };
        let won = self
            .store
            .redeem_kiosk_code(
                pending.id,
                MAX_TRIES,
                &token_hash(&token),
                user.id,
                now,
                audit,
            )
            .await?;
        if !won {
            return Err(refused(kiosk::CodeRefusal::Missing));
        }
        tracing::info!(kiosk = kiosk.id, actor_id = user.id, "signed in at a kiosk");
        Ok(token)
    }

    /// The session of a kiosk session token at this kiosk, touched now; ended
    /// (and refused) when it belongs to another kiosk, was signed out or has
    /// been idle for `kiosk_idle_secs`.
    pub async fn kiosk_session(&self, kiosk: &Kiosk, token: &str) -> Result<Session, AppError> {
        let ended = || AppError::Domain(DomainError::KioskSessionEnded);
        if token.is_empty() || token.len() > 256 {
            return Err(ended());
        }
        let hash = token_hash(token);
        let now = self.clock.now();
        let Some(row) = self.store.kiosk_session(&hash).await? else {
            return Err(ended());
        };
        if row.ended || row.kiosk_id != kiosk.id {
            return Err(ended());
        }
        let idle = self.settings.kiosk_idle_secs;
        if kiosk::idle_ended(row.last_seen, now, idle) {
            self.end_kiosk_session(kiosk, &hash, row.user_id, "idle")
                .await?;
            return Err(ended());
        }
        let idle_since = now - Duration::seconds(i64::from(idle));
        if !self
            .store
            .touch_kiosk_session(&hash, now, idle_since)
            .await?
        {
            return Err(ended());
        }
        let user = self
            .store
            .user(row.user_id)
            .await?
            .filter(|u| u.active)
            .ok_or_else(ended)?;
        Ok(Session {
            user,
            kiosk: Some(KioskOrigin {
                id: kiosk.id,
                name: kiosk.name.clone(),
            }),
        })
    }

    /// Signs the kiosk's user out (退出); nothing when the session had ended.
    pub async fn kiosk_sign_out(&self, kiosk: &Kiosk, token: &str) -> Result<(), AppError> {
        let hash = token_hash(token);
        if let Some(row) = self.store.kiosk_session(&hash).await?
            && row.kiosk_id == kiosk.id
        {
            self.end_kiosk_session(kiosk, &hash, row.user_id, "signout")
                .await?;
        }
        Ok(())
    }

    async fn end_kiosk_session(
        &self,
        kiosk: &Kiosk,
        hash: &str,
        user_id: i64,
        why: &str,
    ) -> Result<bool, AppError> {
        let now = self.clock.now();
        let audit = AuditFact {
            at: now,
            actor_id: Some(user_id),
            kind: "kiosk.signout".into(),
            subject: format!("kiosk:{}", kiosk.id),
            detail: serde_json::json!({"channel": "kiosk", "kiosk": kiosk.id, "why": why}),
        };
        Ok(self.store.end_kiosk_session(hash, now, audit).await?)
    }

    /// The items a kiosk offers: the instant (秒批) items whose instant
    /// decisions are on, and those marked for kiosks, in catalogue order.
    pub async fn kiosk_items(&self) -> Result<Vec<StoredItem>, AppError> {
        let mut out = Vec::new();
        for stored in self.list_items().await? {
            let instant =
                stored.item.instant && self.store.instant_enabled(&stored.item.code).await?;
            if instant || stored.item.kiosk {
                out.push(stored);
            }
        }
        Ok(out)
    }

    /// Whether the kiosk offers `code`.
    pub async fn kiosk_offers(&self, code: &str) -> Result<StoredItem, AppError> {
        self.kiosk_items()
            .await?
            .into_iter()
            .find(|s| s.item.code == code)
            .ok_or_else(|| AppError::NotFound(format!("自助终端可办事项 {code}")))
    }

    /// A licence the kiosk's user holds, as the PDF the kiosk prints; the
    /// print is audited (`licence.print`) with the channel and the kiosk.
    pub async fn kiosk_print_licence(
        &self,
        session: &Session,
        licence_id: &str,
    ) -> Result<Vec<u8>, AppError> {
        let origin = kiosk_of(session)?;
        let pdf = self.licence_pdf(session, licence_id).await?;
        self.record_print(session, origin, licence_id, "licence")
            .await?;
        Ok(pdf)
    }

    /// A document of one of the user's cases (受理通知书, 不予受理决定书 …) as a
    /// PDF, its print audited like a licence's.
    pub async fn kiosk_print_document(
        &self,
        session: &Session,
        case_id: i64,
        document_id: i64,
    ) -> Result<(String, Vec<u8>), AppError> {
        let origin = kiosk_of(session)?;
        let (number, pdf) = self.document_pdf(session, case_id, document_id).await?;
        self.record_print(session, origin, &number, "document")
            .await?;
        Ok((number, pdf))
    }

    async fn record_print(
        &self,
        session: &Session,
        origin: &KioskOrigin,
        subject: &str,
        what: &str,
    ) -> Result<(), AppError> {
        let audit = AuditFact {
            at: self.clock.now(),
            actor_id: Some(session.user.id),
            kind: format!("{what}.print"),
            subject: subject.to_string(),
            detail: serde_json::json!({"channel": "kiosk", "kiosk": origin.id, "kiosk_name": origin.name}),
        };
        self.store.record_kiosk_action(audit).await?;
        tracing::info!(
            kiosk = origin.id,
            actor_id = session.user.id,
            subject,
            "printed at a kiosk"
        );
        Ok(())
    }

    /// The simulated SMS outbox of a mobile, newest first (admins; tests and
    /// demonstrations read the codes here).
    pub async fn simulated_sms(
        &self,
        session: &Session,
        mobile: &str,
    ) -> Result<Vec<StoredSms>, AppError> {
        session.require(&[Role::Admin])?;
        Ok(self.store.sms_to(mobile, 20).await?)
    }
}

fn kiosk_of(session: &Session) -> Result<&KioskOrigin, AppError> {
    session
        .kiosk
        .as_ref()
        .ok_or_else(|| AppError::Forbidden("只能在自助终端上打印".into()))
}

/// The demo applicants' mobiles (for signing in at the demo kiosk).
pub const DEMO_MOBILES: [(&str, &str); 3] = [
    ("zhangsan", "13800281234"),
    ("lisi", "13900282345"),
    ("jinjiang_books", "13700283456"),
];

impl App {
    /// The demo kiosk: registered when there is no kiosk yet, with a fresh
    /// token (returned to be shown once); the demo applicants get mobiles
    /// where they have none. `None` when a kiosk exists already.
    pub async fn demo_kiosk(&self) -> Result<Option<(Kiosk, String)>, AppError> {
        for (username, mobile) in DEMO_MOBILES {
            let Some((user, _)) = self.store.user_credentials(username).await? else {
                continue;
            };
            if !user.mobile.is_empty() {
                continue;
            }
            let audit = AuditFact {
                at: self.clock.now(),
                actor_id: None,
                kind: "prefs.save".into(),
                subject: username.into(),
                detail: serde_json::json!({"mobile": kiosk::mask_mobile(mobile), "demo": true}),
            };
            self.store
                .save_prefs(
                    crate::store::PrefsChange {
                        user: user.id,
                        email: None,
                        mobile: Some(mobile.into()),
                        events: Vec::new(),
                        off: Vec::new(),
                    },
                    audit,
                )
                .await?;
        }
        if !self.store.kiosks().await?.is_empty() {
            return Ok(None);
        }
        Ok(Some(
            self.create_kiosk(None, "演示自助终端01", "武侯区政务服务中心一楼大厅")
                .await?,
        ))
    }
}
