//! Geometry of a picture: where each panel sits, how time and frequency map to pixels, and
//! the colour scale.
//!
//! A picture is [`WIDTH`] pixels wide and holds one block per key, stacked top to bottom. A
//! block is a header (a title line, then the verdict wrapped on as many lines as it needs),
//! the spectrogram panel (absent for pulse files) with its time axis, the trace panel with
//! its own time axis, and a legend line. The geometry is public, and written into the PNG
//! itself (an iTXt chunk named [`NOTES_KEYWORD`], see [`Notes`]), so tests and anyone reading
//! a picture back can map times to pixel columns exactly as the drawing does.

use serde::{Deserialize, Serialize};

/// Width of every picture, px.
pub const WIDTH: u32 = 1200;
/// Left margin (frequency labels), px.
pub const LEFT: i32 = 84;
/// Right edge of the panels, px (the colour bar sits to the right of it).
pub const RIGHT: i32 = WIDTH as i32 - 100;
/// Height of the header of a block whose verdict fits on one line, px.
pub const HEADER_H: i32 = 50;
/// Top of the first headline line below the block's top, px.
pub const HEADLINE_TOP: i32 = 21;
/// Height of one headline line, px.
pub const HEADLINE_LINE_H: i32 = 18;
/// Font size of the headline, px.
pub const HEADLINE_SIZE: f32 = 14.0;
/// Height of the legend line under a trace panel's axis, px.
pub const LEGEND_H: i32 = 20;
/// Height of the spectrogram panel, px.
pub const SPECTROGRAM_H: i32 = 300;
/// Height of an axis-label strip under a panel, px.
pub const AXIS_H: i32 = 22;
/// Height of the title strip above a trace panel, px.
pub const TRACE_TITLE_H: i32 = 22;
/// Height of the trace panel, px.
pub const TRACE_H: i32 = 160;
/// Space after each block, px.
pub const BLOCK_GAP: i32 = 14;

/// Colour of transmission boxes: a pure cyan the colour scale never produces.
pub const BOX_RGB: [u8; 3] = [0, 255, 255];
/// Colour of the sliced marks in the trace panel.
pub const MARK_RGB: [u8; 3] = [90, 230, 120];
/// Background of the picture.
pub const BACKGROUND_RGB: [u8; 3] = [18, 18, 24];

/// A rectangle in pixels: `x0..x1`, `y0..y1` (ends exclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rect {
    /// Left column.
    pub x0: i32,
    /// Top row.
    pub y0: i32,
    /// One past the right column.
    pub x1: i32,
    /// One past the bottom row.
    pub y1: i32,
}

impl Rect {
    /// Width, px.
    pub fn width(&self) -> i32 {
        self.x1 - self.x0
    }
    /// Height, px.
    pub fn height(&self) -> i32 {
        self.y1 - self.y0
    }
    /// True when the point is inside.
    pub fn contains(&self, x: i32, y: i32) -> bool {
        x >= self.x0 && x < self.x1 && y >= self.y0 && y < self.y1
    }
}

/// What one key's block holds, as far as its geometry goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockSpec {
    /// A spectrogram panel (false for pulse files).
    pub spectrogram: bool,
    /// Lines the wrapped headline takes (at least 1).
    pub headline_lines: usize,
}

/// The panels of one key's block.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyLayout {
    /// Top of the block's header line.
    pub header_y: i32,
    /// The area holding the wrapped headline (the verdict), all of its lines.
    pub headline: Rect,
    /// The spectrogram panel (`None` for pulse files).
    pub spectrogram: Option<Rect>,
    /// The colour bar beside the spectrogram.
    pub colour_bar: Option<Rect>,
    /// The trace panel.
    pub trace: Rect,
    /// The legend line under the trace panel.
    pub legend: Rect,
}

/// The geometry of a whole picture.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    /// Width, px.
    pub width: u32,
    /// Height, px.
    pub height: u32,
    /// One block per key, top to bottom.
    pub keys: Vec<KeyLayout>,
    /// Seconds shown by every spectrogram's time axis (`0..time_span_s`).
    pub time_span_s: f64,
}

impl Layout {
    /// The layout for keys that have (`true`) or lack (`false`) a spectrogram, each with a
    /// one-line headline, on a time axis of `time_span_s` seconds.
    pub fn new(has_spectrogram: &[bool], time_span_s: f64) -> Layout {
        let specs: Vec<BlockSpec> = has_spectrogram
            .iter()
            .map(|&spectrogram| BlockSpec {
                spectrogram,
                headline_lines: 1,
            })
            .collect();
        Layout::with_blocks(&specs, time_span_s)
    }

