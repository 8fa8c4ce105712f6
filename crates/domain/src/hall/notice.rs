//! The messages of an appointment (预约): confirmed, cancelled (by its
//! applicant or by a change of the calendar) and the reminder the working day
//! before. Each is addressed to the applicant alone and carries nothing but
//! the group, the time and the booking's number.

use chrono::{DateTime, Utc};

use crate::case::UserId;
use crate::message::{Audience, Event, Message, fit};

/// What a message is about: the booking and its slot in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingNotice<'a> {
    pub booking: i64,
    pub applicant: UserId,
    /// The group's (or the item's) name.
    pub what: &'a str,
    /// The slot in local words: 3月3日 09:00–09:30.
    pub when: &'a str,
}

/// 预约成功.
pub fn confirmed(n: &BookingNotice<'_>, at: DateTime<Utc>) -> Message {
    message(
        n,
        Event::AppointmentConfirmed,
        format!("预约成功：{}", n.when),
        format!("您已预约{}办理“{{}}”，请按时到大厅取号签到。", n.when),
        "预约成功",
        format!("booking:{}:confirmed", n.booking),
        at,
    )
}

/// 预约已取消, for `reason` (本人取消, 节假日调整…).
pub fn cancelled(n: &BookingNotice<'_>, reason: &str, at: DateTime<Utc>) -> Message {
    message(
        n,
        Event::AppointmentCancelled,
        format!("预约已取消：{}（{reason}）", n.when),
        format!(
            "您{}办理“{{}}”的预约已取消（{reason}），可重新预约。",
            n.when
        ),
        "已取消",
        format!("booking:{}:cancelled", n.booking),
        at,
    )
}

/// 预约办事提醒, the working day before.
pub fn reminder(n: &BookingNotice<'_>, at: DateTime<Utc>) -> Message {
    message(
        n,
        Event::AppointmentReminder,
        format!("预约提醒：{}", n.when),
        format!(
            "提醒：您已预约{}办理“{{}}”，请携带材料按时到大厅取号。",
            n.when
        ),
        "预约提醒",
        format!("booking:{}:reminder", n.booking),
        at,
    )
}

fn message(
    n: &BookingNotice<'_>,
    event: Event,
    subject: String,
    template: String,
    word: &str,
    dedup_key: String,
    at: DateTime<Utc>,
) -> Message {
    Message {
        event,
        audience: vec![Audience::User(n.applicant)],
        subject,
        text: fit(&template, n.what),
        stage_word: word.into(),
        link: format!("/appointments/{}", n.booking),
        occurred_at: at,
        dedup_key,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{TEXT_MAX, WORD_MAX};

    #[test]
    fn messages_fit_an_sms_and_are_once_per_booking() {
        let n = BookingNotice {
            booking: 7,
            applicant: 3,
            what: &"很长的业务分组名称".repeat(10),
            when: "3月3日 09:00–09:30",
        };
        let at = DateTime::<Utc>::UNIX_EPOCH;
        for m in [
            confirmed(&n, at),
            cancelled(&n, "节假日调整", at),
            reminder(&n, at),
        ] {
            assert!(m.text.chars().count() <= TEXT_MAX, "{}", m.text);
            assert!(m.stage_word.chars().count() <= WORD_MAX);
            assert_eq!(m.audience, vec![Audience::User(3)]);
            assert_eq!(m.link, "/appointments/7");
        }
        assert!(cancelled(&n, "节假日调整", at).text.contains("节假日调整"));
        assert_ne!(confirmed(&n, at).dedup_key, reminder(&n, at).dedup_key);
    }
}
