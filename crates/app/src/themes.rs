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

impl App {
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
