//! Licences (电子证照) as the domain sees them: status, standing on a given day,
//! validity, and whether a licence may stand in for a material (证照复用, 免提交).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::case::UserId;
use crate::catalogue::Material;

/// What an officer did to a licence after issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum LicenceStatus {
    Valid,
    /// 吊销/撤销/注销, with the reason.
    Revoked {
        reason: String,
    },
    /// 变更/补证: replaced by a newer version.
    Replaced {
        by: String,
        reason: String,
    },
}

impl LicenceStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            LicenceStatus::Valid => "valid",
            LicenceStatus::Revoked { .. } => "revoked",
            LicenceStatus::Replaced { .. } => "replaced",
        }
    }
}

/// The standing of a licence as verification reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    Valid,
    Expired,
    Revoked,
    /// The signature does not match the content: forged or altered.
    NotGenuine,
}

impl Standing {
    pub fn label_zh(self) -> &'static str {
        match self {
            Standing::Valid => "有效",
            Standing::Expired => "已过期",
            Standing::Revoked => "已撤销或已换发",
            Standing::NotGenuine => "非真实证照（签章验证未通过）",
        }
    }
}

/// Standing of a genuine licence on `today`.
pub fn standing(
    status: &LicenceStatus,
    valid_until: Option<NaiveDate>,
    today: NaiveDate,
) -> Standing {
    match status {
        LicenceStatus::Revoked { .. } | LicenceStatus::Replaced { .. } => Standing::Revoked,
        LicenceStatus::Valid if valid_until.is_some_and(|u| u < today) => Standing::Expired,
        LicenceStatus::Valid => Standing::Valid,
    }
}

/// Last day of validity of a licence issued on `issued_on` for `years` (None: 长期).
pub fn valid_until(issued_on: NaiveDate, years: Option<u32>) -> Option<NaiveDate> {
    let years = years?;
    let year = issued_on.year().checked_add(i32::try_from(years).ok()?)?;
    // 29 February in a non-leap target year runs to 28 February.
    let same_day = issued_on
        .with_year(year)
        .or_else(|| NaiveDate::from_ymd_opt(year, issued_on.month(), 28))?;
    same_day.pred_opt()
}

/// The last day of a renewal (延续) of a licence that runs to `old_until`: the
/// renewal continues from the day after, for `years`.
pub fn renewal_valid_until(old_until: NaiveDate, years: Option<u32>) -> Option<NaiveDate> {
    valid_until(old_until.succ_opt()?, years)
}

/// The holder's reminder that a licence expires soon (临期提醒): subject and body.
pub fn expiry_reminder(
    type_name: &str,
    id: &str,
    valid_until: Option<NaiveDate>,
) -> (String, String) {
    let until = valid_until
        .map(|d| d.format("%Y年%m月%d日").to_string())
        .unwrap_or_default();
    (
        format!("{type_name}即将到期"),
        format!("您的{type_name}（编号 {id}）将于 {until} 到期，如需继续经营请及时办理延续。"),
    )
}

/// Why a licence may not stand in for a material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReuseRefused {
    #[error("材料 {material} 不接受证照代替")]
    NotAccepted { material: String },
    #[error("证照类型 {type_code} 不能代替材料 {material}")]
    WrongType { material: String, type_code: String },
    #[error("只能引用本人持有的证照")]
    NotHolder,
    #[error("所引用的证照{0}")]
    NotValid(&'static str),
}

/// Whether the licence of `type_code` held by `holder` may stand in for `material`
/// in an application of `applicant` on a day when it has `standing`.
pub fn may_stand_in(
    material: &Material,
    type_code: &str,
    holder: UserId,
    applicant: UserId,
    standing: Standing,
) -> Result<(), ReuseRefused> {
    if material.licence_types.is_empty() {
        return Err(ReuseRefused::NotAccepted {
            material: material.code.clone(),
        });
    }
    if !material.licence_types.iter().any(|t| t == type_code) {
        return Err(ReuseRefused::WrongType {
            material: material.code.clone(),
            type_code: type_code.to_string(),
        });
    }
    if holder != applicant {
        return Err(ReuseRefused::NotHolder);
    }
    match standing {
        Standing::Valid => Ok(()),
        Standing::Expired => Err(ReuseRefused::NotValid("已过期")),
        Standing::Revoked => Err(ReuseRefused::NotValid("已撤销")),
        Standing::NotGenuine => Err(ReuseRefused::NotValid("签章验证未通过")),
    }
}

pub use crate::privacy::mask_person_name;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{MaterialForm, Requirement};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn material(types: &[&str]) -> Material {
        Material {
            code: "M02".into(),
            name: "营业执照".into(),
            requirement: Requirement::Required,
            condition: None,
            form: MaterialForm::Copy,
            copies: 1,
            licence_types: types.iter().map(|s| s.to_string()).collect(),
            note: None,
            sample: None,
        }
    }

    #[test]
    fn validity_runs_to_the_day_before_the_anniversary() {
        assert_eq!(valid_until(d("2026-03-02"), Some(5)), Some(d("2031-03-01")));
        assert_eq!(valid_until(d("2028-02-29"), Some(1)), Some(d("2029-02-27")));
        assert_eq!(valid_until(d("2026-03-02"), None), None);
    }

    #[test]
    fn a_renewal_continues_from_the_old_expiry() {
        assert_eq!(
            renewal_valid_until(d("2031-03-01"), Some(5)),
            Some(d("2036-03-01"))
        );
        assert_eq!(renewal_valid_until(d("2031-03-01"), None), None);
    }

    #[test]
    fn standing_follows_status_and_date() {
        assert_eq!(
            standing(
                &LicenceStatus::Valid,
                Some(d("2026-12-31")),
                d("2026-12-31")
            ),
            Standing::Valid
        );
        assert_eq!(
            standing(
                &LicenceStatus::Valid,
                Some(d("2026-12-31")),
                d("2027-01-01")
            ),
            Standing::Expired
        );
        assert_eq!(
            standing(&LicenceStatus::Valid, None, d("2099-01-01")),
            Standing::Valid
        );
        let revoked = LicenceStatus::Revoked {
            reason: "以欺骗手段取得".into(),
        };
        assert_eq!(standing(&revoked, None, d("2026-01-01")), Standing::Revoked);
    }

    #[test]
    fn only_the_holders_valid_licence_of_an_accepted_type_stands_in() {
        let m = material(&["YYZZ", "GTYYZZ"]);
        assert_eq!(may_stand_in(&m, "YYZZ", 7, 7, Standing::Valid), Ok(()));
        assert!(matches!(
            may_stand_in(&m, "SPJY", 7, 7, Standing::Valid),
            Err(ReuseRefused::WrongType { .. })
        ));
        assert_eq!(
            may_stand_in(&m, "YYZZ", 8, 7, Standing::Valid),
            Err(ReuseRefused::NotHolder)
        );
        assert!(matches!(
            may_stand_in(&m, "YYZZ", 7, 7, Standing::Expired),
            Err(ReuseRefused::NotValid(_))
        ));
        assert!(matches!(
            may_stand_in(&material(&[]), "YYZZ", 7, 7, Standing::Valid),
            Err(ReuseRefused::NotAccepted { .. })
        ));
    }

    #[test]
    fn person_names_are_masked_for_the_public() {
        assert_eq!(mask_person_name("张三"), "张*");
        assert_eq!(mask_person_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_person_name("李"), "李*");
    }
}
