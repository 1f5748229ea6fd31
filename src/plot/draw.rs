//! Drawing a picture into an RGB buffer: spectrogram pixels, transmission boxes and labels,
//! band edges, the colour scale, axes, and the trace panel with sliced pulses and bits.
//!
//! Spectrogram cells are painted straight into the buffer; everything else is drawn with
//! `plotters` on a bitmap backend over the same buffer, with the bundled DejaVu Sans Mono
//! font (registered from bytes, so no system font is needed).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::layout::{
    BACKGROUND_RGB, BOX_RGB, KeyLayout, Layout, MARK_RGB, Rect, TRACE_TITLE_H, colour, tick_step,
    y_of_offset,
};
use super::spectrogram::{FFT_SIZE, SpectrogramData};
use super::trace::{BUCKETS, BitMark, TraceData, TraceKind};
use crate::band::BANDS;
use crate::model::{InputSummary, Transmission};

/// Name the bundled font is registered under.
pub const FONT_NAME: &str = "fobscope-mono";
/// The bundled font: DejaVu Sans Mono (Bitstream Vera licence, see fonts/DejaVu-LICENSE.txt).
pub const FONT_BYTES: &[u8] = include_bytes!("fonts/DejaVuSansMono.ttf");

/// Registers the bundled font with plotters (once).
pub fn register_font() -> Result<(), String> {
    static DONE: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    DONE.get_or_init(|| {
        plotters::style::register_font(FONT_NAME, FontStyle::Normal, FONT_BYTES)
            .map_err(|_| "the bundled font cannot be read".to_string())
    })
    .clone()
}

/// Everything drawn for one key.
pub struct KeyPicture<'a> {
    /// What was read.
    pub input: &'a InputSummary,
    /// Second header line (the verdict, or a summary).
    pub subtitle: String,
    /// Colour of the subtitle.
    pub subtitle_rgb: [u8; 3],
    /// The transmissions, boxed on the spectrogram.
    pub transmissions: &'a [Transmission],
    /// The spectrogram (`None` for pulse files).
    pub spectrogram: Option<SpectrogramData>,
    /// Index of the transmission shown in the trace panel.
    pub shown: Option<usize>,
    /// Its demodulated trace (`None` for pulse files).
    pub trace: Option<TraceData>,
    /// The trace panel's time window, s.
    pub window: (f64, f64),
    /// The sliced marks of the shown transmission, `(start, end)` s.
    pub marks: Vec<(f64, f64)>,
    /// Its bits and where they sit.
    pub bits: Vec<BitMark>,
}

/// Scales shared by every key of a picture.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scales {
    /// Bottom of the colour scale, dB.
    pub db_lo: f32,
    /// Top of the colour scale, dB.
    pub db_hi: f32,
    /// Full height of an envelope trace (× full scale).
    pub envelope_peak: f32,
    /// Half height of a frequency trace, Hz.
    pub frequency_peak: f32,
}

type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;
type DrawResult = Result<(), String>;
/// Value → pixel row of a trace.
type YMap = Box<dyn Fn(f32) -> f32>;

fn rgb(c: [u8; 3]) -> RGBColor {
    RGBColor(c[0], c[1], c[2])
}

const TEXT: [u8; 3] = [230, 230, 235];
const DIM: [u8; 3] = [150, 150, 160];
const FRAME: [u8; 3] = [80, 80, 92];
const TRACE_RGB: [u8; 3] = [255, 196, 64];
const EDGE_RGB: [u8; 3] = [140, 255, 140];

