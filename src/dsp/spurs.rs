//! One emission, one transmission: weaker emissions that follow a stronger transmission's
//! keying are its spurs, not transmissions of their own.
//!
//! A strong transmitter held close to the antenna is seen at more than its carrier: reference
//! spurs and mixing products at fixed offsets, a few tens of dB down, switch with it; the
//! splatter of its hard on/off edges shows as short blips at every edge, far from the carrier;
//! the receiver's IQ imbalance makes an image on the other side of the centre. Each opens a
//! burst of its own and demodulates to a train of marks, but every one of those marks starts
//! and ends where the strong carrier switches.
//!
//! A transmission *follows* a louder one when it is at least [`MIN_BELOW_DB`] weaker and at
//! least [`MIN_FOLLOWING`] of its marks sit on the louder one's edges: both ends of the mark
//! within [`EDGE_TOLERANCE_S`] of an edge, or, for a blip shorter than twice that tolerance
//! plus the channel's response, its centre on an edge. A weak spur seen through a narrow
//! channel near its own noise floor has its edges smeared by tens of µs on both sides and its
//! centre jittered by a fraction of the mark: a mark whose centre lies within
//! [`CENTRE_TOLERANCE`] of a louder mark's width (at least the edge tolerance) from that mark's
//! centre, its width within [`MAX_WIDTH_DIFF`] of that mark's, follows it too. Two keys that are independent do not
//! switch together: a key's edges come about every 0.5 ms, so a mark of an unrelated key
//! lands within ±40 µs of one by chance about one time in seven, and four in five of them
//! never do.

use super::DetectedTransmission;

/// A follower is at least this much weaker than the transmission it follows, dB (spurs and
/// images of key fobs lie 25 to 50 dB below the carrier).
pub const MIN_BELOW_DB: f64 = 10.0;
/// Largest distance between a follower's edge and the louder transmission's, s.
pub const EDGE_TOLERANCE_S: f64 = 40e-6;
/// Fraction of a follower's marks that must sit on the louder transmission's edges.
pub const MIN_FOLLOWING: f64 = 0.8;
/// Longest blip (a mark standing for one edge's splatter) whose centre is matched, s.
pub const MAX_BLIP_S: f64 = 300e-6;
/// Largest difference between the widths of a mark and the louder mark it is centred on, as a
/// fraction of the louder one's width: a spur 25 dB down, at 12-15 dB SNR in its channel,
/// was measured 360 → 455 µs wide (a 433.92 MHz switch's, resampled to 2.4 MS/s), its centre
/// within 15 µs.
pub const MAX_WIDTH_DIFF: f64 = 0.5;
/// Largest distance between a follower's mark centre and the louder mark's, as a fraction of
/// the louder mark's width: a spur 23 dB down at 12 dB SNR beside a 341 bit/s switch (700 and
/// 2150 µs marks, resampled to 1.024 MS/s) had its centres up to 91 and 134 µs off.
pub const CENTRE_TOLERANCE: f64 = 0.15;

/// An emission attributed to a transmission.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Spur {
    /// Offset from the centre frequency, Hz.
    pub freq_offset_hz: f64,
    /// Power relative to the transmission's carrier, dB (negative).
    pub level_dbc: f64,
}

/// Start and end times of every mark of `t`, s.
pub fn mark_times(t: &DetectedTransmission) -> Vec<(f64, f64)> {
    let mut v = Vec::with_capacity(t.pulses.pulses.len());
    let mut s = t.pulses.start_s;
    for p in &t.pulses.pulses {
        let e = s + p.high_us as f64 * 1e-6;
        v.push((s, e));
        s = e + p.low_us as f64 * 1e-6;
    }
    v
}

/// The edges (mark starts and ends) of `t`, sorted, s.
pub fn edges(t: &DetectedTransmission) -> Vec<f64> {
    let mut e: Vec<f64> = mark_times(t).iter().flat_map(|&(a, b)| [a, b]).collect();
    e.sort_by(f64::total_cmp);
    e
}

/// True when some edge of sorted `edges` lies within `tol` of `t`.
fn near_edge(edges: &[f64], t: f64, tol: f64) -> bool {
    let i = edges.partition_point(|&e| e < t - tol);
    edges.get(i).is_some_and(|&e| e <= t + tol)
}

/// True when a mark of `centres` ((centre, width) sorted by centre, s) is centred near `c`
/// (within `tol` or [`CENTRE_TOLERANCE`] of its width) and about as wide as `w`
/// ([`MAX_WIDTH_DIFF`]).
fn near_centre(centres: &[(f64, f64)], c: f64, w: f64, tol: f64) -> bool {
    // A mark `w` wide matches marks at most `w / (1 - MAX_WIDTH_DIFF)` wide.
    let reach = tol.max(CENTRE_TOLERANCE * w / (1.0 - MAX_WIDTH_DIFF));
    let i = centres.partition_point(|&(m, _)| m < c - reach);
    centres[i..]
        .iter()
        .take_while(|&&(m, _)| m <= c + reach)
        .any(|&(m, wl)| {
            (m - c).abs() <= tol.max(CENTRE_TOLERANCE * wl) && (w - wl).abs() <= MAX_WIDTH_DIFF * wl
        })
}

