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

mod approx;

use num_complex::Complex;
use rustfft::FftPlanner;

use super::decimator::Decimator;
use super::fir;
use super::merge::{MAX_TONE_POWER_DIFF_DB, complementary};
use super::nco::Nco;
use super::split::split_at_gaps;
use super::{DetectedTransmission, Modulation};
use crate::pulse::{Pulse, PulseTrain};

/// Minimum SNR in the channel for a transmission to be reported, dB.
pub const MIN_SNR_DB: f64 = 6.0;
/// Smallest tone spacing taken as FSK, Hz (2.5 kHz deviation).
pub const MIN_FSK_SPACING_HZ: f32 = 5_000.0;
/// Largest distance between the two regions of a burst demodulated together as one wide FSK
/// signal, Hz (±75 kHz deviation, wider than key fobs use: Honda keys sit near ±45 kHz).
pub const MAX_WIDE_FSK_SPACING_HZ: f64 = 150_000.0;
/// Minimum number of marks in a transmission.
pub const MIN_PULSES: usize = 3;

/// A demodulated transmission and whether its carrier was already on when recording began.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// The transmission.
    pub t: DetectedTransmission,
    /// The first mark began at the start of the recording (a steady carrier interrupted).
    pub on_at_start: bool,
}

/// The samples of one burst in its coarse channel.
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

/// What a region's demodulation may report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Want {
    /// OOK or FSK, whichever the signal is.
    Any,
    /// FSK only, with both tones at about the same power; nothing otherwise.
    FskOnly,
}

