//! Slicers: turn the pulses of one row into bits under one line-coding hypothesis, counting
//! how many widths fit that hypothesis (the analyzer compares the counts).
//!
//! Bit conventions (those of rtl_433's slicers, so bits can be compared with its output):
//! - PWM: short mark = `1`, long mark = `0` (rtl_433 `OOK_PULSE_PWM`; also the KeeLoq
//!   datasheet's convention, Microchip DS21143).
//! - PPM: short gap = `0`, long gap = `1` (rtl_433 `OOK_PULSE_PPM`); the mark carries nothing.
//! - Manchester: G. E. Thomas convention as in rtl_433 `OOK_PULSE_MANCHESTER_ZEROBIT`: a
//!   rising mid-bit edge is `0`, a falling one `1`; the first rising edge of a row is taken as
//!   a mid-bit edge (so every row starts with a `0`), and later edges count as mid-bit edges
//!   when more than 1.5 half-bits have passed since the last one (clock recovery).
//! - DMC (differential Manchester, as rtl_433 `OOK_PULSE_DMC`): a level lasting a whole bit
//!   (two half-bits) is `0`, two half-bit levels in a row are `1`; the row starts on a bit
//!   boundary.
//! - PCM: non-return-to-zero, a mark of k bit times is k `1`s and a space of k bit times k `0`s;
//!   return-to-zero when marks are clearly shorter than the bit time, then a mark is one `1`
//!   and the rest of its period `0`s (rtl_433 `OOK_PULSE_PCM` with short < long).

/// Relative tolerance on a symbol width.
pub const TOL: f64 = 0.35;

/// The bits of one row and how well its widths fit the hypothesis.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sliced {
    /// The bits, first received first.
    pub bits: Vec<bool>,
    /// Widths (or symbols) that fit.
    pub fit: usize,
    /// Widths (or symbols) examined.
    pub total: usize,
    /// Symbols that are valid widths in an invalid order (DMC: a lone half-bit level before a
    /// whole-bit one).
    pub violations: usize,
    /// Indices into `bits` of symbols whose width lies in the middle of the interval between
    /// the two symbol widths (see [`ambiguous`]): the bit was read by the nearer width, but a
    /// repeat of the row decides it.
    pub uncertain: Vec<usize>,
}

fn near(x: f64, c: f64) -> bool {
    (x - c).abs() <= TOL * c
}

/// Share of the interval between the short and the long width (on a log scale, from either
/// end) within which a width is read as that symbol with confidence. The two tolerance
/// windows of [`TOL`] overlap when long < 2.1 × short (PPM 1:2 gaps, PWM 1:2 marks): a width
/// half-way between them (nexus' 1433 µs gap among 965/1941 µs ones, tests/pulse_corpus.rs)
/// fits both and was silently read as the nearer one. Jitter of a working key's symbols stays
/// within ±10 % (rtl_433 corpus: nexus ±2 %, silvercrest ±3 %), which is under a quarter of
/// the log spacing of any ratio of 1.4 or more (ln 1.4 / 4 = 8 %).
pub const CLEAR_SHARE: f64 = 0.25;

/// Whether width `w` lies in the ambiguous middle between `short` and `long`.
pub fn ambiguous(w: f64, short: f64, long: f64) -> bool {
    if !(w > 0.0 && short > 0.0 && long > short) {
        return false;
    }
    let x = (w / short).ln() / (long / short).ln();
    (CLEAR_SHARE..=1.0 - CLEAR_SHARE).contains(&x)
}

/// Longest run of equal PCM bits accepted in one level (longer levels are not PCM data).
pub const PCM_MAX_RUN: f64 = 32.0;

/// A PWM row may open with a sync mark this many times longer than the long mark.
pub const SYNC_FACTOR: f64 = 2.5;

/// How PWM bits are spaced.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PwmGap {
    /// A fixed gap after every mark, µs.
    Fixed(f64),
    /// A fixed period (mark + gap), µs.
    Period(f64),
    /// Either of two gap widths, independent of the mark (rtl_433's PWM slicer looks at the
    /// marks alone), µs.
    Either(f64, f64),
}

