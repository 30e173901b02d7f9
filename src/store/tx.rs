//! Helpers for code running inside sled transactions: aborting with the library error and
//! adjusting counters.

use sled::transaction::TransactionalTree;
use sled::transaction::{ConflictableTransactionError, ConflictableTransactionResult};

use super::codec;
use super::keys;
use crate::error::{Error, Result};

/// Result type inside a transaction closure.
pub(crate) type TxResult<T> = ConflictableTransactionResult<T, Error>;

/// Turns a library result into one that aborts the transaction on error.
pub(crate) fn abort<T>(r: Result<T>) -> TxResult<T> {
    r.map_err(ConflictableTransactionError::Abort)
}

/// Adds `delta` to the counter at `key` (saturating at zero).
pub(crate) fn bump(meta: &TransactionalTree, key: &[u8], delta: i64) -> TxResult<()> {
    if delta == 0 {
        return Ok(());
    }
    let old = meta.get(key)?;
    let old = abort(codec::counter(
        &keys::name(keys::tree::META, key),
        old.as_deref(),
    ))?;
    let new = old.saturating_add_signed(delta);
    meta.insert(key, &new.to_be_bytes())?;
    Ok(())
}
