//! The application form of an item, rendered from the item's form fields, with
//! live checks of typed fields (`/static/forms.js` asks the public
//! `/api/v1/validate/{kind}/{value}`) and submission through the same use case as
//! `POST /api/v1/cases`. The server checks everything again: a form it refuses
//! comes back with the values entered and each message beside its field.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::Value;

use onestamp_app::cases::Application;
use onestamp_app::{App, AppError};
use onestamp_domain::DomainError;
use onestamp_domain::case::Channel;
use onestamp_domain::catalogue::{FieldType, FormField, Item};
use onestamp_domain::error::FieldProblem;

use super::catalogue::{MaterialLine, material_lines};
use super::session::PageUser;
use super::{Chrome, Template, error_page, render};

/// One field as the form shows it.
pub struct FieldView {
    pub key: String,
    pub label: String,
    pub required: bool,
    pub help: Option<String>,
    /// `input`, `textarea`, `select` or `checkbox`.
    pub control: &'static str,
    /// The `type` of an `input`.
    pub input_type: &'static str,
    pub inputmode: &'static str,
    /// The validator kind the live check asks for, if the type has one.
    pub check: Option<&'static str>,
    /// A live check that only advises (the server does not refuse the value;
    /// machine review weighs it), e.g. whether an address is in the district.
    pub advisory: bool,
    pub options: Vec<String>,
    pub value: String,
    pub checked: bool,
    pub max_length: Option<u32>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub error: Option<String>,
}

impl FieldView {
    pub(super) fn of(f: &FormField) -> FieldView {
        let (control, input_type, inputmode, check) = match f.field_type {
            FieldType::Text => ("input", "text", "text", None),
            FieldType::Textarea => ("textarea", "text", "text", None),
            FieldType::Number => ("input", "number", "decimal", None),
            FieldType::Date => ("input", "date", "text", None),
            FieldType::Bool => ("checkbox", "checkbox", "text", None),
            FieldType::Select => ("select", "text", "text", None),
            FieldType::CitizenId => ("input", "text", "text", Some("citizen_id")),
            FieldType::CreditCode => ("input", "text", "text", Some("credit_code")),
            FieldType::Mobile => ("input", "tel", "tel", Some("mobile")),
            FieldType::PostalCode => ("input", "text", "numeric", Some("postal_code")),
            FieldType::Address => ("input", "text", "text", Some("district_address")),
            FieldType::LicenceId => ("input", "text", "text", Some("licence_id")),
        };
        FieldView {
            key: f.key.clone(),
            label: f.label.clone(),
            required: f.required,
            help: f.help.clone(),
            control,
            input_type,
            inputmode,
            check,
            advisory: f.field_type == FieldType::Address,
            options: f.options.clone(),
            value: String::new(),
            checked: false,
            max_length: f.max_length,
            min: f.min,
            max: f.max,
            error: None,
        }
    }

    /// The value entered as it goes back into the control.
    pub(super) fn set(&mut self, v: &Value) {
        match v {
            Value::Bool(b) => self.checked = *b,
            Value::String(s) => self.value = s.clone(),
            Value::Null => {}
            Value::Number(n) => self.value = super::plain_number(n),
            other => self.value = other.to_string(),
        }
    }
}

/// One material: the catalogue's description and, where the applicant has
/// something to give by reference, the choice of it.
pub struct MaterialView {
    pub line: MaterialLine,
    /// (value, label): `licence:<id>` or `file:<hash>`.
    pub choices: Vec<(String, String)>,
    pub selected: String,
    /// Files already uploaded that the form keeps (hash, name), each a
    /// checkbox the applicant may untick to remove it.
    pub kept: Vec<(String, String)>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "apply.html")]
