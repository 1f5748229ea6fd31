//! Slicing into marks: the boxcar smoother, the adaptive two-level slicer with hysteresis and
//! interpolated edges, and glitch removal.

use super::approx;
use super::clusters::{cluster_stride, clusters_of};
use super::scratch::Buf;

/// Centred moving average of odd length `l`; the first and last `l / 2` values are kept.
pub(super) fn boxcar(v: &[f32], l: usize) -> Buf<f32> {
    boxcar_of(v, l, |x| x)
}

/// [`boxcar`] of `f` applied to each value, without storing the mapped values: a running sum
/// in double precision, one pass, into one buffer of the pool.
pub(super) fn boxcar_of(v: &[f32], l: usize, f: impl Fn(f32) -> f32) -> Buf<f32> {
    let n = v.len();
    let mut out = Buf::with_capacity(n);
    if l <= 1 || n < l {
        out.extend(v.iter().map(|&x| f(x)));
        return out;
    }
    let half = l / 2;
    let inv = 1.0 / l as f64;
    out.extend(v[..half].iter().map(|&x| f(x)));
    // The first window.
    let mut acc = 0.0f64;
    for &x in &v[..l] {
        acc += f(x) as f64;
    }
    out.push((acc * inv) as f32);
    // Each next window adds the value entering and drops the one leaving.
    for (&enter, &leave) in v[l..].iter().zip(&v[..n - l]) {
        acc += f(enter) as f64 - f(leave) as f64;
        out.push((acc * inv) as f32);
    }
    out.extend(v[n - half..].iter().map(|&x| f(x)));
    out
}

/// A power in dB, floored at −300 dB.
pub(super) fn power_db(p: f32) -> f32 {
    10.0 * p.max(1e-30).log10()
}

