//! My cases, one case (status, timeline, machine review, deadline, the issued
//! licence), the actions the caller may take on it, the licence PDF for the page
//! session. Who may see what is the app's business:
//! another applicant's case is 404 here exactly as in the API.

use std::collections::HashMap;

use axum::extract::{Form, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use onestamp_app::App;
use onestamp_app::cases::CaseView;
use onestamp_app::store::{CaseQuery, CaseSummary};
use onestamp_domain::case::{Action, Command, Hand, ShownEvent};

use super::session::PageUser;
use super::workbench::{item_names, light_label};
use super::{Chrome, PageQuery, Template, error_page, render};

/// Cases per page of "my cases".
const PAGE: u32 = 20;

pub struct CaseLine {
    pub id: i64,
    pub number: String,
    pub item: String,
    pub status: &'static str,
    pub submitted: String,
    pub deadline: Option<String>,
    pub light: Option<(&'static str, &'static str)>,
}

fn lines(app: &App, list: Vec<CaseSummary>, names: &HashMap<String, String>) -> Vec<CaseLine> {
    list.into_iter()
        .map(|c| CaseLine {
            id: c.id,
            item: names
                .get(&c.item_code)
                .cloned()
                .unwrap_or_else(|| c.item_code.clone()),
            number: c.number,
            status: c.status.label_zh(),
            submitted: app.local_time(c.submitted_at),
            deadline: c.task_deadline.or(c.deadline).map(|t| app.local_time(t)),
            light: c.light.map(light_label),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    chrome: Chrome,
    /// The applicant's theme applications (主题申请), on the first page.
    bundles: Vec<(onestamp_app::bundles::BundleSummary, String)>,
    cases: Vec<CaseLine>,
    more: Option<i64>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    before: Option<i64>,
}

/// `GET /cases`: the caller's cases, newest first, with a "more" link.
pub async fn my_cases(
    State(app): State<App>,
    user: PageUser,
    PageQuery(q): PageQuery<ListQuery>,
) -> Response {
    let chrome = user.chrome(&app);
    let query = CaseQuery {
        before_id: q.before,
        limit: PAGE,
        ..CaseQuery::default()
    };
    let list = match app.list_cases(&user.session, query).await {
        Ok(l) => l,
        Err(e) => return error_page(chrome, e, Some("/".into())),
    };
    let more = (list.len() as u32 >= PAGE)
        .then(|| list.last().map(|c| c.id))
        .flatten();
    let names = item_names(&app).await;
    let bundles = if q.before.is_none() && user.session.has(onestamp_domain::role::Role::Applicant)
    {
        match app.my_bundles(&user.session, None, 20).await {
            Ok(list) => list
                .into_iter()
                .map(|b| {
                    let at = app.local_time(b.submitted_at);
                    (b, at)
                })
                .collect(),
            Err(e) => return error_page(chrome, e, Some("/".into())),
        }
    } else {
        Vec::new()
    };
    render(
        CasesPage {
            chrome,
            bundles,
            cases: lines(&app, list, &names),
            more,
        },
        StatusCode::OK,
    )
}

pub struct EventLine {
    pub at: String,
    pub what: String,
    pub by: &'static str,
    /// The handler's name, for staff viewers.
    pub who: Option<String>,
    pub status: &'static str,
    pub opinion: Option<String>,
    /// Working time the case spent in the stage this step closed.
    pub spent: Option<String>,
    pub negative: bool,
}

/// One material of the case as the page lists it.
pub struct MaterialLine {
    /// The material's name in the item's list.
    pub label: String,
    /// The file's name, or the licence standing in for it.
    pub given: String,
    /// Where the file opens (inline) for a preview; `None` for a licence.
    pub href: Option<String>,
    pub image: bool,
    pub pdf: bool,
    /// The cited licence's verification page.
    pub licence: Option<String>,
}

pub struct RuleLine {
    pub passed: bool,
    pub message: String,
}

/// One action panel of the case page: its own form, opinion box and button.
pub struct ActionButton {
    pub name: &'static str,
    pub label: &'static str,
    pub needs_opinion: bool,
    /// Refusals, correction requests and withdrawal: shown apart, confirmed.
    pub negative: bool,
    /// 常用意见 offered beside the opinion box.
    pub templates: &'static [&'static str],
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    chrome: Chrome,
    id: i64,
    number: String,
    item_code: String,
    item_name: String,
    status: &'static str,
    status_code: &'static str,
    closed: bool,
    channel: &'static str,
    submitted: String,
    deadline: Option<String>,
    legal_deadline: Option<String>,
    light: (&'static str, &'static str),
    stage: Option<&'static str>,
    stage_deadline: Option<String>,
    form: Vec<(String, String)>,
    review: Option<(bool, Vec<RuleLine>)>,
    materials: Vec<MaterialLine>,
    applicant: String,
    applicant_kind: &'static str,
    applicant_identity: String,
    /// The open task's holder, for staff.
    handler: Option<String>,
    staff: bool,
    priority: bool,
    events: Vec<EventLine>,
    licence: Option<String>,
    version: i64,
    actions: Vec<ActionButton>,
    /// 办件文书 and the inspection record's fields.
    docs: super::documents::DocumentsPart,
    /// What a correction request may name, for staff who may ask for one.
    correction_form: Option<CorrectionForm>,
    /// The open correction request (补正告知), item by item.
    notice: Option<Notice>,
    /// 好差评: the 评价 card of an ended case.
    rating: Option<super::ratings::RatingPart>,
}

/// The items a correction request may name: every material and form field of
/// the item, with the defects a material may have.
pub struct CorrectionForm {
    pub materials: Vec<(String, String)>,
    pub fields: Vec<(String, String)>,
    pub defects: Vec<(&'static str, &'static str)>,
}

/// The 补正告知 as the case page shows it.
pub struct Notice {
    pub at: String,
    pub stage: &'static str,
    pub lines: Vec<NoticeLine>,
    /// Made later than five working days after submission (shown to staff).
    pub late: bool,
    /// The applicant may answer it (the correction page).
    pub answer: bool,
}

pub struct NoticeLine {
    pub what: String,
    pub defect: &'static str,
    pub reason: String,
}

fn shown_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Bool(true) => "是".into(),
        serde_json::Value::Bool(false) => "否".into(),
        serde_json::Value::Null => String::new(),
        serde_json::Value::Number(n) => super::plain_number(n),
        other => other.to_string(),
    }
}

