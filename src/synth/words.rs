//! Key-fob code words on air: KeeLoq HCS300/301, PT2262, EV1527 and generic line-coded words,
//! and a *press* (a word repeated while the button is held).
//!
//! The bit layouts come from [`crate::protocol::keeloq`] and [`crate::protocol::fixed_code`];
//! this module adds only the timing:
//!
//! - KeeLoq (Microchip DS21143 HCS301, DS21137 HCS300): preamble of 12 marks of 1 Te at 50 %
//!   duty (23 Te), header of 10 Te silence, 66 PWM bits of 3 Te (short mark = 1), guard 39 Te:
//!   270 Te per code word.
//! - PT2262 (Princeton PT2262 datasheet): 24 PWM half-bits of 16 α (4 α / 12 α marks, short =
//!   0), then the sync: 4 α mark and 124 α space; 512 α per word.
//! - EV1527 (EV1527 datasheet): 1 Te mark and 31 Te space, then 24 bits of 4 Te (1 Te / 3 Te
//!   marks, short = 0); 128 Te per word.

use crate::protocol::fixed_code::{PT2262_TRITS, Trit, ev1527_bits, pt2262_bits};
use crate::protocol::keeloq::{GUARD_TE, HEADER_TE, KeeloqWord, PREAMBLE_MARKS};

use super::linecode::{Envelope, LineCode, encode, pwm_into};

/// A button press: the keying program and which words it holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Press {
    /// The keying program of the whole press.
    pub envelope: Envelope,
    /// The bits of each word, in the order sent.
    pub words: Vec<Vec<bool>>,
    /// Time at which each word (including its trailing gap) ends, µs from the press start.
    pub word_ends_us: Vec<f64>,
    /// Symbol time, µs (α for PT2262).
    pub te_us: f64,
    /// Protocol name (`KeeLoq`, `PT2262`, `EV1527`, or the line code).
    pub protocol: String,
    /// True when the press was cut short (see [`Press::truncated_at`]).
    pub truncated: bool,
}

impl Press {
    /// An empty press with a name and symbol time.
    pub fn new(protocol: &str, te_us: f64) -> Self {
        Press {
            protocol: protocol.to_string(),
            te_us,
            ..Press::default()
        }
    }

    /// Appends one word's program and its bits.
    pub fn push_word(&mut self, program: &Envelope, bits: &[bool]) {
        self.envelope.append(program);
        self.words.push(bits.to_vec());
        self.word_ends_us.push(self.envelope.duration_us());
    }

    /// Total duration, µs.
    pub fn duration_us(&self) -> f64 {
        self.envelope.duration_us()
    }

    /// The press with every duration multiplied by `factor` (oscillator drift).
    pub fn scaled(&self, factor: f64) -> Press {
        Press {
            envelope: self.envelope.scaled(factor),
            word_ends_us: self.word_ends_us.iter().map(|t| t * factor).collect(),
            te_us: self.te_us * factor,
            ..self.clone()
        }
    }

    /// The press with Te drifting linearly through it: a segment is scaled by `start_factor`
    /// at the start of the press and by `end_factor` at its end (interpolated at the segment's
    /// middle), as an RC oscillator whose supply sags while it transmits.
    pub fn warped(&self, start_factor: f64, end_factor: f64) -> Press {
        let total = self.duration_us();
        if total <= 0.0 {
            return self.clone();
        }
        let mut envelope = Envelope::new();
        let mut word_ends_us = Vec::with_capacity(self.word_ends_us.len());
        let mut ends = self.word_ends_us.iter().peekable();
        let (mut t, mut t_new) = (0.0, 0.0);
        for s in self.envelope.segments() {
            let mid = (t + s.duration_us / 2.0) / total;
            let d = s.duration_us * (start_factor + (end_factor - start_factor) * mid);
            envelope.push(s.level, d);
            t += s.duration_us;
            t_new += d;
            while let Some(&&e) = ends.peek() {
                if e <= t + 1e-9 {
                    word_ends_us.push(t_new);
                    ends.next();
                } else {
                    break;
                }
            }
        }
        Press {
            envelope,
            word_ends_us,
            ..self.clone()
        }
    }

    /// The press stopped at `at_us`: words that did not end before the cut are dropped from
    /// [`Press::words`] (the truncated tail stays in the program). No-op when `at_us` is past
    /// the end.
    pub fn truncated_at(&self, at_us: f64) -> Press {
        if at_us >= self.duration_us() {
            return self.clone();
        }
        let keep = self.word_ends_us.iter().filter(|&&t| t <= at_us).count();
        Press {
            envelope: self.envelope.truncated(at_us),
            words: self.words[..keep].to_vec(),
            word_ends_us: self.word_ends_us[..keep].to_vec(),
            truncated: true,
            ..self.clone()
        }
    }

    /// The press stopped after a fraction (0..1) of its duration.
    pub fn truncated_fraction(&self, fraction: f64) -> Press {
        self.truncated_at(fraction.clamp(0.0, 1.0) * self.duration_us())
    }

