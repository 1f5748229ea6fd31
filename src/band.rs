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

/// Carriers real keys use in each band, Hz, for choosing where to listen (DESIGN.md, "Domain
/// facts": Toyota 312.1/314.35 MHz, Honda 313.55/314.15 MHz, 315 MHz; 433.92 MHz, 433.42 MHz
/// (a common second channel of the ISM band); 868.35 MHz; 915 MHz).
pub fn known_carriers_hz(band: &Band) -> &'static [f64] {
    match band.id {
        "315" => &[312.1e6, 313.55e6, 314.15e6, 314.35e6, 315.0e6],
        "433" => &[433.42e6, 433.92e6],
        "868" => &[868.35e6, 868.95e6],
        _ => &[915.0e6],
    }
}

/// Where to tune to hear a band with a radio sampling at `sample_rate_hz`: the whole band when
/// the usable 80 % of the bandwidth covers it, else, among the centres that keep the band's
/// usual carrier in view, the one that covers the most known carriers (ties: the one closest
/// to the usual carrier).
pub fn listen_center_hz(band: &Band, sample_rate_hz: f64) -> f64 {
    let usable = 0.8 * sample_rate_hz;
    if usable >= band.high_hz - band.low_hz {
        return (band.low_hz + band.high_hz) / 2.0;
    }
    let carriers = known_carriers_hz(band);
    let covered = |c: f64| {
        carriers
            .iter()
            .filter(|&&f| (f - c).abs() <= usable / 2.0)
            .count()
    };
    // Candidate centres: each carrier, and each carrier at the low or high edge of the window.
    let mut best = band.nominal_hz;
    let mut best_n = covered(best);
    for &f in carriers {
        for c in [f, f + usable / 2.0 - 1.0, f - usable / 2.0 + 1.0] {
            if (c - band.nominal_hz).abs() > usable / 2.0 {
                continue;
            }
            let n = covered(c);
            let closer = (c - band.nominal_hz).abs() < (best - band.nominal_hz).abs();
            if n > best_n || (n == best_n && closer) {
                best = c;
                best_n = n;
            }
        }
    }
    best
}

/// The band containing `freq_hz`, if any.
pub fn band_of(freq_hz: f64) -> Option<&'static Band> {
    BANDS
        .iter()
        .find(|b| freq_hz >= b.low_hz && freq_hz <= b.high_hz)
}

/// Looks a band up by id or by a frequency in MHz (`315`, `433`, `433.92`, `868`, `915`).
pub fn band_by_name(name: &str) -> Option<&'static Band> {
    let n = name
        .trim()
        .trim_end_matches("MHz")
        .trim_end_matches("mhz")
        .trim();
    if let Some(b) = BANDS.iter().find(|b| b.id == n) {
        return Some(b);
    }
    let mhz: f64 = n.parse().ok()?;
    band_of(mhz * 1e6).or_else(|| {
        BANDS
            .iter()
            .find(|b| (b.nominal_hz / 1e6 - mhz).abs() < 1.0)
    })
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
    fn listening_centres_cover_the_known_carriers() {
        let b315 = band_by_name("315").unwrap();
        let c = listen_center_hz(b315, 2.4e6);
        for f in [313.55e6, 314.15e6, 314.35e6, 315.0e6] {
            assert!((f - c).abs() <= 0.96e6, "{f} from {c}");
        }
        assert_eq!(listen_center_hz(b315, 250e3), 315.0e6);
        // At 1.024 MS/s the band does not fit: the usual 315.0 MHz (and a key 18 kHz above
        // it) stays in view, with 314.35 MHz beside it.
        let c = listen_center_hz(b315, 1.024e6);
        for f in [314.35e6, 315.0e6, 315.018e6] {
            assert!((f - c).abs() <= 0.4096e6, "{f} from {c}");
        }
        let b433 = band_by_name("433").unwrap();
        assert!((listen_center_hz(b433, 2.4e6) - 433.92e6).abs() < 1.0);
        assert_eq!(listen_center_hz(b433, 250e3), 433.92e6);
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
