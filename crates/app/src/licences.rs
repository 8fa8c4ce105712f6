//! The licence library (电子证照库): issuing a sealed licence when a case is
//! issued, verification from the signature, PDFs, revocation and replacement,
//! public disclosure (证照公示), public reports (扫码举报) and expiry reminders.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use onestamp_certificate::{
    FontSource, HolderIdentity, LicenceDocument, Seal, Verifier, ViewingCopy,
};
use onestamp_domain::audit;
use onestamp_domain::case::{ApplicantKind, Case};
use onestamp_domain::catalogue::{FieldType, Item};
use onestamp_domain::identity::Identity;
use onestamp_domain::licence::{self, LicenceStatus, Standing};
use onestamp_domain::privacy::{self, Exposure, Surface, Viewer};
use onestamp_domain::role::Role;
use onestamp_domain::supervision_feed::FeedKind;
use onestamp_domain::validate::{
    CreditCode, LicenceId, LicenceSerial, LicenceTypeCode, LicenceVersion,
};

use crate::auth::Session;
use crate::store::{AuditFact, LicenceQuery, StoredLicence};
use crate::{App, AppError};
use onestamp_domain::message::Event;

/// The bureau's seal and the font licences are printed in.
#[derive(Clone)]
pub struct Sealing {
    pub seal: Arc<Seal>,
    /// Loaded on first use; missing fonts make PDFs fail, not the server.
    pub font: Arc<std::sync::OnceLock<Result<FontSource, String>>>,
    /// SM3 digests of (key, content, signature) already verified good, so that a
    /// licence read again is not verified again; altered content has another digest.
    verified: Arc<std::sync::Mutex<std::collections::HashSet<[u8; 32]>>>,
}

/// Most verified digests remembered before the memory is cleared.
const VERIFIED_MEMORY: usize = 200_000;

impl Sealing {
    pub fn new(seal: Seal) -> Sealing {
        Sealing {
            seal: Arc::new(seal),
            font: Arc::new(std::sync::OnceLock::new()),
            verified: Arc::new(std::sync::Mutex::new(std::collections::HashSet::new())),
        }
    }

    fn digest(l: &StoredLicence, public_key_hex: &str) -> [u8; 32] {
        use sm3::Digest;
        let mut h = sm3::Sm3::new();
        for part in [public_key_hex, &l.canonical, &l.signature] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
        h.finalize().into()
    }

    fn known_good(&self, digest: &[u8; 32]) -> bool {
        self.verified
            .lock()
            .map(|s| s.contains(digest))
            .unwrap_or(false)
    }

    fn remember(&self, digest: [u8; 32]) {
        if let Ok(mut s) = self.verified.lock() {
            if s.len() >= VERIFIED_MEMORY {
                s.clear();
            }
            s.insert(digest);
        }
    }
}

pub use crate::disclosure::{REPORTS_PER_ADDRESS, REPORTS_PER_LICENCE};

/// What public verification reports.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub id: String,
    pub standing: Standing,
    pub standing_label: String,
    /// Present only when the licence is genuine.
    pub licence: Option<PublicLicence>,
    /// Why it was revoked or replaced.
    pub reason: Option<String>,
    pub replaced_by: Option<String>,
    /// A combined licence (一企一证): each permit it lists, as it stands now.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub permits: Vec<crate::combined::PermitStanding>,
}

/// What may be shown to the public of a licence: no identity numbers; a
/// natural person's name masked.
#[derive(Debug, Clone, Serialize)]
pub struct PublicLicence {
    pub id: String,
    pub type_code: String,
    pub type_name: String,
    pub holder_name: String,
    pub scope: String,
    pub issuer: String,
    pub issued_on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub standing: Standing,
}

/// A licence as its holder, staff or a regulator sees it.
#[derive(Debug, Clone, Serialize)]
pub struct LicenceView {
    #[serde(flatten)]
    pub stored: StoredLicence,
    pub standing: Standing,
    /// The signed content, for display.
    pub document: serde_json::Value,
    pub verify_url: String,
    /// Whether the holder's identity number is masked for this viewer (双盲):
    /// then `document` shows it masked and the signed content is left out.
    pub masked: bool,
}

