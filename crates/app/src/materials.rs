//! The materials library (电子材料库): files an applicant uploads once, kept by
//! content (SM3) and bounded in size and type, reusable in later cases; and the
//! check of materials given by reference (a licence or a stored file).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use sm3::{Digest, Sm3};

use onestamp_domain::case::{MaterialRef, UserId};
use onestamp_domain::catalogue::{FieldType, Item};
use onestamp_domain::licence::{Standing, may_stand_in};
use onestamp_domain::role::Role;

use crate::auth::Session;
use crate::store::MaterialFile;
use crate::{App, AppError};

/// A material given by reference in an application: exactly one of the two.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaterialChoice {
    /// Id of a licence of the applicant that stands in for the material.
    #[serde(default)]
    pub licence: Option<String>,
    /// Hash of a file in the applicant's materials library.
    #[serde(default)]
    pub file: Option<String>,
}

/// The kinds of file accepted, by their first bytes.
fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else {
        None
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

    /// Stores an uploaded file for the applicant: PDF, JPEG or PNG, at most the
    /// configured size. The same content uploaded twice is stored once.
    pub async fn upload_material(
        &self,
        session: &Session,
        name: &str,
        bytes: Vec<u8>,
    ) -> Result<MaterialFile, AppError> {
        session.require(&[Role::Applicant])?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 || name.contains(['/', '\\']) {
            return Err(AppError::invalid("文件名须为 1-200 个字符，且不含路径"));
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
        let content_type =
            sniff(&bytes).ok_or_else(|| AppError::invalid("只接受 PDF、JPEG 或 PNG 文件"))?;
        let hash = hex::encode(Sm3::digest(&bytes));
        let path = self.material_path(&hash);
        if tokio::fs::metadata(&path).await.is_err() {
            let dir = path.parent().map(|p| p.to_path_buf()).unwrap_or_default();
            let io = |e: std::io::Error| {
                AppError::Store(crate::store::StoreError::database(format!(
                    "materials directory: {e}"
                )))
            };
            tokio::fs::create_dir_all(&dir).await.map_err(io)?;
            // Write beside, then rename: a reader never sees half a file.
            let tmp = dir.join(format!(".{hash}.{}", std::process::id()));
            tokio::fs::write(&tmp, &bytes).await.map_err(io)?;
            tokio::fs::rename(&tmp, &path).await.map_err(io)?;
        }
        let file = MaterialFile {
            hash,
            owner: session.user.id,
            name: name.to_string(),
            content_type: content_type.to_string(),
            size: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            uploaded_at: self.clock.now(),
        };
        self.store.save_material(&file).await?;
        tracing::info!(material = %file.hash, size = file.size, actor_id = session.user.id, actor = %session.user.username, actor_role = %session.role_names(), "material uploaded");
        Ok(file)
    }

    pub async fn my_materials(&self, session: &Session) -> Result<Vec<MaterialFile>, AppError> {
        session.require(&[Role::Applicant])?;
        Ok(self.store.materials_of(session.user.id, 200).await?)
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
                    .any(|m| matches!(m, MaterialRef::File { hash: h, .. } if h == hash));
                if !referenced {
                    return Err(not_found());
                }
                case.applicant.user_id
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
            let r = match (&choice.licence, &choice.file) {
                (Some(id), None) => {
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
                (None, Some(hash)) => {
                    let f = self
                        .store
                        .material(applicant, hash)
                        .await?
                        .ok_or_else(|| bad(code, "材料库中没有该文件".into()))?;
                    MaterialRef::File {
                        hash: f.hash,
                        name: f.name,
                    }
                }
                _ => return Err(bad(code, "须且只能给出 licence 或 file 之一".into())),
            };
            out.insert(code.clone(), r);
        }
        Ok(out)
    }

    /// What the applicant's valid licences can fill in for an item (免填写, 免提交).
    pub async fn prefill(&self, session: &Session, item_code: &str) -> Result<Prefill, AppError> {
        session.require(&[Role::Applicant])?;
        let item = self.get_item(item_code).await?.item;
        let held = self.valid_licences_of(session.user.id).await?;
        let mut out = Prefill::default();
        for (l, doc) in &held {
            for m in item
                .materials
                .iter()
                .filter(|m| m.licence_types.contains(&l.type_code))
            {
                if may_stand_in(
                    m,
                    &l.type_code,
                    l.holder_user_id,
                    session.user.id,
                    Standing::Valid,
                )
                .is_ok()
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
