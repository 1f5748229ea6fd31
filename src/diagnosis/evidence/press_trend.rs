//! Trend from press to press (presses are transmissions less than [`PRESS_GAP_S`] apart; at
//! least [`TREND_MIN_PRESSES`] of them): presses that get shorter one after another
//! ([`TREND_SHORTEN_SHARE`]) or fainter ([`TREND_FADE_DB`]).

use super::{Evidence, EvidenceItem, Role, fmt_num, median};
use crate::diagnosis::thresholds::*;
use crate::model::Transmission;

/// Presses that get shorter or fainter one after another.
pub(super) fn press_trend(keys: &[&Transmission], ev: &mut Evidence) {
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
