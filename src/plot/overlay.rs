//! The spectrogram panel: its cells on the colour scale, the dongle's DC line drawn dim and
//! labelled, frequency and time axes, band edges, transmission boxes with their labels, and
//! the colour bar with its dBFS ticks.

use super::canvas::Canvas;
use super::layout::{BACKGROUND_RGB, BOX_RGB, Layout, Rect, colour, tick_step, y_of_offset};
use super::spectrogram::{DcLine, FFT_SIZE, SpectrogramData};
use super::text::{Anchor, width};
use crate::band::BANDS;
use crate::model::Transmission;

/// Colour of the DC line: a dim slate the colour scale never produces, so it cannot be read
/// as a level.
pub const DC_RGB: [u8; 3] = [48, 54, 66];
/// The DC line's label.
pub const DC_LABEL: &str = "dongle DC offset, not a signal";
/// A DC-line cell is drawn dim while its power stays within this factor of the line's
/// steady power (3 dB); above it (a burst on the centre frequency) it is drawn in colour.
const DC_RISE: f32 = 2.0;

pub(super) const TEXT: [u8; 3] = [230, 230, 235];
pub(super) const DIM: [u8; 3] = [150, 150, 160];
pub(super) const FRAME: [u8; 3] = [80, 80, 92];
/// Colour of the band edges.
pub const EDGE_RGB: [u8; 3] = [140, 255, 140];

/// Decimals for tick labels `step` apart.
pub(super) fn decimals(step: f64) -> usize {
    (-step.log10().floor()).max(0.0) as usize
}

/// Paints the cells of `s` into panel `r` on the colour scale `db_lo..db_hi`; the rows of the
/// DC line, where they hold only the DC, in [`DC_RGB`]. Returns the pixel rows
/// `(first, last)` of the DC line, when drawn.
pub fn paint(
    cv: &mut Canvas,
    layout: &Layout,
    r: &Rect,
    s: &SpectrogramData,
    (db_lo, db_hi): (f32, f32),
    dc: Option<&DcLine>,
) -> Option<(i32, i32)> {
    let h = r.height();
    let span = (db_hi - db_lo).max(1.0);
    let mut dc_rows: Option<(i32, i32)> = None;
    for x in r.x0..r.x1 {
        let (ta, tb) = layout.time_of_column(x);
        for dy in 0..h {
            let r0 = FFT_SIZE * (h - 1 - dy) as usize / h as usize;
            let r1 = (FFT_SIZE * (h - dy) as usize / h as usize).max(r0 + 1);
            let y = r.y0 + dy;
            let c = match s.cell_db(ta, tb, r0, r1) {
                Some(db) => match dc.and_then(|d| d.steady_in(r0, r1)) {
                    Some(steady) if 10f32.powf(db / 10.0) <= steady * DC_RISE => {
                        dc_rows = Some(match dc_rows {
                            None => (y, y),
                            Some((a, b)) => (a.min(y), b.max(y)),
                        });
                        DC_RGB
                    }
                    _ => colour((db - db_lo) / span),
                },
                None => BACKGROUND_RGB,
            };
            cv.put(x, y, c);
        }
    }
    dc_rows
}

/// Paints the colour bar (top = hottest).
pub fn paint_colour_bar(cv: &mut Canvas, bar: &Rect) {
    let h = bar.height();
    for dy in 0..h {
        let c = colour(1.0 - dy as f32 / (h - 1).max(1) as f32);
        cv.fill((bar.x0, bar.y0 + dy), (bar.x1, bar.y0 + dy + 1), c);
    }
}

/// A label on a black plate at `(x, y)` (top left) unless it overlaps one in `taken`;
/// returns its rectangle when drawn.
fn plate(
    cv: &mut Canvas,
    label: &str,
    (x, y): (i32, i32),
    c: [u8; 3],
    within: &Rect,
    taken: &mut Vec<Rect>,
) -> Result<Option<Rect>, String> {
    let lw = width(label, 12.0).ceil() as i32 + 6;
    let lr = Rect {
        x0: x,
        y0: y,
        x1: x + lw,
        y1: y + 16,
    };
    if lr.y0 < within.y0 || lr.y1 > within.y1 || lr.x1 > within.x1 {
        return Ok(None);
    }
    let clash = taken
        .iter()
        .any(|o| lr.x0 < o.x1 && o.x0 < lr.x1 && lr.y0 < o.y1 && o.y0 < lr.y1);
    if clash {
        return Ok(None);
    }
    cv.fill((lr.x0, lr.y0), (lr.x1, lr.y1), [0, 0, 0]);
    cv.text(
        label,
        (x + 3, y + 2),
        12.0,
        c,
        (Anchor::Start, Anchor::Start),
    )?;
    taken.push(lr);
    Ok(Some(lr))
}

