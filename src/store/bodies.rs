//! Raw response bodies: zstd-compressed, content-addressed by blake3, stored once; whole,
//! or as a delta against an earlier body of the same article (`delta.rs`).

use sled::transaction::TransactionalTree;

use super::tx::{TxResult, abort, bump};
use super::{Store, codec, keys};
use crate::error::Result;

/// Format tag of a stored body: zstd frame follows.
pub(crate) const TAG_ZSTD: u8 = 2;

/// A body ready to store: its hash (hex) and, unless already stored, its compressed form.
pub(crate) struct PreparedBody {
    /// blake3 of the raw bytes, hex: the key.
    pub hash: String,
    /// Tagged compressed bytes; `None` when the store already holds this body.
    pub packed: Option<Vec<u8>>,
}

impl Store {
    /// The raw response body with blake3 hash `hash` (hex), decompressed.
    pub fn raw_body(&self, hash: &str) -> Result<Option<Vec<u8>>> {
        let Some(v) = self.bodies.get(hash).map_err(|e| self.sled_err(e))? else {
            return Ok(None);
        };
        let name = keys::name(keys::tree::BODIES, hash.as_bytes());
        match v.split_first() {
            Some((&TAG_ZSTD, frame)) => codec::decompress(frame)
                .map(Some)
                .map_err(|e| codec::corrupt(&name, e)),
            Some((&super::delta::TAG_DELTA, rest)) => self.read_delta(&name, rest).map(Some),
            _ => Err(codec::corrupt(&name, "unknown body format")),
        }
    }

    /// Hashes `raw` and compresses it unless an identical body is already stored
    /// (compression happens outside the transaction, which may be retried): as a delta
    /// against the group of `previous` (the article's latest body) when that pays, else
    /// whole.
    pub(crate) fn prepare_body(&self, raw: &[u8], previous: Option<&str>) -> Result<PreparedBody> {
        let hash = blake3::hash(raw).to_hex().to_string();
        let known = self
            .bodies
            .contains_key(hash.as_bytes())
            .map_err(|e| self.sled_err(e))?;
        let packed = if known {
            None
        } else {
            let name = keys::name(keys::tree::BODIES, hash.as_bytes());
            let mut out = vec![TAG_ZSTD];
            out.extend(codec::compress(raw).map_err(|e| codec::corrupt(&name, e))?);
            match previous {
                Some(p) => Some(self.delta_against(raw, p, out.len())?.unwrap_or(out)),
                None => Some(out),
            }
        };
        Ok(PreparedBody { hash, packed })
    }
}

/// Stores a prepared body inside a transaction unless it is already there.
pub(crate) fn put_in(
    bodies: &TransactionalTree,
    meta: &TransactionalTree,
    body: &PreparedBody,
) -> TxResult<()> {
    if bodies.get(body.hash.as_bytes())?.is_some() {
        return Ok(());
    }
    // Bodies are never deleted, so one seen while preparing is still there; this guards
    // against pointing a version at nothing should that ever change.
    let Some(packed) = &body.packed else {
        return abort(Err(codec::corrupt(
            &keys::show(keys::tree::BODIES, body.hash.as_bytes()),
            "body disappeared while committing a version",
        )));
    };
    bodies.insert(body.hash.as_bytes(), packed.as_slice())?;
    bump(meta, keys::meta::BODIES, 1)?;
    bump(meta, keys::meta::BODY_BYTES, packed.len() as i64)
}
