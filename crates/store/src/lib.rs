//! Storage for onestamp: one implementation of [`onestamp_app::Store`] for both
//! backends.
//!
//! SQLite is the embedded default (one file in the data directory, WAL,
//! `synchronous=FULL`: an action is acknowledged only after its commit is on
//! disk). PostgreSQL serves any number of server processes sharing one
//! database (`synchronous_commit=on`, the same guarantee). Every query is
//! written once (`db.rs` explains how); `sqlite.rs` and `postgres.rs` hold only
//! what is each backend's own. Both pass one conformance suite
//! (`tests/conformance.rs`). Migrations are plain SQL per backend under
//! `migrations/`, applied at start and kept at the same version. No SQL lives
//! outside this crate.

mod alerts;
mod analytics;
mod analytics_hall;
mod audit;
mod bookings;
mod bulk;
mod bundles;
mod cases;
mod catalogue;
mod codec;
mod counts;
mod db;
mod documents;
mod feed;
mod hall;
mod integrity;
mod keyset;
mod kiosks;
mod licences;
mod messages;
mod postgres;
mod prefs;
mod ratings;
pub mod scratch;
mod sqlite;
mod staff;
mod users;
mod webhooks;

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use onestamp_app::Store;
use onestamp_app::store::*;
use onestamp_domain::analytics::Tally;
use onestamp_domain::assignment::StaffProfile;
use onestamp_domain::audit::{AuditEntry, Checkpoint};
use onestamp_domain::case::{Case, CaseEvent, Stage, UserId};
use onestamp_domain::catalogue::{Catalogue, Department, Theme};
use onestamp_domain::hall::{Group, Ticket, TicketStatus, Window};
use onestamp_domain::licence::LicenceStatus;
use onestamp_domain::rating::{AppealGround, AppealStatus, OutcomeKind, RectificationStatus};
use onestamp_domain::role::Role;

use db::Db;

/// Opens the store a database URL names: `postgres://` or `postgresql://` for
/// PostgreSQL (the database must exist), `sqlite://<path>` or a bare path for
/// SQLite. An empty URL means `onestamp.db` in `data_dir`.
pub async fn open(database_url: &str, data_dir: &Path) -> Result<Arc<dyn Store>, StoreError> {
    let url = database_url.trim();
    let db = if is_postgres(url) {
        postgres::connect(url).await?
    } else {
        let path = if url.is_empty() {
            std::fs::create_dir_all(data_dir).map_err(|e| {
                StoreError::database(format!(
                    "cannot create data directory {}: {e}",
                    data_dir.display()
                ))
            })?;
            data_dir.join("onestamp.db")
        } else {
            Path::new(url.strip_prefix("sqlite://").unwrap_or(url)).to_path_buf()
        };
        sqlite::open(&path).await?
    };
    Ok(Arc::new(SqlStore { db }))
}

