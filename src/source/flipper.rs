//! Reader for Flipper Zero Sub-GHz RAW recordings (`.sub` with `Protocol: RAW`).
//!
//! Format (Flipper Zero firmware documentation, `documentation/file_formats/SubGhzFileFormats.md`):
//! a text file of `Key: value` lines,
//!
//! ```text
//! Filetype: Flipper SubGhz RAW File
//! Version: 1
//! Frequency: 433920000
//! Preset: FuriHalSubGhzPresetOok650Async
//! Protocol: RAW
//! RAW_Data: 29262 -180 361 -162 ...
//! RAW_Data: ...
//! ```
//!
//! Lines starting with `#` are comments. Each `RAW_Data` value is a duration in µs, positive
//! while the carrier is on, negative while it is off; consecutive values of the same sign are
//! one level (the recorder splits long levels). Files with another protocol (`Protocol:
//! Princeton` with a `Key:` line) hold a decoded key instead of a recording, and `BinRAW` files
//! hold durations packed as bits: both are refused as unsupported.
//!
//! The levels are cut into transmissions as rtl_433 ends a package: at a silence longer than
//! max(10 ms, 10 × the longest mark of the transmission so far). A RAW recording has no
//! squelch, so receiver noise fills the time between bursts; stretches of irregular pulses are
//! cut away as noise (see `squelch`). Transmissions of fewer than
//! [`MIN_PULSES`] pulses (rtl_433's `PD_MIN_PULSES`) are dropped as noise; a recording is long
//! stretches of receiver noise between key presses.
//!
//! Robustness: the file is parsed as a byte stream (a UTF-8 BOM, `\r\n` line ends and
//! `RAW_Data` lines of any length are fine, memory does not grow with line length); values
//! that are not whole numbers, and marks longer than [`MAX_MARK_US`], are skipped with a
//! warning giving the line; silences are clamped to [`MAX_SILENCE_US`]. The file may be at most
//! [`MAX_FILE_BYTES`].

use std::io::BufRead;
use std::path::Path;

use super::{FileFormat, Problem, PulseFileInfo, PulseRecording, SourceError};
use crate::pulse::{Pulse, PulseTrain};

/// Largest file accepted, bytes (64 MiB).
pub const MAX_FILE_BYTES: u64 = 64 << 20;
/// Fewest pulses a transmission must have to be kept (rtl_433 `PD_MIN_PULSES`).
pub const MIN_PULSES: usize = 16;
/// Most pulses in one transmission; a longer one is continued as a new transmission.
pub const MAX_PULSES_PER_TRAIN: usize = 1 << 16;
/// Longest believable mark, µs (1 s: no key holds its carrier that long in one level).
pub const MAX_MARK_US: i64 = 1_000_000;
/// Silences are clamped to this, µs (100 s).
pub const MAX_SILENCE_US: i64 = 100_000_000;
/// Shortest silence that ends a transmission, µs.
const MIN_END_GAP_US: f64 = 10_000.0;
/// At most this many individual warnings are kept; the rest are counted.
const MAX_WARNINGS: usize = 50;
/// Longest header value kept, bytes.
const MAX_VALUE_BYTES: usize = 4096;
/// Longest key or number token, bytes.
const MAX_TOKEN_BYTES: usize = 64;

