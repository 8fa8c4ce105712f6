//! Scenarios on the real 2025 and 2026 schedules, plus brute-force cross-checks of the
//! shortcuts the arithmetic takes over years without a schedule.

#![allow(
    clippy::unwrap_used,
    reason = "a test should fail loudly on a bad fixture"
)]

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;

use super::*;

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A wall-clock time in Beijing, as the instant the app would store.
fn beijing(s: &str) -> DateTime<Utc> {
    let local = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
    Shanghai
        .from_local_datetime(&local)
        .unwrap()
        .with_timezone(&Utc)
}

/// An instant shown on Beijing's wall clock, for readable assertions.
fn shown(t: DateTime<Utc>) -> String {
    t.with_timezone(&Shanghai)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn calendar() -> Calendar {
    Calendar::china_default()
}

#[test]
fn the_embedded_schedules_parse_and_cover_2025_and_2026_only() {
    let years: Vec<_> = embedded_schedules()
        .unwrap()
        .iter()
        .map(YearSchedule::year)
        .collect();
    assert_eq!(years, [2025, 2026]);
    let cal = calendar();
    assert!(cal.covers(2025) && cal.covers(2026));
    assert!(!cal.covers(2024) && !cal.covers(2027));
    assert_eq!(cal.years().collect::<Vec<_>>(), [2025, 2026]);
    assert_eq!(cal.tz(), Shanghai);
    assert_eq!(cal.office_hours(), &OfficeHours::default());
}

#[test]
fn both_2025_and_2026_have_248_working_days() {
    let cal = calendar();
    assert_eq!(cal.working_days_in(2025), 248);
    assert_eq!(cal.working_days_in(2026), 248);
}

#[test]
fn the_show_listing_gives_each_years_holidays_and_adjusted_working_days() {
    let cal = calendar();
    let holidays: Vec<_> = cal
        .holidays_of(2026)
        .iter()
        .map(|h| (h.name(), h.from().to_string(), h.days()))
        .collect();
    assert_eq!(
        holidays,
        [
            ("元旦", "2026-01-01".to_owned(), 3),
            ("春节", "2026-02-15".to_owned(), 9),
            ("清明节", "2026-04-04".to_owned(), 3),
            ("劳动节", "2026-05-01".to_owned(), 5),
            ("端午节", "2026-06-19".to_owned(), 3),
            ("中秋节", "2026-09-25".to_owned(), 3),
            ("国庆节", "2026-10-01".to_owned(), 7),
        ]
    );
    let worked: Vec<_> = cal
        .adjusted_working_days_of(2025)
        .iter()
        .map(|w| w.date().to_string())
        .collect();
    assert_eq!(
        worked,
        [
            "2025-01-26",
            "2025-02-08",
            "2025-04-27",
            "2025-09-28",
            "2025-10-11"
        ]
    );
    assert_eq!(cal.adjusted_working_days_of(2025)[0].for_holiday(), "春节");
    assert!(cal.holidays_of(2030).is_empty() && cal.adjusted_working_days_of(2030).is_empty());
}

#[test]
fn days_are_classified_from_the_official_schedule() {
    let cal = calendar();
    assert_eq!(cal.day_kind(date("2026-02-16")), DayKind::Holiday("春节"));
    assert_eq!(
        cal.day_kind(date("2026-02-14")),
        DayKind::AdjustedWorkingDay("春节")
    );
    assert_eq!(cal.day_kind(date("2026-02-24")), DayKind::Workday);
    assert_eq!(cal.day_kind(date("2026-03-07")), DayKind::Weekend);
    assert_eq!(cal.holiday_name(date("2025-10-08")), Some("国庆节、中秋节"));
    assert_eq!(cal.holiday_name(date("2025-10-09")), None);
    assert!(!cal.is_working_day(date("2025-01-01")));
    assert!(
        cal.is_working_day(date("2025-09-28")),
        "Sunday 28 September 2025 is worked"
    );
    assert!(
        !cal.is_working_day(date("2026-02-21")),
        "a Saturday inside the holiday is off"
    );
}

#[test]
fn five_working_days_across_the_2026_spring_festival_end_on_26_february() {
    let cal = calendar();
    // Thu 12th not counted; Fri 13th (1), Sat 14th worked (2), 15th–23rd off,
    // Tue 24th (3), Wed 25th (4), Thu 26th (5).
    assert_eq!(
        shown(cal.add_working_days(beijing("2026-02-12 10:00"), 5)),
        "2026-02-26 17:00"
    );
    // From Fri 13th: 14th (1), 24th (2), 25th (3), 26th (4), 27th (5).
    assert_eq!(
        shown(cal.add_working_days(beijing("2026-02-13 15:00"), 5)),
        "2026-02-27 17:00"
    );
}

#[test]
fn three_working_days_from_the_friday_before_2025_national_day_end_on_30_september() {
    let cal = calendar();
    let friday = beijing("2025-09-26 10:00");
    // Fri 26th not counted; Sat 27th off; Sun 28th worked (1), Mon 29th (2), Tue 30th (3).
    assert_eq!(shown(cal.add_working_days(friday, 3)), "2025-09-30 17:00");
    // Then 1–8 October off: Thu 9th (4), Fri 10th (5), Sat 11th worked (6).
    assert_eq!(shown(cal.add_working_days(friday, 5)), "2025-10-10 17:00");
    assert_eq!(shown(cal.add_working_days(friday, 6)), "2025-10-11 17:00");
    assert_eq!(shown(cal.add_working_days(friday, 7)), "2025-10-13 17:00");
}

#[test]
fn a_three_hour_limit_submitted_at_half_past_four_finishes_the_next_working_morning() {
    let cal = calendar();
    // Friday: 30 minutes until 17:00, then 2½ hours from Monday 09:00.
    assert_eq!(
        shown(cal.add_working_hours(beijing("2026-03-06 16:30"), 3)),
        "2026-03-09 11:30"
    );
    // The last day before National Day: the rest waits until after the holiday.
    assert_eq!(
        shown(cal.add_working_hours(beijing("2025-09-30 16:30"), 3)),
        "2025-10-09 11:30"
    );
}

#[test]
fn an_hour_limit_skips_lunch_and_ends_at_a_close_it_uses_up() {
    let cal = calendar();
    assert_eq!(
        shown(cal.add_working_hours(beijing("2026-03-09 09:00"), 3)),
        "2026-03-09 12:00"
    );
    assert_eq!(
        shown(cal.add_working_hours(beijing("2026-03-09 11:00"), 2)),
        "2026-03-09 14:00"
    );
    assert_eq!(
        shown(cal.add_working_hours(beijing("2026-03-09 12:20"), 1)),
        "2026-03-09 14:00"
    );
    assert_eq!(
        shown(cal.add_working_hours(beijing("2026-03-09 09:00"), 7)),
        "2026-03-09 17:00"
    );
    assert_eq!(
        shown(cal.add_working_hours(beijing("2026-03-09 07:00"), 8)),
        "2026-03-10 10:00"
    );
    let start = beijing("2026-03-09 20:00");
    assert_eq!(
        cal.add_working_hours(start, 0),
        start,
        "a zero limit leaves the instant alone"
    );
}

#[test]
fn a_submission_on_a_weekend_starts_counting_on_monday() {
    let cal = calendar();
    let saturday = beijing("2026-03-07 10:00");
    assert_eq!(shown(cal.add_working_days(saturday, 2)), "2026-03-10 17:00");
    assert_eq!(
        shown(cal.add_working_hours(saturday, 3)),
        "2026-03-09 12:00"
    );
    assert_eq!(shown(cal.add_working_days(saturday, 0)), "2026-03-09 17:00");
}

#[test]
fn an_adjusted_working_saturday_counts_for_days_and_hours() {
    let cal = calendar();
    // Friday 16:00 + 2 h: one hour on Friday, one on Saturday 14 February.
    assert_eq!(
        shown(cal.add_working_hours(beijing("2026-02-13 16:00"), 2)),
        "2026-02-14 10:00"
    );
    // Saturday 28 February is worked too.
    assert_eq!(
        shown(cal.add_working_days(beijing("2026-02-27 10:00"), 1)),
        "2026-02-28 17:00"
    );
    assert_eq!(
        shown(cal.add_working_days(beijing("2026-02-14 10:00"), 0)),
        "2026-02-14 17:00"
    );
    assert!(cal.is_open_at(beijing("2026-02-28 10:00")));
    assert!(
        !cal.is_open_at(beijing("2026-03-07 10:00")),
        "an ordinary Saturday is closed"
    );
}

#[test]
fn a_zero_day_limit_ends_today_if_the_office_is_still_to_close() {
    let cal = calendar();
    assert_eq!(
        shown(cal.add_working_days(beijing("2026-03-09 10:00"), 0)),
        "2026-03-09 17:00"
    );
    assert_eq!(
        shown(cal.add_working_days(beijing("2026-03-09 17:00"), 0)),
        "2026-03-09 17:00"
    );
    assert_eq!(
        shown(cal.add_working_days(beijing("2026-03-09 18:00"), 0)),
        "2026-03-10 17:00"
    );
    assert_eq!(
        shown(cal.add_working_days(beijing("2026-02-16 10:00"), 0)),
        "2026-02-24 17:00"
    );
}

#[test]
fn a_start_after_hours_still_leaves_its_day_uncounted() {
    let cal = calendar();
    assert_eq!(
        shown(cal.add_working_days(beijing("2026-03-09 23:30"), 1)),
        "2026-03-10 17:00"
    );
    // 23:30 UTC on Sunday is already Monday in Beijing: Monday is the start day.
    let sunday_utc = Utc.with_ymd_and_hms(2026, 3, 8, 23, 30, 0).unwrap();
    assert_eq!(
        shown(cal.add_working_days(sunday_utc, 1)),
        "2026-03-10 17:00"
    );
}

#[test]
fn working_minutes_count_only_office_sessions_of_working_days() {
    let cal = calendar();
    let m = |a, b| cal.working_minutes_between(beijing(a), beijing(b));
    assert_eq!(m("2026-03-06 16:30", "2026-03-09 11:30"), 180);
    assert_eq!(m("2026-03-09 11:30", "2026-03-06 16:30"), 0);
    assert_eq!(m("2026-03-09 10:00", "2026-03-09 10:00"), 0);
    assert_eq!(
        m("2026-03-09 12:10", "2026-03-09 12:50"),
        0,
        "lunch does not count"
    );
    assert_eq!(
        m("2026-02-13 00:00", "2026-02-25 00:00"),
        3 * 420,
        "13th, 14th, 24th"
    );
    assert_eq!(m("2030-01-07 09:00", "2030-03-04 09:00"), 8 * 5 * 420);
}

#[test]
fn a_deadline_moves_by_the_working_time_the_case_was_suspended() {
    let cal = calendar();
    let deadline = cal.add_working_days(beijing("2026-02-12 10:00"), 5);
    let suspended =
        cal.working_minutes_between(beijing("2026-02-13 14:00"), beijing("2026-02-24 11:00"));
    assert_eq!(
        suspended,
        180 + 420 + 120,
        "Fri afternoon, the worked Saturday, Tue morning"
    );
    let moved = cal.shift_by_working_minutes(deadline, suspended);
    assert_eq!(
        shown(moved),
        "2026-02-28 15:00",
        "Fri 27th, then Sat 28th until 15:00"
    );
    assert_eq!(cal.working_minutes_between(deadline, moved), suspended);
    assert_eq!(
        shown(cal.shift_by_working_minutes(moved, -suspended)),
        "2026-02-27 09:00"
    );
    assert_eq!(cal.shift_by_working_minutes(moved, 0), moved);
}

#[test]
fn an_unknown_year_falls_back_to_plain_weekends_without_panicking() {
    let cal = calendar();
    assert!(!cal.covers(2030));
    assert!(
        cal.is_working_day(date("2030-01-01")),
        "2030's 元旦 is not known"
    );
    assert!(!cal.is_working_day(date("2030-01-05")));
    assert_eq!(cal.holiday_name(date("2030-01-01")), None);
    assert_eq!(cal.working_days_in(2030), 261);
    assert_eq!(
        shown(cal.add_working_days(beijing("2030-01-04 10:00"), 1)),
        "2030-01-07 17:00"
    );
    assert_eq!(
        shown(cal.add_working_hours(beijing("2030-01-04 16:30"), 3)),
        "2030-01-07 11:30"
    );
    // A later schedule for the year takes over.
    let with_2030 = cal.with_year(
        YearSchedule::parse(r#"{"year":2030,"holidays":[{"name":"元旦","from":"2030-01-01"}]}"#)
            .unwrap(),
    );
    assert!(with_2030.covers(2030) && !with_2030.is_working_day(date("2030-01-01")));
}

#[test]
fn absurd_limits_and_instants_saturate_instead_of_panicking() {
    let cal = calendar();
    let start = beijing("2026-03-09 10:00");
    assert!(cal.add_working_days(start, u32::MAX) > start);
    assert!(cal.add_working_hours(start, u32::MAX) > start);
    assert_eq!(
        cal.shift_by_working_minutes(start, i64::MAX),
        DateTime::<Utc>::MAX_UTC
    );
    assert_eq!(
        cal.shift_by_working_minutes(start, i64::MIN),
        DateTime::<Utc>::MIN_UTC
    );
    for edge in [DateTime::<Utc>::MAX_UTC, DateTime::<Utc>::MIN_UTC] {
        let _ = cal.add_working_days(edge, 3);
        let _ = cal.add_working_hours(edge, 3);
        let _ = cal.shift_by_working_minutes(edge, -3);
        let _ = cal.is_open_at(edge);
    }
    let whole_range =
        cal.working_minutes_between(DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC);
    assert!(whole_range > 0);
    assert_eq!(cal.next_working_day(NaiveDate::MAX), NaiveDate::MAX);
}

#[test]
fn the_time_zone_is_configurable() {
    let cal = calendar().with_tz(chrono_tz::UTC);
    let deadline = cal.add_working_days(Utc.with_ymd_and_hms(2026, 3, 9, 10, 0, 0).unwrap(), 1);
    assert_eq!(
        deadline,
        Utc.with_ymd_and_hms(2026, 3, 10, 17, 0, 0).unwrap()
    );
    let half_days = calendar().with_office_hours(OfficeHours::parse("09:00-12:00").unwrap());
    assert_eq!(
        shown(half_days.add_working_hours(beijing("2026-03-06 11:00"), 2)),
        "2026-03-09 10:00"
    );
}

/// The n-th working day after `date`, one day at a time.
fn brute_nth_working_day(cal: &Calendar, date: NaiveDate, n: u32) -> NaiveDate {
    let mut day = date;
    let mut left = n;
    loop {
        day = day.succ_opt().unwrap();
        if cal.is_working_day(day) {
            left -= 1;
            if left == 0 {
                return day;
            }
        }
    }
}

#[test]
fn week_shortcuts_over_unscheduled_years_agree_with_counting_day_by_day() {
    // 2024 and 2027–2028 are unscheduled on both sides of 2025–2026.
    let cal = calendar();
    for start in [
        "2024-10-03",
        "2024-12-27",
        "2025-12-30",
        "2026-12-24",
        "2027-06-05",
    ] {
        let start = date(start);
        let instant = beijing(&format!("{start} 10:00"));
        for n in (1..=400).step_by(7) {
            let expected = brute_nth_working_day(&cal, start, n);
            let got = cal
                .add_working_days(instant, n)
                .with_timezone(&Shanghai)
                .date_naive();
            assert_eq!(got, expected, "{n} working days after {start}");
            assert_eq!(cal.working_days_between(start, expected), n);
            let end = beijing(&format!("{expected} 17:00"));
            let counted = cal.working_minutes_between(beijing(&format!("{start} 17:00")), end);
            assert_eq!(
                counted,
                420 * i64::from(n),
                "office minutes in {n} working days"
            );
        }
    }
}

#[test]
fn shifting_forward_then_back_returns_to_the_same_working_moment() {
    let cal = calendar();
    for start in [
        "2024-12-02 10:15",
        "2025-09-26 16:30",
        "2026-02-13 09:00",
        "2026-12-31 11:00",
    ] {
        let start = beijing(start);
        for minutes in [1, 59, 150, 420, 421, 5_000, 100_000, 400_000] {
            let later = cal.shift_by_working_minutes(start, minutes);
            assert_eq!(
                cal.working_minutes_between(start, later),
                minutes,
                "{minutes} from {start}"
            );
            assert!(cal.is_open_at(later) || cal.is_open_at(later - chrono::TimeDelta::minutes(1)));
            let back = cal.shift_by_working_minutes(later, -minutes);
            assert_eq!(back, start, "{minutes} there and back from {start}");
        }
    }
}
