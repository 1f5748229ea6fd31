//! The detector's per-bin work on one frame: windowing, bin powers, the running sum of the last
//! frames, the activity decision and the floor update, and grouping active bins into runs.
//!
//! The loops are plain Rust that the compiler vectorises; `multiversion` compiles the hot ones
//! for the baseline and for AVX/AVX2 and picks one at run time. None uses fused multiply-add
//! and every value goes through the same operations in the same order in each build, so every
//! build gives the same bits (checked against the step-by-step versions below).

use multiversion::multiversion;
use num_complex::Complex;

use super::{AVG_FRAMES, FLOOR_TC_ACTIVE_FRAMES, FLOOR_TC_FRAMES, Run, THRESHOLD};

/// Views complex samples as interleaved floats (I, Q, I, Q, ...).
pub(super) fn as_flat(x: &[Complex<f32>]) -> &[f32] {
    // SAFETY: num-complex declares `Complex<T>` `#[repr(C)]` with fields `re`, `im` (both
    // `T`), so `n` consecutive `Complex<f32>` are `2n` consecutive, aligned `f32`s; the borrow
    // of `x` is carried over to the result.
    unsafe { std::slice::from_raw_parts(x.as_ptr().cast::<f32>(), x.len() * 2) }
}

/// See [`as_flat`].
pub(super) fn as_flat_mut(x: &mut [Complex<f32>]) -> &mut [f32] {
    // SAFETY: as in `as_flat`; the exclusive borrow of `x` is carried over to the result.
    unsafe { std::slice::from_raw_parts_mut(x.as_mut_ptr().cast::<f32>(), x.len() * 2) }
}

/// `buf = frame · w` over interleaved I/Q floats (`w` holds each window value twice).
#[multiversion(targets("x86_64+avx2", "x86_64+avx"))]
pub(super) fn window(frame: &[f32], w: &[f32], buf: &mut [f32]) {
    for ((b, &x), &w) in buf.iter_mut().zip(frame).zip(w) {
        *b = x * w;
    }
}

/// `|v|²`; a non-finite power (NaN fails the comparison too) becomes a huge finite one.
#[inline(always)]
fn finite_power(v: Complex<f32>) -> f32 {
    let q = v.re * v.re + v.im * v.im;
    if q <= f32::MAX { q } else { f32::MAX / 1e6 }
}

/// Single-frame power of centred bin `k` of the spectrum `v` (natural order, power-of-two
/// length).
#[inline(always)]
pub(super) fn centred_power(v: &[Complex<f32>], k: usize) -> f32 {
    let n = v.len();
    finite_power(v[(k + n / 2) & (n - 1)])
}

/// `|v|²` of each bin into `p`.
#[multiversion(targets("x86_64+avx2", "x86_64+avx"))]
pub(super) fn bin_power(v: &[Complex<f32>], p: &mut [f32]) {
    for (p, &v) in p.iter_mut().zip(v) {
        *p = finite_power(v);
    }
}

/// The per-bin state one frame updates. All but `v` are in centred order (bin 0 = −fs/2).
pub(super) struct Bins<'a> {
    /// The frame's spectrum, natural FFT order, `n` bins (a power of two, at least 64).
    pub v: &'a [Complex<f32>],
    /// The history slot of the oldest frame's power; receives this frame's power.
    pub old: &'a mut [f32],
    /// Running sum of the history.
    pub sum: &'a mut [f32],
    /// The floor activity is judged against.
    pub floor: &'a [f32],
    /// Receives the updated floor.
    pub next: &'a mut [f32],
    /// Receives the activity bits (`n / 8` bytes).
    pub active: &'a mut [u8],
    /// Scratch: each bin's activity as a byte (`n` bytes).
    pub on: &'a mut [u8],
}

