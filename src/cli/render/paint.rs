//! ANSI styles for diff output, or git's plain `[-deleted-]{+inserted+}` marks without colour.

use crate::diff::Op;

const RED_STRIKE: &str = "\x1b[31;9m";
const GREEN_UNDERLINE: &str = "\x1b[32;4m";
const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const CYAN: &str = "\x1b[36m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// How to mark text: with ANSI colours or with plain characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paint {
    colour: bool,
}

impl Paint {
    /// Colour when `colour`, plain marks otherwise.
    pub fn new(colour: bool) -> Self {
        Paint { colour }
    }

    /// No colour.
    #[cfg(test)]
    pub fn plain() -> Self {
        Paint::new(false)
    }

    /// Whether ANSI codes are written.
    pub fn colour(self) -> bool {
        self.colour
    }

    fn wrap(self, style: &str, text: &str) -> String {
        if self.colour {
            format!("{style}{text}{RESET}")
        } else {
            text.to_owned()
        }
    }

    /// Deleted (`[-…-]`) or inserted (`{+…+}`) words; equal text as it is.
    pub fn op(self, op: Op, text: &str) -> String {
        match (op, self.colour) {
            (Op::Equal, _) => text.to_owned(),
            (Op::Delete, true) => self.wrap(RED_STRIKE, text),
            (Op::Insert, true) => self.wrap(GREEN_UNDERLINE, text),
            (Op::Delete, false) => format!("[-{text}-]"),
            (Op::Insert, false) => format!("{{+{text}+}}"),
        }
    }

    /// A removed line of a unified diff.
    pub fn removed(self, text: &str) -> String {
        self.wrap(RED, text)
    }

    /// An added line of a unified diff.
    pub fn added(self, text: &str) -> String {
        self.wrap(GREEN, text)
    }

    /// A hunk header.
    pub fn hunk(self, text: &str) -> String {
        self.wrap(CYAN, text)
    }

    /// A heading.
    pub fn bold(self, text: &str) -> String {
        self.wrap(BOLD, text)
    }

    /// Folded or secondary text.
    pub fn dim(self, text: &str) -> String {
        self.wrap(DIM, text)
    }
}
