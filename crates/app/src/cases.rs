//! The case use cases: submit an application, act on a case, view and list cases,
//! and my open tasks.

use chrono::Datelike;
use serde::Serialize;

use onestamp_domain::analytics;
use onestamp_domain::assignment::{Candidate, WindowIntake, choose_assignee, window_intake};
use onestamp_domain::audit::case_fact;
use onestamp_domain::case::CaseStatus;
use onestamp_domain::case::Detail;
use onestamp_domain::case::correction::{self, CorrectionList};
use onestamp_domain::case::{
    Action, Applicant, ApplicantKind, Case, Channel, Command, FiledBy, SYSTEM_ACTOR, ShownEvent,
    ShownTask, Stage, Task, UserId, allowed_actions, decide_instantly, decide_with, disclose,
    open_case_by,
};
use onestamp_domain::catalogue::Item;
use onestamp_domain::role::Role;
use onestamp_domain::rules::{
    ApplicantFacts, LicenceFacts, RuleInput, rules_need_licences, run_rules,
};
use onestamp_domain::timing::{self, Light};

use crate::auth::Session;
use crate::store::{CaseChange, CaseQuery, CaseSummary, NewCase, TaskFilter, TaskKey, User};
use crate::{App, AppError};

/// Most cases a list returns at once.
pub const MAX_PAGE: u32 = 200;

/// Which of my tasks a workbench shows: a stage, an item, a light, or all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskView {
    pub stage: Option<Stage>,
    pub item_code: Option<String>,
    pub light: Option<Light>,
}

/// An application as submitted.
#[derive(Debug, Clone)]
pub struct Application {
    pub item_code: String,
    pub channel: Channel,
    pub form: serde_json::Map<String, serde_json::Value>,
    /// Materials given by reference, by material code.
    pub materials: std::collections::BTreeMap<String, crate::materials::MaterialChoice>,
    /// 一窗受理: the applicant a clerk files for at the window (their user id);
    /// `None` when applicants file themselves. Only clerks may name one, and a
    /// clerk must.
    pub applicant: Option<UserId>,
}

/// Who files a new case, for whom, and by which channel.
#[derive(Clone, Copy)]
pub(crate) struct Filing<'a> {
    pub session: &'a Session,
    pub filed_by: FiledBy,
    pub user: &'a User,
    pub channel: Channel,
}

/// What an action carries beyond action, opinion and version.
#[derive(Debug, Clone, Default)]
pub struct ActionInput {
    /// With `inspect`: the record of the site inspection (踏勘记录).
    pub inspection: Option<onestamp_domain::document::InspectionInput>,
    /// With `request_correction`: what to correct, item by item.
    pub correction: Option<CorrectionList>,
    /// With `resubmit`: the new values of the fields the request named.
    pub form: Option<serde_json::Map<String, serde_json::Value>>,
    /// With `resubmit`: the materials the request named, given anew.
    pub materials: Option<std::collections::BTreeMap<String, crate::materials::MaterialChoice>>,
}

/// A case as shown to one caller: what they may see and do (see
/// [`onestamp_domain::case::disclose`] for what is hidden from whom).
#[derive(Debug, Clone)]
pub struct CaseView {
    /// The case as the caller may see it. Its `task` is always `None`: the open
    /// task, as shown, is [`CaseView::task`].
    pub case: Case,
    /// The open task; its `assignee` is `None` where it is hidden.
    pub task: Option<ShownTask>,
    /// The whole case against its committed deadline.
    pub light: Light,
    /// The open task's light, if there is a task.
    pub task_light: Option<Light>,
    /// Working minutes the clock stood, including a suspension still running.
    pub suspended_minutes_total: i64,
    pub item_name: String,
    pub status_label: String,
    /// The actions the caller may take now.
    pub actions: Vec<Action>,
    pub events: Vec<ShownEvent>,
    /// The licence the case issued, once issued.
    pub licence_id: Option<String>,
    /// The query code (查询码), for the case's applicant and staff only.
    pub query_code: Option<String>,
}

