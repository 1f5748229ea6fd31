//! The verdict in words: the headline an owner reads first, the span a recording covered,
//! battery advice from the car's table, and the evidence items as report lines.

use super::evidence::EvidenceItem;
use super::vehicles::CarBand;
use super::{Status, Verdict};
use crate::model::Report;

/// A frequency as `433.92 MHz` (or `433.917 MHz`).
pub fn mhz(hz: f64) -> String {
    let m = hz / 1e6;
    if (m * 100.0).fract().abs() < 1e-6 {
        format!("{m:.2} MHz")
    } else {
        format!("{m:.3} MHz")
    }
}

/// The sentence naming the span the recording covered.
pub fn covered_span_text(report: &Report) -> String {
    let i = &report.input;
    match (i.covered_span_hz(), i.center_freq_hz) {
        (Some((lo, hi)), Some(c)) => format!(
            "the recording covered {:.3}–{:.3} MHz (centre {}, {:.0} kS/s)",
            lo / 1e6,
            hi / 1e6,
            mhz(c),
            i.sample_rate_hz.unwrap_or(0.0) / 1e3
        ),
        (None, Some(c)) => format!(
            "the recording was tuned to {} but its sample rate, and so the span covered, is unknown",
            mhz(c)
        ),
        _ => "the recording's centre frequency is unknown (no metadata; give --freq), so the \
              span it covered cannot be named"
            .to_string(),
    }
}

/// What to do about the battery, from the car's table when it says.
pub fn battery_text(car: Option<&CarBand>) -> String {
    match car
        .and_then(|c| c.vehicle.as_ref())
        .and_then(|v| v.battery.clone())
    {
        Some(b) if b.to_lowercase().contains("rechargeable") => format!(
            "Charge the key's rechargeable {} battery: drive with the key in the ignition, then \
             test again; if it does not hold the charge, the cell must be replaced",
            b.split(" (").next().unwrap_or(&b)
        ),
        Some(b) => format!("Replace the key's battery ({b}) and test again"),
        None => {
            "Replace the key's battery (often a CR2032; check the key) and test again".to_string()
        }
    }
}

/// One line a person understands: `WORKING — ...`.
pub fn headline(v: &Verdict) -> String {
    let word = match v.status {
        Status::Working => "WORKING",
        Status::Weak => "WEAK",
        Status::NoSignal => "NO SIGNAL",
        Status::BandMismatch => "WRONG BAND",
    };
    format!(
        "{word} — {}",
        v.reasons.first().map(String::as_str).unwrap_or("")
    )
}

/// An evidence item as one report line: mark, name, value, threshold, then the sentence.
/// `ok` passed, `FAIL` failed, `--` not judged or not measured.
pub fn evidence_line(i: &EvidenceItem) -> String {
    let mark = match i.pass {
        Some(true) => "ok  ",
        Some(false) => "FAIL",
        None => "--  ",
    };
    let value = match i.value {
        Some(v) => format!("{} {}", super::evidence::fmt_num(v), i.unit),
        None => "unknown".into(),
    };
    let rule = i.rule_text();
    let rule = if rule.is_empty() {
        String::new()
    } else {
        format!(" (needs {rule})")
    };
    format!("{mark} {:<24} {value}{rule}: {}", i.name, i.detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frequencies_read_as_people_write_them() {
        assert_eq!(mhz(433.92e6), "433.92 MHz");
        assert_eq!(mhz(433.9167e6), "433.917 MHz");
    }
}
