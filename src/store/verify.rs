//! `emend verify`: every stored body re-hashed against its blake3 key, every version's
//! references (article, body, exchange) and every check-log entry's version checked, the
//! counters recounted. `repair` fixes only what loses nothing: counters that drifted, and
//! aliases that point at no article.

use serde::Serialize;

use super::{Store, codec, keys};
use crate::error::Result;
use crate::model::{ArticleRecord, Check, CheckOutcome, Version};

/// One thing found wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Damage {
    /// The key concerned (`bodies/<hash>`, `versions/<url>/<n>`…).
    pub key: String,
    /// What is wrong.
    pub problem: String,
    /// Whether `--repair` fixed it.
    pub repaired: bool,
}

/// What [`Store::verify`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Bodies re-hashed.
    pub bodies: u64,
    /// Articles checked.
    pub articles: u64,
    /// Versions checked.
    pub versions: u64,
    /// Check-log entries checked.
    pub checks: u64,
    /// Everything found wrong.
    pub damage: Vec<Damage>,
}

impl VerifyReport {
    /// Whether anything is wrong that was not repaired.
    pub fn damaged(&self) -> bool {
        self.damage.iter().any(|d| !d.repaired)
    }

    pub(crate) fn found(&mut self, key: String, problem: impl Into<String>, repaired: bool) {
        self.damage.push(Damage {
            key,
            problem: problem.into(),
            repaired,
        });
    }
}

impl Store {
    /// Checks the whole database (see the module comment); with `repair`, fixes what can be
    /// fixed without losing anything, and flushes.
    pub fn verify(&self, repair: bool) -> Result<VerifyReport> {
        let mut report = VerifyReport::default();
        let mut body_bytes = 0u64;
        for item in self.bodies.iter() {
            let (k, v) = item.map_err(|e| self.sled_err(e))?;
            report.bodies += 1;
            body_bytes += v.len() as u64;
            let hash = String::from_utf8_lossy(&k).into_owned();
            let key = keys::show(keys::tree::BODIES, &k);
            match self.raw_body(&hash) {
                Ok(Some(raw)) if blake3::hash(&raw).to_hex().as_str() == hash => {}
                Ok(Some(_)) => report.found(key, "content does not match its blake3 key", false),
                Ok(None) => {}
                Err(e) => report.found(key, format!("cannot be read: {e}"), false),
            }
        }
        let mut counts = Counts::default();
        let mut after: Option<String> = None;
        loop {
            let page = self.list(after.as_deref(), 500)?;
            let Some(last) = page.last() else { break };
            after = Some(last.url.clone());
            for rec in &page {
                self.verify_article(rec, &mut report, &mut counts)?;
            }
        }
        counts.bodies = report.bodies;
        counts.body_bytes = body_bytes;
        counts.aliases = self.verify_aliases(repair, &mut report)?;
        self.verify_counters(&counts, repair, &mut report)?;
        if repair {
            self.flush()?;
        }
        Ok(report)
    }

    fn verify_article(
        &self,
        rec: &ArticleRecord,
        report: &mut VerifyReport,
        counts: &mut Counts,
    ) -> Result<()> {
        report.articles += 1;
        counts.articles += 1;
        let mut present = Vec::new();
        for item in self.versions.scan_prefix(keys::url_prefix(&rec.url)) {
            let (k, v) = item.map_err(|e| self.sled_err(e))?;
            let key = keys::show(keys::tree::VERSIONS, &k);
            report.versions += 1;
            counts.versions += 1;
            let version: Version = match codec::decode(&key, &v) {
                Ok(v) => v,
                Err(e) => {
                    report.found(key, format!("cannot be read: {e}"), false);
                    continue;
                }
            };
            present.push(version.number);
            match version.body_hash.as_deref() {
                Some(h) if !self.bodies.contains_key(h).map_err(|e| self.sled_err(e))? => {
                    report.found(key.clone(), format!("its raw body {h} is missing"), false);
                }
                _ => {}
            }
            if let Err(e) = self.capture(&rec.url, version.number) {
                report.found(key, format!("its HTTP exchange cannot be read: {e}"), false);
            }
        }
        let expected: Vec<u32> = (1..=rec.versions).collect();
        if present != expected {
            report.found(
                keys::show(keys::tree::ARTICLES, rec.url.as_bytes()),
                format!(
                    "record counts {} versions, found numbers {present:?}",
                    rec.versions
                ),
                false,
            );
        }
        for item in self.checks.scan_prefix(keys::url_prefix(&rec.url)) {
            let (k, v) = item.map_err(|e| self.sled_err(e))?;
            let key = keys::show(keys::tree::CHECKS, &k);
            report.checks += 1;
            counts.checks += 1;
            match codec::decode::<Check, _>(&key, &v) {
                Ok(Check {
                    outcome:
                        CheckOutcome::Checked {
                            version: Some(n), ..
                        },
                    ..
                }) if !present.contains(&n) => {
                    report.found(key, format!("names version {n}, which is missing"), false);
                }
                Ok(_) => {}
                Err(e) => report.found(key, format!("cannot be read: {e}"), false),
            }
        }
        Ok(())
    }

    /// Aliases must point at an article; one that does not is removed under `repair` (it
    /// leads nowhere, so nothing is lost). Returns the aliases that remain.
    fn verify_aliases(&self, repair: bool, report: &mut VerifyReport) -> Result<u64> {
        let mut kept = 0;
        for item in self.aliases.iter() {
            let (k, v) = item.map_err(|e| self.sled_err(e))?;
            let target = v.to_vec();
            if self
                .articles
                .contains_key(&target)
                .map_err(|e| self.sled_err(e))?
            {
                kept += 1;
                continue;
            }
            if repair {
                self.aliases.remove(&k).map_err(|e| self.sled_err(e))?;
            } else {
                kept += 1;
            }
            let problem = format!(
                "alias of {}, which is not an article",
                String::from_utf8_lossy(&target)
            );
            report.found(keys::show(keys::tree::ALIASES, &k), problem, repair);
        }
        Ok(kept)
    }

    /// Compares the kept counters with the counts just made; `repair` rewrites them.
    fn verify_counters(
        &self,
        counts: &Counts,
        repair: bool,
        report: &mut VerifyReport,
    ) -> Result<()> {
        let stats = self.stats()?;
        let pairs = [
            (keys::meta::ARTICLES, stats.articles, counts.articles),
            (keys::meta::VERSIONS, stats.versions, counts.versions),
            (keys::meta::BODIES, stats.bodies, counts.bodies),
            (keys::meta::BODY_BYTES, stats.body_bytes, counts.body_bytes),
            (keys::meta::CHECKS, stats.checks, counts.checks),
            (keys::meta::ALIASES, stats.aliases, counts.aliases),
        ];
        for (key, kept, actual) in pairs {
            if kept == actual {
                continue;
            }
            if repair {
                self.meta
                    .insert(key, &actual.to_be_bytes())
                    .map_err(|e| self.sled_err(e))?;
            }
            let problem = format!("counter says {kept}, counted {actual}");
            report.found(keys::show(keys::tree::META, key), problem, repair);
        }
        Ok(())
    }
}

/// Counts made while walking the database.
#[derive(Debug, Default)]
struct Counts {
    articles: u64,
    versions: u64,
    bodies: u64,
    body_bytes: u64,
    checks: u64,
    aliases: u64,
}