/// Reads a Flipper Zero `.sub` RAW recording.
pub fn read_sub(path: &Path) -> Result<PulseRecording, SourceError> {
    let err = |p: Problem| SourceError::new(path, p);
    let mut p = SubParser::new();
    let mut reader = super::open_bounded_text(path, MAX_FILE_BYTES, ".sub files")?;
    loop {
        let buf = reader.fill_buf().map_err(|e| err(e.into()))?;
        if buf.is_empty() {
            break;
        }
        for &b in buf {
            p.byte(b).map_err(err)?;
        }
        let n = buf.len();
        reader.consume(n);
    }
    p.byte(b'\n').map_err(err)?;
    p.builder.finish();

    if !p.filetype_seen {
        return Err(SourceError::malformed(
            path,
            "no `Filetype: Flipper SubGhz RAW File` header: not a Flipper Sub-GHz file",
        ));
    }
    if !p.raw_seen {
        return Err(SourceError::new(
            path,
            Problem::Unsupported(
                "no `Protocol: RAW` and no RAW_Data: only RAW recordings can be analysed".into(),
            ),
        ));
    }
    let b = p.builder;
    if b.trains.is_empty() {
        return Err(SourceError::malformed(
            path,
            format!(
                "no transmission of at least {MIN_PULSES} pulses in the RAW_Data ({} shorter bursts)",
                b.dropped
            ),
        ));
    }
    let mut warnings = p.warnings;
    if p.dropped_warnings > 0 {
        warnings.push(format!("{} more warnings not shown.", p.dropped_warnings));
    }
    if b.dropped > 0 {
        warnings.push(format!(
            "{} bursts of fewer than {MIN_PULSES} pulses were ignored as noise.",
            b.dropped
        ));
    }
    Ok(PulseRecording {
        info: PulseFileInfo {
            path: path.display().to_string(),
            format: FileFormat::FlipperSub,
            sample_rate_hz: None,
            center_freq_hz: p.frequency_hz,
            modulation_hint: p.preset,
        },
        trains: b.trains,
        warnings,
    })
}

#[derive(PartialEq)]
enum Mode {
    Key,
    Comment,
    Value,
    Raw,
}

struct SubParser {
    line: usize,
    mode: Mode,
    key: Vec<u8>,
    value: Vec<u8>,
    token: Vec<u8>,
    token_long: bool,
    filetype_seen: bool,
    raw_seen: bool,
    frequency_hz: Option<f64>,
    preset: Option<String>,
    warnings: Vec<String>,
    dropped_warnings: usize,
    builder: TrainBuilder,
}

impl SubParser {
    fn new() -> Self {
        SubParser {
            line: 1,
            mode: Mode::Key,
            key: Vec::new(),
            value: Vec::new(),
            token: Vec::new(),
            token_long: false,
            filetype_seen: false,
            raw_seen: false,
            frequency_hz: None,
            preset: None,
            warnings: Vec::new(),
            dropped_warnings: 0,
            builder: TrainBuilder::default(),
        }
    }

