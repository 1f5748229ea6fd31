//! Parsing of frequencies, rates and durations as people type them: `433.92M`, `250k`,
//! `2.4e6`, `315MHz`, `10ms`.
//!
//! A value that parses but cannot be what was meant is refused with the likely intent named:
//! a bare `--rate 250` (250 S/s cannot hold a key's bits) suggests `250k`, a `--freq 3150`
//! (3150 MHz, beyond any key band and an RTL-SDR's tuning range) suggests `315M`.

use crate::band::BANDS;

/// The lowest sample rate accepted, S/s. A key's shortest marks are about 100 µs long
/// (rtl_433 decoders run at 250 kS/s and 1 MS/s); 8 kS/s is the least that still puts a few
/// samples in such a mark, and no SDR streams slower.
pub const MIN_RATE: f64 = 8e3;
/// Lowest and highest centre frequencies accepted, Hz: an RTL-SDR's R820T tuner covers
/// 24–1766 MHz (rtl-sdr.com, "About RTL-SDR"), which holds every key-fob band (300–928 MHz).
pub const FREQ_RANGE: (f64, f64) = (24e6, 1766e6);

/// Parses a value in Hz or S/s with an optional SI suffix (`k`, `M`, `G`, optionally followed
/// by `Hz`, `S/s` or `sps`): `433.92M` → 433 920 000, `250k` → 250 000, `2.4e6` → 2 400 000.
pub fn parse_si(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    let mut s = lower.as_str();
    for unit in ["hz", "s/s", "sps"] {
        if let Some(rest) = s.strip_suffix(unit) {
            s = rest.trim_end();
            break;
        }
    }
    let (num, mult) = match s.chars().last() {
        Some('k') => (&s[..s.len() - 1], 1e3),
        Some('m') => (&s[..s.len() - 1], 1e6),
        Some('g') => (&s[..s.len() - 1], 1e9),
        _ => (s, 1.0),
    };
    if num.trim().starts_with('-') {
        return Err(format!(
            "'{t}' is negative; give a positive value (did you mean {}?)",
            t.trim_start_matches('-')
        ));
    }
    let v: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("'{t}' is not a number (examples: 433.92M, 250k, 2.4e6)"))?;
    let v = v * mult;
    if !v.is_finite() || v < 0.0 {
        return Err(format!("'{t}' is out of range"));
    }
    Ok(v)
}

/// True when `text` is a plain number, without a unit or SI suffix.
fn is_bare(text: &str) -> bool {
    let t = text.trim();
    !t.is_empty()
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
}

/// `v` written the way the flags take it: `250k`, `2.4M`.
fn si_text(v: f64) -> String {
    let (x, suffix) = if v >= 1e6 {
        (v / 1e6, "M")
    } else {
        (v / 1e3, "k")
    };
    let mut s = format!("{x:.4}");
    while s.ends_with('0') {
        s.pop();
    }
    if s.ends_with('.') {
        s.pop();
    }
    format!("{s}{suffix}")
}

/// Parses a sample rate (`250k`, `1.024M`, `2400000`). A rate below [`MIN_RATE`] is refused,
/// naming the rate probably meant (`250` → `250k`, `2.4` → `2.4M`).
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let v = parse_si(text)?;
    if v > 1e10 {
        return Err(format!("sample rate '{text}' is out of range"));
    }
    if v < MIN_RATE {
        let hint = if is_bare(text) && v > 0.0 {
            let meant = if v < 10.0 { v * 1e6 } else { v * 1e3 };
            format!("; did you mean {}?", si_text(meant))
        } else {
            String::new()
        };
        return Err(format!(
            "{v} S/s is too slow to hold a key's pulses (at least {} S/s){hint} \
             Rates take k and M: 250k, 1.024M, 2.4M",
            MIN_RATE
        ));
    }
    Ok(v)
}

/// The key band a frequency probably meant: `v` scaled by a power of ten to land in one.
fn meant_freq(v: f64) -> Option<f64> {
    (-9..=9).map(|k| v * 10f64.powi(k)).find(|f| {
        BANDS
            .iter()
            .any(|b| *f >= b.low_hz - 3e6 && *f <= b.high_hz + 3e6)
    })
}

/// Parses a frequency; a bare number below 10 000 is taken as MHz (`433.92`, `315`). A
/// frequency outside [`FREQ_RANGE`] is refused, naming the key band probably meant
/// (`3150` → `315M`, `433920` Hz → `433.92M`).
pub fn parse_freq(text: &str) -> Result<f64, String> {
    let v = parse_si(text)?;
    let v = if is_bare(text) && v < 10_000.0 {
        v * 1e6
    } else {
        v
    };
    if !(FREQ_RANGE.0..=FREQ_RANGE.1).contains(&v) {
        let hint = match meant_freq(v) {
            Some(f) => format!("; did you mean {}?", si_text(f)),
            None => String::new(),
        };
        return Err(format!(
            "'{text}' is {}, outside what a key-fob receiver tunes ({}–{}){hint} \
             Frequencies take k, M and G: 433.92M, 315M (a bare number below 10000 is MHz)",
            hz_text(v),
            hz_text(FREQ_RANGE.0),
            hz_text(FREQ_RANGE.1)
        ));
    }
    Ok(v)
}

fn hz_text(v: f64) -> String {
    if v >= 1e6 {
        format!("{} MHz", si_text(v).trim_end_matches('M'))
    } else {
        format!("{v} Hz")
    }
}