/// Whether a database URL names a PostgreSQL database.
pub fn is_postgres(database_url: &str) -> bool {
    let url = database_url.trim();
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// The store, on either backend.
struct SqlStore {
    db: Db,
}

/// Implements a store trait by handing each method, with its arguments, to the
/// area function named after the `=`, which takes the database first.
macro_rules! delegate {
    ($($trait:ident {
        $(fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty = $f:path;)*
    })*) => {$(
        #[async_trait::async_trait]
        impl $trait for SqlStore {
            $(async fn $name(&self, $($arg: $ty),*) -> Result<$ret, StoreError> {
                Ok($f(&self.db, $($arg),*).await?)
            })*
        }
    )*};
}

delegate! {
    CoreStore {
        fn upsert_user(user: NewUser, audit: AuditFact) -> User = users::upsert;
        fn register_applicant(user: NewUser, details: RegistrationDetails, audit: AuditFact) -> User
            = users::register;
        fn user_credentials(username: &str) -> Option<(User, String)> = users::credentials;
        fn user(id: UserId) -> Option<User> = users::by_id;
        fn users() -> Vec<User> = users::all;
        fn applicants_by_identity(identity: &str) -> Vec<User> = users::applicants_by_identity;
        fn create_token(token_hash: &str, user: UserId, expires_at: DateTime<Utc>) -> ()
            = users::create_token;
        fn token_user(token_hash: &str, now: DateTime<Utc>) -> Option<User> = users::token_user;
        fn revoke_token(token_hash: &str) -> () = users::revoke_token;
        fn import_catalogue(catalogue: &Catalogue, audit: AuditFact) -> ImportSummary
            = catalogue::import;
        fn departments() -> Vec<Department> = catalogue::departments;
        fn items() -> Vec<StoredItem> = catalogue::items;
        fn item(code: &str) -> Option<StoredItem> = catalogue::item;
        fn item_version(code: &str, version: i64) -> Option<StoredItem> = catalogue::item_version;
        fn themes() -> Vec<Theme> = catalogue::themes;
        fn create_case(new: NewCase) -> Case = cases::create;
        fn case(id: i64) -> Option<Case> = cases::by_id;
        fn case_events(id: i64) -> Vec<CaseEvent> = cases::events;
        fn commit_case(change: CaseChange) -> () = cases::commit;
        fn cases(query: &CaseQuery) -> Vec<CaseSummary> = cases::list;
        fn tasks_of(user: UserId, filter: &TaskFilter, after: Option<TaskKey>, limit: u32) -> Vec<CaseSummary>
            = cases::tasks_of;
        fn audit_entries(after: i64, limit: u32) -> Vec<AuditEntry> = audit::entries;
        fn backup(to: &Path) -> () = sqlite::backup;
    }
    AlertStore {
        fn raise_due_alerts(now: DateTime<Utc>, limit: u32) -> Vec<Alert> = alerts::raise_due;
        fn alerts(before_id: Option<i64>, limit: u32) -> Vec<Alert> = alerts::list;
        fn late_tasks(now: DateTime<Utc>, after: Option<TaskKey>, limit: u32) -> Vec<CaseSummary>
            = alerts::late_tasks;
        fn open_tasks_by_holder() -> Vec<(UserId, Stage, u32)> = alerts::open_tasks_by_holder;
    }
    StaffStore {
        fn staff_of_role(role: Role) -> Vec<StaffMember> = staff::staff_of_role;
        fn staff_profile(user: UserId) -> Option<StaffProfile> = staff::profile;
        fn set_staff_profile(user: UserId, profile: &StaffProfile, audit: AuditFact) -> ()
            = staff::set_profile;
        fn login_failures(username: &str) -> Option<LoginFailures> = staff::failures;
        fn record_login_failure(
            username: &str,
            now: DateTime<Utc>,
            window: chrono::Duration,
            lock_after: u32,
            lock_for: chrono::Duration
        ) -> LoginFailures = staff::record_failure;
        fn clear_login_failures(username: &str) -> () = staff::clear_failures;
        fn saved_views(user: UserId) -> Vec<(String, String)> = staff::saved_views;
        fn save_view(user: UserId, name: &str, filter: &str, at: DateTime<Utc>) -> ()
            = staff::save_view;
        fn delete_view(user: UserId, name: &str) -> bool = staff::delete_view;
    }
    QualityStore {
        fn finished_case_ids(criteria: &SampleCriteria, limit: u32) -> Vec<i64>
            = staff::finished_case_ids;
        fn create_sample(
            drawn_by: UserId,
            at: DateTime<Utc>,
            criteria: &SampleCriteria,
            case_ids: &[i64],
            audit: AuditFact
        ) -> i64 = staff::create_sample;
        fn sample(id: i64) -> Option<QualitySample> = staff::sample;
        fn record_finding(
            sample_id: i64,
            case_id: i64,
            verdict: &str,
            notes: &str,
            by: UserId,
            at: DateTime<Utc>,
            audit: AuditFact
        ) -> bool = staff::record_finding;
    }
    LicenceStore {
        fn next_licence_serial(type_code: &str, year: i32) -> u32 = licences::next_serial;
        fn seal_keys() -> Vec<(String, String)> = licences::seal_keys;
        fn register_seal_key(
            key_id: &str,
            public_key_hex: &str,
            at: DateTime<Utc>,
            audit: AuditFact
        ) -> bool = licences::register_key;
        fn licence(id: &str) -> Option<StoredLicence> = licences::by_id;
        fn licence_of_case(case_id: i64) -> Option<StoredLicence> = licences::of_case;
        fn licences(query: &LicenceQuery) -> Vec<StoredLicence> = licences::list;
        fn change_licence(
            id: &str,
            status: &LicenceStatus,
            new: Option<StoredLicence>,
            audit: Vec<AuditFact>,
            messages: Vec<NewMessage>,
            feed: Vec<NewFeedRecord>
        ) -> () = licences::change;
        fn remind_expiring(until: NaiveDate, now: DateTime<Utc>, limit: u32) -> Vec<StoredLicence>
            = licences::remind_expiring;
        fn report_licence(
            licence: &StoredLicence,
            text: &str,
            at: DateTime<Utc>,
            audit: AuditFact
        ) -> i64 = licences::report;
        fn save_material(file: &MaterialFile) -> () = licences::save_material;
        fn material(owner: UserId, hash: &str) -> Option<MaterialFile> = licences::material_of;
        fn materials_of(owner: UserId, limit: u32) -> Vec<MaterialFile> = licences::materials_of;
    }
    FeedStore {
        fn feed(query: &FeedQuery) -> Vec<StoredFeedRecord> = feed::list;
        fn feed_record(id: i64) -> Option<StoredFeedRecord> = feed::by_id;
        fn claim_record(id: i64, by: UserId, at: DateTime<Utc>, audit: AuditFact) -> bool
            = feed::claim;
        fn record_result(
            new: NewSupervisionResult,
            audit: AuditFact,
            messages: Vec<NewMessage>
        ) -> StoredSupervisionResult = feed::record_result;
        fn results_of(licence_id: &str) -> Vec<StoredSupervisionResult> = feed::results_of;
        fn supervision_result(id: i64) -> Option<StoredSupervisionResult> = feed::result_by_id;
        fn handle_result(id: i64, by: UserId, note: &str, at: DateTime<Utc>, audit: AuditFact) -> bool
            = feed::handle;
    }
    BundleStore {
        fn create_bundle(new: NewBundle) -> StoredBundle = bundles::create;
        fn bundle(id: i64) -> Option<StoredBundle> = bundles::by_id;
        fn bundle_of_case(case_id: i64) -> Option<StoredBundle> = bundles::of_case;
        fn bundle_of_licence(licence_id: &str) -> Option<StoredBundle> = bundles::of_licence;
        fn bundles_of(applicant: UserId, before: Option<i64>, limit: u32) -> Vec<StoredBundle>
            = bundles::of_applicant;
        fn bundles_of_theme(theme_code: &str, limit: u32) -> Vec<StoredBundle> = bundles::of_theme;
    }
    HallStore {
        fn hall_groups() -> Vec<Group> = hall::groups;
        fn save_hall_group(group: Group) -> () = hall::save_group;
        fn hall_windows() -> Vec<Window> = hall::windows;
        fn save_hall_window(change: WindowChange) -> Window = hall::save_window;
        fn take_ticket(new: NewTicket) -> Ticket = hall::take;
        fn ticket(id: i64) -> Option<Ticket> = hall::by_id;
        fn ticket_token(id: i64) -> Option<String> = hall::token_of;
        fn ticket_by_token(token: &str) -> Option<Ticket> = hall::by_token;
        fn open_tickets(day: NaiveDate) -> Vec<Ticket> = hall::open_tickets;
        fn tickets_of(applicant: UserId, day: NaiveDate) -> Vec<Ticket> = hall::of_applicant;
        fn check_in_ticket(id: i64, at: DateTime<Utc>, audit: AuditFact) -> bool = hall::check_in;
        fn call_ticket(id: i64, window: i64, call: NewCall) -> Option<StoredCall> = hall::call;
        fn recall_ticket(id: i64, window: i64, recalls: u32, call: NewCall) -> Option<StoredCall>
            = hall::recall;
        fn set_ticket_status(id: i64, from: TicketStatus, to: TicketStatus, at: DateTime<Utc>, audit: AuditFact,
            tally: Tally) -> bool = hall::set_status;
        fn transfer_ticket(id: i64, from: i64, to: i64, audit: AuditFact) -> bool = hall::transfer;
        fn end_ticket(id: i64, case_id: i64, at: DateTime<Utc>, audit: AuditFact, tally: Tally) -> bool
            = hall::end;
        fn tickets_after(after: i64, limit: u32) -> Vec<Ticket> = hall::after;
        fn hall_calls(after: i64, limit: u32) -> Vec<StoredCall> = hall::calls_after;
        fn latest_hall_calls(limit: u32) -> Vec<StoredCall> = hall::latest_calls;
        fn handling_times(group: &str, limit: u32) -> Vec<chrono::Duration> = hall::handling_times;
        fn checkin_code(day: NaiveDate, fresh: &str) -> String = hall::checkin_code;
    }
    KioskStore {
        fn create_kiosk(name: &str, location: &str, token_hash: &str, at: DateTime<Utc>, audit: AuditFact)
            -> Kiosk = kiosks::create;
        fn kiosks() -> Vec<Kiosk> = kiosks::all;
        fn kiosk(id: i64) -> Option<Kiosk> = kiosks::by_id;
        fn kiosk_by_token(token_hash: &str) -> Option<Kiosk> = kiosks::by_token;
        fn set_kiosk_enabled(id: i64, enabled: bool, at: DateTime<Utc>, audit: AuditFact)
            -> Option<Kiosk> = kiosks::set_enabled;
        fn kiosk_codes_sent(kiosk_id: i64, identity: &str, since: DateTime<Utc>)
            -> onestamp_domain::kiosk::Sent = kiosks::codes_sent;
        fn store_kiosk_code(new: NewKioskCode, audit: AuditFact) -> i64 = kiosks::store_code;
        fn latest_kiosk_code(kiosk_id: i64, identity: &str)
            -> Option<onestamp_domain::kiosk::PendingCode> = kiosks::latest_code;
        fn fail_kiosk_code(id: i64, max_tries: u32) -> Option<u32> = kiosks::fail_code;
        fn redeem_kiosk_code(id: i64, max_tries: u32, session_hash: &str, user_id: UserId,
            at: DateTime<Utc>, audit: AuditFact) -> bool = kiosks::redeem_code;
        fn kiosk_session(token_hash: &str) -> Option<KioskSessionRow> = kiosks::session;
        fn touch_kiosk_session(token_hash: &str, now: DateTime<Utc>, idle_since: DateTime<Utc>)
            -> bool = kiosks::touch_session;
        fn end_kiosk_session(token_hash: &str, at: DateTime<Utc>, audit: AuditFact) -> bool
            = kiosks::end_session;
        fn record_kiosk_action(audit: AuditFact) -> () = kiosks::record_action;
        fn send_sms(mobile: &str, text: &str, at: DateTime<Utc>) -> i64 = kiosks::send_sms;
        fn sms_to(mobile: &str, limit: u32) -> Vec<StoredSms> = kiosks::sms_to;
    }
    BookingStore {
        fn book_slot(new: NewBooking) -> Option<Booking> = bookings::book;
        fn booking(id: i64) -> Option<Booking> = bookings::by_id;
        fn bookings_of(applicant: UserId, after: DateTime<Utc>, now: DateTime<Utc>) -> Vec<Booking>
            = bookings::of_applicant;
        fn slot_bookings(group: &str, from: DateTime<Utc>, to: DateTime<Utc>, now: DateTime<Utc>)
            -> Vec<(DateTime<Utc>, u32)> = bookings::per_slot;
        fn confirm_booking(id: i64, at: DateTime<Utc>, message: Option<NewMessage>, tally: Tally)
            -> bool = bookings::confirm;
        fn cancel_booking(id: i64, at: DateTime<Utc>, reason: &str, message: Option<NewMessage>,
            tally: Tally) -> bool = bookings::cancel;
        fn bookings_after(after: i64, limit: u32) -> Vec<Booking> = bookings::after;
        fn booking_history(applicant: UserId, limit: u32) -> Vec<Booking> = bookings::history;
        fn live_bookings(from: DateTime<Utc>, to: DateTime<Utc>, now: DateTime<Utc>)
            -> Vec<Booking> = bookings::live_between;
        fn remind_booking(id: i64, at: DateTime<Utc>, message: NewMessage) -> bool
            = bookings::remind;
    }
    DocumentStore {
        fn case_documents(case_id: i64) -> Vec<StoredDocument> = documents::of_case;
        fn query_code(case_id: i64) -> Option<String> = documents::query_code;
    }
    RatingStore {
        fn create_rating(new: NewRating) -> StoredRating = ratings::create;
        fn rating(id: i64) -> Option<StoredRating> = ratings::by_id;
        fn rating_of_case(case_id: i64) -> Option<StoredRating> = ratings::of_case;
        fn ratings(query: &RatingQuery) -> Vec<StoredRating> = ratings::list;
        fn rating_tallies() -> Vec<RatingTally> = ratings::tallies;
        fn rectification(id: i64) -> Option<Rectification> = ratings::rectification;
        fn rectification_of_rating(rating_id: i64) -> Option<Rectification>
            = ratings::rectification_of_rating;
        fn rectifications(
            status: Option<RectificationStatus>,
            before_id: Option<i64>,
            limit: u32
        ) -> Vec<Rectification> = ratings::rectifications;
        fn record_callback(id: i64, note: &str, by: UserId, at: DateTime<Utc>, audit: AuditFact) -> bool
            = ratings::record_callback;
        fn record_outcome(
            id: i64,
            kind: OutcomeKind,
            outcome: &str,
            by: UserId,
            at: DateTime<Utc>,
            audit: AuditFact
        ) -> bool = ratings::record_outcome;
        fn file_appeal(
            rating_id: i64,
            ground: AppealGround,
            reason: &str,
            by: UserId,
            at: DateTime<Utc>,
            audit: AuditFact
        ) -> i64 = ratings::file_appeal;
        fn appeal(id: i64) -> Option<StoredAppeal> = ratings::appeal;
        fn appeals(status: Option<AppealStatus>, limit: u32) -> Vec<StoredAppeal> = ratings::appeals;
        fn decide_appeal(
            id: i64,
            status: AppealStatus,
            note: &str,
            by: UserId,
            at: DateTime<Utc>,
            audit: AuditFact,
            tally: Tally
        ) -> bool = ratings::decide_appeal;
    }
    MessageStore {
        fn claim_deliveries(
            channel: &str,
            now: DateTime<Utc>,
            lease_until: DateTime<Utc>,
            limit: u32
        ) -> Vec<Claimed> = messages::claim;
        fn finish_delivery(id: i64, lease_until: DateTime<Utc>, finish: Finish) -> bool
            = messages::finish;
        fn deliver_inbox(now: DateTime<Utc>, limit: u32) -> u32 = messages::deliver_inbox;
        fn inbox(user: UserId, before_id: Option<i64>, limit: u32, unread_only: bool)
            -> Vec<Notification> = messages::inbox;
        fn unread_count(user: UserId) -> i64 = messages::unread_count;
        fn mark_read(user: UserId, id: Option<i64>, now: DateTime<Utc>) -> u64 = messages::mark_read;
        fn delivery_backlog() -> Vec<ChannelBacklog> = messages::backlog;
        fn deliveries(channel: Option<&str>, target: Option<&str>, before_id: Option<i64>, limit: u32)
            -> Vec<Delivery> = messages::deliveries;
        fn delivery(id: i64) -> Option<Delivery> = messages::delivery;
        fn retry_delivery(id: i64, now: DateTime<Utc>) -> bool = messages::retry;
        fn case_messages(case_id: i64) -> Vec<StoredMessage> = messages::case_messages;
    }
    PrefStore {
        fn switched_off(user: UserId) -> Vec<SwitchedOff> = prefs::switched_off;
        fn save_prefs(change: PrefsChange, audit: AuditFact) -> () = prefs::save;
    }
    WebhookStore {
        fn create_webhook(new: NewWebhook, audit: AuditFact) -> Webhook = webhooks::create;
        fn webhooks() -> Vec<Webhook> = webhooks::all;
        fn webhook(id: i64) -> Option<Webhook> = webhooks::by_id;
        fn set_webhook_enabled(id: i64, enabled: bool, reason: Option<String>, audit: AuditFact)
            -> bool = webhooks::set_enabled;
        fn delete_webhook(id: i64, at: DateTime<Utc>, audit: AuditFact) -> bool = webhooks::delete;
        fn requeue_delivery(id: i64, now: DateTime<Utc>, audit: AuditFact) -> bool
            = webhooks::requeue;
    }
    BulkStore {
        fn import_cases(cases: Vec<ImportedCase>, audit: AuditFact, tally: Tally) -> i64 = bulk::import;
        fn refresh_statistics() -> () = bulk::refresh_statistics;
    }
    SwitchStore {
        fn instant_enabled(item_code: &str) -> bool = staff::instant_enabled;
        fn set_instant_enabled(
            item_code: &str,
            enabled: bool,
            by: UserId,
            at: DateTime<Utc>,
            reason: &str,
            audit: AuditFact
        ) -> () = staff::set_instant_enabled;
    }
    CountStore {
        fn ops_counts(now: DateTime<Utc>, remind_until: NaiveDate) -> OpsCounts = counts::ops_counts;
    }
    AnalyticsStore {
        fn volume(filter: &AnalyticsFilter) -> Vec<VolumeRow> = analytics::volume;
        fn volume_by_day(filter: &AnalyticsFilter) -> Vec<(NaiveDate, onestamp_domain::analytics::Counters)>
            = analytics::volume_by_day;
        fn theme_counts(filter: &AnalyticsFilter) -> Vec<(String, String, onestamp_domain::analytics::ThemeCounts)>
            = analytics::theme_counts;
        fn hall_counts(filter: &AnalyticsFilter) -> Vec<HallRow> = analytics_hall::counts;
        fn hall_times(filter: &AnalyticsFilter) -> Vec<HallTimeRow> = analytics_hall::times;
        fn volume_by_month(filter: &AnalyticsFilter) -> Vec<(NaiveDate, onestamp_domain::analytics::Counters)>
            = analytics::volume_by_month;
        fn volume_all_time() -> onestamp_domain::analytics::Counters = analytics::volume_all_time;
        fn stage_times(filter: &AnalyticsFilter) -> Vec<TimeRow> = analytics::stage_times;
        fn correction_counts(filter: &AnalyticsFilter) -> Vec<KeyedCount> = analytics::corrections;
        fn refusal_counts(filter: &AnalyticsFilter, limit: u32) -> Vec<KeyedCount>
            = analytics::refusals;
        fn rating_rows(filter: &AnalyticsFilter) -> Vec<RatingRow> = analytics::ratings;
        fn overdue_by_holder(now: DateTime<Utc>, items: Option<&[String]>) -> Vec<(UserId, Stage, i64)>
            = analytics::overdue_by_holder;
        fn licence_counts(until: NaiveDate, items: Option<&[String]>) -> LicenceCounts
            = analytics::licence_counts;
        fn rated_cases() -> Vec<RatedCase> = analytics::rated_cases;
        fn overdue_count(now: DateTime<Utc>) -> i64 = analytics::overdue_count;
        fn display_names(ids: &[UserId]) -> Vec<(UserId, String)> = analytics::display_names;
        fn replace_analytics(tally: Tally) -> () = analytics::replace;
        fn analytics_stale() -> bool = analytics::stale;
    }
    IntegrityStore {
        fn audit_head() -> (i64, String) = integrity::head;
        fn add_checkpoint(checkpoint: &Checkpoint) -> () = integrity::add_checkpoint;
        fn checkpoints() -> Vec<Checkpoint> = integrity::checkpoints;
        fn audit_trail(subject: &str) -> Vec<(String, String)> = integrity::trail;
        fn case_records(after: i64, limit: u32) -> Vec<CaseRecord> = integrity::case_records;
    }
}
