//! The service hall: tickets numbered per group and day however takes race,
//! each step once (`UPDATE … WHERE status = …`), two windows calling the same
//! ticket at once give it to one, and the call log read by id.

use std::sync::Arc;

use chrono::NaiveDate;

use onestamp_app::Store;
use onestamp_app::store::{NewCall, NewTicket, WindowChange};
use onestamp_domain::analytics::Tally;
use onestamp_domain::hall::{Group, TicketSource, TicketStatus};
use onestamp_domain::role::Role;

use crate::common::{DAY, at, case, new_case, user};

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
}

fn ticket(group: &str, status: TicketStatus, n: usize) -> NewTicket {
    NewTicket {
        day: day(),
        group: group.into(),
        item_code: None,
        applicant: None,
        source: if status == TicketStatus::Taken {
            TicketSource::Mobile
        } else {
            TicketSource::Hall
        },
        appointment_at: None,
        status,
        at: at(10),
        token: format!("{n:064x}"),
        booking: None,
        audit: fact("hall.ticket.take"),
        tally: Tally::default(),
    }
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

fn call(window: &str, minute: i64) -> NewCall {
    NewCall {
        window_number: window.into(),
        kind: "call",
        voice: format!("请到{window}号窗口"),
        at: at(minute),
        audit: fact("hall.ticket.call"),
        tally: Tally::default(),
    }
}

pub async fn tickets_are_numbered_per_group_and_day_and_step_once(store: Arc<dyn Store>) {
    for code in ["A", "B"] {
        store
            .save_hall_group(Group {
                code: code.into(),
                name: format!("分组{code}"),
                items: vec!["ITEM-A".into()],
                per_slot: 2,
            })
            .await
            .unwrap();
    }
    let groups = store.hall_groups().await.unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].items, vec!["ITEM-A".to_string()]);
    let w1 = store
        .save_hall_window(WindowChange {
            id: None,
            number: "1".into(),
            groups: vec!["A".into()],
            staff: None,
            open: true,
        })
        .await
        .unwrap();
    let w2 = store
        .save_hall_window(WindowChange {
            id: None,
            number: "2".into(),
            groups: vec!["A".into(), "B".into()],
            staff: None,
            open: true,
        })
        .await
        .unwrap();
    let taken_again = store
        .save_hall_window(WindowChange {
            id: None,
            number: "1".into(),
            groups: vec!["A".into()],
            staff: None,
            open: true,
        })
        .await;
    assert!(taken_again.is_err(), "a window number is unique");

    // Twenty takes at once in group A: numbers 1..=20, each once.
    let mut takes = Vec::new();
    for n in 0..20 {
        let s = store.clone();
        takes.push(tokio::spawn(async move {
            s.take_ticket(ticket("A", TicketStatus::Waiting, n))
                .await
                .unwrap()
        }));
    }
    let mut numbers = Vec::new();
    for t in takes {
        numbers.push(t.await.unwrap().number);
    }
    numbers.sort();
    assert_eq!(numbers, (1..=20).collect::<Vec<u32>>());
    let b = store
        .take_ticket(ticket("B", TicketStatus::Taken, 100))
        .await
        .unwrap();
    assert_eq!(
        (b.number, b.label.as_str(), b.status),
        (1, "B001", TicketStatus::Taken)
    );
    assert!(b.checked_in_at.is_none());
    assert_eq!(
        store.ticket_token(b.id).await.unwrap(),
        Some(format!("{:064x}", 100))
    );
    assert_eq!(
        store
            .ticket_by_token(&format!("{:064x}", 100))
            .await
            .unwrap()
            .map(|t| t.id),
        Some(b.id)
    );

    // Check-in once.
    assert!(
        store
            .check_in_ticket(b.id, at(12), fact("hall.ticket.checkin"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .check_in_ticket(b.id, at(13), fact("hall.ticket.checkin"))
            .await
            .unwrap()
    );
    let b = store.ticket(b.id).await.unwrap().unwrap();
    assert_eq!(
        (b.status, b.checked_in_at),
        (TicketStatus::Waiting, Some(at(12)))
    );

    // Two windows call the same ticket at once: one gets it.
    let first = store.open_tickets(day()).await.unwrap()[0].clone();
    let (r1, r2) = tokio::join!(
        store.call_ticket(first.id, w1.id, call("1", 20)),
        store.call_ticket(first.id, w2.id, call("2", 20))
    );
    let (r1, r2) = (r1.unwrap(), r2.unwrap());
    assert!(r1.is_some() != r2.is_some(), "exactly one window called it");
    let called = store.ticket(first.id).await.unwrap().unwrap();
    assert_eq!(called.status, TicketStatus::Called);
    assert_eq!(called.called_at, Some(at(20)));
    let window = called.window_id.unwrap();

    // Recall once per count; another window cannot.
    assert!(
        store
            .recall_ticket(first.id, window, 0, call("1", 21))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .recall_ticket(first.id, window, 0, call("1", 22))
            .await
            .unwrap()
            .is_none()
    );
    let other = if window == w1.id { w2.id } else { w1.id };
    assert!(
        store
            .recall_ticket(first.id, other, 1, call("2", 22))
            .await
            .unwrap()
            .is_none()
    );
    let t = store.ticket(first.id).await.unwrap().unwrap();
    assert_eq!((t.recalls, t.last_called_at), (1, Some(at(21))));

    // Transfer: waiting again, for that window only.
    assert!(
        store
            .transfer_ticket(first.id, window, other, fact("hall.ticket.transfer"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .transfer_ticket(first.id, window, other, fact("hall.ticket.transfer"))
            .await
            .unwrap()
    );
    let t = store.ticket(first.id).await.unwrap().unwrap();
    assert_eq!(
        (t.status, t.transferred, t.window_id),
        (TicketStatus::Waiting, true, Some(other))
    );
    assert!(
        store
            .call_ticket(first.id, window, call("x", 23))
            .await
            .unwrap()
            .is_none(),
        "not its window"
    );
    assert!(
        store
            .call_ticket(first.id, other, call("y", 24))
            .await
            .unwrap()
            .is_some()
    );
    let t = store.ticket(first.id).await.unwrap().unwrap();
    assert_eq!(
        (t.called_at, t.recalls, t.transferred),
        (Some(at(20)), 0, false)
    );

    // End with a case, once.
    let applicant = user(&store, "alice", &[Role::Applicant]).await;
    let c = store
        .create_case(new_case(case(&applicant, "ITEM-A", None, None), DAY))
        .await
        .unwrap();
    assert!(
        store
            .end_ticket(
                first.id,
                c.id,
                at(30),
                fact("hall.ticket.end"),
                Tally::default()
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .end_ticket(
                first.id,
                c.id,
                at(31),
                fact("hall.ticket.end"),
                Tally::default()
            )
            .await
            .unwrap()
    );
    let t = store.ticket(first.id).await.unwrap().unwrap();
    assert_eq!(
        (t.status, t.case_id, t.ended_at),
        (TicketStatus::Done, Some(c.id), Some(at(30)))
    );
    let times = store.handling_times("A", 10).await.unwrap();
    assert_eq!(times, vec![chrono::Duration::minutes(10)]);

    // No-show once; a final ticket leaves the open list.
    let next = store.open_tickets(day()).await.unwrap()[0].clone();
    assert!(
        store
            .call_ticket(next.id, w1.id, call("1", 40))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .set_ticket_status(
                next.id,
                TicketStatus::Called,
                TicketStatus::NoShow,
                at(45),
                fact("hall.ticket.no_show"),
                Tally::default()
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .set_ticket_status(
                next.id,
                TicketStatus::Called,
                TicketStatus::NoShow,
                at(46),
                fact("hall.ticket.no_show"),
                Tally::default()
            )
            .await
            .unwrap()
    );
    let open = store.open_tickets(day()).await.unwrap();
    assert!(open.iter().all(|t| t.id != next.id && t.id != first.id));
    assert_eq!(open.len(), 19);

    // The call log, by id.
    let calls = store.hall_calls(0, 100).await.unwrap();
    assert_eq!(calls.len(), 4, "call, recall, call after transfer, call");
    assert!(calls.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(store.hall_calls(calls[1].id, 100).await.unwrap().len(), 2);
    let latest = store.latest_hall_calls(2).await.unwrap();
    assert_eq!(latest[0].id, calls[3].id);

    // The day's check-in code: the first one stays.
    let code = store.checkin_code(day(), "first").await.unwrap();
    assert_eq!(code, "first");
    assert_eq!(store.checkin_code(day(), "second").await.unwrap(), "first");

    // A window changes; its staff is kept as given.
    let changed = store
        .save_hall_window(WindowChange {
            id: Some(w1.id),
            number: "1".into(),
            groups: vec!["B".into()],
            staff: Some(applicant.id),
            open: false,
        })
        .await
        .unwrap();
    assert_eq!(
        (changed.groups.clone(), changed.staff, changed.open),
        (vec!["B".to_string()], Some(applicant.id), false)
    );
    assert_eq!(store.hall_windows().await.unwrap().len(), 2);
}

pub async fn a_slot_is_never_overbooked_however_bookings_race(store: Arc<dyn Store>) {
    use onestamp_app::store::NewBooking;
    use onestamp_domain::hall::BookingStatus;
    let mut people = Vec::new();
    for n in 0..10 {
        people.push(user(&store, &format!("p{n}"), &[Role::Applicant]).await);
    }
    let booking = |applicant: i64| NewBooking {
        group: "A".into(),
        item_code: None,
        slot_start: at(60),
        slot_end: at(90),
        applicant,
        capacity: 3,
        held_until: at(15),
        at: at(0),
    };
    let mut tries = Vec::new();
    for p in &people {
        let s = store.clone();
        let b = booking(p.id);
        tries.push(tokio::spawn(async move { s.book_slot(b).await.unwrap() }));
    }
    let mut booked = Vec::new();
    for t in tries {
        if let Some(b) = t.await.unwrap() {
            booked.push(b);
        }
    }
    assert_eq!(booked.len(), 3, "three places, three bookings");
    assert!(booked.iter().all(|b| b.status == BookingStatus::Held));
    let per_slot = store
        .slot_bookings("A", at(0), at(120), at(1))
        .await
        .unwrap();
    assert_eq!(per_slot, vec![(at(60), 3)]);

    // Confirm before the hold lapses, once; a lapsed hold frees its place.
    assert!(
        store
            .confirm_booking(booked[0].id, at(5), None, Tally::default())
            .await
            .unwrap()
    );
    assert!(
        !store
            .confirm_booking(booked[0].id, at(6), None, Tally::default())
            .await
            .unwrap()
    );
    assert!(
        !store
            .confirm_booking(booked[1].id, at(16), None, Tally::default())
            .await
            .unwrap(),
        "lapsed"
    );
    let later = store
        .slot_bookings("A", at(0), at(120), at(16))
        .await
        .unwrap();
    assert_eq!(later, vec![(at(60), 1)]);
    let mut late = booking(people[9].id);
    late.at = at(16);
    late.held_until = at(31);
    assert!(store.book_slot(late).await.unwrap().is_some());
    // Cancel once.
    assert!(
        store
            .cancel_booking(booked[0].id, at(20), "本人取消", None, Tally::default())
            .await
            .unwrap()
    );
    assert!(
        !store
            .cancel_booking(booked[0].id, at(21), "本人取消", None, Tally::default())
            .await
            .unwrap()
    );
    let b = store.booking(booked[0].id).await.unwrap().unwrap();
    assert_eq!(
        (b.status, b.cancelled_at),
        (BookingStatus::Cancelled, Some(at(20)))
    );
    let mine = store
        .bookings_of(people[9].id, at(16), at(17))
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
}

/// A booking's messages are written with its change and only when the change
/// happens; its reminder once however calls race; its ticket once, linked in
/// the ticket's own transaction; a booking with a ticket is not cancelled.
pub async fn bookings_write_their_messages_once_and_give_one_ticket(store: Arc<dyn Store>) {
    use onestamp_app::store::{NewBooking, NewMessage};
    use onestamp_domain::hall::BookingStatus;
    use onestamp_domain::message::{Audience, Event, Message};
    let p = user(&store, "booker", &[Role::Applicant]).await;
    let message = |event: Event, key: &str| NewMessage {
        message: Message {
            event,
            audience: vec![Audience::User(p.id)],
            subject: format!("预约 {key}"),
            text: "预约".into(),
            stage_word: "预约".into(),
            link: "/appointments/1".into(),
            occurred_at: at(1),
            dedup_key: key.into(),
        },
        case_id: None,
        case_number: None,
        licence_id: None,
        department: None,
        data: serde_json::json!({}),
    };
    let new = |start: i64| NewBooking {
        group: "A".into(),
        item_code: Some("jy-001".into()),
        slot_start: at(start),
        slot_end: at(start + 30),
        applicant: p.id,
        capacity: 2,
        held_until: at(15),
        at: at(0),
    };
    let a = store.book_slot(new(60)).await.unwrap().unwrap();
    let b = store.book_slot(new(90)).await.unwrap().unwrap();
    assert_eq!(a.item_code.as_deref(), Some("jy-001"));
    assert!(
        store
            .confirm_booking(
                a.id,
                at(5),
                Some(message(Event::AppointmentConfirmed, "c:a")),
                Tally::default()
            )
            .await
            .unwrap()
    );
    // A second confirm does nothing and writes no second message.
    assert!(
        !store
            .confirm_booking(
                a.id,
                at(6),
                Some(message(Event::AppointmentConfirmed, "c:a2")),
                Tally::default()
            )
            .await
            .unwrap()
    );
    let live = store.live_bookings(at(0), at(600), at(7)).await.unwrap();
    assert_eq!(
        live.iter().map(|x| x.id).collect::<Vec<_>>(),
        vec![a.id, b.id]
    );
    assert_eq!(
        store
            .live_bookings(at(0), at(600), at(16))
            .await
            .unwrap()
            .len(),
        1,
        "b's hold lapsed"
    );

    // The reminder once, however two nodes race.
    let mut tries = Vec::new();
    for n in 0..4 {
        let s = store.clone();
        let m = message(Event::AppointmentReminder, &format!("r:{n}"));
        tries.push(tokio::spawn(async move {
            s.remind_booking(a.id, at(8), m).await.unwrap()
        }));
    }
    let mut won = 0;
    for t in tries {
        won += usize::from(t.await.unwrap());
    }
    assert_eq!(won, 1);
    assert_eq!(
        store.booking(a.id).await.unwrap().unwrap().reminded_at,
        Some(at(8))
    );
    assert!(
        !store
            .remind_booking(b.id, at(8), message(Event::AppointmentReminder, "r:b"))
            .await
            .unwrap(),
        "only a confirmed booking is reminded"
    );

    // Its ticket once: a second take for the booking writes no ticket.
    let mut t = ticket("A", TicketStatus::Taken, 900);
    t.applicant = Some(p.id);
    t.appointment_at = Some(at(60));
    t.booking = Some(a.id);
    let taken = store.take_ticket(t.clone()).await.unwrap();
    assert_eq!(taken.appointment_at, Some(at(60)));
    let mut again = t.clone();
    again.token = format!("{:064x}", 901);
    assert!(matches!(
        store.take_ticket(again).await,
        Err(onestamp_app::store::StoreError::Duplicate(_))
    ));
    assert_eq!(store.tickets_of(p.id, day()).await.unwrap().len(), 1);
    let mut unconfirmed = t.clone();
    unconfirmed.token = format!("{:064x}", 902);
    unconfirmed.booking = Some(b.id);
    assert!(
        store.take_ticket(unconfirmed).await.is_err(),
        "b is not confirmed"
    );
    assert_eq!(
        store.booking(a.id).await.unwrap().unwrap().ticket_id,
        Some(taken.id)
    );
    assert!(
        !store
            .cancel_booking(
                a.id,
                at(9),
                "本人取消",
                Some(message(Event::AppointmentCancelled, "x:a")),
                Tally::default()
            )
            .await
            .unwrap(),
        "a booking with its ticket stays"
    );

    // A cancel keeps its reason and writes its message once.
    let c = store.book_slot(new(120)).await.unwrap().unwrap();
    assert!(
        store
            .cancel_booking(
                c.id,
                at(10),
                "节假日调整",
                Some(message(Event::AppointmentCancelled, "x:c")),
                Tally::default()
            )
            .await
            .unwrap()
    );
    let c = store.booking(c.id).await.unwrap().unwrap();
    assert_eq!(
        (c.status, c.cancel_reason.as_deref()),
        (BookingStatus::Cancelled, Some("节假日调整"))
    );
    store.deliver_inbox(at(11), 100).await.unwrap();
    let inbox = store.inbox(p.id, None, 50, false).await.unwrap();
    let mut kinds: Vec<&str> = inbox.iter().map(|n| n.kind.as_str()).collect();
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        vec![
            "appointment.cancelled",
            "appointment.confirmed",
            "appointment.reminder"
        ]
    );
    let history = store.booking_history(p.id, 10).await.unwrap();
    assert_eq!(
        history.iter().map(|x| x.id).collect::<Vec<_>>(),
        vec![c.id, b.id, a.id],
        "newest slot first"
    );
}

/// A counter case filed from a called ticket ends the ticket in the case's own
/// transaction; if the ticket is no longer called, neither is written.
pub async fn a_counter_case_and_its_tickets_end_commit_together(store: Arc<dyn Store>) {
    store
        .save_hall_group(Group {
            code: "A".into(),
            name: "分组A".into(),
            items: vec!["ITEM-A".into()],
            per_slot: 1,
        })
        .await
        .unwrap();
    let w = store
        .save_hall_window(WindowChange {
            id: None,
            number: "1".into(),
            groups: vec!["A".into()],
            staff: None,
            open: true,
        })
        .await
        .unwrap();
    let first = store
        .take_ticket(ticket("A", TicketStatus::Waiting, 1))
        .await
        .unwrap();
    let second = store
        .take_ticket(ticket("A", TicketStatus::Waiting, 2))
        .await
        .unwrap();
    assert!(
        store
            .call_ticket(first.id, w.id, call("1", 20))
            .await
            .unwrap()
            .is_some()
    );
    let applicant = user(&store, "alice", &[Role::Applicant]).await;
    let mut new = new_case(case(&applicant, "ITEM-A", None, None), DAY);
    new.ticket = Some(first.id);
    let c = store.create_case(new).await.unwrap();
    let t = store.ticket(first.id).await.unwrap().unwrap();
    assert_eq!((t.status, t.case_id), (TicketStatus::Done, Some(c.id)));
    assert!(c.number.ends_with("-000001"), "{}", c.number);

    // The second ticket still waits: the case is refused and nothing is written.
    let mut refused = new_case(case(&applicant, "ITEM-A", None, None), DAY);
    refused.ticket = Some(second.id);
    assert!(matches!(
        store.create_case(refused).await,
        Err(onestamp_app::store::StoreError::Duplicate(w))
            if w == onestamp_app::store::TICKET_ENDED
    ));
    assert_eq!(
        store.ticket(second.id).await.unwrap().unwrap().status,
        TicketStatus::Waiting
    );
    let next = store
        .create_case(new_case(case(&applicant, "ITEM-A", None, None), DAY))
        .await
        .unwrap();
    assert!(
        next.number.ends_with("-000002"),
        "the refused case took no number: {}",
        next.number
    );
}
