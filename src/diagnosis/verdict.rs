//! The verdict: is the key dead, weak, working, or on the wrong band, with the evidence.
//!
//! Thresholds (each cited in the reasons it produces):
//! - A transmission needs at least [`MIN_KEY_PULSES`] pulses to be a key's frame; shorter
//!   bursts are blips (noise, or a key that browns out at once).
//! - SNR in the transmission's own channel: below [`WEAK_SNR_DB`] is too weak to trust; a key
//!   held about 1 m from a dongle's antenna gives 20–40 dB, so below [`MARGINAL_SNR_DB`] is
//!   noted as marginal.
//! - Amplitude sag (mark level at the end of a burst relative to its start): a median at or
//!   below [`SAG_WEAK_DB`] is a battery sign. Transmitter output power goes roughly as
//!   (VCC − 0.4 V)², about −2 dB when a 3 V cell sags to 2.4 V under load.
//! - KeeLoq: the VLOW flag (battery low, Microchip DS21143), Te outside the chip's 260–660 µs
//!   oscillator range, code words cut short before 66 bits, words that disagree.
//! - `working` needs a complete frame: a decoded protocol word, or (no protocol recognised)
//!   a row of at least [`MIN_ROW_BITS`] bits seen at least twice with a sensible time unit
//!   (50 µs – 5 ms), and no weakness above. Pulse files carry no RF levels: power and SNR are
//!   then reported as unknown, not assumed.

use std::collections::BTreeMap;

use super::car_fit::{FitStatus, car_fit, key_modulation};
use super::vehicles::CarBand;
use super::{Status, Verdict};
use crate::band::band_of;
use crate::model::{Frame, Report, Transmission};
use crate::protocol::keeloq::TE_RANGE_US;

/// Fewest pulses for a transmission to count as a key's frame.
pub const MIN_KEY_PULSES: usize = 10;
/// SNR below which a transmission is too weak to trust, dB.
pub const WEAK_SNR_DB: f64 = 10.0;
/// SNR below which the signal is noted as marginal, dB.
pub const MARGINAL_SNR_DB: f64 = 15.0;
/// Median sag at or below which the battery is suspected, dB.
pub const SAG_WEAK_DB: f64 = -2.0;
/// Fewest bits for an unrecognised row to count as a frame.
pub const MIN_ROW_BITS: usize = 8;
/// Sensible base time units for a key's line code, µs.
pub const SENSIBLE_UNIT_US: (f64, f64) = (50.0, 5000.0);
/// Code words closer than this many guard times belong to one button press.
pub const SAME_PRESS_GUARDS: f64 = 3.0;
/// Half the bandwidth of a typical car receiver (about 600 kHz), Hz.
pub const RECEIVER_HALF_BW_HZ: f64 = 300e3;

fn mhz(hz: f64) -> String {
    let m = hz / 1e6;
    if (m * 100.0).fract().abs() < 1e-6 {
        format!("{m:.2} MHz")
    } else {
        format!("{m:.3} MHz")
    }
}

fn pulses_of(t: &Transmission) -> usize {
    t.pulses.max(t.train.pulses.len())
}

fn median(mut v: Vec<f64>) -> Option<f64> {
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

fn battery_text(car: Option<&CarBand>) -> String {
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

fn field_str<'a>(f: &'a Frame, k: &str) -> Option<&'a str> {
    f.fields.get(k).and_then(|v| v.as_str())
}

fn field_bool(f: &Frame, k: &str) -> Option<bool> {
    f.fields.get(k).and_then(|v| v.as_bool())
}

fn field_f64(f: &Frame, k: &str) -> Option<f64> {
    f.fields.get(k).and_then(|v| v.as_f64())
}

/// Evidence gathered from the transmissions.
#[derive(Default)]
struct Evidence {
    /// Sentences that make the key weak.
    weak: Vec<String>,
    /// Sentences that support a working key or inform.
    notes: Vec<String>,
    /// Whether a complete, consistent frame was seen.
    complete: bool,
    /// Summary of what was decoded (for the headline).
    what: Option<String>,
    /// Battery-related weakness (advice: battery).
    battery_sign: bool,
    /// Weak because of low SNR (advice: distance).
    low_snr: bool,
    /// Repeats disagreed (advice: record again).
    disagree: bool,
}

