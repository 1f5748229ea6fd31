//! Wide FSK: when the two tones of an FSK signal lie further apart than one burst's channel,
//! each tone is found as its own OOK-looking transmission. Two such transmissions that overlap
//! in time and are complementary (one is on while the other is off) are one FSK transmission.

use super::demod::Candidate;
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

/// Merges complementary pairs in `found` into FSK transmissions (high = the upper tone).
/// `tones` are candidates that only count as the partner of a transmission in `found`; those
/// left unpaired are dropped.
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
            let (lo, hi) = if a.freq_offset_hz < b.freq_offset_hz {
                (a.clone(), b)
            } else {
                (b, a.clone())
            };
            let dev = (hi.freq_offset_hz - lo.freq_offset_hz) / 2.0;
            let signal =
                10f64.powf(lo.rssi_dbfs / 10.0) / 2.0 + 10f64.powf(hi.rssi_dbfs / 10.0) / 2.0;
            let rssi = 10.0 * signal.log10();
            *a = DetectedTransmission {
                freq_offset_hz: (lo.freq_offset_hz + hi.freq_offset_hz) / 2.0,
                bandwidth_hz: 2.0 * dev + lo.bandwidth_hz.max(hi.bandwidth_hz),
                modulation: Modulation::Fsk,
                fsk_deviation_hz: Some(dev),
                rssi_dbfs: rssi,
                noise_dbfs: hi.noise_dbfs,
                snr_db: rssi - hi.noise_dbfs,
                amplitude_sag_db: None,
                truncated: lo.truncated || hi.truncated,
                pulses: hi.pulses,
            };
        }
        i += 1;
    }
    let kept = primary.min(found.len());
    found.truncate(kept);
}
