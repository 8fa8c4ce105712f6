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
mod audit;
mod bulk;
mod cases;
mod catalogue;
mod codec;
mod counts;
mod db;
mod keyset;
mod licences;
mod postgres;
pub mod scratch;
mod sqlite;
mod staff;
mod users;

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use onestamp_app::Store;
use onestamp_app::store::*;
use onestamp_domain::assignment::StaffProfile;
use onestamp_domain::audit::AuditEntry;
use onestamp_domain::case::{Case, CaseEvent, UserId};
use onestamp_domain::catalogue::{Catalogue, Department, Theme};
use onestamp_domain::licence::LicenceStatus;
use onestamp_domain::role::Role;

use db::{Db, Writer};

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
    Ok(Arc::new(SqlStore {
        db,
        tokens: users::TokenMemory::default(),
    }))
}

/// Whether a database URL names a PostgreSQL database.
pub fn is_postgres(database_url: &str) -> bool {
    let url = database_url.trim();
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// The store, on either backend.
struct SqlStore {
    db: Db,
    tokens: users::TokenMemory,
}

#[async_trait]
impl CoreStore for SqlStore {
    async fn upsert_user(&self, user: NewUser, audit: AuditFact) -> Result<User, StoreError> {
        Ok(users::upsert(&self.db, &self.tokens, user, audit).await?)
    }
    async fn user_credentials(&self, username: &str) -> Result<Option<(User, String)>, StoreError> {
        Ok(users::credentials(&self.db, username).await?)
    }
    async fn user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        Ok(users::by_id(&self.db, id).await?)
    }
    async fn users(&self) -> Result<Vec<User>, StoreError> {
        Ok(users::all(&self.db).await?)
    }
    async fn create_token(
        &self,
        token_hash: &str,
        user: UserId,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        Ok(users::create_token(&self.db, token_hash, user, expires_at).await?)
    }
    async fn token_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<User>, StoreError> {
        Ok(users::token_user(&self.db, &self.tokens, token_hash, now).await?)
    }
    async fn revoke_token(&self, token_hash: &str) -> Result<(), StoreError> {
        Ok(users::revoke_token(&self.db, &self.tokens, token_hash).await?)
    }

    async fn import_catalogue(
        &self,
        catalogue: &Catalogue,
        audit: AuditFact,
    ) -> Result<ImportSummary, StoreError> {
        Ok(catalogue::import(&self.db, catalogue, audit).await?)
    }
    async fn departments(&self) -> Result<Vec<Department>, StoreError> {
        Ok(catalogue::departments(&self.db).await?)
    }
    async fn items(&self) -> Result<Vec<StoredItem>, StoreError> {
        Ok(catalogue::items(&self.db).await?)
    }
    async fn item(&self, code: &str) -> Result<Option<StoredItem>, StoreError> {
        Ok(catalogue::item(&self.db, code, None).await?)
    }
    async fn item_version(
        &self,
        code: &str,
        version: i64,
    ) -> Result<Option<StoredItem>, StoreError> {
        Ok(catalogue::item(&self.db, code, Some(version)).await?)
    }
    async fn themes(&self) -> Result<Vec<Theme>, StoreError> {
        Ok(catalogue::themes(&self.db).await?)
    }

    async fn create_case(&self, new: NewCase) -> Result<Case, StoreError> {
        Ok(cases::create(&self.db, new).await?)
    }
    async fn case(&self, id: i64) -> Result<Option<Case>, StoreError> {
        Ok(cases::by_id(&self.db, id).await?)
    }
    async fn case_events(&self, id: i64) -> Result<Vec<CaseEvent>, StoreError> {
        Ok(cases::events(&self.db, id).await?)
    }
    async fn commit_case(&self, change: CaseChange) -> Result<(), StoreError> {
        Ok(cases::commit(&self.db, change).await?)
    }
    async fn cases(&self, query: &CaseQuery) -> Result<Vec<CaseSummary>, StoreError> {
        Ok(cases::list(&self.db, query).await?)
    }
    async fn tasks_of(
        &self,
        user: UserId,
        after: Option<TaskKey>,
        limit: u32,
    ) -> Result<Vec<CaseSummary>, StoreError> {
        Ok(cases::tasks_of(&self.db, user, after, limit).await?)
    }

    async fn audit_entries(&self, after: i64, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        // What has committed is linked before the chain is read.
        if let Writer::Postgres(sequencer) = &self.db.writer {
            sequencer.link_now().await?;
        }
        Ok(audit::entries(&self.db.read, after, limit).await?)
    }

    async fn backup(&self, to: &Path) -> Result<(), StoreError> {
        if self.db.dialect == db::Dialect::Postgres {
            return Err(StoreError::database(
                "a PostgreSQL store is backed up with pg_dump, e.g. pg_dump -Fc -f onestamp.dump <database url>",
            ));
        }
        // VACUUM INTO reads one snapshot of the database and writes it, compacted,
        // to a new file; writers go on meanwhile (WAL).
        let target = to
            .to_str()
            .ok_or_else(|| StoreError::database("backup path is not UTF-8"))?;
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(&self.db.read)
            .await
            .map_err(|e| StoreError::database(format!("backup to {}: {e}", to.display())))?;
        Ok(())
    }
}