    /// The press keeping only its first `n` words.
    pub fn first_words(&self, n: usize) -> Press {
        match self.word_ends_us.get(n.wrapping_sub(1)) {
            _ if n == 0 => self.truncated_at(0.0),
            Some(&t) if n < self.words.len() => self.truncated_at(t),
            _ => self.clone(),
        }
    }
}

/// The program of one KeeLoq code word, guard time included: (23 + 10 + 66·3 + 39) Te.
pub fn keeloq_word(word: &KeeloqWord, te_us: f64) -> Envelope {
    let mut e = Envelope::new();
    for i in 0..PREAMBLE_MARKS {
        e.mark(te_us);
        if i + 1 < PREAMBLE_MARKS {
            e.space(te_us);
        }
    }
    e.space(HEADER_TE * te_us);
    // Each bit: 1 Te carrier, 1 Te carrier for 0 / silence for 1, 1 Te silence.
    pwm_into(
        &mut e,
        &word.to_bits(),
        te_us,
        2.0 * te_us,
        3.0 * te_us,
        true,
    );
    e.space(GUARD_TE * te_us);
    e
}

/// A KeeLoq press: `repeats` copies of `word` (at least one), each with its guard time.
pub fn keeloq_press(word: &KeeloqWord, te_us: f64, repeats: usize) -> Press {
    let mut p = Press::new("KeeLoq", te_us);
    let program = keeloq_word(word, te_us);
    let bits = word.to_bits();
    for _ in 0..repeats.max(1) {
        p.push_word(&program, &bits);
    }
    p
}

/// Sync after a PT2262 word: mark and space, in α.
pub const PT2262_SYNC_ALPHA: (f64, f64) = (4.0, 124.0);

/// The program of one PT2262 word with its sync: 12·32 α + 128 α.
pub fn pt2262_word(trits: &[Trit; PT2262_TRITS], alpha_us: f64) -> Envelope {
    let mut e = Envelope::new();
    pwm_into(
        &mut e,
        &pt2262_bits(trits),
        4.0 * alpha_us,
        12.0 * alpha_us,
        16.0 * alpha_us,
        false,
    );
    e.mark(PT2262_SYNC_ALPHA.0 * alpha_us);
    e.space(PT2262_SYNC_ALPHA.1 * alpha_us);
    e
}

/// A PT2262 press: `repeats` words (a real encoder sends at least 4 while the key is held).
pub fn pt2262_press(trits: &[Trit; PT2262_TRITS], alpha_us: f64, repeats: usize) -> Press {
    let mut p = Press::new("PT2262", alpha_us);
    let program = pt2262_word(trits, alpha_us);
    let bits = pt2262_bits(trits);
    for _ in 0..repeats.max(1) {
        p.push_word(&program, &bits);
    }
    p
}

/// The program of one EV1527 word: 1 Te mark, 31 Te space, 24 bits of 4 Te (128 Te).
pub fn ev1527_word(address: u32, data: u8, te_us: f64) -> Envelope {
    let mut e = Envelope::new();
    e.mark(te_us);
    e.space(31.0 * te_us);
    pwm_into(
        &mut e,
        &ev1527_bits(address, data),
        te_us,
        3.0 * te_us,
        4.0 * te_us,
        false,
    );
    e
}

/// An EV1527 press: `repeats` words back to back.
pub fn ev1527_press(address: u32, data: u8, te_us: f64, repeats: usize) -> Press {
    let mut p = Press::new("EV1527", te_us);
    let program = ev1527_word(address, data, te_us);
    let bits = ev1527_bits(address, data);
    for _ in 0..repeats.max(1) {
        p.push_word(&program, &bits);
    }
    p
}

