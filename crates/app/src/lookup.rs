//! Progress lookup without login (办件进度查询): the case number and the query
//! code (查询码) printed on the receipt open the case's public progress
//! ([`onestamp_domain::case::Progress`]: status, item, stages with dates and
//! lights — never a name, an identity, a handler or an opinion).
//!
//! The code is compared in constant time. A wrong code and an unknown case
//! number get the same answer, so the lookup tells nobody which numbers exist;
//! both count as failures against the client address and against the case
//! number, and past either limit every lookup of that key is refused until the
//! window passes (a right code too: a guesser learns nothing from a refusal).
//! The query code is stored as given, not hashed: it is printed on the sealed
//! receipt and acceptance notice kept with the case, so a digest would hide
//! nothing from whoever reads the database, and staff must be able to read it
//! out to an applicant who lost the receipt.

use std::net::IpAddr;

use onestamp_domain::case::{CaseNumber, Progress, public_progress};
use onestamp_domain::document::QUERY_CODE_LEN;

use crate::store::CaseQuery;
use crate::throttle::Limit;
use crate::{App, AppError};

/// Wrong lookups one client address may make.
pub const WRONG_PER_ADDRESS: Limit = Limit {
    most: 10,
    window: chrono::Duration::minutes(15),
};

/// Wrong lookups of one case number, from every address together.
pub const WRONG_PER_CASE: Limit = Limit {
    most: 20,
    window: chrono::Duration::hours(1),
};

/// What every refused lookup says, whether the number or the code was wrong.
const NO_MATCH: &str = "办件编号或查询码不正确，请核对受理回执后重新输入";

/// Equal strings, compared in time independent of where they differ.
fn same_code(given: &[u8], stored: &[u8]) -> bool {
    if given.len() != stored.len() {
        return false;
    }
    given
        .iter()
        .zip(stored)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

impl App {
    /// The public progress of the case `number` if `code` is its query code.
    /// `source`: the client's address, for the rate limit.
    pub async fn lookup_progress(
        &self,
        number: &str,
        code: &str,
        source: Option<IpAddr>,
    ) -> Result<Progress, AppError> {
        let number = number.trim();
        let code: String = code
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        if number.is_empty() {
            return Err(field("number", "请填写办件编号"));
        }
        if code.is_empty() {
            return Err(field("code", "请填写查询码"));
        }
        let Some(number) = CaseNumber::parse(number) else {
            return Err(field(
                "number",
                "办件编号格式不正确，应为“区划代码-日期-序号”，如 510107-20261122-000123",
            ));
        };
        if code.chars().count() != QUERY_CODE_LEN {
            return Err(field(
                "code",
                &format!("查询码为 {QUERY_CODE_LEN} 位字母或数字，请核对受理回执"),
            ));
        }
        let now = self.clock.now();
        let address = format!(
            "lookup-address:{}",
            source.map_or_else(|| "unknown".to_string(), |ip| ip.to_string())
        );
        let case_key = format!("lookup-case:{number}");
        let keys = [
            (address.as_str(), WRONG_PER_ADDRESS),
            (case_key.as_str(), WRONG_PER_CASE),
        ];
        if let Some(at) = self.lookups.refused(&keys, now) {
            tracing::warn!(case_no = %number, ?source, "progress lookup refused: too many wrong codes");
            return Err(AppError::RateLimited {
                what: "查询码输错次数过多，查询",
                retry_at: self.local_time(at),
            });
        }
        let found = self
            .store
            .cases(&CaseQuery {
                number: Some(number.to_string()),
                limit: 1,
                ..CaseQuery::default()
            })
            .await?
            .into_iter()
            .find(|c| c.number == number.as_str());
        let stored = match &found {
            Some(c) => self.store.query_code(c.id).await?,
            None => None,
        };
        // Compare against something of the right length even when there is no
        // case, so an unknown number takes as long as a wrong code.
        let reference = stored.clone().unwrap_or_else(|| "-".repeat(QUERY_CODE_LEN));
        let matches = same_code(code.as_bytes(), reference.as_bytes()) && stored.is_some();
        let (Some(summary), true) = (found, matches) else {
            // Counted only when both keys had room, which `refused` just said.
            let _ = self.lookups.admit(&keys, now);
            tracing::info!(case_no = %number, ?source, "progress lookup with a wrong number or code");
            return Err(field("code", NO_MATCH));
        };
        let case = self
            .store
            .case(summary.id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("办件 {number} ")))?;
        let events = self.store.case_events(case.id).await?;
        let item = self.item_of(&case).await?;
        tracing::info!(case_no = %number, "progress looked up with its query code");
        Ok(public_progress(
            &case,
            &events,
            &item,
            &self.settings.calendar,
            now,
            self.settings.warn_share,
        ))
    }
}

/// A refusal naming the field it concerns.
fn field(name: &str, message: &str) -> AppError {
    AppError::Invalid {
        message: message.to_string(),
        problems: vec![onestamp_domain::error::FieldProblem {
            field: name.to_string(),
            message: message.to_string(),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::same_code;

    #[test]
    fn codes_match_only_when_equal() {
        assert!(same_code(b"ACDE3467", b"ACDE3467"));
        assert!(!same_code(b"ACDE3466", b"ACDE3467"));
        assert!(!same_code(b"ACDE346", b"ACDE3467"));
    }
}
