//! Fast elementwise functions for the demodulator's per-sample loops.
//!
//! The FM discriminator takes one angle per channel sample and the level clustering one
//! logarithm per value taken; through the C library these are a function call each and
//! dominate the demodulator's cost. Here both are branch-free loops over slices that the
//! compiler vectorises. Each loop is compiled for the baseline and for AVX2 by `multiversion`,
//! which picks one at run time; the arithmetic is the same, and so are the bits (no fused
//! multiply-adds are formed by the compiler).
//!
//! * [`discriminate`]: `arg(y[n]·y*[n−1])` by an octant reduction and a polynomial for the
//!   arc tangent on `[0, 1]`, within 4e-7 rad of the exact angle, with the signs and axes of
//!   `atan2` (including signed zeros and infinities).
//! * [`db_of`]: `10·log10(max(p, 1e-30))` as `f32`, with the logarithm computed in `f64` and
//!   rounded once: the correctly rounded `log10`, as close to the C library's as it can be.
//! * [`window`] and [`accumulate_power`]: the per-frame loops of the Welch spectrum, exact.

use multiversion::multiversion;
use num_complex::Complex;

/// `atan(√t)/√t` on `t ∈ [0, 1]` as a polynomial in `t` (Chebyshev interpolation of degree 8,
/// within 1e-8 of the exact function), highest power first for Horner's rule.
const ATAN_POLY: [f32; 9] = [
    2.766_283_5e-3,
    -1.573_124_9e-2,
    4.213_762_4e-2,
    -7.456_855e-2,
    1.061_837_1e-1,
    -1.419_779_8e-1,
    1.999_187_2e-1,
    -3.333_303_7e-1,
    1.0,
];

/// `atan2(y, x)` in `f32` without branches (selects only), so that loops over it vectorise.
#[inline(always)]
pub fn atan2(y: f32, x: f32) -> f32 {
    let (ax, ay) = (x.abs(), y.abs());
    let (mn, mx) = (ax.min(ay), ax.max(ay));
    // 0/0 is the origin (angle 0 before the quadrant fix-up), ∞/∞ the diagonal.
    let both_inf = mn == f32::INFINITY;
    let t = if mx == 0.0 {
        0.0
    } else if both_inf {
        1.0
    } else {
        mn / mx
    };
    let t2 = t * t;
    let mut p = ATAN_POLY[0];
    for &c in &ATAN_POLY[1..] {
        p = p * t2 + c;
    }
    let mut a = t * p;
    if ay > ax {
        a = std::f32::consts::FRAC_PI_2 - a;
    }
    if x.is_sign_negative() {
        a = std::f32::consts::PI - a;
    }
    let r = a.copysign(y);
    if x.is_nan() || y.is_nan() {
        f32::NAN
    } else {
        r
    }
}

/// `freq[n] = arg(y[n]·y*[n−1]) · scale` for `n ≥ 1` and `freq[0] = 0`: the instantaneous
/// frequency. `freq` must be as long as `y`.
#[multiversion(targets("x86_64+avx2"))]
pub fn discriminate(y: &[Complex<f32>], scale: f32, freq: &mut [f32]) {
    assert_eq!(y.len(), freq.len(), "one frequency per sample");
    if let Some(f0) = freq.first_mut() {
        *f0 = 0.0;
    }
    for (f, w) in freq.iter_mut().skip(1).zip(y.windows(2)) {
        // The product as `Complex` multiplies it, so the angle is of the same numbers.
        let (a, b) = (w[1], w[0]);
        let re = a.re * b.re - a.im * -b.im;
        let im = a.re * -b.im + a.im * b.re;
        *f = atan2(im, re) * scale;
    }
}

/// `log10(2)` split for the exponent term: `e·LOG10_2` in `f64` is exact enough at any `e`.
const LOG10_2: f64 = std::f64::consts::LOG10_2;
/// `log10(e)`, turning the natural logarithm of the mantissa into a decimal one.
const LOG10_E: f64 = std::f64::consts::LOG10_E;

