//! The car-fit check: does the key's measured carrier, and its modulation, fit the car's
//! receiver?
//!
//! What the car expects ([`CarBand`]) is one or more key styles, each with the frequencies of
//! its FCC filing and its modulation, or a market rule (433.92 MHz in Europe and the UK, 868 MHz
//! where known, 315 MHz in North America) when no filing is on file, or a bare band given with
//! `--expect-band`.
//! - Against a filing, the key fits when its carrier lies within [`RECEIVER_HALF_BW_HZ`] of one
//!   of the filed frequencies: a car receiver passes about 600 kHz (DESIGN.md, "Domain facts",
//!   from a Mercedes key manual), so a US key at 314.95 MHz fits a 315 MHz car but not one
//!   listening at 313.85 MHz. A key with several filed frequencies fits on any of them.
//! - The modulation must agree where both are known: an OOK (ASK) key is not decoded by an FSK
//!   receiver, nor the reverse. `ASK/FSK` filings and unknown ones are not checked.
//! - Against a market rule or a band, the key fits when its carrier lies in the rule's band; the
//!   reason says the check is by market rule, not by the car's own filing.
//!
//! Among several key styles the key fits when it fits one; the result names which.

use serde::Serialize;

pub use super::car_band::{Basis, CarBand, KeyStyle, with_procedure};
use super::car_band::{mhz, offset_text};
use crate::band::band_of;
use crate::dsp::Modulation;
use crate::model::Transmission;

pub use super::thresholds::RECEIVER_HALF_BW_HZ;

/// The outcome of the check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FitStatus {
    /// The key fits one of the car's key styles.
    Fits,
    /// It fits none.
    Mismatch,
    /// It cannot be said (the key's frequency, or the car's, is unknown).
    Unknown,
}

/// The key against the car.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CarFit {
    /// Fits, mismatch or unknown.
    pub status: FitStatus,
    /// The key style it fits, or (mismatch) the nearest one.
    pub key: Option<KeyStyle>,
    /// The car's frequency it was compared with, Hz.
    pub car_freq_hz: Option<f64>,
    /// The key's carrier minus that frequency, Hz.
    pub difference_hz: Option<f64>,
    /// The tolerance applied, Hz (the receiver's half bandwidth; for a market rule or band, the
    /// band's edges).
    pub tolerance_hz: f64,
    /// A sentence with the figures.
    pub reason: String,
    /// What to do (empty unless it is a mismatch).
    pub advice: Vec<String>,
}

struct StyleCheck<'a> {
    style: &'a KeyStyle,
    nearest_hz: f64,
    diff_hz: f64,
    freq_ok: bool,
    between: bool,
    mod_ok: Option<bool>,
}

fn modulation_ok(style: Option<&str>, key: Option<Modulation>) -> Option<bool> {
    match (style, key?) {
        (Some("ASK"), m) => Some(m == Modulation::Ook),
        (Some("FSK"), m) => Some(m == Modulation::Fsk),
        _ => None,
    }
}

fn check_style(style: &KeyStyle, kf: f64, km: Option<Modulation>) -> Option<StyleCheck<'_>> {
    let nearest_hz = style
        .freqs_hz
        .iter()
        .copied()
        .min_by(|a, b| (a - kf).abs().total_cmp(&(b - kf).abs()))?;
    let diff_hz = kf - nearest_hz;
    let between = lies_between(&style.freqs_hz, kf);
    let freq_ok = match style.basis {
        Basis::Filing => diff_hz.abs() <= RECEIVER_HALF_BW_HZ || between,
        Basis::MarketRule | Basis::Band => {
            band_of(nearest_hz).is_some_and(|b| kf >= b.low_hz && kf <= b.high_hz)
        }
    };
    Some(StyleCheck {
        style,
        nearest_hz,
        diff_hz,
        freq_ok,
        between,
        mod_ok: modulation_ok(style.modulation.as_deref(), km),
    })
}

/// Two filed frequencies of one band at most this far apart may be a range (the list does not
/// say which of its `a/b` values are two carriers and which a range), Hz.
pub const RANGE_MAX_SPAN_HZ: f64 = 2.5e6;

