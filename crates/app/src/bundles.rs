//! Bundles (主题式服务, 联审联办): one application for a theme, one child case
//! per item, each a normal case with its own department, staff, clocks and
//! audit. The children without prerequisites start at once; the others wait
//! until the items they need are issued, then start with the prerequisite's
//! licence cited for the materials it stands in for. The applicant sees one
//! bundle: one status, one timeline, one list of what to correct, and, where
//! the theme says so, one combined licence (一企一证).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use onestamp_domain::analytics;
use onestamp_domain::audit::AuditFact;
use onestamp_domain::bundle::{self, BundleStatus, Child, ChildState};
use onestamp_domain::case::correction::CorrectionRequest;
use onestamp_domain::case::{
    Action, Case, CaseStatus, Channel, Command, FiledBy, MaterialRef, UserId, open_case_by,
};
use onestamp_domain::catalogue::{Item, Theme, TimeLimit};
use onestamp_domain::error::FieldProblem;
use onestamp_domain::role::Role;
use onestamp_domain::theme::{self, OnDenial, ThemePlan};
use onestamp_domain::timing::{self, Light};

use crate::auth::Session;
use crate::cases::{ActionInput, Filing};
use crate::materials::MaterialChoice;
use crate::store::{
    BundleBody, BundleStep, NewBundle, NewCase, PendingChild, StoredBundle, StoredItem,
    StoredLicence,
};
use crate::{App, AppError};

/// The audit kind of a bundle's submission.
pub const BUNDLE_SUBMIT: &str = "bundle.submit";

/// Most bundles a list returns at once.
pub const MAX_BUNDLES: u32 = 100;

/// An application for a theme: the one shared form and the one set of
/// materials, by the keys of the theme's plan (`S01`, …).
#[derive(Debug, Clone)]
pub struct BundleApplication {
    pub theme: String,
    pub channel: Channel,
    pub form: serde_json::Map<String, serde_json::Value>,
    pub materials: BTreeMap<String, MaterialChoice>,
    /// 一窗受理: the applicant a clerk files for at the window.
    pub applicant: Option<UserId>,
}

/// One child of a bundle as its page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ChildView {
    pub item_code: String,
    pub item_name: String,
    pub department: String,
    pub waits_for: Vec<String>,
    /// `waiting`, `started` or `cancelled`.
    pub state: &'static str,
    pub case_id: Option<i64>,
    pub case_number: Option<String>,
    pub status: Option<CaseStatus>,
    pub status_label: String,
    pub deadline: Option<DateTime<Utc>>,
    pub light: Option<Light>,
    pub licence_id: Option<String>,
}

/// What one child asks the applicant to correct.
#[derive(Debug, Clone, Serialize)]
pub struct ChildCorrection {
    pub case_id: i64,
    pub case_number: String,
    pub item_code: String,
    pub item_name: String,
    pub version: i64,
    pub request: CorrectionRequest,
}

/// One step of a bundle's timeline: a child's event, or the bundle's own.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    pub item_name: String,
    pub case_number: Option<String>,
    pub action: String,
    pub label: String,
    pub opinion: Option<String>,
}

/// A bundle as its applicant (or staff) sees it.
#[derive(Debug, Clone, Serialize)]
pub struct BundleView {
    pub id: i64,
    pub number: String,
    pub theme_code: String,
    pub theme_name: String,
    pub channel: Channel,
    pub status: BundleStatus,
    pub status_label: String,
    pub on_denial: OnDenial,
    /// What a denial does to the others, in words.
    pub on_denial_note: String,
    pub submitted_at: DateTime<Utc>,
    /// The bundle's committed limit: the longest chain of its items' committed
    /// limits, from submission.
    pub deadline: DateTime<Utc>,
    pub light: Light,
    pub children: Vec<ChildView>,
    pub corrections: Vec<ChildCorrection>,
    pub timeline: Vec<TimelineEntry>,
    pub combined_licence: Option<String>,
}

