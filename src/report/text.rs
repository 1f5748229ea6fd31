//! The human-readable report: a header line about the input, an aligned table with one row
//! per transmission, and the frames of each transmission beneath.

use std::fmt::Write;

use super::table::{Align, Table};
use super::{mhz, offset, rate, trim_float};
use crate::model::{Frame, Report, Transmission};

/// Longest bit string printed in full; longer rows are shortened in the middle.
const MAX_BITS_SHOWN: usize = 96;

/// One line describing the input: format, rate, centre, duration and covered span.
pub fn input_line(report: &Report) -> String {
    let i = &report.input;
    let mut parts = vec![i.format.clone()];
    if let Some(r) = i.sample_rate_hz {
        parts.push(rate(r));
    }
    match i.center_freq_hz {
        Some(c) => parts.push(format!("centre {}", mhz(c))),
        None => parts.push("centre frequency unknown (give --freq)".into()),
    }
    if let Some(d) = i.duration_s {
        parts.push(format!("{} s", trim_float(d, 3)));
    }
    if let Some((lo, hi)) = i.covered_span_hz() {
        parts.push(format!("covers {:.3}–{:.3} MHz", lo / 1e6, hi / 1e6));
    }
    parts.join(", ")
}

/// The full `analyze` report.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", report.input.path);
    let _ = writeln!(out, "  {}", input_line(report));
    for w in &report.warnings {
        let _ = writeln!(out, "  warning: {w}");
    }
    let n = report.transmissions.len();
    if n == 0 {
        let _ = writeln!(out, "  no transmissions found");
        return out;
    }
    let _ = writeln!(out, "  {n} transmission{}\n", if n == 1 { "" } else { "s" });
    out.push_str(&transmission_table(&report.transmissions).render("  "));
    for (k, t) in report.transmissions.iter().enumerate() {
        if !t.spurs.is_empty() {
            let _ = writeln!(out, "\n  #{} spurs: {}", k + 1, spur_list(t));
        }
        if t.frames.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n  #{} frames:", k + 1);
        for f in &t.frames {
            out.push_str(&frame_lines(f, "    "));
        }
    }
    out
}

/// The spurs of a transmission: frequency and level relative to its carrier.
pub fn spur_list(x: &Transmission) -> String {
    let v: Vec<String> = x
        .spurs
        .iter()
        .map(|s| {
            let f = match s.freq_hz {
                Some(f) => mhz(f),
                None => format!("{} from centre", offset(s.freq_offset_hz)),
            };
            format!("{f} {:.0} dBc", s.level_dbc)
        })
        .collect();
    v.join(", ")
}

/// The table of transmissions.
pub fn transmission_table(ts: &[Transmission]) -> Table {
    let mut t = Table::new(&[
        ("#", Align::Right),
        ("start", Align::Right),
        ("length", Align::Right),
        ("frequency", Align::Left),
        ("band", Align::Left),
        ("mod", Align::Left),
        ("level", Align::Right),
        ("SNR", Align::Right),
        ("coding", Align::Left),
        ("short/long/gap µs", Align::Right),
        ("bit/s", Align::Right),
        ("pulses", Align::Right),
    ]);
    for (k, x) in ts.iter().enumerate() {
        t.row(vec![
            (k + 1).to_string(),
            format!("{:.3} s", x.start_s),
            format!(
                "{:.1} ms{}",
                x.duration_s * 1e3,
                if x.truncated { " (cut)" } else { "" }
            ),
            frequency_cell(x),
            x.band.clone().unwrap_or_else(|| "-".into()),
            modulation_cell(x),
            x.rssi_dbfs
                .map(|v| format!("{v:.1} dBFS"))
                .unwrap_or_else(|| "-".into()),
            x.snr_db
                .map(|v| format!("{v:.1} dB"))
                .unwrap_or_else(|| "-".into()),
            x.coding.name().to_string(),
            format!("{}/{}/{}", us(x.short_us), us(x.long_us), us(x.gap_us)),
            x.bitrate_bps
                .map(|v| format!("{v:.0}"))
                .unwrap_or_else(|| "-".into()),
            x.pulses.to_string(),
        ]);
    }
    t
}

