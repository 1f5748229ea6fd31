//! Reader for rtl_433's text pulse files (`.ook`, written by `rtl_433 -w FILE.ook`).
//!
//! Format (rtl_433 `src/pulse_data.c`: `pulse_data_print_pulse_header`, `pulse_data_dump`,
//! `pulse_data_load`; usage in rtl_433 `docs/ANALYZE.md`): a file header
//!
//! ```text
//! ;pulse data
//! ;version 1
//! ;timescale 1us
//! ;created 2021-12-05 00:18:54Z
//! ```
//!
//! then one or more packages, each a header (`;received ...`, `;ook N pulses` or
//! `;fsk N pulses`, `;freq1 HZ`, `;freq2 HZ` for FSK, `;centerfreq HZ Hz`, `;samplerate HZ Hz`,
//! `;sampledepth`, `;range`, `;rssi`, `;snr`, `;noise`), lines of `MARK SPACE` in µs (for FSK:
//! time on the first and the second tone), and `;end`. The space of a package's last pulse is
//! the silence that ended it.
//!
//! Bounds: the file may be at most [`MAX_FILE_BYTES`]; a package longer than
//! [`MAX_PULSES_PER_PACKAGE`] pulses (rtl_433's `PD_MAX_PULSES`, where it forces the end of a
//! package) is continued as a new package, as rtl_433 does; at most [`MAX_PACKAGES`] packages are
//! read, the rest is skipped with a warning. Lines longer than [`MAX_LINE_BYTES`] and lines that
//! are not two widths are skipped with a warning giving the line number.
//!
//! Times: `.ook` files do not record the silence between packages, so a train's `start_s` is
//! the summed duration of the packages before it (a lower bound of the true time).

use std::io::BufRead;
use std::path::Path;

use super::{FileFormat, Problem, PulseFileInfo, PulseRecording, SourceError};
use crate::pulse::{Pulse, PulseTrain};

/// Largest file accepted, bytes (64 MiB).
pub const MAX_FILE_BYTES: u64 = 64 << 20;
/// Pulses per package before a new package is forced (rtl_433 `PD_MAX_PULSES`).
pub const MAX_PULSES_PER_PACKAGE: usize = 1200;
/// Packages read from one file.
pub const MAX_PACKAGES: usize = 4096;
/// Longest line accepted, bytes.
pub const MAX_LINE_BYTES: usize = 4096;
/// Widths beyond this (µs, 100 s) are not pulse data.
const MAX_WIDTH_US: u64 = 100_000_000;
/// At most this many individual warnings are kept; the rest are counted.
const MAX_WARNINGS: usize = 50;

