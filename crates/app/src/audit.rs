//! Verifying the audit chain (`onestamp audit verify`) and sealing its
//! checkpoints.
//!
//! Verify proves, for the database it reads:
//! - every entry matches its SM3 hash and links to the one before it, with no
//!   gap in the sequence numbers;
//! - the head row (`audit_head`) names the last entry, so entries cut from the
//!   end are found;
//! - every sealed checkpoint (stored, and any kept elsewhere and given back)
//!   carries a valid SM2 signature of a registered seal key and names an entry
//!   of the chain with the same hash, so the chain cannot be re-hashed or cut
//!   short below the newest checkpoint without the seal key;
//! - every case row (its status and version columns and its body) and its
//!   events are what its audited facts say, and no audited case is missing;
//! - every licence's status and sealed content are what its audited facts say.
//!
//! It cannot prove anything about what happened after the newest checkpoint
//! kept outside the database when the whole database is replaced together
//! with the seal key, nor catch a change made by someone who holds the seal
//! key and rewrites the chain after the newest checkpoint: keep exported
//! checkpoints elsewhere, often.

use std::collections::{BTreeMap, HashMap};

use onestamp_certificate::Verifier;
use onestamp_domain::audit::{
    CaseTrail, ChainBreak, Checkpoint, GENESIS, LicenceTrail, TrailFault, checkpoint_message,
    stamp, verify_chain,
};

use crate::store::{LicenceQuery, StoreError};
use crate::{App, AppError};

/// Findings listed at most; the rest are counted.
const MAX_FINDINGS: usize = 1000;

/// The outcome of a verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    /// Entries walked (all of them, unless the chain broke).
    pub entries: u64,
    /// The hash of the last entry walked.
    pub head: String,
    /// Checkpoints checked (stored and given).
    pub checkpoints: u64,
    /// Case and licence rows replayed against the chain (none if it broke).
    pub cases: u64,
    pub licences: u64,
    pub findings: Vec<Finding>,
    /// Findings beyond [`MAX_FINDINGS`], not listed.
    pub more_findings: u64,
}

impl AuditReport {
    /// Whether nothing was found.
    pub fn intact(&self) -> bool {
        self.findings.is_empty()
    }
}

/// One thing found wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// The chain itself is broken at an entry; nothing after it is trusted.
    Chain(ChainBreak),
    /// The head row does not name the last entry (entries removed from the end,
    /// or the head rewritten).
    Head { stored_seq: i64, chain_seq: i64 },
    /// A checkpoint does not hold.
    Checkpoint {
        seq: i64,
        problem: CheckpointProblem,
    },
    /// A case row disagrees with its audited history.
    Case { number: String, fault: TrailFault },
    /// A case has audited history but no row.
    CaseMissing { number: String },
    /// A licence row disagrees with its audited history.
    Licence { id: String, fault: TrailFault },
    /// A licence has audited history but no row.
    LicenceMissing { id: String },
}

/// Why a checkpoint does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckpointProblem {
    /// Signed by a key the installation never registered.
    UnknownKey(String),
    /// The signature does not match its content.
    BadSignature,
    /// The chain ends before the checkpoint's entry.
    BeyondChain,
    /// The entry at the checkpoint has another hash.
    HashDiffers,
}

impl Finding {
    /// The finding in words, for the operator.
    pub fn describe_zh(&self) -> String {
        match self {
            Finding::Chain(ChainBreak::ContentAltered { seq }) => {
                format!("第 {seq} 条审计记录内容被改动（哈希不符）")
            }
            Finding::Chain(ChainBreak::LinkBroken { seq }) => {
                format!("第 {seq} 条审计记录链接断开（其前的记录被删除、调换或替换）")
            }
            Finding::Head {
                stored_seq,
                chain_seq,
            } => format!(
                "链头记录为第 {stored_seq} 条，而审计链止于第 {chain_seq} 条（末尾记录被删除或链头被改写）"
            ),
            Finding::Checkpoint { seq, problem } => {
                let why = match problem {
                    CheckpointProblem::UnknownKey(k) => format!("签名密钥 {k} 未登记"),
                    CheckpointProblem::BadSignature => "签名验证未通过".into(),
                    CheckpointProblem::BeyondChain => {
                        "审计链在该检查点之前就结束了（记录被截断）".into()
                    }
                    CheckpointProblem::HashDiffers => {
                        "该处记录的哈希与检查点不符（记录被改写并重算哈希）".into()
                    }
                };
                format!("第 {seq} 条的签章检查点：{why}")
            }
            Finding::Case { number, fault } => format!("办件 {number}：{}", fault.describe_zh()),
            Finding::CaseMissing { number } => {
                format!("办件 {number}：有审计记录，但库中没有该办件")
            }
            Finding::Licence { id, fault } => format!("证照 {id}：{}", fault.describe_zh()),
            Finding::LicenceMissing { id } => {
                format!("证照 {id}：有审计记录，但证照库中没有该证照")
            }
        }
    }
}

