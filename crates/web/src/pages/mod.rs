//! Server-rendered pages, Chinese first and usable on a phone, over the same use
//! cases as the API. Templates are compiled and escape by default.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use onestamp_app::licences::PublicLicence;
use onestamp_app::{App, AppError};
use onestamp_domain::licence::Standing;

pub fn router() -> Router<App> {
    Router::new()
        .route("/verify/{id}", get(verify_page))
        .route("/verify/{id}/report", axum::routing::post(report))
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    bureau: String,
    id: String,
    standing_label: String,
    standing_class: &'static str,
    licence: Option<PublicLicence>,
    reason: Option<String>,
    replaced_by: Option<String>,
    exists: bool,
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    bureau: String,
    title: String,
    message: String,
    back: Option<String>,
}

fn render(t: impl Template, status: StatusCode) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "页面生成失败").into_response()
        }
    }
}

fn message(
    app: &App,
    status: StatusCode,
    title: &str,
    text: String,
    back: Option<String>,
) -> Response {
    render(
        MessagePage {
            bureau: app.settings.bureau_name.clone(),
            title: title.into(),
            message: text,
            back,
        },
        status,
    )
}

fn error_page(app: &App, e: AppError, back: Option<String>) -> Response {
    let status = match e {
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Store(ref cause) => {
            tracing::error!(error = %cause, "store failure");
            StatusCode::INTERNAL_SERVER_ERROR
        }
        _ => StatusCode::BAD_REQUEST,
    };
    message(app, status, "未能完成", e.to_string(), back)
}

/// The public verification page a licence's QR code opens.
async fn verify_page(State(app): State<App>, Path(id): Path<String>) -> Response {
    match app.verify_licence(&id).await {
        Ok(v) => {
            let class = match v.standing {
                Standing::Valid => "valid",
                Standing::Expired => "expired",
                Standing::Revoked => "revoked",
                Standing::NotGenuine => "not_genuine",
            };
            let exists = v.licence.is_some();
            render(
                VerifyPage {
                    bureau: app.settings.bureau_name.clone(),
                    id: v.id,
                    standing_label: v.standing_label,
                    standing_class: class,
                    licence: v.licence,
                    reason: v.reason,
                    replaced_by: v.replaced_by,
                    exists,
                },
                StatusCode::OK,
            )
        }
        Err(e) => error_page(&app, e, None),
    }
}

#[derive(Deserialize)]
struct ReportForm {
    text: String,
}

/// The report form of the verification page (扫码举报).
async fn report(
    State(app): State<App>,
    Path(id): Path<String>,
    form: Result<Form<ReportForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let back = Some(format!("/verify/{id}"));
    let Ok(Form(form)) = form else {
        return message(
            &app,
            StatusCode::BAD_REQUEST,
            "未能完成",
            "请填写举报内容后再提交".into(),
            back,
        );
    };
    match app.report_licence(&id, &form.text).await {
        Ok(()) => message(
            &app,
            StatusCode::OK,
            "举报已收到",
            "感谢您的监督，监察人员将尽快核查处理。".into(),
            back,
        ),
        Err(e) => error_page(&app, e, back),
    }
}
