//! rtl_tcp client: streams 8-bit IQ from an `rtl_tcp` server (an RTL-SDR on another machine).
//!
//! Protocol (as implemented by osmocom rtl-sdr's `rtl_tcp.c`): on connect the server sends a
//! 12-byte header, the magic `RTL0` then the tuner type and the number of gain steps, both
//! big-endian u32; after that, raw interleaved u8 IQ (centre 127.5) without framing. The
//! client controls the dongle with 5-byte commands: a u8 code and a big-endian u32 value
//! (1 frequency Hz, 2 sample rate, 3 gain mode 0 = auto / 1 = manual, 4 gain in tenths of dB,
//! 5 frequency correction ppm, 8 RTL AGC, 0x0d gain by index, 0x0e bias tee).
//!
//! Policy: no reconnection. A server that closes or stalls ends the stream with an error that
//! says so; whatever was received before stays valid (a recording in progress is finalised by
//! its owner).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use num_complex::Complex;

use super::{FileFormat, IqSource, Problem, SampleFormat, SourceError, StreamInfo};

/// The header magic.
pub const MAGIC: &[u8; 4] = b"RTL0";
/// Length of the server's greeting.
pub const HEADER_LEN: usize = 12;

/// Command codes of the rtl_tcp protocol.
pub mod command {
    /// Centre frequency, Hz.
    pub const SET_FREQUENCY: u8 = 0x01;
    /// Sample rate, S/s.
    pub const SET_SAMPLE_RATE: u8 = 0x02;
    /// Gain mode: 0 automatic, 1 manual.
    pub const SET_GAIN_MODE: u8 = 0x03;
    /// Tuner gain, tenths of dB.
    pub const SET_GAIN: u8 = 0x04;
    /// Frequency correction, ppm.
    pub const SET_FREQ_CORRECTION: u8 = 0x05;
    /// RTL2832 digital AGC on/off.
    pub const SET_AGC_MODE: u8 = 0x08;
    /// Tuner gain by index into the tuner's gain table.
    pub const SET_GAIN_BY_INDEX: u8 = 0x0d;
    /// Bias tee on/off.
    pub const SET_BIAS_TEE: u8 = 0x0e;
}

/// Tuner chips named by the header's tuner type field.
pub fn tuner_name(kind: u32) -> &'static str {
    match kind {
        1 => "E4000",
        2 => "FC0012",
        3 => "FC0013",
        4 => "FC2580",
        5 => "R820T",
        6 => "R828D",
        _ => "unknown tuner",
    }
}

/// The server's greeting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Tuner type (see [`tuner_name`]).
    pub tuner_type: u32,
    /// Number of gain steps the tuner offers.
    pub gain_count: u32,
}

impl Header {
    /// Parses the 12-byte greeting.
    pub fn parse(bytes: &[u8; HEADER_LEN]) -> Result<Header, String> {
        if &bytes[..4] != MAGIC {
            return Err(format!(
                "not an rtl_tcp server: the greeting starts with {:02x?}, expected \"RTL0\"",
                &bytes[..4]
            ));
        }
        let be =
            |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        Ok(Header {
            tuner_type: be(4),
            gain_count: be(8),
        })
    }

    /// The 12 bytes a server sends.
    pub fn to_bytes(self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[..4].copy_from_slice(MAGIC);
        b[4..8].copy_from_slice(&self.tuner_type.to_be_bytes());
        b[8..].copy_from_slice(&self.gain_count.to_be_bytes());
        b
    }
}

/// Encodes one command.
pub fn encode_command(code: u8, value: u32) -> [u8; 5] {
    let v = value.to_be_bytes();
    [code, v[0], v[1], v[2], v[3]]
}

/// Tuner gain setting.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Gain {
    /// The tuner's automatic gain.
    Auto,
    /// A manual gain in dB (the server picks the nearest step).
    Manual(f64),
}

/// How to connect and tune.
#[derive(Clone, Debug, PartialEq)]
pub struct RtlTcpSettings {
    /// `host:port` of the server.
    pub address: String,
    /// Sample rate to request, S/s.
    pub sample_rate_hz: f64,
    /// Centre frequency to request, Hz.
    pub center_freq_hz: f64,
    /// Tuner gain.
    pub gain: Gain,
    /// Frequency correction, ppm (applied by the dongle).
    pub ppm: i32,
    /// RTL2832 digital AGC.
    pub rtl_agc: bool,
    /// Power the antenna port (bias tee).
    pub bias_tee: bool,
    /// How long to wait for the connection and the greeting.
    pub connect_timeout: Duration,
    /// How long the stream may stall before it is declared dead.
    pub read_timeout: Duration,
}

impl RtlTcpSettings {
    /// Settings with automatic gain, no correction, 5 s timeouts.
    pub fn new(address: impl Into<String>, sample_rate_hz: f64, center_freq_hz: f64) -> Self {
        RtlTcpSettings {
            address: address.into(),
            sample_rate_hz,
            center_freq_hz,
            gain: Gain::Auto,
            ppm: 0,
            rtl_agc: false,
            bias_tee: false,
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(5),
        }
    }

