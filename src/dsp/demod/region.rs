//! Demodulation of one region of a burst: envelope, discriminator, OOK/FSK decision, slicing
//! into pulses, and the transmission's measurements (RSSI, SNR, sag).

use super::channel::Channel;
use super::clusters::{Clusters, is_bimodal, two_clusters};
use super::scratch::Buf;
use super::slicing::{boxcar, deglitch, shortest_width, slice_power, slicer};
use super::{Capture, MIN_FSK_SPACING_HZ, MIN_PULSES, MIN_SNR_DB};
use crate::dsp::candidate::Candidate;
use crate::dsp::merge::MAX_TONE_POWER_DIFF_DB;
use crate::dsp::split::split_at_gaps;
use crate::dsp::{DetectedTransmission, Modulation};
use crate::pulse::{Pulse, PulseTrain};

/// What a region's demodulation may report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Want {
    /// OOK or FSK, whichever the signal is.
    Any,
    /// FSK only, with both tones at about the same power; nothing otherwise.
    FskOnly,
}

/// Demodulates the part of a burst between `f_lo` and `f_hi` (channel Hz).
pub(super) fn demod_region(
    cap: &Capture,
    f_lo: f64,
    f_hi: f64,
    want: Want,
    out: &mut Vec<Candidate>,
) {
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
    // 3. Envelope and discriminator, computed once per channel (in place of its samples) and
    // kept for the slicing below.
    let (mut power, mut freq) = ch.envelope();
    let mut gate1 = slice_power(&power, l1, 1.5);
    let mut w_ref = shortest_width(&gate1).map(|w| w / ch.fs_d);
    // The channel must let the shortest pulse through: edges faster than a third of it.
    if let Some(w) = w_ref {
        let need = (1.5 / w).min(fc_max);
        if need > 1.2 * fc {
            fc = need;
            // The first channel and its envelope go before the wider channel is built.
            drop((ch, power, freq, gate1));
            ch = Channel::new(x, fs, f_mix, fc);
            let l1 = odd((ch.fs_d / (4.0 * fc)).round() as usize);
            (power, freq) = ch.envelope();
            gate1 = slice_power(&power, l1, 1.5);
            w_ref = shortest_width(&gate1).map(|w| w / ch.fs_d).or(w_ref);
        }
    }
    let Channel {
        fs_d,
        d2,
        delay,
        enbw,
        ..
    } = ch;
    let t_of = |i: f64| cap.t0_s + (i * d2 as f64 + delay) / fs;
    let noise_ch = (cap.noise_density * enbw).max(1e-30);
    let n = power.len();
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
    drop(freq);
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
            let mut v = Buf::with_capacity(n);
            v.resize(n, f32::NAN);
            for &(r, f) in &gate {
                let a = r.ceil().max(0.0) as usize;
                let b = (f.floor() as usize + 1).min(n);
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
    let end_t = t_of((n - 1) as f64);
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

pub(super) fn odd(n: usize) -> usize {
    n.max(1) | 1
}