pub(super) struct ApplyPage {
    chrome: Chrome,
    /// Where the form posts.
    action: String,
    /// 一窗受理: the applicant the clerk files for, and the uploads the window takes.
    counter: Option<CounterFor>,
    code: String,
    name: String,
    instant: bool,
    /// A theme's one form (主题申请), not an item's.
    theme: bool,
    pub(super) fields: Vec<FieldView>,
    pub(super) materials: Vec<MaterialView>,
    /// The upload limits, stated before anything is chosen.
    pub(super) limits: String,
    /// The largest file, in bytes, for the browser's check before upload.
    pub(super) max_upload: usize,
    /// Problems not tied to a field shown on the form.
    pub(super) problems: Vec<String>,
    error: Option<String>,
}

/// The applicant a clerk files for at the window, as the form names them.
pub struct CounterFor {
    pub id: i64,
    pub name: String,
    pub identity: String,
    /// The hall ticket being served, which the case ends (办结).
    pub ticket: Option<i64>,
}

/// What the form posted: field values and material choices by key.
#[derive(Default)]
pub(super) struct Posted {
    pub fields: BTreeMap<String, String>,
    pub materials: BTreeMap<String, String>,
    /// Library files kept for each material (`k.<code>`, one per file).
    pub kept: BTreeMap<String, Vec<String>>,
    pub csrf: Option<String>,
}

pub(super) fn read_posted(pairs: Vec<(String, String)>) -> Posted {
    let mut p = Posted::default();
    for (k, v) in pairs {
        if let Some(key) = k.strip_prefix("f.") {
            p.fields.insert(key.to_string(), v);
        } else if let Some(code) = k.strip_prefix("m.") {
            p.materials.insert(code.to_string(), v);
        } else if let Some(code) = k.strip_prefix("k.") {
            if !v.is_empty() {
                p.kept.entry(code.to_string()).or_default().push(v);
            }
        } else if k == "csrf" {
            p.csrf = Some(v);
        }
    }
    p
}

/// The form's text as the JSON the use case takes: numbers as numbers, a
/// checkbox as a boolean, empty fields left out (so "required" is reported).
/// A number that does not parse is passed on as text for the domain to refuse.
pub(super) fn form_values(
    item: &Item,
    posted: &BTreeMap<String, String>,
) -> serde_json::Map<String, Value> {
    let mut form = serde_json::Map::new();
    for f in &item.form {
        let raw = posted.get(&f.key).map(|s| s.trim()).unwrap_or("");
        let value = match f.field_type {
            FieldType::Bool => Some(Value::Bool(matches!(raw, "on" | "true" | "1"))),
            _ if raw.is_empty() => None,
            FieldType::Number => Some(
                raw.parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite())
                    .map(Value::from)
                    .unwrap_or_else(|| Value::String(raw.to_string())),
            ),
            FieldType::CitizenId | FieldType::CreditCode => {
                Some(Value::String(raw.to_ascii_uppercase()))
            }
            _ => Some(Value::String(raw.to_string())),
        };
        if let Some(v) = value {
            form.insert(f.key.clone(), v);
        }
    }
    form
}