/// `log10(x)` of a positive finite normal `f32`, correctly rounded except in rare ties (the
/// `f64` result is within 1e-15 relative of the exact one). Infinite input gives infinity.
#[inline(always)]
fn log10_f32(x: f32) -> f32 {
    let bits = x.to_bits();
    let mut e = ((bits >> 23) & 0xff) as i32 - 127;
    let mut m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000) as f64;
    // The mantissa in [√½, √2): |s| ≤ 0.172 below, where the series converges quickly.
    if m > std::f64::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    // ln m = 2·atanh(s) = 2(s + s³/3 + s⁵/5 + …), s = (m − 1)/(m + 1): the terms to s¹⁹
    // leave less than 1e-17.
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut p = 1.0 / 19.0;
    for k in (0..9).rev() {
        p = p * s2 + 1.0 / (2 * k + 1) as f64;
    }
    let ln_m = 2.0 * s * p;
    let r = (e as f64 * LOG10_2 + ln_m * LOG10_E) as f32;
    if x == f32::INFINITY { f32::INFINITY } else { r }
}

/// [`super::power_db`] of each value in place: `10·log10(max(p, 1e-30))`.
#[multiversion(targets("x86_64+avx2"))]
pub fn db_of(v: &mut [f32]) {
    for p in v.iter_mut() {
        // NaN goes to 1e-30, as `max` does.
        *p = 10.0 * log10_f32(p.max(1e-30));
    }
}

/// `out[i] = x[i]·w[i]`, for as many values as all three hold: a Welch frame windowed.
#[multiversion(targets("x86_64+avx2"))]
pub fn window(x: &[Complex<f32>], w: &[f32], out: &mut [Complex<f32>]) {
    for ((o, &v), &g) in out.iter_mut().zip(x).zip(w) {
        *o = v * g;
    }
}

