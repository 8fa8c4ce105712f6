//! Request extractors whose rejections are JSON errors: the body (`ApiJson`),
//! path and query parameters, and the caller's session (`Caller`).

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use onestamp_app::App;
use onestamp_app::auth::Session;

use crate::error::{ApiError, Code};

/// A JSON body; malformed JSON is 400, the wrong shape or types 422, too large 413.
/// Every request body of the API is a JSON object: anything else is 422 (serde
/// would otherwise read an array as a struct's fields in order).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<App> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &App) -> Result<Self, ApiError> {
        let value = match axum::Json::<serde_json::Value>::from_request(req, state).await {
            Ok(axum::Json(v)) => v,
            Err(rejection) => return Err(json_rejection(rejection)),
        };
        if !value.is_object() {
            return Err(ApiError::new(
                Code::InvalidBody,
                "请求内容须为 JSON 对象（{…}），各字段见接口文档",
            ));
        }
        serde_json::from_value(value)
            .map(ApiJson)
            .map_err(|e| ApiError::new(Code::InvalidBody, format!("请求内容字段或类型不正确：{e}")))
    }
}

fn json_rejection(r: JsonRejection) -> ApiError {
    let detail = r.body_text();
    match r {
        JsonRejection::JsonDataError(_) => ApiError::new(
            Code::InvalidBody,
            format!("请求内容字段或类型不正确：{detail}"),
        ),
        JsonRejection::JsonSyntaxError(_) => ApiError::new(
            Code::MalformedJson,
            format!("请求内容不是有效的 JSON：{detail}"),
        ),
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            Code::UnsupportedMediaType,
            "请求须为 Content-Type: application/json",
        ),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(Code::PayloadTooLarge, "请求内容过大")
        }
        _ => ApiError::new(Code::BadRequest, format!("无法读取请求内容：{detail}")),
    }
}

/// A size in bytes as people read it: "10 MB", "512 KB".
pub fn size_zh(bytes: usize) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MB", bytes / 1024 / 1024)
    } else if bytes >= 1024 {
        format!("{} KB", bytes.div_ceil(1024))
    } else {
        format!("{bytes} 字节")
    }
}

/// The largest body a request to `path` may carry: an upload the configured
/// material size, an application or correction form (online or at the
/// counter) its files and fields, anything else [`crate::MAX_BODY_BYTES`].
pub fn body_limit(app: &App, method: &axum::http::Method, path: &str) -> usize {
    if method == axum::http::Method::POST && path == "/api/v1/materials" {
        app.settings().max_upload_bytes
    } else if method == axum::http::Method::POST
        && (path.starts_with("/counter/apply/")
            || (path.starts_with("/items/") && path.ends_with("/apply"))
            || (path.starts_with("/cases/") && path.ends_with("/correct")))
    {
        // The window's form carries the scanned materials, each at most an upload.
        app.settings()
            .max_upload_bytes
            .saturating_mul(crate::pages::COUNTER_FILES)
            + crate::MAX_BODY_BYTES
    } else {
        crate::MAX_BODY_BYTES
    }
}

/// The raw bytes of an upload, read up to the configured material size; more
/// is a JSON 413 as soon as it is known (the declared length, or the byte that
/// goes over), never a plain-text one.
pub struct UploadBody(pub axum::body::Bytes);

impl FromRequest<App> for UploadBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, app: &App) -> Result<Self, ApiError> {
        let limit = app.settings().max_upload_bytes;
        let too_large = || {
            ApiError::new(
                Code::PayloadTooLarge,
                format!("文件超过 {}", size_zh(limit)),
            )
        };
        axum::body::to_bytes(req.into_body(), limit)
            .await
            .map(UploadBody)
            .map_err(|e| {
                let over = std::error::Error::source(&e)
                    .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
                if over {
                    too_large()
                } else {
                    ApiError::new(Code::BadRequest, "未能读完上传的文件，请重试")
                }
            })
    }
}

/// Query parameters; a bad value is 400 with the reason.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<App> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &App) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(r) => Err(query_rejection(r)),
        }
    }
}

fn query_rejection(r: QueryRejection) -> ApiError {
    ApiError::new(Code::BadQuery, query_problem(&r))
}

