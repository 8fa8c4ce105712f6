use chrono::NaiveDate;
use serde_json::json;

use super::*;
use crate::catalogue::tests::sample_item;
use crate::catalogue::{FieldType, FormField};
use crate::validate::iso7064::mod_11_2_check;

const GOOD_ID: &str = "510107199003071236";
const GOOD_CREDIT_CODE: &str = "91510107MA6C11110G";
const GOOD_ADDRESS: &str = "成都市武侯区玉林街道玉林北路12号";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 16).expect("a real date")
}

fn field(key: &str, label: &str, field_type: FieldType, required: bool) -> FormField {
    FormField {
        key: key.into(),
        label: label.into(),
        field_type,
        required,
        options: vec![],
        max_length: None,
        min: None,
        max: None,
        help: None,
    }
}

fn rule(code: &str, expr: &str, message: &str) -> Rule {
    Rule {
        code: code.into(),
        expr: expr.into(),
        message: message.into(),
    }
}

/// 个体工商户名称变更, an instant item.
fn rename_item() -> Item {
    let mut item = sample_item(false);
    item.code = "510107-SC-012".into();
    item.name = "个体工商户名称变更登记".into();
    item.instant = true;
    item.form = vec![
        field("name", "原名称", FieldType::Text, true),
        field(
            "credit_code",
            "统一社会信用代码",
            FieldType::CreditCode,
            true,
        ),
        field(
            "legal_rep_id",
            "经营者身份证号码",
            FieldType::CitizenId,
            true,
        ),
        field("new_name", "变更后名称", FieldType::Text, true),
        field("address", "经营场所", FieldType::Address, true),
        field("mobile", "联系电话", FieldType::Mobile, false),
        field("capital", "资金数额（万元）", FieldType::Number, false),
    ];
    item.rules = vec![
        rule(
            "R01",
            "credit_code_valid(form.credit_code)",
            "统一社会信用代码有误",
        ),
        rule(
            "R02",
            "age(form.legal_rep_id) >= 18",
            "经营者须年满十八周岁",
        ),
        rule("R03", "in_district(form.address)", "经营场所不在本区"),
        rule(
            "R04",
            "size(form.new_name) >= 2 && size(form.new_name) <= 30",
            "变更后名称应为 2 至 30 个字",
        ),
        rule("R05", r#"has_licence("YYZZ")"#, "未关联有效的营业执照"),
    ];
    item
}

fn business_licence(valid_until: Option<NaiveDate>, status: &str) -> LicenceFacts {
    LicenceFacts {
        type_code: "YYZZ".into(),
        holder: GOOD_CREDIT_CODE.into(),
        valid_until,
        status: status.into(),
        fields: json!({"名称": "成都市武侯区玉林小面馆"})
            .as_object()
            .cloned()
            .unwrap_or_default(),
    }
}

fn good_input() -> RuleInput {
    let form = json!({
        "name": "成都市武侯区玉林小面馆",
        "credit_code": GOOD_CREDIT_CODE,
        "legal_rep_id": GOOD_ID,
        "new_name": "成都市武侯区玉林老面馆",
        "address": GOOD_ADDRESS,
        "mobile": "",
    });
    RuleInput {
        form: form.as_object().cloned().unwrap_or_default(),
        applicant: ApplicantFacts {
            kind: ApplicantKind::Organisation,
            identity: GOOD_CREDIT_CODE.into(),
            name: "成都市武侯区玉林小面馆".into(),
        },
        licences: vec![business_licence(None, "valid")],
        today: today(),
    }
}

fn with_form(mut input: RuleInput, key: &str, value: serde_json::Value) -> RuleInput {
    input.form.insert(key.into(), value);
    input
}

/// A valid citizen ID of someone born on 2010-03-07: 15 on `today()`.
fn minor_id() -> String {
    let body = "51010720100307123";
    format!("{body}{}", mod_11_2_check(body).expect("digits"))
}

fn item_with(expr: &str) -> Item {
    let mut item = rename_item();
    item.rules = vec![rule("R09", expr, "不符合条件")];
    item
}

fn only_result(item: &Item, input: &RuleInput) -> RuleResult {
    let report = run_rules(item, input);
    assert_eq!(report.results.len(), 1);
    report.results[0].clone()
}

#[test]
fn a_sound_application_passes_every_rule() {
    let report = run_rules(&rename_item(), &good_input());
    assert!(report.passed, "{report:#?}");
    assert_eq!(report.results.len(), 5);
    assert!(
        report
            .results
            .iter()
            .all(|r| r.passed && r.message == PASSED && r.error.is_none())
    );
}

#[test]
fn each_rule_fails_alone_on_its_bad_input_and_the_report_names_it_with_its_message() {
    let mut no_licence = good_input();
    no_licence.licences.clear();
    let cases = [
        (
            "R01",
            with_form(good_input(), "credit_code", json!("91510107MA6C11110X")),
        ),
        (
            "R02",
            with_form(good_input(), "legal_rep_id", json!(minor_id())),
        ),
        (
            "R03",
            with_form(good_input(), "address", json!("北京市朝阳区建国路1号")),
        ),
        ("R04", with_form(good_input(), "new_name", json!("面"))),
        ("R05", no_licence),
    ];
    let item = rename_item();
    for (code, input) in cases {
        let report = run_rules(&item, &input);
        assert!(!report.passed, "{code}");
        let failed: Vec<&RuleResult> = report.failures().collect();
        assert_eq!(failed.len(), 1, "{code}: {failed:#?}");
        assert_eq!(failed[0].code, code);
        let expected = item
            .rules
            .iter()
            .find(|r| r.code == code)
            .map(|r| &r.message);
        assert_eq!(Some(&failed[0].message), expected);
        assert_eq!(failed[0].error, None, "{code}");
    }
}

#[test]
fn an_expired_or_revoked_licence_does_not_satisfy_has_licence() {
    let item = rename_item();
    let yesterday = today().pred_opt();
    for licence in [
        business_licence(yesterday, "valid"),
        business_licence(None, "revoked"),
        business_licence(None, "expired"),
    ] {
        let mut input = good_input();
        input.licences = vec![licence];
        let report = run_rules(&item, &input);
        let failed: Vec<&str> = report.failures().map(|r| r.code.as_str()).collect();
        assert_eq!(failed, ["R05"]);
    }
}

#[test]
fn a_licence_valid_until_today_or_long_term_satisfies_has_licence() {
    for valid_until in [Some(today()), None] {
        let mut input = good_input();
        input.licences = vec![business_licence(valid_until, "valid")];
        assert!(run_rules(&rename_item(), &input).passed);
    }
}

#[test]
fn a_sound_item_has_no_rule_problems_and_compiles() {
    assert_eq!(check_item_rules(&rename_item()), vec![]);
    let compiled = compile_rules(&rename_item()).expect("sound rules compile");
    assert_eq!(
        compiled.codes().collect::<Vec<_>>(),
        ["R01", "R02", "R03", "R04", "R05"]
    );
    assert_eq!(
        compiled.run(&good_input()),
        run_rules(&rename_item(), &good_input())
    );
}

#[test]
fn unsound_rules_are_refused_each_naming_the_rule_and_what_is_wrong() {
    let mut item = rename_item();
    item.rules = vec![
        rule("S01", "size(form.new_name >= 2", "x"),
        rule("S02", "form.unknown == 'x'", "x"),
        rule("S03", "foo > 1", "x"),
        rule("S04", "shout(form.name)", "x"),
    ];
    let problems = check_item_rules(&item);
    let find = |code: &str| -> String {
        let found: Vec<String> = problems
            .iter()
            .filter(|p| p.rule == code)
            .map(|p| p.to_string())
            .collect();
        assert_eq!(found.len(), 1, "{code}: {problems:#?}");
        found[0].clone()
    };
    assert!(find("S01").starts_with("rule S01: does not parse"));
    assert_eq!(
        find("S02"),
        "rule S02: refers to unknown form field 'unknown'"
    );
    assert!(find("S03").starts_with("rule S03: refers to unknown variable 'foo'"));
    assert_eq!(find("S04"), "rule S04: calls unknown function 'shout'");
    assert_eq!(compile_rules(&item).map(|_| ()), Err(problems));
}

#[test]
fn unknown_fields_are_refused_however_they_are_reached() {
    for expr in [
        "has(form.nickname)",
        "form['nickname'] == 'x'",
        "applicant.passport == 'x'",
    ] {
        let problems = check_item_rules(&item_with(expr));
        assert_eq!(problems.len(), 1, "{expr}: {problems:#?}");
        assert!(problems[0].problem.contains("unknown"), "{expr}");
    }
}

#[test]
fn one_of_our_functions_called_with_the_wrong_number_of_arguments_is_refused() {
    let problems = check_item_rules(&item_with("age(form.legal_rep_id, today) >= 18"));
    assert_eq!(problems.len(), 1);
    assert!(problems[0].problem.contains("exactly one"));
}

#[test]
fn standard_functions_macros_types_and_comprehension_variables_are_known() {
    let expr = "form.name.startsWith('成都') && type(form.name) == string \
        && licences.exists(l, l.type_code == 'YYZZ' && (l.valid_until == '' || l.valid_until >= today)) \
        && [1, 2].all(n, n > 0) && form.legal_rep_id.citizen_id_valid() \
        && applicant.kind == 'organisation' && int('3') == 3 && 'a' in ['a']";
    let item = item_with(expr);
    assert_eq!(check_item_rules(&item), vec![]);
    assert!(only_result(&item, &good_input()).passed);
}

#[test]
fn a_rule_that_does_not_yield_a_boolean_fails_with_an_error_saying_so() {
    let result = only_result(&item_with("size(form.new_name)"), &good_input());
    assert!(!result.passed);
    assert_eq!(result.message, "不符合条件");
    let error = result.error.expect("an error");
    assert!(error.contains("布尔"), "{error}");
}

#[test]
fn a_rule_reading_an_unfilled_field_fails_with_a_chinese_reason_naming_it() {
    // `mobile` is sent blank, `capital` not at all.
    for expr in ["mobile_valid(form.mobile)", "form.capital >= 10"] {
        let result = only_result(&item_with(expr), &good_input());
        assert!(!result.passed, "{expr}");
        let error = result.error.expect("an error");
        assert!(error.contains("未填写"), "{expr}: {error}");
    }
    let guarded = item_with("!has(form.mobile) || mobile_valid(form.mobile)");
    assert!(only_result(&guarded, &good_input()).passed);
}

#[test]
fn age_of_an_invalid_citizen_id_fails_the_rule_with_an_error() {
    let input = with_form(good_input(), "legal_rep_id", json!("510107199003071230"));
    let report = run_rules(&rename_item(), &input);
    let failed: Vec<&RuleResult> = report.failures().collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].code, "R02");
    let error = failed[0].error.clone().expect("an error");
    assert!(error.contains("身份证号码无效"), "{error}");
}