/// Demodulates the part of a burst between `f_lo` and `f_hi` (channel Hz).
fn demod_region(cap: &Capture, f_lo: f64, f_hi: f64, want: Want, out: &mut Vec<Candidate>) {
    let x = &cap.samples;
    let fs = cap.fs_hz;
    let occupied = f_hi - f_lo;
    // 2. Demodulation channel.
    let f_mix = (f_lo + f_hi) / 2.0;
    let half = occupied / 2.0;
    let fc_max = (0.45 * fs).max(2_000.0);
    let mut fc = (1.25 * half + 1_500.0).clamp(2_000.0, fc_max);
    let mut ch = Channel::new(x, fs, f_mix, fc);
    if ch.y.len() < 16 {
        return;
    }
    let l1 = odd((ch.fs_d / (4.0 * fc)).round() as usize);
    // The envelope, computed once per channel and kept for the slicing below.
    let mut power = ch.power();
    let mut gate1 = slice_power(&power, l1, 1.5);
    let mut w_ref = shortest_width(&gate1).map(|w| w / ch.fs_d);
    // The channel must let the shortest pulse through: edges faster than a third of it.
    if let Some(w) = w_ref {
        let need = (1.5 / w).min(fc_max);
        if need > 1.2 * fc {
            fc = need;
            ch = Channel::new(x, fs, f_mix, fc);
            let l1 = odd((ch.fs_d / (4.0 * fc)).round() as usize);
            power = ch.power();
            gate1 = slice_power(&power, l1, 1.5);
            w_ref = shortest_width(&gate1).map(|w| w / ch.fs_d).or(w_ref);
        }
    }
    let Channel {
        y,
        fs_d,
        d2,
        delay,
        enbw,
    } = ch;
    let t_of = |i: f64| cap.t0_s + (i * d2 as f64 + delay) / fs;
    let noise_ch = (cap.noise_density * enbw).max(1e-30);
    // 3. Envelope (above) and discriminator.
    let to_hz = (fs_d / (2.0 * std::f64::consts::PI)) as f32;
    let mut freq = vec![0.0f32; y.len()];
    approx::discriminate(&y, to_hz, &mut freq);
    let l1 = odd((fs_d / (4.0 * fc)).round() as usize);
    let (l2, glitch) = match w_ref {
        Some(w) => (
            odd(((0.35 * w * fs_d) as usize).max(l1)),
            (0.4 * w * fs_d).max(1.5),
        ),
        None => (l1, 1.5),
    };
    let gate = if (l2, glitch) == (l1, 1.5) {
        // The same slicing of the same envelope as the first pass.
        gate1
    } else {
        slice_power(&power, l2, glitch)
    };
    if gate.is_empty() {
        return;
    }
    // 4. Decision: instantaneous frequency while the carrier is on.
    let freq_s = boxcar(&freq, l2);
    let margin = (l2 / 2 + (fs_d / (2.0 * fc)).ceil() as usize + 1) as f64;
    let mut on_f = Vec::new();
    for &(r, f) in &gate {
        let a = (r + margin).ceil() as usize;
        let b = (f - margin).floor() as isize;
        if b > a as isize {
            on_f.extend_from_slice(&freq_s[a..b as usize]);
        }
    }
    // FSK keeps the carrier on through the pulses; a carrier keyed on and off at the pulse
    // rate is OOK even if its frequency shifts a little between marks.
    let fsk = two_clusters(&on_f)
        .filter(|c| is_bimodal(&on_f, c) && c.hi - c.lo >= MIN_FSK_SPACING_HZ && gate.len() <= 8);
    if want == Want::FskOnly
        && !fsk.is_some_and(|c| tones_balanced(&gate, &power, &freq_s, margin, &c))
    {
        return;
    }
    // 5. Slicing.
    let (marks, modulation, carrier, deviation) = match fsk {
        Some(c) => {
            let mut v = vec![f32::NAN; y.len()];
            for &(r, f) in &gate {
                let a = r.ceil().max(0.0) as usize;
                let b = (f.floor() as usize + 1).min(y.len());
                v[a..b].copy_from_slice(&freq_s[a..b]);
            }
            let m = slicer(&v, c.lo, c.hi, 0.5, 0.15, true);
            let m = deglitch(m, glitch);
            let mid = (c.lo as f64 + c.hi as f64) / 2.0;
            (
                m,
                Modulation::Fsk,
                f_mix + mid,
                Some((c.hi - c.lo) as f64 / 2.0),
            )
        }
        None => {
            let f_on = if on_f.is_empty() {
                0.0
            } else {
                on_f.iter().map(|&v| v as f64).sum::<f64>() / on_f.len() as f64
            };
            (gate.clone(), Modulation::Ook, f_mix + f_on, None)
        }
    };
    if marks.is_empty() {
        return;
    }
    // On from the very start of the recording, which begins well before the detector fired:
    // a steady carrier or spur that was interrupted, not a transmission's start.
    let on_at_start = marks[0].0 < 1e-3 * fs_d;
    // Pulses in absolute time.
    let end_t = t_of((y.len() - 1) as f64);
    let mut pulses = Vec::with_capacity(marks.len());
    for (i, &(r, f)) in marks.iter().enumerate() {
        let next = marks.get(i + 1).map(|m| t_of(m.0)).unwrap_or(end_t);
        pulses.push(Pulse {
            high_us: ((t_of(f) - t_of(r)) * 1e6) as f32,
            low_us: ((next - t_of(f)).max(0.0) * 1e6) as f32,
        });
    }
    let mark_power = |r: f64, f: f64| -> Option<(f64, usize)> {
        let mut a = (r + margin).ceil() as usize;
        let mut b = (f - margin).floor() as usize;
        if b <= a {
            a = r.ceil().max(0.0) as usize;
            b = (f.floor() as usize + 1).min(power.len());
        }
        if b <= a {
            return None;
        }
        let s: f64 = power[a..b].iter().map(|&p| p as f64).sum();
        Some((s, b - a))
    };
    let noise_dbfs = 10.0 * noise_ch.log10();
    let n_pieces = split_at_gaps(&pulses);
    let last_piece = n_pieces.len().saturating_sub(1);
    for (pi, range) in n_pieces.into_iter().enumerate() {
        if range.len() < MIN_PULSES {
            continue;
        }
        let t_start = t_of(marks[range.start].0);
        let t_end = t_of(marks[range.end - 1].1);
        // Power while the carrier is on: the marks for OOK, the carrier gate for FSK.
        let on: Vec<(f64, f64)> = match modulation {
            Modulation::Ook => marks[range.clone()].to_vec(),
            Modulation::Fsk => gate
                .iter()
                .copied()
                .filter(|&(r, f)| t_of(f) > t_start - 1e-9 && t_of(r) < t_end + 1e-9)
                .collect(),
        };
        let per: Vec<f64> = on
            .iter()
            .filter_map(|&(r, f)| mark_power(r, f).map(|(s, n)| s / n as f64))
            .collect();
        let (sum, cnt) = on
            .iter()
            .filter_map(|&(r, f)| mark_power(r, f))
            .fold((0.0, 0usize), |a, b| (a.0 + b.0, a.1 + b.1));
        if cnt == 0 {
            continue;
        }
        let mean_on = sum / cnt as f64;
        let signal = (mean_on - noise_ch).max(noise_ch * 1e-3);
        let rssi_dbfs = 10.0 * signal.log10();
        let snr_db = rssi_dbfs - noise_dbfs;
        if snr_db.is_nan() || snr_db < MIN_SNR_DB {
            continue;
        }
        let amplitude_sag_db = (modulation == Modulation::Ook && per.len() >= 6).then(|| {
            let first = per[..3].iter().sum::<f64>() / 3.0;
            let last = per[per.len() - 3..].iter().sum::<f64>() / 3.0;
            let s = |p: f64| 10.0 * (p - noise_ch).max(noise_ch * 1e-3).log10();
            s(last) - s(first)
        });
        out.push(Candidate {
            on_at_start: on_at_start && pi == 0,
            t: DetectedTransmission {
                freq_offset_hz: wrap(cap.shift_hz + carrier, cap.stream_fs_hz),
                bandwidth_hz: occupied,
                modulation,
                fsk_deviation_hz: deviation,
                rssi_dbfs,
                noise_dbfs,
                snr_db,
                amplitude_sag_db,
                truncated: cap.truncated && pi == last_piece,
                spurs: Vec::new(),
                pulses: PulseTrain {
                    start_s: t_start,
                    pulses: pulses[range].to_vec(),
                },
            },
        });
    }
}