#[async_trait]
impl AlertStore for SqlStore {
    async fn raise_due_alerts(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Alert>, StoreError> {
        Ok(alerts::raise_due(&self.db, now, limit).await?)
    }
    async fn alerts(&self, before_id: Option<i64>, limit: u32) -> Result<Vec<Alert>, StoreError> {
        Ok(alerts::list(&self.db, before_id, limit).await?)
    }
    async fn late_tasks(
        &self,
        now: DateTime<Utc>,
        after: Option<TaskKey>,
        limit: u32,
    ) -> Result<Vec<CaseSummary>, StoreError> {
        Ok(alerts::late_tasks(&self.db, now, after, limit).await?)
    }
}

#[async_trait]
impl StaffStore for SqlStore {
    async fn staff_of_role(&self, role: Role) -> Result<Vec<StaffMember>, StoreError> {
        Ok(staff::staff_of_role(&self.db, role).await?)
    }
    async fn staff_profile(&self, user: UserId) -> Result<Option<StaffProfile>, StoreError> {
        Ok(staff::profile(&self.db, user).await?)
    }
    async fn set_staff_profile(
        &self,
        user: UserId,
        profile: &StaffProfile,
        audit: AuditFact,
    ) -> Result<(), StoreError> {
        Ok(staff::set_profile(&self.db, user, profile, audit).await?)
    }
    async fn login_failures(&self, username: &str) -> Result<Option<LoginFailures>, StoreError> {
        Ok(staff::failures(&self.db, username).await?)
    }
    async fn record_login_failure(
        &self,
        username: &str,
        now: DateTime<Utc>,
        window: chrono::Duration,
        lock_after: u32,
        lock_for: chrono::Duration,
    ) -> Result<LoginFailures, StoreError> {
        Ok(staff::record_failure(&self.db, username, now, window, lock_after, lock_for).await?)
    }
    async fn clear_login_failures(&self, username: &str) -> Result<(), StoreError> {
        Ok(staff::clear_failures(&self.db, username).await?)
    }
}

#[async_trait]
impl QualityStore for SqlStore {
    async fn finished_case_ids(
        &self,
        criteria: &SampleCriteria,
        limit: u32,
    ) -> Result<Vec<i64>, StoreError> {
        Ok(staff::finished_case_ids(&self.db, criteria, limit).await?)
    }
    async fn create_sample(
        &self,
        drawn_by: UserId,
        at: DateTime<Utc>,
        criteria: &SampleCriteria,
        case_ids: &[i64],
        audit: AuditFact,
    ) -> Result<i64, StoreError> {
        Ok(staff::create_sample(&self.db, drawn_by, at, criteria, case_ids, audit).await?)
    }
    async fn sample(&self, id: i64) -> Result<Option<QualitySample>, StoreError> {
        Ok(staff::sample(&self.db, id).await?)
    }
    async fn record_finding(
        &self,
        sample_id: i64,
        case_id: i64,
        verdict: &str,
        notes: &str,
        by: UserId,
        at: DateTime<Utc>,
        audit: AuditFact,
    ) -> Result<bool, StoreError> {
        let finding = staff::Finding {
            sample_id,
            case_id,
            verdict: verdict.to_string(),
            notes: notes.to_string(),
            by,
            at,
        };
        Ok(staff::record_finding(&self.db, finding, audit).await?)
    }
}

#[async_trait]
impl LicenceStore for SqlStore {
    async fn next_licence_serial(&self, type_code: &str, year: i32) -> Result<u32, StoreError> {
        Ok(licences::next_serial(&self.db, type_code, year).await?)
    }
    async fn seal_keys(&self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(licences::seal_keys(&self.db).await?)
    }
    async fn register_seal_key(
        &self,
        key_id: &str,
        public_key_hex: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        Ok(licences::register_key(&self.db, key_id, public_key_hex, at).await?)
    }
    async fn licence(&self, id: &str) -> Result<Option<StoredLicence>, StoreError> {
        Ok(licences::by_id(&self.db, id).await?)
    }
    async fn licence_of_case(&self, case_id: i64) -> Result<Option<StoredLicence>, StoreError> {
        Ok(licences::of_case(&self.db, case_id).await?)
    }
    async fn licences(&self, query: &LicenceQuery) -> Result<Vec<StoredLicence>, StoreError> {
        Ok(licences::list(&self.db, query).await?)
    }
    async fn change_licence(
        &self,
        id: &str,
        status: &LicenceStatus,
        new: Option<StoredLicence>,
        audit: AuditFact,
    ) -> Result<(), StoreError> {
        Ok(licences::change(&self.db, id, status, new, audit).await?)
    }
    async fn remind_expiring(
        &self,
        until: NaiveDate,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<StoredLicence>, StoreError> {
        Ok(licences::remind_expiring(&self.db, until, now, limit).await?)
    }
    async fn notifications(
        &self,
        user: UserId,
        limit: u32,
    ) -> Result<Vec<Notification>, StoreError> {
        Ok(licences::notifications(&self.db, user, limit).await?)
    }
    async fn report_licence(
        &self,
        licence: &StoredLicence,
        text: &str,
        at: DateTime<Utc>,
        audit: AuditFact,
    ) -> Result<i64, StoreError> {
        Ok(licences::report(&self.db, licence, text, at, audit).await?)
    }
    async fn save_material(&self, file: &MaterialFile) -> Result<(), StoreError> {
        Ok(licences::save_material(&self.db, file).await?)
    }
    async fn material(
        &self,
        owner: UserId,
        hash: &str,
    ) -> Result<Option<MaterialFile>, StoreError> {
        Ok(licences::material_of(&self.db, owner, hash).await?)
    }
    async fn materials_of(
        &self,
        owner: UserId,
        limit: u32,
    ) -> Result<Vec<MaterialFile>, StoreError> {
        Ok(licences::materials_of(&self.db, owner, limit).await?)
    }
}

#[async_trait]
impl BulkStore for SqlStore {
    async fn import_cases(
        &self,
        cases: Vec<ImportedCase>,
        audit: AuditFact,
    ) -> Result<i64, StoreError> {
        Ok(bulk::import(&self.db, cases, audit).await?)
    }

