//! An rtl_tcp server that replays a recording: lets `fobscope listen`, rtl_433 or gqrx be
//! tried (and tested) against a known signal without a dongle.
//!
//! It speaks the protocol of osmocom's `rtl_tcp`: the 12-byte `RTL0` greeting (tuner type R820T,
//! 29 gain steps), then raw u8 IQ at the recording's sample rate in real time (or faster), and
//! it accepts (and records) the client's 5-byte commands.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use num_complex::Complex;

use crate::source::rtl_tcp::Header;
use crate::source::{BLOCK_SAMPLES, IqSource};

/// What the server does when the recording ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtEnd {
    /// Close the connection (a dongle unplugged mid-stream, as the client sees it).
    Close,
    /// Keep the connection and send the quiet level (127/128) until the client leaves.
    Idle,
}

/// Server settings.
#[derive(Clone, Debug, PartialEq)]
pub struct ServeOptions {
    /// Playback speed: 1.0 = real time; 0 = as fast as the client reads.
    pub speed: f64,
    /// What to do after the last sample.
    pub at_end: AtEnd,
    /// Close the connection after this many samples (simulates a dongle unplugged mid-stream).
    pub cut_after_samples: Option<u64>,
    /// Greeting to send.
    pub header: Header,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            speed: 1.0,
            at_end: AtEnd::Close,
            cut_after_samples: None,
            header: Header {
                tuner_type: 5,
                gain_count: 29,
            },
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
}

/// Converts a sample to rtl_sdr's u8 pair (the inverse of the cu8 reader, exact for cu8 input).
fn to_cu8(s: Complex<f32>) -> [u8; 2] {
    let q = |v: f32| (v * 127.5 + 127.5).round().clamp(0.0, 255.0) as u8;
    [q(s.re), q(s.im)]
}

/// Reads 5-byte commands until the client hangs up, or until `done` is set and the client has
/// been silent for a moment.
fn read_commands(rx: &mut TcpStream, commands: &Mutex<Vec<(u8, u32)>>, done: &AtomicBool) {
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

/// Serves `src` on an accepted connection.
pub fn serve_stream(
    mut stream: TcpStream,
    src: &mut dyn IqSource,
    opts: &ServeOptions,
) -> io::Result<ServeStats> {
    stream.set_nodelay(true)?;
    stream.write_all(&opts.header.to_bytes())?;
    let commands = Arc::new(Mutex::new(Vec::new()));
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let mut rx = stream.try_clone()?;
        rx.set_read_timeout(Some(Duration::from_millis(200)))?;
        let commands = Arc::clone(&commands);
        let done = Arc::clone(&done);
        thread::spawn(move || read_commands(&mut rx, &commands, &done))
    };
    let rate = src.info().sample_rate_hz;
    let mut block = vec![Complex::new(0.0f32, 0.0); BLOCK_SAMPLES / 4];
    let mut bytes = Vec::with_capacity(block.len() * 2);
    let start = Instant::now();
    let mut stats = ServeStats::default();
    let limit = opts.cut_after_samples.unwrap_or(u64::MAX);
    let mut ended = false;
    loop {
        let want = block.len().min((limit - stats.samples_sent) as usize);
        if want == 0 {
            break;
        }
        let n = if ended {
            block[..want].fill(Complex::new(0.0, 0.0));
            want
        } else {
            match src.read(&mut block[..want]) {
                Ok(0) | Err(_) => {
                    ended = true;
                    if opts.at_end == AtEnd::Close {
                        break;
                    }
                    continue;
                }
                Ok(n) => n,
            }
        };
        bytes.clear();
        for &s in &block[..n] {
            bytes.extend_from_slice(&to_cu8(s));
        }
        if opts.speed > 0.0 {
            let due = Duration::from_secs_f64(stats.samples_sent as f64 / (rate * opts.speed));
            if let Some(wait) = due.checked_sub(start.elapsed()) {
                thread::sleep(wait);
            }
        }
        if let Err(e) = stream.write_all(&bytes) {
            if matches!(
                e.kind(),
                io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
            ) {
                stats.client_left = true;
                break;
            }
            return Err(e);
        }
        stats.samples_sent += n as u64;
    }
    // Half-close: the client sees the end of the stream, and commands it is still sending are
    // read rather than answered with a reset that could destroy samples in flight.
    let _ = stream.shutdown(std::net::Shutdown::Write);
    done.store(true, Ordering::Relaxed);
    let _ = reader.join();
    stats.commands = commands.lock().map(|c| c.clone()).unwrap_or_default();
    Ok(stats)
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
                ..ServeOptions::default()
            };
            serve_one(&listener, &mut src, &opts).unwrap()
        });
        let mut client =
            RtlTcpSource::connect(&RtlTcpSettings::new(addr.to_string(), 250e3, 315e6)).unwrap();
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
            stats.commands.contains(&(1, 315_000_000)),
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
