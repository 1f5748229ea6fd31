//! The legend line under each key's block: a swatch and a few words for every kind of mark
//! the block shows, so the picture reads without this manual.

use super::canvas::Canvas;
use super::layout::{BOX_RGB, MARK_RGB, Rect};
use super::overlay::{DC_RGB, DIM, EDGE_RGB, TEXT};
use super::text::{Anchor, width};
use super::trace::TraceKind;

/// Colour of the demodulated trace.
pub const TRACE_RGB: [u8; 3] = [255, 196, 64];

/// One legend entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// A box on the spectrogram: a detected transmission.
    Transmission,
    /// The dashed green line: a key-fob band edge.
    BandEdge,
    /// The dim line at the centre: the dongle's DC offset.
    DcOffset,
    /// The trace: envelope or instantaneous frequency.
    Trace(TraceKind),
    /// The green bars: sliced marks.
    Marks,
    /// The digits over the marks: sliced bits.
    Bits,
}

impl Entry {
    /// The words beside the swatch.
    pub fn words(self) -> &'static str {
        match self {
            Entry::Transmission => "transmission found",
            Entry::BandEdge => "key-fob band edge",
            Entry::DcOffset => "dongle DC offset",
            Entry::Trace(TraceKind::Envelope) => "envelope (× full scale)",
            Entry::Trace(TraceKind::Frequency) => "frequency from the carrier",
            Entry::Marks => "sliced marks (carrier on)",
            Entry::Bits => "bits",
        }
    }

    /// The swatch's colour.
    pub fn colour(self) -> [u8; 3] {
        match self {
            Entry::Transmission => BOX_RGB,
            Entry::BandEdge => EDGE_RGB,
            Entry::DcOffset => DC_RGB,
            Entry::Trace(_) => TRACE_RGB,
            Entry::Marks => MARK_RGB,
            Entry::Bits => TEXT,
        }
    }
}

/// Width of a swatch, px.
pub const SWATCH_W: i32 = 18;

/// Draws `entries` left to right in `r`; returns each swatch's rectangle.
pub fn draw(cv: &mut Canvas, r: &Rect, entries: &[Entry]) -> Result<Vec<(Entry, Rect)>, String> {
    let mut x = r.x0;
    let mid = (r.y0 + r.y1) / 2;
    let mut out = Vec::new();
    for &e in entries {
        let words = e.words();
        let need = SWATCH_W + 6 + width(words, 12.0).ceil() as i32 + 16;
        if x + need > r.x1 {
            break;
        }
        let sw = Rect {
            x0: x,
            y0: mid - 5,
            x1: x + SWATCH_W,
            y1: mid + 5,
        };
        let c = e.colour();
        match e {
            Entry::Transmission => {
                cv.fill((sw.x0, sw.y0), (sw.x1, sw.y0 + 2), c);
                cv.fill((sw.x0, sw.y1 - 2), (sw.x1, sw.y1), c);
                cv.fill((sw.x0, sw.y0), (sw.x0 + 2, sw.y1), c);
                cv.fill((sw.x1 - 2, sw.y0), (sw.x1, sw.y1), c);
            }
            Entry::BandEdge => {
                cv.fill((sw.x0, mid), (sw.x0 + 8, mid + 1), c);
                cv.fill((sw.x0 + 12, mid), (sw.x1, mid + 1), c);
            }
            Entry::DcOffset => cv.fill((sw.x0, mid - 1), (sw.x1, mid + 2), c),
            Entry::Trace(_) => {
                for k in 0..SWATCH_W {
                    let up = (k / 4) % 2 == 0;
                    let y = if up { sw.y0 + 1 } else { sw.y1 - 2 };
                    cv.fill((sw.x0 + k, y), (sw.x0 + k + 1, y + 1), c);
                    if k % 4 == 0 {
                        cv.fill((sw.x0 + k, sw.y0 + 1), (sw.x0 + k + 1, sw.y1 - 1), c);
                    }
                }
            }
            Entry::Marks => {
                cv.fill((sw.x0, sw.y0 + 2), (sw.x0 + 6, sw.y1 - 2), c);
                cv.fill((sw.x0 + 10, sw.y0 + 2), (sw.x1, sw.y1 - 2), c);
            }
            Entry::Bits => {
                cv.text(
                    "01",
                    (sw.x0 + SWATCH_W / 2, mid),
                    12.0,
                    c,
                    (Anchor::Centre, Anchor::Centre),
                )?;
            }
        }
        cv.text(
            words,
            (sw.x1 + 6, mid),
            12.0,
            DIM,
            (Anchor::Start, Anchor::Centre),
        )?;
        out.push((e, sw));
        x += need;
    }
    Ok(out)
}
