//! The pulse analyzer on synthetic trains built from known bits, with ±10 % jitter: each line
//! coding must be recognised and sliced back to exactly the bits it was built from.

use fobscope::protocol::fixed_code::{Trit, ev1527_bits, pt2262_bits};
use fobscope::protocol::keeloq::KeeloqWord;
use fobscope::pulse::{Coding, Pulse, PulseAnalysis, PulseTrain, analyze};

/// A small deterministic generator (xorshift64*), so the tests need no extra dependency.
struct Jitter(u64);

impl Jitter {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// `w` scaled by a factor uniform in [1 − r, 1 + r].
    fn apply(&mut self, w: f64, r: f64) -> f64 {
        w * (1.0 + r * (2.0 * self.next() - 1.0))
    }

    fn bits(&mut self, n: usize) -> Vec<bool> {
        (0..n).map(|_| self.next() < 0.5).collect()
    }
}

/// Builds a train from alternating levels (mark first), jittering each by ±10 %.
fn train_from_levels(levels: &[f64], seed: u64) -> PulseTrain {
    jittered(levels, seed, |j, w| j.apply(w, 0.1))
}

/// Builds a train from alternating levels, moving each by up to ±10 % of `unit` (edge jitter:
/// a long run of NRZ bits is as uncertain as a short one, not ten times more).
fn train_with_edge_jitter(levels: &[f64], unit: f64, seed: u64) -> PulseTrain {
    jittered(levels, seed, |j, w| w + j.apply(unit, 0.1) - unit)
}

fn jittered(levels: &[f64], seed: u64, f: impl Fn(&mut Jitter, f64) -> f64) -> PulseTrain {
    let mut j = Jitter(seed);
    let pulses = levels
        .chunks(2)
        .map(|c| Pulse {
            high_us: f(&mut j, c[0]) as f32,
            low_us: c.get(1).map_or(0.0, |&g| f(&mut j, g)) as f32,
        })
        .collect();
    PulseTrain {
        start_s: 0.0,
        pulses,
    }
}

/// Merges half-bit levels (true = high) into alternating widths starting with a mark;
/// leading low levels are dropped, trailing low levels become `tail` µs of silence.
fn widths_from_halves(halves: &[bool], unit: f64, tail: f64) -> Vec<f64> {
    let first = halves.iter().position(|&h| h).expect("some high level");
    let last = halves.iter().rposition(|&h| h).expect("some high level");
    let mut out: Vec<f64> = Vec::new();
    let mut cur = true;
    let mut run = 0.0;
    for &h in &halves[first..=last] {
        if h == cur {
            run += unit;
        } else {
            out.push(run);
            cur = h;
            run = unit;
        }
    }
    out.push(run);
    out.push(tail);
    out
}

fn bit_string(b: &[bool]) -> String {
    b.iter().map(|&x| if x { '1' } else { '0' }).collect()
}

fn row_strings(a: &PulseAnalysis) -> Vec<(String, u32)> {
    a.rows.iter().map(|r| (r.bit_string(), r.repeats)).collect()
}

fn near(x: Option<f64>, want: f64, rel: f64) -> bool {
    x.is_some_and(|x| (x - want).abs() <= rel * want)
}

#[test]
fn keeloq_word_with_preamble_is_pwm_and_slices_to_its_66_bits() {
    let te = 400.0;
    let word = KeeloqWord {
        hopping: 0x1234_ABCD,
        serial: 0x0AB_CDEF,
        buttons: 0b0010,
        battery_low: false,
        repeat: true,
    };
    let mut levels = Vec::new();
    for _ in 0..3 {
        for i in 0..12 {
            levels.push(te);
            levels.push(if i == 11 { 10.0 * te } else { te });
        }
        for (i, &b) in word.to_bits().iter().enumerate() {
            // 1 = short mark (1 Te high, 2 Te low); 0 = long mark (2 Te high, 1 Te low).
            let (m, g) = if b { (te, 2.0 * te) } else { (2.0 * te, te) };
            levels.push(m);
            levels.push(if i == 65 { g + 39.0 * te } else { g });
        }
    }
    let a = analyze(&train_from_levels(&levels, 7));
    assert_eq!(a.coding, Coding::Pwm);
    let want = bit_string(&word.to_bits());
    let rows = row_strings(&a);
    assert_eq!(
        rows.iter().filter(|(r, _)| *r == want).count(),
        3,
        "{rows:?}"
    );
    // The preamble is a row of its own: 12 short marks.
    assert_eq!(rows[0].0, "1".repeat(12));
    assert!(near(a.short_us, te, 0.05) && near(a.long_us, 2.0 * te, 0.05));
    assert!(near(a.te_us, te, 0.05));
    assert!(
        near(a.bitrate_bps, 1e6 / (3.0 * te), 0.05),
        "{:?}",
        a.bitrate_bps
    );
    assert!(near(a.gap_us, 10.0 * te, 0.15) || near(a.gap_us, 40.0 * te, 0.15));
}

