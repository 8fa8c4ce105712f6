//! Checks an application form against the item's field definitions.

use chrono::NaiveDate;
use serde_json::{Map, Value};

use crate::catalogue::{FieldType, FormField, Item};
use crate::error::FieldProblem;
use crate::text::{self, Lines};
use crate::validate;

/// Longest text accepted in a field without its own `max_length`.
const DEFAULT_MAX_CHARS: usize = 2000;

/// Every problem with `form` for `item`: missing required fields, unknown fields,
/// wrong types, out-of-range numbers, options not offered, and identity numbers
/// that fail their check characters. Empty when the form is acceptable.
pub fn validate_form(
    item: &Item,
    form: &Map<String, Value>,
    today: NaiveDate,
) -> Vec<FieldProblem> {
    let mut out = Vec::new();
    for key in form.keys() {
        if !item.form.iter().any(|f| &f.key == key) {
            out.push(problem(key, "不是该事项申请表中的字段"));
        }
    }
    for field in &item.form {
        match form.get(&field.key) {
            None | Some(Value::Null) => {
                if field.required {
                    out.push(problem(&field.key, &format!("{}为必填项", field.label)));
                }
            }
            Some(Value::String(s)) if s.trim().is_empty() => {
                if field.required {
                    out.push(problem(&field.key, &format!("{}为必填项", field.label)));
                }
            }
            Some(v) => {
                if let Err(msg) = check_value(field, v, today) {
                    out.push(problem(&field.key, &format!("{}：{msg}", field.label)));
                }
            }
        }
    }
    out
}

fn check_value(field: &FormField, v: &Value, today: NaiveDate) -> Result<(), String> {
    let text = || v.as_str().ok_or_else(|| "应为文本".to_string());
    match field.field_type {
        FieldType::Text | FieldType::Textarea | FieldType::Address => {
            let s = text()?;
            let max = field
                .max_length
                .map(|m| m as usize)
                .unwrap_or(DEFAULT_MAX_CHARS);
            if s.chars().count() > max {
                return Err(format!("不能超过 {max} 个字"));
            }
            let lines = match field.field_type {
                FieldType::Textarea => Lines::Many,
                _ => Lines::One,
            };
            match text::forbidden(s, lines) {
                Some(reason) => Err(reason),
                None => Ok(()),
            }
        }
        FieldType::Number => {
            let n = v.as_f64().ok_or_else(|| "应为数字".to_string())?;
            if let Some(lo) = field.min
                && n < lo
            {
                return Err(format!("不能小于 {lo}"));
            }
            if let Some(hi) = field.max
                && n > hi
            {
                return Err(format!("不能大于 {hi}"));
            }
            Ok(())
        }
        FieldType::Date => {
            let s = text()?;
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(|_| ())
                .map_err(|_| "应为有效日期（YYYY-MM-DD）".to_string())
        }
        FieldType::Bool => v
            .as_bool()
            .map(|_| ())
            .ok_or_else(|| "应为是或否".to_string()),
        FieldType::Select => {
            let s = text()?;
            if field.options.iter().any(|o| o == s) {
                Ok(())
            } else {
                Err(format!("应为以下之一：{}", field.options.join("、")))
            }
        }
        FieldType::CitizenId => checked(v, "citizen_id", today),
        FieldType::CreditCode => checked(v, "credit_code", today),
        FieldType::Mobile => checked(v, "mobile", today),
        FieldType::PostalCode => checked(v, "postal_code", today),
        FieldType::LicenceId => checked(v, "licence_id", today),
    }
}

fn checked(v: &Value, kind: &str, today: NaiveDate) -> Result<(), String> {
    let s = v.as_str().ok_or_else(|| "应为文本".to_string())?;
    match validate::validate(kind, s.trim(), today) {
        Ok(r) if r.valid => Ok(()),
        Ok(r) => Err(r.reason.unwrap_or_else(|| "格式不正确".to_string())),
        Err(_) => Err("无法校验".to_string()),
    }
}

fn problem(field: &str, message: &str) -> FieldProblem {
    FieldProblem {
        field: field.to_string(),
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::tests::sample_item;

    fn problems_for(value: &str) -> Vec<FieldProblem> {
        let item = sample_item(false);
        let mut form = Map::new();
        form.insert("venue_name".into(), Value::String(value.into()));
        let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default();
        validate_form(&item, &form, today)
    }

    #[test]
    fn a_name_with_a_nul_or_a_line_break_is_refused() {
        assert!(problems_for("武侯书店").is_empty());
        for bad in ["\0", "武侯\0书店", "武侯\n书店", "店\u{202E}名"] {
            let p = problems_for(bad);
            assert_eq!(p.len(), 1, "{bad:?}");
            assert_eq!(p[0].field, "venue_name");
        }
    }
}
