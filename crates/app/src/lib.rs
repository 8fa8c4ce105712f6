//! The use cases of onestamp: the only entry point for the API, the pages and the
//! command line. Each use case authorises the actor, loads what it needs through
//! the [`Store`], lets the domain decide, and commits the new state together with
//! its events and audit facts in one store call (one transaction).

pub mod analytics;
pub mod analytics_hall;
pub mod analytics_themes;
mod analytics_upkeep;
pub mod appointments;
pub mod audit;
pub mod auth;
pub mod bundles;
pub mod cases;
pub mod catalogue;
pub mod clock;
pub mod combined;
pub mod delivery;
pub mod demo;
pub mod disclosure;
pub mod documents;
pub mod email;
pub mod error;
pub mod feed;
pub mod hall;
pub mod kiosk;
pub mod licences;
pub mod lookup;
pub mod materials;
pub mod messages;
pub mod migration;
pub mod ops;
pub mod prefs;
pub mod quality;
pub mod ratings;
pub mod register;
pub mod report;
pub mod store;
pub mod supervision;
pub mod themes;
pub mod throttle;
pub mod users;
pub mod webhooks;
pub mod workbench;

use std::sync::{Arc, Mutex};

use rand::SeedableRng;
use rand::rngs::StdRng;

pub use clock::{Clock, SystemClock};
pub use error::AppError;
pub use store::Store;

/// Settings the use cases need (parsed and validated by the caller).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The bureau's 6-digit region code, the prefix of case numbers.
    pub district_code: String,
    /// How long a login token lives.
    pub token_ttl: chrono::Duration,
    /// The working-day calendar for deadlines.
    pub calendar: onestamp_domain::calendar::Calendar,
    /// Share of a limit after which a task or case turns yellow (0-1).
    pub warn_share: f64,
    /// Login throttling.
    pub login: LoginPolicy,
    /// The issuing authority printed on licences and its unified social credit code.
    pub bureau_name: String,
    /// Where a refusal may be taken for administrative reconsideration (行政复议机关).
    pub reconsideration_body: String,
    pub bureau_credit_code: String,
    /// The address the public reaches this installation at (QR codes point here).
    pub public_url: String,
    /// Holders are reminded this many days before a licence expires.
    pub licence_reminder_days: u32,
    /// Where uploaded materials are kept.
    pub data_dir: std::path::PathBuf,
    /// Largest uploaded material, in bytes.
    pub max_upload_bytes: usize,
    /// How long the operator's counts (`/metrics` gauges) are reused before they are
    /// read again; zero reads them on every call.
    pub ops_counts_max_age: std::time::Duration,
    /// 好差评: working days to call back the applicant after a bad rating.
    pub rating_callback_days: u32,
    /// 好差评: working days to rectify or explain after a bad rating.
    pub rating_rectify_days: u32,
    /// 审管分离: working days a supervising department has to claim a record.
    pub supervision_claim_days: u32,
    /// How long a delivery worker holds a claimed delivery: a worker that died
    /// mid-delivery gives it up to another after this.
    pub delivery_lease: chrono::Duration,
    /// The SMTP server email goes through (`smtp://host:port`…); empty: none.
    pub smtp_url: String,
    /// The sender of every email.
    pub mail_from: String,
    /// 办事大厅: seconds a clerk waits before calling a ticket again (重呼).
    pub hall_recall_secs: u32,
    /// 自助终端: seconds without a touch after which a kiosk session ends.
    pub kiosk_idle_secs: u32,
}

