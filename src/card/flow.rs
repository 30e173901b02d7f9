//! Marked text flowed into a box: words wrapped at spaces (a word made of several marked
//! runs, as "on" deleted then "to" inserted, stays whole), cut with "…" after the last line
//! that fits, deletions struck through and insertions underlined on tinted backgrounds.

use super::canvas::{Canvas, Rgb};
use super::text::{Fonts, Style};

/// How a run of text is marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// Unchanged text.
    Plain,
    /// Labels and separators.
    Muted,
    /// Text the newer version removed.
    Deleted,
    /// Text the newer version added.
    Inserted,
}

/// A piece of the flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Run {
    /// Text with a mark; whitespace runs are drawn as one space.
    Text(String, Mark),
    /// Start a new line.
    Break,
}

const PLAIN: Rgb = Rgb(0x1f, 0x23, 0x28);
const MUTED: Rgb = Rgb(0x6b, 0x72, 0x80);
const DELETED: Rgb = Rgb(0x8e, 0x1b, 0x1b);
const DELETED_BG: Rgb = Rgb(0xfd, 0xe4, 0xe2);
const INSERTED: Rgb = Rgb(0x13, 0x5c, 0x2d);
const INSERTED_BG: Rgb = Rgb(0xd7, 0xf5, 0xde);

type Line = Vec<(String, Mark)>;

/// The box text flows into.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    /// Left edge.
    pub x: f32,
    /// Baseline of the first line.
    pub y: f32,
    /// Width.
    pub width: f32,
    /// Distance between baselines.
    pub line_height: f32,
    /// Lines at most.
    pub max_lines: usize,
    /// Pixel size of the text.
    pub size: f32,
    /// The bold face.
    pub bold: bool,
}

/// Room between a deletion and the insertion that replaces it, so "on" struck out and "to"
/// added never read as "onto".
const SWAP_GAP: f32 = 8.0;

/// Draws `runs` in `frame`; returns the baseline after the last line drawn.
pub fn flow(canvas: &mut Canvas, fonts: &Fonts, runs: &[Run], frame: Frame) -> f32 {
    let size = frame.size;
    let style = |mark| Style {
        bold: frame.bold,
        ..style(mark, size)
    };
    let mut lines = wrap(fonts, runs, frame.width, &style);
    if lines.len() > frame.max_lines {
        lines.truncate(frame.max_lines);
        if let Some(last) = lines.last_mut() {
            ellipsize(fonts, last, frame.width, &style);
        }
    }
    let mut y = frame.y;
    for line in &lines {
        let mut x = frame.x;
        for (i, (text, mark)) in line.iter().enumerate() {
            if i > 0 && swapped(&line[i - 1], *mark) {
                x += SWAP_GAP;
            }
            let next_same = line.get(i + 1).is_some_and(|n| n.1 == *mark);
            let shown = if next_same {
                text.as_str()
            } else {
                text.trim_end()
            };
            let w = fonts.width(shown, style(*mark));
            decorate(canvas, *mark, x, y, w, size);
            x += fonts.draw(canvas, text, x, y, style(*mark));
        }
        y += frame.line_height;
    }
    y
}

/// Whether `mark` replaces `prev` with no space between them.
fn swapped(prev: &(String, Mark), mark: Mark) -> bool {
    let changed = |m| matches!(m, Mark::Deleted | Mark::Inserted);
    changed(prev.1) && changed(mark) && prev.1 != mark && !prev.0.ends_with(' ')
}

fn style(mark: Mark, size: f32) -> Style {
    let color = match mark {
        Mark::Plain => PLAIN,
        Mark::Muted => MUTED,
        Mark::Deleted => DELETED,
        Mark::Inserted => INSERTED,
    };
    Style {
        size,
        bold: false,
        color,
    }
}

/// The tint behind a changed run and its strike or underline.
fn decorate(canvas: &mut Canvas, mark: Mark, x: f32, y: f32, w: f32, size: f32) {
    let (bg, line_y, color) = match mark {
        Mark::Deleted => (DELETED_BG, y - size * 0.3, DELETED),
        Mark::Inserted => (INSERTED_BG, y + size * 0.16, INSERTED),
        Mark::Plain | Mark::Muted => return,
    };
    canvas.rect(x - 2.0, y - size * 0.95, w + 4.0, size * 1.25, bg);
    canvas.rect(x, line_y, w, (size / 12.0).max(1.5), color);
}

