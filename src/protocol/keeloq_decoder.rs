//! KeeLoq HCS200/300/301 code words read straight from a pulse train.
//!
//! The on-air structure (Microchip DS21143 "HCS301" section 3.2, DS21137 "HCS300"): a preamble
//! of 12 marks at 50 % duty (23 Te), a header of 10 Te of silence, then 66 PWM bits of 3 Te
//! each (1 Te mark then 2 Te space = `1`, 2 Te mark then 1 Te space = `0`), then a guard time
//! of 39 Te before the next word. The decoder measures Te on the preamble itself, so it does not
//! depend on the pulse analyzer's clustering, and checks every bit period against that Te
//! before it claims a word. A first preamble mark lost to receiver settling is tolerated (9 of
//! the 12 marks are enough), and so is ±35 % jitter on each edge.

use serde_json::{Map, Value, json};

use super::DecodedFrame;
use super::keeloq::{CODE_BITS, KeeloqWord, NOMINAL_TE_US, PREAMBLE_MARKS, TE_RANGE_US};
use crate::pulse::{Pulse, PulseTrain};

/// Protocol name used in reports.
pub const PROTOCOL: &str = "KeeLoq";

/// Fewest preamble marks accepted (12 sent; the first ones may be lost to AGC settling).
const MIN_PREAMBLE_MARKS: usize = 9;
/// Te values the decoder will consider at all, µs (wider than the chip's 260–660 µs range, so
/// that a drifting oscillator is still decoded and then reported).
const TE_SEARCH_US: (f64, f64) = (120.0, 1200.0);
/// Header silence accepted, in Te (10 Te nominal).
const HEADER_TE_RANGE: (f64, f64) = (6.0, 16.0);

/// One code word (or the start of one) found in a pulse train.
#[derive(Clone, Debug, PartialEq)]
pub struct KeeloqCapture {
    /// The bits received, in the order sent (66 for a complete word).
    pub bits: Vec<bool>,
    /// The decoded word, when all 66 bits arrived.
    pub word: Option<KeeloqWord>,
    /// Te measured on the preamble, µs.
    pub te_us: f64,
    /// Preamble marks seen (12 sent).
    pub preamble_marks: usize,
    /// Index of the first preamble pulse in the train.
    pub first_pulse: usize,
}

impl KeeloqCapture {
    /// True when all 66 bits were received.
    pub fn complete(&self) -> bool {
        self.word.is_some()
    }
}

fn near(value: f64, target: f64, tol: f64) -> bool {
    (value - target).abs() <= tol * target
}

/// Checks for a preamble starting at `start`: a run of 50 %-duty pulses whose last space is
/// the header. On success: (marks, Te). On failure: how many pulses may be skipped (the length
/// of the run examined), so that a long run is not rescanned from every position.
fn preamble_at(pulses: &[Pulse], start: usize) -> Result<(usize, f64), usize> {
    let first = pulses[start];
    let mut te = (first.high_us as f64 + first.low_us as f64) / 2.0;
    if !(TE_SEARCH_US.0..=TE_SEARCH_US.1).contains(&te) {
        return Err(1);
    }
    let mut sum = 0.0;
    let mut n = 0usize;
    for p in &pulses[start..] {
        let (h, l) = (p.high_us as f64, p.low_us as f64);
        if !near(h, te, 0.4) {
            return Err(n.max(1));
        }
        if near(l, te, 0.4) {
            sum += h + l;
            n += 1;
            te = sum / (2 * n) as f64;
            continue;
        }
        // This mark ends the preamble: its space must be the header.
        let marks = n + 1;
        let header = l / te;
        if (MIN_PREAMBLE_MARKS..=PREAMBLE_MARKS + 1).contains(&marks)
            && (HEADER_TE_RANGE.0..=HEADER_TE_RANGE.1).contains(&header)
        {
            return Ok((marks, te));
        }
        return Err(marks);
    }
    Err(n.max(1))
}

