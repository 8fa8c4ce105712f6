//! SQL shared by both backends: the keyset condition of the task lists.

use sqlx::{Database, Encode, QueryBuilder, Type};

use onestamp_app::store::TaskKey;

use crate::codec::millis;

/// Lines after `after` in the urgency order of task lists: green channel first,
/// then earliest deadline with open-ended tasks last, then id.
pub(crate) fn push_after<DB>(b: &mut QueryBuilder<DB>, after: Option<TaskKey>)
where
    DB: Database,
    for<'t> bool: Encode<'t, DB> + Type<DB>,
    for<'t> i64: Encode<'t, DB> + Type<DB>,
{
    let Some(k) = after else {
        return;
    };
    b.push(" AND (priority < ")
        .push_bind(k.priority)
        .push(" OR (priority = ")
        .push_bind(k.priority)
        .push(" AND ");
    match k.deadline.map(millis) {
        Some(d) => {
            b.push("(task_deadline > ")
                .push_bind(d)
                .push(" OR (task_deadline = ")
                .push_bind(d)
                .push(" AND id > ")
                .push_bind(k.id)
                .push(") OR task_deadline IS NULL)");
        }
        None => {
            b.push("task_deadline IS NULL AND id > ").push_bind(k.id);
        }
    }
    b.push("))");
}
