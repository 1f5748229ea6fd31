//! Evidence: each item a measured number beside the threshold it is judged by.
//!
//! [`gather`] picks the key's own transmissions (the strongest and those within
//! [`KEY_GROUP_DB`] of it, so spurs and splatter of a strong key never sway the verdict) and
//! measures them: RF level and SNR, the line code (fit, time unit, bits), repeats and how
//! well they agree, protocol fields (KeeLoq VLOW, Te), amplitude sag, frames that stop
//! before their end while the recording goes on, and the trend from press to press. Each
//! item says what a failure means ([`Role`]); the decision is made in
//! [`super::decision`], from the items alone.
//!
//! This module holds the item types, the choice of the key's transmissions and the order in
//! which the gatherers run; each gatherer is a module of its own, named after what it judges:
//! `rf` (SNR, level, band), `sag` (amplitude sag), `keeloq`, `fixed_code`, `line_code`,
//! `unknown_frames` (repeats of frames of no known protocol) and `press_trend`.

mod fixed_code;
mod keeloq;
mod line_code;
mod press_trend;
mod rf;
mod sag;
mod unknown_frames;

use serde::Serialize;

use super::thresholds::*;
use crate::model::{Frame, Report, Transmission};

/// What a failed item means for the verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A failure is positive evidence of a failing transmitter: the key is weak.
    Weakness,
    /// Needed for a clean line code of unknown protocol (a recognised protocol word stands
    /// in for all of them).
    WellFormed,
    /// Reported, not judged.
    Info,
}

/// One measured item.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EvidenceItem {
    /// Short machine name (`snr_db`, `sag_db`, ...).
    pub name: &'static str,
    /// The measured value (`null` when it could not be measured).
    pub value: Option<f64>,
    /// The threshold it is judged by (the lower end of a range), `null` for [`Role::Info`].
    pub threshold: Option<f64>,
    /// The upper end of a range threshold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold_high: Option<f64>,
    /// Unit of value and threshold (`dB`, `µs`, `bits`, `share`, `count`, ...).
    pub unit: &'static str,
    /// How the value must compare with the threshold to pass (`>=`, `<=`, `in`, `==`).
    pub rule: &'static str,
    /// Whether it passed (`null` when not judged or not measured).
    pub pass: Option<bool>,
    /// What a failure means.
    pub role: Role,
    /// The item in words, with its figures.
    pub detail: String,
}

impl EvidenceItem {
    pub(super) fn info(
        name: &'static str,
        value: Option<f64>,
        unit: &'static str,
        detail: String,
    ) -> Self {
        EvidenceItem {
            name,
            value,
            threshold: None,
            threshold_high: None,
            unit,
            rule: "",
            pass: None,
            role: Role::Info,
            detail,
        }
    }

    pub(super) fn at_least(
        name: &'static str,
        value: Option<f64>,
        threshold: f64,
        unit: &'static str,
        role: Role,
        detail: String,
    ) -> Self {
        EvidenceItem {
            name,
            value,
            threshold: Some(threshold),
            threshold_high: None,
            unit,
            rule: ">=",
            pass: value.map(|v| v >= threshold),
            role,
            detail,
        }
    }

    pub(super) fn at_most(
        name: &'static str,
        value: Option<f64>,
        threshold: f64,
        unit: &'static str,
        role: Role,
        detail: String,
    ) -> Self {
        EvidenceItem {
            rule: "<=",
            pass: value.map(|v| v <= threshold),
            ..Self::at_least(name, value, threshold, unit, role, detail)
        }
    }

    pub(super) fn within(
        name: &'static str,
        value: Option<f64>,
        range: (f64, f64),
        unit: &'static str,
        role: Role,
        detail: String,
    ) -> Self {
        EvidenceItem {
            name,
            value,
            threshold: Some(range.0),
            threshold_high: Some(range.1),
            unit,
            rule: "in",
            pass: value.map(|v| (range.0..=range.1).contains(&v)),
            role,
            detail,
        }
    }

    /// The `frames_cut` item: how many frames stopped before their end (none may).
    pub(super) fn frames_cut(cut: usize, detail: String) -> Self {
        Self::at_most(
            "frames_cut",
            Some(cut as f64),
            0.0,
            "count",
            Role::Weakness,
            detail,
        )
    }

    /// Whether this item is positive evidence of weakness.
    pub fn shows_weakness(&self) -> bool {
        self.role == Role::Weakness && self.pass == Some(false)
    }

    /// The threshold as text (`≥ 10 dB`, `260–660 µs`), empty for info items.
    pub fn rule_text(&self) -> String {
        let n = |x: f64| fmt_num(x);
        match (self.rule, self.threshold, self.threshold_high) {
            ("in", Some(lo), Some(hi)) => format!("{}–{} {}", n(lo), n(hi), self.unit),
            (">=", Some(t), _) => format!("≥ {} {}", n(t), self.unit),
            ("<=", Some(t), _) => format!("≤ {} {}", n(t), self.unit),
            ("==", Some(t), _) => format!("= {} {}", n(t), self.unit),
            _ => String::new(),
        }
    }
}

/// A number as text without trailing noise (`10`, `0.8`, `29.5`).
pub fn fmt_num(x: f64) -> String {
    if (x.fract() == 0.0 && x.abs() < 1e9) || x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x.abs() >= 1.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// How far the evidence goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// A protocol word was decoded and its repeats are consistent.
    Decoded,
    /// No protocol recognised, but a frame repeats and its repeats agree.
    Repeated,
    /// RF and line code sound; no frame could be checked.
    LineCode,
    /// Not even a clean line code.
    None,
}

