//! The PostgreSQL store, for when one machine is outgrown: any number of
//! `onestamp serve` processes may share one database.
//!
//! Guarantees, the same as the SQLite store's: every change is one transaction
//! with its audit facts; `synchronous_commit` is set to `on` on every connection,
//! so an action is acknowledged only after its commit record is flushed (and
//! reached any synchronous standby). The audit chain stays one chain across
//! processes because every appending transaction first locks the single row of
//! `audit_head` (see [`AuditHead`]).

mod alerts;
mod bulk;
mod cases;
mod catalogue;
mod counts;
mod licences;
mod quality;
mod staff;
mod users;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgConnection, PgPool, Row};

use onestamp_app::store::*;
use onestamp_domain::audit::{AuditEntry, entry_hash};
use onestamp_domain::case::{Case, CaseEvent, UserId};
use onestamp_domain::catalogue::{Catalogue, Department, Theme};
use onestamp_domain::role::Role;

use crate::db_err;

/// Connections per process: enough for a busy node, small enough that a few
/// nodes stay well under PostgreSQL's default `max_connections` of 100.
const POOL_SIZE: u32 = 16;

pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects to an existing database and applies migrations; it creates no
    /// database. Migrations take an advisory lock, so several processes may
    /// start at once.
    pub async fn connect(url: &str) -> Result<PgStore, StoreError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::Database(format!("bad PostgreSQL URL: {e}")))?
            .application_name("onestamp")
            // The server default, stated so that a server-wide `off` cannot
            // silently weaken what an acknowledged action means.
            .options([("synchronous_commit", "on")]);
        let pool = PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Database(format!("cannot connect to PostgreSQL: {e}")))?;
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Database(format!("migration failed: {e}")))?;
        Ok(PgStore { pool })
    }

    /// Closes every connection (waits for those in use to be returned).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The head of the audit chain, locked by the current transaction until it ends.
///
/// Lock it after the rows the transaction changes (every writer does, so locks
/// are always taken in the same order) and append through it; the row is
/// updated with each append, so the next transaction to get the lock continues
/// from there.
pub(crate) struct AuditHead {
    seq: i64,
    hash: String,
}

impl AuditHead {
    pub async fn lock(conn: &mut PgConnection) -> Result<AuditHead, StoreError> {
        let row = sqlx::query("SELECT seq, hash FROM audit_head FOR UPDATE")
            .fetch_one(&mut *conn)
            .await
            .map_err(db_err)?;
        Ok(AuditHead {
            seq: row.try_get(0).map_err(db_err)?,
            hash: row.try_get(1).map_err(db_err)?,
        })
    }

    /// Appends one fact to the chain inside the transaction holding the lock.
    pub async fn append(
        &mut self,
        conn: &mut PgConnection,
        at: DateTime<Utc>,
        fact: &AuditFact,
    ) -> Result<(), StoreError> {
        let seq = self.seq + 1;
        let at = at.to_rfc3339_opts(SecondsFormat::Millis, true);
        let detail = crate::codec::json(&fact.detail)?;
        let hash = entry_hash(
            &self.hash,
            seq,
            &at,
            fact.actor_id,
            &fact.kind,
            &fact.subject,
            &detail,
        );
        // One round trip while the head is locked: the entry and the new head together.
        sqlx::query(
            "WITH entry AS (
                 INSERT INTO audit_log (seq, at, actor_id, kind, subject, detail, prev_hash, hash)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             )
             UPDATE audit_head SET seq = $1, hash = $8",
        )
        .bind(seq)
        .bind(at)
        .bind(fact.actor_id)
        .bind(&fact.kind)
        .bind(&fact.subject)
        .bind(detail)
        .bind(&self.hash)
        .bind(&hash)
        .execute(&mut *conn)
        .await
        .map_err(db_err)?;
        self.seq = seq;
        self.hash = hash;
        Ok(())
    }
}

