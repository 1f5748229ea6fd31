//! Amplitude sag, the sign of a cell collapsing under the transmit current: the mark level
//! falling from start to end of a burst (read on the bursts within [`SAG_GROUP_DB`] of the
//! strongest), and from the first to the last transmission of one press (transmissions less
//! than [`PRESS_GAP_S`] apart); both judged against [`SAG_WEAK_DB`].

use super::{Evidence, EvidenceItem, Role, median};
use crate::diagnosis::thresholds::*;
use crate::model::Transmission;

/// Sag within a burst and within a press.
pub(super) fn sag(keys: &[&Transmission], ev: &mut Evidence) {
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
}
