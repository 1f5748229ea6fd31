//! SoapySDR source (cargo feature `soapy`): any radio SoapySDR drives (RTL-SDR, HackRF,
//! Airspy, LimeSDR, ...), read in a dedicated thread into a bounded queue.
//!
//! Samples are requested as CF32 (SoapySDR converts from the device's native format). The reader
//! thread never blocks on the analysis: when the queue is full the block is dropped and counted,
//! and device overflows are counted too; both show in [`IqSource::warnings`]. A device that
//! delivers nothing (SoapySDR's `driver=null`, a stalled USB transfer) ends the stream with an
//! error that says so, never an endless wait or a silent "no signal".

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use num_complex::Complex;
use soapysdr::{Device, Direction, ErrorCode};

use super::{FileFormat, IqSource, Problem, SampleFormat, SourceError, StreamInfo};

/// Blocks the queue holds between the reader thread and the analysis (~4 s at 2.4 MS/s).
pub const QUEUE_BLOCKS: usize = 128;
/// Samples per block read from the device.
pub const DEVICE_BLOCK: usize = 1 << 16;

/// Tuner gain.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Gain {
    /// Automatic gain control of the device.
    Auto,
    /// Overall gain in dB.
    Manual(f64),
}

/// Device selection and tuning.
#[derive(Clone, Debug, PartialEq)]
pub struct SoapySettings {
    /// SoapySDR device arguments (`driver=rtlsdr`, `driver=rtlsdr,serial=00000001`); empty =
    /// the first device found.
    pub device: String,
    /// Stream arguments (`chan=stereo_iq` for the audio driver), may be empty.
    pub stream_args: String,
    /// Receive channel.
    pub channel: usize,
    /// Sample rate, S/s.
    pub sample_rate_hz: f64,
    /// Centre frequency, Hz.
    pub center_freq_hz: f64,
    /// Gain.
    pub gain: Gain,
    /// Crystal correction, ppm, applied by the device when it can (RTL-SDR's `CORR`).
    pub ppm: f64,
    /// Antenna port, when the device has several.
    pub antenna: Option<String>,
    /// How long the device may deliver nothing before the stream is declared dead.
    pub stall_timeout: Duration,
}

impl SoapySettings {
    /// Defaults: first device, channel 0, automatic gain, 5 s stall timeout.
    pub fn new(device: impl Into<String>, sample_rate_hz: f64, center_freq_hz: f64) -> Self {
        SoapySettings {
            device: device.into(),
            stream_args: String::new(),
            channel: 0,
            sample_rate_hz,
            center_freq_hz,
            gain: Gain::Auto,
            ppm: 0.0,
            antenna: None,
            stall_timeout: Duration::from_secs(5),
        }
    }
}

/// Lists the devices SoapySDR finds, as argument strings.
pub fn list_devices() -> Result<Vec<String>, SourceError> {
    soapysdr::enumerate("")
        .map(|v| v.iter().map(|a| a.to_string()).collect())
        .map_err(|e| SourceError::new("soapysdr", Problem::Malformed(e.to_string())))
}

enum Message {
    Block(Vec<Complex<f32>>),
    Failed(String),
}

/// A running SoapySDR receive stream.
pub struct SoapySource {
    info: StreamInfo,
    device: Device,
    channel: usize,
    rx: Receiver<Message>,
    current: Vec<Complex<f32>>,
    pos: usize,
    stop: Arc<AtomicBool>,
    dropped_samples: Arc<AtomicU64>,
    device_overflows: Arc<AtomicU64>,
    reader: Option<JoinHandle<()>>,
    stall_timeout: Duration,
    ppm_applied_by_device: bool,
    received: u64,
}