async fn case_view(app: &App, user: &PageUser, view: CaseView) -> CasePage {
    // Labels and order come from the item as it is now; a field since renamed
    // shows its key, after the others.
    let item = app.get_item(&view.case.item_code).await.ok();
    let fields: Vec<(String, String)> = item
        .as_ref()
        .map(|s| {
            s.item
                .form
                .iter()
                .map(|f| (f.key.clone(), f.label.clone()))
                .collect()
        })
        .unwrap_or_default();
    // What each rule checks, in the words of its refusal.
    let rule_text = |code: &str| {
        item.as_ref()
            .and_then(|s| s.item.rules.iter().find(|r| r.code == code))
            .map(|r| r.message.clone())
    };
    let case = &view.case;
    let mut form: Vec<(String, String)> = fields
        .iter()
        .filter_map(|(k, label)| case.form.get(k).map(|v| (label.clone(), shown_value(v))))
        .collect();
    form.extend(
        case.form
            .iter()
            .filter(|(k, _)| !fields.iter().any(|(key, _)| key == *k))
            .map(|(k, v)| (k.clone(), shown_value(v))),
    );
    let material_name = |code: &str| {
        item.as_ref()
            .and_then(|s| s.item.materials.iter().find(|m| m.code == code))
            .map_or_else(|| "其他材料".to_string(), |m| m.name.clone())
    };
    let materials = case
        .materials
        .iter()
        .flat_map(|(code, m)| match m {
            onestamp_domain::case::MaterialRef::Licence { id, type_name } => vec![MaterialLine {
                label: material_name(code),
                given: format!("以电子证照代替：{type_name}（{id}）"),
                href: None,
                image: false,
                pdf: false,
                licence: Some(format!("/verify/{id}")),
            }],
            files => files
                .files()
                .into_iter()
                .map(|(hash, name)| {
                    let lower = name.to_lowercase();
                    MaterialLine {
                        label: material_name(code),
                        given: name.to_string(),
                        href: Some(format!("/cases/{}/materials/{hash}", case.id)),
                        image: [".jpg", ".jpeg", ".png"].iter().any(|e| lower.ends_with(e)),
                        pdf: lower.ends_with(".pdf"),
                        licence: None,
                    }
                })
                .collect(),
        })
        .collect();
    let staff = user.session.is_staff();
    let ids: Vec<i64> = view
        .events
        .iter()
        .filter_map(|e| e.actor_id)
        .chain(view.task.as_ref().and_then(|t| t.assignee))
        .collect();
    let names = app
        .handler_names(&user.session, ids)
        .await
        .unwrap_or_default();
    let mut previous: Option<chrono::DateTime<chrono::Utc>> = None;
    let events = view
        .events
        .iter()
        .map(|e| {
            let spent = match (previous, e.from_status.and_then(|s| s.stage())) {
                (Some(p), Some(_)) => Some(app.working_time_between_zh(p, e.at)),
                _ => None,
            };
            previous = Some(e.at);
            let action = Action::parse(&e.action);
            EventLine {
                at: app.local_time(e.at),
                what: match e.action.as_str() {
                    "submit" => "提交申请".to_string(),
                    a => action
                        .map(|x| x.label_zh().to_string())
                        .unwrap_or_else(|| a.to_string()),
                },
                by: shown_hand(e),
                who: e
                    .actor_id
                    .filter(|_| e.by == Hand::Staff)
                    .and_then(|id| names.get(&id).cloned()),
                status: e.to_status.label_zh(),
                opinion: e.opinion.clone().filter(|o| !o.is_empty()),
                spent,
                negative: action.is_some_and(|a| a.is_negative()),
            }
        })
        .collect();
    let review = case.machine_review.as_ref().map(|r| {
        (
            r.passed,
            r.results
                .iter()
                .map(|x| RuleLine {
                    passed: x.passed,
                    message: if x.passed {
                        rule_text(&x.code).map_or_else(
                            || "核验通过".to_string(),
                            |t| format!("未发现此情形：{t}"),
                        )
                    } else {
                        x.message.clone()
                    },
                })
                .collect(),
        )
    });
    let item_ref = item.as_ref().map(|s| &s.item);
    let correction_form = item_ref
        .filter(|_| view.actions.contains(&Action::RequestCorrection))
        .map(|item| CorrectionForm {
            materials: item
                .materials
                .iter()
                .map(|m| (m.code.clone(), m.name.clone()))
                .collect(),
            fields: item
                .form
                .iter()
                .map(|f| (f.key.clone(), f.label.clone()))
                .collect(),
            defects: onestamp_domain::case::correction::Defect::ALL
                .iter()
                .map(|d| (d.as_str(), d.label_zh()))
                .collect(),
        });
    let notice = notice(
        app,
        case,
        item_ref,
        view.actions.contains(&Action::Resubmit),
    );
    let actions = view
        .actions
        .iter()
        // An itemised request is answered on the correction page, not by a bare resubmit.
        .filter(|a| !(**a == Action::Resubmit && notice.as_ref().is_some_and(|n| n.answer)))
        .map(|a| ActionButton {
            name: a.as_str(),
            label: a.label_zh(),
            // The request's list is its reason; a note is optional.
            needs_opinion: a.needs_opinion() && *a != Action::RequestCorrection,
            negative: a.is_negative(),
            templates: a.common_opinions(),
        })
        .collect();
    CasePage {
        correction_form,
        notice,
        docs: super::documents::part(app, user, view.case.id, view.query_code.clone()).await,
        rating: super::ratings::part(app, user, case.id, case.status.is_closed()).await,
        chrome: user.chrome(app),
        id: case.id,
        number: case.number.clone(),
        item_code: case.item_code.clone(),
        item_name: view.item_name.clone(),
        status: case.status.label_zh(),
        status_code: case.status.as_str(),
        closed: case.status.is_closed(),
        channel: case.channel.label_zh(),
        submitted: app.local_time(case.submitted_at),
        deadline: case.deadline.map(|t| app.local_time(t)),
        legal_deadline: case.legal_deadline.map(|t| app.local_time(t)),
        light: light_label(view.light),
        stage: view.task.as_ref().map(|t| t.stage.label_zh()),
        stage_deadline: view
            .task
            .as_ref()
            .and_then(|t| t.deadline)
            .map(|t| app.local_time(t)),
        form,
        review,
        materials,
        applicant: case.applicant.name.clone(),
        applicant_kind: match case.applicant.kind {
            onestamp_domain::case::ApplicantKind::Person => "自然人",
            onestamp_domain::case::ApplicantKind::Organisation => "法人或其他组织",
        },
        applicant_identity: case.applicant.identity.clone(),
        handler: view
            .task
            .as_ref()
            .and_then(|t| t.assignee)
            .and_then(|id| names.get(&id).cloned()),
        staff,
        priority: case.priority,
        events,
        licence: view.licence_id.clone(),
        version: case.version,
        actions,
    }
}

