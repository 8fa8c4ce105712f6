//! Renders real licences and reads them back with the tools a person would use:
//! `pdftotext` (poppler-utils) for the text, `pdftoppm` + `zbarimg` (zbar-tools) for
//! the QR code. Without the tools or the font these tests print why and pass, except
//! under CI (`CI` set), where they fail: `scripts/install-test-deps.sh` installs all.

// Marks the helpers below as test code for clippy's unwrap/panic allowances.
#![cfg(test)]

use std::path::Path;
use std::process::Command;

use chrono::NaiveDate;
use onestamp_certificate::{CertificateError, FontSource, LicenceDocument, Seal, render_pdf};
use onestamp_domain::validate::{
    CitizenId, CreditCode, LicenceId, LicenceSerial, LicenceTypeCode, LicenceVersion,
};

const BUREAU: &str = "成都市武侯区行政审批局";

fn food_licence() -> LicenceDocument {
    let type_code = LicenceTypeCode::parse("JY").unwrap();
    let issuer_code = CreditCode::parse("11510107MB1527601B").unwrap();
    LicenceDocument {
        id: LicenceId::new(
            &type_code,
            &issuer_code,
            &LicenceSerial::parse("2026000123").unwrap(),
            LicenceVersion::FIRST,
        ),
        type_code,
        type_name: "食品经营许可证".to_owned(),
        holder_name: "成都锦江书香文化有限公司".to_owned(),
        holder_identity: CreditCode::parse("91510107MA6C11110G").unwrap().into(),
        scope: "预包装食品销售（含冷藏冷冻食品）；散装食品销售（不含冷藏冷冻食品）；\
                热食类食品制售；冷食类食品制售；自制饮品制售（不含使用压力容器制作饮品）；\
                保健食品销售；特殊医学用途配方食品销售（Special Medical Purpose Foods）"
            .to_owned(),
        issuer: BUREAU.to_owned(),
        issuer_code,
        issued_on: NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        valid_until: NaiveDate::from_ymd_opt(2031, 11, 21),
        fields: vec![
            ("法定代表人（负责人）".to_owned(), "李书香".to_owned()),
            (
                "住所".to_owned(),
                "四川省成都市武侯区玉林北路2号附1号".to_owned(),
            ),
            (
                "经营场所".to_owned(),
                "四川省成都市武侯区玉林北路2号附1号".to_owned(),
            ),
            (
                "主体业态".to_owned(),
                "食品销售经营者（网络经营）".to_owned(),
            ),
        ],
    }
}

fn verify_url(doc: &LicenceDocument) -> String {
    format!("https://onestamp.example.cn/verify/{}", doc.id)
}

/// The font, or `None` (after saying why) when absent outside CI.
fn font() -> Option<FontSource> {
    match FontSource::system() {
        Ok(font) => Some(font),
        Err(e) => skip_or_fail(&e.to_string()),
    }
}

fn skip_or_fail<T>(reason: &str) -> Option<T> {
    if std::env::var_os("CI").is_some() {
        panic!("{reason} (run scripts/install-test-deps.sh)");
    }
    eprintln!("skipped: {reason}; run scripts/install-test-deps.sh");
    None
}

