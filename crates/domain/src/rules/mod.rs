//! Machine review (机器看材料) and the decision behind instant approval (秒批).
//!
//! An item's [`Rule`]s are [CEL](https://cel.dev) expressions over the application.
//! This module guarantees that:
//!
//! - **Rules cannot loop or act.** CEL is not Turing-complete: it has no recursion, no
//!   unbounded loops (comprehensions only walk finite lists and maps) and no side
//!   effects. Every function a rule may call is listed below and is pure; none reads
//!   the clock, the disk or the network.
//! - **A rule is checked before it is stored.** [`check_item_rules`] refuses a rule
//!   that does not parse, names a variable other than the four below, a `form.<key>`
//!   that is not a field of the item's form, an `applicant.<key>` that does not exist,
//!   or a function that is not declared (or calls one of ours with the wrong number of
//!   arguments). Each [`RuleProblem`] names the rule.
//! - **The same input gives the same report.** "Today" is part of the [`RuleInput`];
//!   bad input does not abort the review: a missing field, a wrong type or a
//!   non-boolean result makes that one rule fail, with a Chinese reason in
//!   [`RuleResult::error`], and the others still run. (The one thing left unspecified is the order in which a
//!   comprehension walks a *map*'s keys: a rule must not depend on it, e.g.
//!   `form.map(k, k)[0]`. `all`/`exists` over a map do not depend on it.)
//!
//! # What a rule sees
//!
//! | variable    | CEL type            | content                                               |
//! |-------------|---------------------|-------------------------------------------------------|
//! | `form`      | `map(string, dyn)`  | the filled form; see the mapping below                |
//! | `applicant` | `map(string, string)` | `kind` (`"person"`/`"organisation"`), `identity`, `name` |
//! | `licences`  | `list(map)`         | each `type_code`, `holder`, `valid_until` (`"YYYY-MM-DD"`, `""` for 长期), `status`, `fields` |
//! | `today`     | `string`            | `"YYYY-MM-DD"`; ISO dates compare correctly as strings |
//!
//! JSON form values map to CEL as: string → `string`, bool → `bool`, array → `list`,
//! object → `map`, and **every number → `double`** (even `500`). Comparisons across
//! numeric types work (`form.area >= 50`), but arithmetic does not mix them: write
//! `form.area * 2.0`, not `form.area * 2`. A field that is absent, `null` or blank
//! (only whitespace) counts as not filled: it is left out of `form`, so
//! `has(form.key)` is false and reading `form.key` fails the rule with
//! "表单字段「…」未填写".
//!
//! Functions, besides CEL's standard ones (`size`, `contains`, `startsWith`,
//! `matches`, `int`, `string`, `has`, `all`, `exists`, …):
//!
//! | function                  | result | meaning                                                   |
//! |---------------------------|--------|-----------------------------------------------------------|
//! | `citizen_id_valid(s)`     | bool   | `s` is a valid 18-digit 居民身份证号码 (check digit, birth date) |
//! | `credit_code_valid(s)`    | bool   | `s` is a valid 统一社会信用代码                             |
//! | `mobile_valid(s)`         | bool   | `s` is a mainland mobile number                           |
//! | `age(s)`                  | int    | whole years on `today` of the holder of citizen ID `s`; an invalid ID fails the rule |
//! | `in_district(s)`          | bool   | address `s` lies in the bureau's district                 |
//! | `has_licence(type_code)`  | bool   | one of `licences` has that type, status `"valid"` and is not past `valid_until` |
//!
//! `has_licence` trusts the caller to pass only licences the applicant may rely on:
//! it does not compare `holder` with the applicant.
//!
//! # Use
//!
//! The catalogue import calls [`check_item_rules`]; submission calls
//! [`compile_rules`] once per item version and [`CompiledRules::run`] per application
//! ([`run_rules`] does both). The [`RuleReport`] is stored on the case as the trace.

mod check;
mod eval;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;

use cel::Program;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::catalogue::{Item, Rule};

/// The variables a rule may name.
pub const VARIABLES: [&str; 4] = ["form", "applicant", "licences", "today"];

/// The functions this module adds to CEL's standard library.
pub const FUNCTIONS: [&str; 6] = [
    "citizen_id_valid",
    "credit_code_valid",
    "mobile_valid",
    "age",
    "in_district",
    "has_licence",
];

/// The keys of the `applicant` map.
pub const APPLICANT_KEYS: [&str; 3] = ["kind", "identity", "name"];

/// Why a rule cannot be stored, naming the rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleProblem {
    /// The rule's code, e.g. `R01`.
    pub rule: String,
    pub problem: String,
}

impl fmt::Display for RuleProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rule {}: {}", self.rule, self.problem)
    }
}

impl std::error::Error for RuleProblem {}

/// Who applies: a natural person or an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicantKind {
    Person,
    Organisation,
}

impl ApplicantKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ApplicantKind::Person => "person",
            ApplicantKind::Organisation => "organisation",
        }
    }
}

/// What the rules know of the applicant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicantFacts {
    pub kind: ApplicantKind,
    /// Citizen ID of a person, credit code of an organisation.
    pub identity: String,
    pub name: String,
}

/// A licence the application refers to (证照复用), as the rules see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LicenceFacts {
    pub type_code: String,
    pub holder: String,
    /// Last day of validity; `None` for long-term (长期).
    pub valid_until: Option<NaiveDate>,
    /// `valid`, `expired` or `revoked`.
    pub status: String,
    #[serde(default)]
    pub fields: serde_json::Map<String, serde_json::Value>,
}

