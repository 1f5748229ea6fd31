//! Sample rate and centre frequency from the names recorders give their files.
//!
//! - rtl_433 style (`g001_433.92M_250k.cu8`). The rules are rtl_433's (its `-r` help text):
//!   parameters are tokens separated by non-alphanumeric characters, case-insensitive; a
//!   centre frequency is a (fractional) number suffixed with `M`, `Hz`, `kHz`, `MHz` or
//!   `GHz`; a sample rate is a (fractional) number suffixed with `k`, `sps`, `ksps`, `Msps`
//!   or `Gsps`. So `433.92M` is 433.92 MHz and `250k` is 250 kS/s; a bare number (`001`,
//!   `46013`) means nothing.
//! - GQRX I/Q recordings (`gqrx_20240101_120000_433920000_2000000_fc.raw`): `gqrx_`, the
//!   date `yyyyMMdd`, the time `hhmmss`, the centre frequency in Hz, the sample rate in S/s,
//!   then `fc` (float complex, so the samples are cf32) and `.raw`. GQRX's I/Q tool reads the
//!   rate back from the fifth `_`-separated field (gqrx `src/qtgui/iq_tool.cpp`,
//!   `sampleRateFromFileName`: "gqrx_yymmdd_hhmmss_freq_samprate_fc.raw").
//! - SDR++ baseband recordings (`baseband_433920000Hz_12-30-45_01-01-2024.wav`): its recorder
//!   module's default name template is `$t_$f_$h-$m-$s_$d-$M-$y`, `$f` being the frequency
//!   in whole Hz followed by `Hz` (SDR++ `misc_modules/recorder/src/main.cpp`); the rtl_433
//!   rules read that token, and the sample rate is in the WAV header.

use std::path::Path;

use super::SampleFormat;

/// What a file name says.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NameInfo {
    /// Samples per second, from a `k`/`sps`/`ksps`/`Msps`/`Gsps` token.
    pub sample_rate_hz: Option<f64>,
    /// Centre frequency in Hz, from an `M`/`Hz`/`kHz`/`MHz`/`GHz` token.
    pub center_freq_hz: Option<f64>,
}

/// Reads the parameters from the file name of `path` (directories are not looked at).
/// When a kind of token appears more than once, the last one wins.
pub fn parse_path(path: &Path) -> NameInfo {
    match path.file_name().and_then(|n| n.to_str()) {
        Some(name) => parse_name(name),
        None => NameInfo::default(),
    }
}

/// The parts of a GQRX I/Q file name: centre frequency, sample rate and sample format.
fn gqrx(name: &str) -> Option<(f64, f64, Option<SampleFormat>)> {
    let stem = name.strip_prefix("gqrx_")?;
    let stem = stem.rsplit_once('.').map_or(stem, |(s, _)| s);
    let parts: Vec<&str> = stem.split('_').collect();
    let [date, time, freq, rate, rest @ ..] = parts.as_slice() else {
        return None;
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(date, 8) || digits(date, 6)) || !digits(time, 6) {
        return None;
    }
    let f: u64 = freq.parse().ok()?;
    let r: u64 = rate.parse().ok()?;
    if f == 0 || r == 0 {
        return None;
    }
    let format = match rest.first() {
        Some(&"fc") => Some(SampleFormat::Cf32),
        _ => None,
    };
    Some((f as f64, r as f64, format))
}

/// The sample format a recorder's name implies when the extension does not tell (GQRX's
/// `..._fc.raw` is cf32).
pub fn format_of_path(path: &Path) -> Option<SampleFormat> {
    let name = path.file_name()?.to_str()?;
    gqrx(name).and_then(|g| g.2)
}

/// Reads the parameters from a file name such as `g001_433.92M_250k.cu8` or
/// `gqrx_20240101_120000_433920000_2000000_fc.raw`.
pub fn parse_name(name: &str) -> NameInfo {
    if let Some((f, r, _)) = gqrx(name) {
        return NameInfo {
            sample_rate_hz: Some(r),
            center_freq_hz: Some(f),
        };
    }
    let mut info = NameInfo::default();
    // '.' separates tokens too, except between two digits (inside a fractional number).
    let chars: Vec<char> = name.chars().collect();
    let mut token = String::new();
    let mut tokens = Vec::new();
    for (i, &c) in chars.iter().enumerate() {
        let inner_dot = c == '.'
            && i > 0
            && chars[i - 1].is_ascii_digit()
            && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit());
        if c.is_ascii_alphanumeric() || inner_dot {
            token.push(c);
        } else if !token.is_empty() {
            tokens.push(std::mem::take(&mut token));
        }
    }
    if !token.is_empty() {
        tokens.push(token);
    }
    for t in &tokens {
        match classify(t) {
            Some(Token::Freq(f)) => info.center_freq_hz = Some(f),
            Some(Token::Rate(r)) => info.sample_rate_hz = Some(r),
            None => {}
        }
    }
    info
}

enum Token {
    Freq(f64),
    Rate(f64),
}

