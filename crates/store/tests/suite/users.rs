//! Users, roles, login tokens and staff load.

use std::sync::Arc;

use chrono::Duration;

use onestamp_app::Store;
use onestamp_domain::role::Role;

use super::{audit_log, moved_on};
use crate::common::{DAY, at, case, fact, new_case, user};

pub async fn users_are_upserted_by_name_with_their_roles(store: Arc<dyn Store>) {
    let first = user(
        &store,
        "wangmin",
        &[Role::Reviewer, Role::Clerk, Role::Clerk],
    )
    .await;
    assert_eq!(
        first.roles,
        vec![Role::Clerk, Role::Reviewer],
        "sorted, no duplicates"
    );
    assert!(first.active);
    assert_eq!(store.user(first.id).await.unwrap(), Some(first.clone()));

    let other = user(&store, "lisi", &[Role::Applicant]).await;
    assert_ne!(other.id, first.id);

    let again = store
        .upsert_user(
            onestamp_app::store::NewUser {
                username: "wangmin".into(),
                display_name: "王敏（审查）".into(),
                roles: vec![Role::Approver],
                identity: String::new(),
                identity_kind: None,
                mobile: String::new(),
                password_hash: "new-hash".into(),
            },
            fact("user.update", "wangmin"),
        )
        .await
        .unwrap();
    assert_eq!(again.id, first.id, "the same user, updated");
    // An applicant's registered kind is kept, not guessed from the number.
    let person = store
        .upsert_user(
            onestamp_app::store::NewUser {
                username: "citizen".into(),
                display_name: "公民".into(),
                roles: vec![Role::Applicant],
                identity: "91510107MA6C11110G".into(),
                identity_kind: Some(onestamp_domain::case::ApplicantKind::Person),
                mobile: String::new(),
                password_hash: "h".into(),
            },
            fact("user.create", "citizen"),
        )
        .await
        .unwrap();
    let read = store.user(person.id).await.unwrap().unwrap();
    assert_eq!(
        read.identity_kind,
        Some(onestamp_domain::case::ApplicantKind::Person)
    );
    assert_eq!(read, person);
    assert_eq!(
        again.roles,
        vec![Role::Approver],
        "roles replaced, not added"
    );
    assert_eq!(store.user(first.id).await.unwrap(), Some(again.clone()));

    let (found, hash) = store.user_credentials("wangmin").await.unwrap().unwrap();
    assert_eq!((found, hash.as_str()), (again.clone(), "new-hash"));
    assert_eq!(store.user_credentials("nobody").await.unwrap(), None);
    assert_eq!(store.user(9999).await.unwrap(), None);

    assert_eq!(store.users().await.unwrap(), vec![again, other, person]);
    assert_eq!(
        audit_log(&store, 100).await.len(),
        4,
        "one audit entry per upsert"
    );
}

pub async fn applicants_are_found_by_identity_with_their_mobile(store: Arc<dyn Store>) {
    let staff = user(&store, "clerk", &[Role::Clerk]).await;
    let applicant = |username: &str, identity: &str| onestamp_app::store::NewUser {
        username: username.into(),
        display_name: "赵六".into(),
        roles: vec![Role::Applicant],
        identity: identity.into(),
        identity_kind: Some(onestamp_domain::case::ApplicantKind::Person),
        mobile: "13800281234".into(),
        password_hash: "!".into(),
    };
    let zhao = store
        .upsert_user(
            applicant("zhao", "11010519491231002X"),
            fact("user.register", "zhao"),
        )
        .await
        .unwrap();
    assert_eq!(zhao.mobile, "13800281234");
    store
        .upsert_user(
            applicant("qian", "510107199003071236"),
            fact("user.register", "qian"),
        )
        .await
        .unwrap();
    let found = store
        .applicants_by_identity("11010519491231002X")
        .await
        .unwrap();
    assert_eq!(found, vec![zhao.clone()]);
    assert_eq!(store.user(zhao.id).await.unwrap(), Some(zhao));
    assert!(
        store
            .applicants_by_identity("")
            .await
            .unwrap()
            .iter()
            .all(|u| u.id != staff.id),
        "staff have no identity to be found by"
    );
    assert_eq!(
        store
            .applicants_by_identity("110105194912310021")
            .await
            .unwrap(),
        vec![]
    );
}

pub async fn tokens_find_their_user_until_they_expire_or_are_revoked(store: Arc<dyn Store>) {
    let u = user(&store, "zhangsan", &[Role::Applicant]).await;
    let expires = at(60);
    store.create_token("h1", u.id, expires).await.unwrap();
    store.create_token("h2", u.id, expires).await.unwrap();

    let before = expires - Duration::milliseconds(1);
    assert_eq!(
        store.token_user("h1", before).await.unwrap(),
        Some(u.clone())
    );
    assert_eq!(
        store.token_user("h1", expires).await.unwrap(),
        None,
        "expired at its instant"
    );
    assert_eq!(store.token_user("unknown", before).await.unwrap(), None);

    store.revoke_token("h1").await.unwrap();
    assert_eq!(
        store.token_user("h1", before).await.unwrap(),
        None,
        "revoked"
    );
    assert_eq!(
        store.token_user("h2", before).await.unwrap(),
        Some(u),
        "others unaffected"
    );
    store.revoke_token("unknown").await.unwrap();
}