/// PWM: marks near `short` are `1`, near `long` are `0`. `row` holds (mark, gap) pairs; the
/// gap of the last pulse is the row gap and is not examined.
pub fn pwm(row: &[(f64, f64)], short: f64, long: f64, spacing: PwmGap) -> Sliced {
    let mut s = Sliced::default();
    let split = (short * long).sqrt();
    for (i, &(m, g)) in row.iter().enumerate() {
        if i == 0 && row.len() > 1 && m > SYNC_FACTOR * long {
            // A sync mark opening the row (rtl_433's PWM `sync_width`): no bit.
            continue;
        }
        s.total += 1;
        let is_short = m < split;
        let mark_ok = if is_short {
            near(m, short)
        } else {
            near(m, long)
        };
        let gap_ok = i + 1 == row.len()
            || match spacing {
                PwmGap::Fixed(f) => near(g, f),
                PwmGap::Period(p) => near(m + g, p),
                PwmGap::Either(a, b) => near(g, a) || near(g, b),
            };
        if mark_ok {
            if ambiguous(m, short, long) {
                s.uncertain.push(s.bits.len());
            }
            s.bits.push(is_short);
        }
        if mark_ok && gap_ok {
            s.fit += 1;
        }
    }
    s
}

/// PPM: marks near `mark`; gaps near `short` are `0`, near `long` are `1`.
pub fn ppm(row: &[(f64, f64)], mark: f64, short: f64, long: f64) -> Sliced {
    let mut s = Sliced::default();
    let split = (short * long).sqrt();
    for (i, &(m, g)) in row.iter().enumerate() {
        s.total += 1;
        let mark_ok = near(m, mark);
        if i + 1 == row.len() {
            s.fit += usize::from(mark_ok);
            continue;
        }
        let is_long = g >= split;
        let gap_ok = if is_long {
            near(g, long)
        } else {
            near(g, short)
        };
        if gap_ok {
            if ambiguous(g, short, long) {
                s.uncertain.push(s.bits.len());
            }
            s.bits.push(is_long);
        }
        if mark_ok && gap_ok {
            s.fit += 1;
        }
    }
    s
}

/// The widths of a row in time order: mark, gap, mark, ..., last mark (the row gap excluded).
fn levels(row: &[(f64, f64)]) -> impl Iterator<Item = f64> + '_ {
    let n = row.len();
    row.iter()
        .enumerate()
        .flat_map(move |(i, &(m, g))| [Some(m), (i + 1 < n).then_some(g)])
        .flatten()
}

/// Half-bit count (1 or 2) of a width under half-bit `t`, or `None` when it is neither.
fn halves(w: f64, t: f64) -> Option<u8> {
    let r = w / t;
    if (1.0 - TOL..1.5).contains(&r) {
        Some(1)
    } else if (1.5..=2.0 * (1.0 + TOL)).contains(&r) {
        Some(2)
    } else {
        None
    }
}

/// Manchester (G. E. Thomas, rtl_433 zero-bit convention) with half-bit `t`.
pub fn manchester(row: &[(f64, f64)], t: f64) -> Sliced {
    let mut s = Sliced {
        bits: vec![false],
        ..Sliced::default()
    };
    let mut since = 0.0; // time since the last mid-bit edge
    let mut rising = false; // the edge at the end of the current width
    for w in levels(row) {
        s.total += 1;
        since += w;
        let ok = halves(w, t).is_some();
        let mut edge_ok = true;
        if since > 1.5 * t {
            // A mid-bit edge: a falling edge ends a mark, a rising edge ends a gap.
            edge_ok = since <= 2.0 * t * (1.0 + TOL);
            s.bits.push(!rising);
            since = 0.0;
        }
        if ok && edge_ok {
            s.fit += 1;
        }
        rising = !rising;
    }
    s
}

