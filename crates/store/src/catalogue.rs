//! Departments, versioned items and themes.

use chrono::Utc;

use onestamp_app::store::{AuditFact, ImportSummary, StoredItem};
use onestamp_domain::catalogue::{Catalogue, Department, Item, Theme};

use crate::codec::{from_json, json, millis};
use crate::db::{Db, R, work};

const CURRENT: &str = "SELECT v.version, v.definition FROM items i
    JOIN item_versions v ON v.code = i.code AND v.version = i.version";

#[derive(sqlx::FromRow)]
struct Version {
    version: i64,
    definition: String,
}

impl Version {
    fn stored(self) -> R<StoredItem> {
        Ok(StoredItem {
            version: self.version,
            item: from_json(&self.definition)?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct DepartmentRow {
    code: String,
    name: String,
}

/// Stores the catalogue in one transaction. An item whose definition differs
/// from its current version gets a new version; an identical one is left alone.
/// Two imports at once cannot both give an item the same next version: the
/// version is part of the primary key, so the second fails and changes nothing.
pub(crate) async fn import(db: &Db, cat: &Catalogue, audit: AuditFact) -> R<ImportSummary> {
    let cat = cat.clone();
    db.write(work(move |c| {
        Box::pin(async move {
            let now = Utc::now();
            let mut summary = ImportSummary::default();
            for d in &cat.departments {
                sqlx::query(
                    "INSERT INTO departments (code, name) VALUES ($1, $2)
                     ON CONFLICT (code) DO UPDATE SET name = excluded.name",
                )
                .bind(&d.code)
                .bind(&d.name)
                .execute(&mut *c)
                .await?;
                summary.departments += 1;
            }
            for item in &cat.items {
                let current: Option<Version> =
                    sqlx::query_as(sqlx::AssertSqlSafe(format!("{CURRENT} WHERE i.code = $1")))
                        .bind(&item.code)
                        .fetch_optional(&mut *c)
                        .await?;
                let version = match current {
                    Some(row) => {
                        let old: Item = from_json(&row.definition)?;
                        if &old == item {
                            summary.items_unchanged += 1;
                            continue;
                        }
                        summary.items_changed += 1;
                        row.version + 1
                    }
                    None => {
                        summary.items_new += 1;
                        1
                    }
                };
                sqlx::query(
                    "INSERT INTO item_versions (code, version, definition, created_at)
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(&item.code)
                .bind(version)
                .bind(json(item)?)
                .bind(millis(now))
                .execute(&mut *c)
                .await?;
                sqlx::query(
                    "INSERT INTO items (code, version) VALUES ($1, $2)
                     ON CONFLICT (code) DO UPDATE SET version = excluded.version",
                )
                .bind(&item.code)
                .bind(version)
                .execute(&mut *c)
                .await?;
            }
            for (pos, theme) in cat.themes.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO themes (code, position, definition) VALUES ($1, $2, $3)
                     ON CONFLICT (code) DO UPDATE SET position = excluded.position,
                         definition = excluded.definition",
                )
                .bind(&theme.code)
                .bind(i64::try_from(pos).unwrap_or(i64::MAX))
                .bind(json(theme)?)
                .execute(&mut *c)
                .await?;
                summary.themes += 1;
            }
            crate::audit::append(c, &audit).await?;
            Ok(summary)
        })
    }))
    .await
}

pub(crate) async fn departments(db: &Db) -> R<Vec<Department>> {
    let rows: Vec<DepartmentRow> =
        sqlx::query_as("SELECT code, name FROM departments ORDER BY code")
            .fetch_all(&db.read)
            .await?;
    Ok(rows
        .into_iter()
        .map(|r| Department {
            code: r.code,
            name: r.name,
        })
        .collect())
}

pub(crate) async fn items(db: &Db) -> R<Vec<StoredItem>> {
    let rows: Vec<Version> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{CURRENT} ORDER BY i.code")))
            .fetch_all(&db.read)
            .await?;
    rows.into_iter().map(Version::stored).collect()
}

pub(crate) async fn item(db: &Db, code: &str) -> R<Option<StoredItem>> {
    stored(db, code, None).await
}

pub(crate) async fn item_version(db: &Db, code: &str, version: i64) -> R<Option<StoredItem>> {
    stored(db, code, Some(version)).await
}

/// The current version of an item, or a given version.
async fn stored(db: &Db, code: &str, version: Option<i64>) -> R<Option<StoredItem>> {
    let row: Option<Version> =
        match version {
            Some(v) => sqlx::query_as(
                "SELECT version, definition FROM item_versions WHERE code = $1 AND version = $2",
            )
            .bind(code)
            .bind(v)
            .fetch_optional(&db.read)
            .await?,
            None => {
                sqlx::query_as(sqlx::AssertSqlSafe(format!("{CURRENT} WHERE i.code = $1")))
                    .bind(code)
                    .fetch_optional(&db.read)
                    .await?
            }
        };
    row.map(Version::stored).transpose()
}

pub(crate) async fn themes(db: &Db) -> R<Vec<Theme>> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT definition FROM themes ORDER BY position, code")
            .fetch_all(&db.read)
            .await?;
    rows.iter().map(|(d,)| Ok(from_json(d)?)).collect()
}
