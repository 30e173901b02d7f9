//! The re-check schedule: per-URL state plus a next-check index keyed by (due time, URL),
//! so picking the next due article is one ordered-tree lookup however many are tracked,
//! and a restarted daemon resumes where it stopped.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::TransactionalTree;

use super::tx::{TxResult, abort, bump};
use super::{Store, codec, keys, schedule_codec};
use crate::error::Result;

/// Where an article stands in the re-check schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleState {
    /// When to check next; `None` when no longer re-checked (tracking ended).
    pub next_due: Option<DateTime<Utc>>,
    /// The current gap between checks, seconds (widens while the article is unchanged).
    pub interval_secs: u64,
    /// Consecutive checks that found nothing new.
    pub unchanged_streak: u32,
    /// Consecutive failed fetches, for per-URL back-off.
    #[serde(default)]
    pub failures: u32,
    /// Stop re-checking after this time (the site's `track_for` after first seen).
    pub track_until: Option<DateTime<Utc>>,
}

impl ScheduleState {
    /// No more re-checks: tracking is over, or the URL must never be requested again.
    pub fn ended() -> ScheduleState {
        ScheduleState {
            next_due: None,
            interval_secs: 0,
            unchanged_streak: 0,
            failures: 0,
            track_until: None,
        }
    }

    /// Whether the tracking period is over at `at`: no more re-checks.
    pub fn tracking_over(&self, at: DateTime<Utc>) -> bool {
        self.track_until.is_some_and(|until| at >= until)
    }
}

impl Store {
    /// Replaces the schedule of `url` (as given, no alias resolution), moving its entry in
    /// the next-check index atomically.
    pub fn set_schedule(&self, url: &str, state: &ScheduleState) -> Result<()> {
        keys::check_key_text("URL", url)?;
        (&self.schedule, &self.due, &self.meta)
            .transaction(|(schedule, due, meta)| set_in(schedule, due, meta, url, state))
            .map_err(|e| self.tx_err(e))
    }

    /// Replaces the schedules of many URLs in one transaction (the queue's leases of one
    /// pull): one commit instead of one per URL.
    pub fn set_schedules(&self, states: &[(String, ScheduleState)]) -> Result<()> {
        for (url, _) in states {
            keys::check_key_text("URL", url)?;
        }
        (&self.schedule, &self.due, &self.meta)
            .transaction(|(schedule, due, meta)| {
                for (url, state) in states {
                    set_in(schedule, due, meta, url, state)?;
                }
                Ok(())
            })
            .map_err(|e| self.tx_err(e))
    }

    /// Removes `url` from the schedule entirely.
    pub fn clear_schedule(&self, url: &str) -> Result<()> {
        (&self.schedule, &self.due, &self.meta)
            .transaction(|(schedule, due, meta)| clear_in(schedule, due, meta, url).map(drop))
            .map_err(|e| self.tx_err(e))
    }

    /// After a check of `url`: stores its next `state`, under `moved_to` instead when the
    /// article now answers elsewhere (unless that address is scheduled already). Atomically
    /// does nothing and returns `false` when `url` is no longer scheduled, so a check that
    /// was in flight while the URL was taken off the schedule (`emend watch --stop`, tracking
    /// ended) cannot put it back.
    pub fn reschedule(&self, url: &str, moved_to: &str, state: &ScheduleState) -> Result<bool> {
        keys::check_key_text("URL", moved_to)?;
        (&self.schedule, &self.due, &self.meta)
            .transaction(|(schedule, due, meta)| {
                if moved_to == url {
                    if schedule.get(url.as_bytes())?.is_none() {
                        return Ok(false);
                    }
                    set_in(schedule, due, meta, url, state)?;
                    return Ok(true);
                }
                if !clear_in(schedule, due, meta, url)? {
                    return Ok(false);
                }
                if schedule.get(moved_to.as_bytes())?.is_none() {
                    set_in(schedule, due, meta, moved_to, state)?;
                }
                Ok(true)
            })
            .map_err(|e| self.tx_err(e))
    }