impl SoapySource {
    /// Opens and tunes the device and starts the reader thread.
    pub fn open(settings: &SoapySettings) -> Result<SoapySource, SourceError> {
        let name = if settings.device.is_empty() {
            "soapysdr (first device)".to_string()
        } else {
            format!("soapysdr:{}", settings.device)
        };
        let fail = |what: &str, e: soapysdr::Error| {
            SourceError::new(&name, Problem::Malformed(format!("{what}: {e}")))
        };
        if settings.device.is_empty() {
            let found = soapysdr::enumerate("").map_err(|e| fail("cannot list devices", e))?;
            if found.is_empty() {
                return Err(SourceError::new(
                    &name,
                    Problem::Malformed(
                        "no SoapySDR device found: is the radio plugged in, and is its SoapySDR \
                         module installed (e.g. soapysdr-module-rtlsdr)? `SoapySDRUtil --find` \
                         lists what SoapySDR sees"
                            .into(),
                    ),
                ));
            }
        }
        let dev = Device::new(settings.device.as_str()).map_err(|e| fail("cannot open", e))?;
        let ch = settings.channel;
        dev.set_sample_rate(Direction::Rx, ch, settings.sample_rate_hz)
            .map_err(|e| fail("cannot set the sample rate", e))?;
        dev.set_frequency(Direction::Rx, ch, settings.center_freq_hz, ())
            .map_err(|e| fail("cannot set the frequency", e))?;
        if let Some(a) = &settings.antenna {
            dev.set_antenna(Direction::Rx, ch, a.as_str())
                .map_err(|e| fail("cannot select the antenna", e))?;
        }
        match settings.gain {
            Gain::Auto => {
                if dev.has_gain_mode(Direction::Rx, ch).unwrap_or(false) {
                    dev.set_gain_mode(Direction::Rx, ch, true)
                        .map_err(|e| fail("cannot enable automatic gain", e))?;
                }
            }
            Gain::Manual(db) => {
                if dev.has_gain_mode(Direction::Rx, ch).unwrap_or(false) {
                    let _ = dev.set_gain_mode(Direction::Rx, ch, false);
                }
                dev.set_gain(Direction::Rx, ch, db)
                    .map_err(|e| fail("cannot set the gain", e))?;
            }
        }
        let ppm_applied_by_device = settings.ppm == 0.0
            || dev
                .set_component_frequency(Direction::Rx, ch, "CORR", settings.ppm, ())
                .is_ok();
        let hardware = dev.hardware_key().ok().filter(|s| !s.is_empty());
        let actual_rate = dev
            .sample_rate(Direction::Rx, ch)
            .unwrap_or(settings.sample_rate_hz);
        let actual_freq = dev
            .frequency(Direction::Rx, ch)
            .unwrap_or(settings.center_freq_hz);
        let mut stream = dev
            .rx_stream_args::<Complex<f32>, _>(&[ch], settings.stream_args.as_str())
            .map_err(|e| fail("cannot set up the receive stream", e))?;
        stream
            .activate(None)
            .map_err(|e| fail("cannot start the receive stream", e))?;

        let (tx, rx) = mpsc::sync_channel(QUEUE_BLOCKS);
        let stop = Arc::new(AtomicBool::new(false));
        let dropped = Arc::new(AtomicU64::new(0));
        let overflows = Arc::new(AtomicU64::new(0));
        let reader = {
            let stop = Arc::clone(&stop);
            let dropped = Arc::clone(&dropped);
            let overflows = Arc::clone(&overflows);
            thread::Builder::new()
                .name("soapysdr-reader".into())
                .spawn(move || {
                    read_loop(&mut stream, &tx, &stop, &dropped, &overflows);
                    let _ = stream.deactivate(None);
                })
                .map_err(|e| SourceError::new(&name, Problem::Io(e)))?
        };
        let info = StreamInfo {
            path: name,
            format: FileFormat::Raw(SampleFormat::Cf32),
            sample_format: SampleFormat::Cf32,
            sample_rate_hz: actual_rate,
            center_freq_hz: Some(actual_freq),
            total_samples: None,
            datetime: None,
            hardware,
        };
        Ok(SoapySource {
            info,
            device: dev,
            channel: ch,
            rx,
            current: Vec::new(),
            pos: 0,
            stop,
            dropped_samples: dropped,
            device_overflows: overflows,
            reader: Some(reader),
            stall_timeout: settings.stall_timeout,
            ppm_applied_by_device,
            received: 0,
        })
    }

    /// Whether the device applied the ppm correction itself (else the caller corrects the
    /// reported frequencies).
    pub fn ppm_applied_by_device(&self) -> bool {
        self.ppm_applied_by_device
    }
}

