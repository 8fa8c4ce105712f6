//! 好差评: a rating is stored once per case and never changed or deleted; a
//! rectification's steps are taken once each, in order; its clocks alert once;
//! the tallies count ended cases with their ratings by item, channel and the
//! person who took them in.

use std::sync::Arc;

use onestamp_app::Store;
use onestamp_app::store::{NewRating, RatingQuery, StoreError};
use onestamp_domain::case::{CaseStatus, Channel, Stage};
use onestamp_domain::rating::{
    AppealGround, AppealStatus, OutcomeKind, RatingLevel, RectificationDue, RectificationStatus,
};
use onestamp_domain::role::Role;

use crate::common::{DAY, Raw, at, case, fact, new_case, user};

pub async fn ratings_are_kept_once_and_rectifications_step_once(store: Arc<dyn Store>, raw: Raw) {
    let applicant = user(&store, "zhangsan", &[Role::Applicant]).await;
    let clerk = user(&store, "clerk", &[Role::Clerk]).await;
    let mut ended = case(&applicant, "ITEM-A", None, None);
    ended.status = CaseStatus::NotAccepted;
    ended.handlers.insert(Stage::Intake, clerk.id);
    let cal = onestamp_domain::calendar::Calendar::china_default();
    let mut new = new_case(ended, DAY);
    new.tally = onestamp_domain::analytics::of_history(&new.case, &new.events, &cal);
    let stored = store.create_case(new).await.unwrap();
    let running = store
        .create_case(new_case(case(&applicant, "ITEM-A", None, None), DAY))
        .await
        .unwrap();
    let new = NewRating {
        case_id: stored.id,
        case_number: stored.number.clone(),
        applicant_id: applicant.id,
        item_code: "ITEM-A".into(),
        department: "DEPT".into(),
        channel: Channel::Counter,
        staff_id: Some(clerk.id),
        level: RatingLevel::Dissatisfied,
        reasons: vec!["slow".into()],
        comment: "太慢".into(),
        rated_at: at(0),
        rectification: Some(RectificationDue {
            callback_due: at(60),
            callback_warn: at(30),
            rectify_due: at(600),
            rectify_warn: at(300),
        }),
        audit: vec![fact("rating.give", &stored.number)],
        tally: onestamp_domain::analytics::of_rating(&stored, RatingLevel::Dissatisfied, &cal),
    };
    let rating = store.create_rating(new.clone()).await.unwrap();
    assert_eq!(rating.level, RatingLevel::Dissatisfied);
    assert_eq!(rating.reasons, ["slow"]);
    assert!(matches!(
        store.create_rating(new).await,
        Err(StoreError::Duplicate(_))
    ));
    for sql in [
        "UPDATE ratings SET level = 'satisfied'",
        "DELETE FROM ratings",
    ] {
        assert!(raw.execute(sql).await.is_err(), "{sql}");
    }
    assert_eq!(
        store.rating_of_case(stored.id).await.unwrap().unwrap(),
        rating
    );

    let tallies = store.rating_tallies().await.unwrap();
    assert_eq!(tallies.len(), 1, "only the ended case: {tallies:?}");
    assert_eq!(tallies[0].staff_id, Some(clerk.id));
    assert_eq!(tallies[0].channel, "counter");
    assert_eq!((tallies[0].counts.ended, tallies[0].counts.rated), (1, 1));
    assert_eq!(tallies[0].counts.bad, 1);
    assert!(store.rating_of_case(running.id).await.unwrap().is_none());

    let r = store
        .rectification_of_rating(rating.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.status, RectificationStatus::AwaitingCallback);
    assert_eq!(r.callback_due, at(60));
    // The call back runs out first, then the rectification: one alert each.
    let raised = store.raise_due_alerts(at(61), 50).await.unwrap();
    assert_eq!(raised.len(), 1);
    assert_eq!(raised[0].kind, "rectification_callback_overdue");
    assert!(store.raise_due_alerts(at(62), 50).await.unwrap().is_empty());
    let f = || fact("rectification.step", &stored.number);
    assert!(
        !store
            .record_outcome(r.id, OutcomeKind::Rectified, "x", clerk.id, at(70), f())
            .await
            .unwrap(),
        "no outcome before the call back"
    );
    assert!(
        store
            .record_callback(r.id, "已回访", clerk.id, at(70), f())
            .await
            .unwrap()
    );
    assert!(
        !store
            .record_callback(r.id, "再次", clerk.id, at(71), f())
            .await
            .unwrap()
    );
    assert!(
        store
            .record_outcome(
                r.id,
                OutcomeKind::Explained,
                "已说明",
                clerk.id,
                at(80),
                f()
            )
            .await
            .unwrap()
    );
    assert!(
        store
            .raise_due_alerts(at(700), 50)
            .await
            .unwrap()
            .is_empty(),
        "closed in time"
    );
    let open = store
        .rectifications(Some(RectificationStatus::Closed), None, 10)
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].outcome.as_deref(), Some("已说明"));

    let appeal = store
        .file_appeal(
            rating.id,
            AppealGround::Malicious,
            "辱骂",
            clerk.id,
            at(90),
            f(),
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .file_appeal(
                rating.id,
                AppealGround::Mistaken,
                "再次",
                clerk.id,
                at(91),
                f()
            )
            .await,
        Err(StoreError::Duplicate(_))
    ));
    assert!(
        store
            .decide_appeal(
                appeal,
                AppealStatus::Upheld,
                "属实",
                applicant.id,
                at(95),
                f(),
                onestamp_domain::analytics::of_upheld_appeal(
                    &stored,
                    RatingLevel::Dissatisfied,
                    &cal
                )
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .decide_appeal(
                appeal,
                AppealStatus::Rejected,
                "改判",
                applicant.id,
                at(96),
                f(),
                Default::default()
            )
            .await
            .unwrap()
    );
    let kept = store
        .ratings(&RatingQuery {
            appeal: Some(AppealStatus::Upheld),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].level, RatingLevel::Dissatisfied);
    let tallies = store.rating_tallies().await.unwrap();
    assert_eq!((tallies[0].counts.bad, tallies[0].counts.voided), (0, 1));
}
