//! One typed configuration, parsed once: the embedded defaults
//! (`config/default.toml`), then a file, then `ONESTAMP_*` variables, then flags.
//! Every value is checked here, so a bad setting stops the start with a message
//! naming the setting.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

use onestamp_domain::calendar::{Calendar, OfficeHours, YearSchedule};

const DEFAULTS: &str = include_str!("../../../config/default.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub listen: String,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub district_code: String,
    pub bureau_name: String,
    pub reconsideration_body: String,
    pub bureau_credit_code: String,
    pub public_url: String,
    pub licence_reminder_days: u32,
    pub rating_callback_days: u32,
    pub rating_rectify_days: u32,
    pub supervision_claim_days: u32,
    pub hall_recall_secs: u32,
    pub kiosk_idle_secs: u32,
    pub max_upload_mb: usize,
    pub seal_key: PathBuf,
    pub token_ttl_hours: i64,
    pub warn_share: f64,
    pub scheduler_interval_secs: u64,
    pub delivery_interval_ms: u64,
    pub delivery_lease_secs: u64,
    pub smtp_url: String,
    pub mail_from: String,
    pub audit_checkpoint_minutes: u64,
    pub metrics_cache_secs: u64,
    pub header_timeout_secs: u64,
    pub max_connections: usize,
    pub shutdown_grace_secs: u64,
    pub log_format: String,
    pub calendar: CalendarConfig,
    pub login: LoginConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginConfig {
    pub window_minutes: i64,
    pub lock_after: u32,
    pub address_lock_after: u32,
    pub account_lock_after: u32,
    pub lock_minutes: i64,
    pub delay_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarConfig {
    pub time_zone: String,
    pub office_hours: Vec<String>,
    pub extra_years: Vec<PathBuf>,
}

/// Settings given on the command line (they win over everything).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
}

impl Config {
    pub fn load(flags: &Overrides) -> anyhow::Result<Config> {
        let mut table: toml::Table = DEFAULTS.parse().context("embedded default configuration")?;
        let file = flags
            .config_file
            .clone()
            .or_else(|| std::env::var_os("ONESTAMP_CONFIG").map(PathBuf::from));
        if let Some(path) = file {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read configuration file {}", path.display()))?;
            let overlay: toml::Table = text.parse().with_context(|| {
                format!("configuration file {} is not valid TOML", path.display())
            })?;
            merge(&mut table, overlay);
        }
        for key in [
            "listen",
            "data_dir",
            "database_url",
            "district_code",
            "bureau_name",
            "bureau_credit_code",
            "public_url",
            "log_format",
            "smtp_url",
            "mail_from",
        ] {
            if let Ok(v) = std::env::var(format!("ONESTAMP_{}", key.to_ascii_uppercase())) {
                table.insert(key.into(), toml::Value::String(v));
            }
        }
        if let Ok(v) = std::env::var("ONESTAMP_METRICS_CACHE_SECS") {
            let n: i64 = v.trim().parse().with_context(|| {
                format!("ONESTAMP_METRICS_CACHE_SECS='{v}' is not a whole number")
            })?;
            table.insert("metrics_cache_secs".into(), toml::Value::Integer(n));
        }
        for key in [
            "delivery_interval_ms",
            "delivery_lease_secs",
            "hall_recall_secs",
            "kiosk_idle_secs",
        ] {
            let var = format!("ONESTAMP_{}", key.to_ascii_uppercase());
            if let Ok(v) = std::env::var(&var) {
                let n: i64 = v
                    .trim()
                    .parse()
                    .with_context(|| format!("{var}='{v}' is not a whole number"))?;
                table.insert(key.into(), toml::Value::Integer(n));
            }
        }
        if let Ok(v) = std::env::var("ONESTAMP_TOKEN_TTL_HOURS") {
            let n: i64 = v
                .trim()
                .parse()
                .with_context(|| format!("ONESTAMP_TOKEN_TTL_HOURS='{v}' is not a whole number"))?;
            table.insert("token_ttl_hours".into(), toml::Value::Integer(n));
        }
        if let Some(v) = &flags.listen {
            table.insert("listen".into(), toml::Value::String(v.clone()));
        }
        if let Some(v) = &flags.data_dir {
            table.insert(
                "data_dir".into(),
                toml::Value::String(v.display().to_string()),
            );
        }
        if let Some(v) = &flags.database_url {
            table.insert("database_url".into(), toml::Value::String(v.clone()));
        }
        let config: Config = toml::Value::Table(table)
            .try_into()
            .context("configuration has a bad or unknown setting")?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> anyhow::Result<()> {
        self.listen_addr()?;
        if self.district_code.len() != 6 || !self.district_code.bytes().all(|b| b.is_ascii_digit())
        {
            bail!(
                "district_code '{}' must be a 6-digit region code",
                self.district_code
            );
        }
        if self.reconsideration_body.trim().is_empty() {
            bail!("reconsideration_body must not be empty");
        }
        if self.bureau_name.trim().is_empty() {
            bail!("bureau_name must not be empty");
        }
        onestamp_domain::validate::CreditCode::parse(&self.bureau_credit_code).map_err(|e| {
            anyhow::anyhow!("bureau_credit_code '{}': {e}", self.bureau_credit_code)
        })?;
        if !(self.public_url.starts_with("http://") || self.public_url.starts_with("https://"))
            || self.public_url.contains(char::is_whitespace)
        {
            bail!(
                "public_url '{}' must be an http:// or https:// address",
                self.public_url
            );
        }
        if !(1..=365).contains(&self.licence_reminder_days) {
            bail!(
                "licence_reminder_days {} must be between 1 and 365",
                self.licence_reminder_days
            );
        }
        if !(1..=10).contains(&self.rating_callback_days) {
            bail!(
                "rating_callback_days {} must be between 1 and 10",
                self.rating_callback_days
            );
        }
        if !(1..=60).contains(&self.rating_rectify_days)
            || self.rating_rectify_days < self.rating_callback_days
        {
            bail!(
                "rating_rectify_days {} must be between 1 and 60 and not below rating_callback_days",
                self.rating_rectify_days
            );
        }
        if !(1..=30).contains(&self.supervision_claim_days) {
            bail!(
                "supervision_claim_days {} must be between 1 and 30",
                self.supervision_claim_days
            );
        }
        if !(5..=600).contains(&self.hall_recall_secs) {
            bail!(
                "hall_recall_secs {} must be between 5 and 600",
                self.hall_recall_secs
            );
        }
        if !(15..=1800).contains(&self.kiosk_idle_secs) {
            bail!(
                "kiosk_idle_secs {} must be between 15 and 1800",
                self.kiosk_idle_secs
            );
        }
        if !(1..=100).contains(&self.max_upload_mb) {
            bail!(
                "max_upload_mb {} must be between 1 and 100",
                self.max_upload_mb
            );
        }
        if !(1..=720).contains(&self.token_ttl_hours) {
            bail!(
                "token_ttl_hours {} must be between 1 and 720",
                self.token_ttl_hours
            );
        }
        if !(0.1..=0.99).contains(&self.warn_share) {
            bail!(
                "warn_share {} must be between 0.1 and 0.99",
                self.warn_share
            );
        }
        if self.metrics_cache_secs > 3600 {
            bail!(
                "metrics_cache_secs {} must be between 0 and 3600",
                self.metrics_cache_secs
            );
        }
        for (name, value) in [
            ("header_timeout_secs", self.header_timeout_secs),
            ("shutdown_grace_secs", self.shutdown_grace_secs),
        ] {
            if !(1..=300).contains(&value) {
                bail!("{name} {value} must be between 1 and 300");
            }
        }
        if !(1..=100_000).contains(&self.max_connections) {
            bail!(
                "max_connections {} must be between 1 and 100000",
                self.max_connections
            );
        }
        if !(1..=3600).contains(&self.scheduler_interval_secs) {
            bail!(
                "scheduler_interval_secs {} must be between 1 and 3600",
                self.scheduler_interval_secs
            );
        }
        if !(100..=60_000).contains(&self.delivery_interval_ms) {
            bail!(
                "delivery_interval_ms {} must be between 100 and 60000",
                self.delivery_interval_ms
            );
        }
        if !(2..=3600).contains(&self.delivery_lease_secs) {
            bail!(
                "delivery_lease_secs {} must be between 2 and 3600",
                self.delivery_lease_secs
            );
        }
        onestamp_app::email::check_mail_settings(&self.smtp_url, &self.mail_from)?;
        if !(1..=1440).contains(&self.audit_checkpoint_minutes) {
            bail!(
                "audit_checkpoint_minutes {} must be between 1 and 1440",
                self.audit_checkpoint_minutes
            );
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            bail!(
                "log_format '{}' must be \"text\" or \"json\"",
                self.log_format
            );
        }
        let url = self.database_url.trim();
        if !url.is_empty()
            && url.contains("://")
            && !url.starts_with("sqlite://")
            && !onestamp_store::is_postgres(url)
        {
            bail!("database_url '{url}': use sqlite://<path> or postgres://user@host/database");
        }
        let l = &self.login;
        if !(1..=1440).contains(&l.window_minutes) || !(1..=1440).contains(&l.lock_minutes) {
            bail!("login.window_minutes and login.lock_minutes must be between 1 and 1440");
        }
        if !(2..=100).contains(&l.lock_after) {
            bail!(
                "login.lock_after {} must be between 2 and 100",
                l.lock_after
            );
        }
        if !(l.lock_after..=10_000).contains(&l.address_lock_after)
            || !(l.lock_after..=100_000).contains(&l.account_lock_after)
        {
            bail!(
                "login.address_lock_after ({}) must be between login.lock_after ({}) and 10000, \
                 and login.account_lock_after ({}) between login.lock_after and 100000",
                l.address_lock_after,
                l.lock_after,
                l.account_lock_after
            );
        }
        if l.delay_ms > 5000 {
            bail!("login.delay_ms {} must be at most 5000", l.delay_ms);
        }
        self.calendar()?;
        Ok(())
    }

    pub fn listen_addr(&self) -> anyhow::Result<SocketAddr> {
        self.listen.parse().with_context(|| {
            format!(
                "listen '{}' is not an address like 127.0.0.1:8080",
                self.listen
            )
        })
    }

    /// The working-day calendar: shipped years, extra years, office hours, zone.
    pub fn calendar(&self) -> anyhow::Result<Calendar> {
        let tz: chrono_tz::Tz = self.calendar.time_zone.parse().map_err(|_| {
            anyhow::anyhow!(
                "calendar.time_zone '{}' is not an IANA time zone",
                self.calendar.time_zone
            )
        })?;
        let hours = OfficeHours::parse(&self.calendar.office_hours.join(", "))
            .with_context(|| format!("calendar.office_hours {:?}", self.calendar.office_hours))?;
        let mut cal = Calendar::china_default()
            .with_office_hours(hours)
            .with_tz(tz);
        for p in &self.calendar.extra_years {
            let path = self.resolve(p);
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("calendar.extra_years: cannot read {}", path.display()))?;
            let year = YearSchedule::parse(&text)
                .with_context(|| format!("calendar.extra_years: {}", path.display()))?;
            cal = cal.with_year(year);
        }
        Ok(cal)
    }

    /// The connection limits of `serve`.
    pub fn connection_limits(&self) -> onestamp_web::ConnectionLimits {
        onestamp_web::ConnectionLimits {
            header_timeout: std::time::Duration::from_secs(self.header_timeout_secs),
            max_connections: self.max_connections,
            shutdown_grace: std::time::Duration::from_secs(self.shutdown_grace_secs),
        }
    }

    pub fn seal_key_path(&self) -> PathBuf {
        self.resolve(&self.seal_key)
    }

    fn resolve(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.data_dir.join(p)
        }
    }
}