fn classify(token: &str) -> Option<Token> {
    let split = token
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter(|&i| i > 0)?;
    let (num, suffix) = token.split_at(split);
    if num.starts_with('.') || num.ends_with('.') {
        return None;
    }
    let v: f64 = num.parse().ok()?;
    let tok = match suffix.to_ascii_lowercase().as_str() {
        "m" | "mhz" => Token::Freq(v * 1e6),
        "hz" => Token::Freq(v),
        "khz" => Token::Freq(v * 1e3),
        "ghz" => Token::Freq(v * 1e9),
        "k" | "ksps" => Token::Rate(v * 1e3),
        "sps" => Token::Rate(v),
        "msps" => Token::Rate(v * 1e6),
        "gsps" => Token::Rate(v * 1e9),
        _ => return None,
    };
    match tok {
        Token::Freq(f) | Token::Rate(f) if !(f.is_finite() && f > 0.0) => None,
        t => Some(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-3)
    }

    #[test]
    fn rtl_433_default_name() {
        let i = parse_name("g001_433.92M_250k.cu8");
        assert!(close(i.center_freq_hz, 433.92e6), "{i:?}");
        assert!(close(i.sample_rate_hz, 250e3), "{i:?}");
    }

    #[test]
    fn megacode_capture_name() {
        let i = parse_name("001-46013_318M_250k.ook");
        assert!(close(i.center_freq_hz, 318e6), "{i:?}");
        assert!(close(i.sample_rate_hz, 250e3), "{i:?}");
    }

    #[test]
    fn rate_1024k_and_315m_in_any_order() {
        let i = parse_name("car_1024k_315M.cs16");
        assert!(close(i.sample_rate_hz, 1_024_000.0));
        assert!(close(i.center_freq_hz, 315e6));
    }

    #[test]
    fn m_token_is_a_frequency_even_when_small() {
        // rtl_433 reads `2.4M` as a frequency, never as a rate.
        let i = parse_name("x_2.4M_.cu8");
        assert!(close(i.center_freq_hz, 2.4e6));
        assert_eq!(i.sample_rate_hz, None);
    }

    #[test]
    fn long_suffixes_and_case() {
        let i = parse_name("rec_868.35MHZ_2.4Msps.cf32");
        assert!(close(i.center_freq_hz, 868.35e6));
        assert!(close(i.sample_rate_hz, 2.4e6));
        let i = parse_name("rec-433920kHz-250000sps.cu8");
        assert!(close(i.center_freq_hz, 433.92e6));
        assert!(close(i.sample_rate_hz, 250e3));
        let i = parse_name("a_1.2GHz_3ksps");
        assert!(close(i.center_freq_hz, 1.2e9));
        assert!(close(i.sample_rate_hz, 3e3));
    }

    #[test]
    fn names_without_parameters() {
        assert_eq!(parse_name("gfile001.cu8"), NameInfo::default());
        assert_eq!(parse_name("hondacar-lock2.cu8"), NameInfo::default());
        // Words that merely end in a suffix letter are not numbers.
        assert_eq!(parse_name("track_mark.cu8"), NameInfo::default());
        // Degenerate numbers.
        assert_eq!(parse_name("a_0k_3.M.cu8"), NameInfo::default());
    }

    #[test]
    fn extension_is_not_taken_for_a_token() {
        // ".cs8" must not glue onto the rate: "250k.cs8" splits at the dot.
        let i = parse_name("f_250k.cs8");
        assert!(close(i.sample_rate_hz, 250e3));
    }

    #[test]
    fn gqrx_names_give_frequency_rate_and_format() {
        let name = "gqrx_20240101_120000_433920000_2000000_fc.raw";
        let i = parse_name(name);
        assert!(close(i.center_freq_hz, 433.92e6), "{i:?}");
        assert!(close(i.sample_rate_hz, 2e6), "{i:?}");
        assert_eq!(format_of_path(Path::new(name)), Some(SampleFormat::Cf32));
        // Older GQRX wrote a two-digit year.
        let i = parse_name("gqrx_240101_120000_315000000_250000_fc.raw");
        assert!(close(i.sample_rate_hz, 250e3), "{i:?}");
        // Not GQRX's shape: nothing from it.
        assert_eq!(parse_name("gqrx_notes.raw"), NameInfo::default());
        assert_eq!(format_of_path(Path::new("other_fc.raw")), None);
    }

    #[test]
    fn sdrpp_baseband_names_give_the_frequency() {
        let i = parse_name("baseband_433920000Hz_12-30-45_01-01-2024.wav");
        assert!(close(i.center_freq_hz, 433.92e6), "{i:?}");
        assert_eq!(i.sample_rate_hz, None);
    }

    #[test]
    fn only_file_name_is_used() {
        let i = parse_path(Path::new("/rec/433.92M_1000k/gfile001.cu8"));
        assert_eq!(i, NameInfo::default());
        let i = parse_path(Path::new("/rec/g_433.92M_1000k.cu8"));
        assert!(close(i.sample_rate_hz, 1e6));
    }
}
