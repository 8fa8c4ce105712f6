//! What the portal's home page does with the catalogue: find items and themes
//! by words (name, code, department, keywords, the certificate issued), and
//! tell 个人办事 from 法人办事 by who may apply ([`Item::admits`]).

use crate::case::ApplicantKind;
use crate::catalogue::{Catalogue, Item, Theme};

/// Most characters of a search taken into account.
pub const MAX_QUERY_CHARS: usize = 50;

/// What a search found, in catalogue order.
#[derive(Debug, Default)]
pub struct Hits<'a> {
    pub items: Vec<&'a Item>,
    pub themes: Vec<&'a Theme>,
}

/// The words of a query: lower case, split at spaces (also the ideographic
/// one), at most [`MAX_QUERY_CHARS`] characters in all.
pub fn terms(query: &str) -> Vec<String> {
    let query: String = query.chars().take(MAX_QUERY_CHARS).collect();
    query
        .split(|c: char| c.is_whitespace() || c == '　' || c == ',' || c == '，')
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Everything an item is found by, lower case.
fn haystack(item: &Item, catalogue: &Catalogue) -> String {
    let department = catalogue
        .departments
        .iter()
        .find(|d| d.code == item.department)
        .map_or("", |d| d.name.as_str());
    let mut all = vec![
        item.name.as_str(),
        item.code.as_str(),
        department,
        item.kind.label_zh(),
    ];
    all.extend(item.keywords.iter().map(String::as_str));
    if let Some(c) = &item.certificate {
        all.push(&c.name);
    }
    all.join(" ").to_lowercase()
}

/// Items every term of `query` finds, and themes found by their name or
/// description or holding a found item. An empty query finds nothing.
pub fn search<'a>(catalogue: &'a Catalogue, query: &str) -> Hits<'a> {
    let terms = terms(query);
    if terms.is_empty() {
        return Hits::default();
    }
    let items: Vec<&Item> = catalogue
        .items
        .iter()
        .filter(|i| {
            let hay = haystack(i, catalogue);
            terms.iter().all(|t| hay.contains(t.as_str()))
        })
        .collect();
    let themes = catalogue
        .themes
        .iter()
        .filter(|t| {
            let hay = format!("{} {} {}", t.name, t.description, t.code).to_lowercase();
            terms.iter().all(|x| hay.contains(x.as_str()))
                || t.items.iter().any(|c| items.iter().any(|i| &i.code == c))
        })
        .collect();
    Hits { items, themes }
}

/// The items a person (个人办事) or an organisation (法人办事) may apply for.
pub fn items_for(catalogue: &Catalogue, kind: ApplicantKind) -> Vec<&Item> {
    catalogue.items.iter().filter(|i| i.admits(kind)).collect()
}

/// Who may apply, in words for the guide.
pub fn audience_zh(item: &Item) -> &'static str {
    match (
        item.admits(ApplicantKind::Person),
        item.admits(ApplicantKind::Organisation),
    ) {
        (true, true) => "自然人、法人及其他组织",
        (true, false) => "自然人",
        _ => "法人及其他组织",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Department;

    fn catalogue() -> Catalogue {
        let mut food = crate::catalogue::tests::sample_item(false);
        food.code = "X-1".into();
        food.name = "食品经营许可".into();
        food.keywords = vec!["餐馆".into()];
        food.applicant_kinds = vec![ApplicantKind::Organisation];
        let mut shop = crate::catalogue::tests::sample_item(false);
        shop.code = "X-2".into();
        shop.name = "个体工商户设立登记".into();
        shop.applicant_kinds = vec![ApplicantKind::Person];
        Catalogue {
            departments: vec![Department {
                code: food.department.clone(),
                name: "市场监督管理局".into(),
            }],
            items: vec![food, shop],
            themes: vec![Theme {
                code: "T-1".into(),
                name: "我要开餐馆".into(),
                description: String::new(),
                items: vec!["X-1".into()],
                ..Default::default()
            }],
        }
    }

    #[test]
    fn items_are_found_by_name_keyword_and_department() {
        let c = catalogue();
        let names = |q: &str| {
            search(&c, q)
                .items
                .iter()
                .map(|i| i.code.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names("食品"), ["X-1"]);
        assert_eq!(names("餐馆"), ["X-1"]);
        assert_eq!(names("市场监督"), ["X-1", "X-2"]);
        assert_eq!(names("市场 个体"), ["X-2"]);
        assert!(names("").is_empty());
        assert!(names("不存在的事项").is_empty());
    }

    #[test]
    fn a_theme_is_found_by_its_name_or_its_items() {
        let c = catalogue();
        assert_eq!(search(&c, "开餐馆").themes.len(), 1);
        assert_eq!(search(&c, "食品经营").themes.len(), 1);
        assert!(search(&c, "个体").themes.is_empty());
    }

    #[test]
    fn persons_and_organisations_see_their_items() {
        let c = catalogue();
        let codes = |k| {
            items_for(&c, k)
                .iter()
                .map(|i| i.code.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(codes(ApplicantKind::Person), ["X-2"]);
        assert_eq!(codes(ApplicantKind::Organisation), ["X-1"]);
        assert_eq!(audience_zh(&c.items[0]), "法人及其他组织");
    }
}
