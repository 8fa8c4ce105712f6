//! The public verification page a licence's QR code opens, and its report form.

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use onestamp_app::App;
use onestamp_app::licences::PublicLicence;
use onestamp_domain::licence::Standing;

use super::session::MaybeUser;
use super::{Chrome, Template, error_page, message, refusal, render};
use crate::error::Code;

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    chrome: Chrome,
    id: String,
    standing_label: String,
    standing_class: &'static str,
    licence: Option<PublicLicence>,
    reason: Option<String>,
    replaced_by: Option<String>,
    exists: bool,
    /// A combined licence's permits (一企一证), each as it stands now.
    permits: Vec<onestamp_app::combined::PermitStanding>,
}

/// The public verification page a licence's QR code opens.
pub async fn verify_page(
    State(app): State<App>,
    user: MaybeUser,
    Path(id): Path<String>,
) -> Response {
    let chrome = user.chrome(&app);
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
                    chrome,
                    id: v.id,
                    standing_label: v.standing_label,
                    standing_class: class,
                    licence: v.licence,
                    reason: v.reason,
                    replaced_by: v.replaced_by,
                    exists,
                    permits: v.permits,
                },
                StatusCode::OK,
            )
        }
        Err(e) => error_page(chrome, e, None),
    }
}

#[derive(Deserialize)]
pub struct ReportForm {
    text: String,
}

/// The report form of the verification page (扫码举报).
pub async fn report(
    State(app): State<App>,
    user: MaybeUser,
    crate::extract::ClientAddr(source): crate::extract::ClientAddr,
    Path(id): Path<String>,
    form: Result<Form<ReportForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let back = Some(format!("/verify/{id}"));
    let chrome = user.chrome(&app);
    let Ok(Form(form)) = form else {
        return refusal(
            chrome,
            Code::BadRequest,
            "未能完成",
            "请填写举报内容后再提交".into(),
            back,
        );
    };
    match app.report_licence(&id, &form.text, source).await {
        Ok(()) => message(
            chrome,
            "举报已收到",
            "感谢您的监督，监察人员将尽快核查处理。".into(),
            back,
        ),
        Err(e) => error_page(chrome, e, back),
    }
}
