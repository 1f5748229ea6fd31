//! Per-burst demodulation in the burst's own channel: spectrum, OOK/FSK decision, slicing.
//!
//! A finished burst arrives as channel samples (already shifted near its carrier and decimated
//! to a generous channel). Here it is measured and demodulated:
//!
//! 1. **Spectrum**: a Welch average of Hann-windowed FFTs (bins of about 250 Hz) gives the
//!    occupied band: the bins above both `peak − 20 dB` and `noise + 10 dB`.
//! 2. **Demodulation channel**: the occupied band is shifted to 0 Hz and filtered by a Blackman
//!    window-method low-pass whose flat passband covers it (cut-off `1.25 × half-width + 1.5
//!    kHz`, transition half the cut-off, so the pass band is flat to 0.75 × the cut-off), then
//!    decimated to about 8 × the cut-off. The narrow channel is the processing gain.
//! 3. **Envelope and discriminator**: power `|y|²` and instantaneous frequency
//!    `arg(y[n]·y*[n−1])`, each smoothed by a centred boxcar (matched to the shortest pulse in a
//!    second pass).
//! 4. **Decision**: FSK when the instantaneous frequency while the carrier is on is clearly
//!    bimodal (two clusters further apart than 4 times their spread), OOK otherwise.
//! 5. **Slicing**: an adaptive two-level slicer with hysteresis. Levels start from a two-cluster
//!    estimate of the burst's own values and follow slow changes (amplitude sag, FSK drift).
//!    For OOK the smoothed magnitude is sliced at the half-amplitude point (corrected for the
//!    noise power), where a linear-phase filter's step response crosses, so widths are
//!    unbiased; edges are interpolated between samples. Marks and gaps shorter than a
//!    third of the shortest real pulse are removed as glitches.
//! 6. **Wide FSK**: a second strong region in the channel may be the other tone of an FSK
//!    signal wider than one region. When neither region is FSK on its own and the two are not
//!    complementary OOK-looking tones (merged later by [`super::merge`]), as with a carrier
//!    that stays on between words, the span covering both is demodulated with the
//!    discriminator and kept if it is FSK with both tones at about the same power.

//!
//! Modules: [`spectrum`] (step 1), [`channel`] (step 2), [`region`] (steps 3–5 for one part
//! of the burst), [`clusters`] (the two-level estimates of step 4) and [`slicing`] (step 5);
//! this module chooses the regions (step 6). [`scratch`] keeps the buffers as long as the
//! burst for the next burst.

mod approx;
mod channel;
mod clusters;
mod region;
mod scratch;
mod slicing;
mod spectrum;

pub use scratch::release as release_buffers;

use num_complex::Complex;
use rustfft::FftPlanner;

use super::Modulation;
use super::candidate::Candidate;
use super::merge::complementary;
use super::processor::MATCH_HZ;
use region::{Want, demod_region};
use spectrum::welch;

/// Minimum SNR in the channel for a transmission to be reported, dB.
pub const MIN_SNR_DB: f64 = 6.0;
/// Smallest tone spacing taken as FSK, Hz (2.5 kHz deviation).
pub const MIN_FSK_SPACING_HZ: f32 = 3_500.0;
/// Largest distance between the two regions of a burst demodulated together as one wide FSK
/// signal, Hz (±75 kHz deviation, wider than key fobs use: Honda keys sit near ±45 kHz).
pub const MAX_WIDE_FSK_SPACING_HZ: f64 = 150_000.0;
/// A channel starting later than this after the recording began did not see the recording's
/// start, s (a capture's pre-roll reaches back a few ms).
const STANDING_AFTER_S: f64 = 0.01;
/// Minimum number of marks in a transmission.
pub const MIN_PULSES: usize = 3;

