//! Width clustering: groups pulse or gap durations that are the same symbol up to jitter.
//!
//! The widths are sorted and a group is split at its widest gap (on a logarithmic scale) as
//! long as its largest member is more than [`MAX_SPREAD`] times its smallest. A symbol
//! jittered by ±25 % spans a ratio of 1.25 / 0.75 ≈ 1.67, under the limit, while two symbols
//! whose nominal widths differ by a factor of two or more always spread beyond it, and the
//! widest gap of the sorted widths then lies between them. This is the divisive form of the
//! width histogram rtl_433's pulse analyzer builds (its bins also join widths within a
//! relative tolerance of the bin mean).

/// Largest ratio of the widest to the narrowest member that one cluster may hold.
pub const MAX_SPREAD: f64 = 1.7;
/// A step of this ratio between neighbouring sorted widths, with at least [`MIN_SIDE`]
/// widths on each side and making up most ([`STEP_SHARE`]) of the cluster's (logarithmic)
/// extent, splits a cluster even within [`MAX_SPREAD`]: an empty stretch like that is a
/// boundary between symbols, not jitter (jittered widths fill their range densely).
pub const SPLIT_STEP: f64 = 1.2;
/// Share of the cluster's logarithmic extent a [`SPLIT_STEP`] must take.
pub const STEP_SHARE: f64 = 0.6;
/// Members each side of a [`SPLIT_STEP`] split must have.
pub const MIN_SIDE: usize = 2;

/// One group of similar widths.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cluster {
    /// Mean width, µs.
    pub mean: f64,
    /// Smallest member, µs.
    pub min: f64,
    /// Largest member, µs.
    pub max: f64,
    /// Number of members.
    pub count: usize,
}

impl Cluster {
    /// Whether `w` belongs to this symbol: within the cluster's range widened by `tol`
    /// (relative) on each side.
    pub fn contains(&self, w: f64, tol: f64) -> bool {
        w >= self.min * (1.0 - tol) && w <= self.max * (1.0 + tol)
    }
}

/// Clusters `widths` (µs, any order). Non-finite and non-positive widths are ignored.
/// The result is sorted by increasing mean.
pub fn cluster(widths: &[f64]) -> Vec<Cluster> {
    let mut v: Vec<f64> = widths
        .iter()
        .copied()
        .filter(|w| w.is_finite() && *w > 0.0)
        .collect();
    v.sort_by(f64::total_cmp);
    let mut out = Vec::new();
    split(&v, &mut out);
    out
}

/// Splits a sorted slice recursively (an explicit stack keeps deep inputs off the call stack).
fn split(sorted: &[f64], out: &mut Vec<Cluster>) {
    let mut stack = vec![(0usize, sorted.len())];
    let mut found = Vec::new();
    while let Some((a, b)) = stack.pop() {
        if a >= b {
            continue;
        }
        let s = &sorted[a..b];
        let (lo, hi) = (s[0], s[s.len() - 1]);
        // Widest logarithmic step between neighbours.
        let mut best = 1;
        let mut best_ratio = 0.0;
        for i in 1..s.len() {
            let r = s[i] / s[i - 1];
            if r > best_ratio {
                best_ratio = r;
                best = i;
            }
        }
        let clear_step = best_ratio >= SPLIT_STEP
            && best_ratio.ln() >= STEP_SHARE * (hi / lo).ln()
            && best >= MIN_SIDE
            && s.len() - best >= MIN_SIDE;
        if (hi <= lo * MAX_SPREAD && !clear_step) || s.len() == 1 {
            let sum: f64 = s.iter().sum();
            found.push(Cluster {
                mean: sum / s.len() as f64,
                min: lo,
                max: hi,
                count: s.len(),
            });
            continue;
        }
        stack.push((a, a + best));
        stack.push((a + best, b));
    }
    found.sort_by(|x, y| x.mean.total_cmp(&y.mean));
    out.extend(found);
}

/// The clusters holding at least `max(min_count, fraction × total)` members, in width order.
pub fn significant(clusters: &[Cluster], fraction: f64, min_count: usize) -> Vec<Cluster> {
    let total: usize = clusters.iter().map(|c| c.count).sum();
    let need = ((total as f64 * fraction).ceil() as usize).max(min_count);
    clusters
        .iter()
        .copied()
        .filter(|c| c.count >= need)
        .collect()
}

/// The `n` most populous clusters, returned in width order.
pub fn most_populous(clusters: &[Cluster], n: usize) -> Vec<Cluster> {
    let mut v = clusters.to_vec();
    v.sort_by(|a, b| b.count.cmp(&a.count).then(a.mean.total_cmp(&b.mean)));
    v.truncate(n);
    v.sort_by(|a, b| a.mean.total_cmp(&b.mean));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_one_and_two_units_with_25_percent_jitter() {
        let mut w = Vec::new();
        for i in 0..50 {
            let j = (i as f64 / 49.0) * 0.5 - 0.25; // -25 % .. +25 %
            w.push(400.0 * (1.0 + j));
            w.push(800.0 * (1.0 - j));
        }
        let c = cluster(&w);
        assert_eq!(c.len(), 2, "{c:?}");
        assert!((c[0].mean - 400.0).abs() < 5.0);
        assert!((c[1].mean - 800.0).abs() < 10.0);
        assert_eq!(c[0].count, 50);
    }

    #[test]
    fn splits_at_a_clear_step_within_the_spread() {
        // 5 and 8 units (ratio 1.6) are two symbols when nothing lies between them.
        let w = [5000.0, 4960.0, 5010.0, 7950.0, 7960.0, 8000.0];
        assert_eq!(cluster(&w).len(), 2);
        // A single stray value does not split a cluster on its own.
        let w = [100.0, 102.0, 98.0, 101.0, 140.0];
        assert_eq!(cluster(&w).len(), 1);
    }

    #[test]
    fn ignores_garbage_and_handles_empty() {
        assert!(cluster(&[]).is_empty());
        let c = cluster(&[f64::NAN, -3.0, 0.0, f64::INFINITY, 5.0]);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].count, 1);
    }

    #[test]
    fn three_symbols_and_populous() {
        let w = [
            100.0, 105.0, 98.0, 300.0, 310.0, 1000.0, 1010.0, 990.0, 1005.0,
        ];
        let c = cluster(&w);
        assert_eq!(c.len(), 3);
        let p = most_populous(&c, 2);
        assert_eq!(p.len(), 2);
        assert!(p[0].mean < 200.0 && p[1].mean > 900.0);
        assert_eq!(significant(&c, 0.3, 2).len(), 2);
    }
}
