//! `onestamp bench seal`: licences sealed, verified and rendered per second, in
//! this process, without a server: the cost of the seal itself.

use std::time::Instant;

use anyhow::Context;
use clap::Args;

use onestamp_certificate::{FontSource, HolderIdentity, LicenceDocument, Seal};
use onestamp_domain::validate::{
    CreditCode, LicenceId, LicenceSerial, LicenceTypeCode, LicenceVersion,
};

#[derive(Args, Debug, Clone, Copy)]
pub struct SealLoad {
    /// Licences to seal and to verify (1-1000000).
    #[arg(long, value_name = "N", default_value_t = 2000,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub count: u64,
    /// PDFs to render (0-100000).
    #[arg(long, value_name = "M", default_value_t = 200,
          value_parser = clap::value_parser!(u64).range(0..=100_000))]
    pub pdfs: u64,
}

fn document(serial: u64) -> anyhow::Result<LicenceDocument> {
    let type_code = LicenceTypeCode::parse("SPJY")?;
    let issuer = CreditCode::parse("11510107MB1526487K")?;
    let serial = LicenceSerial::parse(&format!("2026{serial:06}"))?;
    Ok(LicenceDocument {
        id: LicenceId::new(&type_code, &issuer, &serial, LicenceVersion::FIRST),
        type_code,
        type_name: "食品经营许可证".into(),
        holder_name: "成都锦江书香文化有限公司".into(),
        holder_identity: HolderIdentity::CreditCode(CreditCode::parse("91510107MA6C11110G")?),
        scope: "预包装食品销售（含冷藏冷冻食品）；热食类食品制售；自制饮品制售".into(),
        issuer: "成都市武侯区行政审批局".into(),
        issuer_code: issuer,
        issued_on: chrono::NaiveDate::from_ymd_opt(2026, 3, 2).context("date")?,
        valid_until: chrono::NaiveDate::from_ymd_opt(2031, 3, 1),
        fields: vec![
            ("经营场所".into(), "成都市武侯区玉林街道玉林北路12号".into()),
            ("主体业态".into(), "餐饮服务经营者".into()),
            ("法定代表人（负责人）".into(), "王书香".into()),
        ],
    })
}

fn rate(n: u64, secs: f64) -> f64 {
    if secs > 0.0 {
        n as f64 / secs
    } else {
        f64::INFINITY
    }
}

pub fn run(load: SealLoad) -> anyhow::Result<()> {
    let seal = Seal::generate()?;
    let docs: Vec<LicenceDocument> = (1..=load.count)
        .map(document)
        .collect::<anyhow::Result<_>>()?;
    let started = Instant::now();
    let mut sealed = Vec::with_capacity(docs.len());
    for d in &docs {
        let bytes = d.canonical_bytes();
        let sig = seal.sign(&bytes)?;
        sealed.push((bytes, sig));
    }
    let seal_secs = started.elapsed().as_secs_f64();
    let verifier = seal.verifier();
    let started = Instant::now();
    let mut bad = 0u64;
    for (bytes, sig) in &sealed {
        if !verifier.verify(bytes, sig) {
            bad += 1;
        }
    }
    let verify_secs = started.elapsed().as_secs_f64();
    println!(
        "seal: {} licences sealed in {seal_secs:.2} s = {:.0}/s (canonical content + SM2 over SM3)",
        load.count,
        rate(load.count, seal_secs)
    );
    println!(
        "verify: {} signatures verified in {verify_secs:.2} s = {:.0}/s, {bad} failed",
        load.count,
        rate(load.count, verify_secs)
    );
    if load.pdfs > 0 {
        let font = FontSource::system()
            .context("PDF rendering needs the CJK font (Debian fonts-noto-cjk)")?;
        let started = Instant::now();
        let mut bytes = 0usize;
        for i in 0..load.pdfs {
            let d = &docs[usize::try_from(i).unwrap_or(0) % docs.len()];
            let pdf = onestamp_certificate::render_pdf(
                d,
                "成都市武侯区行政审批局",
                "http://127.0.0.1:8080/verify/x",
                &font,
            )?;
            bytes += pdf.len();
        }
        let secs = started.elapsed().as_secs_f64();
        println!(
            "pdf: {} PDFs rendered in {secs:.2} s = {:.0}/s, {:.0} KiB each (one thread)",
            load.pdfs,
            rate(load.pdfs, secs),
            bytes as f64 / load.pdfs as f64 / 1024.0
        );
    }
    Ok(())
}