/// What is wrong with a query string, in Chinese: the parameter it names when
/// the parser says which one, never the parser's English.
pub fn query_problem(r: &QueryRejection) -> String {
    let text = r.body_text();
    // The parser's text reads "Failed to deserialize query string: <field>: <reason>"
    // or "...: unknown field `<field>`, expected ...".
    let detail = text.split_once(": ").map(|(_, d)| d).unwrap_or("");
    let named = |s: &str| {
        !s.is_empty() && s.len() <= 40 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    };
    if let Some(field) = detail
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split_once('`'))
        .map(|(f, _)| f)
        .filter(|f| named(f))
    {
        return format!("查询参数不正确：不认识参数 {field}");
    }
    match detail.split_once(": ") {
        Some((field, _)) if named(field) => format!("查询参数不正确：参数 {field} 的值无法识别"),
        _ => "查询参数不正确，请检查地址栏中 ? 之后的内容".into(),
    }
}

/// The logged-in caller, from `Authorization: Bearer <token>`.
pub struct Caller(pub Session);

impl FromRequestParts<App> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        let token =
            bearer(parts).ok_or_else(|| ApiError::from(onestamp_app::AppError::Unauthenticated))?;
        let session = app.authenticate(token).await?;
        let span = tracing::Span::current();
        span.record("actor_id", session.user.id);
        span.record("actor_role", session.role_names().as_str());
        Ok(Caller(session))
    }
}

/// The bearer token of a request, if it carries one.
pub fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// A numeric id from the path; anything else names nothing, so it is 404 like an
/// unknown id (e.g. `/api/v1/cases/abc`).
pub fn path_id(raw: &str, what: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .map_err(|_| ApiError::new(Code::NotFound, format!("{what} {raw} 不存在")))
}

/// The largest page of any list, [`onestamp_app::cases::MAX_PAGE`].
pub const MAX_PAGE: u32 = onestamp_app::cases::MAX_PAGE;

/// The page size of a list: `default` when not given, a 400 naming the range
/// when outside `1..=max` (never quietly clamped, so that a client learns its
/// page is not the size it asked for).
pub fn page_size(limit: Option<u32>, default: u32, max: u32) -> Result<u32, ApiError> {
    match limit {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(n) => Err(ApiError::new(
            Code::BadQuery,
            format!("参数 limit 须在 1 到 {max} 之间，收到 {n}"),
        )),
    }
}

/// `?after=<cursor>&limit=<n>` of the task lists, which page in urgency order.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskPage {
    /// The cursor of the `Link: <…>; rel="next"` header of the previous page.
    pub after: Option<String>,
    /// Page size (default 200).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

impl TaskPage {
    /// The cursor, or a 400 naming it.
    pub fn key(&self) -> Result<Option<onestamp_app::store::TaskKey>, ApiError> {
        match self.after.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(v) => onestamp_app::store::TaskKey::parse(v)
                .map(Some)
                .ok_or_else(|| {
                    ApiError::new(
                        Code::BadQuery,
                        format!("参数 after 不是有效的翻页位置：{v}"),
                    )
                }),
        }
    }

    /// The page size, or a 400 when outside 1-200.
    pub fn limit(&self) -> Result<u32, ApiError> {
        page_size(self.limit, MAX_PAGE, MAX_PAGE)
    }
}

/// A task list page as JSON, with a `Link` header to the next page when this one is full.
pub fn task_page(
    path: &str,
    limit: u32,
    list: Vec<onestamp_app::store::CaseSummary>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let next = (list.len() as u32 >= limit)
        .then(|| list.last().map(onestamp_app::store::TaskKey::of))
        .flatten();
    let mut response = axum::Json(list).into_response();
    if let Some(key) = next {
        let link = format!(
            "<{path}?after={}&limit={}>; rel=\"next\"",
            key.encode(),
            limit
        );
        if let Ok(value) = axum::http::HeaderValue::from_str(&link) {
            response
                .headers_mut()
                .insert(axum::http::header::LINK, value);
        }
    }
    response
}

/// The address of the client at the other end of the connection, when the
/// server was started with connection info (it always is by [`crate::serve`]).
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let info = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>();
        Ok(ClientAddr(info.map(|c| c.0.ip())))
    }
}
