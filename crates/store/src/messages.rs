//! The outbox, its deliveries and the in-app inbox (see the app's
//! `store::messages` for the contract). [`insert`] is the one path by which a
//! message is written: inside the transaction of its change, with its
//! deliveries fanned out to every channel and target in the same statements.

use chrono::{DateTime, Utc};
use sqlx::AnyConnection;

use onestamp_app::store::{
    ChannelBacklog, Claimed, Delivery, DeliveryState, Finish, NewMessage, Notification,
    StoredMessage,
};
use onestamp_domain::case::UserId;
use onestamp_domain::message::Audience;

use crate::codec::{from_json, instant, json, millis, parse_enum};
use crate::db::{Db, Flag, R, Sql, work};

/// What the outbox's `payload` column holds.
#[derive(serde::Serialize, serde::Deserialize)]
struct Payload {
    subject: String,
    text: String,
    stage_word: String,
    link: String,
    #[serde(default)]
    data: serde_json::Value,
}

/// Writes `msg` and its deliveries; nothing when a message with its key was
/// written before. The new message's id.
pub(crate) async fn insert(
    conn: &mut AnyConnection,
    msg: &NewMessage,
    now: DateTime<Utc>,
) -> R<Option<i64>> {
    let m = &msg.message;
    let mut recipients: Vec<UserId> = Vec::new();
    for a in &m.audience {
        match a {
            Audience::User(id) => recipients.push(*id),
            Audience::Role(role) => {
                let ids: Vec<(i64,)> = sqlx::query_as(
                    "SELECT r.user_id FROM user_roles r JOIN users u ON u.id = r.user_id
                     WHERE r.role = $1 AND u.active ORDER BY r.user_id",
                )
                .bind(role.as_str())
                .fetch_all(&mut *conn)
                .await?;
                recipients.extend(ids.into_iter().map(|(id,)| id));
            }
        }
    }
    recipients.sort_unstable();
    recipients.dedup();
    let payload = Payload {
        subject: m.subject.clone(),
        text: m.text.clone(),
        stage_word: m.stage_word.clone(),
        link: m.link.clone(),
        data: msg.data.clone(),
    };
    let inserted: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO outbox (event, case_id, case_number, licence_id, department, recipients,
             payload, created_at, dedup_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (dedup_key) DO NOTHING RETURNING id",
    )
    .bind(m.event.as_str())
    .bind(msg.case_id)
    .bind(&msg.case_number)
    .bind(&msg.licence_id)
    .bind(&msg.department)
    .bind(json(&recipients)?)
    .bind(json(&payload)?)
    .bind(millis(m.occurred_at))
    .bind(&m.dedup_key)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((id,)) = inserted else {
        return Ok(None);
    };
    let mut targets: Vec<(&'static str, String)> = Vec::new();
    if !recipients.is_empty() {
        let mut q = Sql::new("SELECT u.id, u.email, ");
        q.push("EXISTS (SELECT 1 FROM notification_prefs p WHERE p.user_id = u.id AND p.event = ")
            .bind(m.event.as_str())
            .push(" AND p.channel = 'inbox') AS inbox_off, ")
            .push(
                "EXISTS (SELECT 1 FROM notification_prefs p WHERE p.user_id = u.id AND p.event = ",
            )
            .bind(m.event.as_str())
            .push(" AND p.channel = 'email') AS email_off FROM users u WHERE u.id IN (");
        for (i, r) in recipients.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.bind(*r);
        }
        q.push(") ORDER BY u.id");
        let rows: Vec<(i64, String, Flag, Flag)> = q.fetch_all_in(conn).await?;
        for (user, email, inbox_off, email_off) in rows {
            if !inbox_off.0 {
                targets.push(("inbox", user.to_string()));
            }
            if !email_off.0 && !email.is_empty() {
                targets.push(("email", user.to_string()));
            }
        }
    }
    let hooks: Vec<(i64, String, Option<String>)> =
        sqlx::query_as("SELECT id, events, department FROM webhooks WHERE enabled ORDER BY id")
            .fetch_all(&mut *conn)
            .await?;
    for (hook, events, department) in hooks {
        let events: Vec<String> = from_json(&events)?;
        let wants = events.iter().any(|e| e == "*" || e == m.event.as_str());
        let matches = department.is_none() || department == msg.department;
        if wants && matches {
            targets.push(("webhook", hook.to_string()));
        }
    }
    if !targets.is_empty() {
        let now = millis(now);
        let mut q = Sql::new(
            "INSERT INTO deliveries (message_id, channel, target, due_at, created_at) VALUES ",
        );
        q.values(&targets, |row, (channel, target)| {
            row.bind(id)
                .bind(*channel)
                .bind(target.clone())
                .bind(now)
                .bind(now);
        });
        q.execute(conn).await?;
    }
    Ok(Some(id))
}

