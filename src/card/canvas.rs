//! The card's pixels: an opaque RGBA canvas that takes filled rectangles and glyph
//! coverage, encoded as PNG by tiny-skia.

use tiny_skia::{Color, Paint, Pixmap, PremultipliedColorU8, Rect, Transform};

use crate::error::{Error, Result};

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

/// What the card is drawn on.
pub struct Canvas {
    pixmap: Pixmap,
}

impl Canvas {
    /// A `width` × `height` canvas filled with `background`.
    pub fn new(width: u32, height: u32, background: Rgb) -> Result<Canvas> {
        let mut pixmap = Pixmap::new(width, height).ok_or_else(|| card_error("empty card size"))?;
        pixmap.fill(Color::from_rgba8(
            background.0,
            background.1,
            background.2,
            255,
        ));
        Ok(Canvas { pixmap })
    }

    /// Fills a rectangle (anti-aliased edges; one outside the canvas draws nothing).
    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Rgb) {
        let Some(rect) = Rect::from_xywh(x, y, w, h) else {
            return;
        };
        let mut paint = Paint::default();
        paint.set_color_rgba8(color.0, color.1, color.2, 255);
        paint.anti_alias = true;
        self.pixmap
            .fill_rect(rect, &paint, Transform::identity(), None);
    }

    /// Lays `color` over the pixel at (`x`, `y`) with `coverage` (0 to 1); the canvas is
    /// opaque, so this is a plain mix.
    pub fn blend(&mut self, x: i32, y: i32, color: Rgb, coverage: f32) {
        let (Ok(x), Ok(y)) = (u32::try_from(x), u32::try_from(y)) else {
            return;
        };
        if x >= self.pixmap.width() || y >= self.pixmap.height() {
            return;
        }
        let i = (y * self.pixmap.width() + x) as usize;
        let a = coverage.clamp(0.0, 1.0);
        let pixels = self.pixmap.pixels_mut();
        let dst = pixels[i];
        let mix = |s: u8, d: u8| (f32::from(s) * a + f32::from(d) * (1.0 - a)).round() as u8;
        let px = PremultipliedColorU8::from_rgba(
            mix(color.0, dst.red()),
            mix(color.1, dst.green()),
            mix(color.2, dst.blue()),
            255,
        );
        if let Some(px) = px {
            pixels[i] = px;
        }
    }

    /// The canvas as a PNG file.
    pub fn png(&self) -> Result<Vec<u8>> {
        self.pixmap
            .encode_png()
            .map_err(|e| card_error(&format!("cannot encode the PNG: {e}")))
    }
}

/// [`Error::Card`] for `message`.
pub(super) fn card_error(message: &str) -> Error {
    Error::Card {
        message: message.to_owned(),
    }
}
