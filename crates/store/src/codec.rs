//! Conversions between stored values and domain values.

use chrono::{DateTime, TimeZone, Utc};

use onestamp_app::store::StoreError;
use onestamp_domain::role::Role;

pub fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub fn instant(ms: i64) -> Result<DateTime<Utc>, StoreError> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .ok_or_else(|| StoreError::Corrupt(format!("instant {ms} out of range")))
}

pub fn json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub fn roles(list: &str) -> Vec<Role> {
    let mut out: Vec<Role> = list.split(',').filter_map(Role::parse).collect();
    out.sort();
    out
}

/// A value of a string-coded enum, or a corruption error naming it.
pub fn parse_enum<T>(
    s: &str,
    parse: impl Fn(&str) -> Option<T>,
    what: &str,
) -> Result<T, StoreError> {
    parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown {what} '{s}'")))
}
