//! Themes (主题式服务, 一件事一次办): what applying for several items together
//! asks of the applicant, and in which order the items run.
//!
//! - The one shared form: the union of the items' fields, each key asked once
//!   (required when any item requires it), with the items each field feeds.
//! - The one set of materials: a material several items need is asked once —
//!   materials of the same name, and the groups the theme names in
//!   `same_materials` — with the (item, material code) pairs it stands for.
//!   A material that a prerequisite's licence stands in for is not asked at all:
//!   the licence is cited when the waiting item starts.
//! - The order: items run in parallel unless the theme says one waits for
//!   another (`waits_for`); the waves of items that start together, and the
//!   problems of a bad graph (a cycle, named in order; an item not in the theme).
//! - The comparison the seeds report: materials, forms, visits and committed
//!   time of the theme against applying item by item.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::catalogue::{FormField, Item, Material, MaterialForm, Requirement, Theme};

/// A field of the shared form and the items it feeds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SharedField {
    #[serde(flatten)]
    pub field: FormField,
    /// The items that ask for this field, in the theme's order.
    pub items: Vec<String>,
}

/// Where a shared material goes: an item's material code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialUse {
    pub item: String,
    pub material: String,
}

/// A material of the shared set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SharedMaterial {
    /// `S01`, `S02`…: the key the bundle's form gives it.
    pub key: String,
    pub name: String,
    /// Required when any item requires it.
    pub requirement: Requirement,
    pub form: MaterialForm,
    /// Licence types whose valid licence stands in for it (those of every use).
    pub licence_types: Vec<String>,
    pub uses: Vec<MaterialUse>,
}

/// A material that a waiting item gets from its prerequisite's licence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InheritedMaterial {
    pub item: String,
    pub material: String,
    pub name: String,
    /// The prerequisite whose licence is cited.
    pub from_item: String,
}

/// Everything applying for a theme asks, and the order its items run in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThemePlan {
    pub fields: Vec<SharedField>,
    pub materials: Vec<SharedMaterial>,
    pub inherited: Vec<InheritedMaterial>,
    /// Waves: the items of the first start at once; each later one's items
    /// start as the items they wait for are issued.
    pub waves: Vec<Vec<String>>,
}

/// Applying item by item against applying for the theme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comparison {
    /// Materials handed in: every item's materials, against the shared set.
    pub materials_separately: u32,
    pub materials_theme: u32,
    /// Forms filled in: one per item, against one.
    pub forms_separately: u32,
    pub forms_theme: u32,
    /// Form fields typed: every item's, against the shared form's.
    pub fields_separately: u32,
    pub fields_theme: u32,
    /// Visits to the hall (到现场次数): each item's stated visits (1 when not
    /// stated), against the most any one item needs.
    pub visits_separately: u32,
    pub visits_theme: u32,
    /// Committed working hours: the items one after another, against the
    /// longest chain of waiting items (the rest run in parallel).
    pub hours_separately: u32,
    pub hours_theme: u32,
}

impl Comparison {
    /// How much less the theme asks, as a share (0.49 for 49 % fewer).
    pub fn saving(separately: u32, theme: u32) -> f64 {
        if separately == 0 {
            return 0.0;
        }
        1.0 - f64::from(theme) / f64::from(separately)
    }
}

/// The name a material is matched by: without spaces and with full-width
/// brackets read as ASCII ones.
fn name_key(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            other => other,
        })
        .collect()
}

/// The items of `theme` found in `items`, in the theme's order.
fn members<'a>(theme: &Theme, items: &'a BTreeMap<String, Item>) -> Vec<&'a Item> {
    theme.items.iter().filter_map(|c| items.get(c)).collect()
}

/// The licence types an item's certificate gives.
fn gives(item: &Item) -> Option<&str> {
    item.certificate.as_ref().map(|c| c.type_code.as_str())
}