/// The open correction request of `case`, with the names of what it lists.
pub(super) fn notice(
    app: &App,
    case: &onestamp_domain::case::Case,
    item: Option<&onestamp_domain::catalogue::Item>,
    answer: bool,
) -> Option<Notice> {
    use onestamp_domain::case::CaseStatus;
    let request = case
        .correction
        .as_ref()
        .filter(|_| case.status == CaseStatus::Correction)?;
    let material = |code: &str| {
        item.and_then(|i| i.materials.iter().find(|m| m.code == code))
            .map_or_else(|| code.to_string(), |m| m.name.clone())
    };
    let field = |key: &str| {
        item.and_then(|i| i.form.iter().find(|f| f.key == key))
            .map_or_else(|| key.to_string(), |f| f.label.clone())
    };
    let mut lines: Vec<NoticeLine> = request
        .list
        .materials
        .iter()
        .map(|m| NoticeLine {
            what: format!("材料：{}", material(&m.code)),
            defect: m.defect.label_zh(),
            reason: m.reason.clone(),
        })
        .collect();
    lines.extend(request.list.fields.iter().map(|f| NoticeLine {
        what: format!("申请表：{}", field(&f.key)),
        defect: "须修改",
        reason: f.reason.clone(),
    }));
    Some(Notice {
        at: app.local_time(request.requested_at),
        stage: request.stage.label_zh(),
        lines,
        late: request.late,
        answer,
    })
}