/// True when `kf` lies between two of the filed frequencies that may be a range: same band, at
/// most [`RANGE_MAX_SPAN_HZ`] apart.
fn lies_between(freqs: &[f64], kf: f64) -> bool {
    freqs.iter().any(|a| {
        freqs.iter().any(|b| {
            a < b
                && b - a <= RANGE_MAX_SPAN_HZ
                && *a <= kf
                && kf <= *b
                && band_of(*a).is_some_and(|ba| band_of(*b).is_some_and(|bb| ba.id == bb.id))
        })
    })
}

fn key_mod_name(m: Modulation) -> &'static str {
    match m {
        Modulation::Ook => "OOK (ASK)",
        Modulation::Fsk => "FSK",
    }
}

fn band_words(f: f64) -> String {
    match band_of(f) {
        Some(b) => format!("{} band", b.id),
        None => "outside every key-fob band".into(),
    }
}

/// Checks the key's carrier (and modulation) against the car.
pub fn car_fit(
    car: &CarBand,
    key_freq_hz: Option<f64>,
    key_modulation: Option<Modulation>,
) -> CarFit {
    let unknown = |reason: String| CarFit {
        status: FitStatus::Unknown,
        key: None,
        car_freq_hz: None,
        difference_hz: None,
        tolerance_hz: RECEIVER_HALF_BW_HZ,
        reason,
        advice: Vec::new(),
    };
    let Some(kf) = key_freq_hz.filter(|f| f.is_finite()) else {
        return unknown(format!(
            "The key could not be checked against {}: the key's frequency is unknown (the \
             recording's centre frequency is missing; give --freq).",
            car.label
        ));
    };
    let checks: Vec<StyleCheck> = car
        .keys
        .iter()
        .filter_map(|s| check_style(s, kf, key_modulation))
        .collect();
    if checks.is_empty() {
        let ids: Vec<String> = car.keys.iter().map(KeyStyle::name).collect();
        return unknown(format!(
            "The key's carrier at {} could not be checked against {}: the filing of its key \
             ({}) gives no frequency.",
            mhz(kf),
            car.label,
            ids.join(", ")
        ));
    }
    let n = checks.len();
    let best_fit = checks
        .iter()
        .filter(|c| c.freq_ok && c.mod_ok != Some(false))
        .min_by(|a, b| a.diff_hz.abs().total_cmp(&b.diff_hz.abs()));
    if let Some(c) = best_fit {
        return CarFit {
            status: FitStatus::Fits,
            key: Some(c.style.clone()),
            car_freq_hz: Some(c.nearest_hz),
            difference_hz: Some(c.diff_hz),
            tolerance_hz: tolerance(c.style),
            reason: fit_reason(car, c, kf, key_modulation, n),
            advice: Vec::new(),
        };
    }
    // Nearest miss: a style whose frequency fits but whose modulation does not, else the
    // closest frequency.
    let c = checks
        .iter()
        .filter(|c| c.freq_ok)
        .chain(checks.iter())
        .min_by(|a, b| {
            (!a.freq_ok)
                .cmp(&!b.freq_ok)
                .then(a.diff_hz.abs().total_cmp(&b.diff_hz.abs()))
        })
        .expect("checks is not empty");
    let (reason, advice) = miss_reason(car, c, &checks, kf, key_modulation);
    CarFit {
        status: FitStatus::Mismatch,
        key: Some(c.style.clone()),
        car_freq_hz: Some(c.nearest_hz),
        difference_hz: Some(c.diff_hz),
        tolerance_hz: tolerance(c.style),
        reason,
        advice,
    }
}

fn tolerance(style: &KeyStyle) -> f64 {
    match style.basis {
        Basis::Filing => RECEIVER_HALF_BW_HZ,
        _ => style
            .freqs_hz
            .first()
            .and_then(|f| band_of(*f))
            .map(|b| (b.high_hz - b.low_hz) / 2.0)
            .unwrap_or(RECEIVER_HALF_BW_HZ),
    }
}

