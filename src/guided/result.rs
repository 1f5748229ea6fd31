//! The end of a guided test: a verdict per button (the session's verdict rules applied to the
//! presses of that button's window alone), the button map the presses show, and the whole
//! session's verdict.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Step;
use crate::diagnosis::compare::Comparison;
use crate::diagnosis::vehicles::CarBand;
use crate::diagnosis::{Status, Verdict, diagnose};
use crate::model::{Frame, Report, Transmission};

/// Shortest frame taken as a code word when comparing presses, bits (a key's code is longer).
const MIN_CODE_BITS: usize = 12;

/// What one button's presses showed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ButtonResult {
    /// The button asked for.
    pub button: String,
    /// Its window of signal time, s.
    pub start_s: f64,
    /// End of the window, s.
    pub end_s: f64,
    /// Transmissions heard in the window.
    pub transmissions: usize,
    /// Carrier of the strongest, Hz.
    pub freq_hz: Option<f64>,
    /// Its level, dBFS.
    pub rssi_dbfs: Option<f64>,
    /// Its SNR, dB.
    pub snr_db: Option<f64>,
    /// Protocol of the code word, when recognised.
    pub protocol: Option<String>,
    /// KeeLoq serial, when decoded.
    pub serial: Option<String>,
    /// KeeLoq button bits in the order sent (S3 S0 S1 S2), when decoded.
    pub button_bits: Option<String>,
    /// The code word most often heard (bits), when one was.
    pub code_bits: Option<String>,
    /// The same word in hex.
    pub code_hex: Option<String>,
    /// The verdict for this button's presses alone.
    pub verdict: Verdict,
}

/// Which code each button sends, and whether they differ as they should.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ButtonMap {
    /// `keeloq` (button bits decoded), `bits` (unrecognised words compared bit by bit) or
    /// `none` (too few words to compare).
    pub kind: String,
    /// One line per button, in plain words.
    pub lines: Vec<String>,
    /// Findings: buttons that send the same code, different serials, ...
    pub notes: Vec<String>,
}

/// The whole result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GuidedResult {
    /// The buttons, in the order asked.
    pub buttons: Vec<ButtonResult>,
    /// The button map.
    pub button_map: ButtonMap,
    /// The verdict of the whole session.
    pub verdict: Verdict,
    /// What to do next.
    pub advice: Vec<String>,
    /// The session compared with another recording, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comparison: Option<Comparison>,
    /// The session's report (every transmission).
    pub report: Report,
}

impl GuidedResult {
    /// The status the test ends with: the first button that is not working, else the whole
    /// session's.
    pub fn status(&self) -> Status {
        self.buttons
            .iter()
            .map(|b| b.verdict.status)
            .find(|s| *s != Status::Working)
            .unwrap_or(self.verdict.status)
    }
}

/// The most common code word among `frames` (ties: the longest), if any is long enough.
fn usual_frame<'a>(frames: impl Iterator<Item = &'a Frame>) -> Option<&'a Frame> {
    let mut count: BTreeMap<&str, (usize, &Frame)> = BTreeMap::new();
    for f in frames.filter(|f| f.bits.len() >= MIN_CODE_BITS) {
        count.entry(&f.bits).or_insert((0, f)).0 += 1;
    }
    count
        .into_values()
        .max_by_key(|(n, f)| (*n, f.bits.len()))
        .map(|(_, f)| f)
}

fn field(f: &Frame, name: &str) -> Option<String> {
    f.fields
        .get(name)
        .and_then(|v| v.as_str())
        .map(str::to_string)
}

/// The report of one window: the session's transmissions that started in it.
fn window_report(report: &Report, step: &Step) -> Report {
    let mut r = report.clone();
    r.transmissions = report
        .transmissions
        .iter()
        .filter(|t| t.start_s >= step.start_s && t.start_s < step.end_s)
        .cloned()
        .collect();
    r.input.duration_s = Some(step.end_s - step.start_s);
    r.verdict = None;
    r
}

