//! Parsing of frequencies, rates and durations as people type them: `433.92M`, `250k`,
//! `2.4e6`, `315MHz`, `10ms`.

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

/// Parses a positive sample rate (`250k`, `1.024M`, `2400000`).
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let v = parse_si(text)?;
    if !(1.0..=1e10).contains(&v) {
        return Err(format!("sample rate '{text}' is out of range"));
    }
    Ok(v)
}

/// Parses a frequency; a bare number below 10 000 is taken as MHz (`433.92`, `315`).
pub fn parse_freq(text: &str) -> Result<f64, String> {
    let v = parse_si(text)?;
    let t = text.trim();
    let bare = t.chars().all(|c| c.is_ascii_digit() || c == '.');
    Ok(if bare && v < 10_000.0 { v * 1e6 } else { v })
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
        assert_eq!(parse_offset("-25k").unwrap(), -25_000.0);
        assert_eq!(parse_offset("+10k").unwrap(), 10_000.0);
        assert!((parse_duration_s("250ms").unwrap() - 0.25).abs() < 1e-12);
        assert!((parse_duration_s("400us").unwrap() - 400e-6).abs() < 1e-12);
        assert_eq!(parse_duration_s("10").unwrap(), 10.0);
        assert!(parse_duration_s("soon").is_err());
    }
}
