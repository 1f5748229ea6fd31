//! An rtl_tcp server that replays a recording as a radio would: lets `fobscope listen`,
//! rtl_433 or gqrx be tried (and tested) against a known signal without a dongle.
//!
//! It speaks the protocol of osmocom's `rtl_tcp`: the 12-byte `RTL0` greeting (tuner type R820T,
//! 29 gain steps), then raw u8 IQ in real time (or faster). The client's commands are obeyed as
//! a dongle would obey them: a sample rate is honoured by resampling the recording, a frequency
//! by moving the recording within the client's band (outside the recording's span the client
//! hears noise at the recording's noise floor), and once the recording is over the radio keeps
//! streaming noise ([`AtEnd::Noise`]) unless told to hang up or to start over. Every command,
//! and what was done with it, goes to the session's log.

mod commands;
mod front_end;
mod noise;
mod resample;

pub use commands::{describe, valid_rtl_rate};
pub use front_end::{FrontEnd, Recording, Tuning};
pub use resample::{Nco, Resampler};

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use num_complex::Complex;

use crate::source::rtl_tcp::{Header, command};
use crate::source::stats::StatsAccumulator;
use crate::source::{IqSource, SourceError};

/// Samples per block sent to the client (7 ms at 2.4 MS/s).
const SEND_BLOCK: usize = 1 << 14;
/// Recording samples read ahead to measure its noise floor when none is given (1 s at
/// 250 kS/s; a tenth of a second at 2.4 MS/s: hundreds of noise blocks either way).
const NOISE_PROBE: usize = 1 << 18;
/// Noise floor assumed for a recording too short to measure, dBFS (an RTL-SDR's 8-bit floor
/// with a little gain).
const FALLBACK_NOISE_DBFS: f64 = -45.0;
/// After the first command, how long the client may pause before the radio starts streaming
/// with the settings received so far (clients send their settings back to back).
const SETTLE_QUIET: Duration = Duration::from_millis(60);
/// Longest wait for the client's settings before streaming.
const SETTLE_MAX: Duration = Duration::from_secs(1);

/// What the server does when the recording ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtEnd {
    /// Keep streaming noise at the recording's floor until the client leaves (as a radio
    /// would: the key is simply no longer pressed).
    Noise,
    /// Close the connection (a dongle unplugged, as the client sees it).
    Close,
    /// Start the recording again (needs a way to reopen it; see [`serve_stream_looping`]).
    Loop,
}

/// Where the session's log lines go.
pub type Log = Arc<dyn Fn(&str) + Send + Sync>;

/// Server settings.
#[derive(Clone)]
pub struct ServeOptions {
    /// Playback speed: 1.0 = real time; 0 = as fast as the client reads.
    pub speed: f64,
    /// What to do after the last sample.
    pub at_end: AtEnd,
    /// Close the connection after this many samples (simulates a dongle unplugged mid-stream).
    pub cut_after_samples: Option<u64>,
    /// Greeting to send.
    pub header: Header,
    /// The recording's noise floor, dBFS over its bandwidth; `None`: measured from its start.
    pub noise_dbfs: Option<f64>,
    /// How long to wait for the client's first command before streaming at the recording's
    /// own rate and centre.
    pub settle_first: Duration,
    /// Each command and what was done with it.
    pub log: Option<Log>,
    /// Seed of the noise the radio adds.
    pub seed: u64,
}

impl fmt::Debug for ServeOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServeOptions")
            .field("speed", &self.speed)
            .field("at_end", &self.at_end)
            .field("cut_after_samples", &self.cut_after_samples)
            .field("header", &self.header)
            .field("noise_dbfs", &self.noise_dbfs)
            .field("settle_first", &self.settle_first)
            .field("log", &self.log.is_some())
            .field("seed", &self.seed)
            .finish()
    }
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            speed: 1.0,
            at_end: AtEnd::Noise,
            cut_after_samples: None,
            header: Header {
                tuner_type: 5,
                gain_count: 29,
            },
            noise_dbfs: None,
            settle_first: Duration::from_millis(300),
            log: None,
            seed: 0x5EED,
        }
    }
}

