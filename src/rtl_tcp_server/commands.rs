//! The client's 5-byte commands in words, and which sample rates an RTL2832U accepts.

use crate::report;
use crate::source::rtl_tcp::command::*;

/// Whether an RTL2832U accepts `rate_hz`: librtlsdr's `rtlsdr_set_sample_rate` (osmocom
/// rtl-sdr, librtlsdr.c) refuses rates up to 225 kS/s, between 300 and 900 kS/s, and above
/// 3.2 MS/s.
pub fn valid_rtl_rate(rate_hz: u32) -> bool {
    (225_001..=300_000).contains(&rate_hz) || (900_001..=3_200_000).contains(&rate_hz)
}

/// A command as the log shows it (`set frequency 315.0000 MHz`).
pub fn describe(code: u8, value: u32) -> String {
    let on_off = |v: u32| if v == 0 { "off" } else { "on" };
    match code {
        SET_FREQUENCY => format!("set frequency {}", report::mhz(f64::from(value))),
        SET_SAMPLE_RATE => format!("set sample rate {}", report::rate(f64::from(value))),
        SET_GAIN_MODE => format!(
            "set gain mode {}",
            if value == 0 { "automatic" } else { "manual" }
        ),
        SET_GAIN => format!("set gain {:.1} dB", f64::from(value as i32) / 10.0),
        SET_FREQ_CORRECTION => format!("set frequency correction {} ppm", value as i32),
        0x06 => format!("set IF gain (stage {}) {:.1} dB", value >> 16, {
            f64::from((value & 0xffff) as i16) / 10.0
        }),
        0x07 => format!("set test mode {}", on_off(value)),
        SET_AGC_MODE => format!("set RTL AGC {}", on_off(value)),
        0x09 => format!("set direct sampling {value}"),
        0x0a => format!("set offset tuning {}", on_off(value)),
        0x0b => format!("set RTL crystal {value} Hz"),
        0x0c => format!("set tuner crystal {value} Hz"),
        SET_GAIN_BY_INDEX => format!("set gain step {value}"),
        SET_BIAS_TEE => format!("set bias tee {}", on_off(value)),
        _ => format!("unknown command 0x{code:02x} (value {value})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_as_librtlsdr_takes_them() {
        for ok in [250_000, 300_000, 1_024_000, 2_048_000, 2_400_000, 3_200_000] {
            assert!(valid_rtl_rate(ok), "{ok}");
        }
        for bad in [48_000, 225_000, 500_000, 900_000, 3_200_001] {
            assert!(!valid_rtl_rate(bad), "{bad}");
        }
    }

    #[test]
    fn commands_in_words() {
        assert_eq!(describe(1, 315_000_000), "set frequency 315.0000 MHz");
        assert_eq!(describe(2, 1_024_000), "set sample rate 1.024 MS/s");
        assert_eq!(describe(4, 496), "set gain 49.6 dB");
        assert_eq!(
            describe(5, (-42i32) as u32),
            "set frequency correction -42 ppm"
        );
        assert_eq!(describe(0x0e, 1), "set bias tee on");
        assert!(describe(0x42, 7).contains("unknown"));
    }
}