/// Who took a step, as the timeline names them: the role of a member of staff
/// the viewer may know, "工作人员" where the person is hidden (双盲), and the
/// system apart from both.
fn shown_hand(e: &ShownEvent) -> &'static str {
    match (e.by, e.actor_id) {
        (Hand::Staff, None) => Hand::Staff.label_zh(),
        (Hand::Staff | Hand::Applicant, Some(_)) | (Hand::Applicant, None) => {
            e.actor_role.label_zh()
        }
        (Hand::System, _) => Hand::System.label_zh(),
    }
}

/// The page for a path that names no case (e.g. `/cases/abc`): 404 like an unknown id.
fn no_such_case(app: &App, user: &PageUser, raw: &str) -> Response {
    error_page(
        user.chrome(app),
        onestamp_app::AppError::NotFound(format!("办件 {raw} ")),
        Some("/cases".into()),
    )
}

/// `GET /cases/{id}`
pub async fn case_page(State(app): State<App>, user: PageUser, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<i64>() else {
        return no_such_case(&app, &user, &id);
    };
    match app.get_case(&user.session, id).await {
        Ok(view) => render(case_view(&app, &user, view).await, StatusCode::OK),
        Err(e) => error_page(user.chrome(&app), e, Some("/cases".into())),
    }
}

#[derive(Deserialize)]
pub struct ActForm {
    #[serde(default)]
    csrf: Option<String>,
    action: String,
    version: i64,
    #[serde(default)]
    opinion: Option<String>,
    /// A common opinion chosen instead of typing one.
    #[serde(default)]
    template: Option<String>,
    /// The confirmation a negative action asks for.
    #[serde(default)]
    confirm: Option<String>,
    /// With `inspect`: the inspection record (踏勘记录).
    #[serde(flatten)]
    inspection: super::documents::InspectionFields,
    /// With `request_correction`: `cm.<code>` the defect of a material and
    /// `cr.<code>` its reason; `cf.<key>` a field named and `cfr.<key>` why.
    #[serde(flatten)]
    extra: std::collections::BTreeMap<String, String>,
}