fn merge(base: &mut toml::Table, overlay: toml::Table) {
    for (k, v) in overlay {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_defaults_are_valid() {
        let c = Config::load(&Overrides::default()).unwrap();
        assert_eq!(c.district_code, "510107");
        assert!(c.calendar().unwrap().covers(2026));
    }

    #[test]
    fn the_rating_clocks_default_to_one_and_fifteen_working_days_and_are_checked() {
        let mut c = Config::load(&Overrides::default()).unwrap();
        assert_eq!((c.rating_callback_days, c.rating_rectify_days), (1, 15));
        c.rating_rectify_days = 0;
        assert!(c.check().is_err());
        c.rating_rectify_days = 15;
        c.rating_callback_days = 20;
        assert!(c.check().is_err());
        c.rating_callback_days = 5;
        c.rating_rectify_days = 3;
        assert!(
            c.check().is_err(),
            "the rectification ends after the call back"
        );
        c.rating_rectify_days = 10;
        assert!(c.check().is_ok());
    }

    #[test]
    fn the_supervision_claim_days_default_to_two_and_are_checked() {
        let mut c = Config::load(&Overrides::default()).unwrap();
        assert_eq!(c.supervision_claim_days, 2);
        c.supervision_claim_days = 0;
        assert!(c.check().is_err());
        c.supervision_claim_days = 31;
        assert!(c.check().is_err());
        c.supervision_claim_days = 30;
        assert!(c.check().is_ok());
    }

    #[test]
    fn database_urls_name_sqlite_or_postgres() {
        for url in [
            "",
            "data/other.db",
            "sqlite://data/other.db",
            "postgres://onestamp@db.internal/onestamp",
            "postgresql://onestamp@db.internal:5432/onestamp?sslmode=require",
        ] {
            let loaded = Config::load(&Overrides {
                database_url: Some(url.into()),
                ..Default::default()
            });
            assert!(loaded.is_ok(), "{url}: {:?}", loaded.err());
        }
        let err = Config::load(&Overrides {
            database_url: Some("mysql://root@localhost/onestamp".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert!(format!("{err:#}").contains("database_url 'mysql://"));
    }

    #[test]
    fn the_smtp_url_and_sender_are_checked_and_named() {
        let mut c = Config::load(&Overrides::default()).unwrap();
        assert_eq!(c.smtp_url, "", "no mail server unless configured");
        for ok in [
            "smtp://127.0.0.1:2525",
            "smtp://mail.example.cn:587?tls=required",
            "smtps://onestamp:secret@mail.example.cn:465",
        ] {
            c.smtp_url = ok.into();
            assert!(c.check().is_ok(), "{ok}: {:?}", c.check().err());
        }
        for bad in [
            "mail.example.cn",
            "http://mail.example.cn",
            "smtp://",
            "smtp://host:port",
        ] {
            c.smtp_url = bad.into();
            let err = c.check().unwrap_err();
            assert!(format!("{err:#}").contains("smtp_url '"), "{bad}: {err:#}");
        }
        c.smtp_url = "smtps://onestamp:secret@bad host".into();
        let err = format!("{:#}", c.check().unwrap_err());
        assert!(
            !err.contains("secret"),
            "the password is not repeated: {err}"
        );
        c.smtp_url = String::new();
        c.mail_from = "审批局".into();
        let err = c.check().unwrap_err();
        assert!(format!("{err:#}").contains("mail_from '"), "{err:#}");
    }

    #[test]
    fn a_bad_listen_address_is_named() {
        let err = Config::load(&Overrides {
            listen: Some("nowhere".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert!(format!("{err:#}").contains("listen 'nowhere'"));
    }
}