/// What the walk gathers for the replay, by subject.
#[derive(Default)]
struct Trails {
    cases: HashMap<String, CaseTrail>,
    licences: HashMap<String, LicenceTrail>,
}

struct Findings {
    list: Vec<Finding>,
    more: u64,
}

impl Findings {
    fn push(&mut self, f: Finding) {
        if self.list.len() < MAX_FINDINGS {
            self.list.push(f);
        } else {
            self.more += 1;
        }
    }
}

impl App {
    /// Verifies the audit chain and replays the case and licence rows from it
    /// (see the module documentation for what this proves). `external` are
    /// checkpoints the operator kept elsewhere; `progress` is called with the
    /// number of entries walked so far.
    pub async fn verify_audit(
        &self,
        external: &[Checkpoint],
        mut progress: impl FnMut(u64),
    ) -> Result<AuditReport, AppError> {
        let mut findings = Findings {
            list: Vec::new(),
            more: 0,
        };
        let keys = self.store.seal_keys().await?;
        let stored = self.store.checkpoints().await?;
        let checkpoints = stored.len() as u64 + external.len() as u64;
        // Checkpoints whose signature holds, by the entry they name.
        let mut pending: BTreeMap<i64, Vec<Checkpoint>> = BTreeMap::new();
        for cp in stored.into_iter().chain(external.iter().cloned()) {
            match signature_problem(&keys, &cp) {
                Some(problem) => findings.push(Finding::Checkpoint {
                    seq: cp.seq,
                    problem,
                }),
                None => pending.entry(cp.seq).or_default().push(cp),
            }
        }

        let mut trails = Trails::default();
        let mut prev = GENESIS.to_string();
        let (mut after, mut count, mut broken) = (0, 0u64, false);
        'walk: loop {
            let batch = self.store.audit_entries(after, 5000).await?;
            let Some(last) = batch.last() else { break };
            let last_seq = last.seq;
            // A gap in sequence numbers means entries were removed.
            if let Some(gap) = batch
                .iter()
                .zip(after + 1..)
                .find(|(e, want)| e.seq != *want)
            {
                findings.push(Finding::Chain(ChainBreak::LinkBroken { seq: gap.0.seq }));
                broken = true;
                break 'walk;
            }
            match verify_chain(&prev, &batch) {
                Ok(head) => prev = head,
                Err(at) => {
                    findings.push(Finding::Chain(at));
                    broken = true;
                    break 'walk;
                }
            }
            for e in &batch {
                for cp in pending.remove(&e.seq).unwrap_or_default() {
                    if cp.hash != e.hash {
                        findings.push(Finding::Checkpoint {
                            seq: cp.seq,
                            problem: CheckpointProblem::HashDiffers,
                        });
                    }
                }
                trails.follow(&e.kind, &e.subject, &e.detail, &mut findings);
            }
            count += batch.len() as u64;
            after = last_seq;
            progress(count);
        }
        if !broken {
            for seq in pending.into_keys() {
                findings.push(Finding::Checkpoint {
                    seq,
                    problem: CheckpointProblem::BeyondChain,
                });
            }
            let (stored_seq, stored_hash) = self.store.audit_head().await?;
            if stored_seq != after || stored_hash != prev {
                findings.push(Finding::Head {
                    stored_seq,
                    chain_seq: after,
                });
            }
        }
        let (mut cases, mut licences) = (0, 0);
        if !broken {
            cases = self.replay_cases(&mut trails.cases, &mut findings).await?;
            licences = self
                .replay_licences(&mut trails.licences, &mut findings)
                .await?;
        }
        Ok(AuditReport {
            entries: count,
            head: prev,
            checkpoints,
            cases,
            licences,
            findings: findings.list,
            more_findings: findings.more,
        })
    }

    async fn replay_cases(
        &self,
        trails: &mut HashMap<String, CaseTrail>,
        findings: &mut Findings,
    ) -> Result<u64, AppError> {
        let (mut after, mut count) = (0, 0u64);
        loop {
            let batch = self.store.case_records(after, 1000).await?;
            let Some(last) = batch.last() else { break };
            after = last.id;
            for r in batch {
                count += 1;
                let fault = match trails.remove(&r.number) {
                    None => Some(TrailFault::Unaudited),
                    Some(trail) => trail.check(&r.status, r.version, &r.events).err(),
                };
                let fault = fault.or_else(|| match &r.body {
                    None => Some(TrailFault::Unreadable {
                        kind: "办件内容".into(),
                    }),
                    Some(body) if body.status.as_str() != r.status => Some(TrailFault::Status {
                        recorded: r.status.clone(),
                        stored: body.status.as_str().to_string(),
                    }),
                    Some(body) if body.version != r.version => Some(TrailFault::Version {
                        recorded: r.version,
                        stored: body.version,
                    }),
                    Some(_) => None,
                });
                if let Some(fault) = fault {
                    findings.push(Finding::Case {
                        number: r.number,
                        fault,
                    });
                }
            }
        }
        let mut missing: Vec<String> = trails.drain().map(|(n, _)| n).collect();
        missing.sort();
        for number in missing {
            findings.push(Finding::CaseMissing { number });
        }
        Ok(count)
    }

    async fn replay_licences(
        &self,
        trails: &mut HashMap<String, LicenceTrail>,
        findings: &mut Findings,
    ) -> Result<u64, AppError> {
        let mut query = LicenceQuery {
            limit: 500,
            ..Default::default()
        };
        let mut count = 0u64;
        loop {
            let batch = self.store.licences(&query).await?;
            let Some(last) = batch.last() else { break };
            query.before_seq = Some(last.seq);
            for l in batch {
                count += 1;
                let fault = match trails.remove(&l.id) {
                    None => Some(TrailFault::Unaudited),
                    Some(t) => t.check(&l.status, &l.canonical, &l.signature).err(),
                };
                if let Some(fault) = fault {
                    findings.push(Finding::Licence { id: l.id, fault });
                }
            }
        }
        let mut missing: Vec<String> = trails.drain().map(|(id, _)| id).collect();
        missing.sort();
        for id in missing {
            findings.push(Finding::LicenceMissing { id });
        }
        Ok(count)
    }

    /// Seals a checkpoint of the chain's head with the bureau's key, unless the
    /// newest checkpoint already covers it (or another process just sealed the
    /// same head). Returns the new checkpoint.
    pub async fn seal_checkpoint(&self) -> Result<Option<Checkpoint>, AppError> {
        let sealing = self
            .sealing
            .as_ref()
            .ok_or_else(|| AppError::sealing("no seal is loaded: checkpoints need the seal key"))?;
        let (seq, hash) = self.store.audit_head().await?;
        if seq == 0 {
            return Ok(None);
        }
        let newest = self.store.checkpoints().await?.last().map_or(0, |c| c.seq);
        if newest >= seq {
            return Ok(None);
        }
        let at = stamp(self.clock.now());
        let signature = sealing
            .seal
            .sign(&checkpoint_message(seq, &hash, &at))
            .map_err(AppError::sealing)?;
        let cp = Checkpoint {
            seq,
            hash,
            at,
            key_id: sealing.seal.key_id().to_string(),
            signature,
        };
        match self.store.add_checkpoint(&cp).await {
            Ok(()) => {
                tracing::info!(seq, key_id = %cp.key_id, "audit checkpoint sealed");
                Ok(Some(cp))
            }
            Err(StoreError::Duplicate(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Every sealed checkpoint, oldest first, to export and keep elsewhere.
    pub async fn audit_checkpoints(&self) -> Result<Vec<Checkpoint>, AppError> {
        Ok(self.store.checkpoints().await?)
    }
}

impl Trails {
    fn follow(&mut self, kind: &str, subject: &str, detail: &str, findings: &mut Findings) {
        let is_case = kind.starts_with("case.");
        if !is_case && !kind.starts_with("licence.") {
            return;
        }
        let detail: serde_json::Value = match serde_json::from_str(detail) {
            Ok(d) => d,
            Err(_) => serde_json::Value::Null,
        };
        let outcome = if is_case {
            if detail.get("event").is_none() {
                return;
            }
            self.cases
                .entry(subject.to_string())
                .or_default()
                .follow(kind, &detail)
                .map_err(|fault| Finding::Case {
                    number: subject.to_string(),
                    fault,
                })
        } else {
            self.licences
                .entry(subject.to_string())
                .or_default()
                .follow(kind, &detail)
                .map_err(|fault| Finding::Licence {
                    id: subject.to_string(),
                    fault,
                })
        };
        if let Err(f) = outcome {
            findings.push(f);
        }
    }
}

/// Why a checkpoint's signature does not hold against the registered keys.
fn signature_problem(keys: &[(String, String)], cp: &Checkpoint) -> Option<CheckpointProblem> {
    let Some((_, hex)) = keys.iter().find(|(k, _)| *k == cp.key_id) else {
        return Some(CheckpointProblem::UnknownKey(cp.key_id.clone()));
    };
    let good = Verifier::from_public_key_hex(hex)
        .map(|v| v.verify(&cp.message(), &cp.signature))
        .unwrap_or(false);
    (!good).then_some(CheckpointProblem::BadSignature)
}

impl App {
    /// A consistent online backup of the embedded store into a new file (`onestamp backup`).
    pub async fn backup(&self, to: &std::path::Path) -> Result<(), AppError> {
        if to.exists() {
            return Err(AppError::invalid(format!(
                "{} already exists; a backup never overwrites a file",
                to.display()
            )));
        }
        self.store.backup(to).await.map_err(AppError::Store)
    }
}
