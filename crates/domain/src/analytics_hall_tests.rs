use chrono::{TimeZone, Utc};

use super::*;

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap() + Duration::minutes(minute)
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
}

fn ticket(source: TicketSource) -> Ticket {
    Ticket {
        id: 1,
        day: day(),
        group: "A".into(),
        number: 1,
        label: "A001".into(),
        item_code: None,
        applicant: None,
        source,
        appointment_at: None,
        status: TicketStatus::Waiting,
        taken_at: at(0),
        checked_in_at: Some(at(0)),
        called_at: None,
        last_called_at: None,
        recalls: 0,
        window_id: None,
        transferred: false,
        ended_at: None,
        case_id: None,
    }
}

fn only(t: &Tally) -> (&HallKey, &HallCounts) {
    assert_eq!(t.hall.len(), 1, "{t:?}");
    t.hall.iter().next().unwrap()
}

#[test]
fn the_wait_runs_from_the_latest_of_taking_checking_in_and_the_slot() {
    let mut t = ticket(TicketSource::Web);
    t.checked_in_at = Some(at(10));
    assert_eq!(wait_start(&t), at(10));
    t.appointment_at = Some(at(30));
    assert_eq!(wait_start(&t), at(30));
    // Called before its slot: no negative wait.
    let tally = of_ticket_called(&t, at(20));
    let (key, c) = only(&tally);
    assert_eq!(key.2, BOOKING);
    assert_eq!((c.called, c.wait_secs), (1, 0));
    assert_eq!(
        tally.hall_times.keys().next().unwrap(),
        &(day(), "A".into(), BOOKING.into(), WAIT.into(), 0)
    );
}

#[test]
fn only_the_first_call_counts_its_wait() {
    let t = ticket(TicketSource::Hall);
    let tally = of_ticket_called(&t, at(7));
    let (key, c) = only(&tally);
    assert_eq!(key.2, WALK_IN);
    assert_eq!((c.called, c.wait_secs), (1, 420));
    let bucket = tally.hall_times.keys().next().unwrap().4;
    assert_eq!(bucket, hall_bucket(7));
    let again = Ticket {
        called_at: Some(at(7)),
        ..t
    };
    assert!(of_ticket_called(&again, at(20)).is_empty());
}

#[test]
fn an_end_counts_the_handling_time_and_a_no_show_or_cancel_is_counted() {
    let mut t = ticket(TicketSource::Mobile);
    t.called_at = Some(at(5));
    let tally = of_ticket_ended(&t, at(17));
    let (key, c) = only(&tally);
    assert_eq!(key.2, REMOTE);
    assert_eq!((c.served, c.handle_secs), (1, 720));
    assert_eq!(tally.hall_times.keys().next().unwrap().3, HANDLING);
    assert_eq!(only(&of_ticket_over(&t, TicketStatus::NoShow)).1.no_show, 1);
    assert_eq!(
        only(&of_ticket_over(&t, TicketStatus::Cancelled))
            .1
            .cancelled,
        1
    );
    assert!(of_ticket_over(&t, TicketStatus::Done).is_empty());
}

#[test]
fn a_stored_ticket_is_the_sum_of_its_steps() {
    let mut t = ticket(TicketSource::Hall);
    let mut steps = of_ticket_taken(t.day, "A", WALK_IN);
    steps.merge(of_ticket_called(&t, at(4)));
    t.called_at = Some(at(4));
    t.last_called_at = Some(at(6));
    steps.merge(of_ticket_ended(&t, at(9)));
    t.status = TicketStatus::Done;
    t.ended_at = Some(at(9));
    assert_eq!(of_ticket(&t), steps);
    let c = steps.hall.values().next().unwrap();
    assert_eq!((c.taken, c.called, c.served), (1, 1, 1));
}

#[test]
fn bookings_count_on_their_slot_day_and_a_hold_never_confirmed_counts_nothing() {
    let fate = BookingFate {
        confirmed: true,
        cancelled: Some(true),
        kept: false,
    };
    let t = of_booking("B", day(), fate);
    let (key, c) = only(&t);
    assert_eq!(key, &(day(), "B".to_string(), BOOKING.to_string()));
    assert_eq!(
        (c.booked, c.bureau_cancelled, c.booking_cancelled),
        (1, 1, 0)
    );
    let held = BookingFate {
        confirmed: false,
        cancelled: Some(false),
        kept: false,
    };
    assert!(of_booking("B", day(), held).is_empty());
    let mut steps = of_booking_confirmed("B", day());
    steps.merge(of_booking_kept("B", day()));
    let kept = BookingFate {
        confirmed: true,
        cancelled: None,
        kept: true,
    };
    assert_eq!(of_booking("B", day(), kept), steps);
}

#[test]
fn buckets_quantiles_means_and_the_kept_rate() {
    assert_eq!(minutes_up(Duration::seconds(0)), 0);
    assert_eq!(minutes_up(Duration::seconds(30)), 1);
    assert_eq!(minutes_up(Duration::seconds(-30)), 0);
    assert_eq!(hall_bucket(0), 0);
    assert_eq!(hall_bucket(2), 1);
    assert_eq!(hall_bucket(3), 2);
    assert_eq!(hall_bucket(10_000), HALL_BOUNDS.len());
    let mut times = HallTimes::default();
    assert_eq!(times.wait_quantile(0.5), None);
    // 10 waits in (5, 10], 10 in (20, 30].
    times.count(WAIT, 3, 10);
    times.count(WAIT, 6, 10);
    times.count("other", 1, 5);
    assert_eq!(times.wait_quantile(0.5), Some(10.0));
    assert_eq!(times.wait_quantile(0.9), Some(28.0));
    times.count(HANDLING, HALL_BUCKETS - 1, 2);
    assert_eq!(times.handling_quantile(0.9), Some(480.0));
    let c = HallCounts {
        called: 3,
        wait_secs: 600,
        served: 0,
        booked: 10,
        booking_cancelled: 2,
        bureau_cancelled: 1,
        kept: 5,
        ..HallCounts::default()
    };
    assert_eq!(c.mean_wait_minutes(), Some(3.3));
    assert_eq!(c.mean_handling_minutes(), None);
    assert_eq!(c.unkept(), 2);
    assert_eq!(kept_rate(&c), Some(71.4));
    assert_eq!(kept_rate(&HallCounts::default()), None);
}
