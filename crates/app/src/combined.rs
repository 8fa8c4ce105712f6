//! The combined licence of a theme (一企一证): one sealed licence listing each
//! permit of a bundle with its number, scope and validity, and its
//! verification showing each permit as it stands now.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use onestamp_certificate::LicenceDocument;
use onestamp_domain::case::Case;
use onestamp_domain::licence::Standing;
use onestamp_domain::validate::{
    CreditCode, LicenceId, LicenceSerial, LicenceTypeCode, LicenceVersion,
};

use crate::licences::{Sealed, holder_identity};
use crate::store::StoredLicence;
use crate::{App, AppError};

/// One permit of a combined licence as verification shows it.
#[derive(Debug, Clone, Serialize)]
pub struct PermitStanding {
    pub id: String,
    pub type_name: String,
    pub standing: Standing,
    pub standing_label: String,
    pub valid_until: Option<NaiveDate>,
}

impl App {
    /// The combined licence of a theme (一企一证) for the applicant of `case`:
    /// every permit with its number, scope and validity; valid until the first
    /// of them expires. Its `item_code` is the theme's.
    pub(crate) async fn seal_bundle_licence(
        &self,
        case: &Case,
        spec: &onestamp_domain::theme::CombinedLicence,
        theme_code: &str,
        theme_name: &str,
        permits: &[StoredLicence],
    ) -> Result<Sealed, AppError> {
        let today = self.today();
        let type_code = LicenceTypeCode::parse(&spec.type_code)
            .map_err(|e| AppError::sealing(format!("licence type code {}: {e}", spec.type_code)))?;
        let issuer_code = CreditCode::parse(&self.settings.bureau_credit_code)
            .map_err(|e| AppError::sealing(format!("the bureau's credit code: {e}")))?;
        let n = self
            .store
            .next_licence_serial(&spec.type_code, today.year())
            .await?;
        let serial = format!("{}{n:06}", today.year());
        let serial = LicenceSerial::parse(&serial)
            .map_err(|e| AppError::sealing(format!("licence serial {serial}: {e}")))?;
        let mut fields = Vec::new();
        for p in permits {
            let scope = LicenceDocument::from_canonical_bytes(p.canonical.as_bytes())
                .map(|d| d.scope)
                .unwrap_or_default();
            let until = p
                .valid_until
                .map_or_else(|| "长期".to_string(), onestamp_certificate::chinese_date);
            fields.push((
                p.type_name.clone(),
                format!("编号 {}；许可范围：{scope}；有效期至 {until}", p.id),
            ));
        }
        let doc = LicenceDocument {
            id: LicenceId::new(&type_code, &issuer_code, &serial, LicenceVersion::FIRST),
            type_code,
            type_name: spec.name.clone(),
            holder_name: case.applicant.name.clone(),
            holder_identity: holder_identity(case, today)?,
            scope: format!(
                "{theme_name}：含{}，共 {} 项许可",
                permits
                    .iter()
                    .map(|p| p.type_name.as_str())
                    .collect::<Vec<_>>()
                    .join("、"),
                permits.len()
            ),
            issuer: self.settings.bureau_name.clone(),
            issuer_code,
            issued_on: today,
            valid_until: permits.iter().filter_map(|p| p.valid_until).min(),
            fields,
        };
        self.sign_licence(&doc, case, theme_code, None)
    }

    /// The permits a combined licence lists, each as it stands now: revoking
    /// one shows here. Empty for any other licence.
    pub(crate) async fn permits_of(&self, id: &str) -> Result<Vec<PermitStanding>, AppError> {
        let Some(b) = self.store.bundle_of_licence(id).await? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for (case_id, _, _) in b.children.iter().filter_map(|c| c.case.as_ref()) {
            let Some(p) = self.store.licence_of_case(*case_id).await? else {
                continue;
            };
            let (standing, _) = self.standing_of(&p).await?;
            out.push(PermitStanding {
                id: p.id.clone(),
                type_name: p.type_name.clone(),
                standing,
                standing_label: standing.label_zh().to_string(),
                valid_until: p.valid_until,
            });
        }
        Ok(out)
    }
}
