//! The keyset condition of the task lists.

use onestamp_app::store::TaskKey;

use crate::codec::millis;
use crate::db::Sql;

/// Lines after `after` in the urgency order of task lists: green channel first,
/// then earliest deadline with open-ended tasks last, then id.
pub(crate) fn push_after(b: &mut Sql, after: Option<TaskKey>) {
    let Some(k) = after else {
        return;
    };
    b.push(" AND (priority < ")
        .bind(k.priority)
        .push(" OR (priority = ")
        .bind(k.priority)
        .push(" AND ");
    match k.deadline.map(millis) {
        Some(d) => {
            b.push("(task_deadline > ")
                .bind(d)
                .push(" OR (task_deadline = ")
                .bind(d)
                .push(" AND id > ")
                .bind(k.id)
                .push(") OR task_deadline IS NULL)");
        }
        None => {
            b.push("task_deadline IS NULL AND id > ").bind(k.id);
        }
    }
    b.push("))");
}