/// A bundle in a list.
#[derive(Debug, Clone, Serialize)]
pub struct BundleSummary {
    pub id: i64,
    pub number: String,
    pub theme_code: String,
    pub theme_name: String,
    pub status: BundleStatus,
    pub status_label: String,
    pub submitted_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    pub children: usize,
    pub issued: usize,
}

fn on_denial_note(on: OnDenial) -> &'static str {
    match on {
        OnDenial::Continue => "任一事项未获许可时，其余事项照常办理",
        OnDenial::Stop => "任一事项未获许可时，尚未开始的事项不再办理（已在办理的事项办结为止）",
    }
}

/// The children as the domain reads them, with `changed` standing for its
/// stored row.
/// Where a stored bundle stands now.
pub(crate) fn status_of(b: &StoredBundle) -> BundleStatus {
    bundle::status(&domain_children(b, None), b.body.on_denial)
}

fn domain_children(b: &StoredBundle, changed: Option<&Case>) -> Vec<Child> {
    b.children
        .iter()
        .map(|c| Child {
            item: c.item_code.clone(),
            waits_for: c.waits_for.clone(),
            state: if c.cancelled {
                ChildState::Cancelled
            } else {
                match (&c.case, changed) {
                    (Some((id, _, _)), Some(case)) if *id == case.id => ChildState::Case {
                        id: *id,
                        status: case.status,
                    },
                    (Some((id, _, status)), _) => ChildState::Case {
                        id: *id,
                        status: *status,
                    },
                    (None, _) => ChildState::Waiting,
                }
            },
        })
        .collect()
}

/// An error of one child's form or materials, said of the theme's shared
/// form: the item named, each material by its shared key.
fn of_child(e: AppError, item: &Item, plan: &ThemePlan) -> AppError {
    let shared = |field: String| -> String {
        let Some(code) = field.strip_prefix("materials.") else {
            return field;
        };
        plan.materials
            .iter()
            .find(|m| {
                m.uses
                    .iter()
                    .any(|u| u.item == item.code && u.material == code)
            })
            .map(|m| format!("materials.{}", m.key))
            .unwrap_or(field)
    };
    let (message, problems) = match e {
        AppError::Invalid { message, problems } => (message, problems),
        AppError::Domain(onestamp_domain::error::DomainError::InvalidForm(problems)) => {
            ("表单有误".to_string(), problems)
        }
        other => return other,
    };
    AppError::Invalid {
        message: format!("「{}」：{message}", item.name),
        problems: problems
            .into_iter()
            .map(|p| FieldProblem {
                field: shared(p.field),
                message: format!("{}（{}）", p.message, item.name),
            })
            .collect(),
    }
}

impl App {
    async fn theme_named(&self, code: &str) -> Result<Theme, AppError> {
        self.store
            .themes()
            .await?
            .into_iter()
            .find(|t| t.code == code)
            .ok_or_else(|| AppError::NotFound(format!("主题 {code} ")))
    }

    /// The current stored items of a theme, by code.
    async fn theme_items(&self, theme: &Theme) -> Result<BTreeMap<String, StoredItem>, AppError> {
        let mut out = BTreeMap::new();
        for code in &theme.items {
            out.insert(code.clone(), self.get_item(code).await?);
        }
        Ok(out)
    }

