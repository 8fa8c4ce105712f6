//! Notification preferences: switched-off pairs and the user's contacts.

use std::sync::Arc;

use onestamp_app::Store;
use onestamp_app::store::{PrefsChange, SwitchedOff};
use onestamp_domain::message::Event;
use onestamp_domain::role::Role;

use super::{assert_unbroken, audit_log};
use crate::common::{fact, user};

fn off(event: Event, channel: &str) -> SwitchedOff {
    SwitchedOff {
        event,
        channel: channel.into(),
    }
}

pub async fn notification_prefs_switch_pairs_off_and_set_contacts(store: Arc<dyn Store>) {
    let a = user(&store, "pref-a", &[Role::Applicant]).await;
    let b = user(&store, "pref-b", &[Role::Applicant]).await;
    assert_eq!(a.email, "", "no address until one is given");
    assert!(store.switched_off(a.id).await.unwrap().is_empty());

    store
        .save_prefs(
            PrefsChange {
                user: a.id,
                email: Some("a@example.com".into()),
                mobile: None,
                events: vec![Event::CaseAccepted, Event::CaseIssued],
                off: vec![
                    off(Event::CaseIssued, "inbox"),
                    off(Event::CaseAccepted, "email"),
                ],
            },
            fact("user.notification_settings", "pref-a"),
        )
        .await
        .unwrap();
    assert_eq!(
        store.switched_off(a.id).await.unwrap(),
        vec![
            off(Event::CaseAccepted, "email"),
            off(Event::CaseIssued, "inbox")
        ]
    );
    assert!(
        store.switched_off(b.id).await.unwrap().is_empty(),
        "per user"
    );
    let read = store.user(a.id).await.unwrap().unwrap();
    assert_eq!(
        (read.email.as_str(), read.mobile.as_str()),
        ("a@example.com", "")
    );

    // Only the events named are set again; a contact left out stays.
    store
        .save_prefs(
            PrefsChange {
                user: a.id,
                email: None,
                mobile: Some("13800138000".into()),
                events: vec![Event::CaseAccepted],
                off: Vec::new(),
            },
            fact("user.notification_settings", "pref-a"),
        )
        .await
        .unwrap();
    assert_eq!(
        store.switched_off(a.id).await.unwrap(),
        vec![off(Event::CaseIssued, "inbox")]
    );
    let read = store.user(a.id).await.unwrap().unwrap();
    assert_eq!(
        (read.email.as_str(), read.mobile.as_str()),
        ("a@example.com", "13800138000")
    );

    // Saving the user again (an administrator) keeps the address, and says so.
    let again = user(&store, "pref-a", &[Role::Applicant]).await;
    assert_eq!(again.email, "a@example.com");
    let listed = store.users().await.unwrap();
    assert!(
        listed
            .iter()
            .any(|u| u.id == a.id && u.email == "a@example.com")
    );

    // An empty address clears it.
    store
        .save_prefs(
            PrefsChange {
                user: a.id,
                email: Some(String::new()),
                mobile: None,
                events: Vec::new(),
                off: Vec::new(),
            },
            fact("user.notification_settings", "pref-a"),
        )
        .await
        .unwrap();
    assert_eq!(store.user(a.id).await.unwrap().unwrap().email, "");
    let log = audit_log(&store, 10).await;
    assert_eq!(
        log.iter()
            .filter(|e| e.kind == "user.notification_settings")
            .count(),
        3,
        "every change is audited"
    );
    assert_unbroken(&log);
}
