//! Catalogue imports: versions of items, departments and themes.

use std::sync::Arc;

use onestamp_app::Store;

use super::{assert_unbroken, audit_log, demo_catalogue};
use crate::common::fact;

pub async fn an_import_versions_only_the_items_that_changed(store: Arc<dyn Store>) {
    let cat = demo_catalogue();
    let n = cat.items.len();
    assert!(n >= 2, "the demo catalogue has several items");

    let first = store
        .import_catalogue(&cat, fact("catalogue.import", "demo"))
        .await
        .unwrap();
    assert_eq!(
        (
            first.departments,
            first.items_new,
            first.items_changed,
            first.items_unchanged
        ),
        (cat.departments.len(), n, 0, 0)
    );
    assert_eq!(first.themes, cat.themes.len());
    let items = store.items().await.unwrap();
    assert_eq!(items.len(), n);
    assert!(items.iter().all(|i| i.version == 1));
    let mut codes: Vec<&str> = cat.items.iter().map(|i| i.code.as_str()).collect();
    codes.sort();
    assert_eq!(
        items
            .iter()
            .map(|i| i.item.code.as_str())
            .collect::<Vec<_>>(),
        codes
    );
    let mut departments = cat.departments.clone();
    departments.sort_by(|x, y| x.code.cmp(&y.code));
    assert_eq!(store.departments().await.unwrap(), departments);

    let same = store
        .import_catalogue(&cat, fact("catalogue.import", "demo"))
        .await
        .unwrap();
    assert_eq!(
        (same.items_new, same.items_changed, same.items_unchanged),
        (0, 0, n)
    );
    assert_eq!(
        store.items().await.unwrap(),
        items,
        "an unchanged import changes nothing"
    );

    let mut changed = cat.clone();
    let code = changed.items[0].code.clone();
    changed.items[0].name = "改过名的事项".into();
    let third = store
        .import_catalogue(&changed, fact("catalogue.import", "v2"))
        .await
        .unwrap();
    assert_eq!(
        (third.items_new, third.items_changed, third.items_unchanged),
        (0, 1, n - 1)
    );

    let current = store.item(&code).await.unwrap().unwrap();
    assert_eq!(
        (current.version, current.item.name.as_str()),
        (2, "改过名的事项")
    );
    let old = store.item_version(&code, 1).await.unwrap().unwrap();
    assert_eq!(
        old.item, cat.items[0],
        "a case pinned to version 1 still reads it"
    );
    assert_eq!(store.item_version(&code, 2).await.unwrap(), Some(current));
    assert_eq!(store.item_version(&code, 3).await.unwrap(), None);
    assert_eq!(store.item("NO-SUCH-ITEM").await.unwrap(), None);
    let other = &cat.items[1];
    assert_eq!(store.item(&other.code).await.unwrap().unwrap().version, 1);

    let log = audit_log(&store, 100).await;
    assert_eq!(log.len(), 3, "one audit entry per import, changed or not");
    assert_unbroken(&log);
}

pub async fn themes_keep_the_order_of_the_latest_import(store: Arc<dyn Store>) {
    let cat = demo_catalogue();
    assert!(
        cat.themes.len() >= 2,
        "the demo catalogue has several themes"
    );
    store
        .import_catalogue(&cat, fact("catalogue.import", "demo"))
        .await
        .unwrap();
    assert_eq!(
        store.themes().await.unwrap(),
        cat.themes,
        "the catalogue's order, not by code"
    );

    let mut reordered = cat.clone();
    reordered.themes.reverse();
    reordered.themes[0].name = "改过名的主题".into();
    store
        .import_catalogue(&reordered, fact("catalogue.import", "demo"))
        .await
        .unwrap();
    assert_eq!(store.themes().await.unwrap(), reordered.themes);
}