    fn warn(&mut self, w: String) {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(w);
        } else {
            self.dropped_warnings += 1;
        }
    }

    fn byte(&mut self, b: u8) -> Result<(), Problem> {
        match self.mode {
            Mode::Key => match b {
                b'#' if text(&self.key).is_empty() => self.mode = Mode::Comment,
                b'\n' => {
                    let k = text(&self.key);
                    if !k.is_empty() {
                        let line = self.line;
                        self.warn(format!("line {line}: {:?} is not `Key: value`; skipped", k));
                    }
                    self.key.clear();
                    self.line += 1;
                }
                b':' => {
                    self.mode = if text(&self.key) == "RAW_Data" {
                        Mode::Raw
                    } else {
                        Mode::Value
                    };
                }
                _ => {
                    if self.key.len() < MAX_TOKEN_BYTES {
                        self.key.push(b);
                    }
                }
            },
            Mode::Comment => {
                if b == b'\n' {
                    self.key.clear();
                    self.mode = Mode::Key;
                    self.line += 1;
                }
            }
            Mode::Value => {
                if b == b'\n' {
                    self.header()?;
                    self.key.clear();
                    self.value.clear();
                    self.mode = Mode::Key;
                    self.line += 1;
                } else if self.value.len() < MAX_VALUE_BYTES {
                    self.value.push(b);
                }
            }
            Mode::Raw => {
                if b.is_ascii_whitespace() {
                    self.token_end();
                    if b == b'\n' {
                        self.key.clear();
                        self.mode = Mode::Key;
                        self.line += 1;
                    }
                } else if self.token.len() < MAX_TOKEN_BYTES {
                    self.token.push(b);
                } else {
                    self.token_long = true;
                }
            }
        }
        Ok(())
    }

    fn header(&mut self) -> Result<(), Problem> {
        let key = text(&self.key);
        let value = text(&self.value);
        let line = self.line;
        match key.as_str() {
            "Filetype" => {
                if !value.starts_with("Flipper SubGhz") {
                    return Err(Problem::Malformed(format!(
                        "line {line}: file type {value:?} is not a Flipper Sub-GHz file"
                    )));
                }
                self.filetype_seen = true;
            }
            "Frequency" => match value.parse::<u64>() {
                Ok(f) if f > 0 => self.frequency_hz = Some(f as f64),
                _ => self.warn(format!(
                    "line {line}: frequency {value:?} is not a number of Hz; ignored"
                )),
            },
            "Preset" => self.preset = Some(value),
            "Protocol" => {
                if value == "BinRAW" {
                    return Err(Problem::Unsupported(format!(
                        "line {line}: `Protocol: BinRAW` (durations packed as bits) is not \
                         supported; only `Protocol: RAW` files can be analysed"
                    )));
                }
                if value != "RAW" {
                    return Err(Problem::Unsupported(format!(
                        "line {line}: `Protocol: {value}` holds a decoded key, not a recording; \
                         only `Protocol: RAW` files can be analysed"
                    )));
                }
                self.raw_seen = true;
            }
            _ => {}
        }
        Ok(())
    }

    fn token_end(&mut self) {
        if self.token.is_empty() && !self.token_long {
            return;
        }
        let line = self.line;
        self.raw_seen = true;
        let tok = text(&self.token);
        let long = std::mem::take(&mut self.token_long);
        self.token.clear();
        match tok.parse::<i64>() {
            Ok(v) if !long => {
                if v > MAX_MARK_US {
                    self.warn(format!(
                        "line {line}: a mark of {v} µs is not believable; treated as a break"
                    ));
                    self.builder.level(false, MIN_END_GAP_US * 10.0);
                } else if v != 0 {
                    let d = v.unsigned_abs().min(MAX_SILENCE_US as u64) as f64;
                    self.builder.level(v > 0, d);
                }
            }
            _ => self.warn(format!(
                "line {line}: {:?} is not a duration in µs; skipped",
                tok.chars().take(40).collect::<String>()
            )),
        }
    }
}

/// Bytes as trimmed text (a UTF-8 BOM is dropped).
fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b)
        .trim_start_matches('\u{feff}')
        .trim()
        .to_string()
}

/// Merges levels of the same sign and cuts the pulses into transmissions.
#[derive(Default)]
struct TrainBuilder {
    /// The level being merged: (carrier on, duration µs).
    pending: Option<(bool, f64)>,
    /// The mark waiting for its gap.
    mark: Option<f64>,
    /// Time of the pending level's start, µs.
    t_us: f64,
    mark_start_us: f64,
    current: PulseTrain,
    longest_mark: f64,
    trains: Vec<PulseTrain>,
    dropped: usize,
}

impl TrainBuilder {
    fn level(&mut self, high: bool, d: f64) {
        match &mut self.pending {
            Some((h, acc)) if *h == high => *acc += d,
            _ => {
                if let Some((h, acc)) = self.pending.take() {
                    self.emit(h, acc);
                }
                self.pending = Some((high, d));
            }
        }
    }

    fn emit(&mut self, high: bool, d: f64) {
        // Merged runs of one level obey the same bounds as single values.
        let d = d.min(if high { MAX_MARK_US } else { MAX_SILENCE_US } as f64);
        if high {
            self.mark = Some(d);
            self.mark_start_us = self.t_us;
        } else if let Some(m) = self.mark.take() {
            if self.current.pulses.is_empty() {
                self.current.start_s = self.mark_start_us / 1e6;
            }
            self.current.pulses.push(Pulse {
                high_us: m as f32,
                low_us: d as f32,
            });
            self.longest_mark = self.longest_mark.max(m);
            if d > MIN_END_GAP_US.max(10.0 * self.longest_mark)
                || self.current.pulses.len() >= MAX_PULSES_PER_TRAIN
            {
                self.end_train();
            }
        }
        self.t_us += d;
    }

