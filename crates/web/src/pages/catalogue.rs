//! The public catalogue: the home page (search over items and themes, 个人办事
//! and 法人办事), the items by department and theme, and each item's service
//! guide (办事指南) with every section a guide has and the way to apply.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use onestamp_app::App;
use serde::Deserialize;

use onestamp_domain::case::ApplicantKind;
use onestamp_domain::catalogue::{Catalogue, Item, MaterialForm, Requirement, Theme};
use onestamp_domain::guide;

use super::session::MaybeUser;
use super::{Chrome, PageQuery, Template, error_page, render};

/// A line of the catalogue.
pub struct ItemLine {
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub committed: String,
    pub instant: bool,
    /// The department's name.
    pub department: String,
}

impl ItemLine {
    fn of(catalogue: &Catalogue, item: &Item) -> ItemLine {
        ItemLine {
            code: item.code.clone(),
            name: item.name.clone(),
            kind: item.kind.label_zh(),
            committed: item.committed_limit.to_string(),
            instant: item.instant,
            department: catalogue
                .departments
                .iter()
                .find(|d| d.code == item.department)
                .map_or_else(|| item.department.clone(), |d| d.name.clone()),
        }
    }
}

pub struct DepartmentGroup {
    pub name: String,
    pub items: Vec<ItemLine>,
}

pub struct ThemeGroup {
    pub code: String,
    pub name: String,
    pub description: String,
    pub items: Vec<ItemLine>,
}

/// The home page's search: what was asked and what was found.
pub struct SearchResult {
    pub query: String,
    pub items: Vec<ItemLine>,
    pub themes: Vec<ThemeGroup>,
}

#[derive(Template)]
#[template(path = "catalogue.html")]
struct CataloguePage {
    chrome: Chrome,
    home: bool,
    applicant: bool,
    /// Just registered (the home page after `/register`).
    registered: bool,
    themes: Vec<ThemeGroup>,
    departments: Vec<DepartmentGroup>,
    /// 个人办事 and 法人办事 (home page only).
    for_person: Vec<ItemLine>,
    for_organisation: Vec<ItemLine>,
    search: Option<SearchResult>,
}

fn theme_group(catalogue: &Catalogue, t: &Theme) -> ThemeGroup {
    ThemeGroup {
        code: t.code.clone(),
        name: t.name.clone(),
        description: t.description.clone(),
        items: t
            .items
            .iter()
            .filter_map(|c| catalogue.items.iter().find(|i| &i.code == c))
            .map(|i| ItemLine::of(catalogue, i))
            .collect(),
    }
}

#[derive(Deserialize, Default)]
pub struct HomeQuery {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    registered: Option<String>,
}