#[test]
fn pt2262_words_are_pwm_rows_with_repeats() {
    let alpha = 110.0;
    let trits: [Trit; 12] = "0F1F10FF0110"
        .chars()
        .map(|c| Trit::from_symbol(c).unwrap())
        .collect::<Vec<_>>()
        .try_into()
        .unwrap();
    let bits = pt2262_bits(&trits);
    let mut levels = Vec::new();
    for _ in 0..4 {
        for &b in &bits {
            // PT2262 datasheet: short = 4 α mark + 12 α space.
            let (m, g) = if b { (12.0, 4.0) } else { (4.0, 12.0) };
            levels.push(m * alpha);
            levels.push(g * alpha);
        }
        levels.push(4.0 * alpha);
        levels.push(124.0 * alpha);
    }
    let a = analyze(&train_from_levels(&levels, 11));
    assert_eq!(a.coding, Coding::Pwm);
    // Short mark = 1 here (rtl_433), the reverse of the PT2262 word's own bits; the sync's
    // short mark ends each row as a 25th bit.
    let mut want: String = bits.iter().map(|&b| if b { '0' } else { '1' }).collect();
    want.push('1');
    assert_eq!(row_strings(&a), vec![(want, 4)]);
    assert!(near(a.short_us, 4.0 * alpha, 0.05) && near(a.long_us, 12.0 * alpha, 0.05));
    assert!(near(a.gap_us, 124.0 * alpha, 0.1));
}

#[test]
fn ev1527_preamble_does_not_derail_pwm() {
    let te = 300.0;
    let bits = ev1527_bits(0x5A3C1, 0x6);
    let mut levels = Vec::new();
    for _ in 0..5 {
        levels.push(te);
        levels.push(31.0 * te);
        for &b in &bits {
            let (m, g) = if b { (3.0, 1.0) } else { (1.0, 3.0) };
            levels.push(m * te);
            levels.push(g * te);
        }
    }
    let a = analyze(&train_from_levels(&levels, 5));
    assert_eq!(a.coding, Coding::Pwm);
    let mut want: String = bits.iter().map(|&b| if b { '0' } else { '1' }).collect();
    want.push('1'); // the next preamble's short mark
    let rows = row_strings(&a);
    assert!(rows.contains(&(want, 4)), "{rows:?}");
}

#[test]
fn ppm_sensor_frame_short_gap_is_zero() {
    let mut j = Jitter(99);
    let bits = j.bits(36);
    let mut levels = Vec::new();
    for _ in 0..3 {
        for &b in &bits {
            levels.push(500.0);
            levels.push(if b { 2000.0 } else { 1000.0 });
        }
        levels.push(500.0);
        levels.push(4000.0);
    }
    let a = analyze(&train_from_levels(&levels, 3));
    assert_eq!(a.coding, Coding::Ppm);
    assert_eq!(row_strings(&a), vec![(bit_string(&bits), 3)]);
    assert!(near(a.short_us, 1000.0, 0.05) && near(a.long_us, 2000.0, 0.05));
    assert!(near(a.te_us, 500.0, 0.05));
}

/// G. E. Thomas Manchester half-bit levels: 0 = low then high, 1 = high then low.
fn manchester_halves(bits: &[bool]) -> Vec<bool> {
    bits.iter().flat_map(|&b| [b, !b]).collect()
}

#[test]
fn manchester_frames_slice_back_to_their_bits() {
    let t = 488.0;
    for seed in 1..6u64 {
        let mut j = Jitter(seed * 1000 + 1);
        // rtl_433's zero-bit convention: a row starts with a 0 (its rising edge is mid-bit).
        // "01" opens the row with a whole-bit mark (see the DMC test for "00").
        let mut bits = vec![false, true];
        bits.extend(j.bits(62));
        let mut levels = Vec::new();
        for _ in 0..2 {
            levels.extend(widths_from_halves(&manchester_halves(&bits), t, 20.0 * t));
        }
        let a = analyze(&train_from_levels(&levels, seed));
        assert_eq!(a.coding, Coding::Manchester, "seed {seed}");
        // A frame ending in 1 ends with a low half-bit that merges into the silence.
        let want = bit_string(&bits);
        assert_eq!(row_strings(&a), vec![(want, 2)], "seed {seed}");
        assert!(near(a.short_us, t, 0.05) && near(a.long_us, 2.0 * t, 0.05));
        assert!(near(a.bitrate_bps, 1e6 / (2.0 * t), 0.05));
    }
}

/// Differential Manchester (rtl_433 meaning): a level toggles at every bit boundary, and also
/// mid-bit for a 1.
fn dmc_halves(bits: &[bool]) -> Vec<bool> {
    let mut level = true;
    let mut out = Vec::new();
    for &b in bits {
        out.push(level);
        if b {
            level = !level;
        }
        out.push(level);
        level = !level;
    }
    out
}