/// Writes every message of `msgs`.
pub(crate) async fn insert_all(
    conn: &mut AnyConnection,
    msgs: &[NewMessage],
    now: DateTime<Utc>,
) -> R<()> {
    for m in msgs {
        insert(conn, m, now).await?;
    }
    Ok(())
}

const MESSAGE_COLUMNS: &str = "SELECT id, event, case_id, case_number, licence_id, department,
    recipients, payload, created_at FROM outbox";

#[derive(sqlx::FromRow)]
struct MessageRow {
    id: i64,
    event: String,
    case_id: Option<i64>,
    case_number: Option<String>,
    licence_id: Option<String>,
    department: Option<String>,
    recipients: String,
    payload: String,
    created_at: i64,
}

impl MessageRow {
    fn into_message(self) -> R<StoredMessage> {
        let p: Payload = from_json(&self.payload)?;
        Ok(StoredMessage {
            id: self.id,
            event: self.event,
            case_id: self.case_id,
            case_number: self.case_number,
            licence_id: self.licence_id,
            department: self.department,
            recipients: from_json(&self.recipients)?,
            subject: p.subject,
            text: p.text,
            stage_word: p.stage_word,
            link: p.link,
            data: p.data,
            created_at: instant(self.created_at)?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct ClaimRow {
    id: i64,
    message_id: i64,
    channel: String,
    target: String,
    attempts: i64,
}

/// Claims due deliveries of `channel` (see the trait).
async fn claim_in(
    conn: &mut AnyConnection,
    skip: &str,
    channel: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u32,
) -> R<Vec<(ClaimRow, StoredMessage)>> {
    let claim = format!(
        "UPDATE deliveries SET lease_until = $1, attempts = attempts + 1
         WHERE id IN (SELECT id FROM deliveries WHERE channel = $2 AND state = 'pending'
             AND due_at <= $3 AND lease_until <= $3 ORDER BY due_at, id LIMIT $4{skip})
         RETURNING id, message_id, channel, target, attempts"
    );
    let mut rows: Vec<ClaimRow> = sqlx::query_as(sqlx::AssertSqlSafe(claim))
        .bind(millis(lease_until))
        .bind(channel)
        .bind(millis(now))
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    rows.sort_by_key(|r| r.id);
    let mut q = Sql::new(MESSAGE_COLUMNS);
    q.push(" WHERE id IN (");
    for (i, r) in rows.iter().enumerate() {
        if i > 0 {
            q.push(", ");
        }
        q.bind(r.message_id);
    }
    q.push(")");
    let messages: Vec<MessageRow> = q.fetch_all_in(conn).await?;
    let mut by_id = std::collections::HashMap::new();
    for m in messages {
        by_id.insert(m.id, m.into_message()?);
    }
    rows.into_iter()
        .map(|r| {
            let m = by_id
                .get(&r.message_id)
                .cloned()
                .ok_or_else(|| crate::db::corrupt(format!("message {} vanished", r.message_id)))?;
            Ok((r, m))
        })
        .collect()
}

pub(crate) async fn claim(
    db: &Db,
    channel: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u32,
) -> R<Vec<Claimed>> {
    let skip = db.dialect.skip_locked();
    let channel = channel.to_string();
    db.write(work(move |c| {
        Box::pin(async move {
            let claimed = claim_in(c, skip, &channel, now, lease_until, limit).await?;
            Ok(claimed
                .into_iter()
                .map(|(r, message)| Claimed {
                    id: r.id,
                    channel: r.channel,
                    target: r.target,
                    attempts: u32::try_from(r.attempts).unwrap_or(u32::MAX),
                    lease_until,
                    message,
                })
                .collect())
        })
    }))
    .await
}

pub(crate) async fn finish(db: &Db, id: i64, lease_until: DateTime<Utc>, f: Finish) -> R<bool> {
    let delivered = f.state == DeliveryState::Delivered;
    let sql = Sql::new(
        "UPDATE deliveries SET state = $1, due_at = $2, last_status = $3, last_answer = $4,
             last_error = $5, delivered_at = CASE WHEN $6 THEN $7 ELSE delivered_at END,
             lease_until = 0
         WHERE id = $8 AND lease_until = $9 AND state = 'pending'",
    )
    .arg(f.state.as_str())
    .arg(millis(f.due_at))
    .arg(f.status)
    .arg(f.answer)
    .arg(f.error)
    .arg(delivered)
    .arg(millis(f.at))
    .arg(id)
    .arg(millis(lease_until));
    Ok(db.execute(sql).await? == 1)
}

pub(crate) async fn deliver_inbox(db: &Db, now: DateTime<Utc>, limit: u32) -> R<u32> {
    let skip = db.dialect.skip_locked();
    // The lease only keeps other workers off inside this transaction.
    let lease = now + chrono::Duration::seconds(60);
    db.write(work(move |c| {
        Box::pin(async move {
            let claimed = claim_in(c, skip, "inbox", now, lease, limit).await?;
            let n = u32::try_from(claimed.len()).unwrap_or(u32::MAX);
            for (r, m) in claimed {
                let user: i64 = r.target.parse().map_err(|_| {
                    crate::db::corrupt(format!("inbox delivery {} names no user", r.id))
                })?;
                sqlx::query(
                    "INSERT INTO notifications (user_id, kind, subject, body, created_at, dedup_key,
                         message_id, case_id, link)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (dedup_key) DO NOTHING",
                )
                .bind(user)
                .bind(&m.event)
                .bind(&m.subject)
                .bind(&m.text)
                .bind(millis(m.created_at))
                .bind(format!("msg:{}:{user}", m.id))
                .bind(m.id)
                .bind(m.case_id)
                .bind(&m.link)
                .execute(&mut *c)
                .await?;
                sqlx::query(
                    "UPDATE deliveries SET state = 'delivered', delivered_at = $1, lease_until = 0
                     WHERE id = $2",
                )
                .bind(millis(now))
                .bind(r.id)
                .execute(&mut *c)
                .await?;
            }
            Ok(n)
        })
    }))
    .await
}

#[derive(sqlx::FromRow)]
struct NotificationRow {
    id: i64,
    kind: String,
    subject: String,
    body: String,
    link: String,
    case_id: Option<i64>,
    created_at: i64,
    read_at: Option<i64>,
}

pub(crate) async fn inbox(
    db: &Db,
    user: UserId,
    before_id: Option<i64>,
    limit: u32,
    unread_only: bool,
) -> R<Vec<Notification>> {
    let mut q = Sql::new(
        "SELECT id, kind, subject, body, link, case_id, created_at, read_at FROM notifications
         WHERE user_id = ",
    );
    q.bind(user);
    if let Some(b) = before_id {
        q.push(" AND id < ").bind(b);
    }
    if unread_only {
        q.push(" AND read_at IS NULL");
    }
    q.push(" ORDER BY id DESC LIMIT ").bind(i64::from(limit));
    let rows: Vec<NotificationRow> = q.fetch_all(db).await?;
    rows.into_iter()
        .map(|r| {
            Ok(Notification {
                id: r.id,
                kind: r.kind,
                subject: r.subject,
                body: r.body,
                link: r.link,
                case_id: r.case_id,
                created_at: instant(r.created_at)?,
                read_at: r.read_at.map(instant).transpose()?,
            })
        })
        .collect()
}

pub(crate) async fn unread_count(db: &Db, user: UserId) -> R<i64> {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
            .bind(user)
            .fetch_one(&db.read)
            .await?;
    Ok(n)
}

pub(crate) async fn mark_read(
    db: &Db,
    user: UserId,
    id: Option<i64>,
    now: DateTime<Utc>,
) -> R<u64> {
    let mut q = Sql::new("UPDATE notifications SET read_at = ");
    q.bind(millis(now))
        .push(" WHERE read_at IS NULL AND user_id = ")
        .bind(user);
    if let Some(id) = id {
        q.push(" AND id = ").bind(id);
    }
    db.execute(q).await
}

pub(crate) async fn backlog(db: &Db) -> R<Vec<ChannelBacklog>> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT channel, state, COUNT(*) FROM deliveries WHERE state IN ('pending', 'failed')
         GROUP BY channel, state",
    )
    .fetch_all(&db.read)
    .await?;
    Ok(onestamp_app::store::CHANNELS
        .iter()
        .map(|ch| {
            let of = |state: &str| {
                rows.iter()
                    .filter(|(c, s, _)| c == ch && s == state)
                    .map(|(_, _, n)| *n)
                    .sum()
            };
            ChannelBacklog {
                channel: (*ch).to_string(),
                pending: of("pending"),
                failed: of("failed"),
            }
        })
        .collect())
}

const DELIVERY_COLUMNS: &str = "SELECT d.id, d.message_id, o.event, o.case_number, d.channel,
    d.target, d.state, d.attempts, d.due_at, d.last_status, d.last_answer, d.last_error,
    d.delivered_at, d.created_at FROM deliveries d JOIN outbox o ON o.id = d.message_id";

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: i64,
    message_id: i64,
    event: String,
    case_number: Option<String>,
    channel: String,
    target: String,
    state: String,
    attempts: i64,
    due_at: i64,
    last_status: Option<i64>,
    last_answer: Option<String>,
    last_error: Option<String>,
    delivered_at: Option<i64>,
    created_at: i64,
}

