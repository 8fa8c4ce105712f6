//! Checkpoints of the chain: its head (sequence number and hash) at a moment,
//! sealed with the bureau's SM2 key. Recomputing the hashes after an edited
//! entry, or cutting the chain short, cannot reproduce a checkpoint's
//! signature, so `audit verify` finds it; an operator keeps exported
//! checkpoints elsewhere to check against a database replaced whole.

use serde::{Deserialize, Serialize};

/// One sealed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The sequence number of the last entry covered.
    pub seq: i64,
    /// That entry's hash.
    pub hash: String,
    /// RFC 3339 instant the checkpoint was sealed.
    pub at: String,
    /// The seal key that signed it.
    pub key_id: String,
    /// SM2 signature of [`checkpoint_message`].
    pub signature: String,
}

impl Checkpoint {
    /// The bytes the signature covers.
    pub fn message(&self) -> Vec<u8> {
        checkpoint_message(self.seq, &self.hash, &self.at)
    }
}

/// The bytes a checkpoint's signature covers.
pub fn checkpoint_message(seq: i64, hash: &str, at: &str) -> Vec<u8> {
    format!("onestamp audit checkpoint\nseq={seq}\nhash={hash}\nat={at}\n").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_every_field() {
        let m =
            String::from_utf8(checkpoint_message(42, "ab", "2026-12-02T09:00:00.000Z")).unwrap();
        assert!(m.contains("seq=42") && m.contains("hash=ab") && m.contains("at=2026-12-02"));
    }
}