/// Differential Manchester (rtl_433 meaning) with half-bit `t`.
pub fn dmc(row: &[(f64, f64)], t: f64) -> Sliced {
    let w: Vec<Option<u8>> = levels(row).map(|w| halves(w, t)).collect();
    let mut s = Sliced::default();
    let mut i = 0;
    while i < w.len() {
        s.total += 1;
        match (w[i], w.get(i + 1).copied()) {
            (Some(2), _) => {
                s.bits.push(false);
                s.fit += 1;
                i += 1;
            }
            (Some(1), Some(Some(1))) => {
                s.bits.push(true);
                s.fit += 2;
                s.total += 1;
                i += 2;
            }
            (Some(1), None) => {
                // A last short mark: its second half merges into the row gap.
                s.bits.push(true);
                s.fit += 1;
                i += 1;
            }
            (Some(1), Some(Some(2))) => {
                s.violations += 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    s
}

/// PCM with bit time `t`; return-to-zero when `rz_mark` gives the (shorter) mark width.
pub fn pcm(row: &[(f64, f64)], t: f64, rz_mark: Option<f64>) -> Sliced {
    let mut s = Sliced::default();
    // Long runs accumulate jitter: allow a tenth of the run, at least `TOL` of one bit.
    let units = |w: f64| -> Option<usize> {
        let k = (w / t).round();
        if !(1.0..=PCM_MAX_RUN).contains(&k) {
            return None;
        }
        ((w - k * t).abs() <= (TOL * t).max(0.1 * k * t)).then_some(k as usize)
    };
    let n = row.len();
    for (i, &(m, g)) in row.iter().enumerate() {
        let last = i + 1 == n;
        match rz_mark {
            Some(mw) => {
                s.total += 1;
                let mark_ok = near(m, mw);
                if last {
                    s.bits.push(true);
                    s.fit += usize::from(mark_ok);
                    continue;
                }
                match units(m + g) {
                    Some(k) => {
                        s.bits.push(true);
                        s.bits.extend(std::iter::repeat_n(false, k - 1));
                        s.fit += usize::from(mark_ok);
                    }
                    None => s.bits.push(true),
                }
            }
            None => {
                s.total += 1;
                if let Some(k) = units(m) {
                    s.bits.extend(std::iter::repeat_n(true, k));
                    s.fit += 1;
                }
                if !last {
                    s.total += 1;
                    if let Some(k) = units(g) {
                        s.bits.extend(std::iter::repeat_n(false, k));
                        s.fit += 1;
                    }
                }
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(s: &str) -> Vec<bool> {
        s.chars().map(|c| c == '1').collect()
    }

    #[test]
    fn pwm_short_mark_is_one() {
        let row = [(100.0, 200.0), (200.0, 100.0), (100.0, 1000.0)];
        let s = pwm(&row, 100.0, 200.0, PwmGap::Period(300.0));
        assert_eq!(s.bits, bits("101"));
        assert_eq!((s.fit, s.total), (3, 3));
    }

    #[test]
    fn ppm_long_gap_is_one() {
        let row = [(50.0, 100.0), (50.0, 200.0), (50.0, 100.0), (50.0, 5000.0)];
        let s = ppm(&row, 50.0, 100.0, 200.0);
        assert_eq!(s.bits, bits("010"));
        assert_eq!(s.fit, 4);
    }

    #[test]
    fn manchester_zero_bit_convention() {
        // Edges at 0 (rise), 1, 2 (rise), 4 (fall), 6 (rise), 7 half-bits: mid-bit edges at 0, 2,
        // 4, 6 decode 0, 0, 1, 0 (G. E. Thomas: rising = 0, falling = 1).
        let row = [(100.0, 100.0), (200.0, 200.0), (100.0, 0.0)];
        let s = manchester(&row, 100.0);
        assert_eq!(s.bits, bits("0010"));
        assert_eq!(s.fit, s.total);
        // A 3-half-bit spacing between mid-bit edges is a violation.
        let bad = [(100.0, 200.0), (200.0, 100.0), (100.0, 0.0)];
        let s = manchester(&bad, 100.0);
        assert!(s.fit < s.total);
    }

    #[test]
    fn dmc_pairs_and_wholes() {
        // 1T 1T | 2T | 2T | 1T 1T | 1T -> 1 0 0 1 1
        let row = [(100.0, 100.0), (200.0, 200.0), (100.0, 100.0), (100.0, 0.0)];
        let s = dmc(&row, 100.0);
        assert_eq!(s.bits, bits("10011"));
        assert_eq!(s.fit, s.total);
    }

    #[test]
    fn pcm_nrz_and_rz() {
        let row = [(200.0, 100.0), (100.0, 300.0), (100.0, 0.0)];
        assert_eq!(pcm(&row, 100.0, None).bits, bits("11010001"));
        let rz = [(50.0, 150.0), (50.0, 350.0), (50.0, 0.0)];
        assert_eq!(pcm(&rz, 200.0, Some(50.0)).bits, bits("1101"));
    }
}