/// Renders the picture; returns the RGB buffer (`width × height × 3`).
pub fn render(layout: &Layout, keys: &[KeyPicture], scales: &Scales) -> Result<Vec<u8>, String> {
    register_font()?;
    let (w, h) = (layout.width, layout.height);
    let mut buf = Vec::with_capacity((w * h * 3) as usize);
    for _ in 0..w * h {
        buf.extend_from_slice(&BACKGROUND_RGB);
    }
    for (k, kl) in keys.iter().zip(&layout.keys) {
        if let (Some(r), Some(s)) = (kl.spectrogram, &k.spectrogram) {
            paint_spectrogram(&mut buf, w, layout, &r, s, scales);
        }
        if let Some(bar) = kl.colour_bar {
            paint_colour_bar(&mut buf, w, &bar);
        }
    }
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        for (k, kl) in keys.iter().zip(&layout.keys) {
            draw_key(&root, layout, kl, k, scales)?;
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(buf)
}

fn put(buf: &mut [u8], w: u32, x: i32, y: i32, c: [u8; 3]) {
    let i = (y as usize * w as usize + x as usize) * 3;
    if let Some(p) = buf.get_mut(i..i + 3) {
        p.copy_from_slice(&c);
    }
}

fn paint_spectrogram(
    buf: &mut [u8],
    w: u32,
    layout: &Layout,
    r: &Rect,
    s: &SpectrogramData,
    scales: &Scales,
) {
    let h = r.height();
    let span = (scales.db_hi - scales.db_lo).max(1.0);
    for x in r.x0..r.x1 {
        let (ta, tb) = layout.time_of_column(x);
        for dy in 0..h {
            let r0 = FFT_SIZE * (h - 1 - dy) as usize / h as usize;
            let r1 = FFT_SIZE * (h - dy) as usize / h as usize;
            let c = match s.cell_db(ta, tb, r0, r1.max(r0 + 1)) {
                Some(db) => colour((db - scales.db_lo) / span),
                None => BACKGROUND_RGB,
            };
            put(buf, w, x, r.y0 + dy, c);
        }
    }
}

fn paint_colour_bar(buf: &mut [u8], w: u32, bar: &Rect) {
    let h = bar.height();
    for dy in 0..h {
        let c = colour(1.0 - dy as f32 / (h - 1).max(1) as f32);
        for x in bar.x0..bar.x1 {
            put(buf, w, x, bar.y0 + dy, c);
        }
    }
}

fn text(
    area: &Area,
    s: &str,
    (x, y): (i32, i32),
    size: f64,
    c: [u8; 3],
    (hp, vp): (HPos, VPos),
) -> DrawResult {
    let style = (FONT_NAME, size)
        .into_font()
        .color(&rgb(c))
        .pos(Pos::new(hp, vp));
    area.draw(&Text::new(s.to_string(), (x, y), style))
        .map_err(|e| e.to_string())
}

fn fill(area: &Area, (x0, y0): (i32, i32), (x1, y1): (i32, i32), c: [u8; 3]) -> DrawResult {
    // The bitmap backend fills opaque rectangles over `x0..x1`, `y0..y1` (ends exclusive).
    area.draw(&Rectangle::new([(x0, y0), (x1, y1)], rgb(c).filled()))
        .map_err(|e| e.to_string())
}

fn outline(area: &Area, r: &Rect, c: [u8; 3]) -> DrawResult {
    area.draw(&Rectangle::new(
        [(r.x0 - 1, r.y0 - 1), (r.x1, r.y1)],
        ShapeStyle::from(&rgb(c)),
    ))
    .map_err(|e| e.to_string())
}

/// Chars × advance of the bundled monospaced font (0.602 em).
fn text_width(s: &str, size: f64) -> i32 {
    (s.chars().count() as f64 * size * 0.602).ceil() as i32
}

/// `s` cut to fit `max_px` at font `size`, ending in an ellipsis when cut.
fn fit(s: &str, size: f64, max_px: i32) -> String {
    if text_width(s, size) <= max_px {
        return s.to_string();
    }
    let keep = ((max_px as f64 / (size * 0.602)) as usize).saturating_sub(1);
    let mut out: String = s.chars().take(keep).collect();
    out.push('…');
    out
}

fn decimals(step: f64) -> usize {
    (-step.log10().floor()).max(0.0) as usize
}

fn mhz(f: f64) -> String {
    format!("{:.4} MHz", f / 1e6)
}

fn draw_key(
    area: &Area,
    layout: &Layout,
    kl: &KeyLayout,
    k: &KeyPicture,
    scales: &Scales,
) -> DrawResult {
    // Header.
    let inp = k.input;
    let mut head = format!("{}  ({}", inp.path, inp.format);
    if let Some(r) = inp.sample_rate_hz {
        head.push_str(&format!(", {:.0} kS/s", r / 1e3));
    }
    if let Some(c) = inp.center_freq_hz {
        head.push_str(&format!(", centre {}", mhz(c)));
    }
    if let Some(d) = inp.duration_s {
        head.push_str(&format!(", {d:.3} s"));
    }
    head.push_str(&format!(", {} transmission(s))", k.transmissions.len()));
    text(
        area,
        &head,
        (8, kl.header_y + 3),
        15.0,
        TEXT,
        (HPos::Left, VPos::Top),
    )?;
    text(
        area,
        &fit(&k.subtitle, 14.0, layout.width as i32 - 16),
        (8, kl.header_y + 21),
        14.0,
        k.subtitle_rgb,
        (HPos::Left, VPos::Top),
    )?;
    if let Some(r) = kl.spectrogram {
        draw_spectrogram_overlay(area, layout, &r, k)?;
        if let Some(bar) = kl.colour_bar {
            draw_colour_scale(area, &bar, scales)?;
        }
    }
    draw_trace(area, kl, k, scales)
}

fn draw_spectrogram_overlay(area: &Area, layout: &Layout, r: &Rect, k: &KeyPicture) -> DrawResult {
    outline(area, r, FRAME)?;
    let fs = k.input.sample_rate_hz.unwrap_or(1.0);
    let centre = k.input.center_freq_hz;
    // Frequency axis.
    let step = tick_step(fs, 8);
    let mut f = (-fs / 2.0 / step).ceil() * step;
    while f <= fs / 2.0 {
        let y = y_of_offset(r, f, fs).round() as i32;
        if y >= r.y0 && y < r.y1 {
            fill(area, (r.x0 - 5, y), (r.x0, y + 1), DIM)?;
            let label = match centre {
                Some(c) => format!("{:.3}", (c + f) / 1e6),
                None => format!("{:+.0}k", f / 1e3),
            };
            text(
                area,
                &label,
                (r.x0 - 7, y),
                12.0,
                DIM,
                (HPos::Right, VPos::Center),
            )?;
        }
        f += step;
    }
    let unit = if centre.is_some() { "MHz" } else { "offset Hz" };
    text(
        area,
        unit,
        (r.x0 - 7, r.y0 - 2),
        12.0,
        DIM,
        (HPos::Right, VPos::Bottom),
    )?;
    // Time axis.
    let span = layout.time_span_s;
    let step = tick_step(span, 10);
    let d = decimals(step);
    let mut t = 0.0;
    while t <= span + 1e-9 {
        let x = layout.x_of_time(t).round() as i32;
        fill(area, (x, r.y1 - 4), (x + 1, r.y1), DIM)?;
        text(
            area,
            &format!("{t:.d$} s"),
            (x, r.y1 + 4),
            12.0,
            DIM,
            (HPos::Center, VPos::Top),
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
                    fill(area, (x, y), ((x + 8).min(r.x1), y + 1), EDGE_RGB)?;
                    x += 14;
                }
                let label = format!("{} MHz band {which} edge {:.3}", b.id, edge / 1e6);
                let vp = if which == "low" {
                    VPos::Top
                } else {
                    VPos::Bottom
                };
                let ly = if which == "low" { y + 2 } else { y - 1 };
                text(
                    area,
                    &label,
                    (r.x1 - 4, ly),
                    12.0,
                    EDGE_RGB,
                    (HPos::Right, vp),
                )?;
            }
        }
    }
    // Transmission boxes and labels.
    let mut taken: Vec<Rect> = Vec::new();
    for (i, t) in k.transmissions.iter().enumerate().take(500) {
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
        fill(area, (xa, ya), (xb + 1, ya + 2), BOX_RGB)?;
        fill(area, (xa, yb - 1), (xb + 1, yb + 1), BOX_RGB)?;
        fill(area, (xa, ya), (xa + 2, yb + 1), BOX_RGB)?;
        fill(area, (xb - 1, ya), (xb + 1, yb + 1), BOX_RGB)?;
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
        let lw = text_width(&label, 12.0) + 6;
        let lx = xa.clamp(r.x0 + 1, (r.x1 - lw - 1).max(r.x0 + 1));
        let candidates = [ya - 17, yb + 2, ya - 34, yb + 19];
        for ly in candidates {
            let lr = Rect {
                x0: lx,
                y0: ly,
                x1: lx + lw,
                y1: ly + 16,
            };
            if ly < r.y0 || lr.y1 > r.y1 {
                continue;
            }
            let clash = taken
                .iter()
                .any(|o| lr.x0 < o.x1 && o.x0 < lr.x1 && lr.y0 < o.y1 && o.y0 < lr.y1);
            if clash {
                continue;
            }
            fill(area, (lr.x0, lr.y0), (lr.x1, lr.y1), [0, 0, 0])?;
            text(
                area,
                &label,
                (lx + 3, ly + 2),
                12.0,
                TEXT,
                (HPos::Left, VPos::Top),
            )?;
            taken.push(lr);
            break;
        }
    }
    Ok(())
}