#[async_trait]
impl CoreStore for PgStore {
    async fn upsert_user(&self, user: NewUser, audit: AuditFact) -> Result<User, StoreError> {
        users::upsert(&self.pool, user, audit).await
    }
    async fn user_credentials(&self, username: &str) -> Result<Option<(User, String)>, StoreError> {
        users::credentials(&self.pool, username).await
    }
    async fn user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        users::by_id(&self.pool, id).await
    }
    async fn users(&self) -> Result<Vec<User>, StoreError> {
        users::all(&self.pool).await
    }
    async fn create_token(
        &self,
        token_hash: &str,
        user: UserId,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        users::create_token(&self.pool, token_hash, user, expires_at).await
    }
    async fn token_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<User>, StoreError> {
        users::token_user(&self.pool, token_hash, now).await
    }
    async fn revoke_token(&self, token_hash: &str) -> Result<(), StoreError> {
        users::revoke_token(&self.pool, token_hash).await
    }

    async fn import_catalogue(
        &self,
        catalogue: &Catalogue,
        audit: AuditFact,
    ) -> Result<ImportSummary, StoreError> {
        catalogue::import(&self.pool, catalogue, audit).await
    }
    async fn departments(&self) -> Result<Vec<Department>, StoreError> {
        catalogue::departments(&self.pool).await
    }
    async fn items(&self) -> Result<Vec<StoredItem>, StoreError> {
        catalogue::items(&self.pool).await
    }
    async fn item(&self, code: &str) -> Result<Option<StoredItem>, StoreError> {
        catalogue::item(&self.pool, code, None).await
    }
    async fn item_version(
        &self,
        code: &str,
        version: i64,
    ) -> Result<Option<StoredItem>, StoreError> {
        catalogue::item(&self.pool, code, Some(version)).await
    }
    async fn themes(&self) -> Result<Vec<Theme>, StoreError> {
        catalogue::themes(&self.pool).await
    }

    async fn create_case(&self, new: NewCase) -> Result<Case, StoreError> {
        cases::create(&self.pool, new).await
    }
    async fn case(&self, id: i64) -> Result<Option<Case>, StoreError> {
        cases::by_id(&self.pool, id).await
    }
    async fn case_events(&self, id: i64) -> Result<Vec<CaseEvent>, StoreError> {
        cases::events(&self.pool, id).await
    }
    async fn commit_case(&self, change: CaseChange) -> Result<(), StoreError> {
        cases::commit(&self.pool, change).await
    }
    async fn cases(&self, query: &CaseQuery) -> Result<Vec<CaseSummary>, StoreError> {
        cases::list(&self.pool, query).await
    }
    async fn tasks_of(
        &self,
        user: UserId,
        after: Option<TaskKey>,
        limit: u32,
    ) -> Result<Vec<CaseSummary>, StoreError> {
        cases::tasks_of(&self.pool, user, after, limit).await
    }

    async fn backup(&self, _to: &std::path::Path) -> Result<(), StoreError> {
        Err(StoreError::Database(
            "a PostgreSQL store is backed up with pg_dump, e.g. pg_dump -Fc -f onestamp.dump <database url>".into(),
        ))
    }

    async fn audit_entries(&self, after: i64, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, at, actor_id, kind, subject, detail, prev_hash, hash
             FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    seq: r.try_get(0).map_err(db_err)?,
                    at: r.try_get(1).map_err(db_err)?,
                    actor_id: r.try_get(2).map_err(db_err)?,
                    kind: r.try_get(3).map_err(db_err)?,
                    subject: r.try_get(4).map_err(db_err)?,
                    detail: r.try_get(5).map_err(db_err)?,
                    prev_hash: r.try_get(6).map_err(db_err)?,
                    hash: r.try_get(7).map_err(db_err)?,
                })
            })
            .collect()
    }
}