/// Reads up to 66 PWM bits starting at pulse `from`; stops at the first pulse that is not a
/// 3 Te bit period.
fn read_bits(pulses: &[Pulse], from: usize, te: f64) -> Vec<bool> {
    let mut bits = Vec::with_capacity(CODE_BITS);
    for (k, p) in pulses[from..].iter().enumerate() {
        if bits.len() == CODE_BITS {
            break;
        }
        let (h, l) = (p.high_us as f64 / te, p.low_us as f64 / te);
        let bit = if (0.5..1.5).contains(&h) {
            true
        } else if (1.5..2.7).contains(&h) {
            false
        } else {
            break;
        };
        bits.push(bit);
        let last_of_train = from + k + 1 == pulses.len();
        let last_of_word = bits.len() == CODE_BITS;
        // The space after the 66th bit is the guard time; after the last pulse of a train it is
        // unknown. Every other bit period must be about 3 Te.
        if last_of_word || last_of_train {
            continue;
        }
        if !(2.0..=4.0).contains(&(h + l)) {
            break;
        }
    }
    bits
}

/// Finds every KeeLoq code word in a pulse train, complete or cut short, in time order.
pub fn find_words(train: &PulseTrain) -> Vec<KeeloqCapture> {
    let pulses = &train.pulses;
    let mut out = Vec::new();
    let mut i = 0;
    while i < pulses.len() {
        let (marks, te) = match preamble_at(pulses, i) {
            Ok(found) => found,
            Err(skip) => {
                i += skip;
                continue;
            }
        };
        let data_start = i + marks;
        let bits = if data_start < pulses.len() {
            read_bits(pulses, data_start, te)
        } else {
            Vec::new()
        };
        let word = KeeloqWord::from_bits(&bits);
        let consumed = marks + bits.len();
        out.push(KeeloqCapture {
            bits,
            word,
            te_us: te,
            preamble_marks: marks,
            first_pulse: i,
        });
        i += consumed.max(1);
    }
    out
}

/// Names of the buttons set in a button field (bit k = input Sk).
pub fn pressed_buttons(buttons: u8) -> Vec<String> {
    (0..4)
        .filter(|k| (buttons >> k) & 1 == 1)
        .map(|k| format!("S{k}"))
        .collect()
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The report fields of one capture.
pub fn fields(c: &KeeloqCapture) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("chip".into(), json!("HCS200/HCS300/HCS301"));
    m.insert("complete".into(), json!(c.complete()));
    m.insert("bits_received".into(), json!(c.bits.len()));
    m.insert("te_us".into(), json!(round1(c.te_us)));
    m.insert("te_nominal_us".into(), json!(NOMINAL_TE_US));
    m.insert(
        "te_in_range".into(),
        json!((TE_RANGE_US.0..=TE_RANGE_US.1).contains(&c.te_us)),
    );
    m.insert("preamble_marks".into(), json!(c.preamble_marks));
    if let Some(w) = c.word {
        m.insert("hopping_code".into(), json!(format!("{:08X}", w.hopping)));
        m.insert("hopping_code_encrypted".into(), json!(true));
        m.insert("serial".into(), json!(format!("{:07X}", w.serial)));
        let sent: String = [3u8, 0, 1, 2]
            .iter()
            .map(|&s| if (w.buttons >> s) & 1 == 1 { '1' } else { '0' })
            .collect();
        m.insert("buttons".into(), json!(sent));
        m.insert("buttons_order".into(), json!("S3 S0 S1 S2"));
        m.insert("buttons_pressed".into(), json!(pressed_buttons(w.buttons)));
        m.insert("battery_low".into(), json!(w.battery_low));
        m.insert("repeat".into(), json!(w.repeat));
    } else if c.bits.len() >= 60 {
        // The serial is whole even when the status bits were lost.
        let serial = (0..28).fold(0u32, |acc, i| acc | (u32::from(c.bits[32 + i]) << i));
        m.insert("serial".into(), json!(format!("{serial:07X}")));
    }
    m
}