/// Builds the page: the item's fields with `values`, the materials with what the
/// applicant may give by reference. For a theme (`item` its shared form, see
/// [`super::themes`]) nothing is prefilled from licences and it posts to the
/// theme's address.
#[allow(clippy::too_many_arguments, reason = "the parts of one form")]
pub(super) async fn page(
    app: &App,
    user: &PageUser,
    item: &Item,
    values: &serde_json::Map<String, Value>,
    chosen: &Chosen,
    use_prefill_materials: bool,
    counter: Option<CounterFor>,
    theme: bool,
) -> Result<ApplyPage, AppError> {
    let selected = &chosen.selected;
    let (prefill, files) = match (&counter, theme) {
        (Some(c), false) => (
            app.prefill_for(&user.session, &item.code, c.id).await?,
            app.applicant_materials(&user.session, c.id).await?,
        ),
        (Some(c), true) => (
            Default::default(),
            app.applicant_materials(&user.session, c.id).await?,
        ),
        (None, false) => (
            app.prefill(&user.session, &item.code).await?,
            app.my_materials(&user.session).await?,
        ),
        (None, true) => (Default::default(), app.my_materials(&user.session).await?),
    };
    let fields = item
        .form
        .iter()
        .map(|f| {
            let mut v = FieldView::of(f);
            if let Some(value) = values.get(&f.key) {
                v.set(value);
            }
            v
        })
        .collect();
    let materials = material_lines(item)
        .into_iter()
        .map(|line| {
            let mut choices: Vec<(String, String)> = prefill
                .materials
                .get(&line.code)
                .into_iter()
                .flatten()
                .map(|id| {
                    (
                        format!("licence:{id}"),
                        format!("以电子证照 {id} 代替（免提交）"),
                    )
                })
                .collect();
            choices.extend(files.iter().map(|f| {
                (
                    format!("file:{}", f.hash),
                    format!("材料库文件：{}", f.name),
                )
            }));
            let selected = match selected.get(&line.code) {
                Some(s) => s.clone(),
                None if use_prefill_materials => choices
                    .iter()
                    .find(|(v, _)| v.starts_with("licence:"))
                    .map(|(v, _)| v.clone())
                    .unwrap_or_default(),
                None => String::new(),
            };
            let kept = chosen
                .kept
                .get(&line.code)
                .into_iter()
                .flatten()
                .filter_map(|h| files.iter().find(|f| &f.hash == h))
                .map(|f| (f.hash.clone(), f.name.clone()))
                .collect();
            MaterialView {
                line,
                choices,
                selected,
                kept,
                error: None,
            }
        })
        .collect();
    Ok(ApplyPage {
        chrome: user.chrome(app),
        action: match (&counter, theme) {
            (Some(c), false) => format!(
                "/counter/apply/{}?applicant={}{}",
                item.code,
                c.id,
                c.ticket
                    .map_or_else(String::new, |t| format!("&ticket={t}"))
            ),
            (Some(c), true) => format!("/counter/themes/{}/apply?applicant={}", item.code, c.id),
            (None, false) => format!("/items/{}/apply", item.code),
            (None, true) => format!("/themes/{}/apply", item.code),
        },
        counter,
        code: item.code.clone(),
        name: item.name.clone(),
        instant: item.instant,
        theme,
        fields,
        materials,
        limits: super::uploads::limits_zh(app),
        max_upload: app.settings().max_upload_bytes,
        problems: Vec::new(),
        error: None,
    })
}

/// What a form chose for its materials, as it goes back into the form.
#[derive(Default)]
pub(super) struct Chosen {
    /// The select of each material: `licence:<id>` or `file:<hash>`.
    pub selected: BTreeMap<String, String>,
    /// Library files kept, by material.
    pub kept: BTreeMap<String, Vec<String>>,
}

impl Chosen {
    /// What a refused form keeps for the next try: the selects of licences, and
    /// every file, whether chosen from the library, kept or just uploaded.
    pub fn after(posted: &Posted, uploaded: &BTreeMap<String, Vec<(String, String)>>) -> Chosen {
        let mut chosen = Chosen {
            selected: posted.materials.clone(),
            kept: super::uploads::kept_after(&posted.kept, uploaded),
        };
        chosen.selected.retain(|_, v| !v.starts_with("file:"));
        for (code, v) in &posted.materials {
            if let Some(h) = v.strip_prefix("file:") {
                let list = chosen.kept.entry(code.clone()).or_default();
                if !list.iter().any(|x| x == h) {
                    list.insert(0, h.to_string());
                }
            }
        }
        chosen
    }
}

/// `GET /items/{code}/apply`: the empty form, prefilled from the applicant's licences.
pub async fn form(State(app): State<App>, user: PageUser, Path(code): Path<String>) -> Response {
    let back = Some(format!("/items/{code}"));
    let item = match app.get_item(&code).await {
        Ok(s) => s.item,
        Err(e) => return error_page(user.chrome(&app), e, Some("/items".into())),
    };
    let prefill = match app.prefill(&user.session, &code).await {
        Ok(p) => p.form,
        Err(e) => return error_page(user.chrome(&app), e, back),
    };
    match page(
        &app,
        &user,
        &item,
        &prefill,
        &Chosen::default(),
        true,
        None,
        false,
    )
    .await
    {
        Ok(p) => render(p, StatusCode::OK),
        Err(e) => error_page(user.chrome(&app), e, back),
    }
}

