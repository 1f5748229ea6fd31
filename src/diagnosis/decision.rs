//! The decision: from the evidence items to a status, the reasons and the advice.
//!
//! - `band_mismatch` when [`car_fit`] finds that the key's carrier or modulation does not fit
//!   the car's receiver (the one place that judges a key against the car).
//! - `weak` when any item of role [`Role::Weakness`] failed: positive evidence of a failing
//!   transmitter, never the mere absence of a recognised protocol, a repeat or a second burst.
//! - `working` when the RF is well-formed: a recognised protocol word, or a clean line code
//!   (every [`Role::WellFormed`] item passed). The reasons say how far the evidence goes.
//! - `weak` too when the transmission is strong but not a clean line code (irregular timing,
//!   too few bits, an implausible time unit): it is there, but nothing a receiver could read.
//! - `no_signal` when no key-sized transmission was found; strong short blips only are
//!   `weak` (a key that browns out at once).

use super::car_fit::{FitStatus, car_fit, key_modulation};
use super::evidence::{self, Evidence, Role, Scope, median};
use super::text::{battery_text, covered_span_text, mhz};
use super::thresholds::{MIN_KEY_PULSES, WEAK_SNR_DB};
use super::vehicles::CarBand;
use super::{Status, Verdict};
use crate::model::{Report, Transmission};