fn rf_evidence(report: &Report, keys: &[&Transmission], ev: &mut Evidence) {
    let snrs: Vec<f64> = keys.iter().filter_map(|t| t.snr_db).collect();
    if snrs.is_empty() {
        let why = if report.transmissions.iter().all(|t| t.rssi_dbfs.is_none()) {
            "the input carries no RF levels (a pulse file)"
        } else {
            "no SNR was measured"
        };
        ev.notes.push(format!(
            "Power and SNR are unknown: {why}; the verdict rests on the frames alone."
        ));
    } else {
        let best = snrs.iter().cloned().fold(f64::MIN, f64::max);
        let med = median(snrs.clone()).unwrap_or(best);
        let rssi = keys
            .iter()
            .filter_map(|t| t.rssi_dbfs)
            .fold(f64::MIN, f64::max);
        let rssi_text = if rssi > f64::MIN {
            format!(", strongest burst {rssi:.1} dBFS")
        } else {
            String::new()
        };
        if best < WEAK_SNR_DB {
            ev.weak.push(format!(
                "Best SNR {best:.1} dB (median {med:.1} dB over {} burst(s){rssi_text}) is below \
                 {WEAK_SNR_DB:.0} dB: too weak to trust (a key held about 1 m from the antenna \
                 gives 20–40 dB).",
                snrs.len()
            ));
            ev.low_snr = true;
        } else if med < WEAK_SNR_DB {
            ev.weak.push(format!(
                "Most bursts are weak: median SNR {med:.1} dB (best {best:.1} dB over {} \
                 bursts{rssi_text}), below {WEAK_SNR_DB:.0} dB.",
                snrs.len()
            ));
            ev.low_snr = true;
        } else if best < MARGINAL_SNR_DB {
            ev.notes.push(format!(
                "SNR {best:.1} dB is marginal (a key about 1 m from the antenna gives 20–40 dB){rssi_text}."
            ));
        } else {
            ev.notes.push(format!(
                "SNR {best:.1} dB (median {med:.1} dB over {} burst(s){rssi_text}).",
                snrs.len()
            ));
        }
    }
    let sags: Vec<f64> = keys.iter().filter_map(|t| t.amplitude_sag_db).collect();
    if let Some(med) = median(sags.clone()) {
        let worst = sags.iter().cloned().fold(f64::MAX, f64::min);
        if med <= SAG_WEAK_DB {
            ev.weak.push(format!(
                "The mark level sags by {:.1} dB from start to end of the burst (median of {}, \
                 worst {:.1} dB): the battery voltage collapses under the transmit current \
                 (about −2 dB when a 3 V cell falls to 2.4 V).",
                -med,
                sags.len(),
                -worst
            ));
            ev.battery_sign = true;
        } else if worst <= SAG_WEAK_DB {
            ev.notes.push(format!(
                "One burst sagged by {:.1} dB, the median only {:.1} dB.",
                -worst, -med
            ));
        }
    }
    let cut = report.transmissions.iter().filter(|t| t.truncated).count();
    if cut > 0 {
        ev.notes.push(format!(
            "{cut} burst(s) were cut off by the end of the recording (not counted against the key)."
        ));
    }
}