/// The two tones of an FSK carrier have about the same power (within
/// [`MAX_TONE_POWER_DIFF_DB`]) while on: a key switched on beside another signal, or a spur
/// that dips while a strong carrier is on (receiver compression), does not.
fn tones_balanced(
    gate: &[(f64, f64)],
    power: &[f32],
    freq_s: &[f32],
    margin: f64,
    c: &Clusters,
) -> bool {
    let mid = (c.lo + c.hi) / 2.0;
    let (mut lo, mut nlo, mut hi, mut nhi) = (0.0f64, 0usize, 0.0f64, 0usize);
    for &(r, f) in gate {
        let a = (r + margin).ceil() as usize;
        let b = ((f - margin).floor().max(0.0) as usize).min(power.len());
        for i in a..b.max(a) {
            if freq_s[i] >= mid {
                hi += power[i] as f64;
                nhi += 1;
            } else {
                lo += power[i] as f64;
                nlo += 1;
            }
        }
    }
    if nlo == 0 || nhi == 0 {
        return false;
    }
    let ratio_db = 10.0 * ((hi / nhi as f64) / (lo / nlo as f64)).log10();
    ratio_db.abs() <= MAX_TONE_POWER_DIFF_DB
}

/// `f` folded into `[−fs/2, fs/2)`: a channel searched past the stream's Nyquist frequency
/// sees the signal aliased there.
fn wrap(f: f64, fs: f64) -> f64 {
    if fs > 0.0 {
        (f + fs / 2.0).rem_euclid(fs) - fs / 2.0
    } else {
        f
    }
}

fn odd(n: usize) -> usize {
    n.max(1) | 1
}

/// Welch power spectrum, centred (bin 0 = −fs/2); returns the spectrum and its length.
fn welch(x: &[Complex<f32>], planner: &mut FftPlanner<f32>, fs: f64) -> (Vec<f32>, usize) {
    let mut n = 1usize << ((fs / 250.0).log2().round().clamp(6.0, 14.0) as u32);
    while n > 64 && x.len() < 4 * n {
        n /= 2;
    }
    while n > 16 && x.len() < n {
        n /= 2;
    }
    let fft = planner.plan_fft_forward(n);
    let win: Vec<f32> = (0..n)
        .map(|i| (0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n as f64).cos()) as f32)
        .collect();
    let mut acc = vec![0.0f64; n];
    let mut buf = vec![Complex::new(0.0f32, 0.0); n];
    let mut scratch = vec![Complex::new(0.0f32, 0.0); fft.get_inplace_scratch_len()];
    let mut frames = 0usize;
    // Half-overlapping frames.
    let mut s = 0;
    while s + n <= x.len() {
        approx::window(&x[s..s + n], &win, &mut buf);
        fft.process_with_scratch(&mut buf, &mut scratch);
        approx::accumulate_power(&buf, &mut acc);
        frames += 1;
        s += n / 2;
    }
    let h = n / 2;
    let psd = (0..n)
        .map(|k| (acc[(k + h) % n] / frames.max(1) as f64) as f32)
        .collect();
    (psd, n)
}

/// The demodulation channel: shifted, low-pass filtered and decimated samples.
struct Channel {
    y: Vec<Complex<f32>>,
    fs_d: f64,
    d2: usize,
    delay: f64,
    enbw: f64,
}