/// How failed logins are slowed and then locked.
///
/// Failures are counted three ways within `window`: for one user name from one
/// client address, for the address whatever the user name, and for the user
/// name from every address. Only the first locks at a low count, so a stranger
/// who guesses wrongly locks out only themself: the owner, from their own
/// address, still logs in. An address that tries many names is locked at
/// `address_lock_after`; a user name is locked for everyone only at the far
/// higher `account_lock_after`, which takes many addresses and is logged as
/// an attack.
#[derive(Debug, Clone)]
pub struct LoginPolicy {
    /// Failures older than this are forgotten.
    pub window: chrono::Duration,
    /// The failure, for one user name from one address, that locks that pair.
    pub lock_after: u32,
    pub lock_for: chrono::Duration,
    /// The failure from one address (any user names) that locks the address.
    pub address_lock_after: u32,
    /// The failure of one user name (from any addresses) that locks the name.
    pub account_lock_after: u32,
    /// The answer of a failed attempt is delayed by this, doubled for each
    /// earlier failure from the same address (at most 5 s).
    pub delay_per_failure: std::time::Duration,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        LoginPolicy {
            window: chrono::Duration::minutes(15),
            lock_after: 5,
            lock_for: chrono::Duration::minutes(15),
            address_lock_after: 30,
            account_lock_after: 100,
            delay_per_failure: std::time::Duration::from_millis(200),
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            district_code: "510107".into(),
            token_ttl: chrono::Duration::hours(12),
            calendar: onestamp_domain::calendar::Calendar::china_default(),
            warn_share: onestamp_domain::timing::DEFAULT_WARN_SHARE,
            login: LoginPolicy::default(),
            bureau_name: "成都市武侯区行政审批局".into(),
            reconsideration_body: "成都市武侯区人民政府".into(),
            bureau_credit_code: "11510107MB1526487K".into(),
            public_url: "http://127.0.0.1:8080".into(),
            licence_reminder_days: 30,
            data_dir: std::path::PathBuf::from("./data"),
            max_upload_bytes: 10 * 1024 * 1024,
            ops_counts_max_age: std::time::Duration::ZERO,
            rating_callback_days: 1,
            rating_rectify_days: 15,
            supervision_claim_days: 2,
            delivery_lease: chrono::Duration::seconds(60),
            smtp_url: String::new(),
            mail_from: "成都市武侯区行政审批局 <noreply@example.cn>".into(),
            hall_recall_secs: 30,
            kiosk_idle_secs: 120,
        }
    }
}

/// The application: the store, the clock, the random source and the settings.
/// Cheap to clone; shared by every request.
#[derive(Clone)]
pub struct App {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) settings: Arc<Settings>,
    /// The bureau's seal; without it cases of certificate items cannot be issued.
    pub(crate) sealing: Option<licences::Sealing>,
    rng: Arc<Mutex<StdRng>>,
    /// Item versions already read: a stored version never changes.
    item_versions: Arc<std::sync::RwLock<ItemVersions>>,
    /// The last operator's counts and when they were read (see [`Settings::ops_counts_max_age`]).
    pub(crate) ops_counts: Arc<tokio::sync::Mutex<Option<(std::time::Instant, store::OpsCounts)>>>,
    /// Recent public reports, per address and per licence.
    pub(crate) reports: Arc<throttle::Throttle>,
    /// Recent wrong progress lookups, per address and per case number.
    pub(crate) lookups: Arc<throttle::Throttle>,
    /// Recent registrations, per address.
    pub(crate) registrations: Arc<throttle::Throttle>,
    /// Real-name verification of registrations (see [`register::RealNameCheck`]).
    pub(crate) real_name: Arc<dyn register::RealNameCheck>,
    /// Failed delivery attempts per channel in this process.
    pub(crate) delivery_failures: Arc<delivery::FailureCounts>,
    /// Where kiosk sign-in codes are sent (see [`kiosk::SmsSender`]).
    pub(crate) sms: Arc<dyn kiosk::SmsSender>,
    /// The kiosks' identity-card reader (see [`kiosk::IdCardReader`]).
    pub(crate) card_reader: Arc<dyn kiosk::IdCardReader>,
}

type ItemVersions = std::collections::HashMap<(String, i64), Arc<onestamp_domain::catalogue::Item>>;

