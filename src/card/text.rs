//! Text on the card: the embedded DejaVu Sans faces, measuring for line wrapping, and
//! drawing glyphs with ab_glyph. One glyph per character with kerning, no shaping: right
//! for the Latin, Greek and Cyrillic text the faces cover.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};

use super::canvas::{Canvas, Rgb, card_error};
use crate::error::Result;

/// DejaVu Sans 2.37 (Bitstream Vera licence, see `assets/fonts/LICENSE-DejaVu.txt`):
/// embedded so a card looks the same on every machine, with no system font needed.
static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// Size, weight and colour of a run of text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Style {
    /// Pixel size (the em height).
    pub size: f32,
    /// The bold face.
    pub bold: bool,
    /// Text colour.
    pub color: Rgb,
}

/// The two faces.
pub struct Fonts {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
}

impl Fonts {
    /// Parses the embedded faces.
    pub fn load() -> Result<Fonts> {
        let parse = |bytes| {
            FontRef::try_from_slice(bytes).map_err(|e| card_error(&format!("embedded font: {e}")))
        };
        Ok(Fonts {
            regular: parse(REGULAR)?,
            bold: parse(BOLD)?,
        })
    }

    fn face(&self, bold: bool) -> &FontRef<'static> {
        if bold { &self.bold } else { &self.regular }
    }

    /// The advance width of `text` in `style`.
    pub fn width(&self, text: &str, style: Style) -> f32 {
        let font = self.face(style.bold).as_scaled(PxScale::from(style.size));
        let mut prev = None;
        let mut w = 0.0;
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(p) = prev {
                w += font.kern(p, id);
            }
            w += font.h_advance(id);
            prev = Some(id);
        }
        w
    }

    /// Draws `text` with its baseline at `y`, starting at `x`; returns the advance.
    pub fn draw(&self, canvas: &mut Canvas, text: &str, x: f32, y: f32, style: Style) -> f32 {
        let face = self.face(style.bold);
        let font = face.as_scaled(PxScale::from(style.size));
        let mut prev = None;
        let mut pen = x;
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(p) = prev {
                pen += font.kern(p, id);
            }
            let glyph = id.with_scale_and_position(style.size, point(pen, y));
            if let Some(outline) = face.outline_glyph(glyph) {
                let b = outline.px_bounds();
                outline.draw(|gx, gy, coverage| {
                    let px = b.min.x as i32 + gx as i32;
                    let py = b.min.y as i32 + gy as i32;
                    canvas.blend(px, py, style.color, coverage);
                });
            }
            pen += font.h_advance(id);
            prev = Some(id);
        }
        pen - x
    }

    /// The longest prefix of `text` that fits in `max` pixels, with "…" when cut.
    pub fn fit(&self, text: &str, max: f32, style: Style) -> String {
        if self.width(text, style) <= max {
            return text.to_owned();
        }
        let mut out = String::new();
        for c in text.chars() {
            out.push(c);
            if self.width(&out, style) + self.width("…", style) > max {
                out.pop();
                break;
            }
        }
        format!("{}…", out.trim_end())
    }
}