/// True when most marks of `t` sit on the louder keying: on its `edges` (sorted, s) or
/// centred on its marks (`centres`, see [`near_centre`]).
pub fn follows_keying(t: &DetectedTransmission, edges: &[f64], centres: &[(f64, f64)]) -> bool {
    let marks = mark_times(t);
    if marks.is_empty() || edges.is_empty() {
        return false;
    }
    let tol = EDGE_TOLERANCE_S;
    let on = marks
        .iter()
        .filter(|&&(a, b)| {
            (near_edge(edges, a, tol) && near_edge(edges, b, tol))
                || (b - a <= MAX_BLIP_S && near_edge(edges, (a + b) / 2.0, tol))
                || near_centre(centres, (a + b) / 2.0, b - a, tol)
        })
        .count();
    on as f64 >= MIN_FOLLOWING * marks.len() as f64
}

/// A transmission that others may follow: its carrier power and edges.
#[derive(Clone, Debug)]
pub struct Leader {
    /// Carrier power while on, dBFS.
    pub rssi_dbfs: f64,
    /// First and last edge, s.
    pub span: (f64, f64),
    /// Sorted edges, s.
    pub edges: Vec<f64>,
    /// Centre and width of each mark, sorted by centre, s.
    pub centres: Vec<(f64, f64)>,
}

impl Leader {
    /// The leader that `t` makes.
    pub fn of(t: &DetectedTransmission) -> Self {
        let edges = edges(t);
        let span = match (edges.first(), edges.last()) {
            (Some(&a), Some(&b)) => (a, b),
            _ => (t.pulses.start_s, t.pulses.start_s),
        };
        let mut centres: Vec<(f64, f64)> = mark_times(t)
            .iter()
            .map(|&(a, b)| ((a + b) / 2.0, b - a))
            .collect();
        centres.sort_by(|x, y| x.0.total_cmp(&y.0));
        Leader {
            rssi_dbfs: t.rssi_dbfs,
            span,
            edges,
            centres,
        }
    }

    /// True when the leader's time span and `t`'s overlap.
    pub fn overlaps(&self, t: &DetectedTransmission) -> bool {
        let m = mark_times(t);
        let (Some(a), Some(b)) = (m.first(), m.last()) else {
            return false;
        };
        a.0 <= self.span.1 + EDGE_TOLERANCE_S && b.1 >= self.span.0 - EDGE_TOLERANCE_S
    }
}

/// True when `t` follows the keying of the leaders louder than it by [`MIN_BELOW_DB`] that
/// overlap it in time (their edges taken together, so a spur spanning two code words follows
/// both).
pub fn follows(t: &DetectedTransmission, leaders: &[&Leader]) -> bool {
    let louder: Vec<&&Leader> = leaders
        .iter()
        .filter(|l| l.rssi_dbfs - t.rssi_dbfs >= MIN_BELOW_DB && l.overlaps(t))
        .collect();
    let mut edges: Vec<f64> = louder
        .iter()
        .flat_map(|l| l.edges.iter().copied())
        .collect();
    if edges.is_empty() {
        return false;
    }
    edges.sort_by(f64::total_cmp);
    let mut centres: Vec<(f64, f64)> = louder
        .iter()
        .flat_map(|l| l.centres.iter().copied())
        .collect();
    centres.sort_by(|x, y| x.0.total_cmp(&y.0));
    follows_keying(t, &edges, &centres)
}