    /// Files an application for a theme: one bundle, and one case for each item
    /// that waits for nothing, in one transaction; the other items wait with
    /// their forms and materials checked now.
    pub async fn submit_bundle(
        &self,
        session: &Session,
        application: BundleApplication,
    ) -> Result<BundleView, AppError> {
        let (filed_by, user) = self.filer(session, application.applicant).await?;
        let theme = self.theme_named(&application.theme).await?;
        let stored = self.theme_items(&theme).await?;
        let items: BTreeMap<String, Item> = stored
            .iter()
            .map(|(k, s)| (k.clone(), s.item.clone()))
            .collect();
        let plan = theme::plan(&theme, &items);
        let mut problems = Vec::new();
        for key in application.form.keys() {
            if !plan.fields.iter().any(|f| &f.field.key == key) {
                problems.push(FieldProblem {
                    field: key.clone(),
                    message: "该主题的申请表没有这一项".into(),
                });
            }
        }
        for key in application.materials.keys() {
            if !plan.materials.iter().any(|m| &m.key == key) {
                problems.push(FieldProblem {
                    field: format!("materials.{key}"),
                    message: "该主题没有这项材料".into(),
                });
            }
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid {
                message: "申请表或材料中有该主题没有的项目".into(),
                problems,
            });
        }
        let now = self.clock.now();
        let filing = Filing {
            session,
            filed_by,
            user: &user,
            channel: application.channel,
        };
        let mut start = Vec::new();
        let mut pending = BTreeMap::new();
        let mut children = Vec::new();
        for code in &theme.items {
            let Some(s) = stored.get(code) else {
                continue;
            };
            let item = &s.item;
            let form: serde_json::Map<String, serde_json::Value> = application
                .form
                .iter()
                .filter(|(k, _)| item.form.iter().any(|f| &f.key == *k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let mut choices = BTreeMap::new();
            for m in &plan.materials {
                if let Some(choice) = application.materials.get(&m.key) {
                    for u in m.uses.iter().filter(|u| &u.item == code) {
                        choices.insert(u.material.clone(), choice.clone());
                    }
                }
            }
            let materials = self
                .material_refs(item, user.id, &choices)
                .await
                .map_err(|e| of_child(e, item, &plan))?;
            let waits = theme.waits_for.get(code).cloned().unwrap_or_default();
            children.push((code.clone(), waits.clone()));
            if waits.is_empty() {
                let new = self
                    .prepare_case(&filing, s, form, materials, now)
                    .await
                    .map_err(|e| of_child(e, item, &plan))?;
                start.push((code.clone(), new));
            } else {
                // Checked now, as it will be when it starts.
                self.check_waiting(&filing, s, &form, now)
                    .map_err(|e| of_child(e, item, &plan))?;
                pending.insert(code.clone(), PendingChild { form, materials });
            }
        }
        let hours = theme::compare(&theme, &items).hours_theme;
        let deadline = TimeLimit::Hours(hours.max(1)).due_from(&self.settings.calendar, now);
        let audit = vec![AuditFact {
            at: now,
            actor_id: Some(session.user.id),
            kind: BUNDLE_SUBMIT.into(),
            subject: String::new(),
            detail: serde_json::json!({
                "theme": theme.code,
                "channel": application.channel,
                "applicant": user.id,
                "filed_by": filed_by.clerk(),
                "items": theme.items,
            }),
        }];
        let number_prefix = format!(
            "{}-{}",
            self.settings.district_code,
            self.local_date(now).format("%Y%m%d")
        );
        let b = self
            .store
            .create_bundle(NewBundle {
                number_prefix,
                theme_code: theme.code.clone(),
                applicant_id: user.id,
                channel: application.channel,
                submitted_at: now,
                deadline,
                body: BundleBody {
                    theme_name: theme.name.clone(),
                    on_denial: theme.on_denial,
                    filed_by_clerk: filed_by.clerk(),
                    pending,
                },
                children,
                start,
                audit,
                tally: analytics::of_bundle_submitted(
                    &theme.code,
                    application.channel.as_str(),
                    now,
                    &self.settings.calendar,
                ),
            })
            .await?;
        tracing::info!(bundle_no = %b.number, theme = %b.theme_code, applicant_id = user.id, actor_id = session.user.id, actor = %session.user.username, actor_role = %session.role_names(), "bundle submitted");
        self.bundle_view(session, b).await
    }

    /// The form of a child that waits, checked as its case will check it.
    fn check_waiting(
        &self,
        filing: &Filing<'_>,
        stored: &StoredItem,
        form: &serde_json::Map<String, serde_json::Value>,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let applicant = onestamp_domain::case::Applicant {
            user_id: filing.user.id,
            kind: filing.user.identity_kind.ok_or_else(|| {
                AppError::invalid("账号未登记申请人类型（自然人或法人），请联系管理员补充后再申请")
            })?,
            name: filing.user.display_name.clone(),
            identity: filing.user.identity.clone(),
        };
        open_case_by(
            filing.filed_by,
            &stored.item,
            stored.version,
            applicant,
            filing.channel,
            form.clone(),
            false,
            now,
            self.local_date(now),
        )?;
        Ok(())
    }

    /// What a change closing `case` (as it will be) does to its bundle: the
    /// waiting children it lets start, those that can never start, and the
    /// combined licence once every permit is issued; `b` is the bundle the
    /// case is a child of.
    pub(crate) async fn bundle_step(
        &self,
        session: &Session,
        b: &StoredBundle,
        case: &Case,
        licence: Option<&StoredLicence>,
        now: DateTime<Utc>,
    ) -> Result<Option<BundleStep>, AppError> {
        let children = domain_children(b, Some(case));
        let on = b.body.on_denial;
        let ready = bundle::ready(&children, on);
        let mut cancel = bundle::cancelled(&children, on);
        let theme = self.store.themes().await?;
        let theme = theme.into_iter().find(|t| t.code == b.theme_code);
        let mut start = Vec::new();
        if !ready.is_empty() {
            let user = self.applicant_account(b.applicant_id).await?;
            let filing = Filing {
                session,
                filed_by: b
                    .body
                    .filed_by_clerk
                    .map_or(FiledBy::Applicant, FiledBy::Clerk),
                user: &user,
                channel: b.channel,
            };
            let plan = match &theme {
                Some(t) => {
                    let items = self.theme_items(t).await?;
                    let items = items.into_iter().map(|(k, s)| (k, s.item)).collect();
                    Some(theme::plan(t, &items))
                }
                None => None,
            };
            for code in ready {
                match self
                    .start_child(&filing, b, &code, case, licence, plan.as_ref(), now)
                    .await
                {
                    Ok(new) => start.push((code, new)),
                    Err(e) if !e.is_fault() => {
                        // What was given no longer fits the item (its form
                        // changed since): the child cannot start, and says why.
                        tracing::warn!(bundle_no = %b.number, item = %code, error = %e, "a waiting child cannot start");
                        cancel.push(code);
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        let mut audit = Vec::new();
        let mut after = children.clone();
        for c in after.iter_mut() {
            if start.iter().any(|(code, _)| code == &c.item) {
                c.state = ChildState::Case {
                    id: 0,
                    status: CaseStatus::Review,
                };
            } else if cancel.contains(&c.item) {
                c.state = ChildState::Cancelled;
            }
        }
        let combined = match theme.as_ref().and_then(|t| t.combined_licence.as_ref()) {
            Some(spec) if bundle::status(&after, on) == BundleStatus::Issued => {
                let sealed = self.seal_combined(b, case, spec, licence).await?;
                audit.extend(sealed.facts(now, Some(session.user.id)));
                Some(sealed.licence)
            }
            _ => None,
        };
        if !cancel.is_empty() {
            audit.push(AuditFact {
                at: now,
                actor_id: Some(session.user.id),
                kind: "bundle.cancel".into(),
                subject: b.number.clone(),
                detail: serde_json::json!({"items": cancel, "after": case.number}),
            });
        }
        // The step that closes the last child finishes the bundle.
        let tally = analytics::of_bundle_finished(
            &b.theme_code,
            b.channel.as_str(),
            bundle::status(&after, on),
            b.deadline,
            now,
            &self.settings.calendar,
        );
        Ok(Some(BundleStep {
            bundle_id: b.id,
            expected_version: b.version,
            start,
            cancel,
            combined,
            audit,
            tally,
        }))
    }

    /// The applicant hears of a bundle's children as of the bundle: each
    /// message links to the bundle's page, and a correction request is the
    /// bundle's one request, naming every item that waits for a correction.
    pub(crate) async fn bundle_messages(
        &self,
        b: &StoredBundle,
        next: &Case,
        messages: &mut [crate::store::NewMessage],
    ) -> Result<(), AppError> {
        use onestamp_domain::message::{self, Audience, Event};
        let applicant = [Audience::User(next.applicant.user_id)];
        if !messages.iter().any(|m| m.message.audience == applicant) {
            return Ok(());
        }
        let mut asking = Vec::new();
        for c in domain_children(b, Some(next)) {
            if let ChildState::Case {
                status: CaseStatus::Correction,
                ..
            } = c.state
            {
                let name = self
                    .store
                    .item(&c.item)
                    .await?
                    .map_or(c.item.clone(), |s| s.item.name);
                asking.push(name);
            }
        }
        for m in messages
            .iter_mut()
            .filter(|m| m.message.audience == applicant)
        {
            if m.message.event == Event::CorrectionRequested && !asking.is_empty() {
                m.message = message::bundle_correction(
                    &m.message,
                    (b.id, &b.number),
                    &b.body.theme_name,
                    &asking,
                );
            } else {
                m.message.link = format!("/bundles/{}", b.id);
            }
        }
        Ok(())
    }

    /// The case of a waiting child, from what was given at submission and the
    /// licences of its prerequisites for the materials they stand in for.
    #[allow(clippy::too_many_arguments)]
    async fn start_child(
        &self,
        filing: &Filing<'_>,
        b: &StoredBundle,
        code: &str,
        closing: &Case,
        licence: Option<&StoredLicence>,
        plan: Option<&ThemePlan>,
        now: DateTime<Utc>,
    ) -> Result<NewCase, AppError> {
        let pending = b.body.pending.get(code).ok_or_else(|| {
            AppError::Store(crate::store::StoreError::Corrupt(format!(
                "bundle {} keeps nothing for {code}",
                b.number
            )))
        })?;
        let stored = self.get_item(code).await?;
        let mut materials = pending.materials.clone();
        for inherited in plan
            .into_iter()
            .flat_map(|p| &p.inherited)
            .filter(|i| i.item == code)
        {
            let Some((case_id, _, _)) = b
                .children
                .iter()
                .find(|c| c.item_code == inherited.from_item)
                .and_then(|c| c.case.clone())
            else {
                continue;
            };
            let from = match licence {
                Some(l) if case_id == closing.id => Some(l.clone()),
                _ => self.store.licence_of_case(case_id).await?,
            };
            if let Some(l) = from {
                materials.insert(
                    inherited.material.clone(),
                    MaterialRef::Licence {
                        id: l.id.clone(),
                        type_name: l.type_name.clone(),
                    },
                );
            }
        }
        self.prepare_case(filing, &stored, pending.form.clone(), materials, now)
            .await
    }

    /// Who may see a bundle: its applicant, and staff.
    async fn visible_bundle(&self, session: &Session, id: i64) -> Result<StoredBundle, AppError> {
        let b = self
            .store
            .bundle(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("主题申请 {id} ")))?;
        if b.applicant_id == session.user.id || session.user.roles.iter().any(|r| r.is_staff()) {
            Ok(b)
        } else {
            Err(AppError::NotFound(format!("主题申请 {id} ")))
        }
    }

    /// One bundle with its children, timeline and corrections.
    pub async fn get_bundle(&self, session: &Session, id: i64) -> Result<BundleView, AppError> {
        let b = self.visible_bundle(session, id).await?;
        self.bundle_view(session, b).await
    }

    /// The bundle a case is a child of, if the caller may see it.
    pub async fn bundle_of_case(
        &self,
        session: &Session,
        case_id: i64,
    ) -> Result<Option<BundleSummary>, AppError> {
        match self.store.bundle_of_case(case_id).await? {
            Some(b)
                if b.applicant_id == session.user.id
                    || session.user.roles.iter().any(|r| r.is_staff()) =>
            {
                Ok(Some(summary(&b)))
            }
            _ => Ok(None),
        }
    }

    /// The caller's own bundles, newest first.
    pub async fn my_bundles(
        &self,
        session: &Session,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<BundleSummary>, AppError> {
        session.require(&[Role::Applicant])?;
        if limit == 0 || limit > MAX_BUNDLES {
            return Err(AppError::invalid(format!(
                "limit 须在 1 到 {MAX_BUNDLES} 之间"
            )));
        }
        let list = self
            .store
            .bundles_of(session.user.id, before, limit)
            .await?;
        Ok(list.iter().map(summary).collect())
    }

    /// One resubmission for the bundle: the changed fields and materials go to
    /// every child that asked for a correction, each as its own resubmission,
    /// with only what that child asked for.
    pub async fn resubmit_bundle(
        &self,
        session: &Session,
        id: i64,
        form: serde_json::Map<String, serde_json::Value>,
        materials: BTreeMap<String, MaterialChoice>,
    ) -> Result<BundleView, AppError> {
        let b = self.visible_bundle(session, id).await?;
        let theme = self.theme_named(&b.theme_code).await?;
        let items = self.theme_items(&theme).await?;
        let plan = theme::plan(
            &theme,
            &items
                .iter()
                .map(|(k, s)| (k.clone(), s.item.clone()))
                .collect(),
        );
        let asking: Vec<(i64, String)> = b
            .children
            .iter()
            .filter_map(|c| match &c.case {
                Some((id, _, CaseStatus::Correction)) => Some((*id, c.item_code.clone())),
                _ => None,
            })
            .collect();
        if asking.is_empty() {
            return Err(AppError::invalid("该主题申请目前没有待补正的事项"));
        }
        for (case_id, code) in asking {
            let case = self.visible_case(session, case_id).await?;
            let Some(request) = &case.correction else {
                continue;
            };
            let Some(item) = items.get(&code).map(|s| &s.item) else {
                continue;
            };
            let named_fields: Vec<&String> = request.list.fields.iter().map(|f| &f.key).collect();
            let child_form: serde_json::Map<String, serde_json::Value> = form
                .iter()
                .filter(|(k, _)| named_fields.contains(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let mut child_materials = BTreeMap::new();
            for defect in &request.list.materials {
                let shared = plan.materials.iter().find(|m| {
                    m.uses
                        .iter()
                        .any(|u| u.item == code && u.material == defect.code)
                });
                if let Some(choice) = shared.and_then(|m| materials.get(&m.key)) {
                    child_materials.insert(defect.code.clone(), choice.clone());
                }
            }
            self.act_on_case_with(
                session,
                case_id,
                Command {
                    action: Action::Resubmit,
                    opinion: None,
                    version: case.version,
                },
                ActionInput {
                    form: Some(child_form),
                    materials: Some(child_materials),
                    ..ActionInput::default()
                },
            )
            .await
            .map_err(|e| of_child(e, item, &plan))?;
        }
        let b = self.visible_bundle(session, id).await?;
        self.bundle_view(session, b).await
    }

    async fn bundle_view(
        &self,
        session: &Session,
        b: StoredBundle,
    ) -> Result<BundleView, AppError> {
        let now = self.clock.now();
        let on = b.body.on_denial;
        let status = bundle::status(&domain_children(&b, None), on);
        let mut children = Vec::new();
        let mut corrections = Vec::new();
        let mut timeline = vec![TimelineEntry {
            at: b.submitted_at,
            item_name: b.body.theme_name.clone(),
            case_number: None,
            action: "submit".into(),
            label: format!("提交主题申请（{}）", b.channel.label_zh()),
            opinion: None,
        }];
        for c in &b.children {
            let item = self.store.item(&c.item_code).await?.map(|s| s.item);
            let item_name = item
                .as_ref()
                .map_or_else(|| c.item_code.clone(), |i| i.name.clone());
            let department = item
                .as_ref()
                .map_or_else(String::new, |i| i.department.clone());
            let mut view = ChildView {
                item_code: c.item_code.clone(),
                item_name: item_name.clone(),
                department,
                waits_for: c.waits_for.clone(),
                state: if c.cancelled {
                    "cancelled"
                } else if c.case.is_some() {
                    "started"
                } else {
                    "waiting"
                },
                case_id: None,
                case_number: None,
                status: None,
                status_label: if c.cancelled {
                    "未开始办理（已终止）".into()
                } else {
                    "等待前置事项出证".into()
                },
                deadline: None,
                light: None,
                licence_id: None,
            };
            if let Some((id, number, status)) = &c.case {
                view.case_id = Some(*id);
                view.case_number = Some(number.clone());
                view.status = Some(*status);
                view.status_label = status.label_zh().to_string();
                match self.get_case(session, *id).await {
                    Ok(cv) => {
                        view.deadline = cv.case.deadline;
                        view.light = Some(cv.light);
                        view.licence_id = cv.licence_id.clone();
                        view.status_label = cv.status_label.clone();
                        if cv.case.status == CaseStatus::Correction
                            && let Some(request) = &cv.case.correction
                        {
                            corrections.push(ChildCorrection {
                                case_id: *id,
                                case_number: number.clone(),
                                item_code: c.item_code.clone(),
                                item_name: item_name.clone(),
                                version: cv.case.version,
                                request: request.clone(),
                            });
                        }
                        for e in &cv.events {
                            timeline.push(TimelineEntry {
                                at: e.at,
                                item_name: item_name.clone(),
                                case_number: Some(number.clone()),
                                action: e.action.clone(),
                                label: Action::parse(&e.action).map_or_else(
                                    || "提交申请".to_string(),
                                    |a| a.label_zh().to_string(),
                                ),
                                opinion: e.opinion.clone(),
                            });
                        }
                    }
                    Err(e) if !e.is_fault() => {}
                    Err(e) => return Err(e),
                }
            }
            children.push(view);
        }
        timeline.sort_by_key(|t| t.at);
        let light = if status.is_closed() || status == BundleStatus::Correction {
            Light::Green
        } else {
            let warn = timing::warn_at(
                &self.settings.calendar,
                b.submitted_at,
                b.deadline,
                self.settings.warn_share,
            );
            timing::light(now, Some(warn), Some(b.deadline))
        };
        Ok(BundleView {
            id: b.id,
            number: b.number,
            theme_code: b.theme_code,
            theme_name: b.body.theme_name,
            channel: b.channel,
            status,
            status_label: status.label_zh().to_string(),
            on_denial: on,
            on_denial_note: on_denial_note(on).to_string(),
            submitted_at: b.submitted_at,
            deadline: b.deadline,
            light,
            children,
            corrections,
            timeline,
            combined_licence: b.combined_licence,
        })
    }
}

impl App {
    /// The combined licence (一企一证) of a bundle whose every permit is issued:
    /// each permit listed with its number, scope and validity, sealed like any
    /// licence. Valid until the first of its permits expires.
    async fn seal_combined(
        &self,
        b: &StoredBundle,
        closing: &Case,
        spec: &onestamp_domain::theme::CombinedLicence,
        licence: Option<&StoredLicence>,
    ) -> Result<crate::licences::Sealed, AppError> {
        let mut permits = Vec::new();
        for c in &b.children {
            let Some((case_id, _, _)) = &c.case else {
                continue;
            };
            let permit = match licence {
                Some(l) if *case_id == closing.id => Some(l.clone()),
                _ => self.store.licence_of_case(*case_id).await?,
            };
            if let Some(p) = permit {
                permits.push(p);
            }
        }
        self.seal_bundle_licence(closing, spec, &b.theme_code, &b.body.theme_name, &permits)
            .await
    }
}

fn summary(b: &StoredBundle) -> BundleSummary {
    let status = bundle::status(&domain_children(b, None), b.body.on_denial);
    BundleSummary {
        id: b.id,
        number: b.number.clone(),
        theme_code: b.theme_code.clone(),
        theme_name: b.body.theme_name.clone(),
        status,
        status_label: status.label_zh().to_string(),
        submitted_at: b.submitted_at,
        deadline: b.deadline,
        children: b.children.len(),
        issued: b
            .children
            .iter()
            .filter(|c| matches!(c.case, Some((_, _, CaseStatus::Issued))))
            .count(),
    }
}