/// The prerequisite of `item` (among those it waits for) whose licence stands
/// in for `m`.
fn inherited_from<'a>(
    theme: &'a Theme,
    items: &BTreeMap<String, Item>,
    item: &Item,
    m: &Material,
) -> Option<&'a String> {
    theme.waits_for.get(&item.code)?.iter().find(|p| {
        items
            .get(*p)
            .and_then(gives)
            .is_some_and(|t| m.licence_types.iter().any(|l| l == t))
    })
}

/// The plan of `theme` over `items` (the catalogue's current items). Call it
/// on a theme [`problems`] found nothing wrong with.
pub fn plan(theme: &Theme, items: &BTreeMap<String, Item>) -> ThemePlan {
    let members = members(theme, items);
    let mut fields: Vec<SharedField> = Vec::new();
    for item in &members {
        for f in &item.form {
            match fields.iter_mut().find(|s| s.field.key == f.key) {
                Some(shared) => {
                    shared.field.required |= f.required;
                    shared.items.push(item.code.clone());
                }
                None => fields.push(SharedField {
                    field: f.clone(),
                    items: vec![item.code.clone()],
                }),
            }
        }
    }
    // Materials: explicit groups first, then by name.
    let mut group_of: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (g, uses) in theme.same_materials.iter().enumerate() {
        for u in uses {
            group_of.insert((u.item.clone(), u.material.clone()), g);
        }
    }
    let mut materials: Vec<SharedMaterial> = Vec::new();
    let mut by_group: BTreeMap<usize, usize> = BTreeMap::new();
    let mut by_name: BTreeMap<String, usize> = BTreeMap::new();
    let mut inherited = Vec::new();
    for item in &members {
        for m in &item.materials {
            if let Some(from) = inherited_from(theme, items, item, m) {
                inherited.push(InheritedMaterial {
                    item: item.code.clone(),
                    material: m.code.clone(),
                    name: m.name.clone(),
                    from_item: from.clone(),
                });
                continue;
            }
            let use_ = MaterialUse {
                item: item.code.clone(),
                material: m.code.clone(),
            };
            let slot = match group_of.get(&(item.code.clone(), m.code.clone())) {
                Some(g) => by_group.get(g).copied(),
                None => by_name.get(&name_key(&m.name)).copied(),
            };
            match slot {
                Some(i) => {
                    let shared = &mut materials[i];
                    if m.requirement == Requirement::Required {
                        shared.requirement = Requirement::Required;
                    }
                    shared.licence_types.retain(|t| m.licence_types.contains(t));
                    shared.uses.push(use_);
                }
                None => {
                    let i = materials.len();
                    materials.push(SharedMaterial {
                        key: format!("S{:02}", i + 1),
                        name: m.name.clone(),
                        requirement: m.requirement,
                        form: m.form,
                        licence_types: m.licence_types.clone(),
                        uses: vec![use_],
                    });
                    match group_of.get(&(item.code.clone(), m.code.clone())) {
                        Some(g) => {
                            by_group.insert(*g, i);
                        }
                        None => {
                            by_name.insert(name_key(&m.name), i);
                        }
                    }
                }
            }
        }
    }
    ThemePlan {
        fields,
        materials,
        inherited,
        waves: waves(theme).unwrap_or_default(),
    }
}

/// The items in waves of what can start together, or the cycle that stops it.
fn waves(theme: &Theme) -> Result<Vec<Vec<String>>, Vec<String>> {
    let mut done: BTreeSet<&String> = BTreeSet::new();
    let mut out = Vec::new();
    while done.len() < theme.items.len() {
        let wave: Vec<String> = theme
            .items
            .iter()
            .filter(|i| !done.contains(i))
            .filter(|i| {
                theme
                    .waits_for
                    .get(*i)
                    .is_none_or(|pre| pre.iter().all(|p| done.contains(p)))
            })
            .cloned()
            .collect();
        if wave.is_empty() {
            return Err(cycle(theme));
        }
        for i in &wave {
            if let Some(code) = theme.items.iter().find(|c| *c == i) {
                done.insert(code);
            }
        }
        out.push(wave);
    }
    Ok(out)
}

