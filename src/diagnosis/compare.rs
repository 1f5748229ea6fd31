//! Two recordings side by side: band and frequency, modulation, power and SNR, timing,
//! protocol, serials, battery flags, and a combined verdict.
//!
//! Typical use: the car's spare key works and the main key does not; or a new key from a
//! locksmith is checked against the old one.

use serde::Serialize;

use super::vehicles::CarBand;
use super::{Status, Verdict, diagnose};
use crate::model::{Report, Transmission};

/// What one recording shows, taken from its strongest transmission.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KeySummary {
    /// Input path.
    pub path: String,
    /// Number of transmissions.
    pub transmissions: usize,
    /// Band id of the strongest transmission.
    pub band: Option<String>,
    /// Carrier frequency, Hz.
    pub freq_hz: Option<f64>,
    /// `OOK` or `FSK`.
    pub modulation: Option<String>,
    /// Power, dBFS.
    pub rssi_dbfs: Option<f64>,
    /// SNR, dB.
    pub snr_db: Option<f64>,
    /// Te, µs.
    pub te_us: Option<f64>,
    /// Bit rate, bit/s.
    pub bitrate_bps: Option<f64>,
    /// Protocols decoded.
    pub protocols: Vec<String>,
    /// Serials (KeeLoq) or addresses (fixed code) decoded.
    pub ids: Vec<String>,
    /// Battery-low flag, when the protocol carries one.
    pub battery_low: Option<bool>,
    /// The verdict for this recording alone.
    pub verdict: Verdict,
}

/// One line of the side-by-side table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CompareLine {
    /// What is compared.
    pub what: String,
    /// First recording.
    pub a: String,
    /// Second recording.
    pub b: String,
    /// Remark on the difference, if any.
    pub note: Option<String>,
}

/// The comparison.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// First recording.
    pub a: KeySummary,
    /// Second recording.
    pub b: KeySummary,
    /// The table.
    pub lines: Vec<CompareLine>,
    /// The combined verdict in plain words.
    pub combined: String,
}

fn strongest(report: &Report) -> Option<&Transmission> {
    report
        .transmissions
        .iter()
        .filter(|t| t.pulses.max(t.train.pulses.len()) >= super::thresholds::MIN_KEY_PULSES)
        .max_by(|x, y| {
            let kx = (x.snr_db.unwrap_or(f64::MIN), x.pulses);
            let ky = (y.snr_db.unwrap_or(f64::MIN), y.pulses);
            kx.partial_cmp(&ky).unwrap_or(std::cmp::Ordering::Equal)
        })
}

/// Summarises one report (its verdict against `car` when given).
pub fn summarize(report: &Report, car: Option<&CarBand>) -> KeySummary {
    let verdict = diagnose(report, car);
    let t = strongest(report);
    let mut protocols = Vec::new();
    let mut ids = Vec::new();
    let mut battery_low = None;
    for tx in &report.transmissions {
        for f in &tx.frames {
            if let Some(p) = &f.protocol
                && !protocols.contains(p)
            {
                protocols.push(p.clone());
            }
            let id = f
                .fields
                .get("serial")
                .or_else(|| f.fields.get("code"))
                .or_else(|| f.fields.get("address"))
                .and_then(|v| v.as_str());
            if let Some(id) = id
                && !ids.iter().any(|x: &String| x == id)
            {
                ids.push(id.to_string());
            }
            if let Some(b) = f.fields.get("battery_low").and_then(|v| v.as_bool()) {
                battery_low = Some(battery_low.unwrap_or(false) || b);
            }
        }
    }
    KeySummary {
        path: report.input.path.clone(),
        transmissions: report.transmissions.len(),
        band: t.and_then(|t| t.band.clone()),
        freq_hz: t.and_then(|t| t.freq_hz),
        modulation: t.and_then(|t| t.modulation).map(|m| m.name().to_string()),
        rssi_dbfs: t.and_then(|t| t.rssi_dbfs),
        snr_db: t.and_then(|t| t.snr_db),
        te_us: t.and_then(|t| t.te_us),
        bitrate_bps: t.and_then(|t| t.bitrate_bps),
        protocols,
        ids,
        battery_low,
        verdict,
    }
}

fn opt(v: Option<f64>, fmt: impl Fn(f64) -> String) -> String {
    v.map(fmt).unwrap_or_else(|| "unknown".into())
}

