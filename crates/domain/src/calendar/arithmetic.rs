//! Time limits over the calendar: adding working days and working hours to an instant,
//! counting the office minutes between two instants and moving an instant by working
//! minutes (to extend a deadline by the time the clock was stopped).
//!
//! All arithmetic runs on the wall clock of the calendar's time zone; instants are
//! converted on the way in and out. Stretches of years without a schedule are skipped a
//! week at a time (any seven days hold exactly five weekdays), so even absurd limits
//! return quickly, and results outside chrono's range saturate instead of panicking.

use chrono::{
    DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeDelta, TimeZone,
    Utc,
};

use super::Calendar;

const SECONDS_PER_MINUTE: i64 = 60;

impl Calendar {
    /// The deadline of a limit of `n` working days started at `start` (行政许可法
    /// Art. 82): the start's local date is not counted, and the limit ends when office
    /// hours close on the `n`-th working day after it.
    ///
    /// `n = 0` (当场/当日办结) ends at the close of the start day if it is a working day
    /// and the start is not after its close; otherwise at the close of the next working
    /// day.
    pub fn add_working_days(&self, start: DateTime<Utc>, n: u32) -> DateTime<Utc> {
        let local = self.to_local(start);
        let day = local.date();
        let target = if n == 0 {
            if self.is_working_day(day) && local <= day.and_time(self.office_hours.closing()) {
                Some(day)
            } else {
                self.nth_working_day_after(day, 1)
            }
        } else {
            self.nth_working_day_after(day, u64::from(n))
        };
        match target {
            Some(day) => self.to_utc(day.and_time(self.office_hours.closing())),
            None => DateTime::<Utc>::MAX_UTC,
        }
    }

    /// The deadline of a limit of `n_hours` office hours started at `start`. Only
    /// minutes inside office sessions of working days count; a start outside them
    /// (after hours, at lunch, on a weekend or holiday) begins at the next session. A
    /// limit that uses up a session exactly ends at that session's close (09:00 + 3 h
    /// → 12:00, not 13:00). `n_hours = 0` returns `start`.
    pub fn add_working_hours(&self, start: DateTime<Utc>, n_hours: u32) -> DateTime<Utc> {
        self.shift_by_working_minutes(start, i64::from(n_hours) * 60)
    }

    /// Office minutes of working days between `a` and `b` (whole minutes, rounded
    /// down); 0 if `b` is not after `a`.
    pub fn working_minutes_between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> i64 {
        if b <= a {
            return 0;
        }
        self.office_seconds_between(self.to_local(a), self.to_local(b)) / SECONDS_PER_MINUTE
    }

    /// Moves `instant` by `minutes` office minutes of working days: forward when
    /// positive, backward when negative, not at all when zero. Extending a deadline by
    /// the working time a case was suspended is `shift_by_working_minutes(deadline,
    /// working_minutes_between(suspended_at, resumed_at))`.
    pub fn shift_by_working_minutes(&self, instant: DateTime<Utc>, minutes: i64) -> DateTime<Utc> {
        let secs = minutes.saturating_mul(SECONDS_PER_MINUTE);
        let local = self.to_local(instant);
        match secs.signum() {
            1 => self
                .forward(local, secs)
                .map_or(DateTime::<Utc>::MAX_UTC, |t| self.to_utc(t)),
            -1 => self
                .backward(local, secs.saturating_neg())
                .map_or(DateTime::<Utc>::MIN_UTC, |t| self.to_utc(t)),
            _ => instant,
        }
    }

    /// Working days in `(after, up_to]`: `after` itself is not counted, like the start
    /// day of a limit. 0 if `up_to` is not after `after`.
    pub fn working_days_between(&self, after: NaiveDate, up_to: NaiveDate) -> u32 {
        let mut count: u64 = 0;
        let mut day = after;
        while day < up_to {
            let Some(next) = day.succ_opt() else { break };
            day = next;
            // Whole weeks within `day..=up_to`, in years without a schedule.
            let weeks = (self.uncovered_days_from(day) / 7)
                .min(u64::try_from((up_to - day).num_days() + 1).unwrap_or(0) / 7);
            if weeks > 0 {
                count += 5 * weeks;
                match day.checked_add_days(Days::new(7 * weeks - 1)) {
                    Some(last_of_the_weeks) => day = last_of_the_weeks,
                    None => break,
                }
            } else if self.is_working_day(day) {
                count += 1;
            }
        }
        u32::try_from(count).unwrap_or(u32::MAX)
    }

