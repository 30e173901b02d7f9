//! Command targets: the program runs with its configured argv (no shell), the change JSON on
//! stdin; scraped text never reaches an argument, a variable or a shell.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncWriteExt;

use super::format;
use super::message::ChangeMessage;
use crate::config::Command;
use crate::error::{Error, Result};

/// How long a command may run before it is killed and the attempt counts as failed.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
/// Bytes of a failing command's stderr kept in the error.
const STDERR_TAIL: usize = 500;

/// Runs the command of target `name` with `m` on stdin; success is exit status 0.
pub async fn send(name: &str, c: &Command, m: &ChangeMessage) -> Result<()> {
    let fail = |message: String| Error::Notify {
        target: name.to_owned(),
        message,
    };
    let (program, args) = c
        .argv
        .split_first()
        .ok_or_else(|| fail("empty command".into()))?;
    let body = format::json_body(m)?;
    let mut child = tokio::process::Command::new(program)
        .args(args)
        .env("EMEND_CHANGE_ID", &m.id)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| fail(format!("cannot run {program:?}: {e}")))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A program that exits without reading its input is its own business: its status decides.
        let _ = stdin.write_all(&body).await;
    }
    let out = tokio::time::timeout(COMMAND_TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| {
            fail(format!(
                "{program:?} still running after {COMMAND_TIMEOUT:?}; killed"
            ))
        })?
        .map_err(|e| fail(format!("{program:?}: {e}")))?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let tail: String = stderr
        .trim()
        .chars()
        .rev()
        .take(STDERR_TAIL)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    Err(fail(format!(
        "{program:?} exited with {}: {tail}",
        out.status
    )))
}
