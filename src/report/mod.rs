//! Reports: human-readable text (default) and JSON (`--json`, the contract of DESIGN.md).

pub mod json;
pub mod table;
pub mod text;

/// Formats a frequency in Hz as MHz with 100 Hz resolution (`433.9200 MHz`).
pub fn mhz(freq_hz: f64) -> String {
    format!("{:.4} MHz", freq_hz / 1e6)
}

/// Formats a frequency offset with its sign (`+20.0 kHz`, `-1.5 kHz`, `+350 Hz`).
pub fn offset(offset_hz: f64) -> String {
    if offset_hz.abs() >= 1000.0 {
        format!("{:+.1} kHz", offset_hz / 1e3)
    } else {
        format!("{offset_hz:+.0} Hz")
    }
}

/// Formats a sample rate (`250 kS/s`, `2.4 MS/s`).
pub fn rate(rate_hz: f64) -> String {
    if rate_hz >= 1e6 {
        format!("{} MS/s", trim_float(rate_hz / 1e6, 3))
    } else {
        format!("{} kS/s", trim_float(rate_hz / 1e3, 3))
    }
}

/// Prints `v` with at most `decimals` decimals and no trailing zeros.
pub fn trim_float(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formats() {
        assert_eq!(mhz(433.92e6), "433.9200 MHz");
        assert_eq!(offset(20_000.0), "+20.0 kHz");
        assert_eq!(offset(-350.0), "-350 Hz");
        assert_eq!(rate(250_000.0), "250 kS/s");
        assert_eq!(rate(2_400_000.0), "2.4 MS/s");
        assert_eq!(rate(1_024_000.0), "1.024 MS/s");
        assert_eq!(trim_float(2.50, 2), "2.5");
    }
}