/// A cycle of `waits_for`, as the items in order with the first repeated.
fn cycle(theme: &Theme) -> Vec<String> {
    fn visit(
        theme: &Theme,
        at: &String,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(pos) = path.iter().position(|p| p == at) {
            let mut c = path[pos..].to_vec();
            c.push(at.clone());
            return Some(c);
        }
        if !seen.insert(at.clone()) {
            return None;
        }
        path.push(at.clone());
        for next in theme.waits_for.get(at).into_iter().flatten() {
            if let Some(c) = visit(theme, next, path, seen) {
                return Some(c);
            }
        }
        path.pop();
        None
    }
    let mut seen = BTreeSet::new();
    for start in theme.waits_for.keys() {
        if let Some(c) = visit(theme, start, &mut Vec::new(), &mut seen) {
            return c;
        }
    }
    Vec::new()
}

/// Everything wrong with `theme` over `items`, each in words (the catalogue's
/// validation names the theme). Unknown items are reported by the catalogue.
pub fn problems(theme: &Theme, items: &BTreeMap<String, Item>) -> Vec<String> {
    let mut out = Vec::new();
    let members: BTreeSet<&String> = theme.items.iter().collect();
    for (waiting, pre) in &theme.waits_for {
        if !members.contains(waiting) {
            out.push(format!("waits_for: item '{waiting}' is not in the theme"));
        }
        if pre.is_empty() {
            out.push(format!("waits_for: item '{waiting}' waits for nothing"));
        }
        for p in pre {
            if !members.contains(p) {
                out.push(format!(
                    "waits_for: '{waiting}' waits for '{p}', which is not in the theme"
                ));
            } else if p == waiting {
                out.push(format!("waits_for: '{waiting}' waits for itself"));
            } else if items.get(p).and_then(gives).is_none() {
                out.push(format!(
                    "waits_for: '{waiting}' waits for '{p}', which issues no licence"
                ));
            }
        }
    }
    if out.is_empty()
        && let Err(c) = waves(theme)
    {
        out.push(format!("waits_for has a cycle: {}", c.join(" → ")));
    }
    // A key asked once must mean one thing.
    let mut fields: BTreeMap<&str, (&String, &FormField)> = BTreeMap::new();
    for item in members_of(theme, items) {
        for f in &item.form {
            match fields.get(f.key.as_str()) {
                Some((other, g)) if g.field_type != f.field_type || g.options != f.options => {
                    out.push(format!(
                        "field '{}' differs between '{}' and '{}' (type or choices): the shared form asks it once",
                        f.key, other, item.code
                    ));
                }
                Some(_) => {}
                None => {
                    fields.insert(f.key.as_str(), (&item.code, f));
                }
            }
        }
    }
    for (g, uses) in theme.same_materials.iter().enumerate() {
        if uses.len() < 2 {
            out.push(format!(
                "same_materials[{g}]: a group names at least two materials"
            ));
        }
        for u in uses {
            let known = items
                .get(&u.item)
                .filter(|_| members.contains(&u.item))
                .is_some_and(|i| i.materials.iter().any(|m| m.code == u.material));
            if !known {
                out.push(format!(
                    "same_materials[{g}]: '{}/{}' is not a material of an item of the theme",
                    u.item, u.material
                ));
            }
        }
    }
    if let Some(c) = &theme.combined_licence {
        if c.name.trim().is_empty() || c.type_code.trim().is_empty() {
            out.push("combined_licence: name and type_code are both needed".into());
        }
        let certified = members_of(theme, items)
            .filter(|i| i.certificate.is_some())
            .count();
        if certified < 2 {
            out.push("combined_licence: at least two items of the theme issue licences".into());
        }
    }
    out
}

fn members_of<'a>(
    theme: &'a Theme,
    items: &'a BTreeMap<String, Item>,
) -> impl Iterator<Item = &'a Item> + 'a {
    theme.items.iter().filter_map(|c| items.get(c))
}