/// One transmission on one line, for live output: time, frequency, band, modulation, level,
/// SNR, coding and timing, and the first frame (protocol fields or hex).
pub fn transmission_line(x: &Transmission) -> String {
    let mut parts = vec![
        format!("{:>9.3} s", x.start_s),
        frequency_cell(x),
        format!("band {}", x.band.as_deref().unwrap_or("-")),
        modulation_cell(x),
    ];
    if let Some(r) = x.rssi_dbfs {
        parts.push(format!("{r:.1} dBFS"));
    }
    if let Some(s) = x.snr_db {
        parts.push(format!("SNR {s:.1} dB"));
    }
    parts.push(format!(
        "{} {}/{}/{} µs",
        x.coding.name(),
        us(x.short_us),
        us(x.long_us),
        us(x.gap_us)
    ));
    parts.push(format!("{} pulses", x.pulses));
    if let Some(f) = x.frames.first() {
        match &f.protocol {
            Some(p) => {
                let fields: Vec<String> = f
                    .fields
                    .iter()
                    .take(4)
                    .map(|(k, v)| match v {
                        serde_json::Value::String(s) => format!("{k} {s}"),
                        other => format!("{k} {other}"),
                    })
                    .collect();
                parts.push(format!("{p}: {}", fields.join(", ")));
            }
            None => parts.push(format!("{} bits {}", f.bits.len(), f.hex)),
        }
    }
    if x.truncated {
        parts.push("(cut off)".into());
    }
    parts.join("  ")
}

fn us(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.0}")).unwrap_or_else(|| "-".into())
}

fn frequency_cell(x: &Transmission) -> String {
    match (x.freq_hz, x.freq_offset_hz) {
        (Some(f), Some(o)) => format!("{} ({})", mhz(f), offset(o)),
        (Some(f), None) => mhz(f),
        (None, Some(o)) => format!("{} from centre", offset(o)),
        (None, None) => "-".into(),
    }
}

fn modulation_cell(x: &Transmission) -> String {
    match (x.modulation, x.fsk_deviation_hz) {
        (Some(m), Some(d)) => format!("{} ±{:.1} kHz", m.name(), d / 1e3),
        (Some(m), None) => m.name().to_string(),
        (None, _) => "-".into(),
    }
}

/// One frame: protocol and fields on the first line, bits and hex beneath.
pub fn frame_lines(f: &Frame, indent: &str) -> String {
    let mut out = String::new();
    let repeats = if f.repeats > 1 {
        format!(" ×{}", f.repeats)
    } else {
        String::new()
    };
    let nbits = f.bits.len();
    match &f.protocol {
        Some(p) => {
            let fields: Vec<String> = f
                .fields
                .iter()
                .map(|(k, v)| match v {
                    serde_json::Value::String(s) => format!("{k} {s}"),
                    other => format!("{k} {other}"),
                })
                .collect();
            let _ = writeln!(out, "{indent}{p}{repeats}: {}", fields.join(", "));
            let _ = writeln!(out, "{indent}  {nbits} bits, hex {}", f.hex);
        }
        None => {
            let _ = writeln!(
                out,
                "{indent}{nbits} bits{repeats}: {}  (hex {})",
                shorten(&f.bits),
                f.hex
            );
        }
    }
    out
}

fn shorten(bits: &str) -> String {
    if bits.len() <= MAX_BITS_SHOWN {
        return bits.to_string();
    }
    let half = MAX_BITS_SHOWN / 2;
    format!("{}…{}", &bits[..half], &bits[bits.len() - half..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::InputSummary;

    #[test]
    fn empty_report_says_so_and_shows_coverage() {
        let r = Report {
            input: InputSummary {
                path: "dead.cu8".into(),
                format: "cu8".into(),
                sample_rate_hz: Some(250e3),
                center_freq_hz: Some(315e6),
                duration_s: Some(10.0),
            },
            transmissions: vec![],
            verdict: None,
            warnings: vec!["1 trailing byte dropped".into()],
        };
        let s = render(&r);
        assert!(s.contains("no transmissions found"), "{s}");
        assert!(s.contains("covers 314.875–315.125 MHz"), "{s}");
        assert!(s.contains("warning: 1 trailing byte dropped"), "{s}");
    }

    #[test]
    fn long_bit_rows_are_shortened() {
        let bits = "10".repeat(100);
        let s = shorten(&bits);
        assert_eq!(s.chars().count(), MAX_BITS_SHOWN + 1);
        assert!(s.contains('…'));
    }
}
