//! The licence document (证照文书): the content of a licence that is signed and
//! printed. Its status (valid / expired / revoked) is deliberately not part of it:
//! status changes after sealing, the signed content never does.
//!
//! [`LicenceDocument::canonical_bytes`] is the one serialisation that is signed.
//! It is compact UTF-8 JSON with a fixed shape, pinned by a test:
//!
//! ```text
//! {"format":"onestamp-licence/1","licence":{"id":…,"type_code":…,"type_name":…,
//!  "holder_name":…,"holder_identity":{"kind":"credit_code"|"citizen_id","value":…},
//!  "scope":…,"issuer":…,"issuer_code":…,"issued_on":"YYYY-MM-DD",
//!  "valid_until":"YYYY-MM-DD"|null,"fields":[[label,value],…]}}
//! ```
//!
//! Keys appear in exactly that order, `fields` in the document's order, strings
//! exactly as given (no Unicode normalisation, non-ASCII unescaped). Any change to
//! any field changes the bytes. Keep the stored bytes next to the signature and
//! verify those bytes; [`LicenceDocument::from_canonical_bytes`] reads them back for
//! display. A change of shape needs a new `format` value.

use chrono::NaiveDate;
use onestamp_domain::validate::{CitizenId, CreditCode, LicenceId, LicenceTypeCode};
use serde::{Deserialize, Deserializer, Serialize};

use crate::CertificateError;

/// The `format` marker of the canonical serialisation.
pub const CANONICAL_FORMAT: &str = "onestamp-licence/1";

/// Who holds the licence: an organisation by its unified social credit code, or a
/// person by their citizen identity number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum HolderIdentity {
    CreditCode(CreditCode),
    #[serde(deserialize_with = "citizen_id")]
    CitizenId(CitizenId),
}

impl HolderIdentity {
    /// The label printed before the identity on the licence.
    pub fn label(&self) -> &'static str {
        match self {
            HolderIdentity::CreditCode(_) => "统一社会信用代码",
            HolderIdentity::CitizenId(_) => "公民身份号码",
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            HolderIdentity::CreditCode(code) => code.as_str(),
            HolderIdentity::CitizenId(id) => id.as_str(),
        }
    }
}

impl From<CreditCode> for HolderIdentity {
    fn from(code: CreditCode) -> Self {
        HolderIdentity::CreditCode(code)
    }
}

impl From<CitizenId> for HolderIdentity {
    fn from(id: CitizenId) -> Self {
        HolderIdentity::CitizenId(id)
    }
}

/// Re-checks a stored citizen ID. Its birth date was checked against the day of
/// issue when the licence was made; reading it back must not depend on today.
fn citizen_id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<CitizenId, D::Error> {
    let value = String::deserialize(deserializer)?;
    CitizenId::parse(&value, NaiveDate::MAX).map_err(serde::de::Error::custom)
}

/// The canonical content of a licence. See the [module documentation](self) for
/// what is signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenceDocument {
    /// GB/T 36904 identifier (证照标识), printed as 证照编号.
    pub id: LicenceId,
    /// Licence type code (证照类型代码); must equal the one inside `id`.
    pub type_code: LicenceTypeCode,
    /// Licence type name, the title of the printed licence, e.g. 食品经营许可证.
    pub type_name: String,
    /// 名称 / 姓名 of the holder.
    pub holder_name: String,
    pub holder_identity: HolderIdentity,
    /// 经营范围 / 许可范围; may be empty, then it is not printed.
    pub scope: String,
    /// Issuing authority's name (发证机关).
    pub issuer: String,
    /// Issuing authority's credit code; must equal the one inside `id`.
    pub issuer_code: CreditCode,
    pub issued_on: NaiveDate,
    /// Last day of validity; `None` is 长期 (no end).
    pub valid_until: Option<NaiveDate>,
    /// Further data items as (label, value), printed in this order.
    pub fields: Vec<(String, String)>,
}

#[derive(Serialize)]
struct CanonicalRef<'a> {
    format: &'static str,
    licence: &'a LicenceDocument,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CanonicalOwned {
    format: String,
    licence: LicenceDocument,
}