/// Runs a tool; `None` (after saying why) when it is not installed, outside CI.
fn run(program: &str, args: &[&str]) -> Option<String> {
    match Command::new(program).args(args).output() {
        Ok(out) => {
            assert!(
                out.status.success(),
                "{program} {args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            Some(String::from_utf8(out.stdout).unwrap())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            skip_or_fail(&format!("{program} is not installed"))
        }
        Err(e) => panic!("cannot run {program}: {e}"),
    }
}

fn pdf_text(pdf: &[u8], dir: &Path) -> Option<String> {
    let file = dir.join("licence.pdf");
    std::fs::write(&file, pdf).unwrap();
    run("pdftotext", &["-enc", "UTF-8", file.to_str().unwrap(), "-"])
}

#[test]
fn a_food_licence_pdf_shows_the_title_holder_and_licence_id() {
    let Some(font) = font() else { return };
    let doc = food_licence();
    let pdf = render_pdf(&doc, BUREAU, &verify_url(&doc), &font).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let dir = tempfile::tempdir().unwrap();
    let Some(text) = pdf_text(&pdf, dir.path()) else {
        return;
    };
    for expected in [
        "食品经营许可证",
        "成都锦江书香文化有限公司",
        "91510107MA6C11110G",
        &doc.id.to_string(),
        "2026年11月22日至2031年11月21日",
        "法定代表人（负责人）：",
        "扫码验证",
        BUREAU,
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
    // The scope is wrapped over several lines but loses no character.
    let unwrapped: String = text.split_whitespace().collect();
    let scope: String = doc.scope.split_whitespace().collect();
    assert!(unwrapped.contains(&scope), "scope not intact in:\n{text}");
}

#[test]
fn the_qr_code_decodes_exactly_to_the_verification_url() {
    let Some(font) = font() else { return };
    let doc = food_licence();
    let url = verify_url(&doc);
    let pdf = render_pdf(&doc, BUREAU, &url, &font).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("licence.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let prefix = dir.path().join("page");
    let (file, prefix) = (file.to_str().unwrap(), prefix.to_str().unwrap());
    let Some(_) = run("pdftoppm", &["-r", "150", "-png", file, prefix]) else {
        return;
    };
    let png = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "png"))
        .expect("pdftoppm wrote a PNG");
    let Some(decoded) = run("zbarimg", &["--raw", "-q", png.to_str().unwrap()]) else {
        return;
    };
    assert_eq!(decoded.trim_end_matches('\n'), url);
}

#[test]
fn a_licence_for_a_person_without_end_date_prints_long_term() {
    let Some(font) = font() else { return };
    let issued_on = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let doc = LicenceDocument {
        type_name: "个体工商户营业执照".to_owned(),
        holder_name: "王小川".to_owned(),
        holder_identity: CitizenId::parse("11010519491231002X", issued_on)
            .unwrap()
            .into(),
        scope: String::new(),
        valid_until: None,
        fields: vec![],
        ..food_licence()
    };
    let pdf = render_pdf(&doc, BUREAU, &verify_url(&doc), &font).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let Some(text) = pdf_text(&pdf, dir.path()) else {
        return;
    };
    for expected in [
        "个体工商户营业执照",
        "公民身份号码：",
        "姓名：",
        "王小川",
        "长期",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
    assert!(!text.contains("经营范围"), "an empty scope is not printed");
}

#[test]
fn content_that_cannot_fit_one_page_is_refused() {
    let Some(font) = font() else { return };
    let doc = LicenceDocument {
        scope: "预包装食品销售；".repeat(400),
        ..food_licence()
    };
    assert!(matches!(
        render_pdf(&doc, BUREAU, "https://onestamp.example.cn/v", &font),
        Err(CertificateError::ContentTooLong)
    ));
    let longer = LicenceDocument {
        scope: "预包装食品销售；".repeat(60),
        ..food_licence()
    };
    assert!(render_pdf(&longer, BUREAU, "https://onestamp.example.cn/v", &font).is_ok());
}

#[test]
fn a_character_the_font_lacks_is_an_error_not_a_blank_box() {
    let Some(font) = font() else { return };
    let doc = LicenceDocument {
        holder_name: "成都\u{E000}公司".to_owned(),
        ..food_licence()
    };
    assert!(matches!(
        render_pdf(&doc, BUREAU, "https://onestamp.example.cn/v", &font),
        Err(CertificateError::MissingGlyph {
            character: '\u{E000}',
            ..
        })
    ));
}

#[test]
fn an_inconsistent_document_is_not_rendered() {
    let Some(font) = font() else { return };
    let doc = LicenceDocument {
        type_code: LicenceTypeCode::parse("XK").unwrap(),
        ..food_licence()
    };
    assert!(matches!(
        render_pdf(&doc, BUREAU, "https://onestamp.example.cn/v", &font),
        Err(CertificateError::Inconsistent { .. })
    ));
}

#[test]
fn a_sealed_licence_verifies_and_a_changed_one_does_not() {
    let seal = Seal::generate().unwrap();
    let doc = food_licence();
    let signature = seal.sign(&doc.canonical_bytes()).unwrap();
    let verifier =
        onestamp_certificate::Verifier::from_public_key_hex(seal.public_key_hex()).unwrap();
    assert!(verifier.verify(&doc.canonical_bytes(), &signature));
    let forged = LicenceDocument {
        valid_until: NaiveDate::from_ymd_opt(2036, 11, 21),
        ..doc
    };
    assert!(!verifier.verify(&forged.canonical_bytes(), &signature));
}
