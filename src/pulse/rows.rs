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
            Some(last) if last.bits == r.bits && last.uncertain == r.uncertain => {
                last.repeats += r.repeats;
                last.inferred += r.inferred;
                last.pulse_count = r.first_pulse + r.pulse_count - last.first_pulse;
            }
            _ => out.push(r),
        }
    }
    out
}

/// Settles the bits a row's own symbols cannot show, from the other rows of the train.
///
/// A row is a repeat of another when they agree on every bit both read with confidence; then
/// its doubtful bits are taken from that repeat (the most common one, itself free of doubt),
/// as a receiver votes across repeats. Doubtful are: bits at `uncertain` indices (ambiguous
/// widths, a first mark shortened by the transmitter's start-up), and, with `final_short`,
/// the symbol missing at the end of the train's last row (PPM: the last bit is a gap, and the
/// gap after a burst's final mark is the silence, not a symbol). A row that agrees with no
/// repeat keeps its bits and its `uncertain` indices, so the doubt stays visible.
pub fn settle(mut rows: Vec<Row>, final_short: bool) -> Vec<Row> {
    let n = rows.len();
    // Candidate references: rows without doubtful bits, counted.
    let mut refs: Vec<(Vec<bool>, u32)> = Vec::new();
    for r in rows
        .iter()
        .filter(|r| r.uncertain.is_empty() && !r.bits.is_empty())
    {
        match refs.iter_mut().find(|(b, _)| *b == r.bits) {
            Some((_, c)) => *c += r.repeats,
            None => refs.push((r.bits.clone(), r.repeats)),
        }
    }
    refs.sort_by_key(|r| std::cmp::Reverse(r.1));
    // Whether reference `b` agrees with `r` on every bit `r` reads with confidence.
    fn agrees(b: &[bool], r: &Row) -> bool {
        r.bits
            .iter()
            .enumerate()
            .all(|(k, &x)| r.uncertain.contains(&k) || b.get(k) == Some(&x))
    }
    for (i, r) in rows.iter_mut().enumerate() {
        if !r.uncertain.is_empty()
            && let Some((b, _)) = refs
                .iter()
                .find(|(b, _)| b.len() == r.bits.len() && agrees(b, r))
        {
            r.inferred += r.uncertain.len() as u32 * r.repeats;
            r.bits = b.clone();
            r.uncertain.clear();
        }
        if i + 1 == n && final_short && r.uncertain.is_empty() && r.bits.len() >= 2 {
            // Needs a repeat seen at least twice: one row is no evidence of the frame length.
            if let Some((b, _)) = refs
                .iter()
                .find(|(b, c)| *c >= 2 && b.len() == r.bits.len() + 1 && agrees(b, r))
            {
                r.inferred += r.repeats;
                r.bits = b.clone();
            }
        }
    }
    rows
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
            uncertain: Vec::new(),
            inferred: 0,
        }
    }

    #[test]
    fn settles_doubtful_bits_from_an_agreeing_repeat() {
        let mut doubtful = row(&[1, 0, 1, 1], 4);
        doubtful.uncertain = vec![1];
        let rows = vec![row(&[1, 1, 1, 1], 0), doubtful, row(&[1, 1, 1, 1], 8)];
        let s = settle(rows, false);
        assert_eq!(s[1].bits, row(&[1, 1, 1, 1], 0).bits);
        assert!(s[1].uncertain.is_empty());
        assert_eq!(s[1].inferred, 1);
        assert_eq!(group_repeats(s)[0].repeats, 3);
    }

    #[test]
    fn a_doubtful_row_that_agrees_with_no_repeat_keeps_its_doubt() {
        let mut doubtful = row(&[0, 0, 1, 1], 4);
        doubtful.uncertain = vec![1];
        let s = settle(vec![row(&[1, 1, 1, 1], 0), doubtful], false);
        assert_eq!(s[1].uncertain, vec![1]);
        assert_eq!(s[1].inferred, 0);
    }

    #[test]
    fn the_final_row_one_symbol_short_is_completed_only_from_a_seen_repeat() {
        let rows = vec![
            row(&[1, 0, 1, 1], 0),
            row(&[1, 0, 1, 1], 4),
            row(&[1, 0, 1], 8),
        ];
        let s = settle(rows.clone(), true);
        assert_eq!(s[2].bits.len(), 4);
        assert_eq!(s[2].inferred, 1);
        // Not for codings whose last symbol is seen, nor against a single row.
        assert_eq!(settle(rows.clone(), false)[2].bits.len(), 3);
        let once = vec![row(&[1, 0, 1, 1], 0), row(&[1, 0, 1], 4)];
        assert_eq!(settle(once, true)[1].bits.len(), 3);
        // Two bits short is not the final symbol.
        let cut = vec![
            row(&[1, 0, 1, 1], 0),
            row(&[1, 0, 1, 1], 4),
            row(&[1, 0], 8),
        ];
        assert_eq!(settle(cut, true)[2].bits.len(), 2);
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