async fn catalogue_page(app: &App, user: MaybeUser, home: bool, query: HomeQuery) -> Response {
    let applicant = user.0.as_ref().is_some_and(|u| !u.session.is_staff());
    let chrome = user.chrome(app);
    let catalogue = match app.export_catalogue().await {
        Ok(c) => c,
        Err(e) => return error_page(chrome, e, None),
    };
    let themes = catalogue
        .themes
        .iter()
        .map(|t| theme_group(&catalogue, t))
        .collect();
    let search = query
        .q
        .map(|q| q.chars().take(guide::MAX_QUERY_CHARS).collect::<String>())
        .map(|q| q.trim().to_string())
        .filter(|q| !q.is_empty())
        .map(|q| {
            let hits = guide::search(&catalogue, &q);
            SearchResult {
                items: hits
                    .items
                    .into_iter()
                    .map(|i| ItemLine::of(&catalogue, i))
                    .collect(),
                themes: hits
                    .themes
                    .into_iter()
                    .map(|t| theme_group(&catalogue, t))
                    .collect(),
                query: q,
            }
        });
    let lines = |kind| {
        guide::items_for(&catalogue, kind)
            .into_iter()
            .map(|i| ItemLine::of(&catalogue, i))
            .collect()
    };
    let (for_person, for_organisation) = if home {
        (
            lines(ApplicantKind::Person),
            lines(ApplicantKind::Organisation),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let mut departments: Vec<DepartmentGroup> = catalogue
        .departments
        .iter()
        .map(|d| DepartmentGroup {
            name: d.name.clone(),
            items: catalogue
                .items
                .iter()
                .filter(|i| i.department == d.code)
                .map(|i| ItemLine::of(&catalogue, i))
                .collect(),
        })
        .filter(|g| !g.items.is_empty())
        .collect();
    let orphans: Vec<ItemLine> = catalogue
        .items
        .iter()
        .filter(|i| !catalogue.departments.iter().any(|d| d.code == i.department))
        .map(|i| ItemLine::of(&catalogue, i))
        .collect();
    if !orphans.is_empty() {
        departments.push(DepartmentGroup {
            name: "其他".into(),
            items: orphans,
        });
    }
    render(
        CataloguePage {
            chrome,
            home,
            applicant,
            registered: query.registered.is_some() && applicant,
            themes,
            departments,
            for_person,
            for_organisation,
            search,
        },
        StatusCode::OK,
    )
}

/// `GET /`: the portal's home page: search, 个人办事 and 法人办事, themes.
pub async fn home(
    State(app): State<App>,
    user: MaybeUser,
    PageQuery(q): PageQuery<HomeQuery>,
) -> Response {
    catalogue_page(&app, user, true, q).await
}

/// `GET /items`: the catalogue by theme and department (and `?q=` searches it).
pub async fn items(
    State(app): State<App>,
    user: MaybeUser,
    PageQuery(q): PageQuery<HomeQuery>,
) -> Response {
    catalogue_page(&app, user, false, q).await
}

pub struct MaterialLine {
    pub code: String,
    pub name: String,
    pub required: bool,
    pub condition: Option<String>,
    pub form: &'static str,
    pub copies: u32,
    pub note: Option<String>,
    /// Whether a valid licence can stand in for it (免提交).
    pub by_licence: bool,
    /// 样表 as an address to link to.
    pub sample_link: Option<String>,
    /// 样表 as a text (填写示例).
    pub sample_text: Option<String>,
}

pub fn material_lines(item: &Item) -> Vec<MaterialLine> {
    item.materials
        .iter()
        .map(|m| MaterialLine {
            code: m.code.clone(),
            name: m.name.clone(),
            required: m.requirement == Requirement::Required,
            condition: m.condition.clone(),
            form: match m.form {
                MaterialForm::Original => "原件",
                MaterialForm::Copy => "复印件",
                MaterialForm::Electronic => "电子文件",
            },
            copies: m.copies,
            note: m.note.clone(),
            by_licence: !m.licence_types.is_empty(),
            sample_link: m.sample_link().map(str::to_string),
            sample_text: m
                .sample
                .as_ref()
                .filter(|_| m.sample_link().is_none())
                .map(|t| t.trim().to_string()),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "guide.html")]
struct GuidePage {
    chrome: Chrome,
    code: String,
    name: String,
    kind: &'static str,
    department: String,
    legal_basis: String,
    conditions: Vec<String>,
    legal_limit: String,
    committed_limit: String,
    fee: String,
    /// The stage diagram: each stage with its own limit.
    flow: Vec<FlowStep>,
    instant: bool,
    certificate: Option<String>,
    materials: Vec<MaterialLine>,
    audience: &'static str,
    place: String,
    office_hours: String,
    consult_phone: String,
    complaint_phone: String,
    visits: String,
    supervising: Option<String>,
}

/// A box of the stage diagram (办理流程).
pub struct FlowStep {
    pub stage: &'static str,
    pub label: &'static str,
    pub limit: Option<String>,
    /// Whether the stage's time does not count against the limit (e.g. 踏勘).
    pub clock_stops: bool,
}

/// What a guide says when the catalogue does not state a section.
const NOT_STATED: &str = "未载明，请拨打 12345 政务服务便民热线咨询";

fn flow(item: &Item) -> Vec<FlowStep> {
    let mut steps = vec![FlowStep {
        stage: "submit",
        label: "申请",
        limit: None,
        clock_stops: false,
    }];
    steps.extend(item.stages.iter().map(|s| FlowStep {
        stage: s.stage.as_str(),
        label: s.stage.label_zh(),
        limit: Some(s.limit.to_string()),
        clock_stops: s.clock_stops,
    }));
    steps
}

fn visits_text(item: &Item) -> String {
    match item.visits {
        Some(0) => "0 次（全程网办，证照可邮寄送达或在线领取电子证照）".into(),
        Some(1) => "1 次（最多跑一次）".into(),
        Some(n) => format!("{n} 次"),
        None => NOT_STATED.into(),
    }
}

/// The fee in yuan, or 不收费.
fn fee_text(item: &Item) -> String {
    let base = if item.fee_fen == 0 {
        "不收费".to_string()
    } else {
        format!("{}.{:02} 元", item.fee_fen / 100, item.fee_fen % 100)
    };
    match &item.fee_note {
        Some(n) if !n.is_empty() && *n != base => format!("{base}（{n}）"),
        _ => base,
    }
}

/// `GET /items/{code}`: the service guide of one item.
pub async fn guide(State(app): State<App>, user: MaybeUser, Path(code): Path<String>) -> Response {
    let chrome = user.chrome(&app);
    let catalogue = match app.export_catalogue().await {
        Ok(c) => c,
        Err(e) => return error_page(chrome, e, None),
    };
    let item = match app.get_item(&code).await {
        Ok(s) => s.item,
        Err(e) => return error_page(chrome, e, Some("/items".into())),
    };
    let department_name = |code: &str| {
        catalogue
            .departments
            .iter()
            .find(|d| d.code == code)
            .map(|d| d.name.clone())
            .unwrap_or_else(|| code.to_string())
    };
    let department = department_name(&item.department);
    let stated = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map_or_else(|| NOT_STATED.to_string(), str::to_string)
    };
    render(
        GuidePage {
            chrome,
            code: item.code.clone(),
            name: item.name.clone(),
            kind: item.kind.label_zh(),
            department,
            legal_basis: item.legal_basis.clone(),
            conditions: item.conditions.clone(),
            legal_limit: item.legal_limit.to_string(),
            committed_limit: item.committed_limit.to_string(),
            fee: fee_text(&item),
            flow: flow(&item),
            instant: item.instant,
            certificate: item.certificate.as_ref().map(|c| c.name.clone()),
            materials: material_lines(&item),
            audience: guide::audience_zh(&item),
            place: stated(&item.place),
            office_hours: stated(&item.office_hours),
            consult_phone: stated(&item.consult_phone),
            complaint_phone: item
                .complaint_phone
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map_or_else(|| "12345（政务服务便民热线）".to_string(), str::to_string),
            visits: visits_text(&item),
            supervising: item.supervising_department.as_deref().map(department_name),
        },
        StatusCode::OK,
    )
}