pub(crate) fn holder_identity(case: &Case, today: NaiveDate) -> Result<HolderIdentity, AppError> {
    // The kind the applicant registered as decides: some citizen IDs are also valid
    // credit codes.
    match Identity::parse(case.applicant.kind, &case.applicant.identity, today) {
        Ok(Identity::Citizen(id)) => Ok(HolderIdentity::CitizenId(id)),
        Ok(Identity::Organisation(code)) => Ok(HolderIdentity::CreditCode(code)),
        Err(e) => Err(AppError::sealing(format!(
            "the applicant's identity is not valid: {e}"
        ))),
    }
}

fn text_of(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Bool(true) => "是".into(),
        serde_json::Value::Bool(false) => "否".into(),
        serde_json::Value::Null => String::new(),
        // A whole number reads as one: 2, not 2.0.
        serde_json::Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

impl App {
    pub(crate) fn sealing(&self) -> Result<&Sealing, AppError> {
        self.sealing
            .as_ref()
            .ok_or_else(|| AppError::sealing("no seal is configured on this installation"))
    }

    /// The public verification address of a licence.
    pub fn verify_url(&self, id: &str) -> String {
        format!(
            "{}/verify/{id}",
            self.settings.public_url.trim_end_matches('/')
        )
    }

    /// Builds and seals the licence an issued case gets (None if the item issues
    /// no certificate). A renewal (延续) continues the licence its form names:
    /// the same serial in its next version, with that licence's holder, scope
    /// and data, running on from its expiry; the old one is then replaced.
    pub(crate) async fn seal_licence(
        &self,
        case: &Case,
        item: &Item,
    ) -> Result<Option<Sealed>, AppError> {
        let Some(spec) = &item.certificate else {
            return Ok(None);
        };
        self.sealing()?;
        let today = self.today();
        let type_code = LicenceTypeCode::parse(&spec.type_code)
            .map_err(|e| AppError::sealing(format!("licence type code {}: {e}", spec.type_code)))?;
        let issuer_code = CreditCode::parse(&self.settings.bureau_credit_code)
            .map_err(|e| AppError::sealing(format!("the bureau's credit code: {e}")))?;
        let renewed = match &spec.renews_field {
            Some(field) => Some(self.renewable(case, item, field).await?),
            None => None,
        };
        let doc = match &renewed {
            Some((old, old_doc)) => {
                let version = old_doc
                    .id
                    .version()
                    .next()
                    .ok_or_else(|| AppError::invalid("原证照版本号已达上限，不能延续"))?;
                LicenceDocument {
                    id: LicenceId::new(&type_code, &issuer_code, old_doc.id.serial(), version),
                    type_code,
                    type_name: spec.name.clone(),
                    issuer: self.settings.bureau_name.clone(),
                    issuer_code,
                    issued_on: today,
                    valid_until: old
                        .valid_until
                        .and_then(|u| licence::renewal_valid_until(u, spec.validity_years)),
                    ..old_doc.clone()
                }
            }
            None => {
                let n = self
                    .store
                    .next_licence_serial(&spec.type_code, today.year())
                    .await?;
                let serial = format!("{}{n:06}", today.year());
                let serial = LicenceSerial::parse(&serial)
                    .map_err(|e| AppError::sealing(format!("licence serial {serial}: {e}")))?;
                let scope = spec
                    .scope_field
                    .as_ref()
                    .and_then(|k| case.form.get(k))
                    .map(text_of)
                    .unwrap_or_else(|| item.name.clone());
                let fields: Vec<(String, String)> = item
                    .form
                    .iter()
                    .filter(|f| {
                        !matches!(
                            f.field_type,
                            FieldType::CitizenId
                                | FieldType::CreditCode
                                | FieldType::Mobile
                                | FieldType::LicenceId
                        )
                    })
                    .filter(|f| spec.scope_field.as_deref() != Some(f.key.as_str()))
                    .filter_map(|f| case.form.get(&f.key).map(|v| (f.label.clone(), text_of(v))))
                    .filter(|(_, v)| !v.is_empty())
                    .collect();
                LicenceDocument {
                    id: LicenceId::new(&type_code, &issuer_code, &serial, LicenceVersion::FIRST),
                    type_code,
                    type_name: spec.name.clone(),
                    holder_name: case.applicant.name.clone(),
                    holder_identity: holder_identity(case, today)?,
                    scope,
                    issuer: self.settings.bureau_name.clone(),
                    issuer_code,
                    issued_on: today,
                    valid_until: licence::valid_until(today, spec.validity_years),
                    fields,
                }
            }
        };
        let supervising = item
            .supervising_department
            .clone()
            .or_else(|| Some(item.department.clone()));
        let sealed = self.sign_licence(&doc, case, &item.code, supervising)?;
        Ok(Some(Sealed {
            renews: renewed.map(|(old, _)| old.id),
            ..sealed
        }))
    }

    /// Checks and signs a licence document of `case`'s applicant, as stored.
    pub(crate) fn sign_licence(
        &self,
        doc: &LicenceDocument,
        case: &Case,
        item_code: &str,
        supervising_department: Option<String>,
    ) -> Result<Sealed, AppError> {
        let sealing = self.sealing()?;
        doc.check().map_err(AppError::sealing)?;
        let canonical = String::from_utf8(doc.canonical_bytes()).map_err(AppError::sealing)?;
        let signature = sealing
            .seal
            .sign(canonical.as_bytes())
            .map_err(AppError::sealing)?;
        let licence = StoredLicence {
            seq: 0,
            id: doc.id.to_string(),
            type_code: doc.type_code.as_str().to_string(),
            type_name: doc.type_name.clone(),
            holder_user_id: case.applicant.user_id,
            holder_name: doc.holder_name.clone(),
            holder_is_person: matches!(doc.holder_identity, HolderIdentity::CitizenId(_)),
            case_id: case.id,
            item_code: item_code.to_string(),
            supervising_department,
            issued_on: doc.issued_on,
            valid_until: doc.valid_until,
            canonical,
            signature,
            key_id: sealing.seal.key_id().to_string(),
            status: LicenceStatus::Valid,
        };
        Ok(Sealed {
            licence,
            renews: None,
        })
    }

    /// The applicant's licence a renewal's form names, if it may be renewed:
    /// theirs, of the item's licence type, genuine, valid and not yet expired.
    /// Otherwise the form is refused, naming the field.
    pub(crate) async fn renewable(
        &self,
        case: &Case,
        item: &Item,
        field: &str,
    ) -> Result<(StoredLicence, LicenceDocument), AppError> {
        let label = item
            .form
            .iter()
            .find(|f| f.key == field)
            .map_or(field, |f| f.label.as_str());
        let refuse = |message: String| {
            AppError::Domain(onestamp_domain::DomainError::InvalidForm(vec![
                onestamp_domain::error::FieldProblem {
                    field: label.to_string(),
                    message,
                },
            ]))
        };
        let id = case
            .form
            .get(field)
            .and_then(|v| v.as_str())
            .map(str::trim)
            .unwrap_or_default();
        let Some(old) = self.store.licence(id).await? else {
            return Err(refuse(format!("证照库中没有证照 {id}")));
        };
        if old.holder_user_id != case.applicant.user_id {
            return Err(refuse(format!("证照 {id} 不是申请人的证照")));
        }
        if item.certificate.as_ref().map(|c| c.type_code.as_str()) != Some(old.type_code.as_str()) {
            return Err(refuse(format!("证照 {id} 不是{}", type_name_of(item))));
        }
        if old.status != LicenceStatus::Valid {
            return Err(refuse(format!("证照 {id} 已撤销或已换发，不能延续")));
        }
        let Some(doc) = self.genuine(&old).await? else {
            return Err(refuse(format!("证照 {id} 签章验证未通过")));
        };
        match old.valid_until {
            None => Err(refuse(format!("证照 {id} 长期有效，无需延续"))),
            Some(until) if until < self.today() => Err(refuse(format!(
                "证照 {id} 已于 {until} 过期，过期的请按新办申请"
            ))),
            Some(_) => Ok((old, doc)),
        }
    }

    /// Whether the stored content carries a good signature of one of the bureau's keys.
    pub(crate) async fn genuine(
        &self,
        l: &StoredLicence,
    ) -> Result<Option<LicenceDocument>, AppError> {
        let keys = self.store.seal_keys().await?;
        Ok(self.genuine_among(&keys, l))
    }

    /// [`Self::genuine`] against seal keys already loaded, for a list of licences.
    fn genuine_among(
        &self,
        keys: &[(String, String)],
        l: &StoredLicence,
    ) -> Option<LicenceDocument> {
        let (_, hex) = keys.iter().find(|(k, _)| *k == l.key_id)?;
        let digest = Sealing::digest(l, hex);
        let remembered = self.sealing.as_ref().is_some_and(|s| s.known_good(&digest));
        if !remembered {
            let verifier = Verifier::from_public_key_hex(hex).ok()?;
            if !verifier.verify(l.canonical.as_bytes(), &l.signature) {
                return None;
            }
            if let Some(s) = &self.sealing {
                s.remember(digest);
            }
        }
        let doc = LicenceDocument::from_canonical_bytes(l.canonical.as_bytes()).ok()?;
        // The signed content must be the licence it claims to be.
        (doc.id.to_string() == l.id).then_some(doc)
    }

    /// The standing of a stored licence today, from its signature and signed content.
    pub(crate) async fn standing_of(
        &self,
        l: &StoredLicence,
    ) -> Result<(Standing, Option<LicenceDocument>), AppError> {
        let keys = self.store.seal_keys().await?;
        Ok(self.standing_among(&keys, l))
    }

    /// [`Self::standing_of`] against seal keys already loaded.
    pub(crate) fn standing_among(
        &self,
        keys: &[(String, String)],
        l: &StoredLicence,
    ) -> (Standing, Option<LicenceDocument>) {
        match self.genuine_among(keys, l) {
            None => (Standing::NotGenuine, None),
            Some(doc) => {
                let today = self.today();
                (
                    licence::standing(&l.status, doc.valid_until, today),
                    Some(doc),
                )
            }
        }
    }

    /// Public verification (no login): valid, expired, revoked or not genuine.
    pub async fn verify_licence(&self, id: &str) -> Result<Verification, AppError> {
        let id = id.trim();
        let not_genuine = Verification {
            id: id.to_string(),
            standing: Standing::NotGenuine,
            standing_label: Standing::NotGenuine.label_zh().to_string(),
            licence: None,
            reason: None,
            replaced_by: None,
            permits: Vec::new(),
        };
        if id.len() > 128 || LicenceId::parse(id).is_err() {
            return Ok(Verification {
                standing_label: "证照编号格式或校验位不正确".into(),
                ..not_genuine
            });
        }
        let Some(stored) = self.store.licence(id).await? else {
            return Ok(Verification {
                standing_label: "证照库中没有该证照".into(),
                ..not_genuine
            });
        };
        let (standing, doc) = self.standing_of(&stored).await?;
        let Some(doc) = doc else {
            return Ok(not_genuine);
        };
        if let Err(fault) = self.audited(&stored).await? {
            tracing::error!(licence = %stored.id, fault = %fault.describe_zh(), "licence disagrees with its audited history");
            return Ok(Verification {
                standing_label: "证照状态与审计记录不符，暂不能核验，请向发证机关核实".into(),
                ..not_genuine
            });
        }
        let (reason, replaced_by) = match &stored.status {
            LicenceStatus::Valid => (None, None),
            LicenceStatus::Revoked { reason } => (Some(reason.clone()), None),
            LicenceStatus::Replaced { by, reason } => (Some(reason.clone()), Some(by.clone())),
        };
        let permits = self.permits_of(&stored.id).await?;
        Ok(Verification {
            id: id.to_string(),
            standing,
            standing_label: standing.label_zh().to_string(),
            licence: Some(public_view(&doc, stored.holder_is_person, standing)),
            reason,
            replaced_by,
            permits,
        })
    }

    /// Whether a stored licence's status and content are those its audited
    /// history leads to.
    async fn audited(&self, l: &StoredLicence) -> Result<Result<(), audit::TrailFault>, AppError> {
        let mut trail = audit::LicenceTrail::default();
        for (kind, detail) in self.store.audit_trail(&l.id).await? {
            let detail = serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null);
            if let Err(fault) = trail.follow(&kind, &detail) {
                return Ok(Err(fault));
            }
        }
        Ok(trail.check(&l.status, &l.canonical, &l.signature))
    }

    /// Who may see a licence: its holder, handling staff and supervisors, and
    /// regulators of its supervising department.
    pub(crate) async fn visible_licence(
        &self,
        session: &Session,
        id: &str,
    ) -> Result<StoredLicence, AppError> {
        let not_found = || AppError::NotFound(format!("证照 {id} "));
        let l = self.store.licence(id).await?.ok_or_else(not_found)?;
        if l.holder_user_id == session.user.id || session.holds_any(Role::sees_every_case) {
            return Ok(l);
        }
        if session.has(Role::Regulator) {
            let deps = self.regulated_departments(session).await?;
            if deps
                .iter()
                .any(|d| d == "*" || Some(d) == l.supervising_department.as_ref())
            {
                return Ok(l);
            }
            return Err(AppError::Forbidden("该证照不属于本部门监管范围".into()));
        }
        if session.is_staff() {
            return Err(AppError::Forbidden("该角色不能查看证照".into()));
        }
        Err(not_found())
    }

    pub(crate) async fn regulated_departments(
        &self,
        session: &Session,
    ) -> Result<Vec<String>, AppError> {
        Ok(self
            .store
            .staff_profile(session.user.id)
            .await?
            .map(|p| p.departments)
            .unwrap_or_default())
    }

    pub async fn get_licence(&self, session: &Session, id: &str) -> Result<LicenceView, AppError> {
        let stored = self.visible_licence(session, id).await?;
        let keys = self.store.seal_keys().await?;
        let shown = self
            .licence_exposure(session, &stored, Surface::Licence, &mut Default::default())
            .await?;
        Ok(self.licence_view(&keys, stored, shown))
    }

    /// What `session` may see of the holder of `stored` on `surface` (the one
    /// privacy policy, [`onestamp_domain::privacy`]); `masking` remembers, per
    /// item, whether the item masks identities.
    async fn licence_exposure(
        &self,
        session: &Session,
        stored: &StoredLicence,
        surface: Surface,
        masking: &mut std::collections::HashMap<String, bool>,
    ) -> Result<Exposure, AppError> {
        let viewer = if stored.holder_user_id == session.user.id {
            Viewer::Owner
        } else {
            Viewer::Staff(&session.user.roles)
        };
        let item_masks = match masking.get(&stored.item_code) {
            Some(m) => *m,
            None => {
                // An item no longer in the catalogue masks, to be safe.
                let m = self
                    .store
                    .item(&stored.item_code)
                    .await?
                    .is_none_or(|i| i.item.mask_identity);
                masking.insert(stored.item_code.clone(), m);
                m
            }
        };
        let kind = if stored.holder_is_person {
            ApplicantKind::Person
        } else {
            ApplicantKind::Organisation
        };
        Ok(privacy::exposure(viewer, surface, item_masks, kind))
    }

    fn licence_view(
        &self,
        keys: &[(String, String)],
        mut stored: StoredLicence,
        shown: Exposure,
    ) -> LicenceView {
        let (standing, doc) = self.standing_among(keys, &stored);
        let mut document = doc
            .map(|d| serde_json::to_value(&d).unwrap_or_default())
            .unwrap_or(serde_json::Value::Null);
        let masked = shown.is_partial();
        if masked {
            if let Some(value) = document.pointer_mut("/holder_identity/value")
                && let Some(number) = value.as_str()
            {
                *value = shown
                    .identity(number)
                    .map_or(serde_json::Value::Null, serde_json::Value::String);
            }
            if let Some(name) = document.get_mut("holder_name")
                && let Some(n) = name.as_str()
            {
                *name = serde_json::Value::String(shown.name(n));
            }
            stored.holder_name = shown.name(&stored.holder_name);
            stored.canonical.clear();
            stored.signature.clear();
        }
        LicenceView {
            verify_url: self.verify_url(&stored.id),
            stored,
            standing,
            document,
            masked,
        }
    }

    /// Licences the caller may see: an applicant's own, a regulator's domain, or all for staff.
    pub async fn list_licences(
        &self,
        session: &Session,
        mut query: LicenceQuery,
    ) -> Result<Vec<LicenceView>, AppError> {
        query.limit = query.limit.clamp(1, 200);
        if session.holds_any(Role::sees_every_case) {
        } else if session.has(Role::Regulator) {
            query.departments = Some(self.regulated_departments(session).await?);
        } else {
            session.require(&[Role::Applicant])?;
            query.holder = Some(session.user.id);
        }
        let keys = self.store.seal_keys().await?;
        let mut masking = std::collections::HashMap::new();
        let mut out = Vec::new();
        for l in self.store.licences(&query).await? {
            let shown = self
                .licence_exposure(session, &l, Surface::Licence, &mut masking)
                .await?;
            out.push(self.licence_view(&keys, l, shown));
        }
        Ok(out)
    }

    /// The licence as a printable PDF with the seal and a QR code of its verification page.
    pub async fn licence_pdf(&self, session: &Session, id: &str) -> Result<Vec<u8>, AppError> {
        let stored = self.visible_licence(session, id).await?;
        let Some(doc) = self.genuine(&stored).await? else {
            return Err(AppError::invalid("证照签章验证未通过，不能打印"));
        };
        let shown = self
            .licence_exposure(
                session,
                &stored,
                Surface::LicencePrint,
                &mut Default::default(),
            )
            .await?;
        let copy = shown.is_partial().then(|| ViewingCopy {
            identity: shown
                .identity(doc.holder_identity.as_str())
                .unwrap_or_default(),
            remark: "查看副本：持证人身份号码已部分隐去，以扫码核验结果为准".into(),
        });
        let sealing = self.sealing()?.clone();
        let url = self.verify_url(&stored.id);
        let seal_name = self.settings.bureau_name.clone();
        tokio::task::spawn_blocking(move || {
            let font = sealing
                .font
                .get_or_init(|| FontSource::system().map_err(|e| e.to_string()));
            let font = font.as_ref().map_err(|e| AppError::rendering(e.clone()))?;
            onestamp_certificate::render_pdf_copy(&doc, &seal_name, &url, font, copy.as_ref())
                .map_err(AppError::rendering)
        })
        .await
        .map_err(AppError::rendering)?
    }

    /// Revokes a licence (officers), with a reason.
    pub async fn revoke_licence(
        &self,
        session: &Session,
        id: &str,
        reason: &str,
    ) -> Result<LicenceView, AppError> {
        session.require(&[Role::Officer])?;
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(AppError::invalid("请填写撤销理由（不超过 500 字）"));
        }
        let stored = self.visible_licence(session, id).await?;
        let status = LicenceStatus::Revoked {
            reason: reason.to_string(),
        };
        let audit =
            audit::licence_status_set(self.clock.now(), Some(session.user.id), &stored.id, &status);
        let now = self.clock.now();
        let mut messages = self.licence_messages(&stored, Event::LicenceRevoked, reason, now);
        let (feed, feed_messages) = self
            .licence_feed(&stored, FeedKind::Revoked, reason, None, now)
            .await?;
        messages.extend(feed_messages);
        self.store
            .change_licence(&stored.id, &status, None, vec![audit], messages, feed)
            .await
            .map_err(already_changed)?;
        tracing::info!(licence = %stored.id, case_id = stored.case_id, actor_id = session.user.id, actor = %session.user.username, actor_role = %session.role_names(), "licence revoked");
        self.get_licence(session, id).await
    }

    /// Replaces a licence by its next version (变更/补证), with changed data fields
    /// (by label) where given; the old one is marked replaced.
    pub async fn replace_licence(
        &self,
        session: &Session,
        id: &str,
        reason: &str,
        changes: BTreeMap<String, String>,
    ) -> Result<LicenceView, AppError> {
        session.require(&[Role::Officer])?;
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(AppError::invalid("请填写换发理由（不超过 500 字）"));
        }
        let stored = self.visible_licence(session, id).await?;
        let Some(mut doc) = self.genuine(&stored).await? else {
            return Err(AppError::invalid("原证照签章验证未通过，不能换发"));
        };
        let next_version = doc
            .id
            .version()
            .next()
            .ok_or_else(|| AppError::invalid("证照版本号已达上限"))?;
        for (label, value) in changes {
            match doc.fields.iter_mut().find(|(l, _)| *l == label) {
                Some(field) => field.1 = value,
                None if label == "经营范围" || label == "许可范围" => doc.scope = value,
                None => return Err(AppError::invalid(format!("证照上没有数据项「{label}」"))),
            }
        }
        let sealing = self.sealing()?;
        doc.id = LicenceId::new(
            doc.id.type_code(),
            doc.id.issuer(),
            doc.id.serial(),
            next_version,
        );
        doc.issued_on = self.today();
        doc.check().map_err(AppError::sealing)?;
        let canonical = String::from_utf8(doc.canonical_bytes()).map_err(AppError::sealing)?;
        let signature = sealing
            .seal
            .sign(canonical.as_bytes())
            .map_err(AppError::sealing)?;
        let new = StoredLicence {
            seq: 0,
            id: doc.id.to_string(),
            issued_on: doc.issued_on,
            valid_until: doc.valid_until,
            canonical,
            signature,
            key_id: sealing.seal.key_id().to_string(),
            status: LicenceStatus::Valid,
            ..stored.clone()
        };
        let status = LicenceStatus::Replaced {
            by: new.id.clone(),
            reason: reason.to_string(),
        };
        let now = self.clock.now();
        let audit = vec![
            audit::licence_status_set(now, Some(session.user.id), &stored.id, &status),
            audit::licence_issued(
                now,
                Some(session.user.id),
                &new.id,
                &new.canonical,
                &new.signature,
                Some(&stored.id),
            ),
        ];
        let new_id = new.id.clone();
        let mut messages = self.licence_messages(&stored, Event::LicenceReplaced, &new_id, now);
        let (feed, feed_messages) = self
            .licence_feed(&stored, FeedKind::Replaced, reason, Some(&new_id), now)
            .await?;
        messages.extend(feed_messages);
        self.store
            .change_licence(&stored.id, &status, Some(new), audit, messages, feed)
            .await
            .map_err(already_changed)?;
        tracing::info!(licence = %stored.id, new = %new_id, case_id = stored.case_id, actor_id = session.user.id, actor = %session.user.username, actor_role = %session.role_names(), "licence replaced");
        self.get_licence(session, &new_id).await
    }

    /// Reminds holders of licences expiring within the configured days (临期提醒); exactly once each.
    pub async fn remind_expiring_licences(&self) -> Result<usize, AppError> {
        let now = self.clock.now();
        let until = self.reminder_horizon(now);
        let mut total = 0;
        loop {
            let batch = self.store.remind_expiring(until, now, 500).await?;
            total += batch.len();
            if batch.len() < 500 {
                return Ok(total);
            }
        }
    }

    /// The holder's message about a change of their licence (revoked, replaced).
    pub(crate) fn licence_messages(
        &self,
        l: &StoredLicence,
        event: Event,
        detail: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Vec<crate::store::NewMessage> {
        onestamp_domain::message::licence_notice(event, l.holder_user_id, &l.type_name, &l.id, detail, at)
            .map(|message| crate::store::NewMessage {
                message,
                case_id: Some(l.case_id),
                case_number: None,
                licence_id: Some(l.id.clone()),
                department: l.supervising_department.clone(),
                data: serde_json::json!({"licence": crate::messages::licence_data(l), "detail": detail}),
            })
            .into_iter()
            .collect()
    }

    /// The applicant's valid licences, as the machine review sees them.
    pub(crate) async fn valid_licences_of(
        &self,
        user: i64,
    ) -> Result<Vec<(StoredLicence, LicenceDocument)>, AppError> {
        let query = LicenceQuery {
            holder: Some(user),
            only_status: Some("valid".into()),
            limit: 200,
            ..Default::default()
        };
        let keys = self.store.seal_keys().await?;
        let mut out = Vec::new();
        for l in self.store.licences(&query).await? {
            if let (Standing::Valid, Some(doc)) = self.standing_among(&keys, &l) {
                out.push((l, doc));
            }
        }
        Ok(out)
    }
}

