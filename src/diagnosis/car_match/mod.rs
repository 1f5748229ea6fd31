//! Finding cars in the table from what a person types: one matcher for `fobscope cars QUERY`
//! and for `--car`.
//!
//! A query is words in any order, any case: a model year, the make (or an alias: `chevy`,
//! `vw`, ...), the model (or a chassis code such as `E46`), an FCC ID, a market (`us`, `uk`,
//! `europe`, ...) or a button count (`3b`). Names are compared without case, spaces or
//! punctuation, so `cr-v`, `CRV` and `CR V` are the same model. Every word must be accounted
//! for by a row: a word that is neither make, model, chassis, FCC ID, year nor market rules the
//! row out. When some rows match the model's whole name, rows that only share a word with it
//! (`Grand Cherokee` for `cherokee`) are left out.
//!
//! [`filter`] lists the matching rows. [`find_car`] resolves `--car`: make and model must both
//! match; the rows must be one car (one make and model), agree on a market or be pinned to one,
//! and name a year when the car's keys change from year to year. Otherwise it is an error that
//! says what is missing and lists the closest entries.
//!
//! The parts: `query` takes the typed words apart, `matching` finds the rows they match, and
//! `no_match` builds the error that says what is missing and lists the closest entries.

mod matching;
mod no_match;
mod query;

pub use matching::filter;
pub use no_match::{CarError, no_match};
pub use query::norm;

use matching::{Hit, search};
use no_match::row_line;
use query::{model_words, parse_query};

use super::car_table::FCC_SOURCE;
use super::vehicles::Vehicle;

/// The rows chosen for `--car`: one car, all its key styles.
#[derive(Clone, Debug, PartialEq)]
pub struct CarMatch {
    /// The first row (a hand-written one when there is one: it carries battery and procedure).
    pub vehicle: &'static Vehicle,
    /// The other rows of the same car (other key styles, or the same key from the other list).
    pub also_matched: Vec<&'static Vehicle>,
    /// The model year asked for, when given.
    pub year: Option<u16>,
    /// Make and model as the rows spell them (`Honda Accord`, `MINI R53`).
    pub name: String,
}

impl CarMatch {
    /// Every row of the match, the chosen one first.
    pub fn rows(&self) -> Vec<&'static Vehicle> {
        let mut v = vec![self.vehicle];
        v.extend(self.also_matched.iter().copied());
        v
    }

    /// How the car is named in a verdict: a hand-written row's own label when it alone matched,
    /// else `2004 Honda Accord (US/Canada)`.
    pub fn label(&self) -> String {
        if self.also_matched.is_empty() && self.vehicle.source != FCC_SOURCE {
            return self.vehicle.label();
        }
        let mut markets: Vec<&str> = Vec::new();
        for v in self.rows() {
            for m in &v.markets {
                if !markets.contains(&m.as_str()) {
                    markets.push(m);
                }
            }
        }
        let year = match self.year {
            Some(y) => format!("{y} "),
            None => String::new(),
        };
        format!("{year}{} ({})", self.name, markets.join("/"))
    }
}

fn freq_key(v: &Vehicle) -> Vec<u64> {
    v.freqs_mhz
        .iter()
        .map(|f| (f * 1e3).round() as u64)
        .collect()
}