#[test]
fn a_function_given_a_number_instead_of_text_fails_the_rule_with_an_error() {
    let input = with_form(good_input(), "credit_code", json!(915101));
    let result = &run_rules(&rename_item(), &input).results[0];
    assert!(!result.passed);
    assert!(
        result
            .error
            .as_deref()
            .is_some_and(|e| e.contains("字符串"))
    );
}

#[test]
fn json_numbers_are_doubles_that_compare_with_integer_literals() {
    let input = with_form(good_input(), "capital", json!(500));
    for expr in [
        "form.capital >= 500",
        "form.capital == 500.0",
        "type(form.capital) == double",
        "form.capital * 2.0 == 1000.0",
    ] {
        assert!(only_result(&item_with(expr), &input).passed, "{expr}");
    }
}

#[test]
fn a_citizen_id_dated_after_today_is_not_valid() {
    let item = item_with("citizen_id_valid(form.legal_rep_id)");
    assert!(only_result(&item, &good_input()).passed);
    let mut before_birth = good_input();
    before_birth.today = NaiveDate::from_ymd_opt(1989, 1, 1).expect("a real date");
    assert!(!only_result(&item, &before_birth).passed);
}

#[test]
fn run_rules_fails_an_unsound_rule_rather_than_skipping_it() {
    let mut item = rename_item();
    item.rules
        .push(rule("R06", "form.nickname == 'x'", "昵称不符"));
    let report = run_rules(&item, &good_input());
    assert!(!report.passed);
    let failed: Vec<&RuleResult> = report.failures().collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].code, "R06");
    assert!(
        failed[0]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("nickname"))
    );
}

