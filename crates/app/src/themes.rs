//! Themes (主题式服务, 一件事一次办): one theme with what applying for it asks.

use std::collections::BTreeMap;

use serde::Serialize;

use onestamp_domain::catalogue::{Item, Theme, TimeLimit};
use onestamp_domain::theme::{self, Comparison, ThemePlan};

use crate::{App, AppError};

/// An item of a theme, as its page lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThemeItem {
    pub code: String,
    pub name: String,
    pub department: String,
    pub committed_limit: TimeLimit,
    pub certificate: Option<String>,
    pub waits_for: Vec<String>,
}

/// A theme, its items, its plan and how much less it asks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThemeView {
    pub theme: Theme,
    pub items: Vec<ThemeItem>,
    pub plan: ThemePlan,
    pub comparison: Comparison,
}

/// What finished bundles of a theme took, in working hours: from the bundle's
/// submission to its last permit, against the sum of each permit's own time
/// (what applying item by item, one after the other, would have taken).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ThemeActuals {
    /// Bundles with every permit issued, among the newest looked at.
    pub finished: u32,
    /// Mean working hours of a finished bundle.
    pub theme_hours: f64,
    /// Mean of the sum of its permits' own working hours.
    pub separately_hours: f64,
}

/// The newest bundles of a theme that [`App::theme_actuals`] looks at.
pub const ACTUALS_SAMPLE: u32 = 200;

impl App {
    /// What the finished bundles of a theme took (the newest
    /// [`ACTUALS_SAMPLE`] bundles are looked at).
    pub async fn theme_actuals(&self, code: &str) -> Result<ThemeActuals, AppError> {
        let cal = &self.settings.calendar;
        let mut out = ThemeActuals::default();
        let (mut theme_minutes, mut separate_minutes) = (0i64, 0i64);
        for b in self.store.bundles_of_theme(code, ACTUALS_SAMPLE).await? {
            let issued = b.children.iter().all(|c| {
                matches!(
                    c.case,
                    Some((_, _, onestamp_domain::case::CaseStatus::Issued))
                )
            });
            if !issued || b.children.is_empty() {
                continue;
            }
            let mut last = b.submitted_at;
            let mut own = 0i64;
            for (id, _, _) in b.children.iter().filter_map(|c| c.case.as_ref()) {
                let Some(case) = self.store.case(*id).await? else {
                    continue;
                };
                last = last.max(case.updated_at);
                own += cal.working_minutes_between(case.submitted_at, case.updated_at);
            }
            theme_minutes += cal.working_minutes_between(b.submitted_at, last);
            separate_minutes += own;
            out.finished += 1;
        }
        if out.finished > 0 {
            let n = f64::from(out.finished) * 60.0;
            out.theme_hours = theme_minutes as f64 / n;
            out.separately_hours = separate_minutes as f64 / n;
        }
        Ok(out)
    }

    /// The current items of the catalogue by code.
    async fn current_items(&self) -> Result<BTreeMap<String, Item>, AppError> {
        Ok(self
            .store
            .items()
            .await?
            .into_iter()
            .map(|s| (s.item.code.clone(), s.item))
            .collect())
    }

    /// One theme with its shared form, materials, order and comparison (public).
    pub async fn theme_view(&self, code: &str) -> Result<ThemeView, AppError> {
        let theme = self
            .store
            .themes()
            .await?
            .into_iter()
            .find(|t| t.code == code)
            .ok_or_else(|| AppError::NotFound(format!("主题 {code} ")))?;
        let items = self.current_items().await?;
        Ok(view_of(theme, &items))
    }

    /// Every theme with its plan, in catalogue order (`onestamp report themes`).
    pub async fn theme_views(&self) -> Result<Vec<ThemeView>, AppError> {
        let items = self.current_items().await?;
        Ok(self
            .store
            .themes()
            .await?
            .into_iter()
            .map(|t| view_of(t, &items))
            .collect())
    }
}

fn view_of(theme: Theme, items: &BTreeMap<String, Item>) -> ThemeView {
    let listed = theme
        .items
        .iter()
        .filter_map(|c| items.get(c))
        .map(|i| ThemeItem {
            code: i.code.clone(),
            name: i.name.clone(),
            department: i.department.clone(),
            committed_limit: i.committed_limit,
            certificate: i.certificate.as_ref().map(|c| c.name.clone()),
            waits_for: theme.waits_for.get(&i.code).cloned().unwrap_or_default(),
        })
        .collect();
    ThemeView {
        plan: theme::plan(&theme, items),
        comparison: theme::compare(&theme, items),
        items: listed,
        theme,
    }
}
