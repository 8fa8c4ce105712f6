//! Run-time switches: instant decisions per item.

use std::sync::Arc;

use onestamp_app::Store;

use super::{assert_unbroken, audit_log};
use crate::common::{at, fact};

pub async fn instant_decisions_switch_off_and_on_per_item(store: Arc<dyn Store>) {
    assert!(
        store.instant_enabled("ITEM-A").await.unwrap(),
        "on unless switched off"
    );
    store
        .set_instant_enabled(
            "ITEM-A",
            false,
            1,
            at(0),
            "规则有误",
            fact("item.instant", "ITEM-A"),
        )
        .await
        .unwrap();
    assert!(!store.instant_enabled("ITEM-A").await.unwrap());
    assert!(store.instant_enabled("ITEM-B").await.unwrap());
    store
        .set_instant_enabled(
            "ITEM-A",
            true,
            1,
            at(5),
            "已修正",
            fact("item.instant", "ITEM-A"),
        )
        .await
        .unwrap();
    assert!(store.instant_enabled("ITEM-A").await.unwrap());
    let log = audit_log(&store, 10).await;
    assert_eq!(log.len(), 2, "every switch is audited");
    assert_unbroken(&log);
}