    /// The schedule of `url`, if it has one.
    pub fn schedule(&self, url: &str) -> Result<Option<ScheduleState>> {
        let v = self.schedule.get(url).map_err(|e| self.sled_err(e))?;
        v.map(|v| decode(url, &v)).transpose()
    }

    /// Up to `limit` articles due at or before `now`, earliest first, with their due time.
    /// Reading does not remove them: the caller reschedules each one it takes.
    pub fn due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<(DateTime<Utc>, String)>> {
        self.due_except(now, limit, |_| false)
    }

    /// [`Store::due`] passing over the entries whose URL `skip` names (URLs the caller
    /// holds already), without decoding them; they do not count towards `limit`.
    pub fn due_except(
        &self,
        now: DateTime<Utc>,
        limit: usize,
        skip: impl Fn(&str) -> bool,
    ) -> Result<Vec<(DateTime<Utc>, String)>> {
        let end = codec::time_key(now);
        let mut out = Vec::new();
        for item in self.due.iter() {
            if out.len() >= limit {
                break;
            }
            let (k, _) = item.map_err(|e| self.sled_err(e))?;
            if k.get(..8).is_none_or(|t| t > &end[..]) {
                break;
            }
            if std::str::from_utf8(&k[8..]).is_ok_and(&skip) {
                continue;
            }
            out.push(parse_due(&k)?);
        }
        Ok(out)
    }

    /// The earliest pending check, if any article is scheduled.
    pub fn next_due_time(&self) -> Result<Option<DateTime<Utc>>> {
        match self.due.first().map_err(|e| self.sled_err(e))? {
            Some((k, _)) => Ok(Some(parse_due(&k)?.0)),
            None => Ok(None),
        }
    }
}

/// Decodes a schedule record (binary, or JSON as older versions wrote it).
fn decode(url: &str, v: &[u8]) -> Result<ScheduleState> {
    schedule_codec::decode(&keys::name(keys::tree::SCHEDULE, url.as_bytes()), v)
}

/// Splits a next-check index key.
fn parse_due(k: &[u8]) -> Result<(DateTime<Utc>, String)> {
    let name = keys::name(keys::tree::DUE, k);
    let at = codec::time_from_key(&name, k)?;
    let url = std::str::from_utf8(&k[8..]).map_err(|e| codec::corrupt(&name, e))?;
    Ok((at, url.to_owned()))
}

/// [`Store::clear_schedule`] inside a transaction; `true` when `url` was scheduled.
pub(crate) fn clear_in(
    schedule: &TransactionalTree,
    due: &TransactionalTree,
    meta: &TransactionalTree,
    url: &str,
) -> TxResult<bool> {
    let Some(old) = schedule.remove(url.as_bytes())? else {
        return Ok(false);
    };
    let old: ScheduleState = abort(decode(url, &old))?;
    if let Some(at) = old.next_due {
        due.remove(keys::due(at, url))?;
        bump(meta, keys::meta::SCHEDULED, -1)?;
    }
    Ok(true)
}

/// [`Store::set_schedule`] inside a transaction.
pub(crate) fn set_in(
    schedule: &TransactionalTree,
    due: &TransactionalTree,
    meta: &TransactionalTree,
    url: &str,
    state: &ScheduleState,
) -> TxResult<()> {
    let old = schedule.insert(url.as_bytes(), schedule_codec::encode(state))?;
    let old_due = match old {
        Some(v) => abort(decode(url, &v))?.next_due,
        None => None,
    };
    if old_due == state.next_due {
        return Ok(());
    }
    if let Some(at) = old_due {
        due.remove(keys::due(at, url))?;
    }
    if let Some(at) = state.next_due {
        due.insert(keys::due(at, url), &[])?;
    }
    let delta = i64::from(state.next_due.is_some()) - i64::from(old_due.is_some());
    bump(meta, keys::meta::SCHEDULED, delta)
}