impl LicenceFacts {
    /// Whether the licence can be relied on `today`: status `valid` and not expired.
    pub fn usable_on(&self, today: NaiveDate) -> bool {
        self.status == "valid" && self.valid_until.is_none_or(|last| last >= today)
    }
}

/// Everything a rule may look at. `today` is the bureau's date of the decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleInput {
    pub form: serde_json::Map<String, serde_json::Value>,
    pub applicant: ApplicantFacts,
    #[serde(default)]
    pub licences: Vec<LicenceFacts>,
    pub today: NaiveDate,
}

/// The outcome of one rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleResult {
    pub code: String,
    pub passed: bool,
    /// The rule's message when it failed; "通过" when it passed.
    pub message: String,
    /// Why the rule could not be evaluated (a missing field, a wrong type, a
    /// non-boolean result); such a rule counts as failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The trace of machine review, stored on the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleReport {
    /// Whether every rule passed (true for an item without rules).
    pub passed: bool,
    /// One result per rule, in the item's order.
    pub results: Vec<RuleResult>,
}

impl RuleReport {
    /// The results of the rules that failed.
    pub fn failures(&self) -> impl Iterator<Item = &RuleResult> {
        self.results.iter().filter(|r| !r.passed)
    }
}

/// The message of a rule that passed.
pub const PASSED: &str = "通过";

/// One rule, compiled, or why it could not be (only inside [`run_rules`]).
struct CompiledRule {
    rule: Rule,
    /// The program and whether it looks at licences.
    program: Result<(Program, bool), Vec<String>>,
}

/// An item's rules compiled once, to run against many applications.
pub struct CompiledRules {
    rules: Vec<CompiledRule>,
    /// Form field key → label, to name a missing field in Chinese.
    labels: BTreeMap<String, String>,
}

impl fmt::Debug for CompiledRules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompiledRules")
            .field("rules", &self.codes().collect::<Vec<_>>())
            .finish()
    }
}

/// Every problem with the item's rules; empty when all of them can be stored.
pub fn check_item_rules(item: &Item) -> Vec<RuleProblem> {
    compile_leniently(item).problems()
}

/// Compiles every rule of the item, or returns every problem (as [`check_item_rules`]).
pub fn compile_rules(item: &Item) -> Result<CompiledRules, Vec<RuleProblem>> {
    let compiled = compile_leniently(item);
    let problems = compiled.problems();
    if problems.is_empty() {
        Ok(compiled)
    } else {
        Err(problems)
    }
}

/// Compiles the item's rules and runs them against `input`. A rule that cannot be
/// compiled fails with the reason as its error, so an unsound rule never passes.
pub fn run_rules(item: &Item, input: &RuleInput) -> RuleReport {
    compile_leniently(item).run(input)
}

/// Whether any rule of the item looks at the applicant's licences (reads
/// `licences` or calls `has_licence`), so that the caller loads and verifies
/// them only then. A rule that cannot be compiled needs nothing: it fails anyway.
pub fn rules_need_licences(item: &Item) -> bool {
    let checker = check::Checker::new(item);
    item.rules
        .iter()
        .any(|r| checker.compile(&r.expr).is_ok_and(|(_, licences)| licences))
}

/// Compiles each rule on its own, keeping the problems of those that cannot be.
fn compile_leniently(item: &Item) -> CompiledRules {
    let checker = check::Checker::new(item);
    let rules = item
        .rules
        .iter()
        .map(|rule| CompiledRule {
            rule: rule.clone(),
            program: checker.compile(&rule.expr),
        })
        .collect();
    let labels = item
        .form
        .iter()
        .map(|f| (f.key.clone(), f.label.clone()))
        .collect();
    CompiledRules { rules, labels }
}

impl CompiledRules {
    fn problems(&self) -> Vec<RuleProblem> {
        self.rules
            .iter()
            .flat_map(|c| {
                let problems = c.program.as_ref().err().into_iter().flatten();
                problems.map(|problem| RuleProblem {
                    rule: c.rule.code.clone(),
                    problem: problem.clone(),
                })
            })
            .collect()
    }

    /// The codes of the rules, in the item's order.
    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().map(|c| c.rule.code.as_str())
    }

    /// Runs every rule against `input`. Never reads the clock: `input.today` is "today".
    pub fn run(&self, input: &RuleInput) -> RuleReport {
        let context = eval::context(input).map_err(|e| format!("规则环境无法建立：{e}"));
        let results: Vec<RuleResult> = self
            .rules
            .iter()
            .map(|c| {
                let outcome = match (&c.program, &context) {
                    (Err(problems), _) => Err(format!("规则无法编译：{}", problems.join("；"))),
                    (Ok(_), Err(broken)) => Err(broken.clone()),
                    (Ok((program, _)), Ok(context)) => {
                        eval::outcome(program, context, &self.labels)
                    }
                };
                let (passed, error) = match outcome {
                    Ok(passed) => (passed, None),
                    Err(error) => (false, Some(error)),
                };
                RuleResult {
                    code: c.rule.code.clone(),
                    passed,
                    message: if passed {
                        PASSED.to_string()
                    } else {
                        c.rule.message.clone()
                    },
                    error,
                }
            })
            .collect();
        RuleReport {
            passed: results.iter().all(|r| r.passed),
            results,
        }
    }
}