    async fn refresh_statistics(&self) -> Result<(), StoreError> {
        let sql = match self.db.dialect {
            db::Dialect::Sqlite => "ANALYZE",
            db::Dialect::Postgres => "ANALYZE cases, case_events",
        };
        self.db
            .write(db::work(move |c| {
                Box::pin(async move {
                    sqlx::query(sql).execute(c).await?;
                    Ok(())
                })
            }))
            .await?;
        Ok(())
    }
}

#[async_trait]
impl SwitchStore for SqlStore {
    async fn instant_enabled(&self, item_code: &str) -> Result<bool, StoreError> {
        Ok(staff::instant_enabled(&self.db, item_code).await?)
    }

    async fn set_instant_enabled(
        &self,
        item_code: &str,
        enabled: bool,
        by: UserId,
        at: DateTime<Utc>,
        reason: &str,
        audit: AuditFact,
    ) -> Result<(), StoreError> {
        let switch = staff::Switch {
            item_code: item_code.to_string(),
            enabled,
            by,
            at,
            reason: reason.to_string(),
        };
        Ok(staff::set_instant_enabled(&self.db, switch, audit).await?)
    }
}

#[async_trait]
impl CountStore for SqlStore {
    async fn ops_counts(
        &self,
        now: DateTime<Utc>,
        remind_until: NaiveDate,
    ) -> Result<OpsCounts, StoreError> {
        Ok(counts::ops_counts(&self.db, now, remind_until).await?)
    }
}
