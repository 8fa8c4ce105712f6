//! Webhooks (table `webhooks`, migration 0015): registration, switching on and
//! off, removal, and putting a delivery back in the queue — each with its
//! audit fact in the same transaction. The fan-out of messages to webhooks is
//! in [`crate::messages::insert`].

use chrono::{DateTime, Utc};

use onestamp_app::store::{AuditFact, NewWebhook, Webhook};

use crate::codec::{from_json, instant, json, millis};
use crate::db::{Db, Flag, R, Sql, work};

const COLUMNS: &str = "SELECT id, url, events, description, department, secret, enabled,
    disabled_reason, created_by, created_at FROM webhooks";

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    url: String,
    events: String,
    description: String,
    department: Option<String>,
    secret: String,
    enabled: Flag,
    disabled_reason: Option<String>,
    created_by: i64,
    created_at: i64,
}

impl Row {
    fn into_webhook(self) -> R<Webhook> {
        Ok(Webhook {
            id: self.id,
            url: self.url,
            events: from_json(&self.events)?,
            description: self.description,
            department: self.department,
            secret: Some(self.secret),
            enabled: self.enabled.0,
            disabled_reason: self.disabled_reason,
            created_by: self.created_by,
            created_at: instant(self.created_at)?,
        })
    }
}

pub(crate) async fn create(db: &Db, new: NewWebhook, audit: AuditFact) -> R<Webhook> {
    db.write(work(move |c| {
        Box::pin(async move {
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO webhooks (url, events, description, department, secret, enabled,
                     created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, TRUE, $6, $7) RETURNING id",
            )
            .bind(&new.url)
            .bind(json(&new.events)?)
            .bind(&new.description)
            .bind(&new.department)
            .bind(&new.secret)
            .bind(new.created_by)
            .bind(millis(new.created_at))
            .fetch_one(&mut *c)
            .await?;
            let mut audit = audit;
            audit.subject = format!("webhook:{id}");
            crate::audit::append(c, &audit).await?;
            Ok(Webhook {
                id,
                url: new.url,
                events: new.events,
                description: new.description,
                department: new.department,
                secret: Some(new.secret),
                enabled: true,
                disabled_reason: None,
                created_by: new.created_by,
                created_at: new.created_at,
            })
        })
    }))
    .await
}

pub(crate) async fn all(db: &Db) -> R<Vec<Webhook>> {
    let mut q = Sql::new(COLUMNS);
    q.push(" ORDER BY id");
    let rows: Vec<Row> = q.fetch_all(db).await?;
    rows.into_iter().map(Row::into_webhook).collect()
}

pub(crate) async fn by_id(db: &Db, id: i64) -> R<Option<Webhook>> {
    let mut q = Sql::new(COLUMNS);
    q.push(" WHERE id = ").bind(id);
    let rows: Vec<Row> = q.fetch_all(db).await?;
    rows.into_iter().next().map(Row::into_webhook).transpose()
}

pub(crate) async fn set_enabled(
    db: &Db,
    id: i64,
    enabled: bool,
    reason: Option<String>,
    audit: AuditFact,
) -> R<bool> {
    db.write(work(move |c| {
        Box::pin(async move {
            let reason = if enabled { None } else { reason };
            let changed = sqlx::query(
                "UPDATE webhooks SET enabled = $1, disabled_reason = $2
                 WHERE id = $3 AND enabled = $4",
            )
            .bind(enabled)
            .bind(&reason)
            .bind(id)
            .bind(!enabled)
            .execute(&mut *c)
            .await?
            .rows_affected();
            if changed == 1 {
                crate::audit::append(c, &audit).await?;
            }
            Ok(changed == 1)
        })
    }))
    .await
}

pub(crate) async fn delete(db: &Db, id: i64, at: DateTime<Utc>, audit: AuditFact) -> R<bool> {
    db.write(work(move |c| {
        Box::pin(async move {
            let gone = sqlx::query("DELETE FROM webhooks WHERE id = $1")
                .bind(id)
                .execute(&mut *c)
                .await?
                .rows_affected();
            if gone == 0 {
                return Ok(false);
            }
            sqlx::query(
                "UPDATE deliveries SET state = 'skipped', last_error = $1, due_at = $2,
                     lease_until = 0
                 WHERE channel = 'webhook' AND target = $3 AND state = 'pending'",
            )
            .bind("Webhook 已删除")
            .bind(millis(at))
            .bind(id.to_string())
            .execute(&mut *c)
            .await?;
            crate::audit::append(c, &audit).await?;
            Ok(true)
        })
    }))
    .await
}

pub(crate) async fn requeue(db: &Db, id: i64, now: DateTime<Utc>, audit: AuditFact) -> R<bool> {
    db.write(work(move |c| {
        Box::pin(async move {
            let changed = sqlx::query(
                "UPDATE deliveries SET state = 'pending', due_at = $1, attempts = 0, lease_until = 0
                 WHERE id = $2 AND state IN ('failed', 'skipped')",
            )
            .bind(millis(now))
            .bind(id)
            .execute(&mut *c)
            .await?
            .rows_affected();
            if changed == 1 {
                crate::audit::append(c, &audit).await?;
            }
            Ok(changed == 1)
        })
    }))
    .await
}
