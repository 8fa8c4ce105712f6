//! The administrator's pages (系统管理): users and staff profiles (roles,
//! departments, 持证上岗 qualifications, on duty or on leave), creating a user,
//! the catalogue (import by file upload, export as a download, the 秒批 switch of
//! each instant item); the certificate officer's licence pages are in
//! `admin_licences.rs`. Every form goes through the same use case as the API; a
//! refusal is a Chinese page.

use std::collections::{BTreeSet, HashMap};

use axum::body::Bytes;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use onestamp_app::catalogue::{Format, parse_catalogue};
use onestamp_app::store::ImportSummary;
use onestamp_app::users::UserForm;
use onestamp_app::{App, AppError};
use onestamp_domain::assignment::StaffProfile;
use onestamp_domain::case::ApplicantKind;
use onestamp_domain::role::Role;

use super::session::PageUser;
use super::supervision::{incomplete, roles_zh, unconfirmed};
use super::{Chrome, PageQuery, Template, error_page, render};

/// The sub-navigation of the administrator's pages.
pub struct Tab {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

pub(super) fn tabs(current: &str) -> Vec<Tab> {
    [
        ("/admin", "用户与人员"),
        ("/admin/catalogue", "事项目录"),
        ("/admin/webhooks", "消息推送"),
    ]
    .into_iter()
    .map(|(href, label)| Tab {
        href,
        label,
        current: href == current,
    })
    .collect()
}

/// A choice of a form: its value, its label, whether it is ticked.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

pub struct UserLine {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub roles: String,
    pub active: bool,
    /// Handling staff: their profile and its form.
    pub staff: Option<StaffLine>,
}

pub struct StaffLine {
    pub on_duty: bool,
    pub departments: String,
    pub certificates: String,
    pub items: String,
    pub load: u32,
    pub department_choices: Vec<Choice>,
    pub certificate_choices: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct UsersPage {
    chrome: Chrome,
    tabs: Vec<Tab>,
    users: Vec<UserLine>,
    roles: Vec<Choice>,
    staff_count: usize,
    on_leave: usize,
}

/// The catalogue's departments (code → name) and every qualification its items ask for.
async fn catalogue_terms(app: &App) -> (Vec<(String, String)>, BTreeSet<String>) {
    match app.export_catalogue().await {
        Ok(c) => (
            c.departments
                .into_iter()
                .map(|d| (d.code, d.name))
                .collect(),
            c.items
                .into_iter()
                .filter_map(|i| i.qualification)
                .collect(),
        ),
        Err(_) => (Vec::new(), BTreeSet::new()),
    }
}

/// `GET /admin`: users with roles, and the staff's profiles with a form each.
pub async fn users(State(app): State<App>, user: PageUser) -> Response {
    if let Some(refused) = user.refuse_unless(&app, &[Role::Admin]) {
        return refused;
    }
    let chrome = user.chrome(&app);
    let list = match app.list_users(&user.session).await {
        Ok(l) => l,
        Err(e) => return error_page(chrome, e, Some("/".into())),
    };
    let board: HashMap<i64, _> = match app.staff_board(&user.session).await {
        Ok(b) => b.into_iter().map(|s| (s.user.id, s)).collect(),
        Err(e) => return error_page(chrome, e, Some("/".into())),
    };
    // Regulators see the licences of the departments of their profile: the
    // administrator sets those here too.
    let mut profiles: HashMap<i64, (StaffProfile, u32)> = board
        .iter()
        .map(|(id, s)| (*id, (s.profile.clone(), s.total())))
        .collect();
    for u in list.iter().filter(|u| u.roles.contains(&Role::Regulator)) {
        if !profiles.contains_key(&u.id)
            && let Ok(p) = app.staff_profile(&user.session, u.id).await
        {
            profiles.insert(u.id, (p, 0));
        }
    }
    let (departments, qualifications) = catalogue_terms(&app).await;
    let dept_name = |code: &str| {
        if code == "*" {
            return "全部部门".to_string();
        }
        departments
            .iter()
            .find(|(c, _)| c == code)
            .map_or(code.to_string(), |(_, n)| n.clone())
    };
    let users: Vec<UserLine> = list
        .into_iter()
        .map(|u| {
            let staff = profiles.get(&u.id).map(|(p, load)| {
                let mut dept_choices = vec![Choice {
                    value: "*".into(),
                    label: "全部部门".into(),
                    checked: p.departments.iter().any(|d| d == "*"),
                }];
                dept_choices.extend(departments.iter().map(|(code, name)| Choice {
                    value: code.clone(),
                    label: name.clone(),
                    checked: p.departments.contains(code),
                }));
                let mut certs: BTreeSet<String> = qualifications.clone();
                certs.extend(p.certificates.iter().cloned());
                StaffLine {
                    on_duty: p.available,
                    departments: p
                        .departments
                        .iter()
                        .map(|d| dept_name(d))
                        .collect::<Vec<_>>()
                        .join("、"),
                    certificates: p.certificates.join("、"),
                    items: p.items.join("、"),
                    load: *load,
                    department_choices: dept_choices,
                    certificate_choices: certs
                        .into_iter()
                        .map(|c| Choice {
                            checked: p.certificates.contains(&c),
                            label: c.clone(),
                            value: c,
                        })
                        .collect(),
                }
            });
            UserLine {
                id: u.id,
                username: u.username,
                name: u.display_name,
                roles: roles_zh(&u.roles),
                active: u.active,
                staff,
            }
        })
        .collect();
    let staff_count = users.iter().filter(|u| u.staff.is_some()).count();
    let on_leave = users
        .iter()
        .filter(|u| u.staff.as_ref().is_some_and(|s| !s.on_duty))
        .count();
    render(
        UsersPage {
            chrome,
            tabs: tabs("/admin"),
            users,
            roles: Role::ALL
                .into_iter()
                .map(|r| Choice {
                    value: r.as_str().into(),
                    label: r.label_zh().into(),
                    checked: false,
                })
                .collect(),
            staff_count,
            on_leave,
        },
        StatusCode::OK,
    )
}

/// The values of a form field given any number of times (check boxes).
pub(super) fn all_of<'a>(
    pairs: &'a [(String, String)],
    name: &str,
) -> impl Iterator<Item = &'a str> {
    pairs
        .iter()
        .filter(move |(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

pub(super) fn one_of<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    all_of(pairs, name).next()
}

/// `POST /admin/staff/{id}`: on duty or on leave, departments, items and
/// qualifications of one member of staff, through `App::set_staff_profile`.
pub async fn set_staff(
    State(app): State<App>,
    user: PageUser,
    Path(id): Path<String>,
    form: Result<Form<Vec<(String, String)>>, axum::extract::rejection::FormRejection>,
) -> Response {
    let back = "/admin";
    let Ok(Form(pairs)) = form else {
        return incomplete(&app, &user, back);
    };
    if let Some(refused) = user.csrf_refusal(&app, one_of(&pairs, "csrf")) {
        return refused;
    }
    if let Some(refused) = user.refuse_unless(&app, &[Role::Admin]) {
        return refused;
    }
    let bad =
        |msg: String| error_page(user.chrome(&app), AppError::invalid(msg), Some(back.into()));
    let Ok(id) = id.parse::<i64>() else {
        return error_page(
            user.chrome(&app),
            AppError::NotFound(format!("用户 {id} ")),
            Some(back.into()),
        );
    };
    let available = match one_of(&pairs, "available") {
        Some("yes") => true,
        Some("no") => false,
        _ => return bad("请选择在岗或休假".into()),
    };
    let (departments, _) = catalogue_terms(&app).await;
    let mut chosen_depts = Vec::new();
    for d in all_of(&pairs, "departments") {
        if d != "*" && !departments.iter().any(|(c, _)| c == d) {
            return bad(format!("没有代码为「{d}」的部门"));
        }
        chosen_depts.push(d.to_string());
    }
    let known_items: BTreeSet<String> = app
        .list_items()
        .await
        .map(|l| l.into_iter().map(|s| s.item.code).collect())
        .unwrap_or_default();
    let mut items = Vec::new();
    for code in one_of(&pairs, "items")
        .unwrap_or("")
        .split(|c: char| c == ',' || c == '，' || c == '、' || c.is_whitespace())
        .filter(|c| !c.is_empty())
    {
        if !known_items.contains(code) {
            return bad(format!("事项目录中没有实施编码为「{code}」的事项"));
        }
        if !items.iter().any(|i| i == code) {
            items.push(code.to_string());
        }
    }
    let mut certificates = Vec::new();
    for c in all_of(&pairs, "certificates") {
        let c = c.trim();
        if c.is_empty() || c.chars().count() > 100 {
            return bad("资格证书名称须为 1-100 个字".into());
        }
        if onestamp_domain::text::forbidden(c, onestamp_domain::text::Lines::One).is_some() {
            return bad("资格证书名称含有不允许的字符".into());
        }
        if !certificates.iter().any(|x| x == c) {
            certificates.push(c.to_string());
        }
    }
    // A qualification typed by hand beside those of the catalogue.
    if let Some(extra) = one_of(&pairs, "certificate_extra").map(str::trim)
        && !extra.is_empty()
    {
        if extra.chars().count() > 100
            || onestamp_domain::text::forbidden(extra, onestamp_domain::text::Lines::One).is_some()
        {
            return bad("资格证书名称须为 1-100 个字，且不含控制字符".into());
        }
        if !certificates.iter().any(|x| x == extra) {
            certificates.push(extra.to_string());
        }
    }
    let profile = StaffProfile {
        available,
        departments: chosen_depts,
        items,
        certificates,
    };
    match app
        .set_staff_profile(Some(&user.session), id, profile)
        .await
    {
        Ok(_) => Redirect::to(&format!("/admin#user-{id}")).into_response(),
        Err(e) => error_page(user.chrome(&app), e, Some(back.into())),
    }
}

/// `POST /admin/users`: creates (or updates by user name) a user, through `App::save_user`.
pub async fn create_user(
    State(app): State<App>,
    user: PageUser,
    form: Result<Form<Vec<(String, String)>>, axum::extract::rejection::FormRejection>,
) -> Response {
    let back = "/admin";
    let Ok(Form(pairs)) = form else {
        return incomplete(&app, &user, back);
    };
    if let Some(refused) = user.csrf_refusal(&app, one_of(&pairs, "csrf")) {
        return refused;
    }
    if let Some(refused) = user.refuse_unless(&app, &[Role::Admin]) {
        return refused;
    }
    let mut roles = Vec::new();
    for r in all_of(&pairs, "roles") {
        match Role::parse(r) {
            Some(role) if !roles.contains(&role) => roles.push(role),
            Some(_) => {}
            None => {
                return error_page(
                    user.chrome(&app),
                    AppError::invalid("请从列表中选择角色"),
                    Some(back.into()),
                );
            }
        }
    }
    let identity_kind = match one_of(&pairs, "identity_kind").unwrap_or("") {
        "" => None,
        "person" => Some(ApplicantKind::Person),
        "organisation" => Some(ApplicantKind::Organisation),
        _ => return incomplete(&app, &user, back),
    };
    // Staff have no registration kind: the choice only counts for applicants.
    let identity_kind = identity_kind.filter(|_| roles.contains(&Role::Applicant));
    let form = UserForm {
        username: one_of(&pairs, "username").unwrap_or("").to_string(),
        display_name: one_of(&pairs, "display_name").unwrap_or("").to_string(),
        roles,
        identity: one_of(&pairs, "identity").unwrap_or("").to_string(),
        identity_kind,
        mobile: one_of(&pairs, "mobile").unwrap_or("").to_string(),
        password: one_of(&pairs, "password").unwrap_or("").to_string(),
    };
    match app.save_user(Some(&user.session), form).await {
        Ok(u) => Redirect::to(&format!("/admin#user-{}", u.id)).into_response(),
        Err(e) => error_page(user.chrome(&app), e, Some(back.into())),
    }
}

pub struct InstantLine {
    pub code: String,
    pub name: String,
    pub department: String,
    pub enabled: bool,
}

#[derive(Template)]
#[template(path = "admin_catalogue.html")]
struct CataloguePage {
    chrome: Chrome,
    tabs: Vec<Tab>,
    departments: usize,
    items: usize,
    themes: usize,
    instant: Vec<InstantLine>,
    /// What the last import did, or every problem it found.
    imported: Option<ImportSummary>,
    problems: Vec<(String, String)>,
    file_name: Option<String>,
}

async fn catalogue_page(
    app: &App,
    user: &PageUser,
    status: StatusCode,
    imported: Option<ImportSummary>,
    problems: Vec<(String, String)>,
    file_name: Option<String>,
) -> Response {
    let chrome = user.chrome(app);
    let catalogue = match app.export_catalogue().await {
        Ok(c) => c,
        Err(e) => return error_page(chrome, e, Some("/admin".into())),
    };
    let dept_name: HashMap<&str, &str> = catalogue
        .departments
        .iter()
        .map(|d| (d.code.as_str(), d.name.as_str()))
        .collect();
    let mut instant = Vec::new();
    for i in catalogue.items.iter().filter(|i| i.instant) {
        instant.push(InstantLine {
            code: i.code.clone(),
            name: i.name.clone(),
            department: dept_name
                .get(i.department.as_str())
                .map_or(i.department.clone(), |n| n.to_string()),
            enabled: app.instant_enabled(&i.code).await.unwrap_or(false),
        });
    }
    render(
        CataloguePage {
            chrome,
            tabs: tabs("/admin/catalogue"),
            departments: catalogue.departments.len(),
            items: catalogue.items.len(),
            themes: catalogue.themes.len(),
            instant,
            imported,
            problems,
            file_name,
        },
        status,
    )
}

/// `GET /admin/catalogue`: import, export and the 秒批 switches.
pub async fn catalogue(State(app): State<App>, user: PageUser) -> Response {
    if let Some(refused) = user.refuse_unless(&app, &[Role::Admin]) {
        return refused;
    }
    catalogue_page(&app, &user, StatusCode::OK, None, Vec::new(), None).await
}

/// One part of a `multipart/form-data` body: its field name, file name and content.
struct Part {
    name: String,
    filename: Option<String>,
    data: Vec<u8>,
}

/// The value of `key="…"` in a header's parameters.
fn param(header: &str, key: &str) -> Option<String> {
    header.split(';').map(str::trim).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim().eq_ignore_ascii_case(key)).then(|| v.trim().trim_matches('"').to_string())
    })
}

