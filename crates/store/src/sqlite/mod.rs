//! The SQLite store. One writer connection (SQLite has one writer anyway; this
//! keeps writers from failing with SQLITE_BUSY and keeps the audit chain
//! strictly ordered) and a pool of readers, all in WAL mode with
//! `synchronous=FULL` so that a committed action survives a crash.

mod alerts;
mod bulk;
mod cases;
mod catalogue;
mod counts;
mod group;
mod licences;
mod quality;
mod staff;
mod users;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqliteConnection, SqlitePool};

use onestamp_app::store::*;
use onestamp_domain::audit::{AuditEntry, GENESIS, entry_hash};
use onestamp_domain::case::{Case, CaseEvent, UserId};
use onestamp_domain::catalogue::{Catalogue, Department, Theme};
use onestamp_domain::role::Role;

use crate::db_err;

pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
    /// Case submissions and actions, committed in groups (see [`group`]).
    group: group::GroupCommit,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and applies migrations.
    pub async fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::from_str("sqlite://")
            .map_err(db_err)?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Pages are read through a memory map instead of a read() call each, and
            // each connection keeps 16 MiB of them: at a million cases a request's
            // reads then cost no system calls once the pages are warm.
            .pragma("mmap_size", "268435456")
            .pragma("cache_size", "-16384");
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .map_err(|e| StoreError::Database(format!("cannot open {}: {e}", path.display())))?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&writer)
            .await
            .map_err(|e| StoreError::Database(format!("migration failed: {e}")))?;
        let reader = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options.read_only(true))
            .await
            .map_err(db_err)?;
        let group = group::GroupCommit::start(writer.clone());
        Ok(SqliteStore {
            writer,
            reader,
            group,
        })
    }
}

/// Appends one fact to the audit chain inside the caller's transaction.
pub(crate) async fn append_audit(
    conn: &mut SqliteConnection,
    at: DateTime<Utc>,
    fact: &AuditFact,
) -> Result<(), StoreError> {
    let last = sqlx::query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err)?;
    let (prev_seq, prev_hash) = match last {
        Some(r) => (
            r.try_get::<i64, _>(0).map_err(db_err)?,
            r.try_get::<String, _>(1).map_err(db_err)?,
        ),
        None => (0, GENESIS.to_string()),
    };
    let seq = prev_seq + 1;
    let at = at.to_rfc3339_opts(SecondsFormat::Millis, true);
    let detail = crate::codec::json(&fact.detail)?;
    let hash = entry_hash(
        &prev_hash,
        seq,
        &at,
        fact.actor_id,
        &fact.kind,
        &fact.subject,
        &detail,
    );
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor_id, kind, subject, detail, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(seq)
    .bind(at)
    .bind(fact.actor_id)
    .bind(&fact.kind)
    .bind(&fact.subject)
    .bind(detail)
    .bind(prev_hash)
    .bind(hash)
    .execute(&mut *conn)
    .await
    .map_err(db_err)?;
    Ok(())
}

