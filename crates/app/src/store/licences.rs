//! The licence library, the seal's public keys, the materials library,
//! notifications and public reports.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use onestamp_domain::case::UserId;
use onestamp_domain::licence::LicenceStatus;

use super::{AuditFact, StoreError};

/// A licence as stored: the signed canonical content with its signature, and
/// the columns lists and searches need. The columns are conveniences; what a
/// licence says is what its verified canonical content says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredLicence {
    pub seq: i64,
    pub id: String,
    pub type_code: String,
    pub type_name: String,
    pub holder_user_id: UserId,
    pub holder_name: String,
    pub holder_is_person: bool,
    pub case_id: i64,
    pub item_code: String,
    pub supervising_department: Option<String>,
    pub issued_on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    /// The signed content and its signature; left out of what a viewer who may
    /// not see the holder's identity number in full is given.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub canonical: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub signature: String,
    pub key_id: String,
    #[serde(flatten)]
    pub status: LicenceStatus,
}

/// Filters of licence lists; the permission filter is part of the query.
#[derive(Debug, Clone, Default)]
pub struct LicenceQuery {
    /// Only this holder's licences.
    pub holder: Option<UserId>,
    /// Only licences supervised by one of these departments (`*`: all).
    pub departments: Option<Vec<String>>,
    /// Holder name contains, or licence id equals.
    pub search: Option<String>,
    pub type_code: Option<String>,
    /// Only valid ones (public disclosure lists valid and revoked alike).
    pub only_status: Option<String>,
    /// Keyset pagination on `seq`.
    pub before_seq: Option<i64>,
    pub limit: u32,
}

/// A file in the materials library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MaterialFile {
    /// SM3 hash of the content, hex: the file's address.
    pub hash: String,
    pub owner: UserId,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_at: DateTime<Utc>,
    /// Who put the file into the library: the owner, or a clerk for them at the
    /// window (一窗受理).
    pub uploaded_by: UserId,
}

#[async_trait]
pub trait LicenceStore: Send + Sync {
    /// The next serial of a licence type in a year (gaps are possible, repeats never).
    async fn next_licence_serial(&self, type_code: &str, year: i32) -> Result<u32, StoreError>;
    /// Every public key the bureau has sealed with, by key id.
    async fn seal_keys(&self) -> Result<Vec<(String, String)>, StoreError>;
    /// Records a seal key as trusted, with its audit entry, in one transaction;
    /// a key already recorded is left as it is (and not audited again). Whether
    /// it was new.
    async fn register_seal_key(
        &self,
        key_id: &str,
        public_key_hex: &str,
        at: DateTime<Utc>,
        audit: AuditFact,
    ) -> Result<bool, StoreError>;
    async fn licence(&self, id: &str) -> Result<Option<StoredLicence>, StoreError>;
    async fn licence_of_case(&self, case_id: i64) -> Result<Option<StoredLicence>, StoreError>;
    async fn licences(&self, query: &LicenceQuery) -> Result<Vec<StoredLicence>, StoreError>;
    /// Revokes a licence, or replaces it with `new` (same transaction), with
    /// its messages and its supervision feed's records.
    async fn change_licence(
        &self,
        id: &str,
        status: &LicenceStatus,
        new: Option<StoredLicence>,
        audit: Vec<AuditFact>,
        messages: Vec<super::NewMessage>,
        feed: Vec<super::NewFeedRecord>,
    ) -> Result<(), StoreError>;
    /// Valid licences ending on or before `until` not yet reminded: marks them and
    /// writes the holder's notification in one transaction, exactly once.
    async fn remind_expiring(
        &self,
        until: NaiveDate,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<StoredLicence>, StoreError>;
    /// A report from the public about a licence (扫码举报): an alert for the supervisors.
    async fn report_licence(
        &self,
        licence: &StoredLicence,
        text: &str,
        at: DateTime<Utc>,
        audit: AuditFact,
    ) -> Result<i64, StoreError>;
    /// Records a stored file for its owner (idempotent per owner and hash).
    async fn save_material(&self, file: &MaterialFile) -> Result<(), StoreError>;
    async fn material(&self, owner: UserId, hash: &str)
    -> Result<Option<MaterialFile>, StoreError>;
    async fn materials_of(
        &self,
        owner: UserId,
        limit: u32,
    ) -> Result<Vec<MaterialFile>, StoreError>;
}
