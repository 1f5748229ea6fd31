//! Every word of a fixed-code press is counted: an EV1527 or PT2262 press of 1 to 6 words gives
//! its word exactly as many times as the key sent it (neither the first word, opening the
//! burst, nor the last, before the silence, may be lost), at 250 kS/s and on the same signal
//! resampled to 1.024 and 2.4 MS/s. EV1527 words (sync gap first, 31 Te) stay one transmission;
//! PT2262 words end in a sync gap of 31 × 4α, longer than ten times their longest mark, where
//! a transmission ends by rtl_433's rule (see `dsp::split`): one transmission a word.

mod rates;

use fobscope::synth::{Burst, Press, Scene, ev1527_press, noise_dbfs_for_snr, render};

const CENTER_HZ: f64 = 433.92e6;
const LEVEL_DBFS: f64 = -20.0;

/// The transmissions of `press` at `offset_hz` and `snr_db`, 30 ms of noise either side, at
/// every rate; checks the press's word decoded as many times as it was sent, in one
/// transmission or (`one_per_word`) in one a word, and nothing else.
fn counted(
    press: Press,
    protocol: &str,
    offset_hz: f64,
    snr_db: f64,
    seed: u64,
    one_per_word: bool,
) {
    let words = press.words.len();
    let mut b = Burst::new(0.0, press);
    b.offset_hz = offset_hz;
    b.level_dbfs = LEVEL_DBFS;
    let mut s = Scene::single(250e3, Some(CENTER_HZ), b, 0.03, 0.03);
    s.noise_dbfs = Some(noise_dbfs_for_snr(LEVEL_DBFS, snr_db));
    s.seed = seed;
    let bits = s.truth()[0].words[0].clone();
    let x = render(&s).expect("valid scene");
    for to in rates::RATES {
        let tx = rates::analyze(&rates::resample(&x, 250e3, to), to, CENTER_HZ);
        let what = format!("{protocol} ×{words} at {offset_hz} Hz, {snr_db} dB, {to} S/s");
        let want = if one_per_word { words } else { 1 };
        assert_eq!(tx.len(), want, "{what}: {tx:#?}");
        assert_eq!(
            rates::words_decoded(&tx, protocol, &bits),
            words as u32,
            "{what}: {:#?}",
            tx[0].frames
        );
    }
}

#[test]
fn every_word_of_an_ev1527_press_is_counted() {
    for (words, off, snr, seed) in [
        (1, 0.0, 20.0, 1),
        (2, 35e3, 15.0, 2),
        (3, -60e3, 20.0, 3),
        (4, 12e3, 12.0, 4),
        (4, -20e3, 25.0, 5),
        (6, 80e3, 20.0, 6),
    ] {
        counted(
            ev1527_press(0x3_C5A1, 0b0010, 320.0, words),
            "EV1527",
            off,
            snr,
            seed,
            false,
        );
    }
}

#[test]
fn every_word_of_a_pt2262_press_is_counted() {
    use fobscope::protocol::fixed_code::Trit;
    use fobscope::synth::pt2262_press;
    let code = [
        Trit::Zero,
        Trit::Float,
        Trit::One,
        Trit::Zero,
        Trit::Zero,
        Trit::Float,
        Trit::One,
        Trit::One,
        Trit::Zero,
        Trit::Zero,
        Trit::Float,
        Trit::One,
    ];
    for (words, off, seed) in [(2, -5e3, 7), (4, 45e3, 8), (5, -30e3, 9)] {
        counted(
            pt2262_press(&code, 110.0, words),
            "PT2262",
            off,
            20.0,
            seed,
            true,
        );
    }
}