/// Everything measured about the key, and the facts the decision and the advice need.
#[derive(Clone, Debug)]
pub struct Evidence {
    /// The items, in report order.
    pub items: Vec<EvidenceItem>,
    /// How far the evidence goes.
    pub scope: Scope,
    /// What was decoded, for the headline (`KeeLoq code word ×3 from serial ...`).
    pub what: String,
    /// Sentences that inform without judging.
    pub notes: Vec<String>,
    /// Frequencies of the key's transmissions, Hz.
    pub freqs_hz: Vec<f64>,
    /// The key's band (most common among its transmissions).
    pub key_band: Option<String>,
}

impl Evidence {
    /// The items that show weakness.
    pub fn weaknesses(&self) -> impl Iterator<Item = &EvidenceItem> {
        self.items.iter().filter(|i| i.shows_weakness())
    }

    /// Whether a failed item of this name is present.
    pub fn failed(&self, name: &str) -> bool {
        self.items
            .iter()
            .any(|i| i.name == name && i.pass == Some(false))
    }
}

fn pulses_of(t: &Transmission) -> usize {
    t.pulses.max(t.train.pulses.len())
}

/// Whether a transmission is long enough to be a key's frame.
pub fn is_key_sized(t: &Transmission) -> bool {
    pulses_of(t) >= MIN_KEY_PULSES
}

/// The median of some values (`None` when there are none).
pub(crate) fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

pub(super) fn field_str<'a>(f: &'a Frame, k: &str) -> Option<&'a str> {
    f.fields.get(k).and_then(|v| v.as_str())
}

pub(super) fn field_bool(f: &Frame, k: &str) -> Option<bool> {
    f.fields.get(k).and_then(|v| v.as_bool())
}

pub(super) fn field_f64(f: &Frame, k: &str) -> Option<f64> {
    f.fields.get(k).and_then(|v| v.as_f64())
}

/// The key's own transmissions: key-sized ones within [`KEY_GROUP_DB`] of the strongest
/// (all key-sized ones when no levels are known). Returns (key, number left out).
pub fn key_group(report: &Report) -> (Vec<&Transmission>, usize) {
    let sized: Vec<&Transmission> = report
        .transmissions
        .iter()
        .filter(|t| is_key_sized(t))
        .collect();
    let strongest = sized
        .iter()
        .filter_map(|t| t.rssi_dbfs)
        .fold(f64::NEG_INFINITY, f64::max);
    if !strongest.is_finite() {
        return (sized, 0);
    }
    let n = sized.len();
    let key: Vec<&Transmission> = sized
        .into_iter()
        .filter(|t| t.rssi_dbfs.is_none_or(|r| r >= strongest - KEY_GROUP_DB))
        .collect();
    let left = n - key.len();
    (key, left)
}

/// Gathers the evidence on the key's transmissions (`keys` non-empty).
pub fn gather(report: &Report, keys: &[&Transmission], left_out: usize) -> Evidence {
    let mut ev = Evidence {
        items: Vec::new(),
        scope: Scope::None,
        what: format!("{} burst(s)", keys.len()),
        notes: Vec::new(),
        freqs_hz: keys.iter().filter_map(|t| t.freq_hz).collect(),
        key_band: rf::key_band(keys),
    };
    if left_out > 0 {
        ev.notes.push(format!(
            "Judged the {} transmission(s) within {KEY_GROUP_DB:.0} dB of the strongest; \
             {left_out} weaker one(s) (spurs, splatter or other devices) are not the key's own \
             and were not judged.",
            keys.len()
        ));
    }
    rf::rf(report, keys, &mut ev);
    sag::sag(keys, &mut ev);
    let keeloq = keeloq::keeloq(keys, &mut ev);
    let fixed = !keeloq && fixed_code::fixed_code(keys, &mut ev);
    let protocol = keeloq || fixed;
    line_code::line_code(keys, protocol, &mut ev);
    if !protocol {
        unknown_frames::unknown_frames(report, keys, &mut ev);
    }
    press_trend::press_trend(keys, &mut ev);
    if ev.scope == Scope::Repeated {
        // A frame seen again bit for bit is the key's own line code, whatever the other
        // bursts (noise in a pulse file without levels) look like.
        for i in ev.items.iter_mut().filter(|i| i.role == Role::WellFormed) {
            i.role = Role::Info;
            if i.pass == Some(false) {
                i.pass = None;
                i.detail
                    .push_str(" Not judged: a frame that repeats shows the key's line code.");
            }
        }
    }
    let well_formed = ev
        .items
        .iter()
        .filter(|i| i.role == Role::WellFormed)
        .all(|i| i.pass == Some(true));
    if ev.scope == Scope::None && well_formed && ev.items.iter().any(|i| i.role == Role::WellFormed)
    {
        ev.scope = Scope::LineCode;
    }
    ev
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_judge_against_their_thresholds() {
        let i = EvidenceItem::at_least("snr_db", Some(9.0), 10.0, "dB", Role::Weakness, "".into());
        assert!(i.shows_weakness());
        assert_eq!(i.rule_text(), "≥ 10 dB");
        let i = EvidenceItem::within(
            "te",
            Some(700.0),
            (260.0, 660.0),
            "µs",
            Role::Weakness,
            "".into(),
        );
        assert!(i.shows_weakness());
        assert_eq!(i.rule_text(), "260–660 µs");
        let i = EvidenceItem::at_most("sag_db", None, 5.0, "dB", Role::Weakness, "".into());
        assert_eq!(i.pass, None);
        assert!(!i.shows_weakness());
        let i = EvidenceItem::at_least("fit", Some(0.5), 0.8, "share", Role::WellFormed, "".into());
        assert!(!i.shows_weakness());
    }
}
