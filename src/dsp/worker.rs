//! Demodulation of closed bursts, on the calling thread or on a worker thread.
//!
//! Bursts closed together form a [`Job`]; [`demodulate_batch`] demodulates each, merges pairs
//! of FSK tones ([`super::merge`]) and orders the results best view first. With a [`Worker`]
//! the jobs queue (at most [`WORKER_QUEUE`]) for a second thread and come back in order; the
//! worker counts the samples it holds so the front end can keep the store in its budget.

use std::collections::VecDeque;
use std::sync::mpsc;

use rustfft::FftPlanner;

use super::candidate::Candidate;
use super::processor::MATCH_HZ;
use super::{DetectedTransmission, Modulation, demod, merge, spurs};

/// Closed bursts waiting for the worker thread, at most (batches of bursts closed together);
/// one keeps the two threads busy while bounding the memory of bursts waiting.
pub const WORKER_QUEUE: usize = 1;

/// Where closed bursts are demodulated.
pub(super) enum Demodulation {
    /// On the calling thread.
    Inline(FftPlanner<f32>),
    /// On a worker thread, in order.
    Worker(Worker),
}

/// A burst still open when others closed: its band (with the [`MATCH_HZ`] margin), the
/// time it has been recording since, s, and the level of its strongest tone so far, dBFS.
#[derive(Clone, Debug)]
pub(super) struct OpenBand {
    pub(super) lo_hz: f64,
    pub(super) hi_hz: f64,
    pub(super) since_s: f64,
    pub(super) level_dbfs: f64,
}

impl OpenBand {
    /// True when `t` may be an emission following this burst's signal: the burst is louder
    /// by [`DEFER_BELOW_DB`] and was recording when `t` began. Its own transmissions are not
    /// known yet, so `t` waits for them.
    pub(super) fn may_lead(&self, t: &DetectedTransmission) -> bool {
        self.level_dbfs >= t.rssi_dbfs + DEFER_BELOW_DB && self.since_s <= t.pulses.start_s
    }
}

/// A transmission at least this much weaker than a burst still open waits for that burst's
/// transmissions before it is reported, dB: [`spurs::MIN_BELOW_DB`] less the margin of the
/// detector's tone level (a keyed carrier's averaged bin power underestimates its power).
const DEFER_BELOW_DB: f64 = spurs::MIN_BELOW_DB - 6.0;

/// Bursts closed together, and the bursts still open at that moment.
pub(super) struct Job {
    pub(super) caps: Vec<demod::Capture>,
    pub(super) held: Vec<OpenBand>,
}

impl Job {
    /// True when `t`, found in a channel centred on `shift_hz`, lies outside that channel's
    /// own carrier and inside the band of a burst still open that started recording before
    /// `t` began.
    fn held_by_open_burst(&self, shift_hz: f64, t: &DetectedTransmission) -> bool {
        if (t.freq_offset_hz - shift_hz).abs() <= MATCH_HZ {
            return false;
        }
        self.held.iter().any(|b| {
            (b.lo_hz..=b.hi_hz).contains(&t.freq_offset_hz) && b.since_s <= t.pulses.start_s
        })
    }
}

/// The transmissions demodulated from bursts closed together, best view first.
pub(super) struct Batch {
    pub(super) found: Vec<DetectedTransmission>,
    /// Earliest start of the batch's channels, s.
    pub(super) t_min: f64,
    /// The bursts still open when these closed.
    pub(super) held: Vec<OpenBand>,
}

