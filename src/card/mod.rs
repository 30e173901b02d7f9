//! The shareable diff card: a change drawn as a PNG sized for social posts (1200 × 630,
//! the Open Graph image size), with the site, the change kind, the headline, both
//! versions' fetch times and stamps, and the changed sentences with deletions and
//! insertions marked. Drawn natively from a [`ChangeMessage`]: no browser, no system font.

mod canvas;
mod flow;
mod text;

use chrono::DateTime;

use crate::config::ArticleField;
use crate::diff::Op;
use crate::error::Result;
use crate::model::ChangeKind;
use crate::notify::{ChangeMessage, VersionRef};
use canvas::{Canvas, Rgb};
use flow::{Frame, Mark, Run};
use text::{Fonts, Style};

/// Card width in pixels.
pub const WIDTH: u32 = 1200;
/// Card height in pixels.
pub const HEIGHT: u32 = 630;
/// The PNG media type, for the web route.
pub const CONTENT_TYPE: &str = "image/png";

const MARGIN: f32 = 56.0;
const BACKGROUND: Rgb = Rgb(0xfb, 0xfa, 0xf7);
const INK: Rgb = Rgb(0x11, 0x14, 0x18);
const GREY: Rgb = Rgb(0x5b, 0x61, 0x6b);
const RULE: Rgb = Rgb(0xdd, 0xdb, 0xd5);
const WHITE: Rgb = Rgb(0xff, 0xff, 0xff);

/// The card of `m` as PNG bytes.
pub fn render(m: &ChangeMessage) -> Result<Vec<u8>> {
    let fonts = Fonts::load()?;
    let mut c = Canvas::new(WIDTH, HEIGHT, BACKGROUND)?;
    let width = WIDTH as f32 - 2.0 * MARGIN;
    let accent = kind_color(m.change);
    c.rect(0.0, 0.0, WIDTH as f32, 10.0, accent);

    let y = header(&mut c, &fonts, m, accent);
    let headline = m
        .title
        .clone()
        .unwrap_or_else(|| "(no headline)".to_owned());
    let frame = Frame {
        x: MARGIN,
        y: y + 56.0,
        width,
        line_height: 48.0,
        max_lines: 2,
        size: 38.0,
        bold: true,
    };
    let title = [Run::Text(headline, Mark::Plain)];
    let y = flow::flow(&mut c, &fonts, &title, frame);
    let y = stamps(&mut c, &fonts, m, y - 4.0);
    c.rect(MARGIN, y, width, 2.0, RULE);

    let footer_y = HEIGHT as f32 - 34.0;
    let top = y + 48.0;
    let frame = Frame {
        x: MARGIN,
        y: top,
        width,
        line_height: 40.0,
        max_lines: ((footer_y - 44.0 - top) / 40.0).max(0.0) as usize + 1,
        size: 27.0,
        bold: false,
    };
    flow::flow(&mut c, &fonts, &body(m), frame);
    footer(&mut c, &fonts, m, footer_y);
    c.png()
}

/// Site and change kind; returns the baseline.
fn header(c: &mut Canvas, fonts: &Fonts, m: &ChangeMessage, accent: Rgb) -> f32 {
    let y = 62.0;
    let label = Style {
        size: 22.0,
        bold: true,
        color: GREY,
    };
    let site = m.site.clone().unwrap_or_else(|| host(&m.url));
    fonts.draw(c, &fonts.fit(&site, 700.0, label), MARGIN, y, label);
    let chip = Style {
        color: WHITE,
        ..label
    };
    let kind = kind_label(m.change);
    let w = fonts.width(kind, chip) + 32.0;
    let x = WIDTH as f32 - MARGIN - w;
    c.rect(x, y - 29.0, w, 40.0, accent);
    fonts.draw(c, kind, x + 16.0, y, chip);
    y
}

