//! Two-level summaries of a burst's values (1-D two-means), for the OOK/FSK decision and the
//! slicer's starting levels.

/// Two-cluster (1-D k-means) summary of a set of values.
#[derive(Clone, Copy, Debug)]
pub(super) struct Clusters {
    pub(super) lo: f32,
    pub(super) hi: f32,
    pub(super) spread: f32,
    pub(super) frac_hi: f32,
}

/// A clear dip between the two clusters: few values near the midpoint compared with the
/// values near each centre (a unimodal spread, however wide, is densest in the middle).
pub(super) fn is_bimodal(v: &[f32], c: &Clusters) -> bool {
    let sep = c.hi - c.lo;
    if !(sep > 1_000.0 && sep > 3.0 * c.spread && c.frac_hi > 0.05 && c.frac_hi < 0.95) {
        return false;
    }
    let w = sep / 8.0;
    let mid = (c.lo + c.hi) / 2.0;
    let near = |centre: f32| v.iter().filter(|&&x| (x - centre).abs() < w).count();
    let (m, a, b) = (near(mid), near(c.lo), near(c.hi));
    4 * m < a.min(b)
}

/// Values taken for [`two_clusters`] from a series of `n`: every `cluster_stride(n)`-th.
pub(super) fn cluster_stride(n: usize) -> usize {
    (n / 20_000).max(1)
}

pub(super) fn two_clusters(v: &[f32]) -> Option<Clusters> {
    if v.len() < 16 {
        return None;
    }
    let s: Vec<f32> = v
        .iter()
        .step_by(cluster_stride(v.len()))
        .copied()
        .filter(|x| x.is_finite())
        .collect();
    clusters_of(s)
}

/// [`two_clusters`] of the (finite) values taken.
pub(super) fn clusters_of(s: Vec<f32>) -> Option<Clusters> {
    if s.len() < 16 {
        return None;
    }
    let (a, b) = (s.len() / 20, s.len() - 1 - s.len() / 20);
    let (mut lo, mut hi) = two_ranks(&s, a, b);
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        return None;
    }
    for _ in 0..20 {
        let t = (lo + hi) / 2.0;
        let (mut sl, mut nl, mut sh, mut nh) = (0.0f64, 0usize, 0.0f64, 0usize);
        for &x in &s {
            if x < t {
                sl += x as f64;
                nl += 1;
            } else {
                sh += x as f64;
                nh += 1;
            }
        }
        if nl == 0 || nh == 0 {
            return None;
        }
        let (nlo, nhi) = ((sl / nl as f64) as f32, (sh / nh as f64) as f32);
        if nlo == lo && nhi == hi {
            break;
        }
        lo = nlo;
        hi = nhi;
    }
    let t = (lo + hi) / 2.0;
    let mut var = 0.0f64;
    let mut nh = 0usize;
    for &x in &s {
        let c = if x < t { lo } else { hi };
        if x >= t {
            nh += 1;
        }
        var += ((x - c) as f64).powi(2);
    }
    Some(Clusters {
        lo,
        hi,
        spread: (var / s.len() as f64).sqrt() as f32,
        frac_hi: nh as f32 / s.len() as f32,
    })
}

/// An unsigned integer ordered as [`f32::total_cmp`] orders the floats: the sign bit set for
/// positive values, all bits flipped for negative ones.
fn order_key(x: f32) -> u32 {
    let b = x.to_bits();
    b ^ ((((b as i32) >> 31) as u32) >> 1) ^ 0x8000_0000
}

/// The float of an [`order_key`].
fn from_order_key(k: u32) -> f32 {
    f32::from_bits(if k & 0x8000_0000 != 0 {
        k ^ 0x8000_0000
    } else {
        !k
    })
}

/// The `a`-th and `b`-th smallest values of `s` (`a < b < s.len()`) in the order of
/// [`f32::total_cmp`]. Selected by their integer [`order_key`]s, which compare in one
/// instruction where `total_cmp` converts both floats at every comparison; equal keys are
/// equal bits, so the values are those a selection by `total_cmp` gives.
pub(super) fn two_ranks(s: &[f32], a: usize, b: usize) -> (f32, f32) {
    let mut keys: Vec<u32> = s.iter().map(|&x| order_key(x)).collect();
    let (_, &mut ka, above) = keys.select_nth_unstable(a);
    // The b-th smallest is among the values above the a-th.
    let kb = *above.select_nth_unstable(b - a - 1).1;
    (from_order_key(ka), from_order_key(kb))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_by_integer_keys_match_the_float_order() {
        let mut x = 0x0bad_5eed_dead_beefu64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let special = [
            0.0f32,
            -0.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            -f32::NAN,
            f32::MIN_POSITIVE,
            -1e-45,
            f32::MAX,
            f32::MIN,
        ];
        for &v in &special {
            assert_eq!(from_order_key(order_key(v)).to_bits(), v.to_bits());
        }
        for trial in 0..300 {
            let n = 2 + trial * 7;
            let v: Vec<f32> = (0..n)
                .map(|_| match next() % 8 {
                    // Raw bit patterns, repeated small values, and the special ones.
                    0 | 1 => f32::from_bits(next() as u32),
                    2 => special[(next() % special.len() as u64) as usize],
                    _ => (next() % 50) as f32 * 0.5 - 12.0,
                })
                .collect();
            let a = (next() as usize) % (n - 1);
            let b = a + 1 + (next() as usize) % (n - 1 - a);
            let mut sorted = v.clone();
            sorted.sort_by(|x, y| x.total_cmp(y));
            let (lo, hi) = two_ranks(&v, a, b);
            assert_eq!(lo.to_bits(), sorted[a].to_bits(), "trial {trial}");
            assert_eq!(hi.to_bits(), sorted[b].to_bits(), "trial {trial}");
            for w in v.windows(2) {
                assert_eq!(order_key(w[0]).cmp(&order_key(w[1])), w[0].total_cmp(&w[1]));
            }
        }
    }

    #[test]
    fn clusters_of_two_levels() {
        let v: Vec<f32> = (0..1000)
            .map(|i| if i % 3 == 0 { 10.0 } else { -2.0 } + (i % 7) as f32 * 0.01)
            .collect();
        let c = two_clusters(&v).unwrap();
        assert!(
            (c.hi - 10.03).abs() < 0.1 && (c.lo + 1.97).abs() < 0.1,
            "{c:?}"
        );
        assert!((c.frac_hi - 0.334).abs() < 0.01);
    }
}