/// The smallest power `p` with `power_db(p) >= t`, so that for any `p ≥ 1e-30`,
/// `power_db(p) < t` exactly when `p < power_at_db(t)` (`power_db` never decreases).
pub(super) fn power_at_db(t: f32) -> f32 {
    if t.is_nan() {
        return f32::NAN;
    }
    if power_db(1e-30) >= t {
        return 1e-30;
    }
    if power_db(f32::MAX) < t {
        return f32::INFINITY;
    }
    // Bisection over the ordered bit patterns of positive floats: power_db(lo) < t ≤
    // power_db(hi), starting from an estimate and widening until the bracket holds.
    let guess = 10f64.powf(t as f64 / 10.0).clamp(1e-30, f32::MAX as f64) as f32;
    let (mut lo, mut hi) = (guess.to_bits(), guess.to_bits());
    let mut step = 1u32;
    while lo > 1e-30f32.to_bits() && power_db(f32::from_bits(lo)) >= t {
        lo = lo.saturating_sub(step).max(1e-30f32.to_bits());
        step = step.saturating_mul(2);
    }
    step = 1;
    while hi < f32::MAX.to_bits() && power_db(f32::from_bits(hi)) < t {
        hi = hi.saturating_add(step).min(f32::MAX.to_bits());
        step = step.saturating_mul(2);
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if power_db(f32::from_bits(mid)) < t {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    f32::from_bits(hi)
}

/// Slices the smoothed power into carrier-on intervals (fractional sample indices).
pub(super) fn slice_power(power: &[f32], l: usize, glitch: f64) -> Vec<(f64, f64)> {
    let ps = boxcar(power, l);
    // The levels are clustered in dB, from the values two_clusters would take.
    if ps.len() < 16 {
        return Vec::new();
    }
    let mut db: Vec<f32> = ps
        .iter()
        .step_by(cluster_stride(ps.len()))
        .copied()
        .collect();
    approx::db_of(&mut db);
    db.retain(|x| x.is_finite());
    let Some(c) = clusters_of(db) else {
        return Vec::new();
    };
    if c.hi - c.lo < 3.0 {
        return Vec::new();
    }
    let t = (c.lo + c.hi) / 2.0;
    // Below `t` dB is below `p_t` in power: one threshold instead of a logarithm a sample.
    let p_t = power_at_db(t);
    let (mut sl, mut nl, mut sh, mut nh) = (0.0f64, 0usize, 0.0f64, 0usize);
    for &p in ps.iter() {
        if p.max(1e-30) < p_t {
            sl += p as f64;
            nl += 1;
        } else {
            sh += p as f64;
            nh += 1;
        }
    }
    if nl == 0 || nh == 0 {
        return Vec::new();
    }
    let lo = (sl / nl as f64) as f32;
    let hi = (sh / nh as f64) as f32;
    drop(ps);
    // Slice the smoothed magnitude (a boxcar keeps the half-amplitude point of a symmetric
    // edge; smoothing the power would not, since the power is convex in the amplitude). With
    // noise of power `lo`, the expected magnitude at half the carrier amplitude is about
    // sqrt(lo + (hi − lo)/4): that is the decision level.
    let ms = boxcar_of(power, l, f32::sqrt);
    let (lo_m, hi_m) = (lo.sqrt(), hi.sqrt());
    let q = ((lo + (hi - lo) / 4.0).sqrt() - lo_m) / (hi_m - lo_m);
    let m = slicer(&ms, lo_m, hi_m, q.clamp(0.2, 0.6), 0.08, false);
    deglitch(m, glitch)
}

/// Adaptive two-level slicer with hysteresis. The decision level is `lo + q·(hi − lo)`; the
/// state changes when the value passes that level by `h·(hi − lo)`, and the edge is placed at
/// the interpolated crossing of the decision level. The levels follow the values seen in each
/// state slowly (the space level too when `adapt_lo`). Returns high intervals.
pub(super) fn slicer(
    v: &[f32],
    lo: f32,
    hi: f32,
    q: f32,
    h: f32,
    adapt_lo: bool,
) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let (mut lo, mut hi) = (lo, hi);
    let beta = 1.0 / 512.0;
    let mut high = false;
    let mut rise = 0.0f64;
    let mut last_edge = 0usize;
    let cross = |v: &[f32], from: usize, to: usize, thr: f32, up: bool| -> f64 {
        // Last crossing of `thr` in v[from..=to], scanning backwards.
        let mut j = to;
        while j > from {
            let (a, b) = (v[j - 1], v[j]);
            if a.is_nan() {
                // The carrier starts here.
                return j as f64 - 0.5;
            }
            let crossed = if up {
                a < thr && b >= thr
            } else {
                a >= thr && b < thr
            };
            if crossed {
                let d = b - a;
                let frac = if d != 0.0 {
                    ((thr - a) / d) as f64
                } else {
                    0.0
                };
                return (j - 1) as f64 + frac.clamp(0.0, 1.0);
            }
            j -= 1;
        }
        from as f64
    };
    let mut next = 0;
    while next < v.len() {
        if !high && !adapt_lo {
            // Nothing changes in a gap until the value rises past the level (the same sum
            // as below, so the same bits): jump there.
            let span = hi - lo;
            match first_above(&v[next..], lo + q * span + h * span) {
                Some(k) => next += k,
                None => break,
            }
        }
        let i = next;
        let x = v[i];
        next += 1;
        if x.is_nan() {
            // No carrier: low, and no level update.
            if high {
                high = false;
                out.push((rise, (i as f64 - 0.5).max(rise)));
                last_edge = i;
            }
            continue;
        }
        let span = hi - lo;
        let thr = lo + q * span;
        if !high {
            if x > thr + h * span {
                high = true;
                rise = cross(v, last_edge, i, thr, true);
                last_edge = i;
            } else if adapt_lo && x < thr {
                lo += beta * (x - lo);
            }
        } else if x < thr - h * span {
            high = false;
            let fall = cross(v, last_edge, i, thr, false);
            out.push((rise, fall.max(rise)));
            last_edge = i;
        } else if x > thr {
            hi += beta * (x - hi);
            // Keep the levels apart.
            if hi - lo < 0.5 * span {
                hi = lo + 0.5 * span;
            }
        }
    }
    if high {
        out.push((rise, (v.len() - 1) as f64));
    }
    out
}

/// Index of the first value above `level` (NaN is not), scanning eight at a time with a
/// loop the compiler vectorises.
pub(super) fn first_above(v: &[f32], level: f32) -> Option<usize> {
    let mut chunks = v.chunks_exact(8);
    let mut base = 0;
    for c in &mut chunks {
        if c.iter().fold(false, |any, &x| any | (x > level)) {
            break;
        }
        base += 8;
    }
    v[base..].iter().position(|&x| x > level).map(|k| base + k)
}

/// Removes marks shorter than `g` samples, then fills gaps shorter than `g`.
pub(super) fn deglitch(m: Vec<(f64, f64)>, g: f64) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(m.len());
    for (r, f) in m.into_iter().filter(|&(r, f)| f - r >= g) {
        match out.last_mut() {
            Some(last) if r - last.1 < g => last.1 = f,
            _ => out.push((r, f)),
        }
    }
    out
}