    /// The commands that configure the dongle, in the order they are sent.
    pub fn commands(&self) -> Vec<[u8; 5]> {
        use command::*;
        let mut c = vec![
            encode_command(SET_SAMPLE_RATE, self.sample_rate_hz.round() as u32),
            encode_command(SET_FREQUENCY, self.center_freq_hz.round() as u32),
            encode_command(SET_FREQ_CORRECTION, self.ppm as u32),
        ];
        match self.gain {
            Gain::Auto => c.push(encode_command(SET_GAIN_MODE, 0)),
            Gain::Manual(db) => {
                c.push(encode_command(SET_GAIN_MODE, 1));
                c.push(encode_command(SET_GAIN, (db * 10.0).round() as i32 as u32));
            }
        }
        c.push(encode_command(SET_AGC_MODE, u32::from(self.rtl_agc)));
        c.push(encode_command(SET_BIAS_TEE, u32::from(self.bias_tee)));
        c
    }
}

/// A live stream from an rtl_tcp server.
pub struct RtlTcpSource {
    stream: TcpStream,
    info: StreamInfo,
    header: Header,
    bytes: Vec<u8>,
    /// A byte of an incomplete sample carried over to the next read.
    carry: Option<u8>,
    received_bytes: u64,
}

impl RtlTcpSource {
    /// Connects, reads the greeting and sends the tuning commands.
    pub fn connect(settings: &RtlTcpSettings) -> Result<RtlTcpSource, SourceError> {
        let name = format!("rtl_tcp://{}", settings.address);
        let err = |p: Problem| SourceError::new(&name, p);
        let addrs: Vec<SocketAddr> = settings
            .address
            .to_socket_addrs()
            .map_err(|e| {
                err(Problem::Malformed(format!(
                    "cannot resolve '{}' (expected host:port): {e}",
                    settings.address
                )))
            })?
            .collect();
        let mut last = None;
        let mut stream = None;
        for a in &addrs {
            match TcpStream::connect_timeout(a, settings.connect_timeout) {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        let mut stream = stream.ok_or_else(|| {
            err(Problem::Malformed(format!(
                "cannot connect: {} (is rtl_tcp running there? start it with `rtl_tcp -a 0.0.0.0`)",
                last.map(|e| e.to_string())
                    .unwrap_or_else(|| "no address".into())
            )))
        })?;
        let io = |e: io::Error| err(Problem::Io(e));
        stream
            .set_read_timeout(Some(settings.connect_timeout))
            .map_err(io)?;
        stream.set_nodelay(true).map_err(io)?;
        let mut greeting = [0u8; HEADER_LEN];
        read_exact_or(&mut stream, &mut greeting).map_err(|e| {
            err(Problem::Malformed(format!(
                "no rtl_tcp greeting from the server: {e}"
            )))
        })?;
        let header = Header::parse(&greeting).map_err(|m| err(Problem::Malformed(m)))?;
        for c in settings.commands() {
            stream.write_all(&c).map_err(io)?;
        }
        stream
            .set_read_timeout(Some(settings.read_timeout))
            .map_err(io)?;
        let info = StreamInfo {
            path: name,
            format: FileFormat::Raw(SampleFormat::Cu8),
            sample_format: SampleFormat::Cu8,
            sample_rate_hz: settings.sample_rate_hz,
            center_freq_hz: Some(settings.center_freq_hz),
            total_samples: None,
            datetime: None,
            hardware: Some(format!(
                "RTL-SDR ({}) via rtl_tcp",
                tuner_name(header.tuner_type)
            )),
        };
        Ok(RtlTcpSource {
            stream,
            info,
            header,
            bytes: Vec::new(),
            carry: None,
            received_bytes: 0,
        })
    }

    /// The server's greeting.
    pub fn header(&self) -> Header {
        self.header
    }

    /// Bytes of IQ received so far.
    pub fn received_bytes(&self) -> u64 {
        self.received_bytes
    }
}

fn read_exact_or(stream: &mut TcpStream, buf: &mut [u8]) -> io::Result<()> {
    let mut got = 0;
    while got < buf.len() {
        match stream.read(&mut buf[got..]) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("connection closed after {got} of {} bytes", buf.len()),
                ));
            }
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

impl IqSource for RtlTcpSource {
    fn info(&self) -> &StreamInfo {
        &self.info
    }

    fn retune(&mut self, center_freq_hz: f64) -> Result<(), SourceError> {
        let c = encode_command(command::SET_FREQUENCY, center_freq_hz.round() as u32);
        self.stream
            .write_all(&c)
            .map_err(|e| SourceError::new(&self.info.path, Problem::Io(e)))?;
        self.info.center_freq_hz = Some(center_freq_hz);
        Ok(())
    }

