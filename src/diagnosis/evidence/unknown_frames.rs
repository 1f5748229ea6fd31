//! Frames of no recognised protocol: how often the most common frame (at least
//! [`MIN_CODE_BITS`]) repeats and how well same-length rows agree with it
//! ([`MIN_REPEAT_AGREEMENT`]), and frames cut short while the recording goes on (more than
//! [`CUT_MIN_MISSING_BITS`] − 1 bits missing, with [`CUT_RECORDING_FRAMES`] frames of room
//! after them).

use std::collections::BTreeMap;

use super::{Evidence, EvidenceItem, Role, Scope};
use crate::diagnosis::thresholds::*;
use crate::model::{Report, Transmission};

/// Unrecognised rows: repeats and their agreement, frames cut before their end.
pub(super) fn unknown_frames(report: &Report, keys: &[&Transmission], ev: &mut Evidence) {
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
    ev.items.push(EvidenceItem::frames_cut(
        cut.len(),
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
