//! Staff profiles and login throttling.

use std::sync::Arc;

use chrono::Duration;

use onestamp_app::Store;
use onestamp_domain::assignment::StaffProfile;
use onestamp_domain::role::Role;

use crate::common::{DAY, at, case, fact, new_case, user};

pub async fn staff_profiles_are_stored_and_listed_with_load(store: Arc<dyn Store>) {
    let applicant = user(&store, "alice", &[Role::Applicant]).await;
    let clerk = user(&store, "clerk", &[Role::Clerk, Role::Reviewer]).await;
    let other = user(&store, "other", &[Role::Clerk]).await;
    user(&store, "reviewer", &[Role::Reviewer]).await;

    // Nothing set yet: on duty, qualified for nothing.
    assert_eq!(
        store.staff_profile(clerk.id).await.unwrap(),
        Some(StaffProfile::default())
    );
    assert_eq!(store.staff_profile(9999).await.unwrap(), None);

    let profile = StaffProfile {
        available: false,
        departments: vec!["D-MARKET".into(), "*".into()],
        items: vec!["ITEM-A".into()],
        certificates: vec!["食品经营许可审查员".into()],
    };
    store
        .set_staff_profile(clerk.id, &profile, fact("staff.profile", "clerk"))
        .await
        .unwrap();
    assert_eq!(
        store.staff_profile(clerk.id).await.unwrap(),
        Some(profile.clone())
    );

    for _ in 0..2 {
        let c = case(&applicant, "ITEM-A", Some(clerk.id), Some(60));
        store.create_case(new_case(c, DAY)).await.unwrap();
    }
    let staff = store.staff_of_role(Role::Clerk).await.unwrap();
    let got: Vec<(i64, u32, bool)> = staff
        .iter()
        .map(|m| (m.user.id, m.load, m.profile.available))
        .collect();
    assert_eq!(got, [(clerk.id, 2, false), (other.id, 0, true)]);
    assert_eq!(staff[0].profile, profile);
    assert!(staff[0].user.roles.contains(&Role::Reviewer));
}

pub async fn login_failures_lock_within_the_window_and_reset_after_it(store: Arc<dyn Store>) {
    let window = Duration::minutes(15);
    let lock_for = Duration::minutes(30);
    assert_eq!(store.login_failures("bob").await.unwrap(), None);
    let one = store
        .record_login_failure("bob", at(0), window, 3, lock_for)
        .await
        .unwrap();
    assert_eq!((one.failures, one.locked_until), (1, None));
    let two = store
        .record_login_failure("bob", at(1), window, 3, lock_for)
        .await
        .unwrap();
    assert_eq!((two.failures, two.locked_until), (2, None));
    let three = store
        .record_login_failure("bob", at(2), window, 3, lock_for)
        .await
        .unwrap();
    assert_eq!((three.failures, three.locked_until), (3, Some(at(32))));
    let stored = store.login_failures("bob").await.unwrap().unwrap();
    assert_eq!((stored.failures, stored.locked_until), (3, Some(at(32))));
    // Someone else's failures count apart.
    let carol = store
        .record_login_failure("carol", at(2), window, 3, lock_for)
        .await
        .unwrap();
    assert_eq!(carol.failures, 1);

    // The window since the first failure has passed: the count starts again.
    let later = store
        .record_login_failure("bob", at(20), window, 3, lock_for)
        .await
        .unwrap();
    assert_eq!((later.failures, later.locked_until), (1, None));
    let stored = store.login_failures("bob").await.unwrap().unwrap();
    assert_eq!((stored.failures, stored.locked_until), (1, None));

    store.clear_login_failures("bob").await.unwrap();
    assert_eq!(store.login_failures("bob").await.unwrap(), None);
    assert!(store.login_failures("carol").await.unwrap().is_some());
}