fn button_result(report: &Report, step: &Step, car: Option<&CarBand>) -> ButtonResult {
    let w = window_report(report, step);
    let strongest: Option<&Transmission> = w.transmissions.iter().max_by(|a, b| {
        a.snr_db
            .unwrap_or(f64::MIN)
            .total_cmp(&b.snr_db.unwrap_or(f64::MIN))
    });
    let frames = || w.transmissions.iter().flat_map(|t| t.frames.iter());
    let keeloq = frames()
        .find(|f| f.protocol.as_deref() == Some("KeeLoq") && f.fields.contains_key("buttons"));
    let usual = keeloq.or_else(|| usual_frame(frames()));
    ButtonResult {
        button: step.button.clone(),
        start_s: step.start_s,
        end_s: step.end_s,
        transmissions: w.transmissions.len(),
        freq_hz: strongest.and_then(|t| t.freq_hz),
        rssi_dbfs: strongest.and_then(|t| t.rssi_dbfs),
        snr_db: strongest.and_then(|t| t.snr_db),
        protocol: usual.and_then(|f| f.protocol.clone()),
        serial: usual.and_then(|f| field(f, "serial")),
        button_bits: keeloq.and_then(|f| field(f, "buttons")),
        code_bits: usual.map(|f| f.bits.clone()),
        code_hex: usual.map(|f| f.hex.clone()),
        verdict: diagnose(&w, car),
    }
}

/// Bit positions where `a` and `b` differ (over the shorter length).
fn differing_bits(a: &str, b: &str) -> Vec<usize> {
    a.bytes()
        .zip(b.bytes())
        .enumerate()
        .filter(|(_, (x, y))| x != y)
        .map(|(k, _)| k)
        .collect()
}

