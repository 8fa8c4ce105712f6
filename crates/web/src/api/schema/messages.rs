//! 消息设置: the notification settings as the API answers them.

use super::*;

/// One event of my settings and where it goes.
#[derive(Serialize, ToSchema)]
pub struct EventSetting {
    /// `case.accepted`, `task.assigned`…
    pub event: String,
    /// Its name in Chinese (申请已受理…).
    pub label: String,
    /// Whether it reaches my in-app inbox.
    pub inbox: bool,
    /// Whether it reaches my email (when I gave an address).
    pub email: bool,
}

/// My notification settings (消息设置).
#[derive(Serialize, ToSchema)]
pub struct NotificationSettings {
    /// My email address, or empty.
    pub email: String,
    /// My mobile number, or empty.
    pub mobile: String,
    /// Every event my roles may receive.
    pub events: Vec<EventSetting>,
}