/// The JSON of a case view: the case's own fields with `task` as shown, and the
/// view's fields beside them.
impl Serialize for CaseView {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error;
        #[derive(Serialize)]
        struct Shape<'a> {
            #[serde(flatten)]
            case: serde_json::Map<String, serde_json::Value>,
            task: &'a Option<ShownTask>,
            light: &'a Light,
            task_light: &'a Option<Light>,
            suspended_minutes_total: i64,
            item_name: &'a str,
            status_label: &'a str,
            actions: &'a [Action],
            events: &'a [ShownEvent],
            licence_id: &'a Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            query_code: &'a Option<String>,
        }
        let mut case = match serde_json::to_value(&self.case).map_err(S::Error::custom)? {
            serde_json::Value::Object(map) => map,
            _ => return Err(S::Error::custom("a case serialises as an object")),
        };
        case.remove("task");
        Shape {
            case,
            task: &self.task,
            light: &self.light,
            task_light: &self.task_light,
            suspended_minutes_total: self.suspended_minutes_total,
            item_name: &self.item_name,
            status_label: &self.status_label,
            actions: &self.actions,
            events: &self.events,
            licence_id: &self.licence_id,
            query_code: &self.query_code,
        }
        .serialize(serializer)
    }
}

impl App {
    /// Files an application under the item's current version and assigns the
    /// first task. An applicant files for themselves; a clerk files at the window
    /// for the applicant the application names (the channel is then the counter,
    /// and the clerk normally takes the intake task: see
    /// [`onestamp_domain::assignment::window_intake`]).
    pub async fn submit_application(
        &self,
        session: &Session,
        application: Application,
    ) -> Result<CaseView, AppError> {
        self.submit_counter_application(session, application, None)
            .await
    }

    /// Like [`App::submit_application`]; with `ticket`, the hall ticket in the
    /// clerk's hand ends with the case in the case's own transaction: both are
    /// written or neither.
    pub async fn submit_counter_application(
        &self,
        session: &Session,
        application: Application,
        ticket: Option<i64>,
    ) -> Result<CaseView, AppError> {
        let mut application = application;
        if session.kiosk.is_some() {
            // A kiosk session applies at the kiosk, whatever the form said.
            application.channel = Channel::Kiosk;
        }
        let (filed_by, user) = self.filer(session, application.applicant).await?;
        let ticket_fact = match ticket {
            Some(t) => Some(self.check_ticket_end(session, t, user.id).await?),
            None => None,
        };
        let stored = self.get_item(&application.item_code).await?;
        let now = self.clock.now();
        let materials = self
            .material_refs(&stored.item, user.id, &application.materials)
            .await?;
        let filing = Filing {
            session,
            filed_by,
            user: &user,
            channel: application.channel,
        };
        let mut new = self
            .prepare_case(&filing, &stored, application.form, materials, now)
            .await?;
        new.ticket = ticket;
        if let Some((fact, t)) = ticket_fact {
            // The ticket ends at the submission, in its transaction.
            let at = new.case.submitted_at;
            new.tally
                .merge(onestamp_domain::analytics_hall::of_ticket_ended(&t, at));
            new.audit.push(fact);
        }
        let case = match self.store.create_case(new).await {
            Err(crate::store::StoreError::Duplicate(what))
                if what == crate::store::TICKET_ENDED =>
            {
                return Err(AppError::Domain(onestamp_domain::DomainError::HallStep(
                    "该号已不在办理中（已办结、过号或转窗口），办件未提交，请刷新后重试".into(),
                )));
            }
            other => other?,
        };
        if let Some(t) = ticket {
            tracing::info!(ticket = t, case_no = %case.number, actor_id = session.user.id, "ticket ended with a case");
        }
        tracing::info!(case_no = %case.number, item = %case.item_code, status = %case.status.as_str(), applicant_id = user.id, actor_id = session.user.id, actor = %session.user.username, actor_role = %session.role_names(), "case submitted");
        self.view(session, case, &stored.item).await
    }

