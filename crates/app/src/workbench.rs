//! The staff workbench's own state: saved views (常用视图) of one's tasks, the
//! working time left on a task as a clerk reads it, and the names of the staff
//! who handled a case.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use onestamp_domain::case::{SYSTEM_ACTOR, Stage, UserId};
use onestamp_domain::timing::{self, Light};

use crate::auth::Session;
use crate::cases::TaskView;
use crate::{App, AppError};

/// Most views one person keeps.
pub const MAX_VIEWS: usize = 12;
/// Longest name of a view, in characters.
pub const MAX_VIEW_NAME: usize = 20;

/// A saved view: its name and the tasks it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedView {
    pub name: String,
    pub view: TaskView,
}

impl TaskView {
    /// The view as stored: `{"stage": …, "item": …, "light": …}`, absent parts left out.
    fn to_json(&self) -> String {
        let mut m = serde_json::Map::new();
        if let Some(s) = self.stage {
            m.insert("stage".into(), s.as_str().into());
        }
        if let Some(i) = &self.item_code {
            m.insert("item".into(), i.clone().into());
        }
        if let Some(l) = self.light {
            m.insert("light".into(), l.as_str().into());
        }
        serde_json::Value::Object(m).to_string()
    }

    /// A stored view; parts it does not know are dropped rather than failing the page.
    fn from_json(text: &str) -> TaskView {
        let v: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
        let part = |k: &str| v.get(k).and_then(|x| x.as_str());
        TaskView {
            stage: part("stage").and_then(Stage::parse),
            item_code: part("item").map(str::to_string),
            light: part("light").and_then(Light::parse),
        }
    }

    /// Whether the view shows every task.
    pub fn is_all(&self) -> bool {
        self == &TaskView::default()
    }
}

impl App {
    /// The caller's saved workbench views, oldest first.
    pub async fn saved_views(&self, session: &Session) -> Result<Vec<SavedView>, AppError> {
        staff_only(session)?;
        Ok(self
            .store
            .saved_views(session.user.id)
            .await?
            .into_iter()
            .map(|(name, filter)| SavedView {
                name,
                view: TaskView::from_json(&filter),
            })
            .collect())
    }

    /// Saves `view` under `name` for the caller (replacing one of that name).
    pub async fn save_view(
        &self,
        session: &Session,
        name: &str,
        view: &TaskView,
    ) -> Result<(), AppError> {
        staff_only(session)?;
        let name = name.trim();
        if name.is_empty() {
            return Err(AppError::invalid("请为视图起一个名称"));
        }
        if name.chars().count() > MAX_VIEW_NAME {
            return Err(AppError::invalid(format!(
                "视图名称最多 {MAX_VIEW_NAME} 个字"
            )));
        }
        if name.chars().any(char::is_control) {
            return Err(AppError::invalid("视图名称不能含控制字符"));
        }
        if view.is_all() {
            return Err(AppError::invalid(
                "请先选择环节、事项或时限灯再保存视图（全部待办无需保存）",
            ));
        }
        if let Some(code) = &view.item_code {
            self.get_item(code).await?;
        }
        let existing = self.store.saved_views(session.user.id).await?;
        if existing.len() >= MAX_VIEWS && !existing.iter().any(|(n, _)| n == name) {
            return Err(AppError::invalid(format!(
                "最多保存 {MAX_VIEWS} 个视图，请先删除不用的视图"
            )));
        }
        self.store
            .save_view(session.user.id, name, &view.to_json(), self.clock.now())
            .await?;
        Ok(())
    }

    /// Removes one of the caller's saved views.
    pub async fn delete_view(&self, session: &Session, name: &str) -> Result<(), AppError> {
        staff_only(session)?;
        if self.store.delete_view(session.user.id, name.trim()).await? {
            Ok(())
        } else {
            Err(AppError::NotFound(format!("视图“{}”", name.trim())))
        }
    }

    /// Names of the staff behind `ids` (as a case's timeline shows them to
    /// staff); empty for applicants, who see roles, never names.
    pub async fn handler_names(
        &self,
        session: &Session,
        ids: impl IntoIterator<Item = UserId>,
    ) -> Result<HashMap<UserId, String>, AppError> {
        let mut names = HashMap::new();
        if !session.is_staff() {
            return Ok(names);
        }
        for id in ids {
            if id == SYSTEM_ACTOR || names.contains_key(&id) {
                continue;
            }
            if let Some(u) = self.store.user(id).await? {
                names.insert(id, u.display_name);
            }
        }
        Ok(names)
    }

    /// Working time between two instants, in words ("1 个工作日 2 小时").
    pub fn working_time_between_zh(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> String {
        let cal = &self.settings.calendar;
        timing::duration_zh(
            cal.working_minutes_between(from, to),
            cal.office_hours().minutes_per_day(),
        )
    }

    /// The working time left until `deadline` from now, in words
    /// ("剩余 2 个工作日 3 小时", "已超时 40 分钟").
    pub fn time_left_zh(&self, deadline: DateTime<Utc>) -> String {
        let cal = &self.settings.calendar;
        let left = timing::working_minutes_left(cal, self.clock.now(), deadline);
        timing::working_time_zh(left, cal.office_hours().minutes_per_day())
    }
}

fn staff_only(session: &Session) -> Result<(), AppError> {
    if session.is_staff() {
        Ok(())
    } else {
        Err(AppError::Forbidden("只有工作人员有工作台".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_survives_its_stored_form_and_unknown_parts_are_dropped() {
        let v = TaskView {
            stage: Some(Stage::Review),
            item_code: Some("X01".into()),
            light: Some(Light::Red),
        };
        assert_eq!(TaskView::from_json(&v.to_json()), v);
        assert_eq!(
            TaskView::from_json("{\"stage\":\"nonsense\"}"),
            TaskView::default()
        );
        assert_eq!(TaskView::from_json("not json"), TaskView::default());
        assert!(TaskView::default().is_all());
    }
}
