//! The hall's analytics rows: each ticket and booking step writes its tally
//! with the step, only when the step happened — a racing call counts once, a
//! call after a transfer counts no second wait, a cancelled hold counts
//! nothing — and the sums read back by day and by month.

use std::sync::Arc;

use chrono::NaiveDate;

use onestamp_app::Store;
use onestamp_app::store::{AnalyticsFilter, NewBooking, NewCall, NewTicket, WindowChange};
use onestamp_domain::analytics_hall::{self as figures, BOOKING, HallCounts, WAIT, WALK_IN};
use onestamp_domain::hall::{Group, Ticket, TicketSource, TicketStatus};
use onestamp_domain::role::Role;

use crate::common::{DAY, at, case, new_case, user};

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
}

fn fact(kind: &str) -> onestamp_domain::audit::AuditFact {
    onestamp_domain::audit::AuditFact {
        at: at(10),
        actor_id: None,
        kind: kind.into(),
        subject: "2026-03-02:A001".into(),
        detail: serde_json::json!({}),
    }
}

fn take(n: usize) -> NewTicket {
    NewTicket {
        day: day(),
        group: "A".into(),
        item_code: None,
        applicant: None,
        source: TicketSource::Hall,
        appointment_at: None,
        status: TicketStatus::Waiting,
        at: at(10),
        token: format!("{:064x}", 500 + n),
        booking: None,
        audit: fact("hall.ticket.take"),
        tally: figures::of_ticket_taken(day(), "A", WALK_IN),
    }
}

fn call(t: &Ticket, minute: i64) -> NewCall {
    NewCall {
        window_number: "1".into(),
        kind: "call",
        voice: "请到1号窗口".into(),
        at: at(minute),
        audit: fact("hall.ticket.call"),
        tally: figures::of_ticket_called(t, at(minute)),
    }
}

async fn counts(
    store: &Arc<dyn Store>,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<(String, String, HallCounts)> {
    let f = AnalyticsFilter {
        from,
        to,
        items: None,
    };
    store
        .hall_counts(&f)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.group, r.source, r.counts))
        .collect()
}

async fn walk_in(store: &Arc<dyn Store>) -> HallCounts {
    counts(store, day(), day())
        .await
        .into_iter()
        .find(|(g, s, _)| g == "A" && s == WALK_IN)
        .map(|(_, _, c)| c)
        .unwrap_or_default()
}

