//! The demo catalogue that ships with the product parses and validates, and is
//! as rich as the design asks (≥12 items from ≥5 departments, 3 themes, 秒批 items,
//! items with and without site inspection).

use std::collections::BTreeSet;

use onestamp_domain::case::Stage;
use onestamp_domain::catalogue::Catalogue;

const YAML: &str = include_str!("../../app/src/demo/catalogue.yaml");

fn load() -> Result<Catalogue, serde_yaml::Error> {
    serde_yaml::from_str(YAML)
}

#[test]
fn the_demo_catalogue_validates() -> Result<(), serde_yaml::Error> {
    let catalogue = load()?;
    let problems = catalogue.validate(&BTreeSet::new(), &std::collections::BTreeMap::new());
    for p in &problems {
        eprintln!("{p}");
    }
    assert!(
        problems.is_empty(),
        "{} problems in the demo catalogue",
        problems.len()
    );
    Ok(())
}

#[test]
fn the_demo_catalogue_is_rich_enough() -> Result<(), serde_yaml::Error> {
    let c = load()?;
    assert!(c.items.len() >= 12, "only {} items", c.items.len());
    assert!(
        c.departments.len() >= 5,
        "only {} departments",
        c.departments.len()
    );
    let used: BTreeSet<&str> = c.items.iter().map(|i| i.department.as_str()).collect();
    assert!(
        used.len() >= 5,
        "items come from only {} departments",
        used.len()
    );
    assert_eq!(c.themes.len(), 3);
    let instant = c.items.iter().filter(|i| i.instant).count();
    assert!(instant >= 4, "only {instant} instant items");
    assert!(c.items.iter().any(|i| i.has_stage(Stage::Inspection)));
    assert!(c.items.iter().any(|i| !i.has_stage(Stage::Inspection)));
    assert!(c.items.iter().any(|i| i.green_channel_limit.is_some()));
    Ok(())
}

#[test]
fn the_demo_items_are_coherent() -> Result<(), serde_yaml::Error> {
    let c = load()?;
    let issued: BTreeSet<&str> = c
        .items
        .iter()
        .filter_map(|i| i.certificate.as_ref())
        .map(|cert| cert.type_code.as_str())
        .collect();
    for item in &c.items {
        let code = &item.code;
        // The stages that run the clock fit inside the committed limit.
        let running: u32 = item
            .stages
            .iter()
            .filter(|s| !s.clock_stops)
            .map(|s| s.limit.approx_hours())
            .sum();
        assert!(
            running <= item.committed_limit.approx_hours(),
            "{code}: stage limits ({running} h) exceed the committed limit"
        );
        // Inspection stops the clock; an instant item has no review or inspection.
        if let Some(entry) = item.stage_entry(Stage::Inspection) {
            assert!(
                entry.clock_stops,
                "{code}: inspection should stop the clock"
            );
        }
        if item.instant {
            assert!(
                !item.has_stage(Stage::Review),
                "{code}: instant item with a review stage"
            );
            assert!(
                !item.has_stage(Stage::Inspection),
                "{code}: instant item with an inspection"
            );
        }
        assert!(
            item.supervising_department.is_some(),
            "{code}: no supervising department"
        );
        assert!(!item.conditions.is_empty(), "{code}: no conditions");
        // Materials that a licence stands in for name a licence the catalogue issues.
        for m in &item.materials {
            for t in &m.licence_types {
                assert!(
                    issued.contains(t.as_str()),
                    "{code}/{}: no item issues {t}",
                    m.code
                );
            }
        }
        // Rules may refer only to form fields the item defines.
        let keys: BTreeSet<&str> = item.form.iter().map(|f| f.key.as_str()).collect();
        for r in &item.rules {
            for field in form_refs(&r.expr) {
                assert!(
                    keys.contains(field.as_str()),
                    "{code}/{}: rule refers to undefined form field {field}",
                    r.code
                );
            }
        }
    }
    // The items of each theme are defined here, not only in a store.
    let items: BTreeSet<&str> = c.items.iter().map(|i| i.code.as_str()).collect();
    for t in &c.themes {
        for code in &t.items {
            assert!(
                items.contains(code.as_str()),
                "theme {}: unknown item {code}",
                t.code
            );
        }
    }
    Ok(())
}

/// The field names that an expression reads as `form.<field>`.
fn form_refs(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = expr;
    while let Some(at) = rest.find("form.") {
        let before_ok = rest[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'));
        let after = &rest[at + "form.".len()..];
        let field: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if before_ok && !field.is_empty() {
            out.push(field);
        }
        rest = after;
    }
    out
}

#[test]
fn every_demo_theme_asks_less_than_its_items_one_by_one() -> Result<(), serde_yaml::Error> {
    let c = load()?;
    let items: std::collections::BTreeMap<String, onestamp_domain::catalogue::Item> = c
        .items
        .iter()
        .map(|i| (i.code.clone(), i.clone()))
        .collect();
    let mut waiting = 0;
    for t in &c.themes {
        let plan = onestamp_domain::theme::plan(t, &items);
        let cmp = onestamp_domain::theme::compare(t, &items);
        assert!(
            cmp.materials_theme < cmp.materials_separately,
            "{}: {cmp:?}",
            t.code
        );
        assert!(
            cmp.fields_theme < cmp.fields_separately,
            "{}: {cmp:?}",
            t.code
        );
        assert!(
            cmp.hours_theme < cmp.hours_separately,
            "{}: {cmp:?}",
            t.code
        );
        assert!(
            plan.inherited
                .iter()
                .all(|m| m.name.contains("营业执照") || m.name.contains("许可证")),
            "{}: {:?}",
            t.code,
            plan.inherited
        );
        waiting += usize::from(plan.waves.len() > 1);
    }
    assert_eq!(
        waiting, 3,
        "every demo theme waits for the business licence"
    );
    assert!(c.themes.iter().any(|t| t.combined_licence.is_some()));
    Ok(())
}
