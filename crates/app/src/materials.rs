//! The materials library (电子材料库): files an applicant uploads once, kept by
//! content (SM3) and bounded in size and type, reusable in later cases; and the
//! check of materials given by reference (a licence or a stored file).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use sm3::{Digest, Sm3};

use onestamp_domain::case::{FileRef, MaterialRef, UserId};
use onestamp_domain::catalogue::{FieldType, Item};
use onestamp_domain::licence::{Standing, may_stand_in};
use onestamp_domain::role::Role;
use onestamp_domain::text::{self, Lines};

use crate::auth::Session;
use crate::store::MaterialFile;
use crate::{App, AppError};

/// A material given by reference in an application: a licence, or one or
/// more files of the applicant's library (never both).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaterialChoice {
    /// Id of a licence of the applicant that stands in for the material.
    #[serde(default)]
    pub licence: Option<String>,
    /// Hash of a file in the applicant's materials library.
    #[serde(default)]
    pub file: Option<String>,
    /// Hashes of several files of the library (e.g. one per scanned page).
    #[serde(default)]
    pub files: Vec<String>,
}

/// Most files one material may consist of.
pub const MAX_FILES_PER_MATERIAL: usize = 10;

/// The kind of an uploaded file, by its whole content: a PDF must begin with its
/// header and end with its trailer, a PNG run from its signature through its
/// `IHDR` to its `IEND`, a JPEG from start-of-image to end-of-image; and none may
/// carry HTML or script that a browser could be led to run. The error is for the
/// person who uploaded it.
fn content_kind(bytes: &[u8]) -> Result<&'static str, &'static str> {
    const ACCEPTED: &str = "只接受 PDF、JPEG 或 PNG 文件";
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    let kind = if bytes.starts_with(b"%PDF-") {
        if !(contains(tail, b"%%EOF") && contains(tail, b"startxref")) {
            return Err("PDF 文件不完整（缺少文件尾），请重新导出后上传");
        }
        "application/pdf"
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        let iend = [b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82];
        if bytes.get(12..16) != Some(b"IHDR") || !bytes.ends_with(&iend) {
            return Err("PNG 图片不完整或已损坏");
        }
        "image/png"
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        let end = bytes
            .iter()
            .rposition(|b| *b != 0)
            .map_or(&bytes[..0], |last| &bytes[..=last]);
        if !end.ends_with(&[0xFF, 0xD9]) {
            return Err("JPEG 图片不完整或已损坏");
        }
        "image/jpeg"
    } else {
        return Err(ACCEPTED);
    };
    if carries_markup(bytes) {
        return Err("文件中夹带网页代码，不予接收");
    }
    Ok(kind)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Whether the bytes hold an HTML document or script tag, in any letter case.
fn carries_markup(bytes: &[u8]) -> bool {
    const TAGS: [&[u8]; 5] = [
        b"<script",
        b"<html",
        b"<!doctype html",
        b"<iframe",
        b"<body",
    ];
    bytes.iter().enumerate().any(|(i, b)| {
        *b == b'<'
            && TAGS.iter().any(|tag| {
                bytes
                    .get(i..i + tag.len())
                    .is_some_and(|w| w.eq_ignore_ascii_case(tag))
            })
    })
}

/// Writes a file's bytes under `path` durably: into a temporary file of a
/// unique name beside it, flushed to disk, renamed into place, and the
/// directory flushed, so that a crash leaves either no file or the whole file
/// and two uploads of the same content never share a temporary name.
fn store_durably(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("material path without a directory"))?;
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".upload-")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    std::fs::File::open(dir)?.sync_all()
}

/// Only a clerk acts in an applicant's materials library at the window.
fn window_clerk(session: &Session) -> Result<(), AppError> {
    if session.has(Role::Clerk) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "只有窗口受理员可以代申请人查看或上传材料".into(),
        ))
    }
}

/// What the applicant's licences can fill in for an item.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Prefill {
    /// Form values taken from licences, by field key.
    pub form: serde_json::Map<String, serde_json::Value>,
    /// For each material a licence can stand in for, the licences that can.
    pub materials: BTreeMap<String, Vec<String>>,
}

impl App {
    fn material_path(&self, hash: &str) -> PathBuf {
        let (dir, _) = hash.split_at(2.min(hash.len()));
        self.settings
            .data_dir
            .join("materials")
            .join(dir)
            .join(hash)
    }