pub async fn hall_steps_count_in_the_figures_once_with_the_step(store: Arc<dyn Store>) {
    store
        .save_hall_group(Group {
            code: "A".into(),
            name: "分组A".into(),
            items: vec!["ITEM-A".into()],
            per_slot: 2,
        })
        .await
        .unwrap();
    let mut windows = Vec::new();
    for number in ["1", "2"] {
        let w = store
            .save_hall_window(WindowChange {
                id: None,
                number: number.into(),
                groups: vec!["A".into()],
                staff: None,
                open: true,
            })
            .await
            .unwrap();
        windows.push(w.id);
    }
    let first = store.take_ticket(take(1)).await.unwrap();
    let second = store.take_ticket(take(2)).await.unwrap();
    assert_eq!(walk_in(&store).await.taken, 2);

    // Two windows call the first ticket at once: one call, one wait (10 minutes).
    let (r1, r2) = tokio::join!(
        store.call_ticket(first.id, windows[0], call(&first, 20)),
        store.call_ticket(first.id, windows[1], call(&first, 20))
    );
    assert!(r1.unwrap().is_some() != r2.unwrap().is_some());
    let c = walk_in(&store).await;
    assert_eq!((c.called, c.wait_secs), (1, 600));

    // Transferred and called again, by a caller that read it before its
    // first call: no second wait.
    let window = store
        .ticket(first.id)
        .await
        .unwrap()
        .unwrap()
        .window_id
        .unwrap();
    let other = if window == windows[0] {
        windows[1]
    } else {
        windows[0]
    };
    assert!(
        store
            .transfer_ticket(first.id, window, other, fact("hall.ticket.transfer"))
            .await
            .unwrap()
    );
    assert!(
        store
            .call_ticket(first.id, other, call(&first, 25))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(walk_in(&store).await.called, 1);

    // The end counts its handling time once (from the first call: 15 minutes).
    let applicant = user(&store, "hall-tally", &[Role::Applicant]).await;
    let c = store
        .create_case(new_case(case(&applicant, "ITEM-A", None, None), DAY))
        .await
        .unwrap();
    let called = store.ticket(first.id).await.unwrap().unwrap();
    for minute in [35, 36] {
        store
            .end_ticket(
                first.id,
                c.id,
                at(minute),
                fact("hall.ticket.end"),
                figures::of_ticket_ended(&called, at(minute)),
            )
            .await
            .unwrap();
    }
    let c = walk_in(&store).await;
    assert_eq!((c.served, c.handle_secs), (1, 900));

    // A no-show once.
    assert!(
        store
            .call_ticket(second.id, windows[0], call(&second, 40))
            .await
            .unwrap()
            .is_some()
    );
    let called = store.ticket(second.id).await.unwrap().unwrap();
    for minute in [45, 46] {
        store
            .set_ticket_status(
                second.id,
                TicketStatus::Called,
                TicketStatus::NoShow,
                at(minute),
                fact("hall.ticket.no_show"),
                figures::of_ticket_over(&called, TicketStatus::NoShow),
            )
            .await
            .unwrap();
    }
    let c = walk_in(&store).await;
    assert_eq!((c.taken, c.called, c.served, c.no_show), (2, 2, 1, 1));

    // The buckets: waits of 10 and 30 minutes, one handling time.
    let f = AnalyticsFilter {
        from: day(),
        to: day(),
        items: None,
    };
    let times = store.hall_times(&f).await.unwrap();
    let waits: Vec<(usize, i64)> = times
        .iter()
        .filter(|t| t.measure == WAIT)
        .map(|t| (t.bucket, t.n))
        .collect();
    assert_eq!(
        waits,
        vec![(figures::hall_bucket(10), 1), (figures::hall_bucket(30), 1)]
    );
    assert_eq!(times.len(), 3);

    // Bookings: a confirmation once, a cancelled hold counts nothing, a
    // cancelled confirmation counts once.
    let p = user(&store, "hall-booker", &[Role::Applicant]).await;
    let new = |start: i64| NewBooking {
        group: "A".into(),
        item_code: None,
        slot_start: at(start),
        slot_end: at(start + 30),
        applicant: p.id,
        capacity: 2,
        held_until: at(15),
        at: at(0),
    };
    let held = store.book_slot(new(60)).await.unwrap().unwrap();
    let kept = store.book_slot(new(90)).await.unwrap().unwrap();
    for minute in [5, 6] {
        store
            .confirm_booking(
                kept.id,
                at(minute),
                None,
                figures::of_booking_confirmed("A", day()),
            )
            .await
            .unwrap();
    }
    let cancel = |id: i64| {
        let s = store.clone();
        async move {
            s.cancel_booking(
                id,
                at(7),
                "本人取消",
                None,
                figures::of_booking_cancelled("A", day(), false),
            )
            .await
            .unwrap()
        }
    };
    assert!(cancel(held.id).await);
    assert!(cancel(kept.id).await);
    assert!(!cancel(kept.id).await);
    let rows = counts(&store, day(), day()).await;
    let booked = rows
        .iter()
        .find(|(_, s, _)| s == BOOKING)
        .map(|(_, _, c)| *c)
        .unwrap();
    assert_eq!((booked.booked, booked.booking_cancelled), (1, 1));

    // The month reads the same sums from its month rows.
    let march = counts(
        &store,
        NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
    )
    .await;
    assert_eq!(march, rows);

    // A rebuild's pages read every ticket and booking by id.
    let page = store.tickets_after(0, 1).await.unwrap();
    assert_eq!(page.iter().map(|t| t.id).collect::<Vec<_>>(), [first.id]);
    let rest = store.tickets_after(first.id, 10).await.unwrap();
    assert_eq!(rest.iter().map(|t| t.id).collect::<Vec<_>>(), [second.id]);
    let bookings = store.bookings_after(0, 10).await.unwrap();
    assert_eq!(bookings.len(), 2);
}