#[async_trait]
impl CoreStore for SqliteStore {
    async fn upsert_user(&self, user: NewUser, audit: AuditFact) -> Result<User, StoreError> {
        users::upsert(&self.writer, user, audit).await
    }
    async fn user_credentials(&self, username: &str) -> Result<Option<(User, String)>, StoreError> {
        users::credentials(&self.reader, username).await
    }
    async fn user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        users::by_id(&self.reader, id).await
    }
    async fn users(&self) -> Result<Vec<User>, StoreError> {
        users::all(&self.reader).await
    }
    async fn create_token(
        &self,
        token_hash: &str,
        user: UserId,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        users::create_token(&self.writer, token_hash, user, expires_at).await
    }
    async fn token_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<User>, StoreError> {
        users::token_user(&self.reader, token_hash, now).await
    }
    async fn revoke_token(&self, token_hash: &str) -> Result<(), StoreError> {
        users::revoke_token(&self.writer, token_hash).await
    }

    async fn import_catalogue(
        &self,
        catalogue: &Catalogue,
        audit: AuditFact,
    ) -> Result<ImportSummary, StoreError> {
        catalogue::import(&self.writer, catalogue, audit).await
    }
    async fn departments(&self) -> Result<Vec<Department>, StoreError> {
        catalogue::departments(&self.reader).await
    }
    async fn items(&self) -> Result<Vec<StoredItem>, StoreError> {
        catalogue::items(&self.reader).await
    }
    async fn item(&self, code: &str) -> Result<Option<StoredItem>, StoreError> {
        catalogue::item(&self.reader, code, None).await
    }
    async fn item_version(
        &self,
        code: &str,
        version: i64,
    ) -> Result<Option<StoredItem>, StoreError> {
        catalogue::item(&self.reader, code, Some(version)).await
    }
    async fn themes(&self) -> Result<Vec<Theme>, StoreError> {
        catalogue::themes(&self.reader).await
    }

    async fn create_case(&self, new: NewCase) -> Result<Case, StoreError> {
        let done = self
            .group
            .submit(move |conn| {
                Box::pin(async move {
                    cases::create_in(conn, new)
                        .await
                        .map(|c| group::Done::Created(Box::new(c)))
                })
            })
            .await?;
        match done {
            group::Done::Created(case) => Ok(*case),
            group::Done::Committed => {
                Err(StoreError::Corrupt("a submission stored no case".into()))
            }
        }
    }
    async fn case(&self, id: i64) -> Result<Option<Case>, StoreError> {
        cases::by_id(&self.reader, id).await
    }
    async fn case_events(&self, id: i64) -> Result<Vec<CaseEvent>, StoreError> {
        cases::events(&self.reader, id).await
    }
    async fn commit_case(&self, change: CaseChange) -> Result<(), StoreError> {
        self.group
            .submit(move |conn| {
                Box::pin(async move {
                    cases::commit_in(conn, change)
                        .await
                        .map(|()| group::Done::Committed)
                })
            })
            .await
            .map(|_| ())
    }
    async fn cases(&self, query: &CaseQuery) -> Result<Vec<CaseSummary>, StoreError> {
        cases::list(&self.reader, query).await
    }
    async fn tasks_of(
        &self,
        user: UserId,
        after: Option<TaskKey>,
        limit: u32,
    ) -> Result<Vec<CaseSummary>, StoreError> {
        cases::tasks_of(&self.reader, user, after, limit).await
    }

    async fn backup(&self, to: &Path) -> Result<(), StoreError> {
        // VACUUM INTO reads one snapshot of the database and writes it, compacted,
        // to a new file; writers go on meanwhile (WAL).
        let target = to
            .to_str()
            .ok_or_else(|| StoreError::Database("backup path is not UTF-8".into()))?;
        sqlx::query("VACUUM INTO ?")
            .bind(target)
            .execute(&self.reader)
            .await
            .map_err(|e| StoreError::Database(format!("backup to {}: {e}", to.display())))?;
        Ok(())
    }

    async fn audit_entries(&self, after: i64, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, at, actor_id, kind, subject, detail, prev_hash, hash
             FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
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
impl AlertStore for SqliteStore {
    async fn raise_due_alerts(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Alert>, StoreError> {
        alerts::raise_due(&self.writer, now, limit).await
    }
    async fn alerts(&self, before_id: Option<i64>, limit: u32) -> Result<Vec<Alert>, StoreError> {
        alerts::list(&self.reader, before_id, limit).await
    }
    async fn late_tasks(
        &self,
        now: DateTime<Utc>,
        after: Option<TaskKey>,
        limit: u32,
    ) -> Result<Vec<CaseSummary>, StoreError> {
        alerts::late_tasks(&self.reader, now, after, limit).await
    }
}

#[async_trait]
impl StaffStore for SqliteStore {
    async fn staff_of_role(&self, role: Role) -> Result<Vec<StaffMember>, StoreError> {
        staff::staff_of_role(&self.reader, role).await
    }
    async fn staff_profile(
        &self,
        user: UserId,
    ) -> Result<Option<onestamp_domain::assignment::StaffProfile>, StoreError> {
        staff::profile(&self.reader, user).await
    }
    async fn set_staff_profile(
        &self,
        user: UserId,
        profile: &onestamp_domain::assignment::StaffProfile,
        audit: AuditFact,
    ) -> Result<(), StoreError> {
        staff::set_profile(&self.writer, user, profile, audit).await
    }
    async fn login_failures(&self, username: &str) -> Result<Option<LoginFailures>, StoreError> {
        staff::failures(&self.reader, username).await
    }
    async fn record_login_failure(
        &self,
        username: &str,
        now: DateTime<Utc>,
        window: chrono::Duration,
        lock_after: u32,
        lock_for: chrono::Duration,
    ) -> Result<LoginFailures, StoreError> {
        staff::record_failure(&self.writer, username, now, window, lock_after, lock_for).await
    }
    async fn clear_login_failures(&self, username: &str) -> Result<(), StoreError> {
        staff::clear_failures(&self.writer, username).await
    }
}

#[async_trait]
impl QualityStore for SqliteStore {
    async fn finished_case_ids(
        &self,
        criteria: &SampleCriteria,
        limit: u32,
    ) -> Result<Vec<i64>, StoreError> {
        quality::finished_case_ids(&self.reader, criteria, limit).await
    }
    async fn create_sample(
        &self,
        drawn_by: UserId,
        at: DateTime<Utc>,
        criteria: &SampleCriteria,
        case_ids: &[i64],
        audit: AuditFact,
    ) -> Result<i64, StoreError> {
        quality::create_sample(&self.writer, drawn_by, at, criteria, case_ids, audit).await
    }
    async fn sample(&self, id: i64) -> Result<Option<QualitySample>, StoreError> {
        quality::sample(&self.reader, id).await
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
            &self.writer,
            sample_id,
            case_id,
            verdict,
            notes,
            by,
            at,
            audit,
        )
        .await
    }
}

#[async_trait]
impl LicenceStore for SqliteStore {
    async fn next_licence_serial(&self, type_code: &str, year: i32) -> Result<u32, StoreError> {
        licences::next_serial(&self.writer, type_code, year).await
    }
    async fn seal_keys(&self) -> Result<Vec<(String, String)>, StoreError> {
        licences::seal_keys(&self.reader).await
    }
    async fn register_seal_key(
        &self,
        key_id: &str,
        public_key_hex: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        licences::register_key(&self.writer, key_id, public_key_hex, at).await
    }
    async fn licence(&self, id: &str) -> Result<Option<StoredLicence>, StoreError> {
        licences::by_id(&self.reader, id).await
    }
    async fn licence_of_case(&self, case_id: i64) -> Result<Option<StoredLicence>, StoreError> {
        licences::of_case(&self.reader, case_id).await
    }
    async fn licences(&self, query: &LicenceQuery) -> Result<Vec<StoredLicence>, StoreError> {
        licences::list(&self.reader, query).await
    }
    async fn change_licence(
        &self,
        id: &str,
        status: &onestamp_domain::licence::LicenceStatus,
        new: Option<StoredLicence>,
        audit: AuditFact,
    ) -> Result<(), StoreError> {
        licences::change(&self.writer, id, status, new, audit).await
    }
    async fn remind_expiring(
        &self,
        until: chrono::NaiveDate,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<StoredLicence>, StoreError> {
        licences::remind_expiring(&self.writer, until, now, limit).await
    }
    async fn notifications(
        &self,
        user: UserId,
        limit: u32,
    ) -> Result<Vec<Notification>, StoreError> {
        licences::notifications(&self.reader, user, limit).await
    }
    async fn report_licence(
        &self,
        licence: &StoredLicence,
        text: &str,
        at: DateTime<Utc>,
        audit: AuditFact,
    ) -> Result<i64, StoreError> {
        licences::report(&self.writer, licence, text, at, audit).await
    }
    async fn save_material(&self, file: &MaterialFile) -> Result<(), StoreError> {
        licences::save_material(&self.writer, file).await
    }
    async fn material(
        &self,
        owner: UserId,
        hash: &str,
    ) -> Result<Option<MaterialFile>, StoreError> {
        licences::material_of(&self.reader, owner, hash).await
    }
    async fn materials_of(
        &self,
        owner: UserId,
        limit: u32,
    ) -> Result<Vec<MaterialFile>, StoreError> {
        licences::materials_of(&self.reader, owner, limit).await
    }
}

#[async_trait]
impl BulkStore for SqliteStore {
    async fn import_cases(
        &self,
        cases: Vec<ImportedCase>,
        audit: AuditFact,
    ) -> Result<i64, StoreError> {
        bulk::import(&self.writer, cases, audit).await
    }

    async fn refresh_statistics(&self) -> Result<(), StoreError> {
        sqlx::query("ANALYZE")
            .execute(&self.writer)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}

#[async_trait]
impl SwitchStore for SqliteStore {
    async fn instant_enabled(&self, item_code: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT instant_enabled FROM item_switches WHERE code = ?")
            .bind(item_code)
            .fetch_optional(&self.reader)
            .await
            .map_err(db_err)?;
        match row {
            Some(r) => Ok(r.try_get::<i64, _>(0).map_err(db_err)? != 0),
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
        let mut tx = self.writer.begin().await.map_err(db_err)?;
        sqlx::query(
            "INSERT INTO item_switches (code, instant_enabled, changed_by, changed_at, reason) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (code) DO UPDATE SET instant_enabled = excluded.instant_enabled,
                 changed_by = excluded.changed_by, changed_at = excluded.changed_at, reason = excluded.reason",
        )
        .bind(item_code)
        .bind(enabled)
        .bind(by)
        .bind(crate::codec::millis(at))
        .bind(reason)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        append_audit(&mut tx, at, &audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(())
    }
}
