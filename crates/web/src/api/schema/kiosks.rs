//! Self-service kiosks (自助终端) as the API answers them.

use super::*;

/// A registered kiosk.
#[derive(Serialize, ToSchema)]
pub struct Kiosk {
    pub id: i64,
    pub name: String,
    /// Where it stands (building, mall, bank branch).
    pub location: String,
    /// A disabled kiosk shows 本终端未登记 and signs nobody in.
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
}

/// A kiosk just registered, with its device token: shown in this answer only.
#[derive(Serialize, ToSchema)]
pub struct RegisteredKiosk {
    pub id: i64,
    pub name: String,
    pub location: String,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    /// 64 hex characters. Bind the device by opening `setup_path` on it and
    /// entering the token; only its SM3 hash is kept, so store it now.
    pub token: String,
    /// `/kiosk/setup`, the page that binds a device.
    pub setup_path: String,
}

/// A text of the simulated SMS channel.
#[derive(Serialize, ToSchema)]
pub struct Sms {
    pub id: i64,
    pub mobile: String,
    pub text: String,
    pub sent_at: DateTime<Utc>,
}
