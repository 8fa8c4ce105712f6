use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use super::*;
use crate::calendar::Calendar;

fn at(h: u32, m: u32) -> DateTime<Utc> {
    // 2026-03-02 is a Monday; Beijing time is UTC+8.
    Utc.with_ymd_and_hms(2026, 3, 2, h - 8, m, 0)
        .single()
        .unwrap_or_default()
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default()
}

fn ticket(id: i64, group: &str, checked_in: DateTime<Utc>) -> Ticket {
    Ticket {
        id,
        day: day(),
        group: group.into(),
        number: u32::try_from(id).unwrap_or(0),
        label: label(group, u32::try_from(id).unwrap_or(0)),
        item_code: None,
        applicant: None,
        source: TicketSource::Hall,
        appointment_at: None,
        status: TicketStatus::Waiting,
        taken_at: checked_in,
        checked_in_at: Some(checked_in),
        called_at: None,
        last_called_at: None,
        recalls: 0,
        window_id: None,
        transferred: false,
        ended_at: None,
        case_id: None,
    }
}

fn window(id: i64, groups: &[&str]) -> Window {
    Window {
        id,
        number: id.to_string(),
        groups: groups.iter().map(|g| g.to_string()).collect(),
        staff: None,
        open: true,
    }
}

#[test]
fn labels_carry_the_prefix_and_three_digits() {
    assert_eq!(label("A", 7), "A007");
    assert_eq!(label("B", 123), "B123");
    assert_eq!(label("C", 1234), "C1234");
    assert_eq!(voice_line("A007", "3"), "请A007号到3号窗口办理");
}

#[test]
fn the_queue_goes_by_check_in_and_windows_call_their_groups() {
    let tickets = vec![
        ticket(1, "A", at(9, 5)),
        ticket(2, "B", at(9, 1)),
        ticket(3, "A", at(9, 2)),
    ];
    let w = window(1, &["A"]);
    assert_eq!(next_ticket(&w, &tickets, at(9, 10)).map(|t| t.id), Some(3));
    let both = window(2, &["A", "B"]);
    assert_eq!(
        next_ticket(&both, &tickets, at(9, 10)).map(|t| t.id),
        Some(2)
    );
    let none = window(3, &["C"]);
    assert!(next_ticket(&none, &tickets, at(9, 10)).is_none());
    let order: Vec<i64> = queue_order(&tickets, at(9, 10))
        .iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(order, vec![2, 3, 1]);
}

#[test]
fn a_remote_ticket_waits_only_once_checked_in() {
    let mut remote = ticket(1, "A", at(8, 30));
    remote.status = TicketStatus::Taken;
    remote.checked_in_at = None;
    remote.source = TicketSource::Mobile;
    let tickets = vec![remote.clone(), ticket(2, "A", at(9, 3))];
    let w = window(1, &["A"]);
    assert_eq!(next_ticket(&w, &tickets, at(9, 10)).map(|t| t.id), Some(2));
    assert!(check_in(&remote, day()).is_ok());
    let tomorrow = day().succ_opt().unwrap_or_default();
    assert!(matches!(
        check_in(&remote, tomorrow),
        Err(DomainError::HallStep(_))
    ));
    let waiting = ticket(3, "A", at(9, 0));
    assert!(check_in(&waiting, day()).is_err());
}

#[test]
fn an_appointment_jumps_ahead_at_its_time() {
    let mut booked = ticket(1, "A", at(9, 20));
    booked.appointment_at = Some(at(10, 0));
    let tickets = vec![booked, ticket(2, "A", at(9, 0)), ticket(3, "A", at(9, 10))];
    let w = window(1, &["A"]);
    assert_eq!(next_ticket(&w, &tickets, at(9, 30)).map(|t| t.id), Some(2));
    assert_eq!(next_ticket(&w, &tickets, at(10, 0)).map(|t| t.id), Some(1));
    assert_eq!(ahead_of(&tickets[0], &tickets, at(9, 30)), 2);
    assert_eq!(ahead_of(&tickets[0], &tickets, at(10, 1)), 0);
    assert_eq!(ahead_of(&tickets[2], &tickets, at(10, 1)), 2);
}

#[test]
fn a_transferred_ticket_goes_first_at_its_window_only() {
    let mut moved = ticket(1, "A", at(9, 30));
    moved.transferred = true;
    moved.window_id = Some(2);
    let tickets = vec![moved, ticket(2, "A", at(9, 0))];
    assert_eq!(
        next_ticket(&window(2, &["B"]), &tickets, at(9, 40)).map(|t| t.id),
        Some(1)
    );
    assert_eq!(
        next_ticket(&window(1, &["A"]), &tickets, at(9, 40)).map(|t| t.id),
        Some(2)
    );
    assert_eq!(
        next_ticket(&window(2, &["A"]), &tickets, at(9, 40)).map(|t| t.id),
        Some(1)
    );
}

