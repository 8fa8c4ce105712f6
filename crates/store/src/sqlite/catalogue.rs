//! Departments, versioned items and themes.

use chrono::Utc;
use sqlx::{Row, SqlitePool};

use onestamp_app::store::{AuditFact, ImportSummary, StoreError, StoredItem};
use onestamp_domain::catalogue::{Catalogue, Department, Item, Theme};

use super::append_audit;
use crate::codec::{from_json, json, millis};
use crate::db_err;

/// Stores the catalogue in one transaction. An item whose definition differs
/// from its current version gets a new version; an identical one is left alone.
pub async fn import(
    pool: &SqlitePool,
    cat: &Catalogue,
    audit: AuditFact,
) -> Result<ImportSummary, StoreError> {
    let now = Utc::now();
    let mut summary = ImportSummary::default();
    let mut tx = pool.begin().await.map_err(db_err)?;
    for d in &cat.departments {
        sqlx::query("INSERT INTO departments (code, name) VALUES (?, ?) ON CONFLICT (code) DO UPDATE SET name = excluded.name")
            .bind(&d.code)
            .bind(&d.name)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        summary.departments += 1;
    }
    for item in &cat.items {
        let definition = json(item)?;
        let current = sqlx::query(
            "SELECT v.version, v.definition FROM items i
             JOIN item_versions v ON v.code = i.code AND v.version = i.version WHERE i.code = ?",
        )
        .bind(&item.code)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err)?;
        let version = match current {
            Some(row) => {
                let v: i64 = row.try_get(0).map_err(db_err)?;
                let old: Item = from_json(&row.try_get::<String, _>(1).map_err(db_err)?)?;
                if &old == item {
                    summary.items_unchanged += 1;
                    continue;
                }
                summary.items_changed += 1;
                v + 1
            }
            None => {
                summary.items_new += 1;
                1
            }
        };
        sqlx::query(
            "INSERT INTO item_versions (code, version, definition, created_at) VALUES (?, ?, ?, ?)",
        )
        .bind(&item.code)
        .bind(version)
        .bind(definition)
        .bind(millis(now))
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        sqlx::query("INSERT INTO items (code, version) VALUES (?, ?) ON CONFLICT (code) DO UPDATE SET version = excluded.version")
            .bind(&item.code)
            .bind(version)
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
    }
    for (pos, theme) in cat.themes.iter().enumerate() {
        sqlx::query(
            "INSERT INTO themes (code, position, definition) VALUES (?, ?, ?)
             ON CONFLICT (code) DO UPDATE SET position = excluded.position,
                 definition = excluded.definition",
        )
        .bind(&theme.code)
        .bind(i64::try_from(pos).unwrap_or(i64::MAX))
        .bind(json(theme)?)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        summary.themes += 1;
    }
    append_audit(&mut tx, now, &audit).await?;
    tx.commit().await.map_err(db_err)?;
    Ok(summary)
}

pub async fn departments(pool: &SqlitePool) -> Result<Vec<Department>, StoreError> {
    let rows = sqlx::query("SELECT code, name FROM departments ORDER BY code")
        .fetch_all(pool)
        .await
        .map_err(db_err)?;
    rows.iter()
        .map(|r| {
            Ok(Department {
                code: r.try_get(0).map_err(db_err)?,
                name: r.try_get(1).map_err(db_err)?,
            })
        })
        .collect()
}

fn stored(version: i64, definition: &str) -> Result<StoredItem, StoreError> {
    Ok(StoredItem {
        version,
        item: from_json(definition)?,
    })
}

pub async fn items(pool: &SqlitePool) -> Result<Vec<StoredItem>, StoreError> {
    let rows = sqlx::query(
        "SELECT v.version, v.definition FROM items i
         JOIN item_versions v ON v.code = i.code AND v.version = i.version ORDER BY i.code",
    )
    .fetch_all(pool)
    .await
    .map_err(db_err)?;
    rows.iter()
        .map(|r| {
            stored(
                r.try_get(0).map_err(db_err)?,
                &r.try_get::<String, _>(1).map_err(db_err)?,
            )
        })
        .collect()
}

/// The current version of an item, or a given version.
pub async fn item(
    pool: &SqlitePool,
    code: &str,
    version: Option<i64>,
) -> Result<Option<StoredItem>, StoreError> {
    let row = match version {
        Some(v) => {
            sqlx::query(
                "SELECT version, definition FROM item_versions WHERE code = ? AND version = ?",
            )
            .bind(code)
            .bind(v)
            .fetch_optional(pool)
            .await
        }
        None => {
            sqlx::query(
                "SELECT v.version, v.definition FROM items i
             JOIN item_versions v ON v.code = i.code AND v.version = i.version WHERE i.code = ?",
            )
            .bind(code)
            .fetch_optional(pool)
            .await
        }
    }
    .map_err(db_err)?;
    row.map(|r| {
        stored(
            r.try_get(0).map_err(db_err)?,
            &r.try_get::<String, _>(1).map_err(db_err)?,
        )
    })
    .transpose()
}

pub async fn themes(pool: &SqlitePool) -> Result<Vec<Theme>, StoreError> {
    let rows = sqlx::query("SELECT definition FROM themes ORDER BY position, code")
        .fetch_all(pool)
        .await
        .map_err(db_err)?;
    rows.iter()
        .map(|r| from_json(&r.try_get::<String, _>(0).map_err(db_err)?))
        .collect()
}
