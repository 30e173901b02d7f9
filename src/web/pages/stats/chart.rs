//! Geometry of the per-week stacked bar chart, drawn as inline SVG by the template.

use super::figures::Week;

/// Drawing area, in SVG user units (the SVG scales to its box).
pub const WIDTH: u32 = 640;
/// Height of the plot, in SVG user units.
pub const HEIGHT: u32 = 160;
/// Room under the plot for the week labels.
const AXIS: u32 = 18;
/// Bars are never wider than a [`WIDTH`] / `MIN_SLOTS` slot, so a few weeks stay bars.
const MIN_SLOTS: u32 = 13;

/// One coloured part of a bar.
pub struct Segment {
    /// Top edge.
    pub y: u32,
    /// Height.
    pub h: u32,
    /// CSS class: the change kind.
    pub class: &'static str,
}

/// One week's bar.
pub struct Bar {
    /// Left edge.
    pub x: u32,
    /// Width.
    pub w: u32,
    /// Tooltip: the week and its counts.
    pub title: String,
    /// Stacked parts, bottom first.
    pub segments: Vec<Segment>,
    /// Week label under the bar, on every few bars so labels do not overlap.
    pub label: Option<String>,
}

/// The whole chart.
pub struct Chart {
    /// SVG width.
    pub width: u32,
    /// SVG height, axis included.
    pub height: u32,
    /// Baseline y.
    pub base: u32,
    /// The tallest bar's total, the top of the scale.
    pub max: u32,
    /// The bars, oldest week first.
    pub bars: Vec<Bar>,
}

impl Chart {
    /// True when no week has a change to draw.
    pub fn is_empty(&self) -> bool {
        self.bars.iter().all(|b| b.segments.is_empty())
    }
}

/// Stacked bars of declared updates, silent edits and stamp-only changes per week.
pub fn chart(weeks: &[Week]) -> Chart {
    let max = weeks
        .iter()
        .map(|w| w.declared_update + w.silent_edit + w.stamp_only)
        .max()
        .unwrap_or(0)
        .max(1);
    let n = u32::try_from(weeks.len().max(1)).unwrap_or(u32::MAX);
    let slot = WIDTH / n.max(MIN_SLOTS);
    let gap = (slot / 5).max(1);
    let every = (n / 8).max(1);
    let bars = weeks
        .iter()
        .zip(0u32..)
        .map(|(w, i)| {
            let mut top = HEIGHT;
            let mut segments = Vec::new();
            for (count, class) in [
                (w.declared_update, "declared_update"),
                (w.silent_edit, "silent_edit"),
                (w.stamp_only, "stamp_only"),
            ] {
                // Scale in u64: counts times height cannot overflow there.
                let h = u32::try_from(u64::from(count) * u64::from(HEIGHT) / u64::from(max))
                    .unwrap_or(HEIGHT);
                if h > 0 {
                    top -= h.min(top);
                    segments.push(Segment { y: top, h, class });
                }
            }
            Bar {
                x: i * slot + gap / 2,
                w: slot - gap,
                title: format!(
                    "week of {}: {} declared updates, {} silent edits, {} stamp-only, {} new articles",
                    w.week, w.declared_update, w.silent_edit, w.stamp_only, w.new
                ),
                segments,
                label: (i % every == 0).then(|| w.week[5..].to_owned()),
            }
        })
        .collect();
    Chart {
        width: WIDTH,
        height: HEIGHT + AXIS,
        base: HEIGHT,
        max,
        bars,
    }
}