fn already_changed(e: crate::store::StoreError) -> AppError {
    match e {
        crate::store::StoreError::VersionConflict { .. } => {
            AppError::invalid("该证照已撤销或已换发")
        }
        other => other.into(),
    }
}

pub(crate) fn public_view(
    doc: &LicenceDocument,
    person: bool,
    standing: Standing,
) -> PublicLicence {
    let kind = if person {
        ApplicantKind::Person
    } else {
        ApplicantKind::Organisation
    };
    let shown = privacy::exposure(Viewer::Public, Surface::Public, true, kind);
    PublicLicence {
        id: doc.id.to_string(),
        type_code: doc.type_code.as_str().to_string(),
        type_name: doc.type_name.clone(),
        holder_name: shown.name(&doc.holder_name),
        scope: doc.scope.clone(),
        issuer: doc.issuer.clone(),
        issued_on: doc.issued_on,
        valid_until: doc.valid_until,
        standing,
    }
}

/// A licence sealed by a case's issuance, and the licence it renews.
#[derive(Debug, Clone)]
pub(crate) struct Sealed {
    pub licence: StoredLicence,
    pub renews: Option<String>,
}

impl Sealed {
    /// The audit facts of the issuance: the new licence, and the old one replaced.
    pub fn facts(&self, at: chrono::DateTime<chrono::Utc>, actor: Option<i64>) -> Vec<AuditFact> {
        let l = &self.licence;
        let mut facts = vec![audit::licence_issued(
            at,
            actor,
            &l.id,
            &l.canonical,
            &l.signature,
            self.renews.as_deref(),
        )];
        if let Some((old, status)) = self.retire() {
            facts.push(audit::licence_status_set(at, actor, &old, &status));
        }
        facts
    }

    /// The renewed licence and the status it takes: replaced by the new one.
    pub fn retire(&self) -> Option<(String, LicenceStatus)> {
        let old = self.renews.clone()?;
        let status = LicenceStatus::Replaced {
            by: self.licence.id.clone(),
            reason: "许可延续".into(),
        };
        Some((old, status))
    }
}

fn type_name_of(item: &Item) -> String {
    item.certificate
        .as_ref()
        .map_or_else(|| "本事项的证照".to_string(), |c| c.name.clone())
}

#[cfg(test)]
mod tests {
    #[test]
    fn whole_numbers_print_without_a_decimal_point() {
        assert_eq!(super::text_of(&serde_json::json!(2.0)), "2");
        assert_eq!(super::text_of(&serde_json::json!(2.5)), "2.5");
        assert_eq!(super::text_of(&serde_json::json!(true)), "是");
    }
}
