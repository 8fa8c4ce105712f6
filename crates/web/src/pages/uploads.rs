//! Forms that carry files (`multipart/form-data`): the application form online
//! and at the window, and the applicant's correction page. A file control is
//! named `u.<material code>` and may carry several files; a file already in
//! the library that the form keeps is `k.<material code>` (one per file, a
//! checkbox the applicant may untick to remove it); the text fields are the
//! form's other names. Each file is stored in the applicant's library through
//! the same use case as `POST /api/v1/materials`.

use std::collections::BTreeMap;

use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;
use axum::response::Response;

use onestamp_app::materials::{MAX_FILES_PER_MATERIAL, MaterialChoice};
use onestamp_app::{App, AppError};
use onestamp_domain::catalogue::Item;

use super::session::PageUser;

/// Most files one form takes at once (a theme's one set of materials is
/// larger than an item's).
pub const MAX_FILES: usize = 30;

/// One file posted for a material.
pub struct Upload {
    pub material: String,
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A multipart form as read: its text pairs and its files.
pub struct Multiform {
    pub pairs: Vec<(String, String)>,
    pub uploads: Vec<Upload>,
}

/// Reads a multipart form, each file bounded by the upload limit and the form
/// by [`MAX_FILES`]. A broken or oversized body is the page that says so.
pub async fn read(
    app: &App,
    user: &PageUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Multiform, Response> {
    let incomplete = || super::incomplete(app, user);
    let Ok(mut multipart) = multipart else {
        return Err(incomplete());
    };
    let limit = app.settings().max_upload_bytes;
    let mut out = Multiform {
        pairs: Vec::new(),
        uploads: Vec::new(),
    };
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => return Err(incomplete()),
        };
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let mut bytes = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(c)) => {
                    if bytes.len() + c.len() > limit {
                        return Err(super::too_large(app, limit));
                    }
                    bytes.extend_from_slice(&c);
                }
                Ok(None) => break,
                Err(_) => return Err(incomplete()),
            }
        }
        match (name.strip_prefix("u."), file_name) {
            (Some(code), Some(file)) => {
                // An empty file control posts an empty part: nothing chosen.
                if bytes.is_empty() || file.is_empty() {
                    continue;
                }
                if out.uploads.len() >= MAX_FILES {
                    return Err(super::error_page(
                        user.chrome(app),
                        AppError::invalid(format!("一次最多上传 {MAX_FILES} 个文件，请分次补充")),
                        None,
                    ));
                }
                out.uploads.push(Upload {
                    material: code.to_string(),
                    name: file,
                    bytes,
                });
            }
            _ => match String::from_utf8(bytes) {
                Ok(v) => out.pairs.push((name, v)),
                Err(_) => return Err(incomplete()),
            },
        }
    }
    Ok(out)
}

/// Reads a form posted either way: `multipart/form-data` with its files, or
/// URL-encoded (no files).
pub async fn read_any(
    app: &App,
    user: &PageUser,
    req: axum::extract::Request,
) -> Result<Multiform, Response> {
    use axum::extract::{Form, FromRequest};
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if multipart {
        read(app, user, Multipart::from_request(req, &()).await).await
    } else {
        match Form::<Vec<(String, String)>>::from_request(req, &()).await {
            Ok(Form(pairs)) => Ok(Multiform {
                pairs,
                uploads: Vec::new(),
            }),
            Err(_) => Err(super::incomplete(app, user)),
        }
    }
}

/// Stores each upload of a material of `item` in the library of `owner` (the
/// caller's own when `None`) and gives back the stored files by material, as
/// (hash, name). An upload for a material the item does not have is dropped.
pub async fn store(
    app: &App,
    user: &PageUser,
    item: &Item,
    uploads: Vec<Upload>,
    owner: Option<i64>,
) -> Result<BTreeMap<String, Vec<(String, String)>>, AppError> {
    let mut out: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for u in uploads {
        let Some(material) = item.materials.iter().find(|m| m.code == u.material) else {
            continue;
        };
        match app
            .upload_material(&user.session, &u.name, u.bytes, owner)
            .await
        {
            Ok(stored) => out
                .entry(u.material)
                .or_default()
                .push((stored.hash, stored.name)),
            Err(AppError::Invalid { message, problems }) => {
                return Err(AppError::Invalid {
                    message: format!("{}「{}」未能上传：{message}", material.name, u.name),
                    problems,
                });
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// What a form chose for each material: a licence or a library file from its
/// select (`licence:<id>`, `file:<hash>`), the files it kept, and the files
/// just uploaded. Files add up; a licence with files is passed on for the use
/// case to refuse.
pub fn choices(
    selected: &BTreeMap<String, String>,
    kept: &BTreeMap<String, Vec<String>>,
    uploaded: &BTreeMap<String, Vec<(String, String)>>,
) -> BTreeMap<String, MaterialChoice> {
    let mut out: BTreeMap<String, MaterialChoice> = BTreeMap::new();
    for (code, v) in selected {
        if let Some(id) = v.strip_prefix("licence:") {
            out.entry(code.clone()).or_default().licence = Some(id.to_string());
        } else if let Some(hash) = v.strip_prefix("file:") {
            out.entry(code.clone())
                .or_default()
                .files
                .push(hash.to_string());
        }
    }
    for (code, hashes) in kept {
        let c = out.entry(code.clone()).or_default();
        c.files.extend(hashes.iter().cloned());
    }
    for (code, files) in uploaded {
        let c = out.entry(code.clone()).or_default();
        c.files.extend(files.iter().map(|(h, _)| h.clone()));
    }
    for c in out.values_mut() {
        let mut seen = std::collections::BTreeSet::new();
        c.files.retain(|h| seen.insert(h.clone()));
    }
    out.retain(|_, c| c.licence.is_some() || !c.files.is_empty());
    out
}

/// The files a refused form keeps for the next try, by material: those it
/// kept and those it uploaded (already in the library).
pub fn kept_after(
    kept: &BTreeMap<String, Vec<String>>,
    uploaded: &BTreeMap<String, Vec<(String, String)>>,
) -> BTreeMap<String, Vec<String>> {
    let mut out = kept.clone();
    for (code, files) in uploaded {
        let list = out.entry(code.clone()).or_default();
        for (h, _) in files {
            if !list.contains(h) {
                list.push(h.clone());
            }
        }
    }
    out
}

/// The limits the form states before anything is uploaded.
pub fn limits_zh(app: &App) -> String {
    format!(
        "支持 PDF、JPG、PNG，单个文件不超过 {}，每项材料最多 {MAX_FILES_PER_MATERIAL} 个文件，一次最多 {MAX_FILES} 个",
        crate::extract::size_zh(app.settings().max_upload_bytes)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn selected_kept_and_uploaded_files_add_up_per_material() {
        let selected = map(&[("M01", "licence:L1"), ("M02", "file:a"), ("M03", "")]);
        let kept = BTreeMap::from([("M02".to_string(), vec!["b".to_string(), "a".to_string()])]);
        let uploaded = BTreeMap::from([(
            "M02".to_string(),
            vec![("c".to_string(), "c.png".to_string())],
        )]);
        let c = choices(&selected, &kept, &uploaded);
        assert_eq!(c.len(), 2, "M03 chose nothing");
        assert_eq!(c["M01"].licence.as_deref(), Some("L1"));
        assert_eq!(c["M02"].files, vec!["a", "b", "c"]);
        let after = kept_after(&kept, &uploaded);
        assert_eq!(after["M02"], vec!["b", "a", "c"]);
    }
}