    /// A new case of `stored`'s item as `filing` says, with its deadlines,
    /// machine review, first task (or 秒批 outcome), documents and messages,
    /// ready for the store to number and write. The form is checked here; the
    /// materials are already resolved.
    pub(crate) async fn prepare_case(
        &self,
        filing: &Filing<'_>,
        stored: &crate::store::StoredItem,
        form: serde_json::Map<String, serde_json::Value>,
        materials: std::collections::BTreeMap<String, onestamp_domain::case::MaterialRef>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<NewCase, AppError> {
        let Filing {
            session,
            filed_by,
            user,
            channel,
        } = *filing;
        let item = &stored.item;
        let applicant = Applicant {
            user_id: user.id,
            kind: user.identity_kind.ok_or_else(|| {
                AppError::invalid("账号未登记申请人类型（自然人或法人），请联系管理员补充后再申请")
            })?,
            name: user.display_name.clone(),
            identity: user.identity.clone(),
        };
        let (mut case, event) = open_case_by(
            filed_by,
            item,
            stored.version,
            applicant,
            channel,
            form,
            false,
            now,
            self.local_date(now),
        )?;
        let calendar = &self.settings.calendar;
        if !calendar.covers(self.local_date(now).year_ce().1 as i32) {
            tracing::warn!(date = %self.local_date(now), "no holiday data for this year: deadlines count weekends only");
        }
        let (deadline, legal) = timing::case_due(calendar, item, case.priority, now);
        case.deadline = Some(deadline);
        case.legal_deadline = Some(legal);
        case.materials = materials;
        // A renewal names a licence of the applicant's that may be renewed.
        if let Some(field) = item
            .certificate
            .as_ref()
            .and_then(|c| c.renews_field.as_ref())
        {
            self.renewable(&case, item, field).await?;
        }
        if !item.rules.is_empty() {
            // Only rules that look at licences need them verified and loaded.
            let held = if rules_need_licences(item) {
                self.valid_licences_of(user.id).await?
            } else {
                Vec::new()
            };
            case.machine_review = Some(run_rules(
                item,
                &rule_input(&case, &held, self.local_date(now)),
            ));
        }
        let mut detail = serde_json::json!({
            "item": item.code,
            "item_version": stored.version,
            "channel": channel,
            "filed_by": filed_by.clerk(),
            "machine_review": case.machine_review,
        });
        // 自助终端: the kiosk the application was made at.
        if let (Some(k), Some(map)) = (&session.kiosk, detail.as_object_mut()) {
            map.insert("kiosk".into(), serde_json::json!(k.id));
            map.insert("kiosk_name".into(), serde_json::json!(k.name));
        }
        let mut audit = vec![case_fact("", &event, detail)];
        let mut events = vec![event];
        let mut sealed = None;
        // The safety valve: an admin may have switched instant decisions off for the item.
        let instant_on = item.instant && self.store.instant_enabled(&item.code).await?;
        let decided = if instant_on {
            decide_instantly(&case, item, now)?
        } else {
            None
        };
        if let Some((done, steps)) = decided {
            // 秒批: the system takes every stage in this same request and transaction.
            for e in &steps {
                audit.push(case_fact("", e, serde_json::json!({"instant": true})));
            }
            events.extend(steps);
            case = done;
            sealed = self.seal_licence(&case, item).await?;
            if let Some(l) = &sealed {
                audit.extend(l.facts(now, None));
            }
        } else if let Some(stage) = case.status.stage() {
            case.task = Some(
                self.first_task(session, filed_by, &case, item, stage)
                    .await?,
            );
        }
        let number_prefix = format!(
            "{}-{}",
            self.settings.district_code,
            self.local_date(now).format("%Y%m%d")
        );
        // Documents: the receipt (and the notice of acceptance of a 秒批 case).
        let documents = self.submission_documents(item, self.new_query_code(), &events)?;
        let messages = self.submission_messages(item, &events, sealed.as_ref().map(|s| &s.licence));
        let feed = self.new_case_feed(item, &events, sealed.as_ref()).await?;
        let tally = analytics::of_history(&case, &events, &self.settings.calendar);
        Ok(NewCase {
            tally,
            feed,
            case,
            number_prefix,
            events,
            audit,
            retire: sealed.as_ref().and_then(|s| s.retire()),
            licence: sealed.map(|s| s.licence),
            documents,
            messages,
            ticket: None,
        })
    }

    /// Who files for whom: an applicant for themselves, or a clerk at the window
    /// for the applicant named.
    pub(crate) async fn filer(
        &self,
        session: &Session,
        named: Option<UserId>,
    ) -> Result<(FiledBy, User), AppError> {
        let Some(id) = named else {
            // Staff do not apply for themselves: a clerk must say for whom.
            if !session.has(Role::Applicant) && session.has(Role::Clerk) {
                return Err(AppError::Forbidden(
                    "窗口受理须指明为哪位申请人提交：请先按证件号码查找或登记申请人".into(),
                ));
            }
            session.require(&[Role::Applicant])?;
            return Ok((FiledBy::Applicant, session.user.clone()));
        };
        if !session.has(Role::Clerk) {
            return Err(AppError::Forbidden(
                "只有窗口受理员可以为申请人代为提交；申请人请以本人名义申请".into(),
            ));
        }
        let user = self.applicant_account(id).await?;
        Ok((FiledBy::Clerk(session.user.id), user))
    }

    /// The account of an applicant staff act for at the window, or why not.
    pub(crate) async fn applicant_account(&self, id: UserId) -> Result<User, AppError> {
        let user = self
            .store
            .user(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("申请人（用户 {id}）")))?;
        if !user.roles.contains(&Role::Applicant) || !user.active {
            return Err(AppError::Invalid {
                message: format!("用户 {id} 不是申请人，不能为其办理"),
                problems: vec![onestamp_domain::error::FieldProblem {
                    field: "applicant".into(),
                    message: "不是申请人".into(),
                }],
            });
        }
        Ok(user)
    }