fn read_loop(
    stream: &mut soapysdr::RxStream<Complex<f32>>,
    tx: &SyncSender<Message>,
    stop: &AtomicBool,
    dropped: &AtomicU64,
    overflows: &AtomicU64,
) {
    let mut consecutive_errors = 0u32;
    while !stop.load(Ordering::Relaxed) {
        let mut buf = vec![Complex::new(0.0f32, 0.0); DEVICE_BLOCK];
        match stream.read(&mut [&mut buf[..]], 200_000) {
            Ok(n) => {
                consecutive_errors = 0;
                buf.truncate(n);
                if n == 0 {
                    continue;
                }
                match tx.try_send(Message::Block(buf)) {
                    Ok(()) => {}
                    Err(TrySendError::Full(Message::Block(b))) => {
                        dropped.fetch_add(b.len() as u64, Ordering::Relaxed);
                    }
                    Err(_) => return,
                }
            }
            Err(e) if e.code == ErrorCode::Timeout => {}
            Err(e) if e.code == ErrorCode::Overflow => {
                overflows.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) if e.code == ErrorCode::NotSupported => {
                let _ = tx.send(Message::Failed(format!(
                    "the device streams no samples (read: {e}); SoapySDR's `driver=null` behaves \
                     like this, it is not a radio"
                )));
                return;
            }
            Err(e) => {
                consecutive_errors += 1;
                if consecutive_errors >= 10 {
                    let _ = tx.send(Message::Failed(format!(
                        "the device stopped streaming: {e}"
                    )));
                    return;
                }
            }
        }
    }
}

impl IqSource for SoapySource {
    fn info(&self) -> &StreamInfo {
        &self.info
    }

    fn retune(&mut self, center_freq_hz: f64) -> Result<(), SourceError> {
        self.device
            .set_frequency(Direction::Rx, self.channel, center_freq_hz, ())
            .map_err(|e| {
                SourceError::new(
                    &self.info.path,
                    Problem::Malformed(format!("cannot retune: {e}")),
                )
            })?;
        // Samples queued before the retune belong to the old frequency.
        while self.rx.try_recv().is_ok() {}
        self.current.clear();
        self.pos = 0;
        self.info.center_freq_hz = Some(center_freq_hz);
        Ok(())
    }

    fn read(&mut self, out: &mut [Complex<f32>]) -> Result<usize, SourceError> {
        if out.is_empty() {
            return Ok(0);
        }
        while self.pos >= self.current.len() {
            match self.rx.recv_timeout(self.stall_timeout) {
                Ok(Message::Block(b)) => {
                    self.current = b;
                    self.pos = 0;
                }
                Ok(Message::Failed(msg)) => {
                    return Err(SourceError::new(&self.info.path, Problem::Malformed(msg)));
                }
                Err(RecvTimeoutError::Timeout) => {
                    return Err(SourceError::new(
                        &self.info.path,
                        Problem::Malformed(format!(
                            "the device delivered no samples for {:.0} s (after {} samples); \
                             check the cable and that no other program uses the radio",
                            self.stall_timeout.as_secs_f64(),
                            self.received
                        )),
                    ));
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(SourceError::new(
                        &self.info.path,
                        Problem::Malformed("the device reader stopped".into()),
                    ));
                }
            }
        }
        let n = out.len().min(self.current.len() - self.pos);
        out[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        self.received += n as u64;
        Ok(n)
    }

    fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        let dropped = self.dropped_samples.load(Ordering::Relaxed);
        if dropped > 0 {
            w.push(format!(
                "{dropped} samples were dropped because the analysis fell behind the radio"
            ));
        }
        let ovf = self.device_overflows.load(Ordering::Relaxed);
        if ovf > 0 {
            w.push(format!(
                "the device reported {ovf} overflows (samples lost before they reached fobscope)"
            ));
        }
        if !self.ppm_applied_by_device {
            w.push("the device cannot apply a ppm correction; it is applied to the reported frequencies instead".into());
        }
        w
    }
}

impl Drop for SoapySource {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Unblock a reader waiting for queue space.
        while self.rx.try_recv().is_ok() {}
        if let Some(h) = self.reader.take() {
            let _ = h.join();
        }
    }
}
