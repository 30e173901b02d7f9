//! The notification outbox: one entry per (change, target), queued in the transaction that
//! stores the version, removed only once delivered, moved aside when given up.
//!
//! Keys: `p target \0 seq(BE u64)` pending, `f target \0 seq` failed. `seq` comes from a
//! counter in `meta` bumped inside the version's transaction, so a target's pending entries
//! scan in commit order, and the versions of one article in version order.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sled::transaction::TransactionalTree;

use super::tx::{TxResult, abort};
use super::{Store, codec, keys};
use crate::error::Result;
use crate::model::{ChangeKind, Version};

/// `meta` key of the last outbox sequence number.
const SEQ: &[u8] = b"count/outbox_seq";
const PENDING: u8 = b'p';
const FAILED: u8 = b'f';

/// One notification of one change to one `[[notify]]` target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// Commit order; with the target, the entry's key.
    pub seq: u64,
    /// The change's stable id, the same for every target and every retry.
    pub id: String,
    /// The `[[notify]]` target's name.
    pub target: String,
    /// The article (its canonical URL).
    pub url: String,
    /// The article's site, if any.
    pub site: Option<String>,
    /// The version the change made.
    pub version: u32,
    /// The change kind.
    pub change: ChangeKind,
    /// When the version was stored.
    pub queued_at: DateTime<Utc>,
    /// Attempts made so far.
    pub attempts: u32,
    /// Not to be tried before this time.
    pub next_attempt: DateTime<Utc>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
}

/// The stable id of the change that made version `number` of `url`: receivers drop
/// duplicates by it (delivery is at least once).
pub fn change_id(url: &str, number: u32) -> String {
    let hash = blake3::hash(url.as_bytes()).to_hex();
    format!("{}-v{number}", &hash.as_str()[..16])
}

fn key(state: u8, target: &str, seq: u64) -> Vec<u8> {
    let mut k = vec![state];
    k.extend_from_slice(&keys::url_prefix(target));
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

impl Delivery {
    /// The first, not yet attempted delivery of `version` of `url` (on `site`) to `target`,
    /// queued under `seq`, due at once.
    pub(crate) fn queued(
        seq: u64,
        target: &str,
        url: &str,
        site: Option<&str>,
        version: &Version,
    ) -> Delivery {
        Delivery {
            seq,
            id: change_id(url, version.number),
            target: target.to_owned(),
            url: url.to_owned(),
            site: site.map(str::to_owned),
            version: version.number,
            change: version.change,
            queued_at: version.fetched_at,
            attempts: 0,
            next_attempt: version.fetched_at,
            last_error: None,
        }
    }
}

/// Queues `version` of `url` for each of `targets`, inside the version's transaction.
pub(super) fn queue_in(
    outbox: &TransactionalTree,
    meta: &TransactionalTree,
    targets: &[String],
    url: &str,
    site: Option<&str>,
    version: &Version,
) -> TxResult<()> {
    if targets.is_empty() {
        return Ok(());
    }
    let last = meta.get(SEQ)?;
    let mut seq = abort(codec::counter(
        &keys::name(keys::tree::META, SEQ),
        last.as_deref(),
    ))?;
    for target in targets {
        abort(keys::check_key_text("notify target name", target))?;
        seq += 1;
        let d = Delivery::queued(seq, target, url, site, version);
        let k = key(PENDING, target, seq);
        outbox.insert(
            k.clone(),
            abort(codec::encode(&keys::name(keys::tree::OUTBOX, &k), &d))?,
        )?;
    }
    meta.insert(SEQ, &seq.to_be_bytes())?;
    Ok(())
}

impl Store {
    /// Up to `limit` pending deliveries of `target`, oldest first.
    pub fn pending_deliveries(&self, target: &str, limit: usize) -> Result<Vec<Delivery>> {
        let mut prefix = vec![PENDING];
        prefix.extend_from_slice(&keys::url_prefix(target));
        self.scan_outbox(&prefix, limit)
    }

    /// Every pending (`failed` false) or failed delivery, by target then age.
    pub fn deliveries(&self, failed: bool) -> Result<Vec<Delivery>> {
        self.scan_outbox(&[if failed { FAILED } else { PENDING }], usize::MAX)
    }

    /// Pending (`failed` false) or failed deliveries per target, by target name.
    pub fn outbox_counts(&self, failed: bool) -> Result<Vec<(String, u64)>> {
        let mut counts: Vec<(String, u64)> = Vec::new();
        for d in self.deliveries(failed)? {
            match counts.last_mut() {
                Some((name, n)) if *name == d.target => *n += 1,
                _ => counts.push((d.target, 1)),
            }
        }
        Ok(counts)
    }

    /// Names of the targets that have pending deliveries.
    pub fn outbox_targets(&self) -> Result<Vec<String>> {
        let mut names: Vec<String> = Vec::new();
        for d in self.deliveries(false)? {
            if names.last() != Some(&d.target) {
                names.push(d.target);
            }
        }
        Ok(names)
    }

    /// Removes a delivered entry, flushed: it is never sent again.
    pub fn delivered(&self, d: &Delivery) -> Result<()> {
        self.outbox
            .remove(key(PENDING, &d.target, d.seq))
            .map_err(|e| self.sled_err(e))?;
        self.flush()
    }

    /// Stores an entry's new attempt count, next attempt time and last error.
    pub fn reschedule_delivery(&self, d: &Delivery) -> Result<()> {
        let k = key(PENDING, &d.target, d.seq);
        let bytes = codec::encode(&keys::name(keys::tree::OUTBOX, &k), d)?;
        self.outbox.insert(k, bytes).map_err(|e| self.sled_err(e))?;
        Ok(())
    }

    /// Moves an entry from pending to failed (atomically, flushed), keeping its last error.
    pub fn give_up_delivery(&self, d: &Delivery) -> Result<()> {
        let failed = key(FAILED, &d.target, d.seq);
        let mut batch = sled::Batch::default();
        batch.remove(key(PENDING, &d.target, d.seq));
        batch.insert(
            failed.clone(),
            codec::encode(&keys::name(keys::tree::OUTBOX, &failed), d)?,
        );
        self.outbox
            .apply_batch(batch)
            .map_err(|e| self.sled_err(e))?;
        self.flush()
    }

    fn scan_outbox(&self, prefix: &[u8], limit: usize) -> Result<Vec<Delivery>> {
        let mut out = Vec::new();
        for item in self.outbox.scan_prefix(prefix).take(limit) {
            let (k, v) = item.map_err(|e| self.sled_err(e))?;
            out.push(codec::decode(&keys::name(keys::tree::OUTBOX, &k), &v)?);
        }
        Ok(out)
    }
}
