//! Verifying the audit chain (`onestamp audit verify`).

use onestamp_domain::audit::{ChainBreak, GENESIS, verify_chain};

use crate::{App, AppError};

/// The outcome of walking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditReport {
    /// Every entry links and matches its hash.
    Intact { entries: u64, head: String },
    /// The first entry found altered or out of place.
    Broken {
        entries_checked: u64,
        at: ChainBreak,
    },
}

impl App {
    /// Walks the audit chain from the first entry, in batches; `progress` is
    /// called with the number of entries checked so far.
    pub async fn verify_audit(
        &self,
        mut progress: impl FnMut(u64),
    ) -> Result<AuditReport, AppError> {
        let mut prev = GENESIS.to_string();
        let mut after = 0;
        let mut count = 0u64;
        loop {
            let batch = self.store.audit_entries(after, 5000).await?;
            let Some(last) = batch.last() else { break };
            let last_seq = last.seq;
            // A gap in sequence numbers means entries were removed.
            if let Some(gap) = batch
                .iter()
                .zip(after + 1..)
                .find(|(e, want)| e.seq != *want)
            {
                return Ok(AuditReport::Broken {
                    entries_checked: count,
                    at: ChainBreak::LinkBroken { seq: gap.0.seq },
                });
            }
            match verify_chain(&prev, &batch) {
                Ok(head) => prev = head,
                Err(at) => {
                    return Ok(AuditReport::Broken {
                        entries_checked: count,
                        at,
                    });
                }
            }
            count += batch.len() as u64;
            after = last_seq;
            progress(count);
        }
        Ok(AuditReport::Intact {
            entries: count,
            head: prev,
        })
    }
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