/// Judges a report, optionally against the band the car expects.
pub fn diagnose(report: &Report, car: Option<&CarBand>) -> Verdict {
    let (keys, left_out) = evidence::key_group(report);
    let blips: Vec<&Transmission> = report
        .transmissions
        .iter()
        .filter(|t| !evidence::is_key_sized(t))
        .collect();
    let span = covered_span_text(report);
    if keys.is_empty() {
        return no_key_verdict(report, car, &blips, span);
    }
    let mut ev = evidence::gather(report, &keys, left_out);
    let key_freq = median(ev.freqs_hz.clone());
    if ev.key_band.is_none()
        && let Some(f) = key_freq
    {
        ev.notes.push(format!(
            "The key's carrier at {} lies outside every key-fob band (315, 433.92, 868, 915 MHz).",
            mhz(f)
        ));
    }
    let fit = car.map(|c| car_fit(c, key_freq, key_modulation(&keys)));
    let mismatch = fit
        .as_ref()
        .is_some_and(|f| f.status == FitStatus::Mismatch);
    if let Some(f) = fit.as_ref().filter(|_| !mismatch) {
        ev.notes.push(f.reason.clone());
    }
    let weak = ev.weaknesses().count() > 0;
    let well_formed = ev.scope != Scope::None;
    if !weak && !well_formed && !mismatch {
        return unreadable_verdict(report, car, &ev, &keys, span);
    }
    let status = if mismatch {
        Status::BandMismatch
    } else if weak {
        Status::Weak
    } else {
        Status::Working
    };
    let freq_text = key_freq
        .map(mhz)
        .unwrap_or_else(|| "an unknown frequency".into());
    let mut reasons = Vec::new();
    let mut advice = Vec::new();
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
            if weak {
                advice
                    .push("The key also shows weakness (below); deal with the band first.".into());
            }
        }
        Status::Weak => weak_text(&ev, weak, &freq_text, car, &mut reasons, &mut advice),
        Status::Working => {
            let how = match ev.scope {
                Scope::Decoded => "frames decoded and consistent",
                Scope::Repeated => {
                    "frames repeat and agree; protocol not recognised, so their content is not \
                     checked"
                }
                _ => {
                    "RF and line code sound; protocol not recognised, so frame integrity is \
                     not checked"
                }
            };
            let rf = if ev
                .items
                .iter()
                .any(|i| i.name == "snr_db" && i.pass == Some(true))
            {
                "strong, well-formed RF"
            } else {
                "well-formed pulses (RF level unknown)"
            };
            reasons.push(format!(
                "The key transmits {rf} on {freq_text}: {} ({how}).",
                ev.what
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
    for i in ev.weaknesses() {
        reasons.push(i.detail.clone());
    }
    for i in ev.items.iter().filter(|i| !i.shows_weakness()) {
        reasons.push(i.detail.clone());
    }
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
        key_band: ev.key_band.clone(),
        car_band: car.map(|c| c.band_ids()),
        reasons,
        advice,
        evidence: ev.items,
    }
}

fn weak_text(
    ev: &Evidence,
    weak: bool,
    freq_text: &str,
    car: Option<&CarBand>,
    reasons: &mut Vec<String>,
    advice: &mut Vec<String>,
) {
    let failed: Vec<&str> = if weak {
        ev.weaknesses().map(|i| i.name).collect()
    } else {
        ev.items
            .iter()
            .filter(|i| i.role == Role::WellFormed && i.pass != Some(true))
            .map(|i| i.name)
            .collect()
    };
    let why = failed
        .iter()
        .map(|n| match *n {
            "snr_db" => "the signal is too weak",
            "sag_db" => "its level sags through each burst",
            "press_sag_db" => "its level sags through each press",
            "frames_cut" => "it stops mid-frame",
            "keeloq_vlow" => "it reports its own battery low",
            "keeloq_te_us" => "its timing is out of spec",
            "keeloq_repeats_disagree" | "keeloq_serials" | "repeat_agreement" => {
                "its repeats disagree"
            }
            "press_length_share" => "its presses get shorter",
            "press_fade_db" => "its presses get fainter",
            "line_code_fit" => "its timing is irregular",
            "time_unit_us" => "its time unit is not a key's",
            "code_bits" => "it is too short for a key's code",
            _ => "a check failed",
        })
        .fold(Vec::<&str>::new(), |mut v, s| {
            if !v.contains(&s) {
                v.push(s);
            }
            v
        })
        .join(", ");
    reasons.push(format!(
        "A transmission is there on {freq_text} but {why}: {}.",
        ev.what
    ));
    let battery = failed.iter().any(|n| {
        matches!(
            *n,
            "sag_db"
                | "press_sag_db"
                | "frames_cut"
                | "keeloq_vlow"
                | "keeloq_te_us"
                | "press_length_share"
                | "press_fade_db"
                | "snr_db"
        )
    });
    if battery {
        advice.push(battery_text(car));
    }
    if failed.contains(&"snr_db") {
        advice.push(
            "Hold the key about 1 m from the antenna, press for 1–2 s and record again; if the \
             SNR stays low, the key's output is weak."
                .into(),
        );
    }
    if failed
        .iter()
        .any(|n| n.contains("disagree") || *n == "keeloq_serials" || *n == "repeat_agreement")
    {
        advice.push(
            "Record again close to the antenna: disagreeing repeats can also come from \
             interference."
                .into(),
        );
    }
    if advice.is_empty() {
        advice.push(
            "Record again with the key close to the antenna, holding the button for 1–2 s; if \
             the transmission stays malformed, replace the battery."
                .into(),
        );
    }
}

/// Bursts were received but none carries a key's line code, and nothing shows a failing key:
/// no key transmission was found (noise, interference, or a signal this recording does not
/// resolve). `no_signal`, with the figures, never `weak`: that needs positive evidence.
fn unreadable_verdict(
    report: &Report,
    car: Option<&CarBand>,
    ev: &Evidence,
    keys: &[&Transmission],
    span: String,
) -> Verdict {
    let mut reasons = vec![format!(
        "No key transmission recognised: {} burst(s) were received, but none carries a line \
         code a key sends (noise, interference, or a key on another frequency or modulation).",
        keys.len()
    )];
    for i in ev.items.iter() {
        reasons.push(i.detail.clone());
    }
    reasons.extend(ev.notes.iter().cloned());
    reasons.push(format!("For the record, {span}."));
    let _ = report;
    Verdict {
        status: Status::NoSignal,
        key_band: ev.key_band.clone(),
        car_band: car.map(|c| c.band_ids()),
        reasons,
        advice: vec![
            "Press and hold a button for 1–2 s with the key within 1 m of the antenna while \
             recording, tuned to the car's band."
                .into(),
            format!(
                "If a clean recording on the car's band still shows nothing, the key may be \
                 dead. {}.",
                battery_text(car)
            ),
        ],
        evidence: ev.items.clone(),
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
    let most = blips
        .iter()
        .map(|t| t.pulses.max(t.train.pulses.len()))
        .max();
    let mut items = vec![evidence::EvidenceItem {
        name: "longest_burst_pulses",
        value: most.map(|n| n as f64),
        threshold: Some(MIN_KEY_PULSES as f64),
        threshold_high: None,
        unit: "pulses",
        rule: ">=",
        pass: Some(false),
        role: Role::Weakness,
        detail: format!(
            "No burst holds the {MIN_KEY_PULSES} pulses of a key's shortest code word."
        ),
    }];
    if !strong.is_empty() {
        let best = strong
            .iter()
            .filter_map(|t| t.snr_db)
            .fold(f64::MIN, f64::max);
        let freq = strong
            .iter()
            .find_map(|t| t.freq_hz)
            .map(mhz)
            .unwrap_or_else(|| "an unknown frequency".into());
        let key_band = strong.iter().find_map(|t| t.band.clone());
        reasons.push(format!(
            "Only {} short burst(s) of at most {} pulses on {freq} (SNR up to {best:.1} dB): \
             too short to hold a key's code word.",
            strong.len(),
            most.unwrap_or(0)
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
            evidence: items,
        };
    }
    items[0].pass = None;
    items[0].role = Role::Info;
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
    if let Some(d) = report.input.duration_s {
        items.push(evidence::EvidenceItem {
            name: "listened_s",
            value: Some(d),
            threshold: Some(super::thresholds::MIN_LISTEN_S),
            threshold_high: None,
            unit: "s",
            rule: ">=",
            pass: Some(d >= super::thresholds::MIN_LISTEN_S),
            role: Role::Info,
            detail: format!("Listened for {d:.2} s."),
        });
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
        evidence: items,
    }
}
