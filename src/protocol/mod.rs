//! Frame decoders: known key-fob formats recognised on top of pulses and bits.
//!
//! Each decoder checks its own structure (preamble, header, length, timing ratios) before
//! claiming a frame, working from the pulses themselves rather than trusting the pulse
//! analyzer; anything unrecognised stays as plain bits (see [`frames`]).

pub mod ev1527;
pub mod fixed_code;
pub mod fixed_words;
pub mod keeloq;
pub mod keeloq_decoder;
pub mod pt2262;

use crate::model::Frame;
use crate::pulse::{PulseAnalysis, PulseTrain, Row};

/// A frame that a decoder recognised.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodedFrame {
    /// Protocol name (`KeeLoq`, `PT2262`, `EV1527`, ...).
    pub protocol: String,
    /// The frame's bits in the order sent.
    pub bits: Vec<bool>,
    /// Decoded fields for the report.
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// How many consecutive copies of the frame the transmission held.
    pub repeats: u32,
}

impl DecodedFrame {
    /// The frame as it appears in a report.
    pub fn to_frame(&self) -> Frame {
        let row = Row {
            bits: self.bits.clone(),
            repeats: self.repeats,
            first_pulse: 0,
            pulse_count: 0,
            uncertain: Vec::new(),
            inferred: 0,
        };
        Frame {
            bits: row.bit_string(),
            hex: row.hex(),
            protocol: Some(self.protocol.clone()),
            fields: self.fields.clone(),
            repeats: self.repeats,
        }
    }
}

/// Runs every decoder on one transmission: KeeLoq first, then the fixed-code formats (a word
/// whose bit pairs are all valid tri-state digits is reported as PT2262, otherwise EV1527).
///
/// The analysis is not needed by the current decoders, which measure timing on the pulses
/// themselves; it is part of the signature for decoders that work on sliced rows.
pub fn decode(train: &PulseTrain, _analysis: &PulseAnalysis) -> Vec<DecodedFrame> {
    let mut out = keeloq_decoder::decode(train);
    if !out.is_empty() {
        return out;
    }
    for (word, n) in fixed_words::group(fixed_words::find_words(train)) {
        if let Some(f) = pt2262::frame(&word, n).or_else(|| ev1527::frame(&word, n)) {
            out.push(f);
        }
    }
    out
}

/// The frames of one transmission for the report: the decoded frames when a decoder
/// recognised the transmission, otherwise the analyzer's rows as plain bits.
pub fn frames(train: &PulseTrain, analysis: &PulseAnalysis) -> Vec<Frame> {
    let decoded = decode(train, analysis);
    if !decoded.is_empty() {
        return decoded.iter().map(DecodedFrame::to_frame).collect();
    }
    analysis
        .rows
        .iter()
        .filter(|r| !r.bits.is_empty())
        .map(|r| {
            let mut fields = serde_json::Map::new();
            if r.inferred > 0 {
                fields.insert("bits_inferred".into(), r.inferred.into());
            }
            if !r.uncertain.is_empty() {
                fields.insert("bits_uncertain".into(), r.uncertain.clone().into());
            }
            Frame {
                bits: r.bit_string(),
                hex: r.hex(),
                protocol: None,
                fields,
                repeats: r.repeats,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::fixed_code::{Trit, ev1527_bits, pt2262_bits};
    use super::*;
    use crate::pulse::Pulse;

    fn empty_analysis() -> PulseAnalysis {
        PulseAnalysis::unknown()
    }

    fn fixed_train(bits: &[bool; 24], unit: f32, words: usize) -> PulseTrain {
        let mut pulses = Vec::new();
        for _ in 0..words {
            for &b in bits {
                let (h, l) = if b {
                    (3.0 * unit, unit)
                } else {
                    (unit, 3.0 * unit)
                };
                pulses.push(Pulse {
                    high_us: h,
                    low_us: l,
                });
            }
            pulses.push(Pulse {
                high_us: unit,
                low_us: 31.0 * unit,
            });
        }
        pulses.last_mut().unwrap().low_us = 0.0;
        PulseTrain {
            start_s: 0.0,
            pulses,
        }
    }

    #[test]
    fn pt2262_word_decodes_with_repeats() {
        let code = "0F0F1100FF01";
        let trits: Vec<Trit> = code
            .chars()
            .map(|c| Trit::from_symbol(c).unwrap())
            .collect();
        let bits = pt2262_bits(&trits.try_into().unwrap());
        let frames = decode(&fixed_train(&bits, 350.0, 5), &empty_analysis());
        assert_eq!(frames.len(), 1);
        assert_eq!(frames[0].protocol, "PT2262");
        assert_eq!(frames[0].fields["code"], code);
        assert_eq!(frames[0].fields["address"], "0F0F1100");
        assert_eq!(frames[0].fields["data"], "FF01");
        assert_eq!(frames[0].repeats, 5);
    }

    #[test]
    fn ev1527_word_with_invalid_tristate_pairs() {
        let bits = ev1527_bits(0xA5C3E, 0x9);
        let frames = decode(&fixed_train(&bits, 300.0, 3), &empty_analysis());
        assert_eq!(frames.len(), 1);
        assert_eq!(frames[0].protocol, "EV1527");
        assert_eq!(frames[0].fields["address"], "A5C3E");
        assert_eq!(frames[0].fields["data"], "1001");
        assert_eq!(frames[0].repeats, 3);
    }

    #[test]
    fn unknown_rows_pass_through_as_bits() {
        let mut a = empty_analysis();
        a.rows.push(Row {
            bits: vec![true, false, true, true],
            repeats: 3,
            first_pulse: 0,
            pulse_count: 4,
            uncertain: Vec::new(),
            inferred: 0,
        });
        let train = PulseTrain {
            start_s: 0.0,
            pulses: vec![
                Pulse {
                    high_us: 500.0,
                    low_us: 500.0
                };
                4
            ],
        };
        let f = frames(&train, &a);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].bits, "1011");
        assert_eq!(f[0].hex, "b");
        assert_eq!(f[0].protocol, None);
        assert_eq!(f[0].repeats, 3);
    }
}
