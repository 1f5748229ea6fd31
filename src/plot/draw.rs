//! Drawing a picture into an RGB buffer: each key's header (title and the whole verdict,
//! wrapped), its spectrogram panel ([`super::overlay`]), its trace panel with sliced pulses
//! and bits, and its legend ([`super::legend`]).

use super::canvas::Canvas;
use super::layout::{
    BACKGROUND_RGB, HEADLINE_LINE_H, HEADLINE_SIZE, KeyLayout, KeyNotes, Layout, MARK_RGB,
    TRACE_TITLE_H, tick_step,
};
use super::legend::{self, Entry, TRACE_RGB};
use super::overlay::{self, DIM, TEXT, decimals};
use super::spectrogram::SpectrogramData;
use super::text::{Anchor, wrap};
use super::trace::{BUCKETS, BitMark, TraceData, TraceKind};
use crate::band::BANDS;
use crate::model::{InputSummary, Transmission};

/// Everything drawn for one key.
pub struct KeyPicture<'a> {
    /// What was read.
    pub input: &'a InputSummary,
    /// The verdict (or a summary), shown whole under the title.
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

impl KeyPicture<'_> {
    /// The subtitle broken into the lines drawn.
    pub fn headline_lines(&self, width_px: u32) -> Vec<String> {
        wrap(&self.subtitle, HEADLINE_SIZE, (width_px as i32 - 16) as f32)
    }
}

/// Scales shared by every key of a picture.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scales {
    /// Bottom of the colour scale, dBFS per bin.
    pub db_lo: f32,
    /// Top of the colour scale, dBFS per bin.
    pub db_hi: f32,
    /// Full height of an envelope trace (× full scale).
    pub envelope_peak: f32,
    /// Half height of a frequency trace, Hz.
    pub frequency_peak: f32,
}

type DrawResult = Result<(), String>;
/// Value → pixel row of a trace.
type YMap = Box<dyn Fn(f32) -> f32>;

/// The Te written for a transmission: the protocol decoder's, measured over whole bit
/// periods (a KeeLoq bit is 3 Te), when a frame carries one; else the line code's unit.
/// The verdict judges the protocol's figure, so the picture shows that one: a mark's own
/// width reads long by the rise and fall of the receiver's filter, the period does not.
pub fn te_shown(t: &Transmission) -> Option<f64> {
    t.frames
        .iter()
        .find_map(|f| f.fields.get("te_us").and_then(|v| v.as_f64()))
        .or(t.te_us)
}

/// Renders the picture; returns the RGB buffer (`width × height × 3`) and what each key's
/// block shows.
pub fn render(
    layout: &Layout,
    keys: &[KeyPicture],
    scales: &Scales,
) -> Result<(Vec<u8>, Vec<KeyNotes>), String> {
    let mut cv = Canvas::new(layout.width, layout.height, BACKGROUND_RGB);
    let mut notes = Vec::with_capacity(keys.len());
    for (k, kl) in keys.iter().zip(&layout.keys) {
        notes.push(draw_key(&mut cv, layout, kl, k, scales)?);
    }
    Ok((cv.rgb, notes))
}

fn mhz(f: f64) -> String {
    format!("{:.4} MHz", f / 1e6)
}

fn draw_key(
    cv: &mut Canvas,
    layout: &Layout,
    kl: &KeyLayout,
    k: &KeyPicture,
    scales: &Scales,
) -> Result<KeyNotes, String> {
    // Header: the title, then the whole verdict.
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
    let top = (Anchor::Start, Anchor::Start);
    cv.text(&head, (8, kl.header_y + 3), 15.0, TEXT, top)?;
    let lines = k.headline_lines(layout.width);
    for (i, line) in lines.iter().enumerate() {
        let y = kl.headline.y0 + i as i32 * HEADLINE_LINE_H;
        cv.text(
            line,
            (kl.headline.x0, y),
            HEADLINE_SIZE,
            k.subtitle_rgb,
            top,
        )?;
    }
    let mut entries = Vec::new();
    let (mut dc_rows, mut dc_label) = (None, None);
    if let (Some(r), Some(s)) = (kl.spectrogram, &k.spectrogram) {
        let fs = k.input.sample_rate_hz.unwrap_or(s.sample_rate_hz);
        let dc = s.dc_line();
        dc_rows = overlay::paint(cv, layout, &r, s, (scales.db_lo, scales.db_hi), dc.as_ref());
        dc_label = overlay::draw(
            cv,
            layout,
            &r,
            fs,
            k.input.center_freq_hz,
            k.transmissions,
            dc_rows,
        )?;
        if let Some(bar) = kl.colour_bar {
            overlay::paint_colour_bar(cv, &bar);
            overlay::draw_colour_scale(cv, &bar, (scales.db_lo, scales.db_hi))?;
        }
        if !k.transmissions.is_empty() {
            entries.push(Entry::Transmission);
        }
        if edges_shown(k.input.center_freq_hz, fs) {
            entries.push(Entry::BandEdge);
        }
        if dc_rows.is_some() {
            entries.push(Entry::DcOffset);
        }
    }
    let te_us = draw_trace(cv, kl, k, scales)?;
    if k.shown.is_some() {
        if let Some(tr) = &k.trace {
            entries.push(Entry::Trace(tr.kind));
        }
        entries.push(Entry::Marks);
        entries.push(Entry::Bits);
    }
    legend::draw(cv, &kl.legend, &entries)?;
    Ok(KeyNotes {
        headline: lines,
        dc_rows,
        dc_label,
        te_us,
    })
}

