//! Rebuilding the statistics' counters from the recent-changes index: once, when a database
//! written before the counters existed is opened (schema 1 → 2), decoding no version.

use sled::transaction::ConflictableTransactionError;

use super::super::{Store, codec, keys};
use super::count::{self, Event, Memory};
use crate::error::{Error, Result};
use crate::model::ChangeKind;

const KINDS: [ChangeKind; 5] = [
    ChangeKind::New,
    ChangeKind::Unchanged,
    ChangeKind::DeclaredUpdate,
    ChangeKind::SilentEdit,
    ChangeKind::StampOnly,
];

/// Replaces the `stats` tree with counters recounted from the recent-changes index. Not
/// atomic with the schema marker the caller writes after it: a crash in between leaves the
/// old marker, and the next open rebuilds again.
pub(crate) fn rebuild(store: &Store) -> Result<()> {
    let memory = Memory::default();
    store.for_each_change(|scope, e| match count::add_in(&memory, scope, &e) {
        Ok(()) => Ok(()),
        Err(ConflictableTransactionError::Abort(e)) => Err(e),
        Err(ConflictableTransactionError::Storage(e)) => Err(store.sled_err(e)),
        Err(_) => Err(Error::Store {
            path: store.path().to_owned(),
            message: "conflict while counting in memory".into(),
        }),
    })?;
    store.stats.clear().map_err(|e| store.sled_err(e))?;
    store
        .stats
        .apply_batch(memory.into_batch())
        .map_err(|e| store.sled_err(e))
}

impl Store {
    /// Calls `f` for every stored version twice over: with scope `""` (every article),
    /// then with its site for the versions filed under one.
    pub(crate) fn for_each_change(
        &self,
        mut f: impl FnMut(&str, Event<'_>) -> Result<()>,
    ) -> Result<()> {
        for kind in KINDS {
            let prefix = keys::recent_prefix(None, Some(kind));
            for item in self.recent.scan_prefix(&prefix) {
                let (k, _) = item.map_err(|e| self.sled_err(e))?;
                event(&k, &k[prefix.len()..], kind, |e| f("", e))?;
            }
        }
        // Per-site keys are `b site \0 kind ...`: walk them all, splitting off the site.
        for item in self.recent.scan_prefix([b'b']) {
            let (k, _) = item.map_err(|e| self.sled_err(e))?;
            let show = || keys::show(keys::tree::RECENT, &k);
            let rest = &k[1..];
            let sep = memchr::memchr(keys::SEP, rest)
                .ok_or_else(|| codec::corrupt(&show(), "site key without separator"))?;
            let site = std::str::from_utf8(&rest[..sep])
                .map_err(|_| codec::corrupt(&show(), "site is not UTF-8"))?;
            let kind_byte = rest.get(sep + 1).copied();
            let kind = KINDS
                .into_iter()
                .find(|k| Some(keys::kind_byte(*k)) == kind_byte)
                .ok_or_else(|| codec::corrupt(&show(), "unknown change kind"))?;
            event(&k, &rest[sep + 2..], kind, |e| f(site, e))?;
        }
        Ok(())
    }
}

/// Decodes the `time url \0 number` suffix of `key` and hands the event to `f`.
fn event(
    key: &[u8],
    suffix: &[u8],
    kind: ChangeKind,
    f: impl FnOnce(Event<'_>) -> Result<()>,
) -> Result<()> {
    let at = codec::time_from_key("", suffix)
        .map_err(|_| codec::corrupt(&keys::show(keys::tree::RECENT, key), "bad time"))?;
    let (url, number) = keys::parse_recent_suffix(suffix)?;
    f(Event {
        url: &url,
        number,
        at,
        kind,
    })
}