    /// Stores an uploaded file in an applicant's library (or an inspector's site
    /// photo): PDF, JPEG or PNG, at
    /// most the configured size. The same content uploaded twice is stored once.
    /// An applicant uploads for themselves (`for_applicant` `None`); a clerk at
    /// the window for the applicant named, who owns the file, which is recorded
    /// as uploaded by the clerk.
    pub async fn upload_material(
        &self,
        session: &Session,
        name: &str,
        bytes: Vec<u8>,
        for_applicant: Option<UserId>,
    ) -> Result<MaterialFile, AppError> {
        let owner = match for_applicant {
            None => {
                // An inspector's site photos are the inspector's own.
                session.require(&[Role::Applicant, Role::Inspector])?;
                session.user.id
            }
            Some(id) => {
                window_clerk(session)?;
                self.applicant_account(id).await?.id
            }
        };
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 || name.contains(['/', '\\']) {
            return Err(AppError::invalid("文件名须为 1-200 个字符，且不含路径"));
        }
        if let Some(reason) = text::forbidden(name, Lines::One) {
            return Err(AppError::invalid(format!("文件名{reason}")));
        }
        if bytes.is_empty() {
            return Err(AppError::invalid("文件为空"));
        }
        if bytes.len() > self.settings.max_upload_bytes {
            return Err(AppError::invalid(format!(
                "文件超过 {} MB",
                self.settings.max_upload_bytes / 1024 / 1024
            )));
        }
        let content_type = content_kind(&bytes).map_err(AppError::invalid)?;
        let hash = hex::encode(Sm3::digest(&bytes));
        let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        let path = self.material_path(&hash);
        if tokio::fs::metadata(&path).await.is_err() {
            let target = path.clone();
            tokio::task::spawn_blocking(move || store_durably(&target, &bytes))
                .await
                .map_err(std::io::Error::other)
                .and_then(|written| written)
                .map_err(|e| {
                    AppError::Store(crate::store::StoreError::database(format!(
                        "materials directory: {e}"
                    )))
                })?;
        }
        let file = MaterialFile {
            hash,
            owner,
            name: name.to_string(),
            content_type: content_type.to_string(),
            size,
            uploaded_at: self.clock.now(),
            uploaded_by: session.user.id,
        };
        self.store.save_material(&file).await?;
        // The same content uploaded again is the file already kept, as first named.
        let file = self
            .store
            .material(file.owner, &file.hash)
            .await?
            .unwrap_or(file);
        tracing::info!(material = %file.hash, size = file.size, owner = file.owner, actor_id = session.user.id, actor = %session.user.username, actor_role = %session.role_names(), "material uploaded");
        Ok(file)
    }

    pub async fn my_materials(&self, session: &Session) -> Result<Vec<MaterialFile>, AppError> {
        session.require(&[Role::Applicant])?;
        Ok(self.store.materials_of(session.user.id, 200).await?)
    }

    /// The materials library of the applicant a clerk serves at the window, to
    /// cite their stored files (一窗受理).
    pub async fn applicant_materials(
        &self,
        session: &Session,
        applicant: UserId,
    ) -> Result<Vec<MaterialFile>, AppError> {
        window_clerk(session)?;
        let owner = self.applicant_account(applicant).await?.id;
        Ok(self.store.materials_of(owner, 200).await?)
    }

    /// What the valid licences of the applicant a clerk serves at the window
    /// fill in for an item (免填写, 免提交), as [`App::prefill`] for applicants.
    pub async fn prefill_for(
        &self,
        session: &Session,
        item_code: &str,
        applicant: UserId,
    ) -> Result<Prefill, AppError> {
        window_clerk(session)?;
        let holder = self.applicant_account(applicant).await?.id;
        self.prefill_of(item_code, holder).await
    }

