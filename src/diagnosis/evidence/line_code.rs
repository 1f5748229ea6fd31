//! Line code of the best-fitting transmission: the share of widths that fit its symbols
//! ([`MIN_LINE_CODE_FIT`]), its time unit ([`SENSIBLE_UNIT_US`]), the share of the key's
//! bursts that carry a clean line code ([`MIN_CLEAN_SHARE`]) and the longest frame
//! ([`MIN_CODE_BITS`]). Judged only when no protocol word was decoded.

use super::{Evidence, EvidenceItem, Role};
use crate::diagnosis::thresholds::*;
use crate::model::Transmission;

/// The best-fitting transmission's line code: fit, time unit, bits.
pub(super) fn line_code(keys: &[&Transmission], protocol: bool, ev: &mut Evidence) {
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