/// True when a band edge falls inside the span of a recording centred on `centre`.
fn edges_shown(centre: Option<f64>, fs: f64) -> bool {
    let Some(c) = centre else { return false };
    BANDS
        .iter()
        .any(|b| (b.low_hz - c).abs() < fs / 2.0 || (b.high_hz - c).abs() < fs / 2.0)
}

/// Draws the trace panel; returns the Te written in its title.
fn draw_trace(
    cv: &mut Canvas,
    kl: &KeyLayout,
    k: &KeyPicture,
    scales: &Scales,
) -> Result<Option<f64>, String> {
    let r = kl.trace;
    cv.fill((r.x0, r.y0), (r.x1, r.y1), [8, 8, 12]);
    cv.outline(&r, overlay::FRAME);
    let title_y = r.y0 - TRACE_TITLE_H + 3;
    let Some(i) = k.shown else {
        let msg = if k.spectrogram.is_some() || k.transmissions.is_empty() {
            "no transmission detected: nothing to demodulate"
        } else {
            "no transmission to show"
        };
        let mid = ((r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2);
        cv.text(msg, mid, 15.0, DIM, (Anchor::Centre, Anchor::Centre))?;
        return Ok(None);
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
    let te = te_shown(t);
    if let Some(te) = te {
        title.push_str(&format!(", Te {te:.0} µs"));
    }
    title.push_str(&format!(": {what}"));
    let top = (Anchor::Start, Anchor::Start);
    cv.text(&title, (r.x0, title_y), 13.0, TEXT, top)?;
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
        cv.fill((x, r.y1 - 4), (x + 1, r.y1), DIM);
        cv.text(
            &format!("{ms:.d$} ms"),
            (x, r.y1 + 4),
            12.0,
            DIM,
            (Anchor::Centre, Anchor::Start),
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
        draw_trace_values(cv, &r, tr, (trace_top, trace_bottom), scales, &tx)?;
    }
    // Sliced marks.
    cv.fill((r.x0, mark_bottom), (r.x1, mark_bottom + 1), [40, 90, 50]);
    for &(a, b) in &k.marks {
        let xa = tx(a).round() as i32;
        let xb = (tx(b).round() as i32).max(xa + 1);
        if xb < r.x0 || xa >= r.x1 {
            continue;
        }
        cv.fill(
            (xa.max(r.x0), mark_top),
            (xb.min(r.x1), mark_bottom),
            MARK_RGB,
        );
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
            cv.text(s, (x, bits_y), 12.0, TEXT, (Anchor::Centre, Anchor::Start))?;
        }
    } else if let Some(f) = t.frames.first() {
        let s = format!(
            "bits too dense to write here; frame: {} {} ({} bits)",
            f.protocol.as_deref().unwrap_or("bits"),
            f.hex,
            f.bits.len()
        );
        cv.text(&s, (r.x0 + 4, bits_y), 12.0, TEXT, top)?;
    }
    Ok(te)
}

fn draw_trace_values(
    cv: &mut Canvas,
    r: &super::layout::Rect,
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
        cv.fill((r.x0 - 5, y), (r.x0, y + 1), DIM);
        cv.text(&s, (r.x0 - 7, y), 12.0, DIM, (Anchor::End, Anchor::Centre))?;
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
        cv.fill((x, ya), (x + 1, yb.max(ya) + 1), TRACE_RGB);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Frame;

    #[test]
    fn the_protocol_te_wins_over_the_line_code_unit() {
        let mut t = crate::pipeline::describe(crate::pulse::PulseTrain::default());
        t.te_us = Some(432.0);
        assert_eq!(te_shown(&t), Some(432.0));
        let mut fields = serde_json::Map::new();
        fields.insert("te_us".into(), serde_json::json!(400.2));
        t.frames.push(Frame {
            bits: String::new(),
            hex: String::new(),
            protocol: Some("KeeLoq".into()),
            fields,
            repeats: 1,
        });
        assert_eq!(te_shown(&t), Some(400.2));
    }
}