#[derive(Clone, Debug)]
pub struct Capture {
    /// Channel samples.
    pub samples: Vec<Complex<f32>>,
    /// Channel sample rate, S/s.
    pub fs_hz: f64,
    /// Offset of the channel's 0 Hz from the stream centre, Hz.
    pub shift_hz: f64,
    /// Absolute time of `samples[0]`, s.
    pub t0_s: f64,
    /// Sample rate of the stream the channel was taken from, S/s (offsets wrap around it).
    pub stream_fs_hz: f64,
    /// Usable half-width of the channel, Hz.
    pub passband_hz: f64,
    /// Noise power density, full-scale power per Hz.
    pub noise_density: f64,
    /// The burst was cut off (end of stream or length cap).
    pub truncated: bool,
    /// The stream has a standing DC line (an RTL-SDR's DC spike).
    pub dc_line: bool,
}

impl Capture {
    /// Channel frequency of the stream's 0 Hz when a standing DC line sits there inside the
    /// channel, else `None`.
    pub fn standing_dc_hz(&self) -> Option<f64> {
        let dc = -self.shift_hz;
        (self.dc_line && dc.abs() <= self.passband_hz).then_some(dc)
    }
}

/// A stream's DC bin whose floor stands this many times above white noise is a DC line.
pub const DC_LINE_RATIO: f32 = 10.0;
/// Half-width around a standing DC line left out of the search for a burst's peak, Hz.
pub const DC_GUARD_HZ: f64 = 1_500.0;

/// Demodulates one burst; transmissions found are appended to `out`.
///
/// Transmissions from the burst's strongest region go to `out`; those from a second strong
/// region (a candidate for the other tone of a wide FSK signal) go to `tones`. A wide FSK
/// signal found over both regions at once goes to `out`, and then nothing to `tones`.
pub fn demodulate(
    cap: &Capture,
    planner: &mut FftPlanner<f32>,
    out: &mut Vec<Candidate>,
    tones: &mut Vec<Candidate>,
) {
    let (o, t) = (out.len(), tones.len());
    demodulate_regions(cap, planner, out, tones);
    // A signal on from the start of a channel that began after the recording did was already
    // on before this burst's pre-roll: the burst that opened on it follows it. Seen far from
    // this channel's own carrier, it is that burst's, not this one's.
    let (t0, shift) = (cap.t0_s, cap.shift_hz);
    let own = |c: &Candidate| {
        !(c.on_at_start && t0 > STANDING_AFTER_S && (c.t.freq_offset_hz - shift).abs() > MATCH_HZ)
    };
    let tail: Vec<Candidate> = out.drain(o..).filter(own).collect();
    out.extend(tail);
    let tail: Vec<Candidate> = tones.drain(t..).filter(own).collect();
    tones.extend(tail);
}