    /// A stored file: its owner may fetch it, and handling staff through a case
    /// that references it.
    pub async fn material_content(
        &self,
        session: &Session,
        hash: &str,
        case_id: Option<i64>,
    ) -> Result<(MaterialFile, Vec<u8>), AppError> {
        let not_found = || AppError::NotFound(format!("材料 {hash} "));
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(not_found());
        }
        let owner = match case_id {
            Some(id) if session.is_staff() => {
                let case = self.visible_case(session, id).await?;
                let referenced = case
                    .materials
                    .values()
                    .any(|m| m.files().iter().any(|(h, _)| *h == hash));
                if referenced {
                    case.applicant.user_id
                } else {
                    // A photo of the case's inspection record (踏勘记录).
                    self.inspection_photo_owner(case.id, hash)
                        .await?
                        .ok_or_else(not_found)?
                }
            }
            _ => session.user.id,
        };
        let file = self
            .store
            .material(owner, hash)
            .await?
            .ok_or_else(not_found)?;
        let bytes = tokio::fs::read(self.material_path(hash))
            .await
            .map_err(|_| not_found())?;
        Ok((file, bytes))
    }

    /// Checks each material given by reference and turns it into the case's record.
    pub(crate) async fn material_refs(
        &self,
        item: &Item,
        applicant: UserId,
        given: &BTreeMap<String, MaterialChoice>,
    ) -> Result<BTreeMap<String, MaterialRef>, AppError> {
        let mut out = BTreeMap::new();
        let bad = |code: &str, msg: String| AppError::Invalid {
            message: format!("材料 {code}：{msg}"),
            problems: vec![onestamp_domain::error::FieldProblem {
                field: format!("materials.{code}"),
                message: msg,
            }],
        };
        for (code, choice) in given {
            let material = item
                .materials
                .iter()
                .find(|m| &m.code == code)
                .ok_or_else(|| bad(code, "不是该事项的申请材料".into()))?;
            let mut hashes: Vec<&String> = choice.file.iter().chain(&choice.files).collect();
            let mut seen = std::collections::BTreeSet::new();
            hashes.retain(|h| seen.insert(*h));
            if hashes.len() > MAX_FILES_PER_MATERIAL {
                return Err(bad(
                    code,
                    format!("每项材料最多 {MAX_FILES_PER_MATERIAL} 个文件"),
                ));
            }
            let r = match (&choice.licence, hashes.is_empty()) {
                (Some(id), true) => {
                    let l = self
                        .store
                        .licence(id)
                        .await?
                        .ok_or_else(|| bad(code, format!("证照 {id} 不存在")))?;
                    let (standing, _) = self.standing_of(&l).await?;
                    may_stand_in(
                        material,
                        &l.type_code,
                        l.holder_user_id,
                        applicant,
                        standing,
                    )
                    .map_err(|e| bad(code, e.to_string()))?;
                    MaterialRef::Licence {
                        id: l.id,
                        type_name: l.type_name,
                    }
                }
                (None, false) => {
                    let mut files = Vec::new();
                    for hash in hashes {
                        let f = self
                            .store
                            .material(applicant, hash)
                            .await?
                            .ok_or_else(|| bad(code, "材料库中没有该文件".into()))?;
                        files.push(FileRef {
                            hash: f.hash,
                            name: f.name,
                        });
                    }
                    MaterialRef::of_files(files).ok_or_else(|| bad(code, "须给出文件".into()))?
                }
                _ => {
                    return Err(bad(code, "须且只能给出 licence 或 file/files 之一".into()));
                }
            };
            out.insert(code.clone(), r);
        }
        Ok(out)
    }

    /// What the applicant's valid licences can fill in for an item (免填写, 免提交).
    pub async fn prefill(&self, session: &Session, item_code: &str) -> Result<Prefill, AppError> {
        session.require(&[Role::Applicant])?;
        self.prefill_of(item_code, session.user.id).await
    }

    async fn prefill_of(&self, item_code: &str, holder: UserId) -> Result<Prefill, AppError> {
        let item = self.get_item(item_code).await?.item;
        let held = self.valid_licences_of(holder).await?;
        let mut out = Prefill::default();
        for (l, doc) in &held {
            for m in item
                .materials
                .iter()
                .filter(|m| m.licence_types.contains(&l.type_code))
            {
                if may_stand_in(m, &l.type_code, l.holder_user_id, holder, Standing::Valid).is_ok()
                {
                    out.materials
                        .entry(m.code.clone())
                        .or_default()
                        .push(l.id.clone());
                }
            }
            for f in &item.form {
                if out.form.contains_key(&f.key) {
                    continue;
                }
                let value = match f.field_type {
                    FieldType::CreditCode if !l.holder_is_person => {
                        Some(doc.holder_identity.as_str().to_string())
                    }
                    _ if f.key == "entity_name" => Some(doc.holder_name.clone()),
                    _ => doc
                        .fields
                        .iter()
                        .find(|(label, _)| *label == f.label)
                        .map(|(_, v)| v.clone()),
                };
                if let Some(v) = value.filter(|v| !v.is_empty()) {
                    let v = match f.field_type {
                        FieldType::Number => v.parse::<f64>().ok().map(serde_json::Value::from),
                        _ => Some(serde_json::Value::String(v)),
                    };
                    if let Some(v) = v {
                        out.form.insert(f.key.clone(), v);
                    }
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pdf(body: &[u8]) -> Vec<u8> {
        [b"%PDF-1.7\n".as_slice(), body, b"\nstartxref\n9\n%%EOF\n"].concat()
    }

    #[test]
    fn whole_files_of_the_three_kinds_pass() {
        assert_eq!(
            content_kind(&pdf(b"1 0 obj<<>>endobj")),
            Ok("application/pdf")
        );
        let png = [
            &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13][..],
            b"IHDR0123456789abc",
            &[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82],
        ]
        .concat();
        assert_eq!(content_kind(&png), Ok("image/png"));
        assert_eq!(
            content_kind(&[0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 0xFF, 0xD9, 0]),
            Ok("image/jpeg")
        );
    }

    #[test]
    fn a_pdf_header_before_html_is_refused() {
        assert!(content_kind(b"%PDF-1.4\n<html><script>alert(1)</script></html>").is_err());
        assert!(content_kind(&pdf(b"<HTML><body onload=x()>")).is_err());
        assert!(content_kind(&pdf(b"<ScRiPt>x</script>")).is_err());
    }

    #[test]
    fn truncated_images_and_other_kinds_are_refused() {
        assert!(content_kind(&[0xFF, 0xD8, 0xFF, 0xE0, 1, 2]).is_err());
        assert!(content_kind(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0]).is_err());
        assert!(content_kind(b"GIF89a").is_err());
        assert!(content_kind(b"").is_err());
    }

    #[test]
    fn two_writes_of_one_file_both_succeed_and_leave_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ab").join("abcdef");
        store_durably(&path, b"one").unwrap();
        store_durably(&path, b"one").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        let left: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(left.len(), 1);
    }
}