impl App {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, settings: Settings) -> App {
        App {
            clock: clock.clone(),
            settings: Arc::new(settings),
            sealing: None,
            rng: Arc::new(Mutex::new(StdRng::from_os_rng())),
            item_versions: Default::default(),
            ops_counts: Default::default(),
            reports: Default::default(),
            lookups: Default::default(),
            registrations: Default::default(),
            real_name: Arc::new(register::LocalRealName),
            delivery_failures: Default::default(),
            sms: Arc::new(kiosk::SimulatedSms::new(store.clone(), clock.clone())),
            card_reader: Arc::new(kiosk::NoCardReader),
            store,
        }
    }

    /// Whether the seal key `key_id` is registered as the bureau's.
    pub async fn seal_key_registered(&self, key_id: &str) -> Result<bool, AppError> {
        Ok(self
            .store
            .seal_keys()
            .await?
            .iter()
            .any(|(k, _)| k == key_id))
    }

    /// Gives the app the bureau's seal and records its public key, so that every
    /// licence it ever sealed stays verifiable after the key is rotated.
    /// A key seen for the first time is audited (`seal.key.register`).
    pub async fn with_seal(mut self, seal: onestamp_certificate::Seal) -> Result<App, AppError> {
        let audit = store::AuditFact {
            at: self.clock.now(),
            actor_id: None,
            kind: "seal.key.register".into(),
            subject: seal.key_id().to_string(),
            detail: serde_json::json!({"public_key": seal.public_key_hex()}),
        };
        let new = self
            .store
            .register_seal_key(
                seal.key_id(),
                seal.public_key_hex(),
                self.clock.now(),
                audit,
            )
            .await?;
        if new {
            tracing::warn!(key_id = %seal.key_id(), "a new seal key is registered as trusted");
        }
        self.sealing = Some(licences::Sealing::new(seal));
        Ok(self)
    }

    /// Today's date in the bureau's zone.
    /// The settings the app runs with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The id of the seal key loaded, if any.
    pub fn seal_key_id(&self) -> Option<&str> {
        self.sealing.as_ref().map(|s| s.seal.key_id())
    }

    /// Now, by the app's clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    pub fn today(&self) -> chrono::NaiveDate {
        self.local_date(self.clock.now())
    }

    /// The date of an instant in the bureau's zone (`calendar.time_zone`): every
    /// date shown, stored or used for numbering comes from here.
    pub fn local_date(&self, at: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDate {
        self.settings.calendar.date_of(at)
    }

    /// The instant a date begins in the bureau's zone (date filters).
    pub fn day_start(&self, date: chrono::NaiveDate) -> chrono::DateTime<chrono::Utc> {
        self.settings.calendar.day_start(date)
    }

    /// An instant as the bureau's wall-clock time, to the minute, for people.
    pub fn local_time(&self, at: chrono::DateTime<chrono::Utc>) -> String {
        self.settings
            .calendar
            .wall_clock(at)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    /// Makes random draws reproducible (tests).
    pub fn with_seed(mut self, seed: u64) -> App {
        self.rng = Arc::new(Mutex::new(StdRng::seed_from_u64(seed)));
        self
    }

    fn cached_item(&self, key: &(String, i64)) -> Option<Arc<onestamp_domain::catalogue::Item>> {
        let cache = self.item_versions.read().unwrap_or_else(|p| p.into_inner());
        cache.get(key).cloned()
    }

    fn cache_item(&self, key: (String, i64), item: onestamp_domain::catalogue::Item) {
        /// Far more than a catalogue's items times their versions in use.
        const MOST: usize = 10_000;
        let mut cache = self
            .item_versions
            .write()
            .unwrap_or_else(|p| p.into_inner());
        if cache.len() >= MOST {
            cache.clear();
        }
        cache.insert(key, Arc::new(item));
    }

    pub(crate) fn with_rng<T>(&self, f: impl FnOnce(&mut StdRng) -> T) -> T {
        // A poisoned lock only means another draw panicked; the generator is still usable.
        let mut guard = self.rng.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }
}