/// A press of arbitrary bits in a line code: `repeats` words, each followed by `gap_us` of
/// silence (the lower tone in FSK).
pub fn coded_press(
    bits: &[bool],
    code: LineCode,
    te_us: f64,
    repeats: usize,
    gap_us: f64,
) -> Press {
    let mut p = Press::new(code.name(), te_us);
    let mut program = encode(bits, code, te_us);
    program.space(gap_us);
    for _ in 0..repeats.max(1) {
        p.push_word(&program, bits);
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::fixed_code::pt2262_from_bits;

    fn kw() -> KeeloqWord {
        KeeloqWord {
            hopping: 0x1234_5678,
            serial: 0x0AB_CDEF,
            buttons: 0b0010,
            battery_low: false,
            repeat: false,
        }
    }

    #[test]
    fn keeloq_word_timing() {
        let te = 400.0;
        let e = keeloq_word(&kw(), te);
        assert!((e.duration_us() - (23.0 + 10.0 + 66.0 * 3.0 + 39.0) * te).abs() < 1e-6);
        // 12 preamble marks + 66 bit marks.
        assert_eq!(e.marks(), 12 + 66);
        let p = e.pulses();
        // Preamble: 11 marks of 1 Te at 50 %, the 12th followed by the 10 Te header.
        assert!(p[..11].iter().all(|&(h, l)| h == te && l == te));
        assert_eq!(p[11], (te, 10.0 * te));
        // The bits: short mark = 1.
        let bits = kw().to_bits();
        for (i, &b) in bits.iter().enumerate() {
            let (h, l) = p[12 + i];
            assert_eq!(h, if b { te } else { 2.0 * te }, "bit {i}");
            if i < 65 {
                assert_eq!(h + l, 3.0 * te, "bit {i}");
            } else {
                assert_eq!(l, 3.0 * te - h + 39.0 * te, "last bit + guard");
            }
        }
    }

    #[test]
    fn keeloq_press_repeats() {
        let p = keeloq_press(&kw(), 400.0, 3);
        assert_eq!(p.words.len(), 3);
        assert!((p.duration_us() - 3.0 * 270.0 * 400.0).abs() < 1e-6);
        assert!((p.word_ends_us[1] - 2.0 * 270.0 * 400.0).abs() < 1e-6);
        assert_eq!(p.envelope.marks(), 3 * 78);
    }

    #[test]
    fn pt2262_word_timing() {
        let trits: [Trit; 12] = "01F10F011FF0"
            .chars()
            .map(|c| Trit::from_symbol(c).unwrap())
            .collect::<Vec<_>>()
            .try_into()
            .unwrap();
        let a = 350.0;
        let e = pt2262_word(&trits, a);
        assert!((e.duration_us() - (12.0 * 32.0 + 128.0) * a).abs() < 1e-6);
        let p = e.pulses();
        assert_eq!(p.len(), 25);
        assert_eq!(p[24], (4.0 * a, 124.0 * a));
        // Read back the half-bits from the mark widths: the layout is the protocol module's.
        let bits: Vec<bool> = p[..24].iter().map(|&(h, _)| h > 8.0 * a).collect();
        assert_eq!(pt2262_from_bits(&bits), Some(trits));
        let press = pt2262_press(&trits, a, 4);
        assert!((press.duration_us() - 4.0 * 512.0 * a).abs() < 1e-6);
    }

    #[test]
    fn ev1527_word_timing() {
        let te = 300.0;
        let e = ev1527_word(0xA5C3E, 0x9, te);
        assert!((e.duration_us() - (32.0 + 24.0 * 4.0) * te).abs() < 1e-6);
        let p = e.pulses();
        assert_eq!(p[0], (te, 31.0 * te));
        let bits: Vec<bool> = p[1..].iter().map(|&(h, _)| h > 2.0 * te).collect();
        assert_eq!(bits, ev1527_bits(0xA5C3E, 0x9).to_vec());
    }

    #[test]
    fn truncation_and_scaling() {
        let p = keeloq_press(&kw(), 400.0, 4);
        let t = p.truncated_fraction(0.6);
        assert!(t.truncated);
        assert_eq!(t.words.len(), 2);
        assert!((t.duration_us() - 0.6 * p.duration_us()).abs() < 1e-6);
        let f = p.first_words(3);
        assert!(f.truncated);
        assert_eq!(f.words.len(), 3);
        assert!((f.duration_us() - 3.0 * 270.0 * 400.0).abs() < 1e-6);
        assert!(!p.first_words(4).truncated);
        assert_eq!(p.first_words(0).words.len(), 0);
        let s = p.scaled(1.1);
        assert!((s.te_us - 440.0).abs() < 1e-9);
        assert!((s.duration_us() - 1.1 * p.duration_us()).abs() < 1e-6);
    }

    #[test]
    fn warped_timing() {
        let p = keeloq_press(&kw(), 400.0, 2);
        let w = p.warped(1.0, 1.2);
        // Mean factor 1.1 over the press; first pulse ~unchanged, last bits ~20 % longer.
        assert!((w.duration_us() / p.duration_us() - 1.1).abs() < 0.002);
        let (a, b) = (p.envelope.pulses(), w.envelope.pulses());
        assert!((b[0].0 / a[0].0 - 1.0).abs() < 0.002);
        // The last mark is scaled by the factor at its middle.
        let n = a.len() - 1;
        let (_, end_mark) = p.envelope.mark_span_us().unwrap();
        let mid = (end_mark - a[n].0 / 2.0) / p.duration_us();
        assert!((b[n].0 / a[n].0 - (1.0 + 0.2 * mid)).abs() < 1e-9);
        assert!(mid > 0.9);
        assert_eq!(w.word_ends_us.len(), 2);
        assert!((w.word_ends_us[1] - w.duration_us()).abs() < 1e-6);
        assert_eq!(p.warped(1.0, 1.0), p);
    }

    #[test]
    fn coded_press_gap() {
        let p = coded_press(
            &[true, false],
            LineCode::Pwm { short_is_one: true },
            100.0,
            2,
            5000.0,
        );
        assert!((p.duration_us() - 2.0 * (600.0 + 5000.0)).abs() < 1e-9);
        assert_eq!(p.protocol, "PWM");
    }
}