    fn end_train(&mut self) {
        let train = std::mem::take(&mut self.current);
        self.longest_mark = 0.0;
        for part in squelch(train) {
            if part.pulses.len() >= MIN_PULSES {
                self.trains.push(part);
            } else if !part.pulses.is_empty() {
                self.dropped += 1;
            }
        }
    }

    fn finish(&mut self) {
        if let Some((h, acc)) = self.pending.take() {
            self.emit(h, acc);
        }
        if let Some(m) = self.mark.take() {
            if self.current.pulses.is_empty() {
                self.current.start_s = self.mark_start_us / 1e6;
            }
            self.current.pulses.push(Pulse {
                high_us: m as f32,
                low_us: 0.0,
            });
        }
        self.end_train();
    }
}

/// Neighbours looked at on each side when judging whether a pulse is regular.
const SQUELCH_REACH: usize = 16;
/// Irregular pulses (syncs, separators) bridged between regular ones.
const SQUELCH_BRIDGE: usize = 3;
/// Share of irregular pulses from which a train is taken to hold noise.
const SQUELCH_NOISY_SHARE: f64 = 0.25;
/// Similar neighbours a regular pulse needs (for its mark and for its gap).
const SQUELCH_SIMILAR: usize = 3;
/// Relative tolerance for "similar".
const SQUELCH_TOL: f64 = 0.2;

