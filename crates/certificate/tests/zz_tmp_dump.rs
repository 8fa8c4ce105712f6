use chrono::NaiveDate;
use onestamp_certificate::{FontSource, LicenceDocument, render_pdf};
use onestamp_domain::validate::{
    CreditCode, LicenceId, LicenceSerial, LicenceTypeCode, LicenceVersion,
};
const BUREAU: &str = "成都市武侯区行政审批局";
include!("/tmp/food.rs");
#[test]
fn dump_and_time() {
    let font = FontSource::system().unwrap();
    let doc = food_licence();
    let url = format!("https://onestamp.example.cn/verify/{}", doc.id);
    let pdf = render_pdf(&doc, BUREAU, &url, &font).unwrap();
    std::fs::write("/tmp/licence.pdf", &pdf).unwrap();
    let n = 100;
    let t = std::time::Instant::now();
    for _ in 0..n {
        let _ = render_pdf(&doc, BUREAU, &url, &font).unwrap();
    }
    eprintln!(
        "TIME per pdf: {:?}, size {} bytes",
        t.elapsed() / n,
        pdf.len()
    );
}