/// `acc[i] += |v[i]|²` (the power in `f32`, summed in `f64`), for as many values as both hold:
/// a Welch frame's periodogram added to the average.
#[multiversion(targets("x86_64+avx2"))]
pub fn accumulate_power(v: &[Complex<f32>], acc: &mut [f64]) {
    for (a, z) in acc.iter_mut().zip(v) {
        *a += z.norm_sqr() as f64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed pseudo-random stream (xorshift), so failures repeat.
    fn rng(mut x: u64) -> impl FnMut() -> u64 {
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        }
    }

    fn angle_error(got: f32, want: f64) -> f64 {
        let d = (got as f64 - want).abs();
        // ±π are the same direction.
        d.min((d - 2.0 * std::f64::consts::PI).abs())
    }

    #[test]
    fn atan2_is_close_over_a_dense_grid_and_the_special_cases() {
        let mut worst = 0.0f64;
        let mut check = |y: f32, x: f32| {
            let want = (y as f64).atan2(x as f64);
            let got = atan2(y, x);
            let e = angle_error(got, want);
            assert!(e <= 4e-7, "atan2({y:e}, {x:e}) = {got} not {want}");
            // The sign of a zero angle matters to nobody, but its quadrant does: exact
            // agreement with the library at the axes and at zero.
            let both_inf = y.is_infinite() && x.is_infinite();
            if !both_inf && (y == 0.0 || x == 0.0 || y.is_infinite() || x.is_infinite()) {
                assert_eq!(got.to_bits(), y.atan2(x).to_bits(), "atan2({y:e}, {x:e})");
            }
            worst = worst.max(e);
        };
        let n = 600;
        for i in 0..=n {
            for j in 0..=n {
                let a = 2.0 * std::f64::consts::PI * i as f64 / n as f64;
                let r = 10f64.powf(-3.0 + 6.0 * j as f64 / n as f64);
                check((r * a.sin()) as f32, (r * a.cos()) as f32);
            }
        }
        let special = [
            0.0f32,
            -0.0,
            1.0,
            -1.0,
            1e-38,
            -1e-40,
            f32::MIN_POSITIVE,
            3e38,
            -3e38,
            f32::MAX,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ];
        for &y in &special {
            for &x in &special {
                check(y, x);
            }
        }
        let mut next = rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..200_000 {
            let y = f32::from_bits(next() as u32);
            let x = f32::from_bits(next() as u32);
            if x.is_finite() && y.is_finite() {
                check(y, x);
            }
        }
        assert!(atan2(f32::NAN, 1.0).is_nan() && atan2(1.0, f32::NAN).is_nan());
        assert!(worst > 0.0);
    }

    #[test]
    fn discriminator_matches_the_complex_angle() {
        let mut next = rng(7);
        let y: Vec<Complex<f32>> = (0..1000)
            .map(|_| {
                let u = |v: u64| (v % 2001) as f32 / 1000.0 - 1.0;
                Complex::new(u(next()), u(next()))
            })
            .collect();
        let mut f = vec![1.0f32; y.len()];
        discriminate(&y, 3.0, &mut f);
        assert_eq!(f[0], 0.0);
        for i in 1..y.len() {
            let z = y[i] * y[i - 1].conj();
            let want = (z.im as f64).atan2(z.re as f64) * 3.0;
            assert!((f[i] as f64 - want).abs() < 2e-6, "{i}: {} {want}", f[i]);
            // Whichever version was dispatched, the bits of the scalar function.
            assert_eq!(f[i].to_bits(), (atan2(z.im, z.re) * 3.0).to_bits(), "{i}");
        }
    }

    #[test]
    fn welch_loops_match_plain_arithmetic() {
        let mut next = rng(11);
        let mut u = || (next() % 20_001) as f32 / 10_000.0 - 1.0;
        let n = 1027;
        let x: Vec<Complex<f32>> = (0..n).map(|_| Complex::new(u(), u())).collect();
        let w: Vec<f32> = (0..n).map(|_| u()).collect();
        let mut out = vec![Complex::new(0.0f32, 0.0); n];
        window(&x, &w, &mut out);
        let mut acc: Vec<f64> = (0..n).map(|i| i as f64 * 0.25).collect();
        accumulate_power(&out, &mut acc);
        for i in 0..n {
            let o = Complex::new(x[i].re * w[i], x[i].im * w[i]);
            assert_eq!(out[i], o);
            let p = o.re * o.re + o.im * o.im;
            assert_eq!(acc[i].to_bits(), (i as f64 * 0.25 + p as f64).to_bits());
        }
    }

    #[test]
    fn db_matches_the_library_logarithm() {
        let reference = |p: f32| 10.0 * p.max(1e-30).log10();
        let mut v: Vec<f32> = vec![
            0.0,
            -1.0,
            1e-38,
            1e-30,
            1.0,
            10.0,
            0.1,
            std::f32::consts::SQRT_2,
            f32::MAX,
            f32::NAN,
        ];
        let mut next = rng(3);
        for _ in 0..200_000 {
            v.push(f32::from_bits((next() as u32) & 0x7fff_ffff));
        }
        for k in -35..35 {
            let p = 10f32.powi(k);
            v.extend([
                p,
                f32::from_bits(p.to_bits() + 1),
                f32::from_bits(p.to_bits() - 1),
            ]);
        }
        let v: Vec<f32> = v.into_iter().filter(|p| !p.is_infinite()).collect();
        let mut got = v.clone();
        db_of(&mut got);
        let mut same = 0;
        for (&p, &g) in v.iter().zip(&got) {
            // Whichever version was dispatched, the bits of the scalar function.
            assert_eq!(
                g.to_bits(),
                (10.0 * log10_f32(p.max(1e-30))).to_bits(),
                "{p:e}"
            );
            let r = reference(p);
            if p.is_nan() {
                assert_eq!(g, r);
                continue;
            }
            // The library rounds the logarithm twice, then the product by ten once more:
            // within two units in the last place of its value, and mostly equal.
            let ulp = f32::from_bits(r.abs().to_bits() + 1) - r.abs();
            assert!((g - r).abs() <= 2.0 * ulp, "{p:e}: {g} vs {r}");
            same += usize::from(g == r);
        }
        println!("{same} of {} equal", v.len());
        assert!(same * 10 >= v.len() * 9, "{same} of {}", v.len());
        let mut inf = [f32::INFINITY];
        db_of(&mut inf);
        assert_eq!(inf[0], f32::INFINITY);
    }
}