    /// The layout for the blocks `specs`, on a time axis of `time_span_s` seconds.
    pub fn with_blocks(specs: &[BlockSpec], time_span_s: f64) -> Layout {
        let mut y = 0;
        let mut keys = Vec::with_capacity(specs.len());
        for b in specs {
            let header_y = y;
            let lines = b.headline_lines.max(1) as i32;
            let headline = Rect {
                x0: 8,
                y0: header_y + HEADLINE_TOP,
                x1: WIDTH as i32 - 8,
                y1: header_y + HEADLINE_TOP + lines * HEADLINE_LINE_H,
            };
            y += HEADER_H + (lines - 1) * HEADLINE_LINE_H;
            let (spectrogram, colour_bar) = if b.spectrogram {
                let r = Rect {
                    x0: LEFT,
                    y0: y,
                    x1: RIGHT,
                    y1: y + SPECTROGRAM_H,
                };
                let bar = Rect {
                    x0: RIGHT + 14,
                    y0: y,
                    x1: RIGHT + 30,
                    y1: y + SPECTROGRAM_H,
                };
                y += SPECTROGRAM_H + AXIS_H;
                (Some(r), Some(bar))
            } else {
                (None, None)
            };
            y += TRACE_TITLE_H;
            let trace = Rect {
                x0: LEFT,
                y0: y,
                x1: RIGHT,
                y1: y + TRACE_H,
            };
            y += TRACE_H + AXIS_H;
            let legend = Rect {
                x0: 8,
                y0: y,
                x1: WIDTH as i32 - 8,
                y1: y + LEGEND_H,
            };
            y += LEGEND_H + BLOCK_GAP;
            keys.push(KeyLayout {
                header_y,
                headline,
                spectrogram,
                colour_bar,
                trace,
                legend,
            });
        }
        Layout {
            width: WIDTH,
            height: y.max(1) as u32,
            keys,
            time_span_s: if time_span_s > 0.0 { time_span_s } else { 1.0 },
        }
    }

    /// The (fractional) pixel column of time `t_s` on a spectrogram's time axis.
    pub fn x_of_time(&self, t_s: f64) -> f64 {
        LEFT as f64 + t_s / self.time_span_s * (RIGHT - LEFT) as f64
    }

    /// The time range covered by pixel column `x` of a spectrogram.
    pub fn time_of_column(&self, x: i32) -> (f64, f64) {
        let w = (RIGHT - LEFT) as f64;
        let a = (x - LEFT) as f64 / w * self.time_span_s;
        (a, a + self.time_span_s / w)
    }

    /// The pixel columns of a box drawn for a transmission from `start_s` to `end_s`: the
    /// first and last columns of its outline.
    pub fn box_columns(&self, start_s: f64, end_s: f64) -> (i32, i32) {
        let a = self.x_of_time(start_s).floor() as i32 - 1;
        let b = (self.x_of_time(end_s).ceil() as i32 + 1).max(a + 4);
        (a.max(LEFT), b.min(RIGHT - 1))
    }
}

/// Keyword of the PNG iTXt chunk holding a picture's [`Notes`] as JSON.
pub const NOTES_KEYWORD: &str = "fobscope-layout";

/// What a picture shows, written into the PNG beside the pixels: its geometry and, per key,
/// the numbers behind what is drawn.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Notes {
    /// The geometry.
    pub layout: Layout,
    /// Bottom of the colour scale, dBFS per bin.
    pub db_lo: f32,
    /// Top of the colour scale, dBFS per bin.
    pub db_hi: f32,
    /// `"fixed"` or `"auto"`.
    pub scale: String,
    /// One entry per key, in the order of `layout.keys`.
    pub keys: Vec<KeyNotes>,
}

/// The numbers behind one key's block.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyNotes {
    /// The headline as drawn, one string per line.
    pub headline: Vec<String>,
    /// Pixel rows `(first, last)` of the dongle's DC line, drawn dim, when one was found.
    pub dc_rows: Option<(i32, i32)>,
    /// Where its label ("dongle DC offset, not a signal") was drawn.
    pub dc_label: Option<Rect>,
    /// The Te written in the trace panel's title, µs.
    pub te_us: Option<f64>,
}

/// The (fractional) pixel row of a frequency offset `f_hz` from the centre in a spectrogram
/// panel `r` of a recording sampled at `fs_hz` (top = +fs/2).
pub fn y_of_offset(r: &Rect, f_hz: f64, fs_hz: f64) -> f64 {
    r.y0 as f64 + (0.5 - f_hz / fs_hz) * r.height() as f64
}

/// Number of distinct colours in the scale (quantised so pictures compress well).
pub const COLOUR_STEPS: u32 = 16;