/// The parts of a `multipart/form-data` body (RFC 7578), or `None` when it is not one.
fn multipart(content_type: &str, body: &[u8]) -> Option<Vec<Part>> {
    if !content_type
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
    {
        return None;
    }
    let boundary = param(content_type, "boundary").filter(|b| !b.is_empty() && b.len() <= 200)?;
    let delimiter = format!("--{boundary}").into_bytes();
    let find = |hay: &[u8], needle: &[u8], from: usize| -> Option<usize> {
        hay.get(from..)?
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|p| p + from)
    };
    let mut parts = Vec::new();
    let mut at = find(body, &delimiter, 0)? + delimiter.len();
    loop {
        // After a delimiter: `--` ends the body, otherwise a line break and a part.
        if body.get(at..at + 2) == Some(b"--") {
            return Some(parts);
        }
        at = find(body, b"\r\n", at)? + 2;
        let head_end = find(body, b"\r\n\r\n", at)?;
        let head = std::str::from_utf8(body.get(at..head_end)?).ok()?;
        let mut name = None;
        let mut filename = None;
        for line in head.split("\r\n") {
            if let Some((k, v)) = line.split_once(':')
                && k.trim().eq_ignore_ascii_case("content-disposition")
            {
                name = param(v, "name");
                filename = param(v, "filename");
            }
        }
        let start = head_end + 4;
        let mut close = delimiter.clone();
        close.splice(0..0, b"\r\n".iter().copied());
        let end = find(body, &close, start)?;
        parts.push(Part {
            name: name?,
            filename,
            data: body.get(start..end)?.to_vec(),
        });
        at = end + close.len();
    }
}

