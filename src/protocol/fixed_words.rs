//! Finds fixed-code words (PT2262 and EV1527 share one on-air shape) in a pulse train.
//!
//! Both chips send 24 PWM pulses of one period P (short mark P/4, long mark 3P/4) and a sync
//! pulse: a short mark followed by a space of 31 short units (PT2262 datasheet: 4 α mark,
//! 124 α space; EV1527 datasheet: 1 Te mark, 31 Te space). Splitting the train at the sync
//! spaces therefore yields segments of 24 data pulses plus the sync pulse, whichever chip sent
//! them; the last word of a train may end without its sync. Every data pulse is checked
//! against the word's own period before a word is claimed.

use crate::pulse::{Pulse, PulseTrain};

/// One fixed-code word found in a train.
#[derive(Clone, Debug, PartialEq)]
pub struct FixedWord {
    /// The 24 PWM bits (long mark = `true`), in the order sent.
    pub bits: [bool; 24],
    /// Mean data-pulse period, µs.
    pub period_us: f64,
    /// Sync space in short units (31 nominal), when the word ended with a sync.
    pub sync_units: Option<f64>,
    /// Index of the word's first pulse in the train.
    pub first_pulse: usize,
}

/// Sync space accepted, in short units (31 nominal).
const SYNC_UNITS: (f64, f64) = (18.0, 48.0);

/// The typical pulse period (median of mark + space): the data period P, since data pulses
/// outnumber sync pulses 24 to 1.
fn typical_period(pulses: &[Pulse]) -> Option<f64> {
    if pulses.len() < 24 {
        return None;
    }
    let mut periods: Vec<f32> = pulses.iter().map(|p| p.high_us + p.low_us).collect();
    periods.sort_by(f32::total_cmp);
    let u = periods[periods.len() / 2] as f64;
    (u > 0.0).then_some(u)
}

fn read_word(data: &[Pulse], last_of_train: bool) -> Option<([bool; 24], f64)> {
    debug_assert_eq!(data.len(), 24);
    // Period from the pulses whose space is known (all but a final one at the train's end).
    let known = if last_of_train { &data[..23] } else { data };
    let mut periods: Vec<f64> = known
        .iter()
        .map(|p| (p.high_us + p.low_us) as f64)
        .collect();
    periods.sort_by(f64::total_cmp);
    let period = periods[periods.len() / 2];
    if period <= 0.0 {
        return None;
    }
    let mut bits = [false; 24];
    for (i, p) in data.iter().enumerate() {
        let duty = p.high_us as f64 / period;
        bits[i] = if (0.12..0.42).contains(&duty) {
            false
        } else if (0.58..0.9).contains(&duty) {
            true
        } else {
            return None;
        };
        let space_known = !(last_of_train && i == 23);
        if space_known {
            let per = (p.high_us + p.low_us) as f64 / period;
            if !(0.8..=1.2).contains(&per) {
                return None;
            }
        }
    }
    Some((bits, period))
}

/// Every fixed-code word of the train, in time order.
pub fn find_words(train: &PulseTrain) -> Vec<FixedWord> {
    let pulses = &train.pulses;
    let Some(period) = typical_period(pulses) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut seg_start = 0;
    for (i, p) in pulses.iter().enumerate() {
        // A sync space is 31 short units = 7.75 P; data spaces are at most 0.75 P.
        let is_sync = p.low_us as f64 > 3.0 * period;
        let end_of_train = i + 1 == pulses.len();
        if !is_sync && !end_of_train {
            continue;
        }
        let seg = &pulses[seg_start..=i];
        seg_start = i + 1;
        let (data, sync_low, last_of_train) = if seg.len() == 25 {
            // 24 data pulses and the sync pulse (its space may be the train's end).
            (&seg[..24], Some(seg[24].low_us as f64), false)
        } else if seg.len() == 24 && end_of_train {
            // The train's last word, without its sync: its last space is the silence after the
            // train, however long (a press that opens with a sync ends this way).
            (seg, None, true)
        } else {
            continue;
        };
        let Some((bits, period)) = read_word(data, last_of_train) else {
            continue;
        };
        let short = period / 4.0;
        let mut sync_units = None;
        if let Some(low) = sync_low {
            let sync_high = seg[24].high_us as f64 / period;
            if !(0.12..0.42).contains(&sync_high) {
                continue;
            }
            if low > 0.0 {
                let units = low / short;
                if !(SYNC_UNITS.0..=SYNC_UNITS.1).contains(&units) {
                    // The space after the last sync of a train is the silence that follows it.
                    if !end_of_train {
                        continue;
                    }
                } else {
                    sync_units = Some(units);
                }
            }
        }
        out.push(FixedWord {
            bits,
            period_us: period,
            sync_units,
            first_pulse: i + 1 - seg.len(),
        });
    }
    out
}

/// Groups consecutive identical words: (word, count).
pub fn group(words: Vec<FixedWord>) -> Vec<(FixedWord, u32)> {
    let mut out: Vec<(FixedWord, u32)> = Vec::new();
    for w in words {
        if let Some((last, n)) = out.last_mut()
            && last.bits == w.bits
        {
            *n += 1;
            continue;
        }
        out.push((w, 1));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(high_us: f32, low_us: f32) -> Pulse {
        Pulse { high_us, low_us }
    }

    #[test]
    fn every_word_of_a_press_that_opens_with_its_sync_is_found() {
        // EV1527 as sent sync first: sync, 24 bits, sync, 24 bits, ...; the last word ends in
        // the silence after the press.
        let te = 300.0;
        let bits: Vec<bool> = (0..24).map(|i| i % 3 == 0).collect();
        let mut pulses = Vec::new();
        for _ in 0..4 {
            pulses.push(p(te, 31.0 * te));
            for &b in &bits {
                let h = if b { 3.0 * te } else { te };
                pulses.push(p(h, 4.0 * te - h));
            }
        }
        pulses.last_mut().unwrap().low_us = 200_000.0;
        let train = PulseTrain {
            start_s: 0.0,
            pulses,
        };
        let words = find_words(&train);
        assert_eq!(words.len(), 4, "{words:#?}");
        assert!(words.iter().all(|w| w.bits.to_vec() == bits));
    }
}
