//! Notification preferences (migration 0015's `notification_prefs`, one row per
//! switched-off event and channel) and the user's contacts.

use onestamp_app::store::{AuditFact, PrefsChange, StoreError, SwitchedOff};
use onestamp_domain::case::UserId;
use onestamp_domain::message::Event;

use crate::db::{Db, Fault, R, Sql, work};

pub(crate) async fn switched_off(db: &Db, user: UserId) -> R<Vec<SwitchedOff>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT event, channel FROM notification_prefs WHERE user_id = $1 ORDER BY event, channel",
    )
    .bind(user)
    .fetch_all(&db.read)
    .await?;
    let mut off: Vec<SwitchedOff> = rows
        .into_iter()
        .filter_map(|(event, channel)| {
            Some(SwitchedOff {
                event: Event::parse(&event)?,
                channel,
            })
        })
        .collect();
    off.sort();
    Ok(off)
}

pub(crate) async fn save(db: &Db, change: PrefsChange, audit: AuditFact) -> R<()> {
    db.write(work(move |c| {
        Box::pin(async move {
            let user = change.user;
            let contacts = [("email", &change.email), ("mobile", &change.mobile)];
            if contacts.iter().any(|(_, v)| v.is_some()) {
                let mut set = Sql::new("UPDATE users SET ");
                let mut first = true;
                for (column, value) in contacts {
                    if let Some(v) = value {
                        set.push(if first { "" } else { ", " })
                            .push(column)
                            .push(" = ")
                            .bind(v.clone());
                        first = false;
                    }
                }
                set.push(" WHERE id = ").bind(user);
                if set.execute(&mut *c).await? != 1 {
                    return Err(Fault(StoreError::Corrupt(format!("user {user} vanished"))));
                }
            }
            if !change.events.is_empty() {
                let mut clear = Sql::new("DELETE FROM notification_prefs WHERE user_id = ");
                clear.bind(user).push(" AND event IN (");
                for (i, e) in change.events.iter().enumerate() {
                    if i > 0 {
                        clear.push(", ");
                    }
                    clear.bind(e.as_str().to_string());
                }
                clear.push(")");
                clear.execute(&mut *c).await?;
            }
            if !change.off.is_empty() {
                let mut q =
                    Sql::new("INSERT INTO notification_prefs (user_id, event, channel) VALUES ");
                q.values(&change.off, |row, off| {
                    row.bind(user)
                        .bind(off.event.as_str().to_string())
                        .bind(off.channel.clone());
                });
                q.push(" ON CONFLICT DO NOTHING");
                q.execute(&mut *c).await?;
            }
            crate::audit::append(c, &audit).await?;
            Ok(())
        })
    }))
    .await?;
    // The contacts are part of the user a token names.
    db.tokens.forget_all();
    Ok(())
}
