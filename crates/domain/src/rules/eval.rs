//! The evaluation context of a rule (its variables and our functions) and the
//! reading of its result.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use cel::extractors::This;
use cel::objects::Key;
use cel::{Context, DeclarationError, ExecutionError, Program, Value};
use chrono::NaiveDate;

use super::{LicenceFacts, RuleInput};
use crate::validate::{
    CitizenId, CreditCode, MobileNumber, address_in_district, age_from_citizen_id,
};

type Outcome<T> = Result<T, ExecutionError>;

/// The context every rule of one application is evaluated in.
pub(super) fn context(input: &RuleInput) -> Result<Context<'static, 'static>, DeclarationError> {
    let today = input.today;
    let mut ctx = Context::with_env(super::check::env());
    ctx.add_variable_from_value("form", form(&input.form));
    ctx.add_variable_from_value(
        "applicant",
        strings([
            ("kind", input.applicant.kind.as_str()),
            ("identity", &input.applicant.identity),
            ("name", &input.applicant.name),
        ]),
    );
    ctx.add_variable_from_value(
        "licences",
        input.licences.iter().map(licence).collect::<Vec<Value>>(),
    );
    ctx.add_variable_from_value("today", date(today));

    let usable: Arc<BTreeSet<String>> = Arc::new(
        input
            .licences
            .iter()
            .filter(|l| l.usable_on(today))
            .map(|l| l.type_code.clone())
            .collect(),
    );
    // `add_function` only fails for a name the standard library declares.
    ctx.add_function("citizen_id_valid", move |This(s): This<Value>| {
        text("citizen_id_valid", &s).map(|s| CitizenId::parse(s, today).is_ok())
    })?;
    ctx.add_function("credit_code_valid", |This(s): This<Value>| {
        text("credit_code_valid", &s).map(|s| CreditCode::parse(s).is_ok())
    })?;
    ctx.add_function("mobile_valid", |This(s): This<Value>| {
        text("mobile_valid", &s).map(|s| MobileNumber::parse(s).is_ok())
    })?;
    ctx.add_function("in_district", |This(s): This<Value>| {
        text("in_district", &s).map(address_in_district)
    })?;
    ctx.add_function("age", move |This(s): This<Value>| -> Outcome<i64> {
        let id = text("age", &s)?;
        age_from_citizen_id(id, today)
            .map(i64::from)
            .map_err(|e| ExecutionError::function_error("age", format!("身份证号码无效：{e}")))
    })?;
    ctx.add_function("has_licence", move |This(s): This<Value>| {
        text("has_licence", &s).map(|code| usable.contains(code))
    })?;
    Ok(ctx)
}

/// The string argument of `function`, or an error naming the type it got.
fn text<'v>(function: &str, value: &'v Value) -> Outcome<&'v str> {
    match value {
        Value::String(s) => Ok(s.as_str()),
        other => Err(ExecutionError::function_error(
            function,
            format!("参数应为字符串，实际为 {}", other.type_of()),
        )),
    }
}

fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn strings<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Value {
    let map: HashMap<Key, Value> = pairs
        .into_iter()
        .map(|(k, v)| (Key::from(k), Value::from(v)))
        .collect();
    Value::from(map)
}

/// The form, leaving out fields that are not filled (`null` or blank).
fn form(fields: &serde_json::Map<String, serde_json::Value>) -> Value {
    let map: HashMap<Key, Value> = fields
        .iter()
        .filter(|(_, v)| match v {
            serde_json::Value::Null => false,
            serde_json::Value::String(s) => !s.trim().is_empty(),
            _ => true,
        })
        .map(|(k, v)| (Key::from(k.as_str()), json(v)))
        .collect();
    Value::from(map)
}

fn licence(l: &LicenceFacts) -> Value {
    let mut map: HashMap<Key, Value> = [
        ("type_code", l.type_code.clone()),
        ("holder", l.holder.clone()),
        ("valid_until", l.valid_until.map(date).unwrap_or_default()),
        ("status", l.status.clone()),
    ]
    .into_iter()
    .map(|(k, v)| (Key::from(k), Value::from(v)))
    .collect();
    let fields: HashMap<Key, Value> = l
        .fields
        .iter()
        .map(|(k, v)| (Key::from(k.as_str()), json(v)))
        .collect();
    map.insert(Key::from("fields"), Value::from(fields));
    Value::from(map)
}

/// JSON as CEL; every number becomes a double (see the module documentation).
fn json(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => n.as_f64().map_or(Value::Null, Value::Float),
        serde_json::Value::String(s) => Value::from(s.as_str()),
        serde_json::Value::Array(items) => Value::from(items.iter().map(json).collect::<Vec<_>>()),
        serde_json::Value::Object(o) => {
            let map: HashMap<Key, Value> = o
                .iter()
                .map(|(k, v)| (Key::from(k.as_str()), json(v)))
                .collect();
            Value::from(map)
        }
    }
}

/// Whether the rule holds, or why it could not be decided (in Chinese).
pub(super) fn outcome(
    program: &Program,
    ctx: &Context<'_, '_>,
    labels: &BTreeMap<String, String>,
) -> Result<bool, String> {
    match program.execute(ctx) {
        Ok(Value::Bool(b)) => Ok(b),
        Ok(other) => Err(format!("规则结果应为布尔值，实际为 {}", other.type_of())),
        Err(e) => Err(reason(&e, labels)),
    }
}

fn reason(e: &ExecutionError, labels: &BTreeMap<String, String>) -> String {
    match e {
        ExecutionError::NoSuchKey(key) => match labels.get(key.as_str()) {
            Some(label) => format!("表单字段「{label}」（{key}）未填写"),
            None => format!("缺少字段 {key}"),
        },
        ExecutionError::FunctionError { function, message } => {
            format!("{function}：{message}")
        }
        ExecutionError::NoSuchOverload(_)
        | ExecutionError::UnexpectedType { .. }
        | ExecutionError::ValuesNotComparable(..)
        | ExecutionError::UnsupportedBinaryOperator(..) => format!("类型不符：{e}"),
        ExecutionError::DivisionByZero(_) | ExecutionError::RemainderByZero(_) => {
            format!("除数为零：{e}")
        }
        other => format!("规则求值出错：{other}"),
    }
}