/// A robust "shortest real width": the 20th percentile of mark widths and of gaps shorter
/// than 10 times the median mark, in samples.
pub(super) fn shortest_width(m: &[(f64, f64)]) -> Option<f64> {
    if m.len() < 3 {
        return None;
    }
    let mut w: Vec<f64> = m.iter().map(|&(r, f)| f - r).collect();
    let mut sorted = w.clone();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let med = sorted[sorted.len() / 2];
    for p in m.windows(2) {
        let g = p[1].0 - p[0].1;
        if g < 10.0 * med {
            w.push(g);
        }
    }
    w.sort_by(|a, b| a.total_cmp(b));
    Some(w[w.len() / 5])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn power_threshold_matches_the_db_comparison() {
        // Every power and threshold, including the ends of the range and values next to the
        // threshold: comparing powers gives what comparing their dB values gives.
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut ts: Vec<f32> = vec![
            -300.0, -299.9, -120.0, -3.0, 0.0, 0.0001, 12.5, 383.0, 400.0,
        ];
        for _ in 0..200 {
            ts.push((next() % 4_000_000) as f32 / 10_000.0 - 320.0);
        }
        for t in ts {
            let p_t = power_at_db(t);
            let mut ps = vec![0.0, 1e-38, 1e-30, 1e-12, 1.0, 1e30, f32::MAX, f32::INFINITY];
            if p_t.is_finite() {
                for k in 1..4u32 {
                    ps.push(f32::from_bits(p_t.to_bits() - k));
                    ps.push(f32::from_bits(p_t.to_bits() + k));
                }
                ps.push(p_t);
            }
            for _ in 0..200 {
                ps.push(10f32.powf((next() % 700) as f32 / 10.0 - 35.0));
            }
            for p in ps {
                assert_eq!(
                    power_db(p) < t,
                    p.max(1e-30) < p_t,
                    "p {p:e} ({} dB), t {t} dB, threshold {p_t:e}",
                    power_db(p)
                );
            }
        }
    }

    /// The moving average written out directly: the reference for [`boxcar_of`].
    fn boxcar_reference(v: &[f32], l: usize, f: impl Fn(f32) -> f32) -> Vec<f32> {
        let m: Vec<f32> = v.iter().map(|&x| f(x)).collect();
        if l <= 1 || m.len() < l {
            return m;
        }
        let half = l / 2;
        let mut out = m.clone();
        let mut acc: f64 = m[..l].iter().map(|&x| x as f64).sum();
        out[half] = (acc / l as f64) as f32;
        for i in half + 1..m.len() - half {
            acc += m[i + half] as f64 - m[i - half - 1] as f64;
            out[i] = (acc / l as f64) as f32;
        }
        out
    }

    #[test]
    fn boxcar_matches_the_direct_sum() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 40) as f32 / (1u64 << 24) as f32
        };
        for n in [0usize, 1, 2, 5, 6, 17, 100, 1001] {
            let v: Vec<f32> = (0..n).map(|_| next() * 10.0).collect();
            for l in [1usize, 3, 5, 7, 33, 1001, 1003] {
                for (got, want) in [
                    (boxcar(&v, l), boxcar_reference(&v, l, |x| x)),
                    (
                        boxcar_of(&v, l, f32::sqrt),
                        boxcar_reference(&v, l, f32::sqrt),
                    ),
                ] {
                    assert_eq!(got.len(), want.len());
                    for (a, b) in got.iter().zip(&want) {
                        assert!((a - b).abs() <= 1e-5 * b.abs().max(1.0), "n {n}, l {l}");
                    }
                }
            }
        }
    }

    #[test]
    fn boxcar_is_centred() {
        let mut v = vec![0.0f32; 50];
        v[20..30].iter_mut().for_each(|x| *x = 1.0);
        let s = boxcar(&v, 5);
        // Symmetric about the pulse centre (24.5).
        for k in 0..8 {
            assert!((s[17 + k] - s[32 - k]).abs() < 1e-6);
        }
        assert_eq!(s[25], 1.0);
    }

    #[test]
    fn slicer_interpolates_edges() {
        let mut v = vec![0.0f32; 100];
        for (i, x) in v.iter_mut().enumerate() {
            // A ramp from 0 to 1 over samples 20..24 and back over 60..64.
            let t = i as f32;
            *x = ((t - 20.0) / 4.0).clamp(0.0, 1.0) - ((t - 60.0) / 4.0).clamp(0.0, 1.0);
        }
        let m = slicer(&v, 0.0, 1.0, 0.5, 0.1, false);
        assert_eq!(m.len(), 1);
        assert!(
            (m[0].0 - 22.0).abs() < 0.01 && (m[0].1 - 62.0).abs() < 0.01,
            "{m:?}"
        );
    }

    /// The slicer sample by sample, without skipping gaps: the reference for [`slicer`].
    fn slicer_reference(
        v: &[f32],
        lo: f32,
        hi: f32,
        q: f32,
        h: f32,
        adapt_lo: bool,
    ) -> Vec<(f64, f64)> {
        let mut out = Vec::new();
        let (mut lo, mut hi) = (lo, hi);
        let beta = 1.0 / 512.0;
        let mut high = false;
        let mut rise = 0.0f64;
        let mut last_edge = 0usize;
        let cross = |v: &[f32], from: usize, to: usize, thr: f32, up: bool| -> f64 {
            let mut j = to;
            while j > from {
                let (a, b) = (v[j - 1], v[j]);
                if a.is_nan() {
                    return j as f64 - 0.5;
                }
                let crossed = if up {
                    a < thr && b >= thr
                } else {
                    a >= thr && b < thr
                };
                if crossed {
                    let d = b - a;
                    let frac = if d != 0.0 {
                        ((thr - a) / d) as f64
                    } else {
                        0.0
                    };
                    return (j - 1) as f64 + frac.clamp(0.0, 1.0);
                }
                j -= 1;
            }
            from as f64
        };
        for (i, &x) in v.iter().enumerate() {
            if x.is_nan() {
                if high {
                    high = false;
                    out.push((rise, (i as f64 - 0.5).max(rise)));
                    last_edge = i;
                }
                continue;
            }
            let span = hi - lo;
            let thr = lo + q * span;
            if !high {
                if x > thr + h * span {
                    high = true;
                    rise = cross(v, last_edge, i, thr, true);
                    last_edge = i;
                } else if adapt_lo && x < thr {
                    lo += beta * (x - lo);
                }
            } else if x < thr - h * span {
                high = false;
                let fall = cross(v, last_edge, i, thr, false);
                out.push((rise, fall.max(rise)));
                last_edge = i;
            } else if x > thr {
                hi += beta * (x - hi);
                if hi - lo < 0.5 * span {
                    hi = lo + 0.5 * span;
                }
            }
        }
        if high {
            out.push((rise, (v.len() - 1) as f64));
        }
        out
    }

    #[test]
    fn slicer_skipping_gaps_matches_the_sample_by_sample_slicer() {
        let mut x = 0x1234_5678_9abc_def1u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 40) as f32 / (1u64 << 24) as f32
        };
        for trial in 0..200 {
            let n = 50 + trial * 37;
            // Noisy marks of random lengths, with NaN (no carrier) stretches and values right
            // at the switching level.
            let mut v = Vec::with_capacity(n);
            let mut on = false;
            while v.len() < n {
                let run = 1 + (next() * 40.0) as usize;
                for _ in 0..run {
                    let base = if on { 1.0 } else { 0.0 };
                    let r = next();
                    v.push(if r < 0.02 {
                        f32::NAN
                    } else if r < 0.04 {
                        0.5 + 0.1
                    } else {
                        base + 0.3 * (next() - 0.5)
                    });
                }
                on = !on;
            }
            for adapt in [false, true] {
                for (q, h) in [(0.5, 0.1), (0.3, 0.08), (0.5, 0.0)] {
                    assert_eq!(
                        slicer(&v, 0.0, 1.0, q, h, adapt),
                        slicer_reference(&v, 0.0, 1.0, q, h, adapt),
                        "trial {trial}, q {q}, h {h}, adapt {adapt}"
                    );
                }
            }
        }
    }

    #[test]
    fn deglitch_removes_short_marks_and_gaps() {
        let m = vec![(0.0, 10.0), (11.0, 20.0), (30.0, 31.0), (40.0, 50.0)];
        assert_eq!(deglitch(m, 3.0), vec![(0.0, 20.0), (40.0, 50.0)]);
    }
}