fn keeloq_evidence(keys: &[&Transmission], ev: &mut Evidence) {
    let mut complete = 0u32;
    let mut vlow = 0u32;
    let mut serials: BTreeMap<String, u32> = BTreeMap::new();
    let mut tes: Vec<f64> = Vec::new();
    let mut short_words: Vec<String> = Vec::new();
    let mut last_fields = None;
    for t in keys {
        let kl: Vec<&Frame> = t
            .frames
            .iter()
            .filter(|f| f.protocol.as_deref() == Some(crate::protocol::keeloq_decoder::PROTOCOL))
            .collect();
        let whole: Vec<&&Frame> = kl
            .iter()
            .filter(|f| field_bool(f, "complete") == Some(true))
            .collect();
        if whole.len() > 1 {
            let distinct: std::collections::BTreeSet<&str> = whole
                .iter()
                .filter_map(|f| field_str(f, "hopping_code"))
                .collect();
            if distinct.len() > 1 {
                ev.weak.push(format!(
                    "Repeats disagree within the burst at {:.3} s: {} different code words \
                     where a held button repeats one.",
                    t.start_s,
                    distinct.len()
                ));
                ev.disagree = true;
            }
        }
        for f in kl {
            if let Some(te) = field_f64(f, "te_us") {
                tes.push(te);
            }
            if field_bool(f, "complete") == Some(true) {
                complete += f.repeats;
                if field_bool(f, "battery_low") == Some(true) {
                    vlow += f.repeats;
                }
                if let Some(s) = field_str(f, "serial") {
                    *serials.entry(s.to_string()).or_default() += f.repeats;
                }
                last_fields = Some(f.clone());
            } else if !t.truncated {
                let n = f
                    .fields
                    .get("bits_received")
                    .and_then(|v| v.as_u64())
                    .unwrap_or(0);
                short_words.push(format!("{n} of 66 bits at {:.3} s", t.start_s));
            }
        }
    }
    if complete == 0 && short_words.is_empty() {
        return;
    }
    if !short_words.is_empty() {
        ev.weak.push(format!(
            "KeeLoq code word(s) cut short: {} — the key stops transmitting mid-word, as it \
             does when the battery browns out under load.",
            short_words.join("; ")
        ));
        ev.battery_sign = true;
    }
    if vlow > 0 {
        ev.weak.push(format!(
            "The key's own battery-low flag (VLOW) is set in {vlow} of {complete} code words."
        ));
        ev.battery_sign = true;
    }
    if let (Some(lo), Some(hi)) = (
        tes.iter().cloned().reduce(f64::min),
        tes.iter().cloned().reduce(f64::max),
    ) {
        let mean = tes.iter().sum::<f64>() / tes.len() as f64;
        let out: Vec<f64> = tes
            .iter()
            .cloned()
            .filter(|t| !(TE_RANGE_US.0..=TE_RANGE_US.1).contains(t))
            .collect();
        if !out.is_empty() {
            ev.weak.push(format!(
                "Te {:.0} µs is outside the chip's {:.0}–{:.0} µs oscillator range (nominal \
                 400 µs): the supply is out of spec, a battery sign.",
                out[0], TE_RANGE_US.0, TE_RANGE_US.1
            ));
            ev.battery_sign = true;
        } else {
            ev.notes.push(format!(
                "Te {mean:.0} µs (nominal 400 µs, chip range {:.0}–{:.0} µs).",
                TE_RANGE_US.0, TE_RANGE_US.1
            ));
        }
        if tes.len() > 1 && (hi - lo) > 0.1 * mean {
            ev.notes.push(format!(
                "Te drifts from {lo:.0} to {hi:.0} µs between words: the on-chip oscillator \
                 follows the supply voltage."
            ));
        }
    }
    held_repeat_evidence(keys, ev);
    if serials.len() > 1 {
        let list: Vec<String> = serials.iter().map(|(s, n)| format!("{s} ×{n}")).collect();
        ev.weak.push(format!(
            "Code words disagree on the serial ({}): bits are being corrupted, or more than \
             one key was pressed.",
            list.join(", ")
        ));
        ev.disagree = true;
    }
    if complete > 0 {
        ev.complete = true;
        if let Some(f) = last_fields {
            let serial = field_str(&f, "serial").unwrap_or("?");
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
            let battery = if vlow > 0 {
                "battery LOW"
            } else {
                "battery OK"
            };
            ev.what = Some(format!(
                "KeeLoq code word{} from serial {serial} (buttons {}, {battery}, hopping code \
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
                }
            ));
            ev.notes.push(format!(
                "Decoded {complete} complete KeeLoq code word(s): serial {serial}, button bits \
                 {} (S3 S0 S1 S2), VLOW {}.",
                field_str(&f, "buttons").unwrap_or("?"),
                if vlow > 0 { "set" } else { "clear" }
            ));
        }
    }
}