    fn read(&mut self, out: &mut [Complex<f32>]) -> Result<usize, SourceError> {
        if out.is_empty() {
            return Ok(0);
        }
        // A read that brings a single byte (half a sample) yields no sample: read again, since
        // `Ok(0)` would mean the end of the stream.
        loop {
            let want = out.len() * 2 - usize::from(self.carry.is_some());
            self.bytes.resize(want, 0);
            let n = loop {
                match self.stream.read(&mut self.bytes) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e)
                        if matches!(
                            e.kind(),
                            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                        ) =>
                    {
                        return Err(SourceError::new(
                            &self.info.path,
                            Problem::Malformed(format!(
                                "the server stopped sending samples (nothing for {:.0} s after {} samples)",
                                self.stream
                                    .read_timeout()
                                    .ok()
                                    .flatten()
                                    .map(|d| d.as_secs_f64())
                                    .unwrap_or(0.0),
                                self.received_bytes / 2
                            )),
                        ));
                    }
                    Err(e) => return Err(SourceError::new(&self.info.path, Problem::Io(e))),
                }
            };
            if n == 0 {
                return Err(SourceError::new(
                    &self.info.path,
                    Problem::Malformed(format!(
                        "the server closed the connection after {} samples",
                        self.received_bytes / 2
                    )),
                ));
            }
            self.received_bytes += n as u64;
            let mut data: &[u8] = &self.bytes[..n];
            let mut k = 0;
            if let Some(i) = self.carry.take() {
                super::raw::decode(SampleFormat::Cu8, &[i, data[0]], &mut out[..1]);
                data = &data[1..];
                k = 1;
            }
            if data.len() % 2 == 1 {
                self.carry = Some(data[data.len() - 1]);
            }
            k += super::raw::decode(SampleFormat::Cu8, data, &mut out[k..]).0;
            if k > 0 {
                return Ok(k);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn cu8(b: u8) -> f32 {
        crate::source::raw::cu8_value(b)
    }
    use std::thread;

    #[test]
    fn header_round_trip_and_bad_magic() {
        let h = Header {
            tuner_type: 5,
            gain_count: 29,
        };
        let b = h.to_bytes();
        assert_eq!(&b[..4], b"RTL0");
        assert_eq!(b[7], 5);
        assert_eq!(Header::parse(&b), Ok(h));
        let mut bad = b;
        bad[0] = b'X';
        assert!(
            Header::parse(&bad)
                .unwrap_err()
                .contains("not an rtl_tcp server")
        );
        assert_eq!(tuner_name(5), "R820T");
    }

    #[test]
    fn commands_are_big_endian() {
        assert_eq!(
            encode_command(command::SET_FREQUENCY, 433_920_000),
            [1, 0x19, 0xDD, 0x18, 0x00]
        );
        let mut s = RtlTcpSettings::new("127.0.0.1:1234", 250e3, 315e6);
        s.gain = Gain::Manual(38.6);
        let c = s.commands();
        assert!(c.contains(&encode_command(command::SET_GAIN_MODE, 1)));
        assert!(c.contains(&encode_command(command::SET_GAIN, 386)));
        assert!(c.contains(&encode_command(command::SET_SAMPLE_RATE, 250_000)));
    }

    #[test]
    fn streams_samples_across_odd_reads_then_reports_the_close() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            s.write_all(
                &Header {
                    tuner_type: 5,
                    gain_count: 29,
                }
                .to_bytes(),
            )
            .unwrap();
            let mut cmds = [0u8; 5 * 6];
            s.read_exact(&mut cmds).unwrap();
            // 3 samples sent in odd-sized pieces.
            for chunk in [&[255u8][..], &[0, 128], &[127, 0, 255]] {
                s.write_all(chunk).unwrap();
                s.flush().unwrap();
                thread::sleep(Duration::from_millis(20));
            }
            cmds
        });
        let mut src =
            RtlTcpSource::connect(&RtlTcpSettings::new(addr.to_string(), 250e3, 433.92e6)).unwrap();
        assert_eq!(src.header().gain_count, 29);
        let mut got = Vec::new();
        let mut buf = [Complex::new(0.0f32, 0.0); 8];
        let err = loop {
            match src.read(&mut buf) {
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) => break e,
            }
        };
        assert!(
            err.to_string()
                .contains("closed the connection after 3 samples"),
            "{err}"
        );
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], Complex::new(cu8(255), cu8(0)));
        assert_eq!(got[1], Complex::new(cu8(128), cu8(127)));
        assert_eq!(got[2], Complex::new(cu8(0), cu8(255)));
        let cmds = server.join().unwrap();
        assert_eq!(
            &cmds[..5],
            &encode_command(command::SET_SAMPLE_RATE, 250_000)
        );
    }

    #[test]
    fn bad_greeting_and_refused_connection_are_clear_errors() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            s.write_all(b"HTTP/1.1 200").unwrap();
        });
        let e = RtlTcpSource::connect(&RtlTcpSettings::new(addr.to_string(), 250e3, 433.92e6))
            .err()
            .unwrap();
        assert!(e.to_string().contains("not an rtl_tcp server"), "{e}");
        server.join().unwrap();

        // A port nobody listens on: bind, learn the port, close.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let e = RtlTcpSource::connect(&RtlTcpSettings::new(
            format!("127.0.0.1:{port}"),
            250e3,
            433.92e6,
        ))
        .err()
        .unwrap();
        assert!(e.to_string().contains("cannot connect"), "{e}");
        assert!(e.to_string().contains(&format!("127.0.0.1:{port}")), "{e}");
    }
}