/// Reads an rtl_433 `.ook` pulse file.
pub fn read_ook(path: &Path) -> Result<PulseRecording, SourceError> {
    let err = |p: Problem| SourceError::new(path, p);
    let mut parser = Parser::default();
    let mut reader = super::open_bounded_text(path, MAX_FILE_BYTES, "pulse files")?;
    let mut line = Vec::new();
    let mut number = 0usize;
    loop {
        line.clear();
        let n = read_line_bounded(&mut reader, &mut line).map_err(|e| err(e.into()))?;
        if n == 0 {
            break;
        }
        number += 1;
        if line.len() > MAX_LINE_BYTES {
            parser.warn(format!(
                "line {number}: longer than {MAX_LINE_BYTES} bytes, skipped"
            ));
            continue;
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_start_matches('\u{feff}').trim();
        if !parser.line(number, text) {
            break;
        }
    }
    parser.finish_package();
    if parser.trains.is_empty() {
        return Err(SourceError::malformed(path, "no pulses found in the file"));
    }
    let mut warnings = parser.warnings;
    if parser.dropped_warnings > 0 {
        warnings.push(format!(
            "{} more warnings not shown.",
            parser.dropped_warnings
        ));
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let (name_freq, name_rate) = name.as_deref().map(freq_rate_from_name).unwrap_or_default();
    Ok(PulseRecording {
        info: PulseFileInfo {
            path: path.display().to_string(),
            format: FileFormat::Ook,
            sample_rate_hz: parser.sample_rate_hz.or(name_rate),
            center_freq_hz: parser.center_freq_hz.or(name_freq),
            modulation_hint: parser.modulation,
        },
        trains: parser.trains,
        warnings,
    })
}

/// Reads one line (through `\n`) into `buf`, keeping at most `MAX_LINE_BYTES + 1` bytes of it
/// so a huge line cannot grow memory. Returns the bytes consumed (0 at the end).
pub(crate) fn read_line_bounded<R: BufRead>(
    r: &mut R,
    buf: &mut Vec<u8>,
) -> std::io::Result<usize> {
    let mut consumed = 0;
    loop {
        let avail = r.fill_buf()?;
        if avail.is_empty() {
            return Ok(consumed);
        }
        let (chunk, done) = match avail.iter().position(|&b| b == b'\n') {
            Some(i) => (&avail[..i], Some(i + 1)),
            None => (avail, None),
        };
        let room = (MAX_LINE_BYTES + 1).saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let used = done.unwrap_or(avail.len());
        r.consume(used);
        consumed += used;
        if done.is_some() {
            return Ok(consumed);
        }
    }
}

/// Frequency (`_433.92M`: MHz) and sample rate (`_250k`: kS/s) from an rtl_433-style file
/// name such as `g001_433.92M_250k.cu8`.
pub(crate) fn freq_rate_from_name(name: &str) -> (Option<f64>, Option<f64>) {
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    let (mut freq, mut rate) = (None, None);
    for tok in stem.split(['_', '-']) {
        let Some((num, unit)) = tok.char_indices().last().map(|(i, c)| (&tok[..i], c)) else {
            continue;
        };
        let Ok(v) = num.parse::<f64>() else { continue };
        if !v.is_finite() || v <= 0.0 {
            continue;
        }
        match unit {
            'M' if freq.is_none() => freq = Some(v * 1e6),
            'k' if rate.is_none() => rate = Some(v * 1e3),
            _ => {}
        }
    }
    (freq, rate)
}

#[derive(Default)]
struct Parser {
    trains: Vec<PulseTrain>,
    current: Vec<Pulse>,
    /// Microseconds elapsed before the current package.
    elapsed_us: f64,
    sample_rate_hz: Option<f64>,
    center_freq_hz: Option<f64>,
    modulation: Option<String>,
    warnings: Vec<String>,
    dropped_warnings: usize,
    /// Microseconds per unit of the `;timescale` line.
    scale_us: Option<f64>,
    full: bool,
}

impl Parser {
    fn warn(&mut self, w: String) {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(w);
        } else {
            self.dropped_warnings += 1;
        }
    }

    fn finish_package(&mut self) {
        if self.current.is_empty() {
            return;
        }
        let pulses = std::mem::take(&mut self.current);
        let train = PulseTrain {
            start_s: self.elapsed_us / 1e6,
            pulses,
        };
        self.elapsed_us += train
            .pulses
            .iter()
            .map(|p| f64::from(p.high_us) + f64::from(p.low_us))
            .sum::<f64>();
        self.trains.push(train);
        if self.trains.len() >= MAX_PACKAGES {
            self.full = true;
        }
    }

    /// Handles one trimmed line; returns false when reading should stop.
    fn line(&mut self, number: usize, text: &str) -> bool {
        if self.full {
            if !text.starts_with(';') && !text.is_empty() {
                self.warn(format!(
                    "line {number}: more than {MAX_PACKAGES} packages; the rest of the file was skipped"
                ));
                return false;
            }
            return true;
        }
        if text.is_empty() {
            return true;
        }
        if let Some(h) = text.strip_prefix(';') {
            self.header(number, h.trim());
            return true;
        }
        let mut it = text.split_whitespace();
        let (Some(a), Some(b), None) = (it.next(), it.next(), it.next()) else {
            self.warn(format!(
                "line {number}: expected `MARK SPACE`, got {:?}; skipped",
                short(text)
            ));
            return true;
        };
        let scale = self.scale_us.unwrap_or(1.0);
        match (a.parse::<u64>(), b.parse::<u64>()) {
            (Ok(m), Ok(s)) if m <= MAX_WIDTH_US && s <= MAX_WIDTH_US => {
                if self.current.len() >= MAX_PULSES_PER_PACKAGE {
                    self.finish_package();
                    if self.full {
                        return true;
                    }
                }
                self.current.push(Pulse {
                    high_us: (m as f64 * scale) as f32,
                    low_us: (s as f64 * scale) as f32,
                });
            }
            (Ok(_), Ok(_)) => self.warn(format!(
                "line {number}: width beyond {MAX_WIDTH_US} µs in {:?}; skipped",
                short(text)
            )),
            _ => self.warn(format!(
                "line {number}: {:?} is not two non-negative whole numbers; skipped",
                short(text)
            )),
        }
        true
    }

    fn header(&mut self, number: usize, h: &str) {
        let mut words = h.split_whitespace();
        let key = words.next().unwrap_or("");
        let value = words.next();
        let num = value
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| v.is_finite());
        match key {
            "ook" | "fsk" => {
                self.finish_package();
                if self.modulation.is_none() {
                    self.modulation = Some(key.to_ascii_uppercase());
                }
            }
            "end" => self.finish_package(),
            "centerfreq" => {
                if let Some(f) = num.filter(|f| *f > 0.0) {
                    self.center_freq_hz.get_or_insert(f);
                }
            }
            "samplerate" => {
                if let Some(r) = num.filter(|r| *r > 0.0) {
                    self.sample_rate_hz.get_or_insert(r);
                }
            }
            "timescale" => match value.and_then(parse_timescale) {
                Some(s) => self.scale_us = Some(s),
                None => self.warn(format!(
                    "line {number}: unknown timescale {:?}; widths read as µs",
                    value.unwrap_or("")
                )),
            },
            "version" if value != Some("1") => {
                self.warn(format!(
                    "line {number}: pulse data version {:?} (expected 1); read as version 1",
                    value.unwrap_or("")
                ));
            }
            _ => {}
        }
    }
}

