//! The analytics rows: written with their case change (and rolled back with a
//! refused one), summed over a day range and a set of items, replaced whole.

use std::sync::Arc;

use chrono::NaiveDate;

use onestamp_app::Store;
use onestamp_app::store::{AnalyticsFilter, StoreError};
use onestamp_domain::analytics::{Counters, RatingDelta, Tally, of_step};
use onestamp_domain::calendar::Calendar;
use onestamp_domain::case::{CaseStatus, Stage};
use onestamp_domain::role::Role;

use super::moved_on;
use crate::common::{DAY, at, case, new_case, user};

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, d).expect("date")
}

fn all(from: u32, to: u32) -> AnalyticsFilter {
    AnalyticsFilter {
        from: day(from),
        to: day(to),
        items: None,
    }
}

pub async fn analytics_rows_follow_their_changes_and_sum_by_period_and_item(store: Arc<dyn Store>) {
    let cal = Calendar::china_default();
    let applicant = user(&store, "zhangsan", &[Role::Applicant]).await;
    let clerk = user(&store, "clerk", &[Role::Clerk]).await;
    let overdue_clerk = user(&store, "late", &[Role::Clerk]).await;
    // Two submissions of ITEM-A on 2026-03-02 (at(0) is that day in the bureau),
    // one of ITEM-B on the next day.
    let mut stored = Vec::new();
    for (item, minutes) in [("ITEM-A", 0), ("ITEM-A", 10), ("ITEM-B", 60 * 24)] {
        let mut c = case(&applicant, item, Some(clerk.id), Some(60 * 24 * 400));
        c.submitted_at = at(minutes);
        c.updated_at = at(minutes);
        let mut new = new_case(c, DAY);
        new.tally = onestamp_domain::analytics::of_history(&new.case, &new.events, &cal);
        stored.push(store.create_case(new).await.expect("create"));
    }
    // The first is refused at intake; its change carries its tally.
    let mut change = moved_on(&stored[0], clerk.id, None);
    change.case.status = CaseStatus::NotAccepted;
    change.event.to_status = CaseStatus::NotAccepted;
    change.event.action = "not_accept".into();
    change.case.handlers.insert(Stage::Intake, clerk.id);
    change.tally = of_step(&change.case, &change.event, &cal);
    store.commit_case(change.clone()).await.expect("commit");
    // A stale commit of the same change writes nothing, counts included.
    assert!(matches!(
        store.commit_case(change).await,
        Err(StoreError::VersionConflict { .. })
    ));
    let rows = store.volume(&all(1, 31)).await.unwrap();
    let a: Vec<_> = rows.iter().filter(|r| r.item_code == "ITEM-A").collect();
    assert_eq!(a.len(), 1, "{rows:?}");
    let c = a[0].counters;
    assert_eq!(
        (c.submitted, c.ended, c.not_accepted, c.on_time_committed),
        (2, 1, 1, 1)
    );
    assert_eq!(a[0].channel, "counter");
    let by_day = store.volume_by_day(&all(1, 31)).await.unwrap();
    assert_eq!(
        by_day
            .iter()
            .map(|(d, c)| (*d, c.submitted))
            .collect::<Vec<_>>(),
        [(day(2), 2), (day(3), 1)]
    );
    // A period and an item set narrow the sums.
    assert_eq!(store.volume(&all(3, 31)).await.unwrap().len(), 1);
    let only_b = AnalyticsFilter {
        items: Some(vec!["ITEM-B".into()]),
        ..all(1, 31)
    };
    assert_eq!(store.volume(&only_b).await.unwrap()[0].item_code, "ITEM-B");
    let none = AnalyticsFilter {
        items: Some(Vec::new()),
        ..all(1, 31)
    };
    assert!(store.volume(&none).await.unwrap().is_empty());
    let total = store.volume_all_time().await.unwrap();
    assert_eq!((total.submitted, total.ended), (3, 1));
    let refusals = store.refusal_counts(&all(1, 31), 10).await.unwrap();
    assert_eq!(refusals.len(), 1);
    assert_eq!(
        (
            refusals[0].key.as_str(),
            refusals[0].detail.as_str(),
            refusals[0].n
        ),
        ("not_accepted", "材料齐全，予以受理", 1)
    );
    let ratings = store.rating_rows(&all(1, 31)).await.unwrap();
    assert_eq!(ratings.len(), 1);
    assert_eq!(
        (ratings[0].staff_id, ratings[0].counts.ended),
        (Some(clerk.id), 1)
    );

    // Overdue tasks by holder: the open tasks past their deadline at `now`.
    let mut late = case(&applicant, "ITEM-A", Some(overdue_clerk.id), Some(30));
    late.submitted_at = at(20);
    late.updated_at = at(20);
    let mut new = new_case(late, DAY);
    new.tally = onestamp_domain::analytics::of_history(&new.case, &new.events, &cal);
    store.create_case(new).await.unwrap();
    let overdue = store.overdue_by_holder(at(60), None).await.unwrap();
    assert_eq!(overdue, [(overdue_clerk.id, Stage::Intake, 1)]);
    assert!(
        store
            .overdue_by_holder(at(0), None)
            .await
            .unwrap()
            .is_empty()
    );
    // …of a department's items only, when asked.
    let items_a = ["ITEM-A".to_string()];
    let items_b = ["ITEM-B".to_string()];
    assert_eq!(
        store
            .overdue_by_holder(at(60), Some(&items_a))
            .await
            .unwrap(),
        overdue
    );
    assert!(
        store
            .overdue_by_holder(at(60), Some(&items_b))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .overdue_by_holder(at(60), Some(&[]))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.overdue_count(at(60)).await.unwrap(), 1);
    assert_eq!(store.overdue_count(at(0)).await.unwrap(), 0);
    let total = store.volume_all_time().await.unwrap();
    assert_eq!(
        total.submitted - total.ended,
        3,
        "two open, one late: submitted and not ended, from the month rows"
    );
    let names = store
        .display_names(&[clerk.id, overdue_clerk.id])
        .await
        .unwrap();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&(clerk.id, "clerk 的名字".to_string())));
    assert!(store.display_names(&[]).await.unwrap().is_empty());

    // Stage times, corrections and ratings rows sum the same way.
    let mut t = Tally::default();
    t.times
        .insert((day(5), "ITEM-A".into(), "review".into(), 3), 2);
    t.times
        .insert((day(6), "ITEM-A".into(), "review".into(), 3), 1);
    t.corrections
        .insert((day(5), "ITEM-A".into(), "M01".into(), "missing".into()), 4);
    t.ratings.insert(
        (day(5), "ITEM-A".into(), "web".into(), 0),
        RatingDelta {
            rated: 1,
            good: 1,
            ..RatingDelta::default()
        },
    );
    let issued = Counters {
        issued: 1,
        ..Counters::default()
    };
    let other = |m: u32, d: u32| NaiveDate::from_ymd_opt(2026, m, d).expect("date");
    for d in [other(2, 27), day(5), other(4, 2)] {
        t.volume.insert((d, "ITEM-A".into(), "web".into()), issued);
    }
    // A rebuild replaces every row at once.
    store.replace_analytics(t).await.unwrap();
    assert!(!store.analytics_stale().await.unwrap());
    let times = store.stage_times(&all(1, 31)).await.unwrap();
    assert_eq!(times.len(), 1);
    assert_eq!(
        (times[0].stage.as_str(), times[0].bucket, times[0].n),
        ("review", 3, 3)
    );
    let corrections = store.correction_counts(&all(1, 31)).await.unwrap();
    assert_eq!(corrections[0].n, 4);
    let total = store.volume_all_time().await.unwrap();
    assert_eq!((total.submitted, total.issued), (0, 3));
    // A period reads whole months from their month rows and the days at
    // either end from the day rows, each day once.
    let period = |from: NaiveDate, to: NaiveDate| AnalyticsFilter {
        from,
        to,
        items: None,
    };
    for (from, to, want) in [
        (other(2, 27), other(4, 2), 3),
        (other(2, 28), other(4, 1), 1),
        (day(1), day(31), 1),
        (day(6), day(31), 0),
        (other(1, 1), other(12, 31), 3),
        (other(4, 2), other(4, 2), 1),
    ] {
        let rows = store.volume(&period(from, to)).await.unwrap();
        let n: i64 = rows.iter().map(|r| r.counters.issued).sum();
        assert_eq!(n, want, "{from}..{to}");
    }
    let months = store
        .volume_by_month(&period(other(1, 15), other(4, 30)))
        .await
        .unwrap();
    assert_eq!(
        months
            .iter()
            .map(|(d, c)| (*d, c.issued))
            .collect::<Vec<_>>(),
        [(other(2, 1), 1), (other(3, 1), 1), (other(4, 1), 1)]
    );
    let days = store
        .volume_by_day(&period(other(2, 1), other(4, 30)))
        .await
        .unwrap();
    assert_eq!(
        days.iter().map(|(d, _)| *d).collect::<Vec<_>>(),
        [other(2, 27), day(5), other(4, 2)]
    );
    let ratings = store.rating_rows(&all(1, 31)).await.unwrap();
    assert_eq!((ratings[0].staff_id, ratings[0].counts.good), (None, 1));
    assert!(
        store
            .refusal_counts(&all(1, 31), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn licence_counts_read_valid_expiring_and_revoked(store: Arc<dyn Store>) {
    let counts = store
        .licence_counts(day(31), Some(&["ITEM-A".to_string()]))
        .await
        .unwrap();
    assert_eq!((counts.valid, counts.expiring, counts.revoked), (0, 0, 0));
    let none = store.licence_counts(day(31), Some(&[])).await.unwrap();
    assert_eq!(none.valid, 0);
    assert!(store.rated_cases().await.unwrap().is_empty());
}