/// Applications from a phone count as the mobile channel (移动端), others as web.
pub(super) fn channel(headers: &HeaderMap) -> Channel {
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ua.contains("Mobile") {
        Channel::Mobile
    } else {
        Channel::Web
    }
}

/// `POST /items/{code}/apply` (multipart with the uploads, or URL-encoded):
/// stores each uploaded file in the applicant's library, then files the
/// application; on success, the case page.
pub async fn submit(
    State(app): State<App>,
    user: PageUser,
    Path(code): Path<String>,
    req: axum::extract::Request,
) -> Response {
    let channel = channel(req.headers());
    let posted = match super::uploads::read_any(&app, &user, req).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let uploads = posted.uploads;
    let posted = read_posted(posted.pairs);
    if let Some(refused) = user.csrf_refusal(&app, posted.csrf.as_deref()) {
        return refused;
    }
    let back = Some(format!("/items/{code}"));
    let item = match app.get_item(&code).await {
        Ok(s) => s.item,
        Err(e) => return error_page(user.chrome(&app), e, Some("/items".into())),
    };
    file_application(
        &app, &user, &item, channel, posted, uploads, None, back, false,
    )
    .await
}

/// Stores the uploads in the applicant's library, files the application, and
/// answers with the case page, or the form again with what went wrong and
/// every file kept.
#[allow(clippy::too_many_arguments, reason = "the parts of one posted form")]
pub(super) async fn file_application(
    app: &App,
    user: &PageUser,
    item: &Item,
    channel: Channel,
    posted: Posted,
    uploads: Vec<super::uploads::Upload>,
    counter: Option<CounterFor>,
    back: Option<String>,
    theme: bool,
) -> Response {
    let values = form_values(item, &posted.fields);
    let owner = counter.as_ref().map(|c| c.id);
    let chosen = Chosen {
        selected: posted.materials.clone(),
        kept: posted.kept.clone(),
    };
    let uploaded = match super::uploads::store(app, user, item, uploads, owner).await {
        Ok(u) => u,
        Err(e) => {
            return refused_form(app, user, item, &values, &chosen, e, counter, back, theme).await;
        }
    };
    let materials = super::uploads::choices(&posted.materials, &posted.kept, &uploaded);
    if theme {
        let application = onestamp_app::bundles::BundleApplication {
            theme: item.code.clone(),
            channel,
            form: values.clone(),
            materials,
            applicant: owner,
        };
        let err = match app.submit_bundle(&user.session, application).await {
            Ok(view) => return Redirect::to(&format!("/bundles/{}", view.id)).into_response(),
            Err(e) => e,
        };
        let chosen = Chosen::after(&posted, &uploaded);
        return refused_form(app, user, item, &values, &chosen, err, counter, back, theme).await;
    }
    let application = Application {
        item_code: item.code.clone(),
        channel,
        form: values.clone(),
        materials,
        applicant: owner,
    };
    let ticket = counter.as_ref().and_then(|c| c.ticket);
    // The hall ticket served ends with the case it created, in its transaction.
    let err = match app
        .submit_counter_application(&user.session, application, ticket)
        .await
    {
        Ok(view) => return Redirect::to(&format!("/cases/{}", view.case.id)).into_response(),
        Err(e) => e,
    };
    let chosen = Chosen::after(&posted, &uploaded);
    refused_form(app, user, item, &values, &chosen, err, counter, back, theme).await
}

/// The problems of a refused form that name a field or material.
pub(super) fn problems_of(err: &AppError) -> Vec<FieldProblem> {
    match err {
        AppError::Invalid { problems, .. } => problems.clone(),
        AppError::Domain(
            DomainError::InvalidForm(p)
            | DomainError::InvalidResubmission(p)
            | DomainError::InvalidCorrection(p),
        ) => p.clone(),
        _ => Vec::new(),
    }
}