/// Microseconds per unit for a timescale such as `1us`, `100ns`, `1ms`.
fn parse_timescale(v: &str) -> Option<f64> {
    let i = v.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let n: f64 = v[..i].parse().ok()?;
    let per = match &v[i..] {
        "us" => 1.0,
        "ns" => 1e-3,
        "ms" => 1e3,
        "s" => 1e6,
        _ => return None,
    };
    (n > 0.0 && n.is_finite()).then_some(n * per)
}

/// A line shortened for a message.
fn short(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(name: &str, content: &[u8]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("fobscope-ook-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::File::create(&p)
            .unwrap()
            .write_all(content)
            .unwrap();
        p
    }

    #[test]
    fn reads_packages_header_and_skips_garbage() {
        let text = ";pulse data\n;version 1\n;timescale 1us\n;created 2021\n\
;ook 3 pulses\n;freq1 -4231\n;centerfreq 0 Hz\n;samplerate 250000 Hz\n\
100 200\n300 400\nbanana\n500 10000\n;end\n;fsk 1 pulses\n7 8\n;end\n";
        let p = write("x_318M_250k.ook", text.as_bytes());
        let r = read_ook(&p).unwrap();
        assert_eq!(r.trains.len(), 2);
        assert_eq!(r.trains[0].pulses.len(), 3);
        assert_eq!(r.trains[0].pulses[2].low_us, 10000.0);
        assert_eq!(r.trains[1].pulses[0].high_us, 7.0);
        assert!((r.trains[1].start_s - 0.0115).abs() < 1e-9);
        assert_eq!(r.info.sample_rate_hz, Some(250000.0));
        assert_eq!(r.info.center_freq_hz, Some(318e6)); // centerfreq 0 -> from the name
        assert_eq!(r.info.modulation_hint.as_deref(), Some("OOK"));
        assert_eq!(r.warnings.len(), 1);
        assert!(r.warnings[0].contains("line 11"), "{:?}", r.warnings);
    }

    #[test]
    fn no_pulses_is_an_error_naming_the_file() {
        let p = write("empty-pulses.ook", b";pulse data\n;version 1\n;end\n");
        let e = read_ook(&p).unwrap_err().to_string();
        assert!(
            e.contains("empty-pulses.ook") && e.contains("no pulses"),
            "{e}"
        );
        let p = write("zero.ook", b"");
        assert!(read_ook(&p).unwrap_err().to_string().contains("zero.ook"));
        let e = read_ook(Path::new("/nonexistent/x.ook"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("/nonexistent/x.ook"));
    }

    #[test]
    fn long_packages_are_split_and_long_lines_skipped() {
        let mut text = String::from(";ook 2000 pulses\n");
        for _ in 0..2000 {
            text.push_str("10 20\n");
        }
        text.push_str(&"9".repeat(10_000));
        text.push_str("\n1 99999999999\n-5 3\n;end\n");
        let p = write("long.ook", text.as_bytes());
        let r = read_ook(&p).unwrap();
        assert_eq!(r.trains.len(), 2);
        assert_eq!(r.trains[0].pulses.len(), MAX_PULSES_PER_PACKAGE);
        assert_eq!(r.trains[1].pulses.len(), 800);
        assert_eq!(r.warnings.len(), 3, "{:?}", r.warnings);
    }

    #[test]
    fn names_give_frequency_and_rate() {
        assert_eq!(
            freq_rate_from_name("g001_433.92M_250k.cu8"),
            (Some(433.92e6), Some(250e3))
        );
        assert_eq!(
            freq_rate_from_name("001-46013_318M_250k.ook"),
            (Some(318e6), Some(250e3))
        );
        assert_eq!(freq_rate_from_name("plain.ook"), (None, None));
    }
}