fn fit_reason(car: &CarBand, c: &StyleCheck, kf: f64, km: Option<Modulation>, n: usize) -> String {
    let s = c.style;
    let modulation = match (c.mod_ok, km, s.modulation.as_deref()) {
        (Some(true), Some(m), Some(f)) => {
            format!("; its modulation, {}, fits the filed {f}", key_mod_name(m))
        }
        (None, Some(_), Some(f)) => format!("; the filing gives {f}, so modulation is not checked"),
        (None, Some(_), None) if s.basis == Basis::Filing => {
            "; the filing gives no modulation, so it is not checked".into()
        }
        _ => String::new(),
    };
    match s.basis {
        Basis::Filing => {
            let which = if n > 1 {
                format!(" It fits key style {}, one of the car's {n}.", s.name())
            } else {
                String::new()
            };
            if c.diff_hz.abs() > RECEIVER_HALF_BW_HZ && c.between {
                return format!(
                    "The key's carrier at {} lies between the {} filed for the key of {}, {}, \
                     {} from the nearest; the list does not say whether the filing gives two \
                     carriers or a range, so it is taken to fit{modulation}.{which}",
                    mhz(kf),
                    s.freq_text(),
                    car.label,
                    s.name(),
                    offset_text(c.diff_hz)
                );
            }
            format!(
                "The key's carrier at {} is {} from the {} filed for the key of {}, {}, within \
                 the ±{:.0} kHz a car receiver passes{modulation}.{which}",
                mhz(kf),
                offset_text(c.diff_hz),
                mhz(c.nearest_hz),
                car.label,
                s.name(),
                RECEIVER_HALF_BW_HZ / 1e3
            )
        }
        Basis::MarketRule => {
            let far = if c.diff_hz.abs() > RECEIVER_HALF_BW_HZ {
                format!(
                    " It is {} from {}, more than a car receiver's ±{:.0} kHz: if the car ignores \
                     the key, check the frequency (and the dongle's --ppm).",
                    offset_text(c.diff_hz),
                    mhz(c.nearest_hz),
                    RECEIVER_HALF_BW_HZ / 1e3
                )
            } else {
                String::new()
            };
            format!(
                "The key's carrier at {} lies in the {} that {} uses: checked by market rule \
                 ({} keys use {}), not by the car's own filing, so the car's exact frequency is \
                 not known.{far}",
                mhz(kf),
                band_words(c.nearest_hz),
                car.label,
                s.markets.join("/"),
                mhz(c.nearest_hz)
            )
        }
        Basis::Band => format!(
            "The key's carrier at {} lies in {}, as given (checked by band only).",
            mhz(kf),
            car.label
        ),
    }
}

fn miss_reason(
    car: &CarBand,
    c: &StyleCheck,
    all: &[StyleCheck],
    kf: f64,
    km: Option<Modulation>,
) -> (String, Vec<String>) {
    let s = c.style;
    let fcc_ids: Vec<String> = car.keys.iter().filter_map(|k| k.fcc_id.clone()).collect();
    let get = if fcc_ids.is_empty() {
        "Get a key for the car's market.".to_string()
    } else {
        format!(
            "Get a key whose FCC ID (on its case or inside) is the car's: {}.",
            fcc_ids.join(" or ")
        )
    };
    if c.freq_ok && c.mod_ok == Some(false) {
        let m = km.map(key_mod_name).unwrap_or("?");
        let filed = s.modulation.clone().unwrap_or_default();
        let reason = format!(
            "The key transmits {m} on {}, but the key of {}, {}, is {filed} on {}: the \
             frequency is {} away, within the ±{:.0} kHz a car receiver passes, but the \
             receiver cannot decode the other modulation.",
            mhz(kf),
            car.label,
            s.name(),
            mhz(c.nearest_hz),
            offset_text(c.diff_hz),
            RECEIVER_HALF_BW_HZ / 1e3
        );
        let advice = vec![format!(
            "The key is {m} but the car's receiver expects {filed}: it is a key for another car \
             and the car will never understand it. {get}"
        )];
        return (reason, advice);
    }
    let reason = match s.basis {
        Basis::Filing if all.len() > 1 => {
            let each: Vec<String> = all
                .iter()
                .map(|x| {
                    let why = if x.freq_ok {
                        format!(
                            "{} away but {}",
                            offset_text(x.diff_hz),
                            x.style.modulation.as_deref().unwrap_or("?")
                        )
                    } else {
                        format!("{} away", offset_text(x.diff_hz))
                    };
                    format!("{} at {} ({why})", x.style.name(), x.style.freq_text())
                })
                .collect();
            format!(
                "The key transmits on {}, which fits none of the {} key styles of {}: {}; a car \
                 receiver passes about ±{:.0} kHz.",
                mhz(kf),
                all.len(),
                car.label,
                each.join("; "),
                RECEIVER_HALF_BW_HZ / 1e3
            )
        }
        Basis::Filing => format!(
            "The key transmits on {} but the key of {}, {}, is filed at {}: {} away, beyond \
             the ±{:.0} kHz a car receiver passes.",
            mhz(kf),
            car.label,
            s.name(),
            s.freq_text(),
            offset_text(c.diff_hz),
            RECEIVER_HALF_BW_HZ / 1e3
        ),
        Basis::MarketRule => format!(
            "The key transmits on {} ({}) but {} expects {} ({}), by market rule ({} keys), not \
             by the car's own filing: {} away.",
            mhz(kf),
            band_words(kf),
            car.label,
            s.freq_text(),
            band_words(c.nearest_hz),
            s.markets.join("/"),
            offset_text(c.diff_hz)
        ),
        Basis::Band => format!(
            "The key transmits on {} ({}) but the car expects {}.",
            mhz(kf),
            band_words(kf),
            car.label
        ),
    };
    let advice = vec![format!(
        "The key is on {} but the car expects {}: it is a key for another car or market (or set \
         to the wrong band), and the car's receiver will not hear it. {get}",
        mhz(kf),
        car.freq_text()
    )];
    (reason, advice)
}