/// The comparison of `theme` against applying for its items one by one.
pub fn compare(theme: &Theme, items: &BTreeMap<String, Item>) -> Comparison {
    let members = members(theme, items);
    let plan = plan(theme, items);
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let visits = |i: &Item| u32::from(i.visits.unwrap_or(1));
    // The longest chain of waiting items, by committed hours.
    let mut finish: BTreeMap<&String, u32> = BTreeMap::new();
    for wave in &plan.waves {
        for code in wave {
            let Some(item) = items.get(code) else {
                continue;
            };
            let start = theme
                .waits_for
                .get(code)
                .into_iter()
                .flatten()
                .filter_map(|p| finish.get(p))
                .max()
                .copied()
                .unwrap_or(0);
            if let Some(key) = theme.items.iter().find(|c| *c == code) {
                finish.insert(key, start + item.committed_limit.approx_hours());
            }
        }
    }
    Comparison {
        materials_separately: count(members.iter().map(|i| i.materials.len()).sum()),
        materials_theme: count(plan.materials.len()),
        forms_separately: count(members.len()),
        forms_theme: 1,
        fields_separately: count(members.iter().map(|i| i.form.len()).sum()),
        fields_theme: count(plan.fields.len()),
        visits_separately: members.iter().map(|i| visits(i)).sum(),
        visits_theme: members.iter().map(|i| visits(i)).max().unwrap_or(0),
        hours_separately: members
            .iter()
            .map(|i| i.committed_limit.approx_hours())
            .sum(),
        hours_theme: finish.values().max().copied().unwrap_or(0),
    }
}

/// What happens to the other items of a bundle when one is denied.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnDenial {
    /// The others go on (each permit stands alone).
    #[default]
    Continue,
    /// The others stop: the theme makes no sense without every permit.
    Stop,
}