impl LicenceDocument {
    /// The bytes that are signed: see the [module documentation](self).
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let canonical = CanonicalRef {
            format: CANONICAL_FORMAT,
            licence: self,
        };
        // Serialising plain strings, dates and validated newtypes into a Vec
        // cannot fail; an empty result would fail every verification, never pass one.
        serde_json::to_vec(&canonical).unwrap_or_default()
    }

    /// Reads canonical bytes back (e.g. stored beside a signature, for display).
    /// Verify the signature over the stored bytes themselves, not over a
    /// re-serialisation of the result.
    pub fn from_canonical_bytes(bytes: &[u8]) -> Result<LicenceDocument, CertificateError> {
        let canonical: CanonicalOwned =
            serde_json::from_slice(bytes).map_err(|e| CertificateError::CanonicalFormat {
                reason: e.to_string(),
            })?;
        if canonical.format != CANONICAL_FORMAT {
            return Err(CertificateError::CanonicalFormat {
                reason: format!("unknown format {:?}", canonical.format),
            });
        }
        Ok(canonical.licence)
    }

    /// Checks what the types cannot: the identifier carries the document's type
    /// code and issuer code, and validity does not end before issue.
    pub fn check(&self) -> Result<(), CertificateError> {
        if self.id.type_code() != &self.type_code {
            return Err(CertificateError::Inconsistent {
                reason: "the identifier's type code is not the document's type code",
            });
        }
        if self.id.issuer() != &self.issuer_code {
            return Err(CertificateError::Inconsistent {
                reason: "the identifier's issuer code is not the document's issuer code",
            });
        }
        if self.valid_until.is_some_and(|until| until < self.issued_on) {
            return Err(CertificateError::Inconsistent {
                reason: "the validity ends before the date of issue",
            });
        }
        Ok(())
    }
}

/// A date as printed on a licence: `2026年11月22日`.
pub fn chinese_date(date: NaiveDate) -> String {
    date.format("%Y年%-m月%-d日").to_string()
}

