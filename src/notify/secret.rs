//! Values that may be secrets: written in the config, or read from a named environment
//! variable at the moment of sending (so the config, its printout and the logs never hold it).

use crate::config::Value;
use crate::error::{Error, Result};

/// The value now: a literal, or the variable's content.
pub fn resolve(target: &str, v: &Value) -> Result<String> {
    match v {
        Value::Literal(s) => Ok(s.clone()),
        Value::Env(var) => std::env::var(var).map_err(|_| Error::Notify {
            target: target.to_owned(),
            message: format!("environment variable {var} is not set (or not UTF-8)"),
        }),
    }
}
