//! Key-fob frequency bands and the check of a frequency against them.
//!
//! Ranges, not exact values, because real keys sit anywhere inside them (DESIGN.md, "Domain
//! facts"): US/Canada keys at 312.1–315.5 MHz (Toyota 312.1/314.35, Honda 313.55/314.15),
//! European keys in the 433.05–434.79 MHz ISM band (ITU-R Radio Regulations 5.138, ERC
//! Recommendation 70-03 annex 1) and the 868–870 MHz SRD band (ERC 70-03), and some US keys in
//! the 902–928 MHz ISM band (47 CFR 15.247).

use serde::Serialize;

/// A band a key fob may transmit in.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Band {
    /// Short identifier used in reports and on the command line (`315`, `433`, `868`, `915`).
    pub id: &'static str,
    /// Human name.
    pub name: &'static str,
    /// Lower edge, Hz.
    pub low_hz: f64,
    /// Upper edge, Hz.
    pub high_hz: f64,
    /// The usual carrier, Hz.
    pub nominal_hz: f64,
}

/// The bands fobscope knows, lowest first.
pub const BANDS: [Band; 4] = [
    Band {
        id: "315",
        name: "315 MHz (US/Canada/Japan keys, 312–316 MHz)",
        low_hz: 312.0e6,
        high_hz: 316.0e6,
        nominal_hz: 315.0e6,
    },
    Band {
        id: "433",
        name: "433.92 MHz ISM (433.05–434.79 MHz)",
        low_hz: 433.05e6,
        high_hz: 434.79e6,
        nominal_hz: 433.92e6,
    },
    Band {
        id: "868",
        name: "868 MHz SRD (868–870 MHz)",
        low_hz: 868.0e6,
        high_hz: 870.0e6,
        nominal_hz: 868.35e6,
    },
    Band {
        id: "915",
        name: "902–928 MHz ISM",
        low_hz: 902.0e6,
        high_hz: 928.0e6,
        nominal_hz: 915.0e6,
    },
];

/// The band containing `freq_hz`, if any.
pub fn band_of(freq_hz: f64) -> Option<&'static Band> {
    BANDS
        .iter()
        .find(|b| freq_hz >= b.low_hz && freq_hz <= b.high_hz)
}

/// Looks a band up by id or by a frequency in MHz (`315`, `433`, `433.92`, `868`, `915`).
pub fn band_by_name(name: &str) -> Option<&'static Band> {
    let n = name.trim().trim_end_matches("MHz").trim_end_matches("mhz").trim();
    if let Some(b) = BANDS.iter().find(|b| b.id == n) {
        return Some(b);
    }
    let mhz: f64 = n.parse().ok()?;
    band_of(mhz * 1e6).or_else(|| BANDS.iter().find(|b| (b.nominal_hz / 1e6 - mhz).abs() < 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_key_frequencies_fall_in_their_bands() {
        assert_eq!(band_of(312.1e6).unwrap().id, "315");
        assert_eq!(band_of(314.35e6).unwrap().id, "315");
        assert_eq!(band_of(315.0e6).unwrap().id, "315");
        assert_eq!(band_of(433.92e6).unwrap().id, "433");
        assert_eq!(band_of(433.889e6).unwrap().id, "433");
        assert_eq!(band_of(868.35e6).unwrap().id, "868");
        assert_eq!(band_of(915.0e6).unwrap().id, "915");
        assert!(band_of(310.0e6).is_none());
        assert!(band_of(435.0e6).is_none());
    }

    #[test]
    fn bands_by_name() {
        assert_eq!(band_by_name("315").unwrap().id, "315");
        assert_eq!(band_by_name("433.92").unwrap().id, "433");
        assert_eq!(band_by_name("433").unwrap().id, "433");
        assert_eq!(band_by_name("868 MHz").unwrap().id, "868");
        assert_eq!(band_by_name("915").unwrap().id, "915");
        assert!(band_by_name("2400").is_none());
        assert!(band_by_name("abc").is_none());
    }
}
