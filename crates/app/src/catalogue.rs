//! The catalogue use cases: read items and themes, import and export.

use std::collections::BTreeSet;

use onestamp_domain::catalogue::{Catalogue, CatalogueProblem, Theme};
use onestamp_domain::role::Role;

use crate::auth::Session;
use crate::store::{AuditFact, ImportSummary, StoredItem};
use crate::{App, AppError};

/// The format of a catalogue file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
}

impl Format {
    /// By file extension: `.json` is JSON, `.yaml`/`.yml` YAML.
    pub fn from_path(path: &str) -> Option<Format> {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".json") {
            Some(Format::Json)
        } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
            Some(Format::Yaml)
        } else {
            None
        }
    }
}

/// Parses a catalogue file, naming where the text is wrong.
pub fn parse_catalogue(text: &str, format: Format) -> Result<Catalogue, AppError> {
    let parsed = match format {
        Format::Yaml => serde_yaml::from_str::<Catalogue>(text).map_err(|e| e.to_string()),
        Format::Json => serde_json::from_str::<Catalogue>(text).map_err(|e| e.to_string()),
    };
    parsed.map_err(|e| {
        AppError::Catalogue(vec![CatalogueProblem {
            entry: "file".into(),
            problem: e,
        }])
    })
}

impl App {
    /// The current version of every item (public: the service guide).
    pub async fn list_items(&self) -> Result<Vec<StoredItem>, AppError> {
        Ok(self.store.items().await?)
    }

    pub async fn get_item(&self, code: &str) -> Result<StoredItem, AppError> {
        self.store
            .item(code)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("事项 {code} ")))
    }

    pub async fn list_themes(&self) -> Result<Vec<Theme>, AppError> {
        Ok(self.store.themes().await?)
    }

    /// Validates a whole catalogue and stores it, or stores nothing.
    /// `actor` is `None` when the operator runs `onestamp import`.
    pub async fn import_catalogue(
        &self,
        actor: Option<&Session>,
        catalogue: &Catalogue,
    ) -> Result<ImportSummary, AppError> {
        if let Some(s) = actor {
            s.require(&[Role::Admin])?;
        }
        let known_deps: BTreeSet<String> = self
            .store
            .departments()
            .await?
            .into_iter()
            .map(|d| d.code)
            .collect();
        let known_items: std::collections::BTreeMap<String, onestamp_domain::catalogue::Item> =
            self.store
                .items()
                .await?
                .into_iter()
                .map(|i| (i.item.code.clone(), i.item))
                .collect();
        let problems = catalogue.validate(&known_deps, &known_items);
        if !problems.is_empty() {
            return Err(AppError::Catalogue(problems));
        }
        let audit = AuditFact {
            at: self.clock.now(),
            actor_id: actor.map(|s| s.user.id),
            kind: "catalogue.import".into(),
            subject: "catalogue".into(),
            detail: serde_json::json!({
                "departments": catalogue.departments.iter().map(|d| &d.code).collect::<Vec<_>>(),
                "items": catalogue.items.iter().map(|i| &i.code).collect::<Vec<_>>(),
                "themes": catalogue.themes.iter().map(|t| &t.code).collect::<Vec<_>>(),
            }),
        };
        let summary = self.store.import_catalogue(catalogue, audit).await?;
        tracing::info!(
            ?summary,
            actor_id = actor.map(|s| s.user.id),
            actor = actor.map_or("operator", |s| s.user.username.as_str()),
            "catalogue imported"
        );
        Ok(summary)
    }

    /// The whole current catalogue, as a file could hold it.
    pub async fn export_catalogue(&self) -> Result<Catalogue, AppError> {
        Ok(Catalogue {
            departments: self.store.departments().await?,
            items: self
                .store
                .items()
                .await?
                .into_iter()
                .map(|s| s.item)
                .collect(),
            themes: self.store.themes().await?,
        })
    }
}

impl App {
    /// Switches instant decisions (秒批) of an item on or off at once (admin), with a
    /// reason; while off, applications that pass every rule go to people.
    pub async fn set_instant(
        &self,
        session: &Session,
        code: &str,
        enabled: bool,
        reason: &str,
    ) -> Result<bool, AppError> {
        session.require(&[Role::Admin])?;
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(AppError::invalid("请填写开关秒批的理由（不超过 500 字）"));
        }
        let item = self.get_item(code).await?.item;
        if !item.instant {
            return Err(AppError::invalid(format!("事项 {code} 不是秒批事项")));
        }
        let now = self.clock.now();
        let audit = AuditFact {
            at: now,
            actor_id: Some(session.user.id),
            kind: "item.instant".into(),
            subject: item.code.clone(),
            detail: serde_json::json!({"enabled": enabled, "reason": reason}),
        };
        self.store
            .set_instant_enabled(&item.code, enabled, session.user.id, now, reason, audit)
            .await?;
        tracing::warn!(item = %item.code, enabled, actor_id = session.user.id, actor = %session.user.username, actor_role = %session.role_names(), "instant decisions switched");
        Ok(enabled)
    }

    /// Whether instant decisions are on for an item (public: the service guide says so).
    pub async fn instant_enabled(&self, code: &str) -> Result<bool, AppError> {
        let item = self.get_item(code).await?.item;
        Ok(item.instant && self.store.instant_enabled(code).await?)
    }
}