pub async fn staff_of_role_counts_the_open_tasks_of_active_staff_of_a_role(store: Arc<dyn Store>) {
    let a = user(&store, "clerk_a", &[Role::Clerk]).await;
    let b = user(&store, "clerk_b", &[Role::Clerk, Role::Reviewer]).await;
    let idle = user(&store, "clerk_idle", &[Role::Clerk]).await;
    let reviewer = user(&store, "reviewer", &[Role::Reviewer]).await;
    let applicant = user(&store, "zhangsan", &[Role::Applicant]).await;

    let mut opened = Vec::new();
    for clerk in [a.id, a.id, a.id, b.id] {
        let c = case(&applicant, "ITEM-A", Some(clerk), Some(60));
        opened.push(store.create_case(new_case(c, DAY)).await.unwrap());
    }
    // One of a's cases moves on to b as reviewer: a loses a task, b gains one.
    store
        .commit_case(moved_on(&opened[0], a.id, Some(b.id)))
        .await
        .unwrap();

    let loads = |staff: Vec<onestamp_app::store::StaffMember>| {
        let mut l: Vec<(i64, u32)> = staff.into_iter().map(|s| (s.user.id, s.load)).collect();
        l.sort();
        l
    };
    let clerks = loads(store.staff_of_role(Role::Clerk).await.unwrap());
    assert_eq!(clerks, vec![(a.id, 2), (b.id, 2), (idle.id, 0)]);
    let reviewers = loads(store.staff_of_role(Role::Reviewer).await.unwrap());
    assert_eq!(reviewers, vec![(b.id, 2), (reviewer.id, 0)]);
    assert_eq!(
        loads(store.staff_of_role(Role::Approver).await.unwrap()),
        vec![]
    );
}

pub async fn a_self_registration_refuses_a_taken_name_or_identity_and_writes_nothing(
    store: Arc<dyn Store>,
) {
    use onestamp_app::store::{NewUser, RegistrationDetails, StoreError};
    use onestamp_domain::case::ApplicantKind;
    let new = |username: &str, identity: &str| NewUser {
        username: username.into(),
        display_name: "成都蓉城茶舍有限公司".into(),
        roles: vec![Role::Applicant],
        identity: identity.into(),
        identity_kind: Some(ApplicantKind::Organisation),
        mobile: "13700001111".into(),
        password_hash: "$argon2id$v=19$x".into(),
    };
    let details = || RegistrationDetails {
        legal_rep: "周蓉".into(),
        contact_name: "陈小东".into(),
    };
    let tea = store
        .register_applicant(
            new("rongcheng_tea", "91510107MA6C222219"),
            details(),
            fact("user.self_register", "rongcheng_tea"),
        )
        .await
        .unwrap();
    assert!(tea.id > 0);
    assert_eq!(tea.roles, vec![Role::Applicant]);
    assert_eq!(store.user(tea.id).await.unwrap(), Some(tea.clone()));
    assert_eq!(
        store
            .applicants_by_identity("91510107MA6C222219")
            .await
            .unwrap(),
        vec![tea]
    );
    let taken_identity = store
        .register_applicant(
            new("other_tea", "91510107MA6C222219"),
            details(),
            fact("user.self_register", "other_tea"),
        )
        .await;
    assert!(
        matches!(&taken_identity, Err(StoreError::Duplicate(w)) if w == "identity"),
        "{taken_identity:?}"
    );
    // An identity registered at the window counts as taken too.
    user(&store, "clerk", &[Role::Clerk]).await;
    store
        .upsert_user(
            new("w0001", "92510107MA6C44441H"),
            fact("user.register", "w0001"),
        )
        .await
        .unwrap();
    let at_window = store
        .register_applicant(
            new("third_tea", "92510107MA6C44441H"),
            details(),
            fact("user.self_register", "third_tea"),
        )
        .await;
    assert!(matches!(&at_window, Err(StoreError::Duplicate(w)) if w == "identity"));
    let taken_name = store
        .register_applicant(
            new("rongcheng_tea", "91510107MA6C33331Y"),
            details(),
            fact("user.self_register", "rongcheng_tea"),
        )
        .await;
    assert!(matches!(&taken_name, Err(StoreError::Duplicate(w)) if w == "username"));
    assert!(store.user_credentials("other_tea").await.unwrap().is_none());
    // Only the registration that succeeded left its audit fact.
    let registered = audit_log(&store, 100)
        .await
        .iter()
        .filter(|e| e.kind == "user.self_register")
        .count();
    assert_eq!(registered, 1);
}