    /// The first working day after `date`.
    pub fn next_working_day(&self, date: NaiveDate) -> NaiveDate {
        self.nth_working_day_after(date, 1)
            .unwrap_or(NaiveDate::MAX)
    }

    /// Whether the office is open at `instant`: a working day, inside a session.
    pub fn is_open_at(&self, instant: DateTime<Utc>) -> bool {
        let local = self.to_local(instant);
        self.is_working_day(local.date()) && self.office_hours.is_open_at(local.time())
    }

    /// The `n`-th (n ≥ 1) working day after `date`; `None` past chrono's range.
    fn nth_working_day_after(&self, date: NaiveDate, n: u64) -> Option<NaiveDate> {
        let mut remaining = n.max(1);
        let mut day = date;
        loop {
            day = day.succ_opt()?;
            // Keep at least one day to land on: a week may end on a weekend.
            let weeks = ((remaining - 1) / 5).min(self.uncovered_days_from(day) / 7);
            if weeks > 0 {
                day = day.checked_add_days(Days::new(7 * weeks))?;
                remaining -= 5 * weeks;
            }
            if self.is_working_day(day) {
                remaining -= 1;
                if remaining == 0 {
                    return Some(day);
                }
            }
        }
    }

    /// Office seconds of working days in `[a, b)`, wall clock.
    fn office_seconds_between(&self, a: NaiveDateTime, b: NaiveDateTime) -> i64 {
        let mut total: i64 = 0;
        let mut day = a.date();
        let last = b.date();
        loop {
            if self.is_working_day(day) {
                for s in self.office_hours.sessions() {
                    let from = a.max(day.and_time(s.start()));
                    let to = b.min(day.and_time(s.end()));
                    if to > from {
                        total += (to - from).num_seconds();
                    }
                }
            }
            if day >= last {
                return total;
            }
            let Some(next) = day.succ_opt() else {
                return total;
            };
            day = next;
            // Whole weeks strictly before the last day, in years without a schedule.
            let weeks = (self.uncovered_days_from(day) / 7)
                .min(u64::try_from((last - day).num_days()).unwrap_or(0) / 7);
            if weeks > 0 {
                let in_weeks = self
                    .week_seconds()
                    .saturating_mul(i64::try_from(weeks).unwrap_or(i64::MAX));
                total = total.saturating_add(in_weeks);
                match day.checked_add_days(Days::new(7 * weeks)) {
                    Some(d) => day = d,
                    None => return total,
                }
            }
        }
    }

    /// `t` moved forward by `secs` (> 0) office seconds.
    fn forward(&self, t: NaiveDateTime, secs: i64) -> Option<NaiveDateTime> {
        let mut remaining = secs;
        let mut day = t.date();
        let mut cursor = t;
        loop {
            if self.is_working_day(day) {
                for s in self.office_hours.sessions() {
                    let end = day.and_time(s.end());
                    if end <= cursor {
                        continue;
                    }
                    let from = cursor.max(day.and_time(s.start()));
                    let available = (end - from).num_seconds();
                    if remaining <= available {
                        return from.checked_add_signed(TimeDelta::try_seconds(remaining)?);
                    }
                    remaining -= available;
                }
            }
            day = day.succ_opt()?;
            let weeks = ((remaining - 1) / self.week_seconds())
                .min(i64::try_from(self.uncovered_days_from(day) / 7).unwrap_or(i64::MAX));
            if weeks > 0 {
                day = day.checked_add_days(Days::new(7 * weeks.unsigned_abs()))?;
                remaining -= weeks * self.week_seconds();
            }
            cursor = day.and_time(chrono::NaiveTime::MIN);
        }
    }

