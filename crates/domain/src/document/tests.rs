//! The wording of each document and the checks of an inspection record.

use chrono::NaiveDate;
use rand::SeedableRng;

use super::*;
use crate::case::CaseStatus;
use crate::case::tests::case_in;
use crate::catalogue::tests::sample_item;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
}

fn head() -> Letterhead<'static> {
    Letterhead {
        issuer: "成都市武侯区行政审批局",
        reconsideration_body: "成都市武侯区人民政府",
        today: day(4),
        deadline: Some(day(20)),
        submitted_on: day(2),
    }
}

fn text(doc: &DocumentContent) -> String {
    serde_json::to_string(doc).unwrap()
}

fn input() -> InspectionInput {
    InspectionInput {
        date: "2026-03-03".into(),
        place: "武侯区玉林北路2号".into(),
        present: "李书香，王店长".into(),
        findings: String::new(),
        conclusion: "符合".into(),
        photos: vec!["a".repeat(64)],
    }
}

#[test]
fn each_action_that_decides_names_its_document() {
    assert_eq!(
        DocumentKind::of_action(Action::Accept),
        Some(DocumentKind::Acceptance)
    );
    assert_eq!(
        DocumentKind::of_action(Action::Deny),
        Some(DocumentKind::Denial)
    );
    assert_eq!(DocumentKind::of_action(Action::Review), None);
    for kind in DocumentKind::ALL {
        assert_eq!(DocumentKind::parse(kind.as_str()), Some(kind));
    }
    assert_eq!(
        document_number("510107-20260302-000001", DocumentKind::Correction, 2),
        "510107-20260302-000001-BZ02"
    );
}

#[test]
fn a_correction_lists_every_line_of_the_opinion_once_and_stops_the_clock() {
    let case = case_in(CaseStatus::Intake);
    let item = sample_item(true);
    let doc = correction(
        &case,
        &item,
        "1. 营业执照复印件不清晰\n\n2、租赁合同缺少签字\n（3）补充平面图",
        1,
        &head(),
    );
    let Some(Block::List(_, items)) = doc.body.get(1) else {
        panic!("no list: {doc:?}");
    };
    assert_eq!(
        items,
        &["营业执照复印件不清晰", "租赁合同缺少签字", "补充平面图"]
    );
    assert!(text(&doc).contains("一次性告知"));
    assert!(text(&doc).contains("暂停计算"));
    assert_eq!(doc.number, "510107-20260302-000001-BZ01");
}

#[test]
fn refusals_give_the_reason_the_basis_and_the_remedies() {
    let case = case_in(CaseStatus::Approval);
    let item = sample_item(true);
    for doc in [
        denial(&case, &item, "经营场所不符合要求", 1, &head()),
        not_accepted(&case, &item, "不属于本机关职权范围", 1, &head()),
    ] {
        let t = text(&doc);
        assert!(
            t.contains("六十日内向成都市武侯区人民政府申请行政复议"),
            "{t}"
        );
        assert!(t.contains("六个月内依法向人民法院提起行政诉讼"), "{t}");
        assert!(t.contains(item.legal_basis.trim()), "{t}");
    }
    assert!(
        text(&denial(&case, &item, "经营场所不符合要求", 1, &head()))
            .contains("经营场所不符合要求")
    );
}

#[test]
fn acceptance_and_receipt_carry_the_query_code_and_the_deadline() {
    let case = case_in(CaseStatus::Review);
    let item = sample_item(true);
    let a = text(&acceptance(&case, &item, "ACDE3467", 1, &head()));
    assert!(
        a.contains("ACDE3467") && a.contains("2026年3月20日前"),
        "{a}"
    );
    let r = text(&receipt(&case, &item, "ACDE3467", 1, &head()));
    assert!(r.contains("ACDE3467") && r.contains("收到材料"), "{r}");
}

#[test]
fn a_good_inspection_record_passes() {
    let record = check_inspection(&input(), day(2), day(4)).unwrap();
    assert_eq!(record.date, day(3));
    assert_eq!(record.present, ["李书香", "王店长"]);
    assert_eq!(record.conclusion, Conclusion::Conforms);
    assert_eq!(record.photos.len(), 1);
}

#[test]
fn an_inspection_dated_in_the_future_or_before_submission_is_refused() {
    for date in ["2026-03-05", "2026-03-01", "三月三日", ""] {
        let bad = InspectionInput {
            date: date.into(),
            ..input()
        };
        let problems = check_inspection(&bad, day(2), day(4)).unwrap_err();
        assert_eq!(problems.len(), 1, "{date}: {problems:?}");
        assert_eq!(problems[0].field, "踏勘日期");
    }
}

#[test]
fn findings_are_required_unless_the_site_conforms() {
    for conclusion in ["不符合", "conforms_after_rectification"] {
        let bad = InspectionInput {
            conclusion: conclusion.into(),
            ..input()
        };
        let problems = check_inspection(&bad, day(2), day(4)).unwrap_err();
        assert_eq!(problems[0].field, "踏勘情况", "{problems:?}");
    }
    let bad = InspectionInput {
        conclusion: "差不多".into(),
        place: " ".into(),
        photos: vec!["xyz".into()],
        ..input()
    };
    let fields: Vec<String> = check_inspection(&bad, day(2), day(4))
        .unwrap_err()
        .into_iter()
        .map(|p| p.field)
        .collect();
    assert_eq!(fields, ["踏勘地点", "踏勘结论", "现场照片"]);
}

#[test]
fn query_codes_use_only_unambiguous_letters() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let a = new_query_code(&mut rng);
    let b = new_query_code(&mut rng);
    assert_eq!(a.len(), QUERY_CODE_LEN);
    assert_ne!(a, b);
    for c in a.bytes().chain(b.bytes()) {
        assert!(QUERY_CODE_ALPHABET.contains(&c));
        assert!(!b"0O1IL2Z5S8BUV".contains(&c));
    }
}