impl DeliveryRow {
    fn into_delivery(self) -> R<Delivery> {
        Ok(Delivery {
            id: self.id,
            message_id: self.message_id,
            event: self.event,
            case_number: self.case_number,
            channel: self.channel,
            target: self.target,
            state: parse_enum(&self.state, DeliveryState::parse, "delivery state")?,
            attempts: u32::try_from(self.attempts).unwrap_or(u32::MAX),
            due_at: instant(self.due_at)?,
            last_status: self.last_status,
            last_answer: self.last_answer,
            last_error: self.last_error,
            delivered_at: self.delivered_at.map(instant).transpose()?,
            created_at: instant(self.created_at)?,
        })
    }
}

pub(crate) async fn deliveries(
    db: &Db,
    channel: Option<&str>,
    target: Option<&str>,
    before_id: Option<i64>,
    limit: u32,
) -> R<Vec<Delivery>> {
    let mut q = Sql::new(DELIVERY_COLUMNS);
    q.push(" WHERE 1 = 1");
    if let Some(c) = channel {
        q.push(" AND d.channel = ").bind(c.to_string());
    }
    if let Some(t) = target {
        q.push(" AND d.target = ").bind(t.to_string());
    }
    if let Some(b) = before_id {
        q.push(" AND d.id < ").bind(b);
    }
    q.push(" ORDER BY d.id DESC LIMIT ").bind(i64::from(limit));
    let rows: Vec<DeliveryRow> = q.fetch_all(db).await?;
    rows.into_iter().map(DeliveryRow::into_delivery).collect()
}

pub(crate) async fn delivery(db: &Db, id: i64) -> R<Option<Delivery>> {
    let mut q = Sql::new(DELIVERY_COLUMNS);
    q.push(" WHERE d.id = ").bind(id);
    let rows: Vec<DeliveryRow> = q.fetch_all(db).await?;
    rows.into_iter()
        .next()
        .map(DeliveryRow::into_delivery)
        .transpose()
}

pub(crate) async fn retry(db: &Db, id: i64, now: DateTime<Utc>) -> R<bool> {
    let sql = Sql::new(
        "UPDATE deliveries SET state = 'pending', due_at = $1, attempts = 0, lease_until = 0
         WHERE id = $2 AND state IN ('failed', 'skipped')",
    )
    .arg(millis(now))
    .arg(id);
    Ok(db.execute(sql).await? == 1)
}

pub(crate) async fn case_messages(db: &Db, case_id: i64) -> R<Vec<StoredMessage>> {
    let mut q = Sql::new(MESSAGE_COLUMNS);
    q.push(" WHERE case_id = ")
        .bind(case_id)
        .push(" ORDER BY id");
    let rows: Vec<MessageRow> = q.fetch_all(db).await?;
    rows.into_iter().map(MessageRow::into_message).collect()
}