/// The modulation most of the key's transmissions use.
pub fn key_modulation(transmissions: &[&Transmission]) -> Option<Modulation> {
    let ook = transmissions
        .iter()
        .filter(|t| t.modulation == Some(Modulation::Ook))
        .count();
    let fsk = transmissions
        .iter()
        .filter(|t| t.modulation == Some(Modulation::Fsk))
        .count();
    match (ook, fsk) {
        (0, 0) => None,
        (o, f) if o >= f => Some(Modulation::Ook),
        _ => Some(Modulation::Fsk),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::band::band_by_name;
    use crate::diagnosis::car_match::find_car;

    fn car(q: &str) -> CarBand {
        CarBand::from_match(&find_car(q).unwrap())
    }

    #[test]
    fn a_315_key_fits_the_altima_but_not_the_accord_or_the_4runner() {
        let f = car_fit(
            &car("2004 nissan altima"),
            Some(314.95e6),
            Some(Modulation::Ook),
        );
        assert_eq!(f.status, FitStatus::Fits, "{}", f.reason);
        assert!((f.difference_hz.unwrap() + 50e3).abs() < 1.0);
        assert!(
            f.reason.contains("50 kHz") && f.reason.contains("KBRASTU15"),
            "{}",
            f.reason
        );
        let f = car_fit(
            &car("2004 honda accord"),
            Some(314.95e6),
            Some(Modulation::Fsk),
        );
        assert_eq!(f.status, FitStatus::Mismatch);
        assert!(
            f.reason.contains("313.85 MHz") && f.reason.contains("314.95 MHz"),
            "{}",
            f.reason
        );
        assert!(f.reason.contains("1.100 MHz away"), "{}", f.reason);
        let f = car_fit(
            &car("2003 toyota 4runner"),
            Some(314.95e6),
            Some(Modulation::Ook),
        );
        assert_eq!(f.status, FitStatus::Mismatch);
        assert!(
            f.reason.contains("314.35 MHz") && f.reason.contains("600 kHz away"),
            "{}",
            f.reason
        );
        assert!(f.advice[0].contains("HYQ12BBX"), "{:?}", f.advice);
    }

    #[test]
    fn the_tolerance_is_the_receiver_bandwidth() {
        let c = car("2004 honda accord");
        for (f, fits) in [
            (313.85e6, true),
            (314.14e6, true),
            (314.16e6, false),
            (313.54e6, false),
        ] {
            let r = car_fit(&c, Some(f), Some(Modulation::Fsk));
            assert_eq!(r.status == FitStatus::Fits, fits, "{f}: {}", r.reason);
            assert_eq!(r.tolerance_hz, RECEIVER_HALF_BW_HZ);
        }
    }

    #[test]
    fn an_ask_key_for_an_fsk_car_is_a_mismatch() {
        let f = car_fit(
            &car("2004 honda accord"),
            Some(313.85e6),
            Some(Modulation::Ook),
        );
        assert_eq!(f.status, FitStatus::Mismatch);
        assert!(
            f.reason.contains("OOK") && f.reason.contains("FSK"),
            "{}",
            f.reason
        );
        // Modulation unknown on the key side: frequency alone decides.
        let f = car_fit(&car("2004 honda accord"), Some(313.85e6), None);
        assert_eq!(f.status, FitStatus::Fits);
    }

    #[test]
    fn several_filed_frequencies_and_key_styles_each_count() {
        // Ford CWTWB1U331: 314.5/315.5 MHz.
        let c = car("2004 ford focus");
        for f in [314.5e6, 315.5e6] {
            assert_eq!(
                car_fit(&c, Some(f), Some(Modulation::Ook)).status,
                FitStatus::Fits
            );
        }
        // Between the two: the filing may give a range, so no mismatch is claimed.
        let f = car_fit(&c, Some(315.0e6), Some(Modulation::Ook));
        assert_eq!(f.status, FitStatus::Fits);
        assert!(f.reason.contains("range"), "{}", f.reason);
        assert_eq!(
            car_fit(&c, Some(313.8e6), Some(Modulation::Ook)).status,
            FitStatus::Mismatch
        );
        assert_eq!(
            car_fit(&c, Some(316.2e6), Some(Modulation::Ook)).status,
            FitStatus::Mismatch
        );
        // A car with two key styles on different bands fits a key of either, and says which.
        let c = car("2016 honda accord");
        assert!(c.keys.len() >= 2, "{:?}", c.keys);
        let f = car_fit(&c, Some(433.92e6), Some(Modulation::Fsk));
        assert_eq!(f.status, FitStatus::Fits);
        assert!(f.reason.contains("one of the car's"), "{}", f.reason);
    }

    #[test]
    fn outside_the_us_the_check_is_by_market_rule() {
        let c = car("mini cooper 2005 uk");
        let f = car_fit(&c, Some(433.92e6), Some(Modulation::Ook));
        assert_eq!(f.status, FitStatus::Fits);
        assert!(
            f.reason.contains("market rule") && f.reason.contains("not by the car's own filing"),
            "{}",
            f.reason
        );
        let f = car_fit(&c, Some(315.0e6), Some(Modulation::Ook));
        assert_eq!(f.status, FitStatus::Mismatch);
        assert!(f.reason.contains("market rule"), "{}", f.reason);
        let f = car_fit(&car("mini r56 uk"), Some(868.35e6), None);
        assert_eq!(f.status, FitStatus::Fits);
    }

    #[test]
    fn a_band_by_hand_and_unknown_frequencies() {
        let c = CarBand::from_band(band_by_name("433").unwrap());
        assert_eq!(
            car_fit(&c, Some(434.90e6), None).status,
            FitStatus::Mismatch
        );
        assert_eq!(car_fit(&c, Some(433.92e6), None).status, FitStatus::Fits);
        assert_eq!(car_fit(&c, None, None).status, FitStatus::Unknown);
        assert_eq!(car_fit(&c, Some(f64::NAN), None).status, FitStatus::Unknown);
        let c = car("1996 cadillac deville");
        let f = car_fit(&c, Some(315e6), None);
        assert_eq!(f.status, FitStatus::Unknown, "{}", f.reason);
        assert!(f.reason.contains("no frequency"), "{}", f.reason);
    }

    #[test]
    fn us_rows_get_the_makes_procedure() {
        let c = car("2004 honda accord");
        let p = c.vehicle.unwrap().procedure.unwrap();
        assert!(p.contains("Honda") && p.contains("source"), "{p}");
        let c = car("2015 jeep cherokee");
        assert!(
            c.vehicle
                .unwrap()
                .procedure
                .unwrap()
                .contains("dealer or locksmith tool")
        );
    }
}