/// Cuts the receiver noise out of a transmission. A RAW recording has no squelch: between and
/// around bursts it holds noise, random widths with no long silence to end a transmission. A
/// pulse is regular when its mark, and its gap, each resemble (within 20 %) at least 3 of the
/// 32 nearest marks (gaps); a key's few symbol widths recur constantly, noise widths rarely
/// (a gap longer than 4 marks counts as regular: it separates words). A train with at least a
/// quarter of irregular pulses holds noise: its stretches of regular pulses, bridging up to 3
/// irregular ones (syncs), become the transmissions. Other trains are left whole.
fn squelch(train: PulseTrain) -> Vec<PulseTrain> {
    let p = &train.pulses;
    let n = p.len();
    if n < 2 * MIN_PULSES {
        return vec![train];
    }
    let similar = |i: usize, f: &dyn Fn(&Pulse) -> f32| {
        let w = f(&p[i]);
        let lo = i.saturating_sub(SQUELCH_REACH);
        let hi = (i + SQUELCH_REACH + 1).min(n);
        (lo..hi)
            .filter(|&k| k != i)
            .filter(|&k| (f64::from(f(&p[k]) - w)).abs() <= SQUELCH_TOL * f64::from(w))
            .count()
            >= SQUELCH_SIMILAR
    };
    let regular: Vec<bool> = (0..n)
        .map(|i| {
            let gap_ok =
                i + 1 == n || p[i].low_us > 4.0 * p[i].high_us || similar(i, &|q| q.low_us);
            similar(i, &|q| q.high_us) && gap_ok
        })
        .collect();
    // A mostly regular train is a clean burst: its irregular pulses are syncs, leave it whole.
    let irregular = regular.iter().filter(|&&r| !r).count();
    if (irregular as f64) < SQUELCH_NOISY_SHARE * n as f64 {
        return vec![train];
    }
    // Runs of regular pulses; short irregular runs between regular ones (syncs) are bridged.
    let mut keep = regular.clone();
    let mut i = 0;
    while i < n {
        if regular[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i < n && !regular[i] {
            i += 1;
        }
        if start > 0 && i < n && i - start <= SQUELCH_BRIDGE {
            keep[start..i].iter_mut().for_each(|k| *k = true);
        }
    }
    let mut out = Vec::new();
    let mut t_us = train.start_s * 1e6;
    let mut current: Option<PulseTrain> = None;
    for (i, pulse) in p.iter().enumerate() {
        if keep[i] {
            current
                .get_or_insert_with(|| PulseTrain {
                    start_s: t_us / 1e6,
                    pulses: Vec::new(),
                })
                .pulses
                .push(*pulse);
        } else if let Some(c) = current.take() {
            out.push(c);
        }
        t_us += f64::from(pulse.high_us) + f64::from(pulse.low_us);
    }
    out.extend(current);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(name: &str, content: &[u8]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("fobscope-sub-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::File::create(&p)
            .unwrap()
            .write_all(content)
            .unwrap();
        p
    }

    fn burst(n: usize) -> String {
        (0..n)
            .map(|i| if i % 2 == 0 { "400 -800 " } else { "800 -400 " })
            .collect()
    }

    #[test]
    fn reads_raw_with_bom_crlf_merging_and_splitting() {
        let mut s = String::from("\u{feff}Filetype: Flipper SubGhz RAW File\r\nVersion: 1\r\n");
        s.push_str(
            "Frequency: 433920000\r\nPreset: FuriHalSubGhzPresetOok650Async\r\nProtocol: RAW\r\n",
        );
        s.push_str("RAW_Data: -5000 ");
        s.push_str(&burst(20));
        s.push_str("-20000 -20000\r\nRAW_Data: 300 100 -500 xyz ");
        s.push_str(&burst(20));
        s.push_str("\r\n");
        let p = write("a.sub", s.as_bytes());
        let r = read_sub(&p).unwrap();
        assert_eq!(r.info.center_freq_hz, Some(433_920_000.0));
        assert_eq!(
            r.info.modulation_hint.as_deref(),
            Some("FuriHalSubGhzPresetOok650Async")
        );
        assert_eq!(r.trains.len(), 2, "{:?}", r.warnings);
        // The last gap and 40000 µs of silence (three merged values) ended the first burst.
        assert_eq!(r.trains[0].pulses.len(), 20);
        assert_eq!(r.trains[0].pulses[19].low_us, 40_400.0);
        assert!((r.trains[0].start_s - 0.005).abs() < 1e-9);
        // 300 and 100 merged into one mark of 400.
        assert_eq!(r.trains[1].pulses[0].high_us, 400.0);
        assert_eq!(r.trains[1].pulses[0].low_us, 500.0);
        assert_eq!(r.trains[1].pulses.len(), 21);
        assert!(
            r.warnings
                .iter()
                .any(|w| w.contains("line 7") && w.contains("xyz")),
            "{:?}",
            r.warnings
        );
    }

    #[test]
    fn absurd_values_and_huge_lines_do_not_break_it() {
        let mut s = String::from("Filetype: Flipper SubGhz RAW File\nProtocol: RAW\nRAW_Data: ");
        s.push_str(&burst(5000));
        s.push_str("1000000000 ");
        s.push_str(&"7".repeat(200));
        s.push_str(" -1000000000 ");
        s.push_str(&burst(30));
        s.push('\n');
        let p = write("b.sub", s.as_bytes());
        let r = read_sub(&p).unwrap();
        assert_eq!(r.trains.len(), 2);
        assert_eq!(r.trains[0].pulses.len(), 5000);
        assert_eq!(r.trains[1].pulses.len(), 30);
        assert_eq!(r.warnings.len(), 2, "{:?}", r.warnings);
        assert!(r.warnings.iter().all(|w| w.contains("line 3")));
    }

    #[test]
    fn decoded_keys_and_other_files_are_refused() {
        let p = write(
            "k.sub",
            b"Filetype: Flipper SubGhz Key File\nVersion: 1\nFrequency: 433920000\nProtocol: Princeton\nBit: 24\nKey: 00 00 00 00 00 95 D5 D4\n",
        );
        let e = read_sub(&p).unwrap_err();
        assert!(matches!(e.problem, Problem::Unsupported(_)));
        let m = e.to_string();
        assert!(
            m.contains("k.sub") && m.contains("line 4") && m.contains("Princeton"),
            "{m}"
        );

        let p = write("n.sub", b"hello world\n");
        assert!(read_sub(&p).unwrap_err().to_string().contains("n.sub"));
        let p = write(
            "s.sub",
            b"Filetype: Flipper SubGhz RAW File\nProtocol: RAW\nRAW_Data: 100 -100 200\n",
        );
        let m = read_sub(&p).unwrap_err().to_string();
        assert!(m.contains("s.sub") && m.contains("no transmission"), "{m}");
    }
}