/// Compares two recordings (each judged against `car` when given).
pub fn compare(a: &Report, b: &Report, car: Option<&CarBand>) -> Comparison {
    let sa = summarize(a, car);
    let sb = summarize(b, car);
    let mut lines = Vec::new();
    let mut line = |what: &str, x: String, y: String, note: Option<String>| {
        lines.push(CompareLine {
            what: what.into(),
            a: x,
            b: y,
            note,
        })
    };
    line(
        "verdict",
        sa.verdict.status.name().into(),
        sb.verdict.status.name().into(),
        None,
    );
    let band_note = match (&sa.band, &sb.band) {
        (Some(x), Some(y)) if x != y => Some(format!(
            "different bands ({x} vs {y}): the keys are for different markets, or one is set \
             to the wrong band"
        )),
        _ => None,
    };
    line(
        "band",
        sa.band.clone().unwrap_or_else(|| "unknown".into()),
        sb.band.clone().unwrap_or_else(|| "unknown".into()),
        band_note,
    );
    let freq_note = match (sa.freq_hz, sb.freq_hz) {
        (Some(x), Some(y)) => Some(format!(
            "{:+.1} kHz apart (dongle crystal error shifts both alike)",
            (y - x) / 1e3
        )),
        _ => None,
    };
    line(
        "frequency",
        opt(sa.freq_hz, |f| format!("{:.4} MHz", f / 1e6)),
        opt(sb.freq_hz, |f| format!("{:.4} MHz", f / 1e6)),
        freq_note,
    );
    line(
        "modulation",
        sa.modulation.clone().unwrap_or_else(|| "unknown".into()),
        sb.modulation.clone().unwrap_or_else(|| "unknown".into()),
        (sa.modulation.is_some() && sb.modulation.is_some() && sa.modulation != sb.modulation)
            .then(|| "different modulation: different key models".to_string()),
    );
    let note_db = |x: Option<f64>, y: Option<f64>| match (x, y) {
        (Some(x), Some(y)) => Some(format!(
            "B is {:+.1} dB relative to A; distance and key orientation matter as much as the \
             key, so compare at the same spot",
            y - x
        )),
        _ => Some("unknown for a pulse file or an undetected key".to_string()),
    };
    line(
        "power",
        opt(sa.rssi_dbfs, |v| format!("{v:.1} dBFS")),
        opt(sb.rssi_dbfs, |v| format!("{v:.1} dBFS")),
        note_db(sa.rssi_dbfs, sb.rssi_dbfs),
    );
    line(
        "SNR",
        opt(sa.snr_db, |v| format!("{v:.1} dB")),
        opt(sb.snr_db, |v| format!("{v:.1} dB")),
        None,
    );
    let te_note = match (sa.te_us, sb.te_us) {
        (Some(x), Some(y)) if (x - y).abs() > 0.1 * x.min(y) => Some(format!(
            "Te differs by {:.0} %: an on-chip RC oscillator drifts with supply voltage",
            100.0 * (x - y).abs() / x.min(y)
        )),
        _ => None,
    };
    line(
        "Te",
        opt(sa.te_us, |v| format!("{v:.0} µs")),
        opt(sb.te_us, |v| format!("{v:.0} µs")),
        te_note,
    );
    line(
        "bit rate",
        opt(sa.bitrate_bps, |v| format!("{v:.0} bit/s")),
        opt(sb.bitrate_bps, |v| format!("{v:.0} bit/s")),
        None,
    );
    let list = |v: &[String]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    line(
        "protocol",
        list(&sa.protocols),
        list(&sb.protocols),
        (!sa.protocols.is_empty() && !sb.protocols.is_empty() && sa.protocols != sb.protocols)
            .then(|| "different protocols: not the same key model".to_string()),
    );
    let shared: Vec<&String> = sa.ids.iter().filter(|i| sb.ids.contains(i)).collect();
    let id_note = if sa.ids.is_empty() || sb.ids.is_empty() {
        None
    } else if !shared.is_empty() {
        Some(format!(
            "identical serial/code ({}): the same key, or a clone of it",
            shared
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    } else {
        Some(
            "different serials/codes: two distinct keys (two keys of one car always differ)"
                .to_string(),
        )
    };
    line("serial / code", list(&sa.ids), list(&sb.ids), id_note);
    let flag = |b: Option<bool>| match b {
        Some(true) => "LOW".to_string(),
        Some(false) => "ok".to_string(),
        None => "not sent".to_string(),
    };
    line(
        "battery flag",
        flag(sa.battery_low),
        flag(sb.battery_low),
        None,
    );

    let combined = combined_text(&sa, &sb);
    Comparison {
        a: sa,
        b: sb,
        lines,
        combined,
    }
}

fn combined_text(a: &KeySummary, b: &KeySummary) -> String {
    use Status::*;
    let (x, y) = (a.verdict.status, b.verdict.status);
    match (x, y) {
        (Working, Working) => "Both keys work.".into(),
        (Working, other) => format!(
            "Key A works, key B is {}: the fault is in key B, not in the car.",
            other.name().replace('_', " ")
        ),
        (other, Working) => format!(
            "Key B works, key A is {}: the fault is in key A, not in the car.",
            other.name().replace('_', " ")
        ),
        (p, q) if p == q => format!(
            "Both keys are {}: suspect the way they were recorded, or a common cause.",
            p.name().replace('_', " ")
        ),
        (p, q) => format!(
            "Neither key works: A is {}, B is {}.",
            p.name().replace('_', " "),
            q.name().replace('_', " ")
        ),
    }
}