#[async_trait]
impl AlertStore for PgStore {
    async fn raise_due_alerts(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Alert>, StoreError> {
        alerts::raise_due(&self.pool, now, limit).await
    }
    async fn alerts(&self, before_id: Option<i64>, limit: u32) -> Result<Vec<Alert>, StoreError> {
        alerts::list(&self.pool, before_id, limit).await
    }
    async fn late_tasks(
        &self,
        now: DateTime<Utc>,
        after: Option<TaskKey>,
        limit: u32,
    ) -> Result<Vec<CaseSummary>, StoreError> {
        alerts::late_tasks(&self.pool, now, after, limit).await
    }
}

#[async_trait]
impl StaffStore for PgStore {
    async fn staff_of_role(&self, role: Role) -> Result<Vec<StaffMember>, StoreError> {
        staff::staff_of_role(&self.pool, role).await
    }
    async fn staff_profile(
        &self,
        user: UserId,
    ) -> Result<Option<onestamp_domain::assignment::StaffProfile>, StoreError> {
        staff::profile(&self.pool, user).await
    }
    async fn set_staff_profile(
        &self,
        user: UserId,
        profile: &onestamp_domain::assignment::StaffProfile,
        audit: AuditFact,
    ) -> Result<(), StoreError> {
        staff::set_profile(&self.pool, user, profile, audit).await
    }
    async fn login_failures(&self, username: &str) -> Result<Option<LoginFailures>, StoreError> {
        staff::failures(&self.pool, username).await
    }
    async fn record_login_failure(
        &self,
        username: &str,
        now: DateTime<Utc>,
        window: chrono::Duration,
        lock_after: u32,
        lock_for: chrono::Duration,
    ) -> Result<LoginFailures, StoreError> {
        staff::record_failure(&self.pool, username, now, window, lock_after, lock_for).await
    }
    async fn clear_login_failures(&self, username: &str) -> Result<(), StoreError> {
        staff::clear_failures(&self.pool, username).await
    }
}

#[async_trait]
impl QualityStore for PgStore {
    async fn finished_case_ids(
        &self,
        criteria: &SampleCriteria,
        limit: u32,
    ) -> Result<Vec<i64>, StoreError> {
        quality::finished_case_ids(&self.pool, criteria, limit).await
    }
    async fn create_sample(
        &self,
        drawn_by: UserId,
        at: DateTime<Utc>,
        criteria: &SampleCriteria,
        case_ids: &[i64],
        audit: AuditFact,
    ) -> Result<i64, StoreError> {
        quality::create_sample(&self.pool, drawn_by, at, criteria, case_ids, audit).await
    }
    async fn sample(&self, id: i64) -> Result<Option<QualitySample>, StoreError> {
        quality::sample(&self.pool, id).await
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
        quality::record_finding(
            &self.pool, sample_id, case_id, verdict, notes, by, at, audit,
        )
        .await
    }
}

#[async_trait]
impl LicenceStore for PgStore {
    async fn next_licence_serial(&self, type_code: &str, year: i32) -> Result<u32, StoreError> {
        licences::next_serial(&self.pool, type_code, year).await
    }
    async fn seal_keys(&self) -> Result<Vec<(String, String)>, StoreError> {
        licences::seal_keys(&self.pool).await
    }
    async fn register_seal_key(
        &self,
        key_id: &str,
        public_key_hex: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        licences::register_key(&self.pool, key_id, public_key_hex, at).await
    }
    async fn licence(&self, id: &str) -> Result<Option<StoredLicence>, StoreError> {
        licences::by_id(&self.pool, id).await
    }
    async fn licence_of_case(&self, case_id: i64) -> Result<Option<StoredLicence>, StoreError> {
        licences::of_case(&self.pool, case_id).await
    }
    async fn licences(&self, query: &LicenceQuery) -> Result<Vec<StoredLicence>, StoreError> {
        licences::list(&self.pool, query).await
    }
    async fn change_licence(
        &self,
        id: &str,
        status: &onestamp_domain::licence::LicenceStatus,
        new: Option<StoredLicence>,
        audit: AuditFact,
    ) -> Result<(), StoreError> {
        licences::change(&self.pool, id, status, new, audit).await
    }
    async fn remind_expiring(
        &self,
        until: chrono::NaiveDate,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<StoredLicence>, StoreError> {
        licences::remind_expiring(&self.pool, until, now, limit).await
    }
    async fn notifications(
        &self,
        user: UserId,
        limit: u32,
    ) -> Result<Vec<Notification>, StoreError> {
        licences::notifications(&self.pool, user, limit).await
    }
    async fn report_licence(
        &self,
        licence: &StoredLicence,
        text: &str,
        at: DateTime<Utc>,
        audit: AuditFact,
    ) -> Result<i64, StoreError> {
        licences::report(&self.pool, licence, text, at, audit).await
    }
    async fn save_material(&self, file: &MaterialFile) -> Result<(), StoreError> {
        licences::save_material(&self.pool, file).await
    }
    async fn material(
        &self,
        owner: UserId,
        hash: &str,
    ) -> Result<Option<MaterialFile>, StoreError> {
        licences::material_of(&self.pool, owner, hash).await
    }
    async fn materials_of(
        &self,
        owner: UserId,
        limit: u32,
    ) -> Result<Vec<MaterialFile>, StoreError> {
        licences::materials_of(&self.pool, owner, limit).await
    }
}

#[async_trait]
impl BulkStore for PgStore {
    async fn import_cases(
        &self,
        cases: Vec<ImportedCase>,
        audit: AuditFact,
    ) -> Result<i64, StoreError> {
        bulk::import(&self.pool, cases, audit).await
    }

    async fn refresh_statistics(&self) -> Result<(), StoreError> {
        sqlx::query("ANALYZE cases, case_events")
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}

#[async_trait]
impl SwitchStore for PgStore {
    async fn instant_enabled(&self, item_code: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT instant_enabled FROM item_switches WHERE code = $1")
            .bind(item_code)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        match row {
            Some(r) => r.try_get(0).map_err(db_err),
            None => Ok(true),
        }
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
        let mut tx = self.pool.begin().await.map_err(db_err)?;
        sqlx::query(
            "INSERT INTO item_switches (code, instant_enabled, changed_by, changed_at, reason)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (code) DO UPDATE SET instant_enabled = excluded.instant_enabled,
                 changed_by = excluded.changed_by, changed_at = excluded.changed_at,
                 reason = excluded.reason",
        )
        .bind(item_code)
        .bind(enabled)
        .bind(by)
        .bind(crate::codec::millis(at))
        .bind(reason)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        let mut head = AuditHead::lock(&mut tx).await?;
        head.append(&mut tx, at, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }
}