/// Demodulates bursts closed together, merges pairs of FSK tones and orders the results for
/// the duplicate check: FSK first, then the most complete (most pulses), then by SNR, so the
/// best view of a transmission is the one kept.
pub(super) fn demodulate_batch(job: &Job, planner: &mut FftPlanner<f32>) -> Batch {
    let mut found = Vec::new();
    let mut tones = Vec::new();
    let mut t_min = f64::INFINITY;
    for cap in &job.caps {
        let (f0, t0) = (found.len(), tones.len());
        demod::demodulate(cap, planner, &mut found, &mut tones);
        t_min = t_min.min(cap.t0_s);
        // A signal found far from the capture's own carrier (a burst opened on a spur or
        // splatter sees a strong key elsewhere in its channel) and that a burst still open has
        // been recording since before it began: that burst will report the whole of it, so
        // this partial view is not reported first.
        let keep = |c: &Candidate| !job.held_by_open_burst(cap.shift_hz, &c.t);
        let tail: Vec<_> = found.drain(f0..).filter(keep).collect();
        found.extend(tail);
        let tail: Vec<_> = tones.drain(t0..).filter(keep).collect();
        tones.extend(tail);
    }
    // The buffers of these bursts' demodulation are not kept while the next bursts record.
    demod::release_buffers();
    merge::merge_tone_pairs(&mut found, tones);
    let mut found: Vec<DetectedTransmission> = found.into_iter().map(|c| c.t).collect();
    found.sort_by(|a, b| {
        (b.modulation == Modulation::Fsk)
            .cmp(&(a.modulation == Modulation::Fsk))
            .then(b.pulses.pulses.len().cmp(&a.pulses.pulses.len()))
            .then(b.snr_db.total_cmp(&a.snr_db))
    });
    Batch {
        found,
        t_min,
        held: job.held.clone(),
    }
}

/// A thread demodulating batches of closed bursts first in, first out.
pub(super) struct Worker {
    jobs: Option<mpsc::SyncSender<Job>>,
    results: mpsc::Receiver<Batch>,
    /// The samples of each batch sent and not yet received, oldest first.
    in_flight: VecDeque<usize>,
    /// Their sum.
    in_flight_samples: usize,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Worker {
    /// Starts the thread; `None` when the system cannot start one.
    pub(super) fn spawn() -> Option<Self> {
        let (jobs, job_rx) = mpsc::sync_channel::<Job>(WORKER_QUEUE);
        let (result_tx, results) = mpsc::channel();
        let handle = std::thread::Builder::new()
            .name("demodulation".into())
            .spawn(move || {
                let mut planner = FftPlanner::new();
                for job in job_rx {
                    if result_tx
                        .send(demodulate_batch(&job, &mut planner))
                        .is_err()
                    {
                        break;
                    }
                }
            })
            .ok()?;
        Some(Worker {
            jobs: Some(jobs),
            results,
            in_flight: VecDeque::new(),
            in_flight_samples: 0,
            handle: Some(handle),
        })
    }

    /// Queues a batch, waiting while the queue is full.
    pub(super) fn send(&mut self, job: Job) {
        let samples = job.caps.iter().map(|c| c.samples.len()).sum();
        let sent = self.jobs.as_ref().is_some_and(|tx| tx.send(job).is_ok());
        if !sent {
            self.raise();
        }
        self.in_flight.push_back(samples);
        self.in_flight_samples += samples;
    }

    /// Samples of the bursts sent whose batch has not been received yet (waiting or being
    /// demodulated).
    pub(super) fn in_flight_samples(&self) -> usize {
        self.in_flight_samples
    }

    /// The oldest batch not received yet, waiting for it; `None` when none is in flight.
    pub(super) fn receive_one(&mut self) -> Option<Batch> {
        if self.in_flight.is_empty() {
            return None;
        }
        match self.results.recv() {
            Ok(b) => {
                self.received();
                Some(b)
            }
            Err(_) => self.raise(),
        }
    }

    /// Accounts for the oldest batch in flight, just received.
    fn received(&mut self) {
        if let Some(s) = self.in_flight.pop_front() {
            self.in_flight_samples -= s;
        }
    }

    /// The batches finished so far, in the order sent; with `wait`, every batch sent.
    pub(super) fn receive(&mut self, wait: bool) -> Vec<Batch> {
        let mut done = Vec::new();
        while !self.in_flight.is_empty() {
            let batch = if wait {
                self.results.recv().ok()
            } else {
                match self.results.try_recv() {
                    Ok(b) => Some(b),
                    Err(mpsc::TryRecvError::Empty) => break,
                    Err(mpsc::TryRecvError::Disconnected) => None,
                }
            };
            match batch {
                Some(b) => {
                    self.received();
                    done.push(b);
                }
                None => self.raise(),
            }
        }
        done
    }

    /// The thread stopped early, which only a panic does: the panic goes on here.
    fn raise(&mut self) -> ! {
        self.jobs = None;
        match self.handle.take().map(|h| h.join()) {
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            _ => panic!("the demodulation thread stopped"),
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing the queue ends the thread once it has finished its batch.
        self.jobs = None;
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}