/// The correction list a request's panel posted, or what is wrong with it.
fn posted_correction(
    extra: &std::collections::BTreeMap<String, String>,
) -> Result<onestamp_domain::case::correction::CorrectionList, String> {
    use onestamp_domain::case::correction::{CorrectionList, Defect, FieldDefect, MaterialDefect};
    let mut list = CorrectionList::default();
    let text = |k: String| {
        extra
            .get(&k)
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    for (k, v) in extra {
        if let Some(code) = k.strip_prefix("cm.") {
            if v.is_empty() {
                continue;
            }
            let defect =
                Defect::parse(v).ok_or_else(|| format!("材料 {code} 的问题类型无法识别"))?;
            list.materials.push(MaterialDefect {
                code: code.to_string(),
                defect,
                reason: text(format!("cr.{code}")),
            });
        } else if let Some(key) = k.strip_prefix("cf.") {
            list.fields.push(FieldDefect {
                key: key.to_string(),
                reason: text(format!("cfr.{key}")),
            });
        }
    }
    Ok(list)
}

/// `POST /cases/{id}/actions`: one of the actions the case page offers (an
/// applicant withdraws or resubmits), through the same use case as the API.
pub async fn act(
    State(app): State<App>,
    user: PageUser,
    Path(id): Path<String>,
    form: Result<Form<ActForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let back = Some(format!("/cases/{id}"));
    let Ok(Form(form)) = form else {
        return super::refusal(
            user.chrome(&app),
            crate::error::Code::BadRequest,
            "未能完成",
            "提交的内容不完整，请返回刷新页面后重试。".into(),
            back,
        );
    };
    if let Some(refused) = user.csrf_refusal(&app, form.csrf.as_deref()) {
        return refused;
    }
    let Ok(id) = id.parse::<i64>() else {
        return no_such_case(&app, &user, &id);
    };
    let Some(action) = Action::parse(&form.action) else {
        return error_page(
            user.chrome(&app),
            onestamp_app::AppError::invalid(format!("未知的操作 {}", form.action)),
            back,
        );
    };
    if action.is_negative() && form.confirm.as_deref() != Some("yes") {
        return super::refusal(
            user.chrome(&app),
            crate::error::Code::InvalidInput,
            "请确认后再提交",
            format!(
                "「{}」会退回或终结申请，请勾选确认框后再提交。",
                action.label_zh()
            ),
            back,
        );
    }
    let typed = form.opinion.filter(|o| !o.trim().is_empty());
    let chosen = form
        .template
        .filter(|t| action.common_opinions().contains(&t.as_str()));
    let command = Command {
        action,
        opinion: typed.or(chosen),
        version: form.version,
    };
    let inspection = form.inspection.record(action);
    let correction = if action == Action::RequestCorrection {
        match posted_correction(&form.extra) {
            Ok(list) => Some(list),
            Err(why) => {
                return error_page(
                    user.chrome(&app),
                    onestamp_app::AppError::invalid(why),
                    back,
                );
            }
        }
    } else {
        None
    };
    match app
        .act_on_case_with(
            &user.session,
            id,
            command,
            onestamp_app::cases::ActionInput {
                inspection,
                correction,
                ..Default::default()
            },
        )
        .await
    {
        Ok(_) => Redirect::to(&format!("/cases/{id}")).into_response(),
        Err(e) => error_page(user.chrome(&app), e, back),
    }
}

/// `GET /licences/{id}/pdf`: the printable licence for the page session, by the
/// same use case as `GET /api/v1/licences/{id}/pdf`.
pub async fn licence_pdf(
    State(app): State<App>,
    user: PageUser,
    Path(id): Path<String>,
) -> Response {
    match app.licence_pdf(&user.session, &id).await {
        Ok(pdf) => {
            let name = format!(
                "inline; filename=\"licence-{}.pdf\"",
                id.replace(|c: char| !c.is_ascii_alphanumeric() && c != '.', "_")
            );
            (
                [
                    (header::CONTENT_TYPE, "application/pdf".to_string()),
                    (header::CONTENT_DISPOSITION, name),
                    // Personal data: never kept by a shared cache or the browser's.
                    (header::CACHE_CONTROL, "no-store".to_string()),
                    (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
                ],
                pdf,
            )
                .into_response()
        }
        Err(e) => error_page(user.chrome(&app), e, Some("/cases".into())),
    }
}

#[derive(Deserialize)]
pub struct MaterialQuery {
    #[serde(default)]
    download: Option<String>,
}

/// `GET /cases/{id}/materials/{hash}`: a file of the case for whoever may see
/// the case, shown in the browser (images, PDFs in its viewer) or, with
/// `?download=1`, saved. Served sandboxed: a file can never run as a page of the site.
pub async fn material(
    State(app): State<App>,
    user: PageUser,
    Path((id, hash)): Path<(String, String)>,
    PageQuery(q): PageQuery<MaterialQuery>,
) -> Response {
    let Ok(case_id) = id.parse::<i64>() else {
        return no_such_case(&app, &user, &id);
    };
    match app
        .material_content(&user.session, &hash, Some(case_id))
        .await
    {
        Ok((file, bytes)) => {
            let disposition = if q.download.is_some() {
                crate::api::attachment(&file.name)
            } else {
                "inline".to_string()
            };
            (
                [
                    (header::CONTENT_TYPE, file.content_type),
                    (header::CONTENT_DISPOSITION, disposition),
                    (header::CACHE_CONTROL, "private, no-store".to_string()),
                    (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
                    (
                        header::CONTENT_SECURITY_POLICY,
                        "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
                            .to_string(),
                    ),
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) => error_page(user.chrome(&app), e, Some(format!("/cases/{case_id}"))),
    }
}
