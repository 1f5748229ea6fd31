//! Splits a burst's pulses into transmissions at long gaps.
//!
//! A transmission ends at a gap longer than `max(10 ms, 10 × the longest mark so far)`, the
//! rule rtl_433 uses to end a package (its `pulse_detect` reset limit).

use crate::pulse::Pulse;

/// Minimum gap that always ends a transmission, µs.
pub const MIN_END_GAP_US: f32 = 10_000.0;

/// Splits `pulses` into runs; each returned range is a transmission. The last pulse of every
/// run keeps the gap that ended it as its `low_us`.
pub fn split_at_gaps(pulses: &[Pulse]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut longest = 0.0f32;
    for (i, p) in pulses.iter().enumerate() {
        longest = longest.max(p.high_us);
        let limit = MIN_END_GAP_US.max(10.0 * longest);
        if p.low_us > limit || i + 1 == pulses.len() {
            out.push(start..i + 1);
            start = i + 1;
            longest = 0.0;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(h: f32, l: f32) -> Pulse {
        Pulse {
            high_us: h,
            low_us: l,
        }
    }

    #[test]
    fn splits_exactly_at_the_rule() {
        // Longest mark 1.5 ms: the limit is 15 ms; a gap of 14.9 ms keeps, 15.1 ms splits.
        let v = vec![
            p(500.0, 500.0),
            p(1500.0, 14_900.0),
            p(500.0, 15_100.0),
            p(400.0, 0.0),
        ];
        let r = split_at_gaps(&v);
        assert_eq!(r, vec![0..3, 3..4]);
        // Short marks: 10 ms is the floor.
        let v = vec![p(100.0, 9_000.0), p(100.0, 10_500.0), p(100.0, 0.0)];
        assert_eq!(split_at_gaps(&v), vec![0..2, 2..3]);
        assert!(split_at_gaps(&[]).is_empty());
    }
}
