//! Shared output helpers: JSON on stdout, and whether colour is wanted.

use std::io::{IsTerminal, Write};

use serde::Serialize;

/// Prints `value` as one JSON object on its own line on stdout.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

/// Writes `text` to stdout. Unlike `print!`, a closed pipe (`emend history URL | head`) is an
/// error returned to main, which ends quietly, rather than a panic.
pub fn print_text(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Colour only on a terminal, and never when `NO_COLOR` is set (https://no-color.org).
pub fn use_colour() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}