/// Words (the runs up to and including a space) laid into lines no wider than `width`.
fn wrap(fonts: &Fonts, runs: &[Run], width: f32, style: &impl Fn(Mark) -> Style) -> Vec<Line> {
    let mut lines: Vec<Line> = vec![Vec::new()];
    let mut line_w = 0.0;
    let mut word: Line = Vec::new();
    let place = |word: &mut Line, lines: &mut Vec<Line>, line_w: &mut f32| {
        let full: f32 = word.iter().map(|(t, m)| fonts.width(t, style(*m))).sum();
        let trailing = word.last().map_or(0.0, |(t, m)| {
            fonts.width(t, style(*m)) - fonts.width(t.trim_end(), style(*m))
        });
        let current = lines.last().map_or(0, Vec::len);
        if *line_w + full - trailing > width && current > 0 {
            lines.push(Vec::new());
            *line_w = 0.0;
        }
        if let Some(line) = lines.last_mut() {
            line.append(word);
        }
        *line_w += full;
    };
    for run in runs {
        match run {
            Run::Break => {
                place(&mut word, &mut lines, &mut line_w);
                if lines.last().is_some_and(|l| !l.is_empty()) {
                    lines.push(Vec::new());
                }
                line_w = 0.0;
            }
            Run::Text(text, mark) => {
                for piece in split_words(text) {
                    let ends = piece.ends_with(' ');
                    word.push((piece, *mark));
                    if ends {
                        place(&mut word, &mut lines, &mut line_w);
                    }
                }
            }
        }
    }
    place(&mut word, &mut lines, &mut line_w);
    lines.retain(|l| !l.is_empty());
    lines
}

/// `text` with whitespace collapsed, cut after each space.
fn split_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space {
            cur.push(' ');
            out.push(std::mem::take(&mut cur));
            space = false;
        }
        cur.push(c);
    }
    if space {
        cur.push(' ');
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Shortens `line` until "…" fits after it.
fn ellipsize(fonts: &Fonts, line: &mut Line, width: f32, style: &impl Fn(Mark) -> Style) {
    let dots = fonts.width(" …", style(Mark::Muted));
    loop {
        let w: f32 = line.iter().map(|(t, m)| fonts.width(t, style(*m))).sum();
        if w + dots <= width || line.len() <= 1 {
            break;
        }
        line.pop();
    }
    if let Some((t, _)) = line.last_mut() {
        let trimmed = t.trim_end().len();
        t.truncate(trimmed);
    }
    line.push((" …".to_owned(), Mark::Muted));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_after_spaces_with_whitespace_collapsed() {
        assert_eq!(split_words("a  b\n\nc "), ["a ", "b ", "c "]);
        assert_eq!(split_words(" lead"), [" ", "lead"]);
    }

    #[test]
    fn lines_stay_within_the_width_and_marked_words_stay_whole() {
        let fonts = Fonts::load().unwrap();
        let runs = [
            Run::Text("The council met ".repeat(8), Mark::Plain),
            Run::Text("on".into(), Mark::Deleted),
            Run::Text("to".into(), Mark::Inserted),
            Run::Text(" Tuesday.".into(), Mark::Plain),
        ];
        let lines = wrap(&fonts, &runs, 300.0, &|m| style(m, 20.0));
        assert!(lines.len() > 3, "{lines:?}");
        for line in &lines {
            let text: String = line.iter().map(|(t, _)| t.as_str()).collect();
            let w = fonts.width(text.trim_end(), style(Mark::Plain, 20.0));
            assert!(w <= 300.0, "{text:?} is {w} wide");
        }
        let last = lines.last().unwrap();
        let marks: Vec<Mark> = last.iter().map(|(_, m)| *m).collect();
        assert!(marks.starts_with(&[Mark::Deleted, Mark::Inserted]) || marks.len() > 2);
    }
}
