//! KeeLoq code words: the key's battery-low flag (VLOW), the chip's oscillator period Te
//! against [`KEELOQ_TE_RANGE_US`], words cut short (more than [`CUT_MIN_MISSING_BITS`] bits
//! missing), repeats of one press (words closer than [`SAME_PRESS_GUARDS`] guard times) that
//! disagree in the hopping code, and code words that disagree on the serial.

use std::collections::BTreeMap;

use super::{Evidence, EvidenceItem, Role, Scope, field_bool, field_f64, field_str, median};
use crate::diagnosis::thresholds::*;
use crate::model::{Frame, Transmission};
use crate::protocol::keeloq_decoder::PROTOCOL as KEELOQ;

/// KeeLoq words: VLOW, Te, cut words, repeats of one press. Returns whether a complete word
/// was decoded.
pub(super) fn keeloq(keys: &[&Transmission], ev: &mut Evidence) -> bool {
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
    ev.items.push(EvidenceItem::frames_cut(
        cut.len(),
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