/// What happened during one client session.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServeStats {
    /// IQ samples sent.
    pub samples_sent: u64,
    /// Commands received, in order, as (code, value).
    pub commands: Vec<(u8, u32)>,
    /// Whether the client hung up first.
    pub client_left: bool,
    /// The rate and centre the client last asked for (`None`: it never asked).
    pub last_rate_hz: Option<u32>,
    /// The centre frequency the client last asked for.
    pub last_center_hz: Option<u32>,
}

/// Converts a sample to rtl_sdr's u8 pair (the inverse of the cu8 reader, exact for cu8 input).
fn to_cu8(s: Complex<f32>) -> [u8; 2] {
    let q = |v: f32| (v * 127.5 + 127.5).round().clamp(0.0, 255.0) as u8;
    [q(s.re), q(s.im)]
}

/// Reads 5-byte commands until the client hangs up, or until `done` is set and the client has
/// been silent for a moment; each is recorded and passed on.
fn read_commands(
    rx: &mut TcpStream,
    commands: &Mutex<Vec<(u8, u32)>>,
    to_streamer: &Sender<(u8, u32)>,
    done: &AtomicBool,
) {
    let mut c = [0u8; 5];
    let mut got = 0;
    let mut quiet_after_done = 0;
    loop {
        match rx.read(&mut c[got..]) {
            Ok(0) => return,
            Ok(n) => {
                got += n;
                if got == c.len() {
                    got = 0;
                    let v = u32::from_be_bytes([c[1], c[2], c[3], c[4]]);
                    if let Ok(mut list) = commands.lock() {
                        list.push((c[0], v));
                    }
                    let _ = to_streamer.send((c[0], v));
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                if done.load(Ordering::Relaxed) {
                    quiet_after_done += 1;
                    if quiet_after_done >= 10 {
                        return;
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

/// Serves `src` to the next client that connects to `listener`, then returns.
pub fn serve_one(
    listener: &TcpListener,
    src: &mut dyn IqSource,
    opts: &ServeOptions,
) -> io::Result<ServeStats> {
    let (stream, _) = listener.accept()?;
    serve_stream(stream, src, opts)
}

/// Serves `src` on an accepted connection ([`AtEnd::Loop`] acts as [`AtEnd::Noise`]: a
/// source cannot be rewound).
pub fn serve_stream(
    stream: TcpStream,
    src: &mut dyn IqSource,
    opts: &ServeOptions,
) -> io::Result<ServeStats> {
    Session::start(stream, opts)?.run(src, None)
}

/// Serves the recording `open` opens on an accepted connection, reopening it each time it
/// ends when `opts.at_end` is [`AtEnd::Loop`].
pub fn serve_stream_looping(
    stream: TcpStream,
    open: &mut dyn FnMut() -> Result<Box<dyn IqSource>, SourceError>,
    opts: &ServeOptions,
) -> io::Result<ServeStats> {
    let mut first = open().map_err(io::Error::other)?;
    Session::start(stream, opts)?.run(first.as_mut(), Some(open))
}

/// One client's connection.
struct Session<'a> {
    stream: TcpStream,
    opts: &'a ServeOptions,
    commands: Arc<Mutex<Vec<(u8, u32)>>>,
    from_reader: Receiver<(u8, u32)>,
    done: Arc<AtomicBool>,
    reader: thread::JoinHandle<()>,
    stats: ServeStats,
}

impl<'a> Session<'a> {
    fn start(stream: TcpStream, opts: &'a ServeOptions) -> io::Result<Session<'a>> {
        stream.set_nodelay(true)?;
        let mut stream = stream;
        stream.write_all(&opts.header.to_bytes())?;
        let commands = Arc::new(Mutex::new(Vec::new()));
        let done = Arc::new(AtomicBool::new(false));
        let (tx, from_reader) = mpsc::channel();
        let reader = {
            let mut rx = stream.try_clone()?;
            rx.set_read_timeout(Some(Duration::from_millis(200)))?;
            let commands = Arc::clone(&commands);
            let done = Arc::clone(&done);
            thread::spawn(move || read_commands(&mut rx, &commands, &tx, &done))
        };
        if let (Some(log), Ok(peer)) = (&opts.log, stream.peer_addr()) {
            log(&format!("client {peer} connected"));
        }
        Ok(Session {
            stream,
            opts,
            commands,
            from_reader,
            done,
            reader,
            stats: ServeStats::default(),
        })
    }

    fn log(&self, line: &str) {
        if let Some(log) = &self.opts.log {
            log(line);
        }
    }

    /// Waits for the client's settings: up to `settle_first` for the first, then until it
    /// pauses.
    fn settle(&self) -> Vec<(u8, u32)> {
        let mut got = Vec::new();
        let t0 = Instant::now();
        let mut wait = self.opts.settle_first;
        while let Ok(c) = self.from_reader.recv_timeout(wait) {
            got.push(c);
            wait = SETTLE_QUIET;
            if t0.elapsed() > SETTLE_MAX {
                break;
            }
        }
        got
    }

    /// Applies commands to the tuning; returns whether it changed.
    fn apply(&mut self, cmds: &[(u8, u32)], tuning: &mut Tuning) -> bool {
        let mut changed = false;
        for &(code, value) in cmds {
            let what = describe(code, value);
            let action = match code {
                command::SET_SAMPLE_RATE if valid_rtl_rate(value) => {
                    self.stats.last_rate_hz = Some(value);
                    changed |= f64::from(value) != tuning.rate_hz;
                    tuning.rate_hz = f64::from(value);
                    "done".to_string()
                }
                command::SET_SAMPLE_RATE => format!(
                    "refused, as an RTL-SDR would (it takes 225.001–300 kS/s and 0.900001–3.2 \
                     MS/s); still {}",
                    crate::report::rate(tuning.rate_hz)
                ),
                command::SET_FREQUENCY => {
                    self.stats.last_center_hz = Some(value);
                    changed |= f64::from(value) != tuning.center_hz;
                    tuning.center_hz = f64::from(value);
                    "done".to_string()
                }
                command::SET_GAIN_MODE
                | command::SET_GAIN
                | 0x06
                | command::SET_AGC_MODE
                | command::SET_GAIN_BY_INDEX => {
                    "noted; a recording's level cannot be changed".to_string()
                }
                command::SET_FREQ_CORRECTION => {
                    "noted; the recording is served at its own frequencies".to_string()
                }
                _ => "noted; no effect on a recording".to_string(),
            };
            self.log(&format!("{what}: {action}"));
        }
        changed
    }

    fn run(
        mut self,
        src: &mut dyn IqSource,
        mut reopen: Option<&mut dyn FnMut() -> Result<Box<dyn IqSource>, SourceError>>,
    ) -> io::Result<ServeStats> {
        let info = src.info().clone();
        // Read ahead to measure the noise floor and the recording dongle's DC offset; those
        // samples are served first.
        let mut pending: Vec<Complex<f32>> = vec![Complex::new(0.0, 0.0); NOISE_PROBE];
        let mut ended = false;
        let mut got = 0;
        while got < pending.len() {
            // The end (or a failure) is met again, and handled, once these are served.
            match src.read(&mut pending[got..]) {
                Ok(0) | Err(_) => break,
                Ok(n) => got += n,
            }
        }
        pending.truncate(got);
        let mut acc = StatsAccumulator::new(info.sample_format);
        acc.add(&pending);
        let stats = acc.finish();
        let noise_dbfs = self
            .opts
            .noise_dbfs
            .or(stats.noise_dbfs)
            .unwrap_or(FALLBACK_NOISE_DBFS);
        let rec = Recording {
            rate_hz: info.sample_rate_hz,
            center_hz: info.center_freq_hz,
            noise_dbfs,
            dc: Complex::new(stats.dc_i as f32, stats.dc_q as f32),
        };
        let mut tuning = Tuning {
            rate_hz: info.sample_rate_hz,
            center_hz: info.center_freq_hz.unwrap_or(0.0),
        };
        let first = self.settle();
        self.apply(&first, &mut tuning);
        let mut seed = self.opts.seed;
        let mut fe = FrontEnd::new(rec, tuning, seed);
        self.log(&format!("streaming {}", fe.summary()));
        if rec.center_hz.is_none() {
            self.log("the recording's centre frequency is unknown: it is served wherever the client tunes");
        }
        let mut out: Vec<Complex<f32>> = Vec::with_capacity(SEND_BLOCK * 2);
        let mut input = vec![Complex::new(0.0f32, 0.0); SEND_BLOCK];
        let mut bytes = Vec::with_capacity(SEND_BLOCK * 2);
        let start = Instant::now();
        let mut signal_s = 0.0f64;
        let limit = self.opts.cut_after_samples.unwrap_or(u64::MAX);
        let mut owned: Option<Box<dyn IqSource>> = None;
        let mut closing = false;
        loop {
            let cmds: Vec<_> = self.from_reader.try_iter().collect();
            if !cmds.is_empty() && self.apply(&cmds, &mut tuning) {
                seed = seed.wrapping_add(1);
                fe = FrontEnd::new(rec, tuning, seed);
                if ended && pending.is_empty() {
                    fe.end_of_recording(seed);
                }
                out.clear();
                self.log(&format!("streaming {}", fe.summary()));
            }
            let want = SEND_BLOCK.min((limit - self.stats.samples_sent) as usize);
            if want == 0 {
                break;
            }
            while out.len() < want && !closing {
                if !pending.is_empty() {
                    let n = fe.input_for(want - out.len()).min(pending.len());
                    fe.process(&pending[..n], &mut out);
                    pending.drain(..n);
                    continue;
                }
                if ended {
                    fe.idle(want - out.len(), &mut out);
                    continue;
                }
                let n_in = fe.input_for(want - out.len()).min(input.len());
                let cur: &mut dyn IqSource = match owned.as_deref_mut() {
                    Some(s) => s,
                    None => &mut *src,
                };
                match cur.read(&mut input[..n_in]) {
                    Ok(n) if n > 0 => fe.process(&input[..n], &mut out),
                    _ => match (self.opts.at_end, reopen.as_deref_mut()) {
                        (AtEnd::Close, _) => closing = true,
                        (AtEnd::Loop, Some(open)) => match open() {
                            Ok(s) => {
                                owned = Some(s);
                                self.log("the recording ended: starting it again");
                            }
                            Err(e) => {
                                self.log(&format!("cannot reopen the recording: {e}"));
                                closing = true;
                            }
                        },
                        _ => {
                            ended = true;
                            fe.end_of_recording(seed);
                            self.log(&format!("the recording ended: streaming {}", fe.summary()));
                        }
                    },
                }
            }
            let n = want.min(out.len());
            if n == 0 {
                break;
            }
            bytes.clear();
            for &s in &out[..n] {
                bytes.extend_from_slice(&to_cu8(s));
            }
            out.drain(..n);
            if self.opts.speed > 0.0 {
                let due = Duration::from_secs_f64(signal_s / self.opts.speed);
                if let Some(wait) = due.checked_sub(start.elapsed()) {
                    thread::sleep(wait);
                }
            }
            if let Err(e) = self.stream.write_all(&bytes) {
                if matches!(
                    e.kind(),
                    io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
                ) {
                    self.stats.client_left = true;
                    break;
                }
                return Err(e);
            }
            self.stats.samples_sent += n as u64;
            signal_s += n as f64 / fe.tuning().rate_hz;
        }
        // Half-close: the client sees the end of the stream, and commands it is still sending are
        // read rather than answered with a reset that could destroy samples in flight.
        let _ = self.stream.shutdown(std::net::Shutdown::Write);
        self.done.store(true, Ordering::Relaxed);
        let _ = self.reader.join();
        self.stats.commands = self.commands.lock().map(|c| c.clone()).unwrap_or_default();
        Ok(self.stats)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::rtl_tcp::{RtlTcpSettings, RtlTcpSource};
    use crate::source::{FileFormat, SampleFormat, SourceError, StreamInfo};

    /// An in-memory source of known samples.
    struct Ramp {
        info: StreamInfo,
        left: u64,
        k: u64,
    }

    impl IqSource for Ramp {
        fn info(&self) -> &StreamInfo {
            &self.info
        }
        fn read(&mut self, out: &mut [Complex<f32>]) -> Result<usize, SourceError> {
            let n = (out.len() as u64).min(self.left) as usize;
            for o in &mut out[..n] {
                let b = (self.k % 256) as f32;
                *o = Complex::new((b - 127.5) / 127.5, (255.0 - b - 127.5) / 127.5);
                self.k += 1;
            }
            self.left -= n as u64;
            Ok(n)
        }
    }

    fn ramp(n: u64) -> Ramp {
        Ramp {
            info: StreamInfo {
                path: "ramp".into(),
                format: FileFormat::Raw(SampleFormat::Cu8),
                sample_format: SampleFormat::Cu8,
                sample_rate_hz: 250e3,
                center_freq_hz: Some(433.92e6),
                total_samples: Some(n),
                datetime: None,
                hardware: None,
            },
            left: n,
            k: 0,
        }
    }

    #[test]
    fn client_receives_every_sample_exactly_then_a_clear_close() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = thread::spawn(move || {
            let mut src = ramp(100_000);
            let opts = ServeOptions {
                speed: 0.0,
                at_end: AtEnd::Close,
                ..ServeOptions::default()
            };
            serve_one(&listener, &mut src, &opts).unwrap()
        });
        let mut client =
            RtlTcpSource::connect(&RtlTcpSettings::new(addr.to_string(), 250e3, 433.92e6)).unwrap();
        let mut buf = vec![Complex::new(0.0f32, 0.0); 4096];
        let mut k = 0u64;
        let err = loop {
            match client.read(&mut buf) {
                Ok(n) => {
                    for s in &buf[..n] {
                        let b = (k % 256) as u8;
                        assert_eq!(to_cu8(*s), [b, 255 - b], "sample {k}");
                        k += 1;
                    }
                }
                Err(e) => break e,
            }
        };
        assert_eq!(k, 100_000);
        assert!(err.to_string().contains("closed the connection"), "{err}");
        drop(client);
        let stats = server.join().unwrap();
        assert_eq!(stats.samples_sent, 100_000);
        assert!(
            stats.commands.contains(&(1, 433_920_000)),
            "{:?}",
            stats.commands
        );
        assert!(
            stats.commands.contains(&(2, 250_000)),
            "{:?}",
            stats.commands
        );
    }

    #[test]
    fn real_time_pace_and_cut() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = thread::spawn(move || {
            let mut src = ramp(1_000_000);
            let opts = ServeOptions {
                speed: 1.0,
                cut_after_samples: Some(50_000),
                ..ServeOptions::default()
            };
            serve_one(&listener, &mut src, &opts).unwrap()
        });
        let mut client =
            RtlTcpSource::connect(&RtlTcpSettings::new(addr.to_string(), 250e3, 315e6)).unwrap();
        let t0 = Instant::now();
        let mut buf = vec![Complex::new(0.0f32, 0.0); 4096];
        let mut n = 0;
        while let Ok(k) = client.read(&mut buf) {
            n += k;
        }
        // 50 000 samples at 250 kS/s take 0.2 s of real time at least (minus one block).
        assert_eq!(n, 50_000);
        assert!(
            t0.elapsed() >= Duration::from_millis(150),
            "{:?}",
            t0.elapsed()
        );
        assert_eq!(server.join().unwrap().samples_sent, 50_000);
    }
}