/// 一企一证: one combined licence listing every permit of the theme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CombinedLicence {
    /// Licence type code of the combined licence.
    pub type_code: String,
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::tests::sample_item;
    use crate::catalogue::{CertificateSpec, FieldType, TimeLimit};

    fn item(code: &str, gives: Option<&str>, needs: Option<&str>) -> Item {
        let mut i = sample_item(false);
        i.code = code.into();
        i.name = format!("事项{code}");
        i.certificate = gives.map(|t| CertificateSpec {
            type_code: t.into(),
            name: format!("{t}证"),
            validity_years: None,
            scope_field: None,
            renews_field: None,
        });
        if let Some(t) = needs {
            i.materials.push(Material {
                code: "MX".into(),
                name: "营业执照".into(),
                requirement: Requirement::Required,
                condition: None,
                form: MaterialForm::Electronic,
                copies: 1,
                licence_types: vec![t.into()],
                note: None,
                sample: None,
            });
        }
        i
    }

    fn theme(items: &[&str], waits: &[(&str, &[&str])]) -> Theme {
        Theme {
            code: "T-X".into(),
            name: "我要开店".into(),
            description: String::new(),
            items: items.iter().map(|s| s.to_string()).collect(),
            waits_for: waits
                .iter()
                .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
                .collect(),
            on_denial: OnDenial::Continue,
            combined_licence: None,
            same_materials: Vec::new(),
        }
    }

    fn catalogue(list: Vec<Item>) -> BTreeMap<String, Item> {
        list.into_iter().map(|i| (i.code.clone(), i)).collect()
    }

    #[test]
    fn the_shared_form_asks_each_key_once_and_names_the_items_it_feeds() {
        let items = catalogue(vec![
            item("A", Some("YYZZ"), None),
            item("B", Some("SP"), None),
        ]);
        let p = plan(&theme(&["A", "B"], &[]), &items);
        let one = &items["A"];
        assert_eq!(
            p.fields.len(),
            one.form.len(),
            "the same keys are asked once"
        );
        assert!(p.fields.iter().all(|f| f.items == ["A", "B"]));
        assert_eq!(
            p.materials.len(),
            one.materials.len(),
            "same names, asked once"
        );
        assert!(p.materials.iter().all(|m| m.uses.len() == 2));
        assert_eq!(p.waves, vec![vec!["A".to_string(), "B".to_string()]]);
    }

    #[test]
    fn a_waiting_item_gets_its_prerequisites_licence_instead_of_an_upload() {
        let items = catalogue(vec![
            item("A", Some("YYZZ"), None),
            item("B", Some("SP"), Some("YYZZ")),
            item("C", Some("JL"), Some("SP")),
        ]);
        let t = theme(&["A", "B", "C"], &[("B", &["A"]), ("C", &["B"])]);
        assert!(
            problems(&t, &items).is_empty(),
            "{:?}",
            problems(&t, &items)
        );
        let p = plan(&t, &items);
        assert_eq!(p.waves.len(), 3);
        assert_eq!(p.inherited.len(), 2);
        assert_eq!(p.inherited[0].from_item, "A");
        assert!(p.materials.iter().all(|m| m.name != "营业执照"));
        let c = compare(&t, &items);
        assert_eq!(c.forms_separately, 3);
        assert!(c.materials_theme < c.materials_separately);
        assert_eq!(
            c.hours_theme, c.hours_separately,
            "a chain runs one after another"
        );
        let parallel = theme(&["A", "B", "C"], &[]);
        let c = compare(&parallel, &items);
        assert!(c.hours_theme < c.hours_separately, "{c:?}");
        assert!(Comparison::saving(c.materials_separately, c.materials_theme) > 0.0);
    }

    #[test]
    fn a_cycle_is_refused_naming_its_items_in_order() {
        let items = catalogue(vec![
            item("A", Some("YYZZ"), None),
            item("B", Some("SP"), None),
            item("C", Some("JL"), None),
        ]);
        let t = theme(
            &["A", "B", "C"],
            &[("A", &["C"]), ("B", &["A"]), ("C", &["B"])],
        );
        let p = problems(&t, &items);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].contains("cycle"), "{p:?}");
        assert!(p[0].contains("A → C → B → A"), "{p:?}");
    }

    #[test]
    fn a_dangling_or_self_wait_and_a_clashing_field_are_each_named() {
        let mut b = item("B", None, None);
        if let Some(f) = b.form.first_mut() {
            f.field_type = FieldType::Number;
        }
        b.committed_limit = TimeLimit::Days(3);
        let items = catalogue(vec![item("A", Some("YYZZ"), None), b]);
        let t = theme(&["A", "B"], &[("B", &["Z"]), ("A", &["A", "B"])]);
        let p = problems(&t, &items);
        assert!(
            p.iter()
                .any(|s| s.contains("'Z', which is not in the theme")),
            "{p:?}"
        );
        assert!(p.iter().any(|s| s.contains("waits for itself")), "{p:?}");
        assert!(p.iter().any(|s| s.contains("issues no licence")), "{p:?}");
        assert!(p.iter().any(|s| s.contains("differs between")), "{p:?}");
    }

    #[test]
    fn named_groups_share_materials_of_different_names() {
        let mut a = item("A", Some("YYZZ"), None);
        let mut b = item("B", Some("SP"), None);
        a.materials.truncate(1);
        b.materials.truncate(1);
        b.materials[0].name = "另一个名称".into();
        let items = catalogue(vec![a.clone(), b.clone()]);
        let mut t = theme(&["A", "B"], &[]);
        assert_eq!(plan(&t, &items).materials.len(), 2);
        t.same_materials = vec![vec![
            MaterialUse {
                item: "A".into(),
                material: a.materials[0].code.clone(),
            },
            MaterialUse {
                item: "B".into(),
                material: b.materials[0].code.clone(),
            },
        ]];
        assert!(problems(&t, &items).is_empty());
        assert_eq!(plan(&t, &items).materials.len(), 1);
        t.same_materials[0][1].material = "NOPE".into();
        assert!(problems(&t, &items)[0].contains("B/NOPE"));
    }
}
