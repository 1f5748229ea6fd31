//! Rows: splitting a train at long gaps, and merging consecutive identical rows into repeats.

use std::ops::Range;

use super::Row;

/// Splits pulses `0..gaps.len()` into rows: a row ends after pulse `i` when its gap is longer
/// than `row_gap_us`, and after the last pulse. `gaps[i]` is the space after pulse `i`.
pub fn split(gaps: &[f64], row_gap_us: f64) -> Vec<Range<usize>> {
    let mut rows = Vec::new();
    let mut start = 0;
    for (i, &g) in gaps.iter().enumerate() {
        if i + 1 == gaps.len() || g > row_gap_us {
            rows.push(start..i + 1);
            start = i + 1;
        }
    }
    rows
}

/// Merges runs of consecutive rows with identical bits: the first row of a run is kept, its
/// `repeats` is the length of the run and its `pulse_count` spans the whole run. Empty rows
/// are dropped first.
pub fn group_repeats(rows: Vec<Row>) -> Vec<Row> {
    let mut out: Vec<Row> = Vec::new();
    for r in rows.into_iter().filter(|r| !r.bits.is_empty()) {
        match out.last_mut() {
            Some(last) if last.bits == r.bits => {
                last.repeats += r.repeats;
                last.pulse_count = r.first_pulse + r.pulse_count - last.first_pulse;
            }
            _ => out.push(r),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(bits: &[u8], first: usize) -> Row {
        Row {
            bits: bits.iter().map(|&b| b == 1).collect(),
            repeats: 1,
            first_pulse: first,
            pulse_count: bits.len(),
        }
    }

    #[test]
    fn split_at_long_gaps() {
        let gaps = [1.0, 1.0, 9.0, 1.0, 9.0, 0.0];
        assert_eq!(split(&gaps, 5.0), vec![0..3, 3..5, 5..6]);
        assert!(split(&[], 5.0).is_empty());
        assert_eq!(split(&[100.0], 5.0), vec![0..1]);
    }

    #[test]
    fn groups_consecutive_identical_rows() {
        let rows = vec![
            row(&[1, 0, 1], 0),
            row(&[1, 0, 1], 3),
            row(&[], 6),
            row(&[1, 0, 1], 6),
            row(&[1, 1], 9),
            row(&[1, 0, 1], 11),
        ];
        let g = group_repeats(rows);
        assert_eq!(g.len(), 3);
        assert_eq!(g[0].repeats, 3);
        assert_eq!(g[0].first_pulse, 0);
        assert_eq!(g[0].pulse_count, 9);
        assert_eq!(g[1].repeats, 1);
        assert_eq!(g[2].repeats, 1);
    }
}