/// Adds `spur` to `list`, one entry per frequency (within 2 kHz, the louder kept), in order of
/// frequency.
pub fn add_spur(list: &mut Vec<Spur>, spur: Spur) {
    if let Some(s) = list
        .iter_mut()
        .find(|s| (s.freq_offset_hz - spur.freq_offset_hz).abs() < 2_000.0)
    {
        if spur.level_dbc > s.level_dbc {
            *s = spur;
        }
        return;
    }
    list.push(spur);
    list.sort_by(|a, b| a.freq_offset_hz.total_cmp(&b.freq_offset_hz));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::Modulation;
    use crate::pulse::{Pulse, PulseTrain};

    /// A transmission at `freq` and `rssi` with marks (start s, width s).
    fn tx(freq: f64, rssi: f64, marks: &[(f64, f64)]) -> DetectedTransmission {
        let pulses = marks
            .iter()
            .enumerate()
            .map(|(i, &(s, w))| Pulse {
                high_us: (w * 1e6) as f32,
                low_us: (marks.get(i + 1).map_or(0.02, |n| n.0 - s - w) * 1e6) as f32,
            })
            .collect();
        DetectedTransmission {
            freq_offset_hz: freq,
            bandwidth_hz: 3_000.0,
            modulation: Modulation::Ook,
            fsk_deviation_hz: None,
            rssi_dbfs: rssi,
            noise_dbfs: -80.0,
            snr_db: rssi + 80.0,
            amplitude_sag_db: None,
            truncated: false,
            spurs: Vec::new(),
            pulses: PulseTrain {
                start_s: marks[0].0,
                pulses,
            },
        }
    }

    /// KeeLoq-like marks: 40 marks of 400 or 800 µs every 1.2 ms from `t0`, by `seed`.
    fn keyed(t0: f64, seed: u64) -> Vec<(f64, f64)> {
        let mut x = seed | 1;
        (0..40)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let w = if x & 1 == 1 { 400e-6 } else { 800e-6 };
                (t0 + i as f64 * 1.2e-3, w)
            })
            .collect()
    }

    #[test]
    fn a_spur_with_the_same_edges_follows() {
        let key = tx(0.0, -10.0, &keyed(0.1, 1));
        // The same marks measured a few µs off, 35 dB down.
        let m: Vec<(f64, f64)> = keyed(0.1, 1)
            .iter()
            .enumerate()
            .map(|(i, &(s, w))| (s + if i % 2 == 0 { 12e-6 } else { -9e-6 }, w))
            .collect();
        let spur = tx(35e3, -45.0, &m);
        let l = Leader::of(&key);
        assert!(follows(&spur, &[&l]));
        // Not when it is about as strong: two views of one signal are the duplicate check's.
        let twin = tx(35e3, -15.0, &m);
        assert!(!follows(&twin, &[&l]));
    }

    /// A weak spur's marks smeared wider on both sides (edges 60 µs off), centres kept.
    #[test]
    fn a_smeared_spur_centred_on_the_marks_follows() {
        let key = tx(0.0, -1.0, &keyed(0.1, 6));
        let m: Vec<(f64, f64)> = keyed(0.1, 6)
            .iter()
            .enumerate()
            .map(|(i, &(s, w))| {
                let d = if i % 3 == 0 { 70e-6 } else { 55e-6 };
                (s - d, w + 2.0 * d - 10e-6)
            })
            .collect();
        let spur = tx(99.8e3, -27.0, &m);
        assert!(follows(&spur, &[&Leader::of(&key)]));
        // Centres jittered by up to an eighth of the mark as well.
        let jittered: Vec<(f64, f64)> = m
            .iter()
            .enumerate()
            .map(|(i, &(s, w))| (s + [1.0, -1.0, 0.5][i % 3] * 0.125 * (w - 120e-6), w))
            .collect();
        assert!(follows(&tx(99.8e3, -27.0, &jittered), &[&Leader::of(&key)]));
        // Centred on the marks but twice as wide is not the same keying.
        let wide: Vec<(f64, f64)> = keyed(0.1, 6)
            .iter()
            .map(|&(s, w)| (s - w / 2.0 - 40e-6, 2.0 * w + 80e-6))
            .collect();
        assert!(!follows(&tx(99.8e3, -27.0, &wide), &[&Leader::of(&key)]));
    }

    #[test]
    fn splatter_blips_at_the_edges_follow() {
        let key = tx(0.0, -10.0, &keyed(0.1, 2));
        let blips: Vec<(f64, f64)> = keyed(0.1, 2)
            .iter()
            .flat_map(|&(s, w)| [(s - 60e-6, 120e-6), (s + w - 50e-6, 110e-6)])
            .collect();
        let splatter = tx(600e3, -60.0, &blips);
        assert!(follows(&splatter, &[&Leader::of(&key)]));
    }

    #[test]
    fn an_independent_weaker_key_does_not_follow() {
        let key = tx(0.0, -10.0, &keyed(0.1, 3));
        for (seed, shift) in [(4, 0.000_53), (5, 0.000_37), (3, 0.000_21)] {
            let other = tx(-80e3, -40.0, &keyed(0.1 + shift, seed));
            assert!(
                !follows(&other, &[&Leader::of(&key)]),
                "seed {seed}, shift {shift}"
            );
        }
    }

    #[test]
    fn spurs_are_listed_once_per_frequency() {
        let mut v = Vec::new();
        add_spur(
            &mut v,
            Spur {
                freq_offset_hz: 35e3,
                level_dbc: -40.0,
            },
        );
        add_spur(
            &mut v,
            Spur {
                freq_offset_hz: -70e3,
                level_dbc: -45.0,
            },
        );
        add_spur(
            &mut v,
            Spur {
                freq_offset_hz: 35.5e3,
                level_dbc: -38.0,
            },
        );
        assert_eq!(
            v,
            vec![
                Spur {
                    freq_offset_hz: -70e3,
                    level_dbc: -45.0
                },
                Spur {
                    freq_offset_hz: 35.5e3,
                    level_dbc: -38.0
                },
            ]
        );
    }
}
