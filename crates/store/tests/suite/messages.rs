//! The outbox: a message is written with its change and fanned out to each
//! channel and target once; a delivery is claimed by one worker at a time and
//! its outcome recorded only under that worker's lease; the inbox is
//! delivered exactly once however many workers race.

use std::sync::Arc;

use chrono::Duration;

use onestamp_app::Store;
use onestamp_app::store::{DeliveryState, Finish, NewMessage};
use onestamp_domain::message::{Audience, case_step};
use onestamp_domain::role::Role;

use super::moved_on;
use crate::common::{DAY, Raw, at, case, new_case, user};

fn message_of(change: &onestamp_app::store::CaseChange, audience: Vec<Audience>) -> NewMessage {
    let mut m = case_step("accept", &change.case, "书店开办", change.case.updated_at)
        .expect("accept sends a message");
    m.audience = audience;
    NewMessage {
        message: m,
        case_id: Some(change.case.id),
        case_number: Some(change.case.number.clone()),
        licence_id: None,
        department: Some("D-CULTURE".into()),
        data: serde_json::json!({"item_code": "ITEM-A"}),
    }
}

pub async fn deliveries_are_fanned_out_once_claimed_by_one_worker_and_recorded_under_its_lease(
    store: Arc<dyn Store>,
    raw: Raw,
) {
    let alice = user(&store, "alice", &[Role::Applicant]).await;
    let clerk = user(&store, "clerk", &[Role::Clerk]).await;
    let boss = user(&store, "boss", &[Role::Supervisor]).await;
    raw.execute("UPDATE users SET email = 'alice@example.com' WHERE username = 'alice'")
        .await
        .unwrap();
    let created = store
        .create_case(new_case(case(&alice, "ITEM-A", Some(clerk.id), None), DAY))
        .await
        .unwrap();
    let mut change = moved_on(&created, clerk.id, None);
    let msg = message_of(
        &change,
        vec![Audience::User(alice.id), Audience::Role(Role::Supervisor)],
    );
    change.messages = vec![msg.clone(), msg.clone()];
    store.commit_case(change).await.unwrap();

    let written = store.case_messages(created.id).await.unwrap();
    assert_eq!(written.len(), 1, "one message per key");
    assert_eq!(written[0].recipients, vec![alice.id, boss.id]);
    assert_eq!(written[0].event, "case.accepted");
    let mine = |channel| {
        let store = store.clone();
        async move {
            store
                .deliveries(Some(channel), None, None, 50)
                .await
                .unwrap()
        }
    };
    assert_eq!(mine("inbox").await.len(), 2, "alice and the supervisor");
    assert_eq!(mine("email").await.len(), 1, "only alice has an address");

    // Two workers claim at once: one gets the email delivery.
    let (a, b) = (store.clone(), store.clone());
    let lease = at(100);
    let one = tokio::spawn(async move { a.claim_deliveries("email", at(10), lease, 10).await });
    let two = tokio::spawn(async move { b.claim_deliveries("email", at(10), lease, 10).await });
    let (one, two) = (one.await.unwrap().unwrap(), two.await.unwrap().unwrap());
    assert_eq!(one.len() + two.len(), 1, "claimed once");
    let claimed = one.into_iter().chain(two).next().unwrap();
    assert_eq!(
        (claimed.attempts, claimed.target.clone()),
        (1, alice.id.to_string())
    );
    assert_eq!(claimed.message.subject, written[0].subject);
    // While the lease holds nobody else gets it; after, another worker does.
    assert!(
        store
            .claim_deliveries("email", at(50), at(150), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let again = store
        .claim_deliveries("email", at(101), at(200), 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 2);
    let failed = Finish {
        state: DeliveryState::Pending,
        due_at: at(101) + Duration::seconds(5),
        status: Some(421),
        answer: Some("try later".into()),
        error: Some("服务器繁忙".into()),
        at: at(101),
    };
    // The first worker's lease ran out: its outcome is not recorded.
    assert!(
        !store
            .finish_delivery(claimed.id, lease, failed.clone())
            .await
            .unwrap()
    );
    assert!(
        store
            .finish_delivery(again[0].id, at(200), failed)
            .await
            .unwrap()
    );
    let d = store.delivery(claimed.id).await.unwrap().unwrap();
    assert_eq!(
        (d.state, d.attempts, d.last_status),
        (DeliveryState::Pending, 2, Some(421))
    );
    let done = Finish {
        state: DeliveryState::Failed,
        due_at: at(300),
        status: None,
        answer: None,
        error: Some("gave up".into()),
        at: at(300),
    };
    let third = store
        .claim_deliveries("email", at(300), at(400), 10)
        .await
        .unwrap();
    assert!(
        store
            .finish_delivery(third[0].id, at(400), done)
            .await
            .unwrap()
    );
    assert!(
        store
            .claim_deliveries("email", at(500), at(600), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.retry_delivery(claimed.id, at(500)).await.unwrap());
    assert!(
        !store.retry_delivery(claimed.id, at(500)).await.unwrap(),
        "pending already"
    );
    assert_eq!(
        store
            .claim_deliveries("email", at(500), at(600), 10)
            .await
            .unwrap()
            .len(),
        1
    );

    // The inbox, by racing workers: each entry once.
    let (a, b) = (store.clone(), store.clone());
    let one = tokio::spawn(async move { a.deliver_inbox(at(20), 10).await });
    let two = tokio::spawn(async move { b.deliver_inbox(at(20), 10).await });
    assert_eq!(one.await.unwrap().unwrap() + two.await.unwrap().unwrap(), 2);
    assert_eq!(store.deliver_inbox(at(21), 10).await.unwrap(), 0);
    let inbox = store.inbox(alice.id, None, 10, false).await.unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].kind, "case.accepted");
    assert_eq!(inbox[0].case_id, Some(created.id));
    assert_eq!(store.unread_count(alice.id).await.unwrap(), 1);
    assert_eq!(
        store
            .mark_read(boss.id, Some(inbox[0].id), at(22))
            .await
            .unwrap(),
        0,
        "not theirs"
    );
    assert_eq!(
        store
            .mark_read(alice.id, Some(inbox[0].id), at(22))
            .await
            .unwrap(),
        1
    );
    assert_eq!(store.unread_count(alice.id).await.unwrap(), 0);
    assert!(
        store
            .inbox(alice.id, None, 10, true)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.unread_count(boss.id).await.unwrap(), 1);

    // Switched off: no email delivery for that event, the inbox still.
    raw.execute(
        "INSERT INTO notification_prefs (user_id, event, channel)
         SELECT id, 'case.accepted', 'email' FROM users WHERE username = 'alice'",
    )
    .await
    .unwrap();
    let current = store.case(created.id).await.unwrap().unwrap();
    let mut next = moved_on(&current, clerk.id, None);
    next.case.status = current.status;
    next.event.to_status = current.status;
    next.messages = vec![message_of(&next, vec![Audience::User(alice.id)])];
    store.commit_case(next).await.unwrap();
    assert_eq!(mine("email").await.len(), 1, "no new email delivery");
    assert_eq!(mine("inbox").await.len(), 3);
    let backlog = store.delivery_backlog().await.unwrap();
    let of = |c: &str| {
        backlog
            .iter()
            .find(|b| b.channel == c)
            .map(|b| (b.pending, b.failed))
    };
    assert_eq!(of("inbox"), Some((1, 0)));
    assert_eq!(of("email"), Some((1, 0)));
    assert_eq!(of("webhook"), Some((0, 0)));
}
