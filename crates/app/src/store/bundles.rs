//! Bundles (联审联办): one application for a theme, one child case per item.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use onestamp_domain::audit::AuditFact;
use onestamp_domain::case::{CaseStatus, Channel, MaterialRef, UserId};
use onestamp_domain::theme::OnDenial;

use super::{NewCase, StoreError, StoredLicence};

/// What the applicant gave once for a child that waits: its form and materials,
/// kept until its prerequisites are issued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingChild {
    pub form: serde_json::Map<String, serde_json::Value>,
    pub materials: BTreeMap<String, MaterialRef>,
}

/// What a bundle keeps beside its columns.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BundleBody {
    pub theme_name: String,
    pub on_denial: OnDenial,
    /// The clerk who filed it at the window, if one did.
    #[serde(default)]
    pub filed_by_clerk: Option<UserId>,
    /// The waiting children's forms and materials, by item.
    #[serde(default)]
    pub pending: BTreeMap<String, PendingChild>,
}

/// A child of a bundle as stored: its item, what it waits for, its case once
/// started (with the case's number and status), or cancelled.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredChild {
    pub item_code: String,
    pub waits_for: Vec<String>,
    pub case: Option<(i64, String, CaseStatus)>,
    pub cancelled: bool,
}

/// A bundle as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredBundle {
    pub id: i64,
    pub number: String,
    pub theme_code: String,
    pub applicant_id: UserId,
    pub channel: Channel,
    pub submitted_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    pub version: i64,
    pub combined_licence: Option<String>,
    pub body: BundleBody,
    pub children: Vec<StoredChild>,
}

/// A new bundle: its cases that start now (with their items), and the children
/// that wait, all written in one transaction.
#[derive(Debug, Clone)]
pub struct NewBundle {
    /// `<district>-<YYYYMMDD>`: the store appends `ZT` and the day's serial.
    pub number_prefix: String,
    pub theme_code: String,
    pub applicant_id: UserId,
    pub channel: Channel,
    pub submitted_at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    pub body: BundleBody,
    /// Every item of the theme in order, with what it waits for.
    pub children: Vec<(String, Vec<String>)>,
    /// The cases that start now, by item.
    pub start: Vec<(String, NewCase)>,
    pub audit: Vec<AuditFact>,
    /// The theme's counts: the bundle submitted.
    pub tally: onestamp_domain::analytics::Tally,
}

/// What a change closing a child does to its bundle, in the change's
/// transaction: accepted only if the bundle is still at `expected_version`.
#[derive(Debug, Clone)]
pub struct BundleStep {
    pub bundle_id: i64,
    pub expected_version: i64,
    /// Waiting children whose prerequisites are now issued: their cases.
    pub start: Vec<(String, NewCase)>,
    /// Waiting children that will never start.
    pub cancel: Vec<String>,
    /// The combined licence (一企一证) once every permit is issued.
    pub combined: Option<StoredLicence>,
    pub audit: Vec<AuditFact>,
    /// The theme's counts: the bundle finished, if this step finishes it.
    pub tally: onestamp_domain::analytics::Tally,
}

#[async_trait]
pub trait BundleStore: Send + Sync {
    /// Writes the bundle, its children and the cases that start now.
    async fn create_bundle(&self, new: NewBundle) -> Result<StoredBundle, StoreError>;
    async fn bundle(&self, id: i64) -> Result<Option<StoredBundle>, StoreError>;
    /// The bundle a case is a child of.
    async fn bundle_of_case(&self, case_id: i64) -> Result<Option<StoredBundle>, StoreError>;
    /// The bundle whose combined licence this is.
    async fn bundle_of_licence(&self, licence_id: &str)
    -> Result<Option<StoredBundle>, StoreError>;
    /// The newest bundles of a theme.
    async fn bundles_of_theme(
        &self,
        theme_code: &str,
        limit: u32,
    ) -> Result<Vec<StoredBundle>, StoreError>;
    /// An applicant's bundles, newest first, with ids below `before`.
    async fn bundles_of(
        &self,
        applicant: UserId,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<StoredBundle>, StoreError>;
}