#[test]
fn the_report_and_the_input_survive_a_json_round_trip() {
    let input = good_input();
    let text = serde_json::to_string(&input).expect("serialises");
    assert_eq!(
        serde_json::from_str::<RuleInput>(&text).expect("parses"),
        input
    );
    let report = run_rules(&rename_item(), &with_form(input, "new_name", json!("面")));
    let text = serde_json::to_string(&report).expect("serialises");
    assert_eq!(
        serde_json::from_str::<RuleReport>(&text).expect("parses"),
        report
    );
}

#[test]
fn compiled_rules_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<CompiledRules>();
}

#[test]
fn none_of_our_functions_clashes_with_a_standard_one() {
    let mut input = good_input();
    input.licences.clear();
    assert!(eval::context(&input).is_ok());
}

#[test]
fn only_rules_that_read_licences_need_them_loaded() {
    for expr in [
        r#"has_licence("YYZZ")"#,
        "licences.exists(l, l.type_code == 'YYZZ')",
        "size(licences) > 0",
    ] {
        assert!(rules_need_licences(&item_with(expr)), "{expr}");
    }
    for expr in [
        // A comprehension variable named like the list does not read it.
        "[form.new_name].exists(licences, size(licences) >= 2)",
        // Text about licences is not a reference to them.
        "form.new_name != 'licence'",
        "size(form.new_name) >= 2",
    ] {
        assert!(!rules_need_licences(&item_with(expr)), "{expr}");
    }
}
