//! Shared output helpers: JSON on stdout, whether colour is wanted and how wide the terminal is.

use std::io::{IsTerminal, Write};

use clap::ValueEnum;
use serde::Serialize;

/// Width assumed when neither `$COLUMNS` nor the terminal says.
const DEFAULT_WIDTH: usize = 80;
/// Narrowest layout side-by-side output is drawn for; narrower terminals wrap it.
const MIN_WIDTH: usize = 40;

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

/// `--color`: when to mark output with ANSI colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and `NO_COLOR` is not set.
    #[default]
    Auto,
    /// Always colour, even into a pipe (`| less -R`).
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    /// Whether to colour stdout, from the choice, the environment and stdout itself.
    pub fn enabled(self) -> bool {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        decide(self, no_color, std::io::stdout().is_terminal())
    }
}

/// The rule of <https://no-color.org>: `NO_COLOR` turns automatic colour off, and an explicit
/// command-line choice overrides it.
fn decide(choice: ColorChoice, no_color: bool, terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && !no_color,
    }
}

/// Columns to lay output out in: `$COLUMNS` when set (shells export it; tests and scripts
/// set it), else the terminal's width, else 80.
pub fn terminal_width() -> usize {
    let from_env = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|c| *c > 0);
    let width = from_env
        .or_else(|| terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)))
        .unwrap_or(DEFAULT_WIDTH);
    width.max(MIN_WIDTH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_turns_automatic_colour_off_and_flags_override_it() {
        assert!(decide(ColorChoice::Auto, false, true));
        assert!(!decide(ColorChoice::Auto, true, true), "NO_COLOR");
        assert!(!decide(ColorChoice::Auto, false, false), "not a terminal");
        assert!(decide(ColorChoice::Always, true, false));
        assert!(!decide(ColorChoice::Never, false, true));
    }
}