#[test]
fn dmc_frames_slice_back_to_their_bits() {
    let t = 976.0;
    for seed in 1..6u64 {
        let mut j = Jitter(seed * 77 + 5);
        // WT450-like: "1100" preamble then data, ending with a 1 (a last 0 sent as a low
        // level would be invisible).
        let mut bits = vec![true, true, false, false];
        bits.extend(j.bits(31));
        bits.push(true);
        let mut levels = Vec::new();
        for _ in 0..3 {
            levels.extend(widths_from_halves(&dmc_halves(&bits), t, 20.0 * t));
        }
        let a = analyze(&train_from_levels(&levels, seed + 40));
        assert_eq!(a.coding, Coding::Dmc, "seed {seed}");
        assert_eq!(row_strings(&a), vec![(bit_string(&bits), 3)], "seed {seed}");
        assert!(near(a.te_us, t, 0.05));
    }
}

#[test]
fn pcm_nrz_frames_slice_back_to_their_bits() {
    let t = 250.0;
    for seed in 1..6u64 {
        let mut j = Jitter(seed * 31 + 7);
        let mut bits: Vec<bool> = [1, 0, 1, 0, 1, 0, 1, 1, 1, 0, 0, 0, 1]
            .iter()
            .map(|&b| b == 1)
            .collect();
        bits.extend(j.bits(48));
        bits.push(true);
        let mut levels = Vec::new();
        for _ in 0..2 {
            levels.extend(widths_from_halves(&bits, t, 40.0 * t));
        }
        let a = analyze(&train_with_edge_jitter(&levels, t, seed + 9));
        assert_eq!(a.coding, Coding::Pcm, "seed {seed}");
        assert_eq!(row_strings(&a), vec![(bit_string(&bits), 2)], "seed {seed}");
        assert!(near(a.short_us, t, 0.05) && a.long_us.is_none());
        assert!(near(a.bitrate_bps, 1e6 / t, 0.05));
    }
}

#[test]
fn pcm_rz_frames_slice_back_to_their_bits() {
    let slot = 1000.0;
    let mark = 300.0;
    let mut j = Jitter(4242);
    let mut bits = vec![true];
    bits.extend(j.bits(40));
    bits.push(true);
    let mut levels = Vec::new();
    for _ in 0..2 {
        let mut pending_gap = None::<f64>;
        for &b in &bits {
            if b {
                if let Some(g) = pending_gap.take() {
                    levels.push(g);
                }
                levels.push(mark);
                pending_gap = Some(slot - mark);
            } else {
                *pending_gap.as_mut().unwrap() += slot;
            }
        }
        levels.push(30.0 * slot);
    }
    let a = analyze(&train_with_edge_jitter(&levels, mark, 8));
    assert_eq!(a.coding, Coding::Pcm);
    assert_eq!(row_strings(&a), vec![(bit_string(&bits), 2)]);
    assert!(near(a.short_us, slot, 0.05));
}

#[test]
fn degenerate_trains_never_panic() {
    let mk = |v: &[(f32, f32)]| PulseTrain {
        start_s: 0.0,
        pulses: v
            .iter()
            .map(|&(h, l)| Pulse {
                high_us: h,
                low_us: l,
            })
            .collect(),
    };
    let empty = analyze(&PulseTrain::default());
    assert_eq!(empty.coding, Coding::Unknown);
    assert!(empty.rows.is_empty() && empty.te_us.is_none() && empty.short_us.is_none());

    let one = analyze(&mk(&[(500.0, 0.0)]));
    assert_eq!(one.coding, Coding::Unknown);
    assert!(one.bitrate_bps.is_none());

    // An unmodulated run (a preamble alone): no coding, but its width is measured.
    let same = analyze(&mk(&[(400.0, 400.0); 100]));
    assert_eq!(same.coding, Coding::Unknown);
    assert!(near(same.te_us, 400.0, 0.01));
    assert!(same.short_us.is_none() && same.rows.is_empty());

    let absurd = mk(&[
        (f32::NAN, 1.0),
        (f32::INFINITY, -5.0),
        (-3.0, f32::MAX),
        (0.0, 0.0),
        (1e30, 1e-30),
        (f32::MIN_POSITIVE, 7.0),
        (400.0, 800.0),
        (800.0, 400.0),
    ]);
    let a = analyze(&absurd);
    assert!(a.short_us.is_none_or(|x| x.is_finite()));
    let many: Vec<(f32, f32)> = (0..5000)
        .map(|i| {
            (
                1.0 + (i * 7919 % 1000) as f32,
                1.0 + (i * 104_729 % 3000) as f32,
            )
        })
        .collect();
    let noise = analyze(&mk(&many));
    assert_eq!(noise.coding, Coding::Unknown, "uniform noise has no coding");
}