/// One line per version: number, fetch time, stamp; returns the y below them.
fn stamps(c: &mut Canvas, fonts: &Fonts, m: &ChangeMessage, y: f32) -> f32 {
    let style = Style {
        size: 20.0,
        bold: false,
        color: GREY,
    };
    let mut y = y + 8.0;
    let line = |v: &VersionRef, stamp: String| {
        format!(
            "v{}   fetched {}   ·   {stamp}",
            v.version,
            when(&v.fetched_at)
        )
    };
    if let Some(from) = &m.from {
        fonts.draw(
            c,
            &line(from, stamp(from.last_update.as_deref())),
            MARGIN,
            y,
            style,
        );
        y += 30.0;
    }
    let to_stamp = match &m.from {
        Some(f) if f.last_update == m.to.last_update && f.last_update.is_some() => {
            "stamp unchanged".to_owned()
        }
        _ => stamp(m.to.last_update.as_deref()),
    };
    fonts.draw(c, &line(&m.to, to_stamp), MARGIN, y, style);
    y + 26.0
}

/// The diff: a changed headline first, then each changed passage on its own lines; a first
/// version's text as it is; a note when only the stamp moved.
fn body(m: &ChangeMessage) -> Vec<Run> {
    let mut runs = Vec::new();
    if m.from.is_none() {
        let text: String = m
            .diff
            .iter()
            .flat_map(|e| &e.ops)
            .map(|o| o.text.as_str())
            .collect();
        runs.push(Run::Text("First capture: ".into(), Mark::Muted));
        runs.push(Run::Text(text, Mark::Plain));
        return runs;
    }
    for f in m.fields.iter().filter(|f| f.field == ArticleField::Title) {
        runs.push(Run::Text("Headline: ".into(), Mark::Muted));
        if let Some(b) = &f.before {
            runs.push(Run::Text(format!("{b} "), Mark::Deleted));
        }
        if let Some(a) = &f.after {
            runs.push(Run::Text(a.clone(), Mark::Inserted));
        }
        runs.push(Run::Break);
    }
    for (i, e) in m.diff.iter().enumerate() {
        if i > 0 {
            runs.push(Run::Break);
        }
        for op in &e.ops {
            let mark = match op.op {
                Op::Equal => Mark::Plain,
                Op::Delete => Mark::Deleted,
                Op::Insert => Mark::Inserted,
            };
            runs.push(Run::Text(op.text.clone(), mark));
        }
    }
    if m.diff.is_empty() && runs.is_empty() {
        let note = "The text and headline are unchanged: only the article's stamp moved.";
        runs.push(Run::Text(note.into(), Mark::Muted));
    }
    runs
}

/// The article's URL and the tool's name.
fn footer(c: &mut Canvas, fonts: &Fonts, m: &ChangeMessage, y: f32) {
    let style = Style {
        size: 18.0,
        bold: false,
        color: GREY,
    };
    let brand = Style {
        bold: true,
        color: INK,
        ..style
    };
    let name = "emend";
    let w = fonts.width(name, brand);
    fonts.draw(c, name, WIDTH as f32 - MARGIN - w, y, brand);
    let room = WIDTH as f32 - 2.0 * MARGIN - w - 40.0;
    fonts.draw(c, &fonts.fit(&m.url, room, style), MARGIN, y, style);
}

fn kind_label(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::New => "First capture",
        ChangeKind::Unchanged => "Unchanged",
        ChangeKind::DeclaredUpdate => "Declared update",
        ChangeKind::SilentEdit => "Silent edit",
        ChangeKind::StampOnly => "Stamp moved",
    }
}

fn kind_color(kind: ChangeKind) -> Rgb {
    match kind {
        ChangeKind::SilentEdit => Rgb(0xb4, 0x23, 0x18),
        ChangeKind::DeclaredUpdate => Rgb(0x1d, 0x4e, 0xd8),
        ChangeKind::New => Rgb(0x04, 0x78, 0x57),
        ChangeKind::StampOnly | ChangeKind::Unchanged => Rgb(0x6b, 0x72, 0x80),
    }
}

/// An RFC 3339 time as people read it, in UTC.
fn when(rfc3339: &str) -> String {
    DateTime::parse_from_rfc3339(rfc3339).map_or_else(
        |_| rfc3339.to_owned(),
        |t| t.to_utc().format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

fn stamp(s: Option<&str>) -> String {
    s.map_or_else(|| "no stamp".to_owned(), |s| format!("stamp {}", when(s)))
}

fn host(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| url.to_owned())
}