impl Channel {
    /// Two stages: a short anti-alias filter decimating by `d2` (flat to 1.5 × the cut-off,
    /// stop band from 6.5 × the cut-off, where the output rate folds onto the band of the second
    /// stage), then the sharp Blackman low-pass at the low rate.
    fn new(x: &[Complex<f32>], fs: f64, f_mix: f64, fc: f64) -> Self {
        let d2 = ((fs / (8.0 * fc)).floor() as usize).max(1);
        let mut mixed = Vec::with_capacity(x.len());
        Nco::new(f_mix, fs).mix_into(x, &mut mixed);
        if fc >= 0.4 * fs {
            return Channel {
                y: mixed,
                fs_d: fs,
                d2: 1,
                delay: 0.0,
                enbw: fs,
            };
        }
        let (stage_a, fs_d) = if d2 > 1 {
            let taps = fir::lowpass(fs, 4.0 * fc, fir::blackman_taps(fs, 5.0 * fc, 1025));
            let mut dec = Decimator::new(taps, d2);
            let mut y = Vec::with_capacity(mixed.len() / d2 + 1);
            dec.process(&mixed, &mut y);
            ((y, dec.delay()), fs / d2 as f64)
        } else {
            ((mixed, 0.0), fs)
        };
        let taps = fir::lowpass(fs_d, fc, fir::blackman_taps(fs_d, 0.5 * fc, 4095));
        let enbw = fir::noise_bandwidth(fs_d, &taps);
        let mut dec = Decimator::new(taps, 1);
        let mut y = Vec::with_capacity(stage_a.0.len());
        dec.process(&stage_a.0, &mut y);
        Channel {
            y,
            fs_d,
            d2,
            delay: stage_a.1 + dec.delay() * d2 as f64,
            enbw,
        }
    }

    fn power(&self) -> Vec<f32> {
        self.y.iter().map(|v| v.norm_sqr()).collect()
    }
}

/// Centred moving average of odd length `l`; the first and last `l / 2` values are kept.
fn boxcar(v: &[f32], l: usize) -> Vec<f32> {
    if l <= 1 || v.len() < l {
        return v.to_vec();
    }
    let half = l / 2;
    let n = v.len();
    let mut out = v.to_vec();
    let inv = 1.0 / l as f64;
    // Prefix of the first window.
    let mut acc = 0.0f64;
    for &x in &v[..l] {
        acc += x as f64;
    }
    out[half] = (acc * inv) as f32;
    for i in half + 1..n - half {
        acc += v[i + half] as f64 - v[i - half - 1] as f64;
        out[i] = (acc * inv) as f32;
    }
    out
}

/// Two-cluster (1-D k-means) summary of a set of values.
#[derive(Clone, Copy, Debug)]
struct Clusters {
    lo: f32,
    hi: f32,
    spread: f32,
    frac_hi: f32,
}

/// A clear dip between the two clusters: few values near the midpoint compared with the
/// values near each centre (a unimodal spread, however wide, is densest in the middle).
fn is_bimodal(v: &[f32], c: &Clusters) -> bool {
    let sep = c.hi - c.lo;
    if !(sep > 1_000.0 && sep > 3.0 * c.spread && c.frac_hi > 0.05 && c.frac_hi < 0.95) {
        return false;
    }
    let w = sep / 8.0;
    let mid = (c.lo + c.hi) / 2.0;
    let near = |centre: f32| v.iter().filter(|&&x| (x - centre).abs() < w).count();
    let (m, a, b) = (near(mid), near(c.lo), near(c.hi));
    4 * m < a.min(b)
}

/// Values taken for [`two_clusters`] from a series of `n`: every `cluster_stride(n)`-th.
fn cluster_stride(n: usize) -> usize {
    (n / 20_000).max(1)
}

fn two_clusters(v: &[f32]) -> Option<Clusters> {
    if v.len() < 16 {
        return None;
    }
    let s: Vec<f32> = v
        .iter()
        .step_by(cluster_stride(v.len()))
        .copied()
        .filter(|x| x.is_finite())
        .collect();
    clusters_of(s)
}

/// [`two_clusters`] of the (finite) values taken.
fn clusters_of(s: Vec<f32>) -> Option<Clusters> {
    if s.len() < 16 {
        return None;
    }
    let (a, b) = (s.len() / 20, s.len() - 1 - s.len() / 20);
    let (mut lo, mut hi) = two_ranks(&s, a, b);
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        return None;
    }
    for _ in 0..20 {
        let t = (lo + hi) / 2.0;
        let (mut sl, mut nl, mut sh, mut nh) = (0.0f64, 0usize, 0.0f64, 0usize);
        for &x in &s {
            if x < t {
                sl += x as f64;
                nl += 1;
            } else {
                sh += x as f64;
                nh += 1;
            }
        }
        if nl == 0 || nh == 0 {
            return None;
        }
        let (nlo, nhi) = ((sl / nl as f64) as f32, (sh / nh as f64) as f32);
        if nlo == lo && nhi == hi {
            break;
        }
        lo = nlo;
        hi = nhi;
    }
    let t = (lo + hi) / 2.0;
    let mut var = 0.0f64;
    let mut nh = 0usize;
    for &x in &s {
        let c = if x < t { lo } else { hi };
        if x >= t {
            nh += 1;
        }
        var += ((x - c) as f64).powi(2);
    }
    Some(Clusters {
        lo,
        hi,
        spread: (var / s.len() as f64).sqrt() as f32,
        frac_hi: nh as f32 / s.len() as f32,
    })
}

