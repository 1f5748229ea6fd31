//! One burst in progress: its coarse channel, filled on the fly while the burst lasts.
//!
//! When the detector sees a new burst, the stream is shifted by an NCO so the burst's first
//! peak sits at 0 Hz, then low-pass filtered and decimated by `D = floor(fs / 200 kHz)` (at
//! least 1) to a channel of 200–400 kS/s. The filter is a Blackman window-method design with its
//! −6 dB cut-off at the output Nyquist frequency and a transition band `0.4 · fs_c` wide, so the
//! band `±0.3 · fs_c` (at least ±60 kHz) is flat and nothing aliases into it above 74 dB
//! attenuation; at 1024 kS/s that is 69 taps at D = 5. Only these channel samples are kept,
//! up to [`MAX_BURST_S`] seconds, and all bursts together hold at most [`STORE_BUDGET`]
//! samples (see [`cut_to_budget`]).

use num_complex::Complex;

use super::decimator::Decimator;
use super::demod::Capture;
use super::fir;
use super::nco::Nco;

/// Longest burst kept, seconds: the 5 s a manually operated transmitter may run after release
/// (47 CFR 15.231(a)(1)). Longer bursts are cut and marked truncated.
pub const MAX_BURST_S: f64 = 5.0;

/// Samples of all stored bursts together, at most: those open and those closed and waiting
/// for demodulation (16 MiB). Memory stays bounded whatever the signal: without it, eight
/// bursts of 5 s at 250 kS/s (an undecimated channel) would hold 80 MB. Eight bursts of a
/// second each fit (the splatter of a strong key can open that many); bursts cut by the
/// budget are marked truncated.
pub const STORE_BUDGET: usize = 2 << 20;

/// Target rate of the coarse channel, S/s.
pub const CHANNEL_RATE_HZ: f64 = 200_000.0;

/// Half-width of the band searched for the burst's signal around its first peak, Hz, when the
/// channel is decimated (an undecimated channel is searched to 0.45 × its rate).
pub const SEARCH_HALF_WIDTH_HZ: f64 = 60_000.0;

/// A burst being recorded.
pub struct OpenBurst {
    /// Lowest and highest detector bin where the burst peaked (centred bin numbers).
    pub lo_bin: usize,
    /// See `lo_bin`.
    pub hi_bin: usize,
    /// Frame where the recording starts (pre-roll included).
    pub first_frame: u64,
    /// Last frame with activity.
    pub last_active: u64,
    /// Longest run of consecutive frames with a strong single-frame peak.
    pub longest_run: u64,
    /// Current run.
    pub run: u64,
    /// Highest peak-bin power of the runs matched to the burst (see [`super::detector::Run`]).
    pub peak_power: f32,
    /// Peak-bin power of the run the burst opened on.
    pub first_power: f32,
    shift_hz: f64,
    fs_hz: f64,
    first_sample: u64,
    nco: Nco,
    dec: Decimator,
    samples: Vec<Complex<f32>>,
    max_samples: usize,
    factor: usize,
}

/// Smallest growth of a burst's sample store, samples.
const GROW_MIN: usize = 16_384;

impl OpenBurst {
    /// Starts a burst centred on `shift_hz`, recording from absolute sample `first_sample`.
    pub fn new(fs_hz: f64, shift_hz: f64, bin: usize, first_frame: u64, first_sample: u64) -> Self {
        let d = decimation(fs_hz);
        let taps = if d == 1 {
            vec![1.0]
        } else {
            let fs_c = fs_hz / d as f64;
            fir::lowpass(
                fs_hz,
                fs_c / 2.0,
                fir::blackman_taps(fs_hz, 0.4 * fs_c, 1025),
            )
        };
        let fs_c = fs_hz / d as f64;
        OpenBurst {
            lo_bin: bin,
            hi_bin: bin,
            first_frame,
            last_active: first_frame,
            longest_run: 0,
            run: 0,
            peak_power: 0.0,
            first_power: 0.0,
            shift_hz,
            fs_hz,
            first_sample,
            nco: Nco::new(shift_hz, fs_hz),
            dec: Decimator::new(taps, d),
            samples: Vec::new(),
            max_samples: (MAX_BURST_S * fs_c).ceil() as usize,
            factor: d,
        }
    }

