//! Compiling a rule and checking what it refers to, by walking the parsed expression.
//!
//! `Program::references` is not enough here: it does not see which field of `form`
//! a rule selects, and it counts the variables a comprehension binds
//! (`licences.exists(l, …)`) as free. So the walk below keeps a scope of bound names.

use std::collections::BTreeSet;
use std::sync::{Arc, LazyLock};

use cel::common::ast::{CallExpr, EntryExpr, Expr, IdedExpr, LiteralValue, operators};
use cel::{Context, DeclarationError, Env, Program};

use super::{APPLICANT_KEYS, FUNCTIONS, VARIABLES};
use crate::catalogue::Item;

/// The operators the parser and the standard macros produce as calls.
const OPERATORS: [&str; 19] = [
    operators::CONDITIONAL,
    operators::LOGICAL_AND,
    operators::LOGICAL_OR,
    operators::LOGICAL_NOT,
    operators::SUBSTRACT,
    operators::ADD,
    operators::MULTIPLY,
    operators::DIVIDE,
    operators::MODULO,
    operators::EQUALS,
    operators::NOT_EQUALS,
    operators::GREATER_EQUALS,
    operators::LESS_EQUALS,
    operators::GREATER,
    operators::LESS,
    operators::NEGATE,
    operators::INDEX,
    operators::NOT_STRICTLY_FALSE,
    operators::IN,
];

/// CEL's standard library and macros, without the optional-value syntax
/// (`a.?b`), which rules have no use for. Built once: it is immutable.
static ENV: LazyLock<Arc<Env>> =
    LazyLock::new(|| Arc::new(Env::stdlib().with_optional_support(false)));

pub(super) fn env() -> Arc<Env> {
    Arc::clone(&ENV)
}

/// Whether CEL's standard library declares a function (global or member) `name`.
///
/// `Env` does not list its functions publicly, but `Context::add_function` is
/// documented to refuse, with `OverloadConflict`, exactly a name the `Env` declares.
fn standard_function(name: &str) -> bool {
    let mut probe = Context::with_env(env());
    matches!(
        probe.add_function(name, || true),
        Err(DeclarationError::OverloadConflict { .. })
    )
}

/// Compiles rules for one item, knowing its form keys.
pub(super) struct Checker {
    form_keys: BTreeSet<String>,
}

impl Checker {
    pub(super) fn new(item: &Item) -> Checker {
        Checker {
            form_keys: item.form.iter().map(|f| f.key.clone()).collect(),
        }
    }

    /// The compiled rule and whether it looks at the applicant's licences, or
    /// every problem with it (in English, for the operator).
    pub(super) fn compile(&self, expr: &str) -> Result<(Program, bool), Vec<String>> {
        let program = ENV.compile(expr).map_err(|errors| {
            let detail: Vec<String> = errors
                .errors
                .iter()
                .map(|e| format!("line {}, column {}: {}", e.pos.0, e.pos.1, e.msg))
                .collect();
            vec![format!("does not parse: {}", detail.join("; "))]
        })?;
        let mut walk = Walk {
            checker: self,
            bound: Vec::new(),
            problems: Vec::new(),
            licences: false,
        };
        walk.expr(program.expression());
        let (problems, licences) = (walk.problems, walk.licences);
        if problems.is_empty() {
            Ok((program, licences))
        } else {
            Err(problems)
        }
    }
}

struct Walk<'a> {
    checker: &'a Checker,
    /// Names bound by the enclosing comprehensions, innermost last.
    bound: Vec<&'a str>,
    problems: Vec<String>,
    /// Whether the rule reads `licences` or calls `has_licence`.
    licences: bool,
}

impl<'a> Walk<'a> {
    fn problem(&mut self, problem: String) {
        if !self.problems.contains(&problem) {
            self.problems.push(problem);
        }
    }

    /// The free variable `name` denotes (not shadowed by a comprehension), if any.
    fn free_ident<'e>(&self, expr: &'e IdedExpr) -> Option<&'e str> {
        match &expr.expr {
            Expr::Ident(name) if !self.bound.contains(&name.as_str()) => Some(name),
            _ => None,
        }
    }

    /// Checks `key` selected (or indexed) on `operand`.
    fn key_of(&mut self, operand: &IdedExpr, key: &str) {
        match self.free_ident(operand) {
            Some("form") if !self.checker.form_keys.contains(key) => {
                self.problem(format!("refers to unknown form field '{key}'"));
            }
            Some("applicant") if !APPLICANT_KEYS.contains(&key) => self.problem(format!(
                "refers to unknown applicant field '{key}' (known: {})",
                APPLICANT_KEYS.join(", ")
            )),
            _ => {}
        }
    }

    fn expr(&mut self, expr: &'a IdedExpr) {
        match &expr.expr {
            Expr::Unspecified | Expr::Literal(_) => {}
            Expr::Ident(name) => {
                if name == "licences" && !self.bound.contains(&name.as_str()) {
                    self.licences = true;
                }
                let known = name.starts_with('@')
                    || self.bound.contains(&name.as_str())
                    || VARIABLES.contains(&name.as_str())
                    || ENV.types().find_type(name).is_some();
                if !known {
                    self.problem(format!(
                        "refers to unknown variable '{name}' (known: {})",
                        VARIABLES.join(", ")
                    ));
                }
            }
            Expr::Select(select) => {
                self.key_of(&select.operand, &select.field);
                self.expr(&select.operand);
            }
            Expr::Call(call) => self.call(call),
            Expr::Comprehension(comp) => {
                self.expr(&comp.iter_range);
                self.expr(&comp.accu_init);
                let depth = self.bound.len();
                self.bound.push(&comp.iter_var);
                if let Some(second) = &comp.iter_var2 {
                    self.bound.push(second);
                }
                self.bound.push(&comp.accu_var);
                self.expr(&comp.loop_cond);
                self.expr(&comp.loop_step);
                self.expr(&comp.result);
                self.bound.truncate(depth);
            }
            Expr::List(list) => list.elements.iter().for_each(|e| self.expr(e)),
            Expr::Map(map) => {
                for entry in &map.entries {
                    if let EntryExpr::MapEntry(e) = &entry.expr {
                        self.expr(&e.key);
                        self.expr(&e.value);
                    }
                }
            }
            Expr::Struct(s) => {
                self.problem(format!(
                    "constructs a '{}' object, which rules cannot do",
                    s.type_name
                ));
            }
        }
    }

    fn call(&mut self, call: &'a CallExpr) {
        let name = call.func_name.as_str();
        if name == "has_licence" {
            self.licences = true;
        }
        if name == operators::INDEX
            && let [operand, key] = call.args.as_slice()
            && let Expr::Literal(LiteralValue::String(key)) = &key.expr
        {
            self.key_of(operand, key.inner());
        }
        if FUNCTIONS.contains(&name) {
            let arity = call.args.len() + usize::from(call.target.is_some());
            if arity != 1 {
                self.problem(format!(
                    "calls {name} with {arity} arguments; it takes exactly one"
                ));
            }
        } else if !OPERATORS.contains(&name) && !standard_function(name) {
            self.problem(format!("calls unknown function '{name}'"));
        }
        if let Some(target) = &call.target {
            self.expr(target);
        }
        call.args.iter().for_each(|a| self.expr(a));
    }
}