/// An unsigned integer ordered as [`f32::total_cmp`] orders the floats: the sign bit set for
/// positive values, all bits flipped for negative ones.
fn order_key(x: f32) -> u32 {
    let b = x.to_bits();
    b ^ ((((b as i32) >> 31) as u32) >> 1) ^ 0x8000_0000
}

/// The float of an [`order_key`].
fn from_order_key(k: u32) -> f32 {
    f32::from_bits(if k & 0x8000_0000 != 0 {
        k ^ 0x8000_0000
    } else {
        !k
    })
}

/// The `a`-th and `b`-th smallest values of `s` (`a < b < s.len()`) in the order of
/// [`f32::total_cmp`]. Selected by their integer [`order_key`]s, which compare in one
/// instruction where `total_cmp` converts both floats at every comparison; equal keys are
/// equal bits, so the values are those a selection by `total_cmp` gives.
fn two_ranks(s: &[f32], a: usize, b: usize) -> (f32, f32) {
    let mut keys: Vec<u32> = s.iter().map(|&x| order_key(x)).collect();
    let (_, &mut ka, above) = keys.select_nth_unstable(a);
    // The b-th smallest is among the values above the a-th.
    let kb = *above.select_nth_unstable(b - a - 1).1;
    (from_order_key(ka), from_order_key(kb))
}

/// A power in dB, floored at −300 dB.
fn power_db(p: f32) -> f32 {
    10.0 * p.max(1e-30).log10()
}

