//! The public catalogue: the home page, the items by department and theme, and
//! each item's service guide (办事指南) with the way to apply.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use onestamp_app::App;
use onestamp_domain::catalogue::{Item, MaterialForm, Requirement};

use super::session::MaybeUser;
use super::{Chrome, Template, error_page, render};

/// A line of the catalogue.
pub struct ItemLine {
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub committed: String,
    pub instant: bool,
}

impl ItemLine {
    fn of(item: &Item) -> ItemLine {
        ItemLine {
            code: item.code.clone(),
            name: item.name.clone(),
            kind: item.kind.label_zh(),
            committed: item.committed_limit.to_string(),
            instant: item.instant,
        }
    }
}

pub struct DepartmentGroup {
    pub name: String,
    pub items: Vec<ItemLine>,
}

pub struct ThemeGroup {
    pub name: String,
    pub description: String,
    pub items: Vec<ItemLine>,
}

#[derive(Template)]
#[template(path = "catalogue.html")]
struct CataloguePage {
    chrome: Chrome,
    home: bool,
    applicant: bool,
    themes: Vec<ThemeGroup>,
    departments: Vec<DepartmentGroup>,
}

async fn catalogue_page(app: &App, user: MaybeUser, home: bool) -> Response {
    let applicant = user.0.as_ref().is_some_and(|u| !u.session.is_staff());
    let chrome = user.chrome(app);
    let catalogue = match app.export_catalogue().await {
        Ok(c) => c,
        Err(e) => return error_page(chrome, e, None),
    };
    let line = |code: &str| {
        catalogue
            .items
            .iter()
            .find(|i| i.code == code)
            .map(ItemLine::of)
    };
    let themes = catalogue
        .themes
        .iter()
        .map(|t| ThemeGroup {
            name: t.name.clone(),
            description: t.description.clone(),
            items: t.items.iter().filter_map(|c| line(c)).collect(),
        })
        .collect();
    let mut departments: Vec<DepartmentGroup> = catalogue
        .departments
        .iter()
        .map(|d| DepartmentGroup {
            name: d.name.clone(),
            items: catalogue
                .items
                .iter()
                .filter(|i| i.department == d.code)
                .map(ItemLine::of)
                .collect(),
        })
        .filter(|g| !g.items.is_empty())
        .collect();
    let orphans: Vec<ItemLine> = catalogue
        .items
        .iter()
        .filter(|i| !catalogue.departments.iter().any(|d| d.code == i.department))
        .map(ItemLine::of)
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
            themes,
            departments,
        },
        StatusCode::OK,
    )
}

/// `GET /`: the portal's home page with the whole catalogue.
pub async fn home(State(app): State<App>, user: MaybeUser) -> Response {
    catalogue_page(&app, user, true).await
}

/// `GET /items`: the catalogue by theme and department.
pub async fn items(State(app): State<App>, user: MaybeUser) -> Response {
    catalogue_page(&app, user, false).await
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
    stages: Vec<&'static str>,
    instant: bool,
    certificate: Option<String>,
    materials: Vec<MaterialLine>,
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
    let department = catalogue
        .departments
        .iter()
        .find(|d| d.code == item.department)
        .map(|d| d.name.clone())
        .unwrap_or_else(|| item.department.clone());
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
            stages: item.stage_plan().map(|s| s.label_zh()).collect(),
            instant: item.instant,
            certificate: item.certificate.as_ref().map(|c| c.name.clone()),
            materials: material_lines(&item),
        },
        StatusCode::OK,
    )
}
