//! The change events statistics are computed from, read from the recent-changes index keys
//! alone so that counting every version of a large store decodes no version.

use chrono::{DateTime, Utc};

use super::{Store, codec, keys};
use crate::error::Result;
use crate::model::ChangeKind;

/// One stored version as statistics see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeEvent<'a> {
    /// The article's site when it was stored, `None` in the pass over all versions.
    pub site: Option<&'a str>,
    /// The article (canonical URL).
    pub url: &'a str,
    /// The version number.
    pub number: u32,
    /// When it was fetched.
    pub at: DateTime<Utc>,
    /// How it differs from the version before.
    pub kind: ChangeKind,
}

const KINDS: [ChangeKind; 5] = [
    ChangeKind::New,
    ChangeKind::Unchanged,
    ChangeKind::DeclaredUpdate,
    ChangeKind::SilentEdit,
    ChangeKind::StampOnly,
];

impl Store {
    /// Calls `f` for every stored version twice over: once with `site: None` (all versions),
    /// then once with its site for the versions of articles that have one, each pass in
    /// index order (by kind, then time).
    pub fn for_each_change(&self, mut f: impl FnMut(ChangeEvent<'_>)) -> Result<()> {
        for kind in KINDS {
            let prefix = keys::recent_prefix(None, Some(kind));
            self.scan(&prefix, None, kind, &mut f)?;
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
            event(&k, &rest[sep + 2..], Some(site), kind, &mut f)?;
        }
        Ok(())
    }

    fn scan(
        &self,
        prefix: &[u8],
        site: Option<&str>,
        kind: ChangeKind,
        f: &mut impl FnMut(ChangeEvent<'_>),
    ) -> Result<()> {
        for item in self.recent.scan_prefix(prefix) {
            let (k, _) = item.map_err(|e| self.sled_err(e))?;
            event(&k, &k[prefix.len()..], site, kind, f)?;
        }
        Ok(())
    }
}

/// Decodes the `time url \0 number` suffix of `key` and hands the event to `f`.
fn event(
    key: &[u8],
    suffix: &[u8],
    site: Option<&str>,
    kind: ChangeKind,
    f: &mut impl FnMut(ChangeEvent<'_>),
) -> Result<()> {
    // The key is shown only in an error: formatting it for every version would cost more
    // than the scan.
    let at = codec::time_from_key("", suffix)
        .map_err(|_| codec::corrupt(&keys::show(keys::tree::RECENT, key), "bad time"))?;
    let (url, number) = keys::parse_recent_suffix(suffix)?;
    f(ChangeEvent {
        site,
        url: &url,
        number,
        at,
        kind,
    });
    Ok(())
}
