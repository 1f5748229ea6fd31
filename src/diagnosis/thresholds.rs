//! Every number the verdict judges by, in one place, each with where it comes from.
//!
//! The rule for each: no real recording of a working transmitter in `../shared/corpus` (all
//! of them are working devices) may trip it, and the physically modelled failing keys of the
//! `synth` module (sag, brown-out, low output, battery-low flag, Te drift) must; the sweep in
//! `tests/diagnosis_sweep.rs` asserts where each verdict flips. Corpus figures quoted below
//! were measured with `fobscope check` on the 44 rtl_433 `.cu8` captures at their manifest
//! frequency.

/// Fewest pulses for a transmission to count as a key's frame; shorter bursts are blips
/// (noise, or a key that browns out at once). The shortest key word in the corpus is dsc's
/// 26 pulses; a PT2262 word has 25, an EV1527 word 25.
pub const MIN_KEY_PULSES: usize = 10;

/// Transmissions within this many dB of the strongest one are the key's own; weaker ones are
/// spurs, keying splatter, images or other devices and are not judged. Spurious emissions of
/// a short-range device must stay 40–50 dB below its carrier (ETSI EN 300 220-1, −36 dBm
/// against +10 dBm ERP); in the corpus the splatter beside a −9 dBFS key sat 33–50 dB down,
/// while one key's presses vary by a few dB as the hand moves (ambient_weather: 1.5 dB over
/// five transmissions).
pub const KEY_GROUP_DB: f64 = 15.0;

/// Median SNR (dB, in the transmission's own channel) below which a key is too weak to
/// trust: the demodulator's bit errors start near 8 dB (tests/sensitivity.rs), and a key held
/// about 1 m from a dongle's antenna gives 20–40 dB (corpus: 16–34 dB).
pub const WEAK_SNR_DB: f64 = 10.0;

/// SNR (dB) below which the signal is noted as marginal (not judged).
pub const MARGINAL_SNR_DB: f64 = 15.0;

/// Median amplitude sag (mark level lost from the start to the end of a burst, dB) above
/// which the battery is blamed. Corpus: the worst median over a key's bursts is 2.3 dB
/// (chuango, whose single worst burst sags 4.6 dB). Physical model: output power goes as
/// (VCC − 0.4 V)² in a typical transmitter, so 5 dB means VCC − 0.4 V falls to 56 %, a 3 V
/// cell collapsing to 1.9 V under the transmit current, below a CR2032's 2.0 V end point.
pub const SAG_WEAK_DB: f64 = 5.0;

/// Sag is judged on the bursts within this many dB of the strongest one. Corpus: the
/// door_bell capture holds, beside its 0.5 dBFS key, an image of the same pulses 11 dB
/// weaker whose envelope sags 12 dB (the overloaded dongle's mixing product); a failing
/// key's own bursts stay within a few dB of each other in one recording (a fainter press is
/// judged by the press trend instead).
pub const SAG_GROUP_DB: f64 = 6.0;

/// Lowest fit (share of widths that fit the line code the analyzer chose) of a clean line
/// code: the analyzer's own acceptance score (`pulse::analyzer::MIN_SCORE`). Corpus: working
/// devices fit 0.96–1.00 (rtl_433 captures, best burst of each).
pub const MIN_LINE_CODE_FIT: f64 = crate::pulse::analyzer::MIN_SCORE;

/// Sensible base time units of a key's (or remote sensor's) line code, µs: 20 µs is 50 kbit/s,
/// the fastest sub-GHz FSK rate in common use (the corpus' fastest is ec3k's 50 µs, 20 kbit/s);
/// 5 ms is 200 bit/s, slower than any key (KeeLoq 400 µs, PT2262 α 100–400 µs).
pub const SENSIBLE_UNIT_US: (f64, f64) = (20.0, 5000.0);

/// Share of the key's bursts that must carry a clean line code: a key sends the same kind of
/// frame every time, while noise sliced into pulses (the Flipper recordings marked
/// `noise_dominated`) now and then looks like PCM by chance (3 of 12 bursts in the Lexus
/// NX200t file).
pub const MIN_CLEAN_SHARE: f64 = 0.5;

