//! 一件事一次办 in the figures: each theme's bundles submitted in the period,
//! finished (all issued, partly issued, stopped or refused) and finished within
//! the bundle's committed limit, by theme and by channel; summed from the
//! per-day rows each bundle's submission and last step write.

use std::collections::BTreeMap;

use serde::Serialize;

use onestamp_domain::analytics::ThemeCounts;
use onestamp_domain::case::Channel;

use crate::analytics::{AnalyticsQuery, Scope};
use crate::auth::Session;
use crate::{App, AppError};

/// One line of the themes' figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThemeLine {
    pub key: String,
    pub label: String,
    pub submitted: i64,
    pub finished: i64,
    /// Every permit issued.
    pub issued: i64,
    /// Finished with some permits not granted.
    pub partly: i64,
    /// Stopped by a refusal, or nothing granted.
    pub stopped: i64,
    /// 按时办结率 of the finished bundles, in percent.
    pub on_time_rate: Option<f64>,
}

impl ThemeLine {
    fn new(key: String, label: String, c: &ThemeCounts) -> ThemeLine {
        ThemeLine {
            key,
            label,
            submitted: c.submitted,
            finished: c.finished,
            issued: c.issued,
            partly: c.partly,
            stopped: c.stopped,
            on_time_rate: c.on_time_rate(),
        }
    }
}

/// The themes' bundles in a scope: a department sees the themes holding one
/// of its items.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThemeFigures {
    pub scope: Scope,
    pub total: ThemeLine,
    pub by_theme: Vec<ThemeLine>,
    pub by_channel: Vec<ThemeLine>,
}

impl App {
    pub async fn analytics_themes(
        &self,
        session: &Session,
        query: &AnalyticsQuery,
    ) -> Result<ThemeFigures, AppError> {
        let items = self.catalogue_items().await?;
        let scope = self.scope_with(Some(session), query, &items).await?;
        self.themes_of(scope).await
    }

    pub(crate) async fn themes_of(&self, scope: Scope) -> Result<ThemeFigures, AppError> {
        let themes = self.store.themes().await?;
        let shown: BTreeMap<String, String> = themes
            .into_iter()
            .filter(|t| {
                scope
                    .items
                    .as_ref()
                    .is_none_or(|items| t.items.iter().any(|i| items.contains(i)))
            })
            .map(|t| (t.code, t.name))
            .collect();
        let rows = self.store.theme_counts(&scope.filter()).await?;
        let mut total = ThemeCounts::default();
        let mut by_theme: BTreeMap<String, ThemeCounts> = BTreeMap::new();
        let mut by_channel: BTreeMap<String, ThemeCounts> = BTreeMap::new();
        for (theme, channel, c) in rows
            .iter()
            .filter(|(theme, _, _)| shown.contains_key(theme))
        {
            total.add(c);
            by_theme.entry(theme.clone()).or_default().add(c);
            by_channel.entry(channel.clone()).or_default().add(c);
        }
        Ok(ThemeFigures {
            total: ThemeLine::new("total".into(), "合计".into(), &total),
            by_theme: by_theme
                .iter()
                .map(|(k, c)| {
                    let label = shown.get(k).cloned().unwrap_or_else(|| k.clone());
                    ThemeLine::new(k.clone(), label, c)
                })
                .collect(),
            by_channel: by_channel
                .iter()
                .map(|(k, c)| {
                    let label =
                        Channel::parse(k).map_or_else(|| k.clone(), |ch| ch.label_zh().into());
                    ThemeLine::new(k.clone(), label, c)
                })
                .collect(),
            scope,
        })
    }
}