    /// `t` moved backward by `secs` (> 0) office seconds.
    fn backward(&self, t: NaiveDateTime, secs: i64) -> Option<NaiveDateTime> {
        let mut remaining = secs;
        let mut day = t.date();
        let mut cursor = Some(t);
        loop {
            if self.is_working_day(day) {
                for s in self.office_hours.sessions().iter().rev() {
                    let start = day.and_time(s.start());
                    let end = day.and_time(s.end());
                    let to = cursor.map_or(end, |c| c.min(end));
                    if to <= start {
                        continue;
                    }
                    let available = (to - start).num_seconds();
                    if remaining <= available {
                        return to.checked_sub_signed(TimeDelta::try_seconds(remaining)?);
                    }
                    remaining -= available;
                }
            }
            day = day.pred_opt()?;
            let weeks = ((remaining - 1) / self.week_seconds())
                .min(i64::try_from(self.uncovered_days_until(day) / 7).unwrap_or(i64::MAX));
            if weeks > 0 {
                day = day.checked_sub_days(Days::new(7 * weeks.unsigned_abs()))?;
                remaining -= weeks * self.week_seconds();
            }
            // From here on, whole days: the end of the day is past every session.
            cursor = None;
        }
    }

    /// Office seconds in any seven days of a year without a schedule (five weekdays).
    fn week_seconds(&self) -> i64 {
        // OfficeHours guarantees at least one non-empty session, so this is positive.
        (5 * self.office_hours.minutes_per_day() * SECONDS_PER_MINUTE).max(1)
    }

    /// How many consecutive days from `day` on (inclusive) lie in years without a
    /// schedule.
    fn uncovered_days_from(&self, day: NaiveDate) -> u64 {
        let year = day.year();
        if self.covers(year) {
            return 0;
        }
        match self.years.range(year..).next() {
            None => u64::MAX,
            Some((&next, _)) => NaiveDate::from_ymd_opt(next, 1, 1).map_or(0, |first| {
                u64::try_from((first - day).num_days()).unwrap_or(0)
            }),
        }
    }

    /// How many consecutive days up to `day` (inclusive, going back) lie in years
    /// without a schedule.
    fn uncovered_days_until(&self, day: NaiveDate) -> u64 {
        let year = day.year();
        if self.covers(year) {
            return 0;
        }
        match self.years.range(..year).next_back() {
            None => u64::MAX,
            Some((&previous, _)) => NaiveDate::from_ymd_opt(previous, 12, 31).map_or(0, |last| {
                u64::try_from((day - last).num_days()).unwrap_or(0)
            }),
        }
    }

    /// The calendar date of `instant` in the calendar's zone: the one answer to
    /// "which day is it" for case numbers, form dates, licence dates and filters.
    pub fn date_of(&self, instant: DateTime<Utc>) -> NaiveDate {
        self.to_local(instant).date()
    }

    /// The wall-clock time of `instant` in the calendar's zone, for showing.
    pub fn wall_clock(&self, instant: DateTime<Utc>) -> NaiveDateTime {
        self.to_local(instant)
    }

    /// The instant `date` begins in the calendar's zone.
    pub fn day_start(&self, date: NaiveDate) -> DateTime<Utc> {
        self.to_utc(date.and_time(chrono::NaiveTime::MIN))
    }

    /// The wall-clock time of `instant` in the calendar's zone (saturating).
    fn to_local(&self, instant: DateTime<Utc>) -> NaiveDateTime {
        let utc = instant.naive_utc();
        let offset = self
            .tz
            .offset_from_utc_datetime(&utc)
            .fix()
            .local_minus_utc();
        utc.checked_add_signed(TimeDelta::seconds(i64::from(offset)))
            .unwrap_or(if offset > 0 {
                NaiveDateTime::MAX
            } else {
                NaiveDateTime::MIN
            })
    }

    /// The instant of a wall-clock time in the calendar's zone. In a daylight-saving
    /// fold the earlier instant is taken; a time in a gap (which never shows on the
    /// wall clock) is read with the offset in force around it.
    fn to_utc(&self, local: NaiveDateTime) -> DateTime<Utc> {
        match self.tz.from_local_datetime(&local) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
            LocalResult::None => {
                let offset = self
                    .tz
                    .offset_from_utc_datetime(&local)
                    .fix()
                    .local_minus_utc();
                local
                    .checked_sub_signed(TimeDelta::seconds(i64::from(offset)))
                    .map_or(
                        if offset > 0 {
                            DateTime::<Utc>::MIN_UTC
                        } else {
                            DateTime::<Utc>::MAX_UTC
                        },
                        |utc| Utc.from_utc_datetime(&utc),
                    )
            }
        }
    }
}