/// The form again with what was entered and why it was refused.
#[allow(clippy::too_many_arguments, reason = "the parts of one refused form")]
pub(super) async fn refused_form(
    app: &App,
    user: &PageUser,
    item: &Item,
    values: &serde_json::Map<String, Value>,
    chosen: &Chosen,
    err: AppError,
    counter: Option<CounterFor>,
    back: Option<String>,
    theme: bool,
) -> Response {
    let message = err.to_string();
    let problems = problems_of(&err);
    let status = crate::error::ApiError::from(err).status();
    let mut shown = match page(app, user, item, values, chosen, false, counter, theme).await {
        Ok(p) => p,
        Err(e) => return error_page(user.chrome(app), e, back),
    };
    place(
        &mut shown.fields,
        &mut shown.materials,
        &mut shown.problems,
        problems,
    );
    shown.error = Some(message);
    render(shown, status)
}

/// Puts each problem beside its field or material; the rest above the form.
pub(super) fn place(
    fields: &mut [FieldView],
    materials: &mut [MaterialView],
    rest: &mut Vec<String>,
    problems: Vec<FieldProblem>,
) {
    for p in problems {
        let key = p.field.strip_prefix("form.").unwrap_or(&p.field);
        if let Some(f) = fields.iter_mut().find(|f| f.key == key) {
            f.error = Some(match f.error.take() {
                Some(e) => format!("{e}；{}", p.message),
                None => p.message,
            });
        } else if let Some(m) = key
            .strip_prefix("materials.")
            .and_then(|code| materials.iter_mut().find(|m| m.line.code == code))
        {
            m.error = Some(p.message);
        } else {
            rest.push(p.message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(key: &str, t: FieldType) -> FormField {
        FormField {
            key: key.into(),
            label: key.into(),
            field_type: t,
            required: true,
            options: vec![],
            max_length: None,
            min: None,
            max: None,
            help: None,
        }
    }

    #[test]
    fn posted_text_becomes_the_json_the_use_case_takes() {
        let item_form = vec![
            field("n", FieldType::Number),
            field("bad_n", FieldType::Number),
            field("ok", FieldType::Bool),
            field("off", FieldType::Bool),
            field("id", FieldType::CitizenId),
            field("empty", FieldType::Text),
        ];
        let posted: BTreeMap<String, String> = [
            ("n", " 2 "),
            ("bad_n", "两"),
            ("ok", "on"),
            ("id", "51010719900307123x"),
            ("empty", "  "),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let item = item_with(item_form);
        let form = form_values(&item, &posted);
        assert_eq!(form.get("n"), Some(&Value::from(2.0)));
        assert_eq!(form.get("bad_n"), Some(&Value::from("两")));
        assert_eq!(form.get("ok"), Some(&Value::Bool(true)));
        assert_eq!(form.get("off"), Some(&Value::Bool(false)));
        assert_eq!(form.get("id"), Some(&Value::from("51010719900307123X")));
        assert_eq!(form.get("empty"), None);
    }

    fn item_with(form: Vec<FormField>) -> Item {
        Item {
            code: String::new(),
            name: String::new(),
            kind: onestamp_domain::catalogue::ItemKind::Licensing,
            department: String::new(),
            legal_basis: String::new(),
            conditions: vec![],
            legal_limit: onestamp_domain::catalogue::TimeLimit::Days(1),
            committed_limit: onestamp_domain::catalogue::TimeLimit::Days(1),
            fee_fen: 0,
            fee_note: None,
            stages: vec![],
            materials: vec![],
            form,
            rules: vec![],
            instant: false,
            kiosk: false,
            certificate: None,
            supervising_department: None,
            qualification: None,
            mask_identity: false,
            green_channel_limit: None,
            applicant_kinds: vec![],
            keywords: vec![],
            place: None,
            office_hours: None,
            consult_phone: None,
            complaint_phone: None,
            visits: None,
        }
    }
}
