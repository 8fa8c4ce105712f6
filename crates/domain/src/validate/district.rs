//! The bureau's district — Wuhou District, Chengdu (成都市武侯区, 510107) — and the
//! check "is this address in the district", used by rules such as "the business
//! premises lie in the district".
//!
//! The street list is `data/district_510107.json`, embedded at compile time. An
//! address is in the district when it names the district (`武侯区`) anywhere, or
//! when, after an optional country, province and city (`四川省成都市`), it begins
//! with one of the district's streets. Anchoring street names there keeps a street
//! of the same name in another city from passing, and refuses an address that names
//! another district first. Streets administered by the Chengdu High-tech Zone
//! (高新区托管) are not the district's for this purpose: their applications go to
//! the zone's own bureau. Whitespace, including full-width spaces, is ignored.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::ValidationError;

const DATA: &str = include_str!("../../data/district_510107.json");

static HOME: LazyLock<District> =
    LazyLock::new(|| serde_json::from_str(DATA).unwrap_or_else(|_| District::name_only()));

/// A county-level district and its streets (街道).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct District {
    /// GB/T 2260 code, e.g. `510107`.
    pub code: String,
    /// e.g. `武侯区`.
    pub name: String,
    /// e.g. `成都市`.
    pub city: String,
    /// e.g. `四川省`.
    pub province: String,
    /// Provenance and caveats of the list.
    #[serde(default)]
    pub note: String,
    pub streets: Vec<Street>,
    /// Streets within the district's historical bounds that the Chengdu High-tech
    /// Zone administers; not accepted as naming the district.
    #[serde(default)]
    pub entrusted_to_high_tech_zone: Vec<String>,
}

/// A street (街道) of the district, possibly merged into another since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Street {
    /// Full name with the `街道` suffix, e.g. `玉林街道`.
    pub name: String,
    /// The street it was merged into, if it no longer exists.
    #[serde(default)]
    pub merged_into: Option<String>,
    /// When it was merged, `YYYY-MM`.
    #[serde(default)]
    pub since: Option<String>,
}

/// The bureau's district, Wuhou District of Chengdu.
///
/// The embedded file is checked by a unit test; were it ever unreadable, the district
/// would still be known by name and code (with no streets), so addresses naming
/// `武侯区` keep passing.
pub fn home_district() -> &'static District {
    &HOME
}

/// Whether `address` lies in the bureau's district (see the module documentation).
pub fn address_in_district(address: &str) -> bool {
    home_district().contains_address(address)
}

/// The dispatcher's form of [`address_in_district`], with a reason.
pub(super) fn check_address(address: &str) -> Result<(), ValidationError> {
    let district = home_district();
    if address.trim().is_empty() {
        Err(ValidationError::EmptyAddress)
    } else if district.contains_address(address) {
        Ok(())
    } else {
        Err(ValidationError::OutsideDistrict {
            district: district.name.clone(),
        })
    }
}

impl District {
    fn name_only() -> District {
        District {
            code: "510107".to_owned(),
            name: "武侯区".to_owned(),
            city: "成都市".to_owned(),
            province: "四川省".to_owned(),
            note: String::new(),
            streets: Vec::new(),
            entrusted_to_high_tech_zone: Vec::new(),
        }
    }

    /// Streets that still exist (not merged into another).
    pub fn current_streets(&self) -> impl Iterator<Item = &Street> {
        self.streets.iter().filter(|s| s.merged_into.is_none())
    }

    /// Whether `address` names this district, or begins with one of its streets
    /// after an optional country, province and city.
    pub fn contains_address(&self, address: &str) -> bool {
        let compact: String = address.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.is_empty() {
            return false;
        }
        if compact.contains(self.name.as_str()) {
            return true;
        }
        let province_short = self.province.trim_end_matches('省');
        let city_short = self.city.trim_end_matches('市');
        let mut rest = compact.as_str();
        for alternatives in [
            ["中华人民共和国", "中国"],
            [self.province.as_str(), province_short],
            [self.city.as_str(), city_short],
        ] {
            if let Some(stripped) = alternatives.iter().find_map(|p| rest.strip_prefix(p)) {
                rest = stripped;
            }
        }
        self.streets
            .iter()
            .any(|s| rest.starts_with(s.name.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_district_file_parses_and_is_wuhou() {
        let parsed: Result<District, _> = serde_json::from_str(DATA);
        assert!(parsed.is_ok(), "{parsed:?}");
        let district = home_district();
        assert_eq!(district.code, "510107");
        assert_eq!(district.name, "武侯区");
        assert!(district.current_streets().count() >= 11);
        assert!(district.streets.iter().all(|s| s.name.ends_with("街道")));
    }

    #[test]
    fn every_merged_street_was_merged_into_a_listed_current_one() {
        let district = home_district();
        for street in &district.streets {
            if let Some(target) = &street.merged_into {
                assert!(
                    district.current_streets().any(|s| &s.name == target),
                    "{target}"
                );
            }
        }
    }

    #[test]
    fn an_address_naming_the_district_is_in_it() {
        for address in [
            "四川省成都市武侯区武侯祠大街264号",
            "成都市 武侯区 人民南路四段1号",
            "武侯区",
            "成都市武侯区芳草街街道某小区",
        ] {
            assert!(address_in_district(address), "{address}");
        }
    }

    #[test]
    fn an_address_beginning_with_one_of_its_streets_is_in_it() {
        for address in [
            "玉林街道玉林北路1号",
            "成都市火车南站街道桐梓林社区",
            "四川成都簇锦街道簇锦南路2号",
            "中国四川省成都市红牌楼街道",
            "成都市双楠街道双楠路1号",
        ] {
            assert!(address_in_district(address), "{address}");
        }
    }

    #[test]
    fn an_address_in_another_district_is_not_in_it() {
        for address in [
            "成都市锦江区红星路三段1号",
            "四川省成都市青羊区少城路1号",
            "北京市东城区东长安街1号",
            "成都市锦江区玉林街道",
            "成都市武侯祠大街264号",
        ] {
            assert!(!address_in_district(address), "{address}");
        }
    }

    #[test]
    fn a_street_administered_by_the_high_tech_zone_alone_is_not_enough() {
        for street in &home_district().entrusted_to_high_tech_zone {
            assert!(
                !address_in_district(&format!("成都市{street}1号")),
                "{street}"
            );
            assert!(
                !address_in_district(&format!("成都市高新区{street}1号")),
                "{street}"
            );
        }
    }

    #[test]
    fn an_empty_address_is_refused_with_its_own_reason() {
        assert!(!address_in_district("  "));
        assert_eq!(check_address(" "), Err(ValidationError::EmptyAddress));
        assert_eq!(
            check_address("成都市锦江区红星路三段1号").map_err(|e| e.to_string()),
            Err("地址不在武侯区：应写明“武侯区”或其所辖街道".to_owned())
        );
    }
}