/// The smallest power `p` with `power_db(p) >= t`, so that for any `p ≥ 1e-30`,
/// `power_db(p) < t` exactly when `p < power_at_db(t)` (`power_db` never decreases).
fn power_at_db(t: f32) -> f32 {
    if t.is_nan() {
        return f32::NAN;
    }
    if power_db(1e-30) >= t {
        return 1e-30;
    }
    if power_db(f32::MAX) < t {
        return f32::INFINITY;
    }
    // Bisection over the ordered bit patterns of positive floats: power_db(lo) < t ≤
    // power_db(hi), starting from an estimate and widening until the bracket holds.
    let guess = 10f64.powf(t as f64 / 10.0).clamp(1e-30, f32::MAX as f64) as f32;
    let (mut lo, mut hi) = (guess.to_bits(), guess.to_bits());
    let mut step = 1u32;
    while lo > 1e-30f32.to_bits() && power_db(f32::from_bits(lo)) >= t {
        lo = lo.saturating_sub(step).max(1e-30f32.to_bits());
        step = step.saturating_mul(2);
    }
    step = 1;
    while hi < f32::MAX.to_bits() && power_db(f32::from_bits(hi)) < t {
        hi = hi.saturating_add(step).min(f32::MAX.to_bits());
        step = step.saturating_mul(2);
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if power_db(f32::from_bits(mid)) < t {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    f32::from_bits(hi)
}

/// Slices the smoothed power into carrier-on intervals (fractional sample indices).
fn slice_power(power: &[f32], l: usize, glitch: f64) -> Vec<(f64, f64)> {
    let ps = boxcar(power, l);
    // The levels are clustered in dB, from the values two_clusters would take.
    if ps.len() < 16 {
        return Vec::new();
    }
    let mut db: Vec<f32> = ps
        .iter()
        .step_by(cluster_stride(ps.len()))
        .copied()
        .collect();
    approx::db_of(&mut db);
    db.retain(|x| x.is_finite());
    let Some(c) = clusters_of(db) else {
        return Vec::new();
    };
    if c.hi - c.lo < 3.0 {
        return Vec::new();
    }
    let t = (c.lo + c.hi) / 2.0;
    // Below `t` dB is below `p_t` in power: one threshold instead of a logarithm a sample.
    let p_t = power_at_db(t);
    let (mut sl, mut nl, mut sh, mut nh) = (0.0f64, 0usize, 0.0f64, 0usize);
    for &p in &ps {
        if p.max(1e-30) < p_t {
            sl += p as f64;
            nl += 1;
        } else {
            sh += p as f64;
            nh += 1;
        }
    }
    if nl == 0 || nh == 0 {
        return Vec::new();
    }
    let lo = (sl / nl as f64) as f32;
    let hi = (sh / nh as f64) as f32;
    // Slice the smoothed magnitude (a boxcar keeps the half-amplitude point of a symmetric
    // edge; smoothing the power would not, since the power is convex in the amplitude). With
    // noise of power `lo`, the expected magnitude at half the carrier amplitude is about
    // sqrt(lo + (hi − lo)/4): that is the decision level.
    let mag: Vec<f32> = power.iter().map(|p| p.sqrt()).collect();
    let ms = boxcar(&mag, l);
    let (lo_m, hi_m) = (lo.sqrt(), hi.sqrt());
    let q = ((lo + (hi - lo) / 4.0).sqrt() - lo_m) / (hi_m - lo_m);
    let m = slicer(&ms, lo_m, hi_m, q.clamp(0.2, 0.6), 0.08, false);
    deglitch(m, glitch)
}

/// Adaptive two-level slicer with hysteresis. The decision level is `lo + q·(hi − lo)`; the
/// state changes when the value passes that level by `h·(hi − lo)`, and the edge is placed at
/// the interpolated crossing of the decision level. The levels follow the values seen in each
/// state slowly (the space level too when `adapt_lo`). Returns high intervals.
fn slicer(v: &[f32], lo: f32, hi: f32, q: f32, h: f32, adapt_lo: bool) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let (mut lo, mut hi) = (lo, hi);
    let beta = 1.0 / 512.0;
    let mut high = false;
    let mut rise = 0.0f64;
    let mut last_edge = 0usize;
    let cross = |v: &[f32], from: usize, to: usize, thr: f32, up: bool| -> f64 {
        // Last crossing of `thr` in v[from..=to], scanning backwards.
        let mut j = to;
        while j > from {
            let (a, b) = (v[j - 1], v[j]);
            if a.is_nan() {
                // The carrier starts here.
                return j as f64 - 0.5;
            }
            let crossed = if up {
                a < thr && b >= thr
            } else {
                a >= thr && b < thr
            };
            if crossed {
                let d = b - a;
                let frac = if d != 0.0 {
                    ((thr - a) / d) as f64
                } else {
                    0.0
                };
                return (j - 1) as f64 + frac.clamp(0.0, 1.0);
            }
            j -= 1;
        }
        from as f64
    };
    let mut next = 0;
    while next < v.len() {
        if !high && !adapt_lo {
            // Nothing changes in a gap until the value rises past the level (the same sum
            // as below, so the same bits): jump there.
            let span = hi - lo;
            match first_above(&v[next..], lo + q * span + h * span) {
                Some(k) => next += k,
                None => break,
            }
        }
        let i = next;
        let x = v[i];
        next += 1;
        if x.is_nan() {
            // No carrier: low, and no level update.
            if high {
                high = false;
                out.push((rise, (i as f64 - 0.5).max(rise)));
                last_edge = i;
            }
            continue;
        }
        let span = hi - lo;
        let thr = lo + q * span;
        if !high {
            if x > thr + h * span {
                high = true;
                rise = cross(v, last_edge, i, thr, true);
                last_edge = i;
            } else if adapt_lo && x < thr {
                lo += beta * (x - lo);
            }
        } else if x < thr - h * span {
            high = false;
            let fall = cross(v, last_edge, i, thr, false);
            out.push((rise, fall.max(rise)));
            last_edge = i;
        } else if x > thr {
            hi += beta * (x - hi);
            // Keep the levels apart.
            if hi - lo < 0.5 * span {
                hi = lo + 0.5 * span;
            }
        }
    }
    if high {
        out.push((rise, (v.len() - 1) as f64));
    }
    out
}

/// Index of the first value above `level` (NaN is not), scanning eight at a time with a
/// loop the compiler vectorises.
fn first_above(v: &[f32], level: f32) -> Option<usize> {
    let mut chunks = v.chunks_exact(8);
    let mut base = 0;
    for c in &mut chunks {
        if c.iter().fold(false, |any, &x| any | (x > level)) {
            break;
        }
        base += 8;
    }
    v[base..].iter().position(|&x| x > level).map(|k| base + k)
}

/// Removes marks shorter than `g` samples, then fills gaps shorter than `g`.
fn deglitch(m: Vec<(f64, f64)>, g: f64) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(m.len());
    for (r, f) in m.into_iter().filter(|&(r, f)| f - r >= g) {
        match out.last_mut() {
            Some(last) if r - last.1 < g => last.1 = f,
            _ => out.push((r, f)),
        }
    }
    out
}