/// One frame's per-bin work in one pass over the bins: the running sum moves from the oldest
/// frame's power to this frame's ([`accumulate`]), then each bin is judged and its floor moved
/// ([`judge_and_track`]), with the same operations; returns true if any bin is active.
pub(super) fn track(b: Bins) -> bool {
    let n = b.v.len();
    let h = n / 2;
    assert!(n.is_power_of_two() && n >= 16);
    assert!(b.old.len() == n && b.sum.len() == n && b.floor.len() == n && b.next.len() == n);
    assert!(b.active.len() == n / 8 && b.on.len() == n);
    // Centred order: the upper half of the FFT (negative frequencies) first.
    let (pos, neg) = b.v.split_at(h);
    let (old_n, old_p) = b.old.split_at_mut(h);
    let (sum_n, sum_p) = b.sum.split_at_mut(h);
    let (floor_n, floor_p) = b.floor.split_at(h);
    let (next_n, next_p) = b.next.split_at_mut(h);
    let (active_n, active_p) = b.active.split_at_mut(h / 8);
    let (on_n, on_p) = b.on.split_at_mut(h);
    track_half(neg, old_n, sum_n, floor_n, next_n, on_n);
    track_half(pos, old_p, sum_p, floor_p, next_p, on_p);
    let any_n = pack_bits(on_n, active_n);
    let any_p = pack_bits(on_p, active_p);
    any_n | any_p
}

/// [`track`] on half the spectrum: each bin's decision is left in `on` (0 or 1), packed into
/// bits afterwards by [`pack_bits`], so that this loop is element by element and vectorises.
#[multiversion(targets("x86_64+avx2", "x86_64+avx"))]
fn track_half(
    v: &[Complex<f32>],
    old: &mut [f32],
    sum: &mut [f32],
    floor: &[f32],
    next: &mut [f32],
    on: &mut [u8],
) {
    let inv = 1.0 / AVG_FRAMES as f32;
    let a_quiet = 1.0 / FLOOR_TC_FRAMES;
    let a_active = 1.0 / FLOOR_TC_ACTIVE_FRAMES;
    let bins = v
        .iter()
        .zip(old.iter_mut())
        .zip(sum.iter_mut())
        .zip(floor.iter().zip(next.iter_mut()))
        .zip(on.iter_mut());
    for ((((&v, o), s), (&fl, nf)), on) in bins {
        let q = finite_power(v);
        let sl = *s + (q - *o);
        *s = sl;
        *o = q;
        let act = sl * inv > THRESHOLD * fl;
        *on = act as u8;
        let a = if act { a_active } else { a_quiet };
        *nf = (fl + a * (q - fl)).max(1e-30);
    }
}

/// Packs eight 0/1 bytes of `on` into each byte of `active` (bin `k % 8` in bit `k % 8`);
/// returns true if any is set.
fn pack_bits(on: &[u8], active: &mut [u8]) -> bool {
    let mut any = 0u8;
    for (a, c) in active.iter_mut().zip(on.chunks_exact(8)) {
        let w = u64::from_le_bytes(c.try_into().expect("eight bytes"));
        // Byte i (0 or 1) times 2^(56 − 7i) lands on bit 56 + i; no two products meet below.
        let bits = (w.wrapping_mul(0x0102_0408_1020_4080) >> 56) as u8;
        *a = bits;
        any |= bits;
    }
    any != 0
}

/// `|v|²` of each bin (centred order) into `old`, which held the oldest frame's power; the
/// running sum moves from that to this.
pub(super) fn accumulate(v: &[Complex<f32>], old: &mut [f32], sum: &mut [f32]) {
    for (k, (o, s)) in old.iter_mut().zip(sum.iter_mut()).enumerate() {
        let q = centred_power(v, k);
        *s += q - *o;
        *o = q;
    }
}

