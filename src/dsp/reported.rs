//! Transmissions already reported: the duplicate check and the spurs of louder ones.
//!
//! Several bursts can demodulate one signal: the two tones of an FSK key, a key click beside
//! its carrier, an image, or splatter that opened a burst of its own. A transmission that
//! repeats one reported in the last few seconds is dropped; one that follows a louder
//! transmission's keying ([`super::spurs`]) becomes that transmission's spur. Transmissions
//! that may follow a burst still open wait until that burst is demodulated.

use super::DetectedTransmission;
use super::burst;
use super::spurs;
use super::worker::Batch;

/// Transmissions closer than this in start time and [`DUPLICATE_HZ`] in carrier are one, s.
pub const DUPLICATE_S: f64 = 0.002;
/// See [`DUPLICATE_S`], Hz.
pub const DUPLICATE_HZ: f64 = 5_000.0;

/// A transmission already reported, for duplicate checks.
struct Seen {
    start: f64,
    freq: f64,
    dev: f64,
    pulses: usize,
    duration_us: f64,
    /// Its keying, for the emissions that follow it.
    leader: spurs::Leader,
}

/// The transmissions reported recently, and those waiting for a louder burst still open.
pub(super) struct Reported {
    recent: Vec<Seen>,
    /// Transmissions waiting for the bursts still open that they may follow.
    deferred: Vec<DetectedTransmission>,
    /// Earliest start among `deferred`, s.
    deferred_t_min: f64,
}

impl Reported {
    /// Nothing reported yet.
    pub(super) fn new() -> Self {
        Reported {
            recent: Vec::new(),
            deferred: Vec::new(),
            deferred_t_min: f64::INFINITY,
        }
    }

    /// Appends the transmissions of a demodulated batch that are not duplicates of ones
    /// already reported.
    ///
    /// First the batch's emissions that follow a louder transmission's keying ([`spurs`])
    /// are taken out and listed as that transmission's spurs.
    pub(super) fn keep_new(&mut self, batch: Batch, out: &mut Vec<DetectedTransmission>) {
        let Batch { found, t_min, held } = batch;
        let horizon = t_min.min(self.deferred_t_min) - 2.0 * burst::MAX_BURST_S;
        self.recent.retain(|r| r.start > horizon);
        // Those that may follow a louder burst still open wait for its transmissions.
        let mut all = std::mem::take(&mut self.deferred);
        all.extend(found);
        let (wait, found): (Vec<_>, Vec<_>) = all
            .into_iter()
            .partition(|t| held.iter().any(|b| b.may_lead(t)));
        self.deferred_t_min = wait
            .iter()
            .map(|t| t.pulses.start_s)
            .fold(f64::INFINITY, f64::min);
        self.deferred = wait;
        let spurs_of = self.take_followers(&found);
        for (mut t, spurs) in found.into_iter().zip(spurs_of) {
            let Some(spurs) = spurs else {
                continue;
            };
            t.spurs = spurs;
            // Same start and the same carrier, or one tone of an FSK transmission already kept,
            // or the same pulses (an image or the other tone of the same signal).
            let n = t.pulses.pulses.len();
            let dur = t.pulses.duration_us();
            let end = t.pulses.start_s + dur * 1e-6;
            let dup = self.recent.iter().any(|r| {
                // Inside the band of an FSK transmission kept for the same time span.
                let common =
                    end.min(r.start + r.duration_us * 1e-6) - t.pulses.start_s.max(r.start);
                let within_fsk = r.dev > 0.0
                    && common > 0.5 * dur * 1e-6
                    && (t.freq_offset_hz - r.freq).abs() < 1.5 * r.dev;
                // The same carrier over most of the same time: one signal seen by two bursts
                // (a strong, clipping key splatters runs that open a second burst whose
                // channel then finds the same signal).
                let shorter = dur.min(r.duration_us) * 1e-6;
                let same_signal =
                    (t.freq_offset_hz - r.freq).abs() < DUPLICATE_HZ && common > 0.5 * shorter;
                within_fsk
                    || same_signal
                    || (r.start - t.pulses.start_s).abs() < DUPLICATE_S
                        && ([r.freq, r.freq - r.dev, r.freq + r.dev]
                            .iter()
                            .any(|&g| (g - t.freq_offset_hz).abs() < DUPLICATE_HZ.max(0.3 * r.dev))
                            || (r.pulses.abs_diff(n) <= 2
                                && (r.duration_us - dur).abs() < 0.03 * dur))
            });
            if !dup {
                self.recent.push(Seen {
                    start: t.pulses.start_s,
                    freq: t.freq_offset_hz,
                    dev: t.fsk_deviation_hz.unwrap_or(0.0),
                    pulses: n,
                    duration_us: dur,
                    leader: spurs::Leader::of(&t),
                });
                out.push(t);
            }
        }
    }

    /// Finds the transmissions of `found` that follow a louder one's keying (in the batch or
    /// reported before), loudest first. Returns, per transmission, `None` for a follower and
    /// otherwise the spurs attributed to it (a follower goes to the loudest transmission of the
    /// batch it follows; one following a transmission already reported is only dropped).
    fn take_followers(&self, found: &[DetectedTransmission]) -> Vec<Option<Vec<spurs::Spur>>> {
        let mut order: Vec<usize> = (0..found.len()).collect();
        order.sort_by(|&a, &b| found[b].rssi_dbfs.total_cmp(&found[a].rssi_dbfs));
        let mut leaders: Vec<(usize, spurs::Leader)> = Vec::new();
        let mut result: Vec<Option<Vec<spurs::Spur>>> = vec![Some(Vec::new()); found.len()];
        for &i in &order {
            let t = &found[i];
            let all: Vec<&spurs::Leader> = leaders
                .iter()
                .map(|(_, l)| l)
                .chain(self.recent.iter().map(|r| &r.leader))
                .collect();
            if !spurs::follows(t, &all) {
                leaders.push((i, spurs::Leader::of(t)));
                continue;
            }
            let to = leaders
                .iter()
                .filter(|(_, l)| l.rssi_dbfs - t.rssi_dbfs >= spurs::MIN_BELOW_DB && l.overlaps(t))
                .max_by(|a, b| a.1.rssi_dbfs.total_cmp(&b.1.rssi_dbfs))
                .map(|(j, _)| *j);
            let spur = spurs::Spur {
                freq_offset_hz: t.freq_offset_hz,
                level_dbc: t.rssi_dbfs - to.map_or(t.rssi_dbfs, |j| found[j].rssi_dbfs),
            };
            result[i] = None;
            // A view of the leader's own carrier from a channel beside it is no spur.
            let own = to
                .is_some_and(|j| (found[j].freq_offset_hz - t.freq_offset_hz).abs() < DUPLICATE_HZ);
            if let Some(Some(list)) = to.filter(|_| !own).map(|j| result[j].as_mut()) {
                spurs::add_spur(list, spur);
            }
        }
        result
    }
}
