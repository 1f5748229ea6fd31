//! Evidence: each item a measured number beside the threshold it is judged by.
//!
//! [`gather`] picks the key's own transmissions (the strongest and those within
//! [`KEY_GROUP_DB`] of it, so spurs and splatter of a strong key never sway the verdict) and
//! measures them: RF level and SNR, the line code (fit, time unit, bits), repeats and how
//! well they agree, protocol fields (KeeLoq VLOW, Te), amplitude sag, frames that stop
//! before their end while the recording goes on, and the trend from press to press. Each
//! item says what a failure means ([`Role`]); the decision is made in
//! [`super::decision`], from the items alone.

use std::collections::BTreeMap;

use serde::Serialize;

use super::thresholds::*;
use crate::model::{Frame, Report, Transmission};
use crate::protocol::keeloq_decoder::PROTOCOL as KEELOQ;

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
    fn info(name: &'static str, value: Option<f64>, unit: &'static str, detail: String) -> Self {
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

    fn at_least(
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

    fn at_most(
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

    fn within(
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

fn field_str<'a>(f: &'a Frame, k: &str) -> Option<&'a str> {
    f.fields.get(k).and_then(|v| v.as_str())
}

fn field_bool(f: &Frame, k: &str) -> Option<bool> {
    f.fields.get(k).and_then(|v| v.as_bool())
}

fn field_f64(f: &Frame, k: &str) -> Option<f64> {
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
        key_band: key_band(keys),
    };
    if left_out > 0 {
        ev.notes.push(format!(
            "Judged the {} transmission(s) within {KEY_GROUP_DB:.0} dB of the strongest; \
             {left_out} weaker one(s) (spurs, splatter or other devices) are not the key's own \
             and were not judged.",
            keys.len()
        ));
    }
    rf(report, keys, &mut ev);
    let keeloq = keeloq(keys, &mut ev);
    let fixed = !keeloq && fixed_code(keys, &mut ev);
    let protocol = keeloq || fixed;
    line_code(keys, protocol, &mut ev);
    if !protocol {
        rows(report, keys, &mut ev);
    }
    trend(keys, &mut ev);
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

fn key_band(keys: &[&Transmission]) -> Option<String> {
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for t in keys {
        let b = t.band.clone().or_else(|| {
            t.freq_hz
                .and_then(crate::band::band_of)
                .map(|b| b.id.to_string())
        });
        if let Some(b) = b {
            *count.entry(b).or_default() += 1;
        }
    }
    count.into_iter().max_by_key(|(_, n)| *n).map(|(b, _)| b)
}

fn rf(report: &Report, keys: &[&Transmission], ev: &mut Evidence) {
    let snrs: Vec<f64> = keys.iter().filter_map(|t| t.snr_db).collect();
    let rssi = keys
        .iter()
        .filter_map(|t| t.rssi_dbfs)
        .fold(f64::NEG_INFINITY, f64::max);
    if snrs.is_empty() {
        let why = if report.transmissions.iter().all(|t| t.rssi_dbfs.is_none()) {
            "the input carries no RF levels (a pulse file)"
        } else {
            "no SNR was measured"
        };
        ev.items.push(EvidenceItem {
            pass: None,
            ..EvidenceItem::at_least(
                "snr_db",
                None,
                WEAK_SNR_DB,
                "dB",
                Role::Weakness,
                format!("Power and SNR are unknown: {why}; the verdict rests on the timing alone."),
            )
        });
    } else {
        let med = median(snrs.clone()).unwrap_or(0.0);
        let best = snrs.iter().cloned().fold(f64::MIN, f64::max);
        let marginal = if (WEAK_SNR_DB..MARGINAL_SNR_DB).contains(&med) {
            " (marginal: a key about 1 m from the antenna gives 20–40 dB)"
        } else {
            ""
        };
        ev.items.push(EvidenceItem::at_least(
            "snr_db",
            Some(med),
            WEAK_SNR_DB,
            "dB",
            Role::Weakness,
            format!(
                "SNR {med:.1} dB (median over {} burst(s), best {best:.1} dB){marginal}.",
                snrs.len()
            ),
        ));
    }
    if rssi.is_finite() {
        ev.items.push(EvidenceItem::info(
            "rssi_dbfs",
            Some(rssi),
            "dBFS",
            format!("Strongest burst {rssi:.1} dBFS."),
        ));
    }
    // Sag is read on the key's main emissions only: a burst far below the strongest (an
    // overloaded dongle's mixing product, a reflection) carries the key's timing but not its
    // level, and its envelope follows the noise and the strong signal's splatter.
    let top = keys
        .iter()
        .filter_map(|t| t.rssi_dbfs)
        .fold(f64::NEG_INFINITY, f64::max);
    let sags: Vec<f64> = keys
        .iter()
        .filter(|t| !top.is_finite() || t.rssi_dbfs.is_none_or(|r| r >= top - SAG_GROUP_DB))
        .filter_map(|t| t.amplitude_sag_db)
        .collect();
    if let Some(med) = median(sags.clone()) {
        let worst = sags.iter().cloned().fold(f64::MAX, f64::min);
        ev.items.push(EvidenceItem::at_most(
            "sag_db",
            Some(-med),
            SAG_WEAK_DB,
            "dB",
            Role::Weakness,
            format!(
                "Mark level sags {:.1} dB from start to end of a burst (median of {}, worst \
                 {:.1} dB); beyond {SAG_WEAK_DB:.0} dB the cell collapses under the transmit \
                 current.",
                -med,
                sags.len(),
                -worst
            ),
        ));
    }
    // A key that repeats its word as separate transmissions (KeeLoq) shows its sag as words
    // getting fainter within one press; the per-burst figure sees only a word's share of it.
    let mut sorted: Vec<&&Transmission> = keys.iter().collect();
    sorted.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
    let mut drops: Vec<f64> = Vec::new();
    let mut first: Option<(f64, f64)> = None; // (level of the press's first word, end)
    let mut last_level = None;
    for t in sorted {
        let Some(r) = t.rssi_dbfs else { continue };
        match first {
            Some((f, end)) if t.start_s - end < PRESS_GAP_S => {
                first = Some((f, t.start_s + t.duration_s));
                last_level = Some(r);
            }
            _ => {
                if let (Some((f, _)), Some(l)) = (first, last_level) {
                    drops.push(f - l);
                }
                first = Some((r, t.start_s + t.duration_s));
                last_level = None;
            }
        }
    }
    if let (Some((f, _)), Some(l)) = (first, last_level) {
        drops.push(f - l);
    }
    if let Some(worst) = drops.iter().cloned().reduce(f64::max) {
        ev.items.push(EvidenceItem::at_most(
            "press_sag_db",
            Some(worst.max(0.0)),
            SAG_WEAK_DB,
            "dB",
            Role::Weakness,
            format!(
                "Within a press the level falls {:.1} dB from the first to the last \
                 transmission (worst of {} press(es) with repeats).",
                worst.max(0.0),
                drops.len()
            ),
        ));
    }
    let cut = report.transmissions.iter().filter(|t| t.truncated).count();
    if cut > 0 {
        ev.notes.push(format!(
            "{cut} burst(s) were cut off by the end of the recording (not counted against the key)."
        ));
    }
}

/// KeeLoq words: VLOW, Te, cut words, repeats of one press. Returns whether a complete word
/// was decoded.
fn keeloq(keys: &[&Transmission], ev: &mut Evidence) -> bool {
    let mut complete = 0u32;
    let mut vlow = 0u32;
    let mut serials: BTreeMap<String, u32> = BTreeMap::new();
    let mut tes: Vec<f64> = Vec::new();
    let mut cut: Vec<String> = Vec::new();
    let mut last: Option<&Frame> = None;
    for t in keys {
        for f in t
            .frames
            .iter()
            .filter(|f| f.protocol.as_deref() == Some(KEELOQ))
        {
            if let Some(te) = field_f64(f, "te_us") {
                tes.push(te);
            }
            if field_bool(f, "complete") == Some(true) {
                complete += f.repeats.max(1);
                if field_bool(f, "battery_low") == Some(true) {
                    vlow += f.repeats.max(1);
                }
                if let Some(s) = field_str(f, "serial") {
                    *serials.entry(s.to_string()).or_default() += f.repeats.max(1);
                }
                last = Some(f);
            } else if !t.truncated {
                // HCS encoders finish the word in progress when the button is released
                // (DS21143, "Code Word Completion"), so a cut word is the supply failing.
                let n = f
                    .fields
                    .get("bits_received")
                    .and_then(|v| v.as_u64())
                    .unwrap_or(0) as usize;
                if n + CUT_MIN_MISSING_BITS <= crate::protocol::keeloq::CODE_BITS {
                    cut.push(format!("{n} of 66 bits at {:.3} s", t.start_s));
                }
            }
        }
    }
    if complete == 0 && cut.is_empty() {
        return false;
    }
    ev.items.push(EvidenceItem::at_most(
        "frames_cut",
        Some(cut.len() as f64),
        0.0,
        "count",
        Role::Weakness,
        if cut.is_empty() {
            "No KeeLoq code word stops before its 66th bit.".into()
        } else {
            format!(
                "KeeLoq code word(s) cut short: {} — the encoder finishes a word once started, \
                 so it stopped because its supply browned out.",
                cut.join("; ")
            )
        },
    ));
    if complete > 0 {
        ev.items.push(EvidenceItem::at_most(
            "keeloq_vlow",
            Some(vlow as f64),
            0.0,
            "words",
            Role::Weakness,
            format!(
                "The key's own battery-low flag (VLOW) is set in {vlow} of {complete} code words."
            ),
        ));
    }
    if let Some(te) = median(tes.clone()) {
        let lo = tes.iter().cloned().fold(f64::MAX, f64::min);
        let hi = tes.iter().cloned().fold(f64::MIN, f64::max);
        let out = tes
            .iter()
            .cloned()
            .find(|t| !(KEELOQ_TE_RANGE_US.0..=KEELOQ_TE_RANGE_US.1).contains(t));
        let value = out.unwrap_or(te);
        let mut detail = if out.is_some() {
            format!(
                "Te {value:.0} µs is outside the chip's {:.0}–{:.0} µs oscillator range \
                 (nominal 400 µs): the supply is out of spec, a battery sign.",
                KEELOQ_TE_RANGE_US.0, KEELOQ_TE_RANGE_US.1
            )
        } else {
            format!(
                "Te {value:.0} µs (nominal 400 µs; the chip's oscillator stays within \
                 {:.0}–{:.0} µs while its supply is in spec).",
                KEELOQ_TE_RANGE_US.0, KEELOQ_TE_RANGE_US.1
            )
        };
        if tes.len() > 1 && (hi - lo) > 0.1 * te {
            detail.push_str(&format!(
                " Te drifts from {lo:.0} to {hi:.0} µs between words: the on-chip oscillator \
                 follows the supply voltage."
            ));
        }
        ev.items.push(EvidenceItem::within(
            "keeloq_te_us",
            Some(value),
            KEELOQ_TE_RANGE_US,
            "µs",
            Role::Weakness,
            detail,
        ));
    }
    let disagree = held_repeats_disagree(keys);
    if complete > 1 {
        ev.items.push(EvidenceItem::at_most(
            "keeloq_repeats_disagree",
            Some(disagree.len() as f64),
            0.0,
            "pairs",
            Role::Weakness,
            if disagree.is_empty() {
                "Words of one press repeat the same hopping code, as a held button must.".into()
            } else {
                format!(
                    "Repeats of one press disagree in the hopping code ({}): a held button \
                     repeats one code word, so bits are being corrupted.",
                    disagree.join("; ")
                )
            },
        ));
    }
    if serials.len() > 1 {
        let list: Vec<String> = serials.iter().map(|(s, n)| format!("{s} ×{n}")).collect();
        ev.items.push(EvidenceItem::at_most(
            "keeloq_serials",
            Some(serials.len() as f64),
            1.0,
            "serials",
            Role::Weakness,
            format!(
                "Code words disagree on the serial ({}): bits are being corrupted, or more \
                 than one key was pressed.",
                list.join(", ")
            ),
        ));
    }
    if complete == 0 {
        return false;
    }
    if let Some(f) = last {
        let serial = field_str(f, "serial").unwrap_or("?");
        let pressed: Vec<String> = f
            .fields
            .get("buttons_pressed")
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        ev.what = format!(
            "KeeLoq code word{} from serial {serial} (buttons {}, battery {}, hopping code \
             encrypted)",
            if complete > 1 {
                format!("s ×{complete}")
            } else {
                String::new()
            },
            if pressed.is_empty() {
                "none".to_string()
            } else {
                pressed.join("+")
            },
            if vlow > 0 { "LOW" } else { "OK" }
        );
        ev.notes.push(format!(
            "Decoded {complete} complete KeeLoq code word(s): serial {serial}, button bits {} \
             (S3 S0 S1 S2), VLOW {}.",
            field_str(f, "buttons").unwrap_or("?"),
            if vlow > 0 { "set" } else { "clear" }
        ));
    }
    ev.scope = Scope::Decoded;
    true
}

/// Words sent while one button is held repeat the same code word (Microchip HCS410 data
/// sheet, "Code Hopping Mode"; the HCS30x behave alike). KeeLoq has no checksum, so two words
/// of one press that differ in the hopping code are the only sign of bit errors in it. Words
/// closer than [`SAME_PRESS_GUARDS`] guard times (39 Te each) belong to one press.
fn held_repeats_disagree(keys: &[&Transmission]) -> Vec<String> {
    let mut words: Vec<(f64, f64, f64, &Frame)> = Vec::new();
    for t in keys {
        for f in &t.frames {
            if f.protocol.as_deref() == Some(KEELOQ) && field_bool(f, "complete") == Some(true) {
                let te = field_f64(f, "te_us").unwrap_or(400.0);
                words.push((t.start_s, t.start_s + t.duration_s, te, f));
            }
        }
    }
    words.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut bad = Vec::new();
    for pair in words.windows(2) {
        let (_, end, te, a) = pair[0];
        let (start, _, _, b) = pair[1];
        let guard_s = crate::protocol::keeloq::GUARD_TE * te / 1e6;
        let same_press = start - end < SAME_PRESS_GUARDS * guard_s;
        let same_key_and_button = field_str(a, "serial") == field_str(b, "serial")
            && field_str(a, "buttons") == field_str(b, "buttons");
        if same_press
            && same_key_and_button
            && field_str(a, "hopping_code") != field_str(b, "hopping_code")
        {
            bad.push(format!(
                "{} then {} at {start:.3} s",
                field_str(a, "hopping_code").unwrap_or("?"),
                field_str(b, "hopping_code").unwrap_or("?")
            ));
        }
    }
    // Different hopping codes within one transmission are one press too.
    for t in keys {
        let codes: std::collections::BTreeSet<&str> = t
            .frames
            .iter()
            .filter(|f| f.protocol.as_deref() == Some(KEELOQ))
            .filter(|f| field_bool(f, "complete") == Some(true))
            .filter_map(|f| field_str(f, "hopping_code"))
            .collect();
        if codes.len() > 1 {
            bad.push(format!(
                "{} different code words within the burst at {:.3} s",
                codes.len(),
                t.start_s
            ));
        }
    }
    bad
}

/// PT2262/EV1527 words. Returns whether one was decoded.
fn fixed_code(keys: &[&Transmission], ev: &mut Evidence) -> bool {
    let mut codes: BTreeMap<(String, String), u32> = BTreeMap::new();
    for t in keys {
        for f in t
            .frames
            .iter()
            .filter(|f| matches!(f.protocol.as_deref(), Some("PT2262") | Some("EV1527")))
        {
            let p = f.protocol.clone().unwrap_or_default();
            let full = match field_str(f, "code") {
                Some(c) => c.to_string(),
                None => format!(
                    "{}/{}",
                    field_str(f, "address").unwrap_or(&f.hex),
                    field_str(f, "data").unwrap_or("")
                ),
            };
            *codes.entry((p, full)).or_default() += f.repeats.max(1);
        }
    }
    if codes.is_empty() {
        return false;
    }
    let total: u32 = codes.values().sum();
    let top = codes.values().copied().max().unwrap_or(0);
    let list: Vec<String> = codes
        .iter()
        .map(|((p, c), n)| format!("{p} {c} ×{n}"))
        .collect();
    ev.items.push(EvidenceItem::at_least(
        "repeat_agreement",
        Some(top as f64 / total as f64),
        MIN_REPEAT_AGREEMENT,
        "share",
        Role::Weakness,
        format!(
            "Decoded {total} fixed-code word(s): {}; a fixed code reads the same on every \
             repeat.",
            list.join(", ")
        ),
    ));
    ev.what = format!("fixed code {}", list.join(", "));
    ev.scope = Scope::Decoded;
    true
}

/// The best-fitting transmission's line code: fit, time unit, bits.
fn line_code(keys: &[&Transmission], protocol: bool, ev: &mut Evidence) {
    // (fit, unit, bits or symbols, coding name, transmission)
    let mut best: Option<(f64, Option<f64>, usize, &'static str)> = None;
    for t in keys {
        let (fit, unit, bits) = fit_of(t);
        let cand = (fit, unit, bits, t.coding.name());
        let better = match &best {
            None => true,
            Some(b) => (cand.0, cand.2) > (b.0, b.2),
        };
        if better {
            best = Some(cand);
        }
    }
    let Some((fit, unit, bits, coding)) = best else {
        return;
    };
    let clean = keys
        .iter()
        .filter(|t| {
            let (f, u, b) = fit_of(t);
            f >= MIN_LINE_CODE_FIT
                && u.is_some_and(|u| (SENSIBLE_UNIT_US.0..=SENSIBLE_UNIT_US.1).contains(&u))
                && b >= MIN_CODE_BITS
        })
        .count();
    let role = if protocol {
        Role::Info
    } else {
        Role::WellFormed
    };
    let judged = |mut i: EvidenceItem| {
        if protocol {
            i.role = Role::Info;
        }
        i
    };
    ev.items.push(judged(EvidenceItem::at_least(
        "line_code_fit",
        Some(fit),
        MIN_LINE_CODE_FIT,
        "share",
        role,
        format!(
            "Line code {coding}: {:.0} % of the widths fit its symbols.",
            fit * 100.0
        ),
    )));
    ev.items.push(judged(EvidenceItem::within(
        "time_unit_us",
        unit,
        SENSIBLE_UNIT_US,
        "µs",
        role,
        match unit {
            Some(u) => format!("Time unit {u:.0} µs ({:.0} bit/s).", 1e6 / u),
            None => "No time unit could be measured.".into(),
        },
    )));
    ev.items.push(judged(EvidenceItem::at_least(
        "clean_bursts_share",
        Some(clean as f64 / keys.len() as f64),
        MIN_CLEAN_SHARE,
        "share",
        role,
        format!(
            "{clean} of the key's {} burst(s) carry a clean line code (fit, time unit and \
             length all pass).",
            keys.len()
        ),
    )));
    ev.items.push(judged(EvidenceItem::at_least(
        "code_bits",
        Some(bits as f64),
        MIN_CODE_BITS as f64,
        "bits",
        role,
        format!("Longest frame {bits} bits (a key's code has at least {MIN_CODE_BITS})."),
    )));
}

/// (fit, unit µs, longest frame in bits or unit symbols) of one transmission.
fn fit_of(t: &Transmission) -> (f64, Option<f64>, usize) {
    let unit = t.te_us.or(t.short_us);
    let bits = t.frames.iter().map(|f| f.bits.len()).max().unwrap_or(0);
    if t.coding != crate::pulse::Coding::Unknown {
        let fit = crate::pulse::analyzer::explain(&t.train)
            .into_iter()
            .filter(|(c, _, _)| *c == t.coding)
            .map(|(_, s, _)| s)
            .fold(0.0, f64::max);
        return (fit, unit, bits);
    }
    // No coding: an unmodulated run (a preamble) is still a clean line code when its widths
    // hold to the one unit it measured; its length in units stands for the bits.
    let Some(u) = unit.filter(|u| *u > 0.0) else {
        return (0.0, None, 0);
    };
    let p = &t.train.pulses;
    let n = p.len();
    let widths = p.iter().enumerate().flat_map(|(i, x)| {
        [
            Some(x.high_us as f64),
            (i + 1 < n).then_some(x.low_us as f64),
        ]
        .into_iter()
        .flatten()
    });
    let (mut fit, mut total, mut units) = (0usize, 0usize, 0.0);
    for w in widths {
        total += 1;
        units += w / u;
        if (w - u).abs() <= crate::pulse::slicer::TOL * u {
            fit += 1;
        }
    }
    let share = if total == 0 {
        0.0
    } else {
        fit as f64 / total as f64
    };
    (share, Some(u), units.round() as usize)
}

/// Unrecognised rows: repeats and their agreement, frames cut before their end.
fn rows(report: &Report, keys: &[&Transmission], ev: &mut Evidence) {
    let mut seen: BTreeMap<&str, u32> = BTreeMap::new();
    for t in keys {
        for f in t.frames.iter().filter(|f| f.protocol.is_none()) {
            if f.bits.len() >= MIN_CODE_BITS {
                *seen.entry(f.bits.as_str()).or_default() += f.repeats.max(1);
            }
        }
    }
    let Some((best, best_n)) = seen
        .iter()
        .max_by_key(|(b, n)| (**n, b.len()))
        .map(|(b, n)| (*b, *n))
    else {
        return;
    };
    // Frames that stop well before their end while the recording goes on: the last row of a
    // burst that is a prefix of the frame its repeats send, missing more than the final
    // symbol, with room in the recording for another frame after it.
    let rec_end = report.input.duration_s;
    let mut cut = Vec::new();
    for t in keys.iter().filter(|t| !t.truncated) {
        let Some(last) = t.frames.iter().rev().find(|f| f.protocol.is_none()) else {
            continue;
        };
        let n = last.bits.len();
        let rows_in_burst: u32 = t.frames.iter().map(|f| f.repeats.max(1)).sum();
        let period_s = t.duration_s / f64::from(rows_in_burst.max(1));
        let room = rec_end
            .map(|end| end - (t.start_s + t.duration_s) >= CUT_RECORDING_FRAMES * period_s)
            .unwrap_or(false);
        if best_n >= 2
            && n + CUT_MIN_MISSING_BITS <= best.len()
            && n >= MIN_CODE_BITS / 2
            && best.starts_with(last.bits.as_str())
            && room
        {
            cut.push(format!("{n} of {} bits at {:.3} s", best.len(), t.start_s));
        }
    }
    ev.items.push(EvidenceItem::at_most(
        "frames_cut",
        Some(cut.len() as f64),
        0.0,
        "count",
        Role::Weakness,
        if cut.is_empty() {
            format!(
                "No frame stops more than {} bit short of its repeats while the recording goes on.",
                CUT_MIN_MISSING_BITS - 1
            )
        } else {
            format!(
                "Frame(s) cut short: {} — the key stops mid-frame while the recording goes \
                 on, as it does when the battery browns out.",
                cut.join("; ")
            )
        },
    ));
    // Same-length rows that differ from the most common one are the same frame with errors.
    let same_len: u32 = seen
        .iter()
        .filter(|(b, _)| b.len() == best.len())
        .map(|(_, n)| *n)
        .sum();
    let inferred: u64 = keys
        .iter()
        .flat_map(|t| t.frames.iter())
        .filter_map(|f| f.fields.get("bits_inferred").and_then(|v| v.as_u64()))
        .sum();
    if best_n >= 2 {
        let agree = f64::from(best_n) / f64::from(same_len.max(1));
        let mut detail = format!(
            "A {}-bit frame repeats ×{best_n}; {} of {same_len} same-length rows agree with it.",
            best.len(),
            best_n
        );
        if inferred > 0 {
            detail.push_str(&format!(
                " {inferred} bit(s) that no width could settle (an ambiguous width, a \
                 start-up-shortened first mark, a final PPM symbol) were read from agreeing \
                 repeats."
            ));
        }
        ev.items.push(EvidenceItem::at_least(
            "repeat_agreement",
            Some(agree),
            MIN_REPEAT_AGREEMENT,
            "share",
            Role::Weakness,
            detail,
        ));
        ev.what = format!(
            "a {}-bit frame repeated ×{best_n} (protocol not recognised)",
            best.len()
        );
        if agree >= MIN_REPEAT_AGREEMENT {
            ev.scope = Scope::Repeated;
        }
    }
}

/// Presses that get shorter or fainter one after another.
fn trend(keys: &[&Transmission], ev: &mut Evidence) {
    // (start, end, levels) of each press.
    let mut presses: Vec<(f64, f64, Vec<f64>)> = Vec::new();
    let mut sorted: Vec<&&Transmission> = keys.iter().filter(|t| !t.truncated).collect();
    sorted.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
    for t in sorted {
        let end = t.start_s + t.duration_s;
        match presses.last_mut() {
            Some(p) if t.start_s - p.1 < PRESS_GAP_S => {
                p.1 = p.1.max(end);
                p.2.extend(t.rssi_dbfs);
            }
            _ => presses.push((t.start_s, end, t.rssi_dbfs.into_iter().collect())),
        }
    }
    if presses.len() < TREND_MIN_PRESSES {
        return;
    }
    let lens: Vec<f64> = presses.iter().map(|p| p.1 - p.0).collect();
    let shrinking = lens.windows(2).all(|w| w[1] <= w[0] * 1.05);
    let share = lens[lens.len() - 1] / lens[0].max(1e-9);
    ev.items.push(EvidenceItem::at_least(
        "press_length_share",
        Some(if shrinking { share } else { 1.0 }),
        TREND_SHORTEN_SHARE,
        "share",
        Role::Weakness,
        if shrinking && share < TREND_SHORTEN_SHARE {
            format!(
                "Presses get shorter one after another: {} s down to {:.3} s, as a battery \
                 browning out earlier each time.",
                fmt_num(lens[0]),
                lens[lens.len() - 1]
            )
        } else {
            format!(
                "{} presses of {:.3}–{:.3} s: no steady shortening.",
                presses.len(),
                lens.iter().cloned().fold(f64::MAX, f64::min),
                lens.iter().cloned().fold(f64::MIN, f64::max)
            )
        },
    ));
    let levels: Vec<f64> = presses.iter().filter_map(|p| median(p.2.clone())).collect();
    if levels.len() >= TREND_MIN_PRESSES {
        let fading = levels.windows(2).all(|w| w[1] <= w[0] + 1.0);
        let fade = levels[0] - levels[levels.len() - 1];
        ev.items.push(EvidenceItem::at_most(
            "press_fade_db",
            Some(if fading { fade.max(0.0) } else { 0.0 }),
            TREND_FADE_DB,
            "dB",
            Role::Weakness,
            if fading && fade > TREND_FADE_DB {
                format!(
                    "Presses get fainter one after another: {:.1} dB weaker from the first to \
                     the last of {}.",
                    fade,
                    levels.len()
                )
            } else {
                format!(
                    "{} presses: levels {:.1} to {:.1} dBFS, no steady fading.",
                    levels.len(),
                    levels[0],
                    levels[levels.len() - 1]
                )
            },
        ));
    }
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