    /// Adds the next samples of the stream.
    ///
    /// The store grows by a sixteenth at a time (never past what the cap needs) instead of
    /// doubling, so a long burst holds little more memory than its samples (a large store is
    /// mapped memory, which grows in place without copying).
    pub fn feed(&mut self, x: &[Complex<f32>]) {
        let len = self.samples.len();
        let need = len + x.len() / self.factor + 2;
        if need > self.samples.capacity() {
            let limit = self.max_samples + x.len() / self.factor + 2;
            let want = (len + (len / 16).max(GROW_MIN))
                .max(need)
                .min(limit.max(need));
            self.samples.reserve_exact(want - len);
        }
        let nco = &mut self.nco;
        self.dec
            .process_with(x.len(), |dst| nco.mix(x, dst), &mut self.samples);
        self.samples.truncate(self.max_samples);
    }

    /// Offset of the channel's 0 Hz from the stream centre, Hz.
    pub fn shift_hz(&self) -> f64 {
        self.shift_hz
    }

    /// Samples stored so far.
    pub fn stored(&self) -> usize {
        self.samples.len()
    }

    /// True when the length cap is reached.
    pub fn full(&self) -> bool {
        self.samples.len() >= self.max_samples
    }

    /// The recorded channel, ready for demodulation; `dc_line` says the stream has a standing
    /// DC line (an RTL-SDR's DC spike), which the demodulator must not take for the burst.
    pub fn into_capture(mut self, noise_density: f64, truncated: bool, dc_line: bool) -> Capture {
        // A closed burst may wait for the demodulation thread: it keeps only its samples.
        self.samples.shrink_to_fit();
        let d = self.factor;
        let fs_c = self.fs_hz / d as f64;
        Capture {
            samples: self.samples,
            fs_hz: fs_c,
            shift_hz: self.shift_hz,
            stream_fs_hz: self.fs_hz,
            t0_s: (self.first_sample as f64 + self.dec.delay()) / self.fs_hz,
            passband_hz: search_half_width_hz(self.fs_hz),
            noise_density,
            truncated,
            dc_line,
        }
    }
}

/// Half-width of the band searched around a burst's centre for a stream at `fs_hz`, Hz.
pub fn search_half_width_hz(fs_hz: f64) -> f64 {
    let d = decimation(fs_hz);
    let fs_c = fs_hz / d as f64;
    if d == 1 {
        0.45 * fs_c
    } else {
        SEARCH_HALF_WIDTH_HZ.min(0.3 * fs_c)
    }
}

/// Decimation of the coarse channel for a stream at `fs_hz`.
pub fn decimation(fs_hz: f64) -> usize {
    ((fs_hz / CHANNEL_RATE_HZ).floor() as usize).max(1)
}

/// The bursts to cut so that those left open hold at most `budget` samples together: the
/// longest first (the earliest of equal ones), leaving out those `closing` anyway. `stored`
/// gives each open burst's samples.
pub fn cut_to_budget(
    stored: &[usize],
    closing: impl Fn(usize) -> bool,
    budget: usize,
) -> Vec<usize> {
    let mut left: Vec<usize> = (0..stored.len()).filter(|&i| !closing(i)).collect();
    let mut total: usize = left.iter().map(|&i| stored[i]).sum();
    let mut cut = Vec::new();
    while total > budget {
        let Some(k) =
            (0..left.len()).max_by_key(|&k| (stored[left[k]], std::cmp::Reverse(left[k])))
        else {
            break;
        };
        let i = left.swap_remove(k);
        total -= stored[i];
        cut.push(i);
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_cut_within_the_budget() {
        assert!(cut_to_budget(&[10, 20, 30], |_| false, 60).is_empty());
        assert!(cut_to_budget(&[], |_| false, 0).is_empty());
    }

    #[test]
    fn the_longest_bursts_are_cut_until_the_rest_fit() {
        assert_eq!(cut_to_budget(&[10, 40, 30], |_| false, 50), vec![1]);
        assert_eq!(cut_to_budget(&[10, 40, 30], |_| false, 30), vec![1, 2]);
        assert_eq!(cut_to_budget(&[10, 40, 30], |_| false, 0), vec![1, 2, 0]);
    }

    #[test]
    fn bursts_closing_anyway_do_not_count() {
        assert!(cut_to_budget(&[10, 40, 30], |i| i == 1, 40).is_empty());
        assert_eq!(cut_to_budget(&[10, 40, 30], |i| i == 1, 35), vec![2]);
    }

    #[test]
    fn of_equal_bursts_the_first_is_cut() {
        assert_eq!(cut_to_budget(&[5, 30, 30], |_| false, 40), vec![1]);
    }
}