    /// The first task of a new case: at the window the filing clerk's, when the
    /// domain says they may take it; otherwise drawn.
    async fn first_task(
        &self,
        session: &Session,
        filed_by: FiledBy,
        case: &Case,
        item: &Item,
        stage: Stage,
    ) -> Result<Task, AppError> {
        let clerk = match filed_by.clerk() {
            Some(id) => Some((
                id,
                session.has(Role::Clerk),
                self.store.staff_profile(id).await?,
            )),
            None => None,
        };
        let clerk = clerk
            .as_ref()
            .map(|(id, holds, p)| (*id, *holds, p.as_ref()));
        match window_intake(case, item, stage, clerk) {
            WindowIntake::Filer(id) => Ok(self.task_for(case, item, stage, id)),
            WindowIntake::Draw(why) => {
                if let Some(unfit) = why {
                    tracing::info!(item = %item.code, actor_id = session.user.id, reason = unfit.reason_zh(), "the filing clerk does not take the intake; drawn");
                }
                self.assign(case, item, stage).await
            }
        }
    }

    /// Takes an action on a case: the domain decides, the store commits if nobody
    /// changed the case meanwhile.
    pub async fn act_on_case(
        &self,
        session: &Session,
        case_id: i64,
        command: Command,
    ) -> Result<CaseView, AppError> {
        self.act_on_case_with(session, case_id, command, ActionInput::default())
            .await
    }