/// Parses a crystal error in ppm (`42`, `-12.5`), within ±1000.
pub fn parse_ppm(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number of ppm (parts per million; e.g. 42, -12.5)"))?;
    if !v.is_finite() || !(-1000.0..=1000.0).contains(&v) {
        return Err(format!("{s} ppm is out of range (-1000..1000)"));
    }
    Ok(v)
}

/// Parses a whole number of ppm (`42`, `-12`), within ±1000, for a radio's correction.
pub fn parse_ppm_int(s: &str) -> Result<i32, String> {
    let v = parse_ppm(s)?;
    if v.fract() != 0.0 {
        return Err(format!(
            "'{s}': the radio takes whole ppm (e.g. {})",
            v.round()
        ));
    }
    Ok(v as i32)
}

/// Parses a signed frequency offset in Hz (`-25k`, `+10k`, `1500`).
pub fn parse_offset(text: &str) -> Result<f64, String> {
    let t = text.trim();
    if let Some(rest) = t.strip_prefix('-') {
        Ok(-parse_si(rest)?)
    } else {
        parse_si(t.trim_start_matches('+'))
    }
}

/// Parses a duration in seconds with an optional unit (`10s`, `250ms`, `400us`, `1.5`).
pub fn parse_duration_s(text: &str) -> Result<f64, String> {
    let t = text.trim().to_ascii_lowercase();
    let (num, mult) = if let Some(n) = t.strip_suffix("ms") {
        (n, 1e-3)
    } else if let Some(n) = t.strip_suffix("us").or_else(|| t.strip_suffix("µs")) {
        (n, 1e-6)
    } else if let Some(n) = t.strip_suffix("min") {
        (n, 60.0)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else {
        (t.as_str(), 1.0)
    };
    let v: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("'{text}' is not a duration (examples: 10s, 250ms, 400us)"))?;
    if !v.is_finite() || v < 0.0 {
        return Err(format!("duration '{text}' is out of range"));
    }
    Ok(v * mult)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn si_values() {
        assert_eq!(parse_si("433.92M").unwrap(), 433_920_000.0);
        assert_eq!(parse_si("250k").unwrap(), 250_000.0);
        assert_eq!(parse_si("2.4e6").unwrap(), 2_400_000.0);
        assert_eq!(parse_si("315 MHz").unwrap(), 315_000_000.0);
        assert_eq!(parse_si("1.024MS/s").unwrap(), 1_024_000.0);
        assert!(parse_si("fast").is_err());
        assert!(parse_si("-5").is_err());
    }

    #[test]
    fn freqs_rates_offsets_durations() {
        assert_eq!(parse_freq("433.92").unwrap(), 433_920_000.0);
        assert_eq!(parse_freq("315").unwrap(), 315_000_000.0);
        assert_eq!(parse_freq("433920000").unwrap(), 433_920_000.0);
        assert_eq!(parse_rate("250k").unwrap(), 250_000.0);
        assert!(parse_rate("0").is_err());
        assert_eq!(parse_freq("868.35M").unwrap(), 868_350_000.0);
        assert_eq!(parse_offset("-25k").unwrap(), -25_000.0);
        assert_eq!(parse_offset("+10k").unwrap(), 10_000.0);
        assert!((parse_duration_s("250ms").unwrap() - 0.25).abs() < 1e-12);
        assert!((parse_duration_s("400us").unwrap() - 400e-6).abs() < 1e-12);
        assert_eq!(parse_duration_s("10").unwrap(), 10.0);
        assert!(parse_duration_s("soon").is_err());
    }

    #[test]
    fn implausible_rates_and_frequencies_name_the_likely_intent() {
        let e = parse_rate("250").unwrap_err();
        assert!(e.contains("did you mean 250k?"), "{e}");
        let e = parse_rate("2.4").unwrap_err();
        assert!(e.contains("did you mean 2.4M?"), "{e}");
        let e = parse_rate("1.024").unwrap_err();
        assert!(e.contains("did you mean 1.024M?"), "{e}");
        assert!(!parse_rate("5k").unwrap_err().contains("did you mean"));
        assert_eq!(parse_rate("8k").unwrap(), 8e3);
        let e = parse_freq("3150").unwrap_err();
        assert!(e.contains("did you mean 315M?"), "{e}");
        let e = parse_freq("433920").unwrap_err();
        assert!(e.contains("did you mean 433.92M?"), "{e}");
        let e = parse_freq("4339.2").unwrap_err();
        assert!(e.contains("did you mean 433.92M?"), "{e}");
        let e = parse_freq("3G").unwrap_err();
        assert!(e.contains("outside"), "{e}");
        assert_eq!(parse_freq("1.5G").unwrap(), 1.5e9);
    }

    #[test]
    fn negative_values_and_words_get_clear_messages() {
        let e = parse_rate("-250k").unwrap_err();
        assert!(
            e.contains("negative") && e.contains("did you mean 250k?"),
            "{e}"
        );
        let e = parse_freq("-315M").unwrap_err();
        assert!(e.contains("did you mean 315M?"), "{e}");
        let e = parse_ppm("abc").unwrap_err();
        assert!(e.contains("'abc' is not a number of ppm"), "{e}");
        assert!(!e.contains("float"), "{e}");
        assert_eq!(parse_ppm("-12.5").unwrap(), -12.5);
        assert!(parse_ppm("2000").is_err());
        assert_eq!(parse_ppm_int("-12").unwrap(), -12);
        assert!(parse_ppm_int("1.5").is_err());
    }
}