#[test]
fn recalls_at_most_three_times_and_not_too_soon() {
    let mut t = ticket(1, "A", at(9, 0));
    let interval = Duration::seconds(30);
    assert!(
        check_recall(&t, at(9, 5), interval).is_err(),
        "not called yet"
    );
    t.status = TicketStatus::Called;
    t.called_at = Some(at(9, 5));
    t.last_called_at = Some(at(9, 5));
    let soon = at(9, 5) + Duration::seconds(10);
    let Err(DomainError::HallStep(m)) = check_recall(&t, soon, interval) else {
        panic!("a recall ten seconds after the call passed");
    };
    assert!(m.contains("20 秒"), "{m}");
    assert!(check_recall(&t, at(9, 6), interval).is_ok());
    t.recalls = MAX_RECALLS;
    assert!(check_recall(&t, at(9, 10), interval).is_err());
    assert!(check_no_show(&t).is_ok());
    assert!(check_end(&t).is_ok());
}

#[test]
fn a_transfer_goes_to_another_open_window() {
    let mut t = ticket(1, "A", at(9, 0));
    t.status = TicketStatus::Called;
    let here = window(1, &["A"]);
    let mut there = window(2, &["B"]);
    assert!(check_transfer(&t, &here, &here).is_err());
    assert!(check_transfer(&t, &here, &there).is_ok());
    there.open = false;
    assert!(check_transfer(&t, &here, &there).is_err());
}

#[test]
fn the_estimate_uses_the_median_handling_time_over_the_windows() {
    let recent = [
        Duration::minutes(4),
        Duration::minutes(10),
        Duration::minutes(5),
    ];
    assert_eq!(estimate_wait(4, &recent, 2), Duration::minutes(10));
    assert_eq!(estimate_wait(3, &[], 1), DEFAULT_HANDLING * 3);
    assert_eq!(estimate_wait(0, &recent, 1), Duration::zero());
    assert_eq!(estimate_wait(2, &recent, 0), Duration::minutes(10));
}

#[test]
fn groups_and_windows_are_checked() {
    let good = Group {
        code: "A".into(),
        name: "市场准入".into(),
        items: vec![],
        per_slot: 2,
    };
    assert!(check_group(&good).is_ok());
    for bad in [
        Group {
            code: "a".into(),
            ..good.clone()
        },
        Group {
            code: "ABC".into(),
            ..good.clone()
        },
        Group {
            name: " ".into(),
            ..good.clone()
        },
        Group {
            per_slot: 0,
            ..good.clone()
        },
    ] {
        assert!(matches!(
            check_group(&bad),
            Err(DomainError::InvalidHall(_))
        ));
    }
    assert!(check_window("12", &["A".into()]).is_ok());
    assert!(check_window("", &["A".into()]).is_err());
    assert!(check_window("1号", &["A".into()]).is_err());
    assert!(check_window("3", &[]).is_err());
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

#[test]
fn slots_follow_the_office_hours_on_working_days() {
    let cal = Calendar::china_default();
    // Monday 2 March 2026: 09:00–12:00 and 13:00–17:00 in half hours.
    let slots = slots_of_day(&cal, date(2026, 3, 2), 30, 2, 3);
    assert_eq!(slots.len(), 6 + 8);
    assert!(slots.iter().all(|s| s.capacity == 6));
    assert_eq!(slots[0].start, at(9, 0));
    assert_eq!(slots[5].end, at(12, 0));
    assert_eq!(slots[6].start, at(13, 0));
    assert_eq!(slots[13].end, at(17, 0));
    // No serving window, no slot.
    assert!(slots_of_day(&cal, date(2026, 3, 2), 30, 0, 3).is_empty());
}

#[test]
fn no_slots_on_a_holiday_or_a_weekend_but_on_an_adjusted_saturday() {
    let cal = Calendar::china_default();
    // 春节 2026: 15–23 February off; Saturday 14 February is worked (调休).
    assert!(
        slots_of_day(&cal, date(2026, 2, 16), 30, 1, 1).is_empty(),
        "春节"
    );
    assert!(
        slots_of_day(&cal, date(2026, 2, 21), 30, 1, 1).is_empty(),
        "a Saturday of 春节"
    );
    assert!(
        slots_of_day(&cal, date(2026, 3, 7), 30, 1, 1).is_empty(),
        "an ordinary Saturday"
    );
    assert_eq!(
        slots_of_day(&cal, date(2026, 2, 14), 30, 1, 1).len(),
        14,
        "调休 Saturday"
    );
    assert!(
        slots_of_day(&cal, date(2026, 10, 1), 60, 1, 1).is_empty(),
        "国庆节"
    );
    assert_eq!(
        slots_of_day(&cal, date(2026, 10, 10), 60, 1, 1).len(),
        7,
        "调休 Saturday 10 October"
    );
}

#[test]
fn a_windows_queue_lists_its_tickets_in_calling_order() {
    let mut moved = ticket(4, "B", at(9, 30));
    moved.transferred = true;
    moved.window_id = Some(1);
    let tickets = vec![
        ticket(1, "A", at(9, 5)),
        ticket(2, "B", at(9, 1)),
        ticket(3, "A", at(9, 2)),
        moved,
    ];
    let order: Vec<i64> = queue_for(&window(1, &["A"]), &tickets, at(9, 40))
        .iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(order, vec![4, 3, 1]);
}