    /// [`Self::act_on_case`], with what the action carries: the inspector's
    /// record of the site inspection (踏勘记录) with `inspect`, the list of what
    /// to correct with `request_correction`, the changed fields and the
    /// materials given anew with `resubmit`.
    pub async fn act_on_case_with(
        &self,
        session: &Session,
        case_id: i64,
        command: Command,
        input: ActionInput,
    ) -> Result<CaseView, AppError> {
        let case = self.visible_case(session, case_id).await?;
        let item = self.item_of(&case).await?;
        let now = self.clock.now();
        let detail = self
            .detail_of(&case, &item, command.action, &input, now)
            .await?;
        let decision = decide_with(&case, &item, &session.actor(), &command, &detail, now)?;
        let inspection = input.inspection;
        let record = match &inspection {
            Some(input) => Some(
                self.inspection_record(session, &case, command.action, input)
                    .await?,
            ),
            None => None,
        };
        let mut next = decision.case;
        timing::account(&self.settings.calendar, &item, &case, &mut next, now);
        if command.action == Action::Resubmit && !item.rules.is_empty() {
            // The machine looks again at what the applicant corrected.
            let held = if rules_need_licences(&item) {
                self.valid_licences_of(case.applicant.user_id).await?
            } else {
                Vec::new()
            };
            next.machine_review = Some(run_rules(
                &item,
                &rule_input(&next, &held, self.local_date(now)),
            ));
        }
        let alerts = late_correction_alert(&case, &next, now);
        let sealed = if next.status == CaseStatus::Issued {
            self.seal_licence(&next, &item).await?
        } else {
            None
        };
        if let Some(stage) = decision.assign {
            next.task = Some(self.assign(&next, &item, stage).await?);
        }
        let mut fact = serde_json::json!({"assignee": next.task.as_ref().map(|t| t.assignee)});
        match &detail {
            Detail::Correction { .. } => {
                fact["correction"] = serde_json::json!(next.correction);
            }
            Detail::Resubmission(given) => {
                fact["changed_fields"] = serde_json::json!(given.form.keys().collect::<Vec<_>>());
                fact["materials"] = serde_json::json!(given.materials);
            }
            Detail::None => {}
        }
        let mut audit = vec![case_fact(&case.number, &decision.event, fact)];
        if let Some(l) = &sealed {
            audit.extend(l.facts(now, Some(session.user.id)));
        }
        let (documents, facts) = self
            .step_documents(&next, &item, &decision.event, record.as_ref())
            .await?;
        audit.extend(facts);
        let messages = self.step_messages(
            &case,
            &next,
            &decision.event,
            &item,
            sealed.as_ref().map(|s| &s.licence),
        );
        let (mut feed, mut feed_messages) =
            self.decision_feed(&next, &item, &decision.event).await?;
        if let Some(s) = &sealed {
            // A renewal: the old licence's holder and regulators hear of it.
            let (records, renewal_messages) = self.renewal_feed(s).await?;
            feed.extend(records);
            feed_messages.extend(renewal_messages);
        }
        let mut messages = messages;
        // A child of a bundle (联审联办): its applicant hears of the bundle, and
        // closing it may let others start.
        let bundle = match self.store.bundle_of_case(case.id).await? {
            Some(b) => {
                self.bundle_messages(&b, &next, &mut messages).await?;
                if next.status.is_closed() && !case.status.is_closed() {
                    self.bundle_step(session, &b, &next, sealed.as_ref().map(|s| &s.licence), now)
                        .await?
                } else {
                    None
                }
            }
            None => None,
        };
        messages.extend(feed_messages);
        let event_role = decision.event.actor_role;
        let tally = analytics::of_step(&next, &decision.event, &self.settings.calendar);
        self.store
            .commit_case(CaseChange {
                tally,
                case: next.clone(),
                expected_version: case.version,
                event: decision.event,
                audit,
                retire: sealed.as_ref().and_then(|s| s.retire()),
                licence: sealed.map(|s| s.licence),
                documents,
                alerts,
                messages,
                feed,
                bundle,
            })
            .await?;
        tracing::info!(case_no = %case.number, action = %command.action, from = %case.status.as_str(), to = %next.status.as_str(), version = next.version, actor_id = session.user.id, actor = %session.user.username, actor_role = %event_role.as_str(), "case action");
        self.view(session, next, &item).await
    }