/// Picks the car for a description such as `2004 honda accord` or `mini r53 2004 us`.
///
/// Make and model (or chassis code) must both match. Errors, with what is missing and the
/// closest entries, when nothing matches; when the matching rows are several cars; when they
/// belong to markets whose keys differ and no market was given; or when no year was given and
/// the car's keys differ from year to year.
pub fn find_car(query: &str) -> Result<CarMatch, CarError> {
    let q = parse_query(query);
    let hits: Vec<Hit> = search(&q).into_iter().filter(Hit::names_car).collect();
    if q.words.is_empty() || hits.is_empty() {
        return Err(no_match(query));
    }
    let rows: Vec<String> = hits.iter().map(|h| row_line(h.v)).collect();
    let mut cars: Vec<(String, String)> = hits
        .iter()
        .map(|h| {
            // One car however the rows order its words (`Speed 3`, `3 Speed`).
            let (make, model) = h.car();
            let mut words = model_words(&model);
            words.sort();
            (norm(&make), words.concat())
        })
        .collect();
    cars.sort();
    cars.dedup();
    if cars.len() > 1 {
        return Err(CarError::Ambiguous {
            query: query.to_string(),
            need: format!(
                "words that pick one car ({})",
                hits.iter()
                    .map(|h| {
                        let (a, b) = h.car();
                        format!("{a} {b}")
                    })
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            rows,
        });
    }
    let differ = |a: &Vehicle, b: &Vehicle| freq_key(a) != freq_key(b);
    let market_split = hits.iter().any(|a| {
        hits.iter()
            .any(|b| !a.v.markets.iter().any(|m| b.v.markets.contains(m)) && differ(a.v, b.v))
    });
    if market_split {
        return Err(CarError::Ambiguous {
            query: query.to_string(),
            need: "the market (us, canada, uk, europe)".into(),
            rows,
        });
    }
    if q.years.is_empty() {
        let spans_years = hits.iter().any(|h| h.v.years != hits[0].v.years);
        let keys_differ = hits.iter().any(|h| differ(h.v, hits[0].v));
        if spans_years && keys_differ {
            return Err(CarError::Ambiguous {
                query: query.to_string(),
                need: "the model year".into(),
                rows,
            });
        }
    }
    let (make, model) = hits[0].car();
    let mut vs: Vec<&'static Vehicle> = hits.iter().map(|h| h.v).collect();
    // Hand-written rows first: they carry battery, procedure and notes.
    vs.sort_by_key(|v| v.source == FCC_SOURCE);
    Ok(CarMatch {
        vehicle: vs[0],
        also_matched: vs[1..].to_vec(),
        year: q.years.first().copied(),
        name: format!("{make} {model}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fccs(m: &CarMatch) -> Vec<String> {
        let mut f: Vec<String> = m.rows().iter().filter_map(|v| v.fcc_id.clone()).collect();
        f.sort();
        f.dedup();
        f
    }

    #[test]
    fn words_in_any_order_and_case_find_the_car() {
        for q in [
            "2004 Honda Accord",
            "accord honda 2004",
            "HONDA ACCORD 2004 us",
        ] {
            let m = find_car(q).unwrap_or_else(|e| panic!("{q}: {e}"));
            assert_eq!(m.name, "Honda Accord", "{q}");
            assert_eq!(fccs(&m), ["OUCG8D-380H-A"], "{q}");
            assert!(m.rows().iter().all(|v| v.freqs_mhz == [313.85]), "{q}");
        }
        let m = find_car("2003 toyota 4runner").unwrap();
        assert!(m.rows().iter().any(|v| v.freqs_mhz == [314.35]));
    }

    #[test]
    fn aliases_name_makes() {
        let m = find_car("2018 chevy equinox").unwrap();
        assert_eq!(m.name, "Chevrolet Equinox");
        assert!(find_car("vw golf 2001 europe").is_ok());
    }

    #[test]
    fn a_car_with_several_key_styles_keeps_them_all() {
        let m = find_car("2014 honda accord").unwrap();
        assert_eq!(fccs(&m), ["ACJ932HK1210A", "MLBHLIK6-1T"]);
    }

    #[test]
    fn cars_that_change_keys_ask_for_the_year_or_market() {
        let e = find_car("honda accord").unwrap_err();
        assert!(
            matches!(&e, CarError::Ambiguous { need, .. } if need.contains("year")),
            "{e}"
        );
        let e = find_car("mini r53").unwrap_err().to_string();
        assert!(e.contains("add the market"), "{e}");
        assert!(e.contains("315") && e.contains("433.92"), "{e}");
        assert!(find_car("mini 1990").is_err());
    }

    #[test]
    fn hand_written_rows_keep_year_market_and_chassis() {
        let m = find_car("mini r53 2004 us").unwrap();
        assert_eq!(m.vehicle.make, "MINI");
        assert_eq!(m.vehicle.bands()[0].id, "315");
        assert_eq!(m.vehicle.buttons, Some(2));
        let m = find_car("Mini Cooper 2005 UK").unwrap();
        assert_eq!(m.vehicle.bands()[0].id, "433");
        assert_eq!(m.vehicle.buttons, Some(3));
        let m = find_car("MINI R56 uk").unwrap();
        assert_eq!(m.vehicle.bands()[0].id, "868");
        let m = find_car("2004 nissan altima").unwrap();
        assert!(m.vehicle.procedure.is_none() || m.vehicle.fcc_id.is_some());
        assert_eq!(fccs(&m), ["KBRASTU15"]);
    }
}