/// Marks the active bins (statistic over [`THRESHOLD`] times the floor) in `active` and
/// returns true if any; writes to `next` each bin's floor moved towards its power, slowly
/// where the bin is active.
pub(super) fn judge_and_track(
    power: &[f32],
    sum: &[f32],
    floor: &[f32],
    next: &mut [f32],
    active: &mut [u8],
) -> bool {
    let inv = 1.0 / AVG_FRAMES as f32;
    let a_quiet = 1.0 / FLOOR_TC_FRAMES;
    let a_active = 1.0 / FLOOR_TC_ACTIVE_FRAMES;
    let mut any = false;
    active.fill(0);
    for (k, ((&q, &s), (&fl, nf))) in power
        .iter()
        .zip(sum)
        .zip(floor.iter().zip(next.iter_mut()))
        .enumerate()
    {
        let on = s * inv > THRESHOLD * fl;
        active[k / 8] |= (on as u8) << (k % 8);
        any |= on;
        let a = if on { a_active } else { a_quiet };
        *nf = (fl + a * (q - fl)).max(1e-30);
    }
    any
}

/// Groups the active bins (bits of `active`) into runs; bins at most two apart join one run.
/// `floor` is the floor activity was judged against; `v` the frame's spectrum (natural order),
/// whose single-frame power of a peak is recomputed here, as it was in [`track`].
pub(super) fn find_runs(
    active: &[u8],
    sum: &[f32],
    floor: &[f32],
    v: &[Complex<f32>],
    runs: &mut Vec<Run>,
) {
    let inv = 1.0 / AVG_FRAMES as f32;
    let mut cur: Option<Run> = None;
    let mut best = 0.0f32;
    for (w, word) in active.chunks_exact(8).enumerate() {
        let mut bits = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        while bits != 0 {
            let k = 64 * w + bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let fl = floor[k];
            let ratio = sum[k] * inv / fl;
            match cur.as_mut() {
                Some(r) if k <= r.hi + 2 => {
                    r.hi = k;
                    if ratio > best {
                        best = ratio;
                        r.peak = k;
                        r.frame_power = centred_power(v, k);
                        r.frame_ratio = r.frame_power / fl;
                        r.power = sum[k] * inv;
                    }
                }
                _ => {
                    if let Some(r) = cur.take() {
                        runs.push(r);
                    }
                    best = ratio;
                    let frame_power = centred_power(v, k);
                    cur = Some(Run {
                        lo: k,
                        hi: k,
                        peak: k,
                        frame_ratio: frame_power / fl,
                        power: sum[k] * inv,
                        frame_power,
                    });
                }
            }
        }
    }
    if let Some(r) = cur {
        runs.push(r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_one_pass_kernel_gives_the_bits_of_the_two_steps() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for n in [64usize, 256, 2048] {
            let mut frames: Vec<Vec<Complex<f32>>> = (0..12)
                .map(|f| {
                    (0..n)
                        .map(|i| {
                            // A few loud bins, so some bins are active and some frames not.
                            let a = if (i + 3 * f) % 37 < 4 { 30.0 } else { 1.0 };
                            Complex::new(a * rng.random::<f32>(), a * (rng.random::<f32>() - 0.5))
                        })
                        .collect()
                })
                .collect();
            // Non-finite and overflowing bins, early (their effect on the sums and floors is
            // followed) and in a frame whose history slot is not overwritten (checked below).
            for f in [2, 10] {
                frames[f][5] = Complex::new(f32::NAN, 0.0);
                frames[f][6] = Complex::new(f32::INFINITY, 1.0);
                frames[f][7] = Complex::new(3e30, 3e30);
                frames[f + 1][n - 1] = Complex::new(0.0, -f32::INFINITY);
            }
            let floor0: Vec<f32> = (0..n).map(|i| 0.05 + (i % 11) as f32 * 0.1).collect();
            // Eight frames of history per pass, as in the detector; the floor moves each frame.
            let run = |one_pass: bool| {
                let (mut old, mut sum) = (vec![0.0f32; n * AVG_FRAMES], vec![0.0f32; n]);
                let (mut floor, mut next) = (floor0.clone(), vec![0.0f32; n]);
                let mut seen = Vec::new();
                for (f, v) in frames.iter().enumerate() {
                    let mut active = vec![0xa5u8; n / 8];
                    let mut on = vec![7u8; n];
                    let slot = f % AVG_FRAMES;
                    let old = &mut old[slot * n..(slot + 1) * n];
                    let any = if one_pass {
                        let b = Bins {
                            v,
                            old,
                            sum: &mut sum,
                            floor: &floor,
                            next: &mut next,
                            active: &mut active,
                            on: &mut on,
                        };
                        track(b)
                    } else {
                        accumulate(v, old, &mut sum);
                        judge_and_track(old, &sum, &floor, &mut next, &mut active)
                    };
                    std::mem::swap(&mut floor, &mut next);
                    let bits: Vec<u32> = sum.iter().chain(&floor).map(|x| x.to_bits()).collect();
                    seen.push((any, active, bits));
                }
                (seen, old)
            };
            let (a, b) = (run(false), run(true));
            assert!(a == b, "n {n}: the one-pass kernel differs");
            assert!(a.0.iter().any(|s| s.0) && a.0.iter().any(|s| s.1.contains(&0)));
            let p = &a.1[2 * n..3 * n];
            assert_eq!(p[5 + n / 2], f32::MAX / 1e6);
            assert_eq!(p[6 + n / 2], f32::MAX / 1e6);
            assert_eq!(p[7 + n / 2], f32::MAX / 1e6);
            assert_eq!(p[8 + n / 2], frames[10][8].norm_sqr());
            assert_eq!(a.1[3 * n + n / 2 - 1], f32::MAX / 1e6);
        }
    }

    #[test]
    fn window_and_bin_power_are_the_plain_products() {
        for len in [0, 31, 64, 1003] {
            let x: Vec<f32> = (0..len).map(|i| (i as f32 * 0.37).sin()).collect();
            let w: Vec<f32> = (0..len).map(|i| (i as f32 * 0.11).cos()).collect();
            let mut got = vec![0.0f32; len];
            window(&x, &w, &mut got);
            let want: Vec<f32> = x.iter().zip(&w).map(|(x, w)| x * w).collect();
            assert_eq!(got, want);
        }
        let v: Vec<Complex<f32>> = (0..257)
            .map(|i| Complex::new((i as f32 * 0.3).sin() * 1e3, (i as f32).cos()))
            .chain([Complex::new(f32::NAN, 0.0), Complex::new(3e30, 0.0)])
            .collect();
        let mut p = vec![0.0f32; v.len()];
        bin_power(&v, &mut p);
        for (p, v) in p.iter().zip(&v) {
            let want = v.re * v.re + v.im * v.im;
            let want = if want <= f32::MAX {
                want
            } else {
                f32::MAX / 1e6
            };
            assert_eq!(p.to_bits(), want.to_bits());
        }
    }

    #[test]
    fn runs_group_active_bins_two_apart() {
        let n = 128;
        let v: Vec<Complex<f32>> = (0..n).map(|i| Complex::new(i as f32, 1.0)).collect();
        let sum: Vec<f32> = (0..n).map(|k| (k % 7) as f32 + 1.0).collect();
        let floor = vec![0.5f32; n];
        let mut active = vec![0u8; n / 8];
        for k in [3, 5, 6, 9, 63, 64, 65, 127] {
            active[k / 8] |= 1 << (k % 8);
        }
        let mut runs = Vec::new();
        find_runs(&active, &sum, &floor, &v, &mut runs);
        let spans: Vec<(usize, usize, usize)> = runs.iter().map(|r| (r.lo, r.hi, r.peak)).collect();
        assert_eq!(spans, [(3, 6, 6), (9, 9, 9), (63, 65, 65), (127, 127, 127)]);
        // The peak's single-frame power is that of its source bin (centred: k + n/2 mod n).
        assert_eq!(runs[0].frame_ratio, v[6 + n / 2].norm_sqr() / 0.5);
        assert_eq!(runs[3].frame_ratio, v[63].norm_sqr() / 0.5);
        assert_eq!(runs[0].frame_power, v[6 + n / 2].norm_sqr());
        assert_eq!(runs[3].frame_power, v[63].norm_sqr());
    }
}