fn draw_colour_scale(area: &Area, bar: &Rect, scales: &Scales) -> DrawResult {
    outline(area, bar, FRAME)?;
    let span = (scales.db_hi - scales.db_lo).max(1.0) as f64;
    let step = tick_step(span, 6);
    let mut v = (scales.db_lo as f64 / step).ceil() * step;
    while v <= scales.db_hi as f64 + 1e-6 {
        let y = bar.y1 as f64 - (v - scales.db_lo as f64) / span * bar.height() as f64;
        let y = y.round() as i32;
        fill(area, (bar.x1, y), (bar.x1 + 4, y + 1), DIM)?;
        text(
            area,
            &format!("{v:.0}"),
            (bar.x1 + 6, y),
            12.0,
            DIM,
            (HPos::Left, VPos::Center),
        )?;
        v += step;
    }
    text(
        area,
        "dBFS",
        (bar.x0, bar.y0 - 2),
        12.0,
        DIM,
        (HPos::Left, VPos::Bottom),
    )
}

fn draw_trace(area: &Area, kl: &KeyLayout, k: &KeyPicture, scales: &Scales) -> DrawResult {
    let r = kl.trace;
    fill(area, (r.x0, r.y0), (r.x1, r.y1), [8, 8, 12])?;
    outline(area, &r, FRAME)?;
    let title_y = r.y0 - TRACE_TITLE_H + 3;
    let Some(i) = k.shown else {
        let msg = if k.spectrogram.is_some() || k.transmissions.is_empty() {
            "no transmission detected: nothing to demodulate"
        } else {
            "no transmission to show"
        };
        return text(
            area,
            msg,
            ((r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2),
            15.0,
            DIM,
            (HPos::Center, VPos::Center),
        );
    };
    let t = &k.transmissions[i];
    let what = match (&k.trace, k.spectrogram.is_some()) {
        (Some(tr), _) if tr.kind == TraceKind::Frequency => {
            "instantaneous frequency (FSK), sliced marks and bits"
        }
        (Some(_), _) => "envelope (OOK), sliced marks and bits",
        (None, true) => "sliced marks and bits",
        (None, false) => "pulse file: no IQ samples, only the sliced pulses and bits",
    };
    let mut title = format!("#{} ", i + 1);
    if k.transmissions.len() > 1 && k.trace.is_some() {
        title.push_str("(strongest) ");
    }
    title.push_str(&format!("{} pulses, {}", t.pulses, t.coding.name()));
    if let Some(te) = t.te_us {
        title.push_str(&format!(", Te {te:.0} µs"));
    }
    title.push_str(&format!(": {what}"));
    text(
        area,
        &title,
        (r.x0, title_y),
        13.0,
        TEXT,
        (HPos::Left, VPos::Top),
    )?;
    let (w0, w1) = k.window;
    let len = (w1 - w0).max(1e-9);
    let wpx = r.width() as f64;
    let tx = |time: f64| r.x0 as f64 + (time - w0) / len * wpx;
    // Time axis in ms from the start of the recording.
    let step = tick_step(len * 1e3, 10);
    let d = decimals(step);
    let mut ms = (w0 * 1e3 / step).ceil() * step;
    while ms <= w1 * 1e3 {
        let x = tx(ms * 1e-3).round() as i32;
        fill(area, (x, r.y1 - 4), (x + 1, r.y1), DIM)?;
        text(
            area,
            &format!("{ms:.d$} ms"),
            (x, r.y1 + 4),
            12.0,
            DIM,
            (HPos::Center, VPos::Top),
        )?;
        ms += step;
    }
    // Layout inside the panel: bits at the top, the sliced marks under them, the trace below.
    let bits_y = r.y0 + 4;
    let (mark_top, mark_bottom) = if k.trace.is_some() {
        (r.y0 + 22, r.y0 + 34)
    } else {
        (r.y0 + 30, r.y1 - 30)
    };
    let trace_top = mark_bottom + 10;
    let trace_bottom = r.y1 - 6;
    if let Some(tr) = &k.trace {
        draw_trace_values(area, &r, tr, (trace_top, trace_bottom), scales, &tx)?;
    }
    // Sliced marks.
    fill(
        area,
        (r.x0, mark_bottom),
        (r.x1, mark_bottom + 1),
        [40, 90, 50],
    )?;
    for &(a, b) in &k.marks {
        let xa = tx(a).round() as i32;
        let xb = (tx(b).round() as i32).max(xa + 1);
        if xb < r.x0 || xa >= r.x1 {
            continue;
        }
        fill(
            area,
            (xa.max(r.x0), mark_top),
            (xb.min(r.x1), mark_bottom),
            MARK_RGB,
        )?;
    }
    // Bits over their pulses, when there is room for them; else the frame as hex.
    let spacing = k
        .bits
        .windows(2)
        .map(|p| (tx(p[1].t_s) - tx(p[0].t_s)).abs())
        .fold(f64::INFINITY, f64::min);
    if !k.bits.is_empty() && spacing >= 7.0 {
        for b in &k.bits {
            let x = tx(b.t_s).round() as i32;
            if x < r.x0 || x >= r.x1 {
                continue;
            }
            let s = if b.bit { "1" } else { "0" };
            text(area, s, (x, bits_y), 12.0, TEXT, (HPos::Center, VPos::Top))?;
        }
    } else if let Some(f) = t.frames.first() {
        let s = format!(
            "bits too dense to write here; frame: {} {} ({} bits)",
            f.protocol.as_deref().unwrap_or("bits"),
            f.hex,
            f.bits.len()
        );
        text(
            area,
            &s,
            (r.x0 + 4, bits_y),
            12.0,
            TEXT,
            (HPos::Left, VPos::Top),
        )?;
    }
    Ok(())
}

fn draw_trace_values(
    area: &Area,
    r: &Rect,
    tr: &TraceData,
    (top, bottom): (i32, i32),
    scales: &Scales,
    tx: &dyn Fn(f64) -> f64,
) -> DrawResult {
    let h = (bottom - top) as f32;
    let (y_of, labels): (YMap, Vec<(f32, String)>) = match tr.kind {
        TraceKind::Envelope => {
            let peak = scales.envelope_peak.max(1e-6);
            (
                Box::new(move |v: f32| bottom as f32 - v / peak * h),
                vec![(0.0, "0".into()), (peak, format!("{peak:.2} FS"))],
            )
        }
        TraceKind::Frequency => {
            let peak = scales.frequency_peak.max(1.0);
            let mid = (top + bottom) as f32 / 2.0;
            (
                Box::new(move |v: f32| mid - v / peak * h / 2.0),
                vec![
                    (peak, format!("{:+.0}k", peak / 1e3)),
                    (0.0, "0 Hz".into()),
                    (-peak, format!("{:+.0}k", -peak / 1e3)),
                ],
            )
        }
    };
    for (v, s) in labels {
        let y = y_of(v).round() as i32;
        fill(area, (r.x0 - 5, y), (r.x0, y + 1), DIM)?;
        text(
            area,
            &s,
            (r.x0 - 7, y),
            12.0,
            DIM,
            (HPos::Right, VPos::Center),
        )?;
    }
    let blen = (tr.t1 - tr.t0) / BUCKETS as f64;
    // Merge buckets into pixel columns.
    let mut cols: Vec<Option<(f32, f32)>> = vec![None; r.width().max(0) as usize];
    for (i, b) in tr.buckets.iter().enumerate() {
        let Some(b) = b else { continue };
        let t = tr.t0 + (i as f64 + 0.5) * blen;
        let x = tx(t).floor() as i32 - r.x0;
        if x < 0 || x >= r.width() {
            continue;
        }
        let c = &mut cols[x as usize];
        *c = Some(match *c {
            None => (b.min, b.max),
            Some((lo, hi)) => (lo.min(b.min), hi.max(b.max)),
        });
    }
    for (dx, c) in cols.iter().enumerate() {
        let Some((lo, hi)) = c else { continue };
        let ya = (y_of(*hi).round() as i32).clamp(top, bottom);
        let yb = (y_of(*lo).round() as i32).clamp(top, bottom);
        let x = r.x0 + dx as i32;
        fill(area, (x, ya), (x + 1, yb.max(ya) + 1), TRACE_RGB)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_font_registers_and_renders_text() {
        register_font().unwrap();
        let layout = Layout::new(&[false], 1.0);
        let mut buf = vec![0u8; (layout.width * layout.height * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut buf, (layout.width, layout.height))
                .into_drawing_area();
            text(
                &root,
                "0101 key",
                (10, 10),
                20.0,
                [255, 255, 255],
                (HPos::Left, VPos::Top),
            )
            .unwrap();
            root.present().unwrap();
        }
        let lit = buf.chunks(3).filter(|p| p[0] > 128).count();
        assert!(lit > 50, "text drew {lit} bright pixels");
    }

    #[test]
    fn long_lines_are_cut_to_fit() {
        let s = "x".repeat(300);
        let f = fit(&s, 14.0, 1184);
        assert!(text_width(&f, 14.0) <= 1184 && f.ends_with('…'));
        assert_eq!(fit("short", 14.0, 1184), "short");
    }
}