/// A robust "shortest real width": the 20th percentile of mark widths and of gaps shorter
/// than 10 times the median mark, in samples.
fn shortest_width(m: &[(f64, f64)]) -> Option<f64> {
    if m.len() < 3 {
        return None;
    }
    let mut w: Vec<f64> = m.iter().map(|&(r, f)| f - r).collect();
    let mut sorted = w.clone();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let med = sorted[sorted.len() / 2];
    for p in m.windows(2) {
        let g = p[1].0 - p[0].1;
        if g < 10.0 * med {
            w.push(g);
        }
    }
    w.sort_by(|a, b| a.total_cmp(b));
    Some(w[w.len() / 5])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn power_threshold_matches_the_db_comparison() {
        // Every power and threshold, including the ends of the range and values next to the
        // threshold: comparing powers gives what comparing their dB values gives.
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut ts: Vec<f32> = vec![
            -300.0, -299.9, -120.0, -3.0, 0.0, 0.0001, 12.5, 383.0, 400.0,
        ];
        for _ in 0..200 {
            ts.push((next() % 4_000_000) as f32 / 10_000.0 - 320.0);
        }
        for t in ts {
            let p_t = power_at_db(t);
            let mut ps = vec![0.0, 1e-38, 1e-30, 1e-12, 1.0, 1e30, f32::MAX, f32::INFINITY];
            if p_t.is_finite() {
                for k in 1..4u32 {
                    ps.push(f32::from_bits(p_t.to_bits() - k));
                    ps.push(f32::from_bits(p_t.to_bits() + k));
                }
                ps.push(p_t);
            }
            for _ in 0..200 {
                ps.push(10f32.powf((next() % 700) as f32 / 10.0 - 35.0));
            }
            for p in ps {
                assert_eq!(
                    power_db(p) < t,
                    p.max(1e-30) < p_t,
                    "p {p:e} ({} dB), t {t} dB, threshold {p_t:e}",
                    power_db(p)
                );
            }
        }
    }

    #[test]
    fn boxcar_is_centred() {
        let mut v = vec![0.0f32; 50];
        v[20..30].iter_mut().for_each(|x| *x = 1.0);
        let s = boxcar(&v, 5);
        // Symmetric about the pulse centre (24.5).
        for k in 0..8 {
            assert!((s[17 + k] - s[32 - k]).abs() < 1e-6);
        }
        assert_eq!(s[25], 1.0);
    }

    #[test]
    fn slicer_interpolates_edges() {
        let mut v = vec![0.0f32; 100];
        for (i, x) in v.iter_mut().enumerate() {
            // A ramp from 0 to 1 over samples 20..24 and back over 60..64.
            let t = i as f32;
            *x = ((t - 20.0) / 4.0).clamp(0.0, 1.0) - ((t - 60.0) / 4.0).clamp(0.0, 1.0);
        }
        let m = slicer(&v, 0.0, 1.0, 0.5, 0.1, false);
        assert_eq!(m.len(), 1);
        assert!(
            (m[0].0 - 22.0).abs() < 0.01 && (m[0].1 - 62.0).abs() < 0.01,
            "{m:?}"
        );
    }

    /// The slicer sample by sample, without skipping gaps: the reference for [`slicer`].
    fn slicer_reference(
        v: &[f32],
        lo: f32,
        hi: f32,
        q: f32,
        h: f32,
        adapt_lo: bool,
    ) -> Vec<(f64, f64)> {
        let mut out = Vec::new();
        let (mut lo, mut hi) = (lo, hi);
        let beta = 1.0 / 512.0;
        let mut high = false;
        let mut rise = 0.0f64;
        let mut last_edge = 0usize;
        let cross = |v: &[f32], from: usize, to: usize, thr: f32, up: bool| -> f64 {
            let mut j = to;
            while j > from {
                let (a, b) = (v[j - 1], v[j]);
                if a.is_nan() {
                    return j as f64 - 0.5;
                }
                let crossed = if up {
                    a < thr && b >= thr
                } else {
                    a >= thr && b < thr
                };
                if crossed {
                    let d = b - a;
                    let frac = if d != 0.0 {
                        ((thr - a) / d) as f64
                    } else {
                        0.0
                    };
                    return (j - 1) as f64 + frac.clamp(0.0, 1.0);
                }
                j -= 1;
            }
            from as f64
        };
        for (i, &x) in v.iter().enumerate() {
            if x.is_nan() {
                if high {
                    high = false;
                    out.push((rise, (i as f64 - 0.5).max(rise)));
                    last_edge = i;
                }
                continue;
            }
            let span = hi - lo;
            let thr = lo + q * span;
            if !high {
                if x > thr + h * span {
                    high = true;
                    rise = cross(v, last_edge, i, thr, true);
                    last_edge = i;
                } else if adapt_lo && x < thr {
                    lo += beta * (x - lo);
                }
            } else if x < thr - h * span {
                high = false;
                let fall = cross(v, last_edge, i, thr, false);
                out.push((rise, fall.max(rise)));
                last_edge = i;
            } else if x > thr {
                hi += beta * (x - hi);
                if hi - lo < 0.5 * span {
                    hi = lo + 0.5 * span;
                }
            }
        }
        if high {
            out.push((rise, (v.len() - 1) as f64));
        }
        out
    }

    #[test]
    fn slicer_skipping_gaps_matches_the_sample_by_sample_slicer() {
        let mut x = 0x1234_5678_9abc_def1u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 40) as f32 / (1u64 << 24) as f32
        };
        for trial in 0..200 {
            let n = 50 + trial * 37;
            // Noisy marks of random lengths, with NaN (no carrier) stretches and values right
            // at the switching level.
            let mut v = Vec::with_capacity(n);
            let mut on = false;
            while v.len() < n {
                let run = 1 + (next() * 40.0) as usize;
                for _ in 0..run {
                    let base = if on { 1.0 } else { 0.0 };
                    let r = next();
                    v.push(if r < 0.02 {
                        f32::NAN
                    } else if r < 0.04 {
                        0.5 + 0.1
                    } else {
                        base + 0.3 * (next() - 0.5)
                    });
                }
                on = !on;
            }
            for adapt in [false, true] {
                for (q, h) in [(0.5, 0.1), (0.3, 0.08), (0.5, 0.0)] {
                    assert_eq!(
                        slicer(&v, 0.0, 1.0, q, h, adapt),
                        slicer_reference(&v, 0.0, 1.0, q, h, adapt),
                        "trial {trial}, q {q}, h {h}, adapt {adapt}"
                    );
                }
            }
        }
    }

    #[test]
    fn ranks_by_integer_keys_match_the_float_order() {
        let mut x = 0x0bad_5eed_dead_beefu64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let special = [
            0.0f32,
            -0.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            -f32::NAN,
            f32::MIN_POSITIVE,
            -1e-45,
            f32::MAX,
            f32::MIN,
        ];
        for &v in &special {
            assert_eq!(from_order_key(order_key(v)).to_bits(), v.to_bits());
        }
        for trial in 0..300 {
            let n = 2 + trial * 7;
            let v: Vec<f32> = (0..n)
                .map(|_| match next() % 8 {
                    // Raw bit patterns, repeated small values, and the special ones.
                    0 | 1 => f32::from_bits(next() as u32),
                    2 => special[(next() % special.len() as u64) as usize],
                    _ => (next() % 50) as f32 * 0.5 - 12.0,
                })
                .collect();
            let a = (next() as usize) % (n - 1);
            let b = a + 1 + (next() as usize) % (n - 1 - a);
            let mut sorted = v.clone();
            sorted.sort_by(|x, y| x.total_cmp(y));
            let (lo, hi) = two_ranks(&v, a, b);
            assert_eq!(lo.to_bits(), sorted[a].to_bits(), "trial {trial}");
            assert_eq!(hi.to_bits(), sorted[b].to_bits(), "trial {trial}");
            for w in v.windows(2) {
                assert_eq!(order_key(w[0]).cmp(&order_key(w[1])), w[0].total_cmp(&w[1]));
            }
        }
    }

    #[test]
    fn deglitch_removes_short_marks_and_gaps() {
        let m = vec![(0.0, 10.0), (11.0, 20.0), (30.0, 31.0), (40.0, 50.0)];
        assert_eq!(deglitch(m, 3.0), vec![(0.0, 20.0), (40.0, 50.0)]);
    }

    #[test]
    fn clusters_of_two_levels() {
        let v: Vec<f32> = (0..1000)
            .map(|i| if i % 3 == 0 { 10.0 } else { -2.0 } + (i % 7) as f32 * 0.01)
            .collect();
        let c = two_clusters(&v).unwrap();
        assert!(
            (c.hi - 10.03).abs() < 0.1 && (c.lo + 1.97).abs() < 0.1,
            "{c:?}"
        );
        assert!((c.frac_hi - 0.334).abs() < 0.01);
    }
}