/// Fewest bits (or, where no coding is recognised, unit-long symbols) for a key's code: the
/// shortest fixed codes are 12 bits (CAME, Nice Flo), PT2262 sends 24, KeeLoq 66.
pub const MIN_CODE_BITS: usize = 12;

/// Share of a frame's repeats that must agree with the most common one for the frames to be
/// called consistent. A single corrupted repeat among many is interference; when most
/// repeats disagree the key is sending garbage.
pub const MIN_REPEAT_AGREEMENT: f64 = 0.5;

/// A frame that ends this many bits (or more) short of its repeats counts as cut: one missing
/// bit is the final symbol that a PWM/PPM row cannot show (DESIGN.md; corpus: cardin ends its
/// last row one mark short when the button is released, nexus and prologue lose the final PPM
/// gap).
pub const CUT_MIN_MISSING_BITS: usize = 2;

/// A frame counts as cut only when the recording goes on for at least this many frame
/// periods after it (otherwise the recording's end, not the key, may have stopped it).
pub const CUT_RECORDING_FRAMES: f64 = 1.0;

/// KeeLoq Te range of the on-chip RC oscillator over supply voltage and temperature, µs
/// (Microchip DS21143, HCS300 "TE" 260–660 µs, nominal 400 µs).
pub const KEELOQ_TE_RANGE_US: (f64, f64) = crate::protocol::keeloq::TE_RANGE_US;

/// Code words closer than this many guard times belong to one button press.
pub const SAME_PRESS_GUARDS: f64 = 3.0;

/// Transmissions closer than this (s) belong to one button press: a press lasts at least
/// 0.1 s and a person needs well over 0.3 s to release and press again; KeeLoq repeats after
/// 39 Te (16 ms), Honda keys every 100 ms.
pub const PRESS_GAP_S: f64 = 0.3;

/// Fewest presses for a trend (shorter or fainter, press after press) to be judged.
pub const TREND_MIN_PRESSES: usize = 3;

/// Presses that fade steadily by more than this from the first to the last (dB) are a
/// battery sign: each press loses charge the cell cannot recover; a hand held still varies by
/// a few dB (corpus: ambient_weather 1.5 dB over five transmissions).
pub const TREND_FADE_DB: f64 = 6.0;

/// Presses that shorten steadily to this share of the first one's length are a battery sign
/// (brown-out comes earlier each time); a key sends the same number of words per press.
pub const TREND_SHORTEN_SHARE: f64 = 0.5;

/// Half the bandwidth of a typical car receiver (about 600 kHz, Mercedes key manual), Hz.
pub const RECEIVER_HALF_BW_HZ: f64 = 300e3;

/// Least audio that `check` needs before it may say anything about a key, s: a press lasts
/// at least 0.1 s, and the key may be pressed a moment after the recording starts.
pub const MIN_LISTEN_S: f64 = 0.5;

/// Plausible sample rates of a recording, S/s: below 20 kS/s a key's 100–400 µs symbols are a
/// handful of samples (`--rate 250` meant 250k); above 100 MS/s is no dongle a key is
/// recorded with (RTL-SDR 3.2 MS/s, HackRF 20 MS/s, USRP 61.44 MS/s).
pub const PLAUSIBLE_RATE_HZ: (f64, f64) = (20e3, 100e6);

// The thresholds keep their order: checked when the crate is built.
const _: () = {
    assert!(WEAK_SNR_DB < MARGINAL_SNR_DB);
    assert!(SENSIBLE_UNIT_US.0 < SENSIBLE_UNIT_US.1);
    assert!(KEELOQ_TE_RANGE_US.0 < 400.0 && 400.0 < KEELOQ_TE_RANGE_US.1);
    assert!(CUT_MIN_MISSING_BITS >= 2);
    assert!(PLAUSIBLE_RATE_HZ.0 < 250e3 && 2.4e6 < PLAUSIBLE_RATE_HZ.1);
    // Above the worst working burst measured (4.6 dB), below the 6 dB of an end-of-life
    // cell's halved (VCC − 0.4 V).
    assert!(SAG_WEAK_DB > 4.6 && SAG_WEAK_DB < 6.0);
};
