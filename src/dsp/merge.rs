//! Wide FSK: when the two tones of an FSK signal lie further apart than one burst's channel,
//! each tone is found as its own OOK-looking transmission. Two such transmissions that overlap
//! in time and are complementary (one is on while the other is off) are one FSK transmission.

use super::candidate::Candidate;
use super::{DetectedTransmission, Modulation};

/// Largest tone spacing accepted for a pair, Hz.
pub const MAX_TONE_SPACING_HZ: f64 = 250_000.0;

/// Largest power difference between the two tones of a pair, dB.
pub const MAX_TONE_POWER_DIFF_DB: f64 = 6.0;

/// Mark intervals of a transmission in absolute time, s.
fn marks(t: &DetectedTransmission) -> Vec<(f64, f64)> {
    let mut v = Vec::with_capacity(t.pulses.pulses.len());
    let mut s = t.pulses.start_s;
    for p in &t.pulses.pulses {
        let e = s + p.high_us as f64 * 1e-6;
        v.push((s, e));
        s = e + p.low_us as f64 * 1e-6;
    }
    v
}

fn total(v: &[(f64, f64)]) -> f64 {
    v.iter().map(|(a, b)| b - a).sum()
}

fn overlap(a: &[(f64, f64)], b: &[(f64, f64)]) -> f64 {
    let (mut i, mut j, mut o) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        let lo = a[i].0.max(b[j].0);
        let hi = a[i].1.min(b[j].1);
        if hi > lo {
            o += hi - lo;
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    o
}

/// True when `a` and `b` look like the two tones of one FSK signal.
pub fn complementary(a: &Candidate, b: &Candidate) -> bool {
    if a.on_at_start || b.on_at_start {
        return false;
    }
    let (a, b) = (&a.t, &b.t);
    if a.modulation != Modulation::Ook || b.modulation != Modulation::Ook {
        return false;
    }
    // The two tones of one transmitter come out at about the same power while on; a spur
    // that dips while a strong carrier is on (receiver compression) is much weaker.
    if (a.rssi_dbfs - b.rssi_dbfs).abs() > MAX_TONE_POWER_DIFF_DB {
        return false;
    }
    let df = (a.freq_offset_hz - b.freq_offset_hz).abs();
    if !(5_000.0..=MAX_TONE_SPACING_HZ).contains(&df) {
        return false;
    }
    let (ma, mb) = (marks(a), marks(b));
    let (Some(fa), Some(la), Some(fb), Some(lb)) = (ma.first(), ma.last(), mb.first(), mb.last())
    else {
        return false;
    };
    let (sa, ea, sb, eb) = (fa.0, la.1, fb.0, lb.1);
    let common = ea.min(eb) - sa.max(sb);
    if common <= 0.0 || common < 0.7 * (ea - sa) || common < 0.7 * (eb - sb) {
        return false;
    }
    let (ta, tb) = (total(&ma), total(&mb));
    let both = overlap(&ma, &mb);
    let span = ea.max(eb) - sa.min(sb);
    both < 0.2 * ta.min(tb)
        && ta + tb - both > 0.6 * span
        && edges_meet(&ma, &mb) > 0.7
        && edges_meet(&mb, &ma) > 0.7
}

/// Fraction of the marks of `a` (but the last) whose end is met by the start of a mark of `b`.
fn edges_meet(a: &[(f64, f64)], b: &[(f64, f64)]) -> f64 {
    if a.len() < 2 {
        return 0.0;
    }
    let mut widths: Vec<f64> = a.iter().map(|(s, e)| e - s).collect();
    widths.sort_by(|x, y| x.total_cmp(y));
    let tol = 60e-6 + 0.15 * widths[widths.len() / 2];
    let mut j = 0;
    let mut hits = 0;
    for m in &a[..a.len() - 1] {
        while j < b.len() && b[j].0 < m.1 - tol {
            j += 1;
        }
        if j < b.len() && (b[j].0 - m.1).abs() <= tol {
            hits += 1;
        }
    }
    hits as f64 / (a.len() - 1) as f64
}

/// The FSK transmission made of two tones `a` and `b` (high = the upper tone).
fn fsk_of(a: &DetectedTransmission, b: &DetectedTransmission) -> DetectedTransmission {
    let (lo, hi) = if a.freq_offset_hz < b.freq_offset_hz {
        (a, b)
    } else {
        (b, a)
    };
    let dev = (hi.freq_offset_hz - lo.freq_offset_hz) / 2.0;
    let signal = 10f64.powf(lo.rssi_dbfs / 10.0) / 2.0 + 10f64.powf(hi.rssi_dbfs / 10.0) / 2.0;
    let rssi = 10.0 * signal.log10();
    DetectedTransmission {
        freq_offset_hz: (lo.freq_offset_hz + hi.freq_offset_hz) / 2.0,
        bandwidth_hz: 2.0 * dev + lo.bandwidth_hz.max(hi.bandwidth_hz),
        modulation: Modulation::Fsk,
        fsk_deviation_hz: Some(dev),
        rssi_dbfs: rssi,
        noise_dbfs: hi.noise_dbfs,
        snr_db: rssi - hi.noise_dbfs,
        amplitude_sag_db: None,
        truncated: lo.truncated || hi.truncated,
        spurs: Vec::new(),
        pulses: hi.pulses.clone(),
    }
}

/// The transmissions of `group` (in time order) as one candidate: their marks in one train.
fn joined(found: &[Candidate], group: &[usize]) -> Candidate {
    let mut c = found[group[0]].clone();
    for &j in &group[1..] {
        let next = &found[j].t.pulses;
        let end = c.t.pulses.start_s + c.t.pulses.duration_us() * 1e-6;
        if let Some(last) = c.t.pulses.pulses.last_mut() {
            last.low_us = ((next.start_s - end).max(0.0) * 1e6) as f32;
        }
        c.t.pulses.pulses.extend_from_slice(&next.pulses);
    }
    c
}

/// Other-tone transmissions keyed while `s` is on: OOK, at an FSK tone spacing from `s`, of
/// about its power, inside its time span, all on one frequency; in time order.
fn keyed_during(found: &[Candidate], i: usize) -> Vec<usize> {
    let s = &found[i].t;
    let s_end = s.pulses.start_s + s.pulses.duration_us() * 1e-6;
    let mut g: Vec<usize> = (0..found.len())
        .filter(|&j| {
            let k = &found[j];
            let t = &k.t;
            let df = (t.freq_offset_hz - s.freq_offset_hz).abs();
            let end = t.pulses.start_s + t.pulses.duration_us() * 1e-6;
            j != i
                && !k.on_at_start
                && t.modulation == Modulation::Ook
                && (5_000.0..=MAX_TONE_SPACING_HZ).contains(&df)
                && (t.rssi_dbfs - s.rssi_dbfs).abs() <= MAX_TONE_POWER_DIFF_DB
                && t.pulses.start_s >= s.pulses.start_s - 1e-3
                && end <= s_end + 1e-3
        })
        .collect();
    g.sort_by(|&a, &b| {
        found[a]
            .t
            .pulses
            .start_s
            .total_cmp(&found[b].t.pulses.start_s)
    });
    // Two bursts opened on the two tones both demodulate every word: one view of each.
    let end_of = |j: usize| {
        let p = &found[j].t.pulses;
        p.start_s + p.duration_us() * 1e-6
    };
    let mut last_end = f64::NEG_INFINITY;
    g.retain(|&j| {
        let t = &found[j].t.pulses;
        let first_mark_end = t.start_s + t.pulses.first().map_or(0.0, |p| p.high_us as f64) * 1e-6;
        let fresh = first_mark_end > last_end;
        if fresh {
            last_end = end_of(j);
        }
        fresh
    });
    let f0 = g.first().map(|&j| found[j].t.freq_offset_hz);
    if f0.is_some_and(|f0| {
        g.iter()
            .any(|&j| (found[j].t.freq_offset_hz - f0).abs() > 2_500.0)
    }) {
        return Vec::new();
    }
    g
}

/// Merges complementary pairs in `found` into FSK transmissions (high = the upper tone).
/// `tones` are candidates that only count as the partner of a transmission in `found`; those
/// left unpaired are dropped.
///
/// A tone that stays on through a whole press (a wide FSK key whose carrier fills every gap
/// between words) is complementary to the other tone's transmissions taken together, one per
/// word: each becomes an FSK transmission when the keyed tone is the upper one, else the
/// steady tone does.
pub fn merge_tone_pairs(found: &mut Vec<Candidate>, tones: Vec<Candidate>) {
    let mut primary = found.len();
    found.extend(tones);
    let mut i = 0;
    while i < primary.min(found.len()) {
        let partner = (i + 1..found.len()).find(|&j| complementary(&found[i], &found[j]));
        if let Some(j) = partner {
            let b = found.remove(j).t;
            if j < primary {
                primary -= 1;
            }
            let a = &mut found[i].t;
            *a = fsk_of(a, &b);
        }
        i += 1;
    }
    let mut keep: Vec<bool> = (0..found.len()).map(|j| j < primary).collect();
    for i in 0..primary.min(found.len()) {
        if !keep[i] || found[i].t.modulation != Modulation::Ook {
            continue;
        }
        let group = keyed_during(found, i);
        if group.len() < 2 || !complementary(&found[i], &joined(found, &group)) {
            continue;
        }
        let steady = found[i].t.clone();
        if steady.freq_offset_hz > found[group[0]].t.freq_offset_hz {
            found[i].t = fsk_of(&steady, &found[group[0]].t);
            for &j in &group {
                keep[j] = false;
            }
        } else {
            for &j in &group {
                found[j].t = fsk_of(&steady, &found[j].t);
                keep[j] = true;
            }
            keep[i] = false;
        }
    }
    let mut k = keep.into_iter();
    found.retain(|_| k.next().unwrap_or(false));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pulse::{Pulse, PulseTrain};

    /// An OOK candidate at `freq` Hz from marks (start s, width s), ending `tail` s after.
    fn cand(freq: f64, marks: &[(f64, f64)], tail: f64, on_at_start: bool) -> Candidate {
        let pulses = marks
            .iter()
            .enumerate()
            .map(|(i, &(s, w))| Pulse {
                high_us: (w * 1e6) as f32,
                low_us: (marks.get(i + 1).map_or(tail, |n| n.0 - s - w) * 1e6) as f32,
            })
            .collect();
        Candidate {
            on_at_start,
            t: DetectedTransmission {
                freq_offset_hz: freq,
                bandwidth_hz: 3_000.0,
                modulation: Modulation::Ook,
                fsk_deviation_hz: None,
                rssi_dbfs: -20.0,
                noise_dbfs: -50.0,
                snr_db: 30.0,
                amplitude_sag_db: None,
                truncated: false,
                spurs: Vec::new(),
                pulses: PulseTrain {
                    start_s: marks[0].0,
                    pulses,
                },
            },
        }
    }

    /// Three words of 20 marks of 1 ms every 2 ms, 20 ms apart; the other tone is on from
    /// 5 ms before the first word to 5 ms after the last, except during the marks.
    fn steady_and_words(steady_on_at_start: bool) -> (Vec<Candidate>, Vec<Candidate>) {
        let words: Vec<Vec<(f64, f64)>> = (0..3)
            .map(|w| {
                (0..20)
                    .map(|k| (0.1 + w as f64 * 0.06 + k as f64 * 2e-3, 1e-3))
                    .collect()
            })
            .collect();
        let all: Vec<(f64, f64)> = words.iter().flatten().copied().collect();
        let mut steady = vec![(0.095, all[0].0 - 0.095)];
        for p in all.windows(2) {
            let s = p[0].0 + p[0].1;
            steady.push((s, p[1].0 - s));
        }
        let last = all[all.len() - 1];
        steady.push((last.0 + last.1, 0.005));
        let found = vec![cand(-30_000.0, &steady, 0.03, steady_on_at_start)];
        let tones = words
            .iter()
            .map(|w| cand(50_000.0, w, 0.02, false))
            .collect();
        (found, tones)
    }

    #[test]
    fn steady_tone_pairs_with_the_words_of_the_other() {
        let (mut found, tones) = steady_and_words(false);
        merge_tone_pairs(&mut found, tones);
        assert_eq!(found.len(), 3, "{found:#?}");
        for c in &found {
            assert_eq!(c.t.modulation, Modulation::Fsk);
            assert_eq!(c.t.fsk_deviation_hz, Some(40_000.0));
            assert_eq!(c.t.freq_offset_hz, 10_000.0);
            assert_eq!(c.t.pulses.pulses.len(), 20);
        }
    }

    #[test]
    fn carrier_on_from_the_start_does_not_pair() {
        let (mut found, tones) = steady_and_words(true);
        merge_tone_pairs(&mut found, tones);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].t.modulation, Modulation::Ook);
    }
}