    /// The particulars of an action: the correction list with whether it is
    /// late, or the resubmission with its materials checked as the applicant's.
    async fn detail_of(
        &self,
        case: &Case,
        item: &Item,
        action: Action,
        input: &ActionInput,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Detail, AppError> {
        let misplaced =
            |what: &str, with: &str| Err(AppError::invalid(format!("{what} 只能随「{with}」提交")));
        if input.correction.is_some() && action != Action::RequestCorrection {
            return misplaced("correction", Action::RequestCorrection.label_zh());
        }
        if (input.form.is_some() || input.materials.is_some()) && action != Action::Resubmit {
            return misplaced("form 与 materials", Action::Resubmit.label_zh());
        }
        if input.inspection.is_some() && action != Action::Inspect {
            return misplaced("inspection", Action::Inspect.label_zh());
        }
        Ok(match action {
            Action::RequestCorrection => Detail::Correction {
                list: input.correction.clone().unwrap_or_default(),
                late: correction::is_late(&self.settings.calendar, case.submitted_at, now),
            },
            Action::Resubmit => {
                let materials = match &input.materials {
                    Some(given) => {
                        self.material_refs(item, case.applicant.user_id, given)
                            .await?
                    }
                    None => Default::default(),
                };
                Detail::Resubmission(correction::Resubmission {
                    form: input.form.clone().unwrap_or_default(),
                    materials,
                    today: self.local_date(now),
                })
            }
            _ => Detail::None,
        })
    }

    /// One case as the caller may see it.
    pub async fn get_case(&self, session: &Session, case_id: i64) -> Result<CaseView, AppError> {
        let case = self.visible_case(session, case_id).await?;
        let item = self.item_of(&case).await?;
        self.view(session, case, &item).await
    }

    /// Cases the caller may see, newest first, keyset-paginated.
    pub async fn list_cases(
        &self,
        session: &Session,
        mut query: CaseQuery,
    ) -> Result<Vec<CaseSummary>, AppError> {
        if !session.is_staff() {
            session.require(&[Role::Applicant])?;
            query.applicant = Some(session.user.id);
        } else if !session.holds_any(Role::sees_every_case) {
            return Err(AppError::Forbidden("该角色不能查看办件列表".into()));
        } else if query.identity.is_some() && !session.holds_any(Role::searches_by_identity) {
            // 双盲: staff who see identity numbers masked cannot search by them either.
            return Err(AppError::Forbidden(
                "只有受理、督查和管理人员可以按身份证件号码查询".into(),
            ));
        }
        query.limit = query.limit.clamp(1, MAX_PAGE);
        let list = self.store.cases(&query).await?;
        Ok(self.with_lights(list))
    }

    /// The caller's open tasks in urgency order (green channel first, then earliest
    /// deadline), a page of at most `limit` after `after`.
    pub async fn my_tasks(
        &self,
        session: &Session,
        after: Option<TaskKey>,
        limit: u32,
    ) -> Result<Vec<CaseSummary>, AppError> {
        self.my_tasks_where(session, &TaskView::default(), after, limit)
            .await
    }

    /// The caller's open tasks of one stage, item or light (a workbench view),
    /// in the same order and pages as [`App::my_tasks`].
    pub async fn my_tasks_where(
        &self,
        session: &Session,
        view: &TaskView,
        after: Option<TaskKey>,
        limit: u32,
    ) -> Result<Vec<CaseSummary>, AppError> {
        if !session.is_staff() {
            return Err(AppError::Forbidden("只有工作人员有待办任务".into()));
        }
        let filter = TaskFilter {
            stage: view.stage,
            item_code: view.item_code.clone(),
            light: view.light.map(|l| (l, self.clock.now())),
        };
        let list = self
            .store
            .tasks_of(session.user.id, &filter, after, limit.clamp(1, MAX_PAGE))
            .await?;
        Ok(self.with_lights(list))
    }

    /// Fills in each open task's traffic light as of now.
    pub(crate) fn with_lights(&self, mut list: Vec<CaseSummary>) -> Vec<CaseSummary> {
        let now = self.clock.now();
        for c in &mut list {
            c.light = c
                .task_stage
                .map(|_| timing::light(now, c.task_warn_at, c.task_deadline));
        }
        list
    }

    pub(crate) async fn visible_case(
        &self,
        session: &Session,
        case_id: i64,
    ) -> Result<Case, AppError> {
        let not_found = || AppError::NotFound(format!("办件 {case_id} "));
        let case = self.store.case(case_id).await?.ok_or_else(not_found)?;
        let own = case.applicant.user_id == session.user.id;
        // Applicants see only their own cases; another's case does not exist for them.
        if own || session.holds_any(Role::sees_every_case) {
            Ok(case)
        } else if session.is_staff() {
            Err(AppError::Forbidden("该角色不能查看办件".into()))
        } else {
            Err(not_found())
        }
    }

    /// The item version a case was filed under. Stored versions never change, so
    /// each is read from the store once per process.
    pub(crate) async fn item_of(&self, case: &Case) -> Result<Item, AppError> {
        let key = (case.item_code.clone(), case.item_version);
        if let Some(item) = self.cached_item(&key) {
            return Ok(item.as_ref().clone());
        }
        let item = self
            .store
            .item_version(&case.item_code, case.item_version)
            .await?
            .map(|s| s.item)
            .ok_or_else(|| {
                AppError::NotFound(format!(
                    "事项 {} 第 {} 版",
                    case.item_code, case.item_version
                ))
            })?;
        self.cache_item(key, item.clone());
        Ok(item)
    }

    /// Picks the holder of `stage`'s task by the domain's assignment policy.
    pub(crate) async fn assign(
        &self,
        case: &Case,
        item: &Item,
        stage: Stage,
    ) -> Result<Task, AppError> {
        let assignee = self.assign_other(case, item, stage, SYSTEM_ACTOR).await?;
        Ok(self.task_for(case, item, stage, assignee))
    }

    /// The task of `stage` held by `assignee`, due by the stage's limit from now.
    fn task_for(&self, case: &Case, item: &Item, stage: Stage, assignee: UserId) -> Task {
        let now = self.clock.now();
        let (deadline, warn_at) = timing::task_due(
            &self.settings.calendar,
            item,
            stage,
            case.priority,
            now,
            self.settings.warn_share,
        );
        Task {
            stage,
            assignee,
            started_at: now,
            deadline,
            warn_at,
        }
    }

    /// Draws the holder of `stage`'s task among qualified staff on duty, never `not`.
    pub(crate) async fn assign_other(
        &self,
        case: &Case,
        item: &Item,
        stage: Stage,
        not: UserId,
    ) -> Result<UserId, AppError> {
        let role = stage.role();
        // 持证上岗: only staff on duty and qualified for this item are drawn.
        let candidates: Vec<Candidate> = self
            .store
            .staff_of_role(role)
            .await?
            .into_iter()
            .filter(|s| s.user.id != not && s.profile.available && s.profile.qualified_for(item))
            .map(|s| Candidate {
                user_id: s.user.id,
                load: s.load,
            })
            .collect();
        let chosen = self.with_rng(|rng| choose_assignee(case, stage, &candidates, rng));
        chosen.ok_or_else(|| AppError::NoAssignee(role.label_zh().to_string()))
    }

    async fn view(&self, session: &Session, case: Case, item: &Item) -> Result<CaseView, AppError> {
        let actions = allowed_actions(&case, item, &session.actor());
        let events = self.store.case_events(case.id).await?;
        let now = self.clock.now();
        let cal = &self.settings.calendar;
        let light = timing::case_light(cal, &case, now, self.settings.warn_share);
        let suspended_minutes_total = timing::suspended_minutes(cal, &case, now);
        let query_code = self.shown_query_code(session, &case).await?;
        let shown = disclose(case, events, item, &session.user.roles);
        let licence_id = match shown.case.status {
            CaseStatus::Issued => self
                .store
                .licence_of_case(shown.case.id)
                .await?
                .map(|l| l.id),
            _ => None,
        };
        Ok(CaseView {
            licence_id,
            query_code,
            light,
            task_light: shown
                .task
                .as_ref()
                .map(|t| timing::light(now, t.warn_at, t.deadline)),
            suspended_minutes_total,
            status_label: shown.case.status.label_zh().to_string(),
            item_name: item.name.clone(),
            case: shown.case,
            task: shown.task,
            actions,
            events: shown.events,
        })
    }
}

/// What the machine review sees of a case: the form, the applicant and the
/// applicant's valid licences.
/// A correction request later than the law's five working days is flagged to
/// the supervisors, once per case and stage, against the person who asked.
fn late_correction_alert(
    before: &Case,
    after: &Case,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<crate::store::NewAlert> {
    match &after.correction {
        Some(c)
            if c.late
                && after.status == CaseStatus::Correction
                && before.status != CaseStatus::Correction =>
        {
            vec![crate::store::NewAlert {
                kind: LATE_CORRECTION.into(),
                stage: Some(c.stage),
                responsible: c.requested_by,
                deadline: before.submitted_at,
                raised_at: now,
                note: Some(format!(
                    "受理后逾 {} 个工作日才告知补正",
                    correction::LATE_AFTER_WORKING_DAYS
                )),
                dedup_key: format!(
                    "late_correction:{}:{}:{}",
                    after.id,
                    c.stage.as_str(),
                    after.version
                ),
            }]
        }
        _ => Vec::new(),
    }
}

/// The alert kind of a late correction request.
pub const LATE_CORRECTION: &str = "late_correction";

fn rule_input(
    case: &Case,
    held: &[(
        crate::store::StoredLicence,
        onestamp_certificate::LicenceDocument,
    )],
    today: chrono::NaiveDate,
) -> RuleInput {
    use onestamp_domain::rules::ApplicantKind as K;
    RuleInput {
        form: case.form.clone(),
        applicant: ApplicantFacts {
            kind: match case.applicant.kind {
                ApplicantKind::Person => K::Person,
                ApplicantKind::Organisation => K::Organisation,
            },
            identity: case.applicant.identity.clone(),
            name: case.applicant.name.clone(),
        },
        licences: held
            .iter()
            .map(|(l, doc)| LicenceFacts {
                type_code: l.type_code.clone(),
                holder: doc.holder_name.clone(),
                valid_until: doc.valid_until,
                status: l.status.as_str().to_string(),
                fields: doc
                    .fields
                    .iter()
                    .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                    .collect(),
            })
            .collect(),
        today,
    }
}