/// `POST /admin/catalogue`: a catalogue file (YAML or JSON) uploaded and
/// imported whole through `App::import_catalogue`; every problem it has is listed
/// and nothing is imported.
pub async fn import(
    State(app): State<App>,
    user: PageUser,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    let back = "/admin/catalogue";
    // A body sent without its length that turns out too large: a page, not plain text.
    let Ok(body) = body else {
        return super::too_large(&app, crate::MAX_BODY_BYTES);
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(parts) = multipart(content_type, &body) else {
        return incomplete(&app, &user, back);
    };
    let csrf = parts
        .iter()
        .find(|p| p.name == "csrf")
        .and_then(|p| std::str::from_utf8(&p.data).ok());
    if let Some(refused) = user.csrf_refusal(&app, csrf) {
        return refused;
    }
    if let Some(refused) = user.refuse_unless(&app, &[Role::Admin]) {
        return refused;
    }
    let Some(file) = parts
        .iter()
        .find(|p| p.name == "file" && !p.data.is_empty())
    else {
        return error_page(
            user.chrome(&app),
            AppError::invalid("请选择要导入的事项目录文件（YAML 或 JSON）"),
            Some(back.into()),
        );
    };
    let file_name = file.filename.clone().filter(|n| !n.is_empty());
    let Ok(text) = std::str::from_utf8(&file.data) else {
        return catalogue_page(
            &app,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            vec![("文件".into(), "文件不是 UTF-8 编码的文本".into())],
            file_name,
        )
        .await;
    };
    let format = file_name.as_deref().and_then(Format::from_path).unwrap_or(
        if text.trim_start().starts_with('{') {
            Format::Json
        } else {
            Format::Yaml
        },
    );
    let result = match parse_catalogue(text, format) {
        Ok(c) => app.import_catalogue(Some(&user.session), &c).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(summary) => {
            catalogue_page(
                &app,
                &user,
                StatusCode::OK,
                Some(summary),
                Vec::new(),
                file_name,
            )
            .await
        }
        Err(AppError::Catalogue(problems)) => {
            let problems = problems
                .into_iter()
                .map(|p| {
                    let entry = match p.entry.as_str() {
                        "file" => "文件格式".to_string(),
                        e => e
                            .replacen("item ", "事项 ", 1)
                            .replacen("theme ", "主题 ", 1)
                            .replacen("department ", "部门 ", 1),
                    };
                    (entry, p.problem)
                })
                .collect();
            catalogue_page(
                &app,
                &user,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                problems,
                file_name,
            )
            .await
        }
        Err(e) => error_page(user.chrome(&app), e, Some(back.into())),
    }
}

#[derive(Deserialize)]
pub struct ExportQuery {
    format: Option<String>,
}

/// `GET /admin/catalogue/export?format=yaml|json`: the whole catalogue as a download.
pub async fn export(
    State(app): State<App>,
    user: PageUser,
    PageQuery(q): PageQuery<ExportQuery>,
) -> Response {
    if let Some(refused) = user.refuse_unless(&app, &[Role::Admin]) {
        return refused;
    }
    let back = Some("/admin/catalogue".to_string());
    let catalogue = match app.export_catalogue().await {
        Ok(c) => c,
        Err(e) => return error_page(user.chrome(&app), e, back),
    };
    let (text, mime, ext) = match q.format.as_deref().unwrap_or("yaml") {
        "yaml" => (
            serde_yaml::to_string(&catalogue).map_err(|e| e.to_string()),
            "application/yaml; charset=utf-8",
            "yaml",
        ),
        "json" => (
            serde_json::to_string_pretty(&catalogue).map_err(|e| e.to_string()),
            "application/json; charset=utf-8",
            "json",
        ),
        _ => {
            return error_page(
                user.chrome(&app),
                AppError::invalid("导出格式须为 yaml 或 json"),
                back,
            );
        }
    };
    match text {
        Ok(text) => (
            [
                (header::CONTENT_TYPE, mime.to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"catalogue-{}.{ext}\"", app.today()),
                ),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            text,
        )
            .into_response(),
        Err(e) => error_page(user.chrome(&app), AppError::rendering(e), back),
    }
}

#[derive(Deserialize)]
pub struct InstantForm {
    #[serde(default)]
    csrf: Option<String>,
    code: String,
    /// `on` or `off`.
    enabled: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    confirm: Option<String>,
}

/// `POST /admin/catalogue/instant`: switches 秒批 of an item, through `App::set_instant`.
pub async fn set_instant(
    State(app): State<App>,
    user: PageUser,
    form: Result<Form<InstantForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let back = "/admin/catalogue";
    let Ok(Form(form)) = form else {
        return incomplete(&app, &user, back);
    };
    if let Some(refused) = user.csrf_refusal(&app, form.csrf.as_deref()) {
        return refused;
    }
    if let Some(refused) = user.refuse_unless(&app, &[Role::Admin]) {
        return refused;
    }
    let enabled = match form.enabled.as_str() {
        "on" => true,
        "off" => false,
        _ => return incomplete(&app, &user, back),
    };
    if form.confirm.as_deref() != Some("yes") {
        return unconfirmed(
            &app,
            &user,
            if enabled {
                "开启秒批"
            } else {
                "关闭秒批"
            },
            back,
        );
    }
    match app
        .set_instant(&user.session, &form.code, enabled, &form.reason)
        .await
    {
        Ok(_) => Redirect::to("/admin/catalogue#instant").into_response(),
        Err(e) => error_page(user.chrome(&app), e, Some(back.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::multipart;

    #[test]
    fn a_multipart_body_gives_its_fields_and_file() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.yaml\"\r\nContent-Type: application/yaml\r\n\r\nitems: []\r\n\r\n--XyZ--\r\n";
        let parts = multipart("multipart/form-data; boundary=XyZ", body).unwrap_or_default();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "csrf");
        assert_eq!(parts[0].data, b"abc");
        assert_eq!(parts[1].filename.as_deref(), Some("c.yaml"));
        assert_eq!(parts[1].data, b"items: []\r\n");
    }

    #[test]
    fn a_body_that_is_not_multipart_gives_nothing() {
        assert!(multipart("application/x-www-form-urlencoded", b"a=1").is_none());
        assert!(multipart("multipart/form-data; boundary=Q", b"garbage").is_none());
        assert!(multipart("multipart/form-data", b"--\r\n").is_none());
    }
}