/// Words sent while one button is held repeat the same code word (Microchip HCS410 data
/// sheet, "Code Hopping Mode": "keeping a button pressed ... results in the same code word
/// being transmitted"; the HCS30x behave alike). KeeLoq has no checksum, so two words of one
/// press that differ in the hopping code are the only sign of bit errors in it. Words closer
/// than [`SAME_PRESS_GUARDS`] guard times (39 Te each) belong to one press.
fn held_repeat_evidence(keys: &[&Transmission], ev: &mut Evidence) {
    let mut words: Vec<(f64, f64, f64, &Frame)> = Vec::new();
    for t in keys {
        for f in &t.frames {
            if f.protocol.as_deref() == Some(crate::protocol::keeloq_decoder::PROTOCOL)
                && field_bool(f, "complete") == Some(true)
            {
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
    if !bad.is_empty() {
        ev.weak.push(format!(
            "Repeats of one press disagree in the hopping code ({}): a held button repeats one              code word, so bits are being corrupted.",
            bad.join("; ")
        ));
        ev.disagree = true;
    }
}

fn fixed_evidence(keys: &[&Transmission], ev: &mut Evidence) {
    let mut codes: BTreeMap<(String, String), u32> = BTreeMap::new();
    for t in keys {
        let fixed: Vec<&Frame> = t
            .frames
            .iter()
            .filter(|f| matches!(f.protocol.as_deref(), Some("PT2262") | Some("EV1527")))
            .collect();
        let distinct: std::collections::BTreeSet<&str> =
            fixed.iter().map(|f| f.bits.as_str()).collect();
        if distinct.len() > 1 {
            ev.weak.push(format!(
                "Repeats disagree within the burst at {:.3} s: {} different fixed codes where \
                 every repeat should be identical.",
                t.start_s,
                distinct.len()
            ));
            ev.disagree = true;
        }
        for f in fixed {
            let p = f.protocol.clone().unwrap_or_default();
            let code = field_str(f, "code")
                .or_else(|| field_str(f, "address"))
                .unwrap_or(&f.hex)
                .to_string();
            let full = match field_str(f, "code") {
                Some(c) => c.to_string(),
                None => format!("{code}/{}", field_str(f, "data").unwrap_or("")),
            };
            *codes.entry((p, full)).or_default() += f.repeats;
        }
    }
    if codes.is_empty() {
        return;
    }
    ev.complete = true;
    let total: u32 = codes.values().sum();
    let list: Vec<String> = codes
        .iter()
        .map(|((p, c), n)| format!("{p} {c} ×{n}"))
        .collect();
    ev.what = Some(format!("fixed code {}", list.join(", ")));
    ev.notes.push(format!(
        "Decoded {total} fixed-code word(s): {}; a fixed code must read the same on every repeat.",
        list.join(", ")
    ));
}

fn row_evidence(keys: &[&Transmission], ev: &mut Evidence) {
    let mut seen: BTreeMap<&str, u32> = BTreeMap::new();
    let mut lengths: BTreeMap<usize, u32> = BTreeMap::new();
    for t in keys {
        for f in t.frames.iter().filter(|f| f.protocol.is_none()) {
            if f.bits.len() >= MIN_ROW_BITS {
                *seen.entry(f.bits.as_str()).or_default() += f.repeats.max(1);
                *lengths.entry(f.bits.len()).or_default() += f.repeats.max(1);
            }
        }
    }
    if seen.is_empty() {
        return;
    }
    let modal_len = lengths
        .iter()
        .max_by_key(|(l, n)| (**n, **l))
        .map(|(l, _)| *l)
        .unwrap_or(0);
    // Rows cut short at the end of a burst that the recording did not cut.
    let mut short = Vec::new();
    for t in keys {
        if t.truncated {
            continue;
        }
        if let Some(last) = t.frames.iter().rev().find(|f| f.protocol.is_none()) {
            let n = last.bits.len();
            if n >= MIN_ROW_BITS && n * 4 >= modal_len && n < modal_len && t.frames.len() > 1 {
                short.push(format!("{n} of {modal_len} bits at {:.3} s", t.start_s));
            }
        }
    }
    let units: Vec<f64> = keys.iter().filter_map(|t| t.te_us.or(t.short_us)).collect();
    let sensible = units
        .iter()
        .all(|u| (SENSIBLE_UNIT_US.0..=SENSIBLE_UNIT_US.1).contains(u));
    let (best_bits, best_n) = seen
        .iter()
        .max_by_key(|(b, n)| (**n, b.len()))
        .map(|(b, n)| (*b, *n))
        .unwrap_or(("", 0));
    // Same-length rows that differ in a few bits are the same frame with bit errors.
    let near_misses = seen
        .keys()
        .filter(|b| {
            b.len() == best_bits.len()
                && **b != best_bits
                && b.bytes()
                    .zip(best_bits.bytes())
                    .filter(|(x, y)| x != y)
                    .count()
                    * 4
                    <= b.len()
        })
        .count();
    if !short.is_empty() {
        ev.weak.push(format!(
            "Rows cut short at the end of a burst: {} — the key stops mid-frame, as it does \
             when the battery browns out.",
            short.join("; ")
        ));
        ev.battery_sign = true;
    }
    if near_misses > 0 {
        ev.weak.push(format!(
            "Repeats disagree: {near_misses} row(s) of {} bits differ from the most common one \
             in a few bits (bit errors).",
            best_bits.len()
        ));
        ev.disagree = true;
    }
    if best_n >= 2 && sensible {
        ev.complete = true;
        let hex = {
            let bits: Vec<bool> = best_bits.bytes().map(|b| b == b'1').collect();
            crate::pulse::Row {
                bits,
                repeats: best_n,
                first_pulse: 0,
                pulse_count: 0,
            }
            .hex()
        };
        ev.what = Some(format!(
            "a {}-bit frame repeated ×{best_n} (protocol not recognised)",
            best_bits.len()
        ));
        ev.notes.push(format!(
            "No known protocol, but a {}-bit row (hex {hex}) repeats {best_n} times{}.",
            best_bits.len(),
            match median(units) {
                Some(u) => format!(" with a time unit of {u:.0} µs"),
                None => String::new(),
            }
        ));
    } else if !sensible {
        ev.notes.push(format!(
            "The time unit ({:.0} µs) is outside {:.0}–{:.0} µs, not a key's line code.",
            units.first().copied().unwrap_or(0.0),
            SENSIBLE_UNIT_US.0,
            SENSIBLE_UNIT_US.1
        ));
    }
}

/// Judges a report, optionally against the band the car expects.
pub fn diagnose(report: &Report, car: Option<&CarBand>) -> Verdict {
    let car_band = car.map(|c| c.band_ids());
    let keys: Vec<&Transmission> = report
        .transmissions
        .iter()
        .filter(|t| pulses_of(t) >= MIN_KEY_PULSES)
        .collect();
    let blips: Vec<&Transmission> = report
        .transmissions
        .iter()
        .filter(|t| pulses_of(t) < MIN_KEY_PULSES)
        .collect();
    let span = covered_span_text(report);

    if keys.is_empty() {
        return no_key_verdict(report, car, &blips, span);
    }

    // The key's band: the most common band among its transmissions.
    let mut band_count: BTreeMap<String, usize> = BTreeMap::new();
    for t in &keys {
        let b = t
            .band
            .clone()
            .or_else(|| t.freq_hz.and_then(band_of).map(|b| b.id.to_string()));
        if let Some(b) = b {
            *band_count.entry(b).or_default() += 1;
        }
    }
    let key_band = band_count
        .iter()
        .max_by_key(|(_, n)| **n)
        .map(|(b, _)| b.clone());
    let freqs: Vec<f64> = keys.iter().filter_map(|t| t.freq_hz).collect();
    let key_freq = median(freqs.clone());

    let mut ev = Evidence::default();
    if key_band.is_none()
        && let Some(f) = key_freq
    {
        ev.notes.push(format!(
            "The key's carrier at {} lies outside every key-fob band (315, 433.92, 868, \
                 915 MHz).",
            mhz(f)
        ));
    }
    rf_evidence(report, &keys, &mut ev);
    keeloq_evidence(&keys, &mut ev);
    if !ev.complete {
        fixed_evidence(&keys, &mut ev);
    }
    if !ev.complete {
        row_evidence(&keys, &mut ev);
    }
    if !ev.complete && ev.weak.is_empty() {
        ev.weak.push(format!(
            "{} burst(s) with up to {} pulses, but no complete frame: no known protocol was \
             recognised and no row of bits repeated.",
            keys.len(),
            keys.iter().map(|t| pulses_of(t)).max().unwrap_or(0)
        ));
    }

    let freq_text = match key_freq {
        Some(f) => mhz(f),
        None => "an unknown frequency".to_string(),
    };
    let mut reasons = Vec::new();
    let mut advice = Vec::new();

    // Band check: the key's carrier and modulation against the car's receiver (car_fit).
    let mut mismatch = false;
    let fit = car.map(|c| car_fit(c, key_freq, key_modulation(&keys)));
    if let Some(f) = &fit {
        if f.status == FitStatus::Mismatch {
            mismatch = true;
        } else {
            ev.notes.push(f.reason.clone());
        }
    }

    let status = if mismatch {
        Status::BandMismatch
    } else if !ev.weak.is_empty() || !ev.complete {
        Status::Weak
    } else {
        Status::Working
    };
    let what = ev
        .what
        .clone()
        .unwrap_or_else(|| format!("{} burst(s)", keys.len()));
    match status {
        Status::BandMismatch => {
            let (Some(c), Some(f)) = (car, &fit) else {
                unreachable!("a band mismatch is only found against a car")
            };
            reasons.push(f.reason.clone());
            advice.extend(f.advice.iter().cloned());
            if let Some(n) = c.vehicle.as_ref().and_then(|v| v.note.clone()) {
                advice.push(n);
            }
            if !ev.weak.is_empty() {
                advice
                    .push("The key also shows weakness (below); deal with the band first.".into());
            }
        }
        Status::Weak => {
            reasons.push(format!(
                "A transmission is there on {freq_text} but it is too weak or broken to trust: \
                 {what}."
            ));
            if ev.battery_sign || ev.low_snr {
                advice.push(battery_text(car));
            }
            if ev.low_snr {
                advice.push(
                    "Hold the key about 1 m from the antenna, press for 1–2 s and record again; \
                     if the SNR stays low, the key's output is weak."
                        .into(),
                );
            }
            if ev.disagree {
                advice.push(
                    "Record again close to the antenna: disagreeing repeats can also come from \
                     interference."
                        .into(),
                );
            }
            if advice.is_empty() {
                advice.push(
                    "Record again with the key close to the antenna, holding the button for \
                     1–2 s; if the frames stay broken, replace the battery."
                        .into(),
                );
            }
        }
        Status::Working => {
            reasons.push(format!(
                "The key transmits complete, consistent frames on {freq_text}: {what}."
            ));
            advice.push(
                "The key itself is fine. If the car still ignores it, re-initialise \
                 (re-synchronise) the key to the car."
                    .into(),
            );
            match car.and_then(|c| c.vehicle.as_ref()) {
                Some(v) => match &v.procedure {
                    Some(p) => advice.push(format!("{} procedure: {p}", v.label())),
                    None => advice.push(format!(
                        "No initialisation procedure is on file for {}: see the owner's manual \
                         or a dealer.",
                        v.label()
                    )),
                },
                None => advice.push(
                    "Use the car's procedure from the owner's manual (or name the car with \
                     --car to see it)."
                        .into(),
                ),
            }
        }
        Status::NoSignal => {}
    }
    reasons.append(&mut ev.weak);
    reasons.append(&mut ev.notes);
    if !blips.is_empty() {
        reasons.push(format!(
            "{} short blip(s) of under {MIN_KEY_PULSES} pulses ignored.",
            blips.len()
        ));
    }
    reasons.push(format!("For the record, {span}."));

    Verdict {
        status,
        key_band,
        car_band,
        reasons,
        advice,
    }
}

fn no_key_verdict(
    report: &Report,
    car: Option<&CarBand>,
    blips: &[&Transmission],
    span: String,
) -> Verdict {
    let car_band = car.map(|c| c.band_ids());
    let strong: Vec<&&Transmission> = blips
        .iter()
        .filter(|t| t.snr_db.is_some_and(|s| s >= WEAK_SNR_DB))
        .collect();
    let mut reasons = Vec::new();
    let mut advice = Vec::new();
    if !strong.is_empty() {
        let best = strong
            .iter()
            .filter_map(|t| t.snr_db)
            .fold(f64::MIN, f64::max);
        let most = strong.iter().map(|t| pulses_of(t)).max().unwrap_or(0);
        let freq = strong
            .iter()
            .find_map(|t| t.freq_hz)
            .map(mhz)
            .unwrap_or_else(|| "an unknown frequency".into());
        let key_band = strong.iter().find_map(|t| t.band.clone());
        reasons.push(format!(
            "Only {} short burst(s) of at most {most} pulses on {freq} (SNR up to {best:.1} dB): \
             too short to hold a key's code word.",
            strong.len()
        ));
        reasons.push(
            "A key whose battery collapses under the transmit current cuts off like this (or \
             it is interference)."
                .into(),
        );
        reasons.push(format!("For the record, {span}."));
        advice.push(battery_text(car));
        advice.push(
            "Record again with the key close to the antenna, holding the button 1–2 s.".into(),
        );
        return Verdict {
            status: Status::Weak,
            key_band,
            car_band,
            reasons,
            advice,
        };
    }
    let what = if report.input.sample_rate_hz.is_none() && report.input.center_freq_hz.is_none() {
        "No key transmission in the input"
    } else {
        "Nothing rose above the noise floor"
    };
    reasons.push(format!("{what}: {span}."));
    if !blips.is_empty() {
        reasons.push(format!(
            "{} short weak blip(s) of under {MIN_KEY_PULSES} pulses were ignored as noise.",
            blips.len()
        ));
    }
    let covered = report.input.covered_span_hz();
    if let Some(c) = car {
        let in_span = covered
            .is_some_and(|(lo, hi)| c.bands.iter().any(|b| b.high_hz >= lo && b.low_hz <= hi));
        if covered.is_some() && !in_span {
            reasons.push(format!(
                "That span does not reach {} ({}): nothing can be said about the key from this \
                 recording.",
                c.label,
                c.freq_text()
            ));
            advice.push(format!(
                "Record again tuned to {} (e.g. --freq {}).",
                c.freq_text(),
                c.bands.first().map(|b| b.nominal_hz / 1e6).unwrap_or(315.0)
            ));
        }
    } else if covered.is_some_and(|(lo, hi)| {
        !crate::band::BANDS
            .iter()
            .any(|b| b.high_hz >= lo && b.low_hz <= hi)
    }) {
        reasons
            .push("That span lies outside every key-fob band (315, 433.92, 868, 915 MHz).".into());
    }
    reasons.push(
        "A key is only called dead for the span listened to; it may be transmitting elsewhere."
            .into(),
    );
    advice.push(
        "Press and hold a button for 1–2 s with the key within 1 m of the antenna while \
         recording."
            .into(),
    );
    advice.push(format!(
        "If the car's band was covered and still nothing shows, the key may be dead. {}.",
        battery_text(car)
    ));
    Verdict {
        status: Status::NoSignal,
        key_band: None,
        car_band,
        reasons,
        advice,
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