/// The colour of a level `v` in `0..=1` on the scale (a dark-to-bright "inferno"-like ramp:
/// black, purple, red, orange, pale yellow; it never produces [`BOX_RGB`]).
pub fn colour(v: f32) -> [u8; 3] {
    const STOPS: [(f32, [f32; 3]); 5] = [
        (0.0, [0.0, 0.0, 4.0]),
        (0.25, [87.0, 16.0, 110.0]),
        (0.5, [188.0, 55.0, 84.0]),
        (0.75, [249.0, 142.0, 9.0]),
        (1.0, [252.0, 255.0, 164.0]),
    ];
    let steps = COLOUR_STEPS as f32 - 1.0;
    let v = (v.clamp(0.0, 1.0) * steps).round() / steps;
    for w in STOPS.windows(2) {
        let (a, ca) = w[0];
        let (b, cb) = w[1];
        if v <= b {
            let k = (v - a) / (b - a);
            let mut out = [0u8; 3];
            for i in 0..3 {
                out[i] = (ca[i] + (cb[i] - ca[i]) * k).round() as u8;
            }
            return out;
        }
    }
    [252, 255, 164]
}

/// A "nice" tick step (1, 2 or 5 × a power of ten) giving at most `max_ticks` ticks over
/// `span`.
pub fn tick_step(span: f64, max_ticks: usize) -> f64 {
    if span.is_nan() || span <= 0.0 || max_ticks == 0 {
        return 1.0;
    }
    let raw = span / max_ticks as f64;
    let p = 10f64.powf(raw.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if m * p >= raw {
            return m * p;
        }
    }
    10.0 * p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_stack_without_overlap() {
        let l = Layout::new(&[true, false, true], 2.0);
        assert_eq!(l.keys.len(), 3);
        let mut bottom = 0;
        for k in &l.keys {
            assert!(k.header_y >= bottom);
            if let Some(s) = k.spectrogram {
                assert!(s.y0 >= k.header_y + HEADER_H && s.y1 <= k.trace.y0);
                assert_eq!(s.width(), RIGHT - LEFT);
            }
            bottom = k.trace.y1;
        }
        assert!(bottom <= l.height as i32);
        assert!(l.keys[1].spectrogram.is_none());
    }

    #[test]
    fn a_longer_headline_makes_room_and_pushes_the_panels_down() {
        let one = Layout::new(&[true], 1.0);
        let three = Layout::with_blocks(
            &[BlockSpec {
                spectrogram: true,
                headline_lines: 3,
            }],
            1.0,
        );
        let (a, b) = (one.keys[0], three.keys[0]);
        assert_eq!(b.headline.height(), 3 * HEADLINE_LINE_H);
        let shift = 2 * HEADLINE_LINE_H;
        assert_eq!(b.spectrogram.unwrap().y0, a.spectrogram.unwrap().y0 + shift);
        assert!(b.spectrogram.unwrap().y0 > b.headline.y1);
        assert_eq!(b.legend.y0, a.legend.y0 + shift);
        assert!(b.legend.y0 >= b.trace.y1 + AXIS_H);
        assert_eq!(three.height, one.height + shift as u32);
    }

    #[test]
    fn time_maps_to_columns_and_back() {
        let l = Layout::new(&[true], 0.8);
        assert_eq!(l.x_of_time(0.0), LEFT as f64);
        assert_eq!(l.x_of_time(0.8), RIGHT as f64);
        for x in [LEFT, LEFT + 100, RIGHT - 1] {
            let (a, b) = l.time_of_column(x);
            assert!((l.x_of_time(a) - x as f64).abs() < 1e-9);
            assert!(b > a);
        }
        let (a, b) = l.box_columns(0.2, 0.4);
        assert!(a < l.x_of_time(0.2) as i32 && b > l.x_of_time(0.4) as i32);
    }

    #[test]
    fn colour_scale_is_monotonic_in_brightness_and_never_the_box_colour() {
        let mut last = -1.0;
        for i in 0..=100 {
            let c = colour(i as f32 / 100.0);
            assert_ne!(c, BOX_RGB);
            let lum = 0.3 * c[0] as f32 + 0.59 * c[1] as f32 + 0.11 * c[2] as f32;
            assert!(lum >= last - 1e-3, "{i}: {lum} < {last}");
            last = lum;
        }
    }

    #[test]
    fn nice_ticks() {
        assert_eq!(tick_step(0.77, 8), 0.1);
        assert_eq!(tick_step(250e3, 10), 50e3);
        assert_eq!(tick_step(10.0, 10), 1.0);
        assert_eq!(
            y_of_offset(
                &Layout::new(&[true], 1.0).keys[0].spectrogram.unwrap(),
                0.0,
                1.0
            ),
            (HEADER_H + SPECTROGRAM_H / 2) as f64
        );
    }
}