/// The validity as printed on a licence: `2026年11月22日至2031年11月21日`, or
/// `长期` without an end.
pub fn validity_text(doc: &LicenceDocument) -> String {
    match doc.valid_until {
        Some(until) => format!("{}至{}", chinese_date(doc.issued_on), chinese_date(until)),
        None => "长期".to_owned(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use onestamp_domain::validate::{LicenceSerial, LicenceVersion};

    use super::*;

    pub(crate) fn sample() -> LicenceDocument {
        let type_code = LicenceTypeCode::parse("JY").unwrap();
        let issuer_code = CreditCode::parse("11510107MB1527601B").unwrap();
        let id = LicenceId::new(
            &type_code,
            &issuer_code,
            &LicenceSerial::parse("2026000123").unwrap(),
            LicenceVersion::FIRST,
        );
        LicenceDocument {
            id,
            type_code,
            type_name: "食品经营许可证".to_owned(),
            holder_name: "成都锦江书香文化有限公司".to_owned(),
            holder_identity: CreditCode::parse("91510107MA6C11110G").unwrap().into(),
            scope: "预包装食品销售（含冷藏冷冻食品）；散装食品销售（不含冷藏冷冻食品）；\
                    热食类食品制售；冷食类食品制售；自制饮品制售（不含使用压力容器制作饮品）"
                .to_owned(),
            issuer: "成都市武侯区行政审批局".to_owned(),
            issuer_code,
            issued_on: NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
            valid_until: NaiveDate::from_ymd_opt(2031, 11, 21),
            fields: vec![
                ("法定代表人（负责人）".to_owned(), "李书香".to_owned()),
                (
                    "住所".to_owned(),
                    "四川省成都市武侯区玉林北路2号附1号".to_owned(),
                ),
                (
                    "经营场所".to_owned(),
                    "四川省成都市武侯区玉林北路2号附1号".to_owned(),
                ),
                (
                    "主体业态".to_owned(),
                    "食品销售经营者（网络经营）".to_owned(),
                ),
            ],
        }
    }

    #[test]
    fn the_canonical_form_is_pinned() {
        let mut doc = sample();
        doc.scope = "预包装食品销售".to_owned();
        doc.fields.truncate(1);
        let expected = format!(
            concat!(
                r#"{{"format":"onestamp-licence/1","licence":{{"id":"{}","type_code":"JY","#,
                r#""type_name":"食品经营许可证","holder_name":"成都锦江书香文化有限公司","#,
                r#""holder_identity":{{"kind":"credit_code","value":"91510107MA6C11110G"}},"#,
                r#""scope":"预包装食品销售","issuer":"成都市武侯区行政审批局","#,
                r#""issuer_code":"11510107MB1527601B","issued_on":"2026-11-22","#,
                r#""valid_until":"2031-11-21","fields":[["法定代表人（负责人）","李书香"]]}}}}"#
            ),
            doc.id
        );
        assert_eq!(String::from_utf8(doc.canonical_bytes()).unwrap(), expected);
    }

    #[test]
    fn the_canonical_bytes_change_when_any_field_changes() {
        let base = sample();
        let other_holder = CreditCode::parse("11510107MB1527601B").unwrap();
        type Change = Box<dyn Fn(&mut LicenceDocument)>;
        let changes: Vec<(&str, Change)> = vec![
            (
                "id",
                Box::new(|d| {
                    d.id = LicenceId::new(
                        &d.type_code,
                        &d.issuer_code,
                        &LicenceSerial::parse("2026000124").unwrap(),
                        LicenceVersion::FIRST,
                    )
                }),
            ),
            (
                "type_code",
                Box::new(|d| d.type_code = LicenceTypeCode::parse("JY2").unwrap()),
            ),
            ("type_name", Box::new(|d| d.type_name.push('X'))),
            (
                "holder_name",
                Box::new(|d| d.holder_name = "成都锦江书香文化有限责任公司".into()),
            ),
            (
                "holder_identity",
                Box::new(move |d| d.holder_identity = other_holder.clone().into()),
            ),
            ("scope", Box::new(|d| d.scope.push('。'))),
            ("issuer", Box::new(|d| d.issuer.push(' '))),
            (
                "issuer_code",
                Box::new(|d| d.issuer_code = CreditCode::parse("91510107MA6C11110G").unwrap()),
            ),
            (
                "issued_on",
                Box::new(|d| d.issued_on = d.issued_on.succ_opt().unwrap()),
            ),
            ("valid_until", Box::new(|d| d.valid_until = None)),
            ("field value", Box::new(|d| d.fields[0].1 = "李书".into())),
            ("field label", Box::new(|d| d.fields[0].0 = "负责人".into())),
            ("field order", Box::new(|d| d.fields.swap(0, 1))),
            (
                "field removed",
                Box::new(|d| {
                    d.fields.pop();
                }),
            ),
        ];
        for (what, change) in changes {
            let mut doc = base.clone();
            change(&mut doc);
            assert_ne!(doc, base, "{what} changed nothing");
            assert_ne!(doc.canonical_bytes(), base.canonical_bytes(), "{what}");
        }
    }

    #[test]
    fn canonical_bytes_read_back_to_the_same_document() {
        let doc = sample();
        let bytes = doc.canonical_bytes();
        assert_eq!(LicenceDocument::from_canonical_bytes(&bytes).unwrap(), doc);
        let citizen = LicenceDocument {
            holder_identity: CitizenId::parse("11010519491231002X", doc.issued_on)
                .unwrap()
                .into(),
            ..doc
        };
        let bytes = citizen.canonical_bytes();
        assert!(
            String::from_utf8_lossy(&bytes)
                .contains(r#"{"kind":"citizen_id","value":"11010519491231002X"}"#)
        );
        assert_eq!(
            LicenceDocument::from_canonical_bytes(&bytes).unwrap(),
            citizen
        );
        let other_format = String::from_utf8(bytes).unwrap().replace("/1", "/2");
        assert!(LicenceDocument::from_canonical_bytes(other_format.as_bytes()).is_err());
    }

    #[test]
    fn check_finds_an_identifier_that_contradicts_the_document() {
        let mut doc = sample();
        assert!(doc.check().is_ok());
        doc.type_code = LicenceTypeCode::parse("XK").unwrap();
        assert!(doc.check().is_err());
        let mut doc = sample();
        doc.issuer_code = CreditCode::parse("91510107MA6C11110G").unwrap();
        assert!(doc.check().is_err());
        let mut doc = sample();
        doc.valid_until = doc.issued_on.pred_opt();
        assert!(doc.check().is_err());
    }

    #[test]
    fn dates_print_the_chinese_way() {
        let doc = sample();
        assert_eq!(chinese_date(doc.issued_on), "2026年11月22日");
        assert_eq!(validity_text(&doc), "2026年11月22日至2031年11月21日");
        let forever = LicenceDocument {
            valid_until: None,
            ..doc
        };
        assert_eq!(validity_text(&forever), "长期");
    }
}