/// Demodulates the burst's strongest region and a second one (see [`demodulate`]).
fn demodulate_regions(
    cap: &Capture,
    planner: &mut FftPlanner<f32>,
    out: &mut Vec<Candidate>,
    tones: &mut Vec<Candidate>,
) {
    let x = &cap.samples;
    if x.len() < 64 {
        return;
    }
    let fs = cap.fs_hz;
    // 1. Spectrum.
    let (psd, n2) = welch(x, planner, fs);
    let bw = fs / n2 as f64;
    let h = n2 / 2;
    let win_pow = 3.0 * n2 as f64 / 8.0;
    let noise_bin = (cap.noise_density * fs * win_pow) as f32;
    let fbin = |k: usize| (k as f64 - h as f64) * bw;
    let in_pass = |k: usize| fbin(k).abs() <= cap.passband_hz;
    // The burst's own signal is its strongest component, leaving out the stream's standing DC
    // line (an RTL-SDR's DC spike can be stronger than a weak key).
    let dc = cap.standing_dc_hz();
    let not_dc = |k: usize| dc.is_none_or(|d| (fbin(k) - d).abs() > DC_GUARD_HZ);
    let Some(kp) = (0..n2)
        .filter(|&k| in_pass(k) && not_dc(k))
        .max_by(|&a, &b| psd[a].total_cmp(&psd[b]))
    else {
        return;
    };
    // A peak at the edge of the search band belongs to a neighbour with its own burst.
    if fbin(kp).abs() > cap.passband_hz - 2.0 * bw {
        return;
    }
    let thr = (psd[kp] * 0.01).max(noise_bin * 10.0);
    let reach = (60_000.0 / bw) as usize;
    let extent = |kp: usize| {
        let (mut lo, mut hi) = (kp, kp);
        let first = kp.saturating_sub(reach);
        for (k, &p) in psd
            .iter()
            .enumerate()
            .take((kp + reach + 1).min(n2))
            .skip(first)
        {
            if in_pass(k) && p > thr {
                lo = lo.min(k);
                hi = hi.max(k);
            }
        }
        // Keep the region contiguous around its peak: stop at gaps wider than 8 kHz.
        let gap = ((8_000.0 / bw) as usize).max(2);
        let (mut l, mut h) = (kp, kp);
        while l > lo && (l.saturating_sub(gap)..l).any(|k| psd[k] > thr) {
            l -= 1;
        }
        while h < hi && (h + 1..(h + 1 + gap).min(n2)).any(|k| psd[k] > thr) {
            h += 1;
        }
        (l, h)
    };
    let (lo, hi) = extent(kp);
    // A second strong region (the other tone of a wide FSK signal) is demodulated too; pairs
    // of complementary tones are merged later.
    let second = (0..n2)
        .filter(|&k| {
            in_pass(k) && not_dc(k) && (k + 3 < lo || k > hi + 3) && psd[k] > psd[kp] * 0.03
        })
        .max_by(|&a, &b| psd[a].total_cmp(&psd[b]))
        .filter(|&k| fbin(k).abs() <= cap.passband_hz - 2.0 * bw);
    let second = second.map(|k2| (k2, extent(k2)));
    let mut main = Vec::new();
    demod_region(
        cap,
        fbin(lo) - bw / 2.0,
        fbin(hi) + bw / 2.0,
        Want::Any,
        &mut main,
    );
    let Some((k2, (l2, h2))) = second else {
        out.append(&mut main);
        return;
    };
    let mut other = Vec::new();
    demod_region(
        cap,
        fbin(l2) - bw / 2.0,
        fbin(h2) + bw / 2.0,
        Want::Any,
        &mut other,
    );
    // Wide 2-FSK whose carrier stays on between words (the space tone fills every gap) is
    // neither FSK in one region nor a pair of complementary tones: one tone is a steady carrier
    // with dips. Then the span covering both regions goes through the discriminator, and if it
    // comes out as FSK (a carrier on throughout, its frequency jumping between two levels of
    // about equal power) that is the transmission.
    let fsk_found = main.iter().any(|c| c.t.modulation == Modulation::Fsk);
    let paired = main
        .iter()
        .any(|a| other.iter().any(|b| complementary(a, b)));
    let spacing = (fbin(k2) - fbin(kp)).abs();
    if !fsk_found && !paired && spacing <= MAX_WIDE_FSK_SPACING_HZ {
        let (ul, uh) = (lo.min(l2), hi.max(h2));
        let mut wide = Vec::new();
        demod_region(
            cap,
            fbin(ul) - bw / 2.0,
            fbin(uh) + bw / 2.0,
            Want::FskOnly,
            &mut wide,
        );
        // The tones tell the same story as the discriminator: one of them, keyed on and off
        // (or dipping while the other is on), holds about as many marks as the FSK train.
        let marks = |v: &[Candidate]| v.iter().map(|c| c.t.pulses.pulses.len()).sum::<usize>();
        let n = marks(&wide);
        let agrees = |m: usize| m.abs_diff(n) as f64 <= 0.1 * n as f64 + 2.0;
        if n > 0 && (agrees(marks(&main)) || agrees(marks(&other))) {
            out.append(&mut wide);
            return;
        }
    }
    out.append(&mut main);
    tones.append(&mut other);
}