/// True when two captures are the same code word sent again (all bits equal except RPT, which
/// the chip may set on the words that follow the first while the button is held).
fn same_word(a: &KeeloqCapture, b: &KeeloqCapture) -> bool {
    match (a.word, b.word) {
        (Some(x), Some(y)) => {
            x.hopping == y.hopping
                && x.serial == y.serial
                && x.buttons == y.buttons
                && x.battery_low == y.battery_low
        }
        _ => false,
    }
}

/// Decodes the KeeLoq code words of a train: consecutive identical words become one frame
/// with `repeats` = their count; words that differ (or were cut short) stay separate.
pub fn decode(train: &PulseTrain) -> Vec<DecodedFrame> {
    let words = find_words(train);
    let mut out: Vec<(KeeloqCapture, u32, bool)> = Vec::new();
    for w in words {
        if let Some((last, n, any_rpt)) = out.last_mut()
            && same_word(last, &w)
        {
            *n += 1;
            *any_rpt |= w.word.is_some_and(|x| x.repeat);
            continue;
        }
        let rpt = w.word.is_some_and(|x| x.repeat);
        out.push((w, 1, rpt));
    }
    out.into_iter()
        .map(|(c, n, rpt)| {
            let mut f = fields(&c);
            if c.complete() {
                f.insert("repeat".into(), json!(rpt));
            }
            DecodedFrame {
                protocol: PROTOCOL.into(),
                bits: c.bits,
                fields: f,
                repeats: n,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word_pulses(w: &KeeloqWord, te: f32, marks: usize) -> Vec<Pulse> {
        let mut p = Vec::new();
        for i in 0..marks {
            let low = if i + 1 == marks { 10.0 * te } else { te };
            p.push(Pulse {
                high_us: te,
                low_us: low,
            });
        }
        for b in w.to_bits() {
            let (h, l) = if b { (te, 2.0 * te) } else { (2.0 * te, te) };
            p.push(Pulse {
                high_us: h,
                low_us: l,
            });
        }
        p.last_mut().unwrap().low_us = 39.0 * te;
        p
    }

    const W: KeeloqWord = KeeloqWord {
        hopping: 0x1234_5678,
        serial: 0x0AB_CDEF,
        buttons: 0b0010,
        battery_low: false,
        repeat: false,
    };

    #[test]
    fn decodes_a_clean_word() {
        let train = PulseTrain {
            start_s: 0.0,
            pulses: word_pulses(&W, 400.0, 12),
        };
        let words = find_words(&train);
        assert_eq!(words.len(), 1);
        assert_eq!(words[0].word, Some(W));
        assert!((words[0].te_us - 400.0).abs() < 1.0);
        assert_eq!(words[0].preamble_marks, 12);
    }

    #[test]
    fn tolerates_a_lost_first_mark_and_counts_repeats() {
        let mut pulses = word_pulses(&W, 380.0, 11);
        pulses.extend(word_pulses(&W, 380.0, 12));
        let frames = decode(&PulseTrain {
            start_s: 0.0,
            pulses,
        });
        assert_eq!(frames.len(), 1);
        assert_eq!(frames[0].repeats, 2);
        assert_eq!(frames[0].fields["serial"], "0ABCDEF");
        assert_eq!(frames[0].fields["buttons_pressed"], json!(["S1"]));
    }

    #[test]
    fn a_word_cut_short_is_reported_incomplete() {
        let mut pulses = word_pulses(&W, 400.0, 12);
        pulses.truncate(12 + 40);
        pulses.last_mut().unwrap().low_us = 0.0;
        let frames = decode(&PulseTrain {
            start_s: 0.0,
            pulses,
        });
        assert_eq!(frames.len(), 1);
        assert_eq!(frames[0].fields["complete"], false);
        assert_eq!(frames[0].fields["bits_received"], 40);
    }

    #[test]
    fn ignores_a_plain_50_percent_run_without_header() {
        let pulses = vec![
            Pulse {
                high_us: 400.0,
                low_us: 400.0
            };
            40
        ];
        assert!(
            find_words(&PulseTrain {
                start_s: 0.0,
                pulses
            })
            .is_empty()
        );
    }
}