/// The button map of the results.
pub fn button_map(buttons: &[ButtonResult]) -> ButtonMap {
    let heard: Vec<&ButtonResult> = buttons.iter().filter(|b| b.code_bits.is_some()).collect();
    let mut notes = Vec::new();
    for b in buttons.iter().filter(|b| b.code_bits.is_none()) {
        notes.push(format!(
            "{}: no code word heard ({} transmission(s) in its window).",
            b.button, b.transmissions
        ));
    }
    let keeloq = !heard.is_empty() && heard.iter().all(|b| b.button_bits.is_some());
    let mut lines = Vec::new();
    let kind = if keeloq {
        let mut by_bits: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for b in &heard {
            let bits = b.button_bits.as_deref().unwrap_or("");
            let pressed: Vec<String> = ["S3", "S0", "S1", "S2"]
                .iter()
                .zip(bits.chars())
                .filter(|(_, c)| *c == '1')
                .map(|(s, _)| s.to_string())
                .collect();
            lines.push(format!(
                "{}: KeeLoq button bits {bits} (S3 S0 S1 S2: {}), serial {}",
                b.button,
                if pressed.is_empty() {
                    "none".to_string()
                } else {
                    pressed.join("+")
                },
                b.serial.as_deref().unwrap_or("?")
            ));
            by_bits.entry(bits).or_default().push(&b.button);
        }
        for (bits, names) in &by_bits {
            if names.len() > 1 {
                notes.push(format!(
                    "{} sent the same button bits {bits}: the same button pressed twice, or \
                     the key cannot tell them apart.",
                    names.join(" and ")
                ));
            }
        }
        let serials: std::collections::BTreeSet<&str> =
            heard.iter().filter_map(|b| b.serial.as_deref()).collect();
        if serials.len() > 1 {
            notes.push(format!(
                "The presses carry different serials ({}): more than one key was pressed.",
                serials.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
        "keeloq"
    } else if heard.len() >= 2 {
        let first = heard[0];
        let a = first.code_bits.as_deref().unwrap_or("");
        lines.push(format!(
            "{}: {} bits, 0x{}",
            first.button,
            a.len(),
            first.code_hex.as_deref().unwrap_or("")
        ));
        for b in &heard[1..] {
            let bits = b.code_bits.as_deref().unwrap_or("");
            let diff = differing_bits(a, bits);
            let shown: Vec<String> = diff.iter().take(16).map(|k| k.to_string()).collect();
            lines.push(format!(
                "{}: {} bits, 0x{}; differs from {} in {} bit(s){}",
                b.button,
                bits.len(),
                b.code_hex.as_deref().unwrap_or(""),
                first.button,
                diff.len() + a.len().abs_diff(bits.len()),
                if shown.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (positions {}{})",
                        shown.join(" "),
                        if diff.len() > 16 { " …" } else { "" }
                    )
                }
            ));
            if diff.is_empty() && a.len() == bits.len() {
                notes.push(format!(
                    "{} and {} sent the same code word: the same button pressed twice, or the \
                     key cannot tell them apart.",
                    first.button, b.button
                ));
            }
        }
        "bits"
    } else {
        for b in &heard {
            lines.push(format!(
                "{}: 0x{}",
                b.button,
                b.code_hex.as_deref().unwrap_or("")
            ));
        }
        "none"
    };
    ButtonMap {
        kind: kind.into(),
        lines,
        notes,
    }
}

/// What to do next: a button that alone sends nothing while others work points at its switch,
/// not at the battery or the transmitter (those the working buttons share).
fn advice(buttons: &[ButtonResult], whole: &Verdict) -> Vec<String> {
    let silent: Vec<&str> = buttons
        .iter()
        .filter(|b| b.verdict.status == Status::NoSignal)
        .map(|b| b.button.as_str())
        .collect();
    let working: Vec<&str> = buttons
        .iter()
        .filter(|b| b.verdict.status == Status::Working)
        .map(|b| b.button.as_str())
        .collect();
    if !silent.is_empty() && !working.is_empty() {
        return vec![format!(
            "{} worked but {} sent nothing: the battery and the transmitter are fine (the                  buttons share them). Run the test again pressing {} firmly when asked; if it                  still sends nothing, its switch (the contact under the button) is worn or                  dirty.",
            working.join(", "),
            silent.join(", "),
            silent.join(", ")
        )];
    }
    match buttons.iter().find(|b| b.verdict.status != Status::Working) {
        Some(b) if !b.verdict.advice.is_empty() => b.verdict.advice.clone(),
        _ => whole.advice.clone(),
    }
}

/// Judges a guided session's report against its steps.
pub fn judge(report: Report, steps: &[Step], car: Option<&CarBand>) -> GuidedResult {
    let buttons: Vec<ButtonResult> = steps
        .iter()
        .map(|s| button_result(&report, s, car))
        .collect();
    let button_map = button_map(&buttons);
    let verdict = diagnose(&report, car);
    let advice = advice(&buttons, &verdict);
    GuidedResult {
        buttons,
        button_map,
        verdict,
        advice,
        comparison: None,
        report,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(button: &str, bits: Option<&str>, code: Option<&str>, serial: &str) -> ButtonResult {
        ButtonResult {
            button: button.into(),
            start_s: 0.0,
            end_s: 1.0,
            transmissions: 4,
            freq_hz: Some(315e6),
            rssi_dbfs: None,
            snr_db: None,
            protocol: bits.map(|_| "KeeLoq".into()),
            serial: bits.map(|_| serial.into()),
            button_bits: bits.map(str::to_string),
            code_bits: code.map(str::to_string),
            code_hex: code.map(|_| "AB".into()),
            verdict: Verdict {
                status: Status::Working,
                key_band: None,
                car_band: None,
                reasons: vec![],
                advice: vec![],
                evidence: vec![],
            },
        }
    }

    #[test]
    fn keeloq_buttons_are_named_and_duplicates_found() {
        let code = "1".repeat(66);
        let m = button_map(&[
            result("LOCK", Some("0010"), Some(&code), "5A1C3E7"),
            result("UNLOCK", Some("0001"), Some(&code), "5A1C3E7"),
        ]);
        assert_eq!(m.kind, "keeloq");
        assert!(
            m.lines[0].contains("0010") && m.lines[0].contains("S1"),
            "{:?}",
            m.lines
        );
        assert!(m.lines[1].contains("S2"), "{:?}", m.lines);
        assert!(m.notes.is_empty(), "{:?}", m.notes);

        let m = button_map(&[
            result("LOCK", Some("0010"), Some(&code), "5A1C3E7"),
            result("UNLOCK", Some("0010"), Some(&code), "0000001"),
        ]);
        assert!(
            m.notes.iter().any(|n| n.contains("same button bits")),
            "{:?}",
            m.notes
        );
        assert!(
            m.notes.iter().any(|n| n.contains("different serials")),
            "{:?}",
            m.notes
        );
    }

    #[test]
    fn unknown_words_are_compared_bit_by_bit() {
        let m = button_map(&[
            result("LOCK", None, Some("110011001100"), ""),
            result("UNLOCK", None, Some("110011001111"), ""),
            result("TRUNK", None, None, ""),
        ]);
        assert_eq!(m.kind, "bits");
        assert!(
            m.lines[1].contains("in 2 bit(s) (positions 10 11)"),
            "{:?}",
            m.lines
        );
        assert!(
            m.notes.iter().any(|n| n.starts_with("TRUNK: no code word")),
            "{:?}",
            m.notes
        );
    }
}