/// Axes, band edges, transmission boxes and labels over the painted panel `r`, and the DC
/// line's label beside its rows `dc_rows`. Returns where that label went.
pub fn draw(
    cv: &mut Canvas,
    layout: &Layout,
    r: &Rect,
    fs: f64,
    centre: Option<f64>,
    transmissions: &[Transmission],
    dc_rows: Option<(i32, i32)>,
) -> Result<Option<Rect>, String> {
    cv.outline(r, FRAME);
    // Frequency axis.
    let step = tick_step(fs, 8);
    let mut f = (-fs / 2.0 / step).ceil() * step;
    while f <= fs / 2.0 {
        let y = y_of_offset(r, f, fs).round() as i32;
        if y >= r.y0 && y < r.y1 {
            cv.fill((r.x0 - 5, y), (r.x0, y + 1), DIM);
            let label = match centre {
                Some(c) => format!("{:.3}", (c + f) / 1e6),
                None => format!("{:+.0}k", f / 1e3),
            };
            cv.text(
                &label,
                (r.x0 - 7, y),
                12.0,
                DIM,
                (Anchor::End, Anchor::Centre),
            )?;
        }
        f += step;
    }
    let unit = if centre.is_some() { "MHz" } else { "offset Hz" };
    cv.text(
        unit,
        (r.x0 - 7, r.y0 - 2),
        12.0,
        DIM,
        (Anchor::End, Anchor::End),
    )?;
    // Time axis.
    let span = layout.time_span_s;
    let step = tick_step(span, 10);
    let d = decimals(step);
    let mut t = 0.0;
    while t <= span + 1e-9 {
        let x = layout.x_of_time(t).round() as i32;
        cv.fill((x, r.y1 - 4), (x + 1, r.y1), DIM);
        cv.text(
            &format!("{t:.d$} s"),
            (x, r.y1 + 4),
            12.0,
            DIM,
            (Anchor::Centre, Anchor::Start),
        )?;
        t += step;
    }
    // Band edges inside the span.
    if let Some(c) = centre {
        for b in &BANDS {
            for (edge, which) in [(b.low_hz, "low"), (b.high_hz, "high")] {
                let off = edge - c;
                if off.abs() >= fs / 2.0 {
                    continue;
                }
                let y = y_of_offset(r, off, fs).round() as i32;
                let mut x = r.x0;
                while x < r.x1 {
                    cv.fill((x, y), ((x + 8).min(r.x1), y + 1), EDGE_RGB);
                    x += 14;
                }
                let label = format!("{} MHz band {which} edge {:.3}", b.id, edge / 1e6);
                let (v, ly) = if which == "low" {
                    (Anchor::Start, y + 2)
                } else {
                    (Anchor::End, y - 1)
                };
                cv.text(&label, (r.x1 - 4, ly), 12.0, EDGE_RGB, (Anchor::End, v))?;
            }
        }
    }
    // Transmission boxes and labels.
    let mut taken: Vec<Rect> = Vec::new();
    for (i, t) in transmissions.iter().enumerate().take(500) {
        let Some(off) = t.freq_offset_hz else {
            continue;
        };
        let (xa, xb) = layout.box_columns(t.start_s, t.start_s + t.duration_s);
        let half = (t.bandwidth_hz.unwrap_or(10e3) / 2.0)
            .max(t.fsk_deviation_hz.unwrap_or(0.0).abs() * 1.3)
            .max(3e3);
        let mut ya = y_of_offset(r, off + half, fs).floor() as i32;
        let mut yb = y_of_offset(r, off - half, fs).ceil() as i32;
        if yb - ya < 24 {
            let mid = (ya + yb) / 2;
            ya = mid - 12;
            yb = mid + 12;
        }
        let ya = ya.max(r.y0);
        let yb = yb.min(r.y1 - 1);
        cv.fill((xa, ya), (xb + 1, ya + 2), BOX_RGB);
        cv.fill((xa, yb - 1), (xb + 1, yb + 1), BOX_RGB);
        cv.fill((xa, ya), (xa + 2, yb + 1), BOX_RGB);
        cv.fill((xb - 1, ya), (xb + 1, yb + 1), BOX_RGB);
        let mut label = format!("#{}", i + 1);
        if let Some(f) = t.freq_hz {
            label.push_str(&format!(" {:.3} MHz", f / 1e6));
        } else {
            label.push_str(&format!(" {:+.1} kHz", off / 1e3));
        }
        if let Some(m) = t.modulation {
            label.push(' ');
            label.push_str(m.name());
        }
        let proto = t
            .frames
            .iter()
            .find_map(|f| f.protocol.clone())
            .unwrap_or_else(|| t.coding.name().to_string());
        label.push(' ');
        label.push_str(&proto);
        let lw = width(&label, 12.0).ceil() as i32 + 6;
        let lx = xa.clamp(r.x0 + 1, (r.x1 - lw - 1).max(r.x0 + 1));
        for ly in [ya - 17, yb + 2, ya - 34, yb + 19] {
            if plate(cv, &label, (lx, ly), TEXT, r, &mut taken)?.is_some() {
                break;
            }
        }
    }
    // The DC line's label, at the left end of the line, above it or else below it.
    let Some((top, bottom)) = dc_rows else {
        return Ok(None);
    };
    for ly in [top - 18, bottom + 3, top - 36, bottom + 21] {
        if let Some(at) = plate(cv, DC_LABEL, (r.x0 + 4, ly), DIM, r, &mut taken)? {
            return Ok(Some(at));
        }
    }
    Ok(None)
}

/// The colour bar's frame, dBFS ticks and unit.
pub fn draw_colour_scale(
    cv: &mut Canvas,
    bar: &Rect,
    (db_lo, db_hi): (f32, f32),
) -> Result<(), String> {
    cv.outline(bar, FRAME);
    let span = (db_hi - db_lo).max(1.0) as f64;
    let step = tick_step(span, 6);
    let mut v = (db_lo as f64 / step).ceil() * step;
    while v <= db_hi as f64 + 1e-6 {
        let y = bar.y1 as f64 - (v - db_lo as f64) / span * bar.height() as f64;
        let y = y.round() as i32;
        cv.fill((bar.x1, y), (bar.x1 + 4, y + 1), DIM);
        cv.text(
            &format!("{v:.0}"),
            (bar.x1 + 6, y),
            12.0,
            DIM,
            (Anchor::Start, Anchor::Centre),
        )?;
        v += step;
    }
    cv.text(
        "dBFS",
        (bar.x0, bar.y0 - 2),
        12.0,
        DIM,
        (Anchor::Start, Anchor::End),
    )
}
