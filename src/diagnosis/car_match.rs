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

use std::collections::BTreeMap;

use super::car_table::{FCC_SOURCE, table};
use super::vehicles::Vehicle;

/// A name without case, spaces or punctuation (`&` reads `and`).
pub fn norm(s: &str) -> String {
    s.replace('&', " and ")
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Market words people type, and the table's market names they mean.
fn market_words(token: &str) -> Option<&'static [&'static str]> {
    Some(match token {
        "us" | "usa" | "america" | "american" | "states" => &["US"],
        "canada" | "ca" | "canadian" => &["Canada"],
        "uk" | "gb" | "britain" | "england" | "scotland" | "wales" => &["UK"],
        "eu" | "europe" | "european" | "euro" => &["Europe", "UK"],
        "australia" | "au" | "aus" => &["Australia"],
        "na" => &["US", "Canada"],
        _ => return None,
    })
}

/// Make names people type for the table's makes (normalised words).
fn make_alias(word: &str) -> &str {
    match word {
        "vw" => "volkswagen",
        "chevy" => "chevrolet",
        "mercedesbenz" | "benz" | "merc" => "mercedes",
        "infinity" => "infiniti",
        w => w,
    }
}

fn year_token(token: &str) -> Option<u16> {
    if token.len() != 4 {
        return None;
    }
    token
        .parse::<u16>()
        .ok()
        .filter(|y| (1950..=2100).contains(y))
}

fn button_token(token: &str) -> Option<u8> {
    let t = token
        .trim_end_matches("buttons")
        .trim_end_matches("button")
        .trim_end_matches("btn")
        .trim_end_matches('b')
        .trim_end_matches('-');
    if t.len() == token.len() {
        return None;
    }
    t.parse().ok()
}

/// A query taken apart.
#[derive(Clone, Debug, Default, PartialEq)]
struct Query {
    years: Vec<u16>,
    markets: Vec<&'static str>,
    buttons: Option<u8>,
    /// The other words, normalised.
    words: Vec<String>,
}

fn parse_query(query: &str) -> Query {
    let mut q = Query::default();
    for raw in query.split(|c: char| c.is_whitespace() || c == ',' || c == ';') {
        let t = raw.trim().to_lowercase();
        if t.is_empty() {
            continue;
        }
        if let Some(y) = year_token(&t) {
            q.years.push(y);
        } else if let Some(m) = market_words(&t) {
            q.markets.extend_from_slice(m);
        } else if let Some(b) = button_token(&t) {
            q.buttons = Some(b);
        } else {
            let w = norm(&t);
            if !w.is_empty() {
                q.words.push(w);
            }
        }
    }
    q
}

/// How fully the query names a row's model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    /// No model word in the query.
    None,
    /// The query's model words are some of the model's words.
    Partial,
    /// The query names the whole model.
    Full,
}

fn model_words(model: &str) -> Vec<String> {
    model
        .split_whitespace()
        .map(norm)
        .filter(|w| !w.is_empty())
        .collect()
}

fn model_level(model: &str, rest: &[String]) -> Option<Level> {
    let mw = model_words(model);
    let mut a = rest.to_vec();
    let mut b = mw.clone();
    a.sort();
    b.sort();
    if rest.concat() == mw.concat() || a == b {
        Some(Level::Full)
    } else if rest.iter().all(|r| mw.contains(r)) {
        Some(Level::Partial)
    } else {
        None
    }
}

/// One row matched by a query.
#[derive(Clone, Debug)]
struct Hit {
    v: &'static Vehicle,
    make: bool,
    chassis: Option<String>,
    level: Level,
    model: Option<String>,
}

impl Hit {
    /// The car it names: make and model (or chassis).
    fn car(&self) -> (String, String) {
        let model = self
            .model
            .clone()
            .or_else(|| self.chassis.clone())
            .unwrap_or_default();
        (self.v.make.clone(), model)
    }

    fn names_car(&self) -> bool {
        self.make && (self.level == Level::Full || self.chassis.is_some())
    }
}

fn hit(v: &'static Vehicle, q: &Query, filters: bool) -> Option<Hit> {
    if filters {
        if q.years.iter().any(|y| *y < v.years.0 || *y > v.years.1) {
            return None;
        }
        if !q.markets.is_empty() && !v.markets.iter().any(|m| q.markets.contains(&m.as_str())) {
            return None;
        }
        if let (Some(n), Some(b)) = (q.buttons, v.buttons)
            && n != b
        {
            return None;
        }
    }
    let make = norm(&v.make);
    let fcc = v.fcc_id.as_deref().map(norm);
    let mut h = Hit {
        v,
        make: false,
        chassis: None,
        level: Level::None,
        model: None,
    };
    let mut rest = Vec::new();
    for w in &q.words {
        if make_alias(w) == make {
            h.make = true;
        } else if let Some(c) = v.chassis.iter().find(|c| norm(c) == *w) {
            h.chassis = Some(c.clone());
        } else if fcc.as_deref() == Some(w.as_str()) {
        } else {
            rest.push(w.clone());
        }
    }
    if !rest.is_empty() {
        let (level, model) = v
            .models
            .iter()
            .filter_map(|m| model_level(m, &rest).map(|l| (l, m)))
            .max_by_key(|(l, _)| *l)?;
        h.level = level;
        h.model = Some(model.clone());
    }
    Some(h)
}

fn search(q: &Query) -> Vec<Hit> {
    let hits: Vec<Hit> = table().iter().filter_map(|v| hit(v, q, true)).collect();
    let best = hits.iter().map(|h| h.level).max().unwrap_or(Level::None);
    if best == Level::Full {
        hits.into_iter()
            .filter(|h| h.level != Level::Partial)
            .collect()
    } else {
        hits
    }
}

/// Rows matching the query (all rows for an empty query), in table order.
pub fn filter(query: &str) -> Vec<&'static Vehicle> {
    search(&parse_query(query))
        .into_iter()
        .map(|h| h.v)
        .collect()
}

/// Why `--car` (or `cars`) found no car.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum CarError {
    /// Nothing names a car in the table.
    #[error(
        "no car in the table matches '{query}': {why}.{}\nSee `fobscope cars MAKE` for what the \
         table holds, or give the band with --expect-band (315, 433, 868, 915).",
        closest_text(closest)
    )]
    NoMatch {
        /// What was typed.
        query: String,
        /// What is missing.
        why: String,
        /// The closest entries, one line each.
        closest: Vec<String>,
    },
    /// Several rows that disagree.
    #[error("'{query}' matches {} entries whose keys differ; add {need}:\n{}", rows.len(), rows.iter().map(|r| format!("  {r}")).collect::<Vec<_>>().join("\n"))]
    Ambiguous {
        /// What was typed.
        query: String,
        /// What to add (`the model year`, `the market ...`).
        need: String,
        /// The rows, one line each.
        rows: Vec<String>,
    },
}

fn closest_text(c: &[String]) -> String {
    if c.is_empty() {
        String::new()
    } else {
        format!(
            "\nClosest entries:\n{}",
            c.iter()
                .map(|r| format!("  {r}"))
                .collect::<Vec<_>>()
                .join("\n")
        )
    }
}

fn row_line(v: &Vehicle) -> String {
    let fcc = v
        .fcc_id
        .as_deref()
        .map(|f| format!(", FCC ID {f}"))
        .unwrap_or_default();
    format!("{} — {}{fcc}", v.label(), v.freq_text())
}

/// Edit distance, for typed names close to a make or model (short strings only).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn close(w: &str, name: &str) -> bool {
    w == name || (w.len() >= 4 && distance(w, name) <= 1 + w.len() / 6)
}

/// How close a car is to a query: score, first and last year, markets.
type Closeness = (usize, u16, u16, Vec<String>);

/// The entries closest to the query: make and model words that match or nearly match.
fn closest(q: &Query) -> Vec<String> {
    let mut cars: BTreeMap<(String, String), Closeness> = BTreeMap::new();
    for v in table() {
        let make = norm(&v.make);
        let make_score = q
            .words
            .iter()
            .map(|w| {
                if make_alias(w) == make {
                    4
                } else if close(w, &make) {
                    3
                } else {
                    0
                }
            })
            .max()
            .unwrap_or(0);
        for m in &v.models {
            let mw = model_words(m);
            let mut s = make_score;
            for w in &q.words {
                if mw.contains(w) || v.chassis.iter().any(|c| norm(c) == *w) {
                    s += 2;
                } else if mw.iter().any(|x| close(w, x)) {
                    s += 1;
                }
            }
            if s == 0 {
                continue;
            }
            if q.years.iter().any(|y| *y >= v.years.0 && *y <= v.years.1) {
                s += 1;
            }
            let e = cars.entry((v.make.clone(), m.clone())).or_insert((
                0,
                v.years.0,
                v.years.1,
                Vec::new(),
            ));
            e.0 = e.0.max(s);
            e.1 = e.1.min(v.years.0);
            e.2 = e.2.max(v.years.1);
            for mk in &v.markets {
                if !e.3.contains(mk) {
                    e.3.push(mk.clone());
                }
            }
        }
    }
    let mut ranked: Vec<_> = cars.into_iter().collect();
    ranked.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(&b.0)));
    ranked
        .into_iter()
        .take(6)
        .map(|((make, model), (_, y0, y1, mk))| {
            format!("{make} {model} {y0}–{y1}, {}", mk.join("/"))
        })
        .collect()
}

fn year_ranges(hits: &[&Vehicle]) -> String {
    let mut r: Vec<(u16, u16)> = hits.iter().map(|v| v.years).collect();
    r.sort();
    r.dedup();
    r.iter()
        .map(|(a, b)| {
            if a == b {
                format!("{a}")
            } else {
                format!("{a}–{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why nothing named a car: the make, the model, or the year/market is missing.
fn why(q: &Query) -> String {
    let loose: Vec<Hit> = table().iter().filter_map(|v| hit(v, q, false)).collect();
    let make = table()
        .iter()
        .find(|v| q.words.iter().any(|w| make_alias(w) == norm(&v.make)))
        .map(|v| v.make.clone());
    if q.words.is_empty() {
        return "name the make and model (e.g. \"2004 honda accord\")".into();
    }
    let Some(make) = make else {
        let mut makes: Vec<&str> = table().iter().map(|v| v.make.as_str()).collect();
        makes.sort_unstable();
        makes.dedup();
        return format!(
            "no make in the table is named (the table's makes: {})",
            makes.join(", ")
        );
    };
    let named: Vec<&Vehicle> = loose
        .iter()
        .filter(|h| h.names_car())
        .map(|h| h.v)
        .collect();
    if named.is_empty() {
        let others: Vec<&str> = q
            .words
            .iter()
            .filter(|w| make_alias(w) != norm(&make))
            .map(String::as_str)
            .collect();
        return if others.is_empty() {
            format!("name the {make} model as well")
        } else {
            format!(
                "no {make} model in the table is called '{}'",
                others.join(" ")
            )
        };
    }
    let mut given = Vec::new();
    if !q.years.is_empty() {
        given.push(
            q.years
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    if !q.markets.is_empty() {
        given.push(format!("the {} market", q.markets.join("/")));
    }
    if q.buttons.is_some() {
        given.push("that button count".into());
    }
    let mut markets: Vec<&str> = named
        .iter()
        .flat_map(|v| v.markets.iter().map(String::as_str))
        .collect();
    markets.sort_unstable();
    markets.dedup();
    format!(
        "{} {} is in the table for {} ({}), not for {}",
        make,
        loose
            .iter()
            .find(|h| h.names_car())
            .map(|h| h.car().1)
            .unwrap_or_default(),
        year_ranges(&named),
        markets.join(", "),
        given.join(" and ")
    )
}

/// The error for a query that names no car (shared by `cars` and `--car`).
pub fn no_match(query: &str) -> CarError {
    let q = parse_query(query);
    CarError::NoMatch {
        query: query.to_string(),
        why: why(&q),
        closest: closest(&q),
    }
}

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
    fn whole_model_names_win_over_shared_words() {
        let m = find_car("2015 jeep cherokee").unwrap();
        assert_eq!(m.name, "Jeep Cherokee");
        assert!(
            m.rows()
                .iter()
                .all(|v| v.models.iter().any(|x| x == "Cherokee"))
        );
        let m = find_car("2015 jeep grand cherokee").unwrap();
        assert_eq!(m.name, "Jeep Grand Cherokee");
        let m = find_car("2012 mazda 3").unwrap();
        assert_eq!(m.name, "Mazda 3");
        let m = find_car("2012 honda crv").unwrap();
        assert_eq!(m.name, "Honda CR-V");
        let m = find_car("2010 Chrysler town and country").unwrap();
        assert_eq!(m.name, "Chrysler Town & Country");
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
    fn no_make_or_no_model_is_an_error_with_the_closest_entries() {
        let e = find_car("tesla model 3").unwrap_err();
        let t = e.to_string();
        assert!(matches!(e, CarError::NoMatch { .. }), "{t}");
        assert!(t.contains("no make in the table is named"), "{t}");
        assert!(t.contains("Closest entries"), "{t}");
        let e = find_car("bmw x5 2004 us").unwrap_err().to_string();
        assert!(
            e.contains("no BMW model in the table is called 'x5'"),
            "{e}"
        );
        assert!(e.contains("BMW 3 Series"), "{e}");
        let e = find_car("bmw 2004 us").unwrap_err().to_string();
        assert!(e.contains("name the BMW model"), "{e}");
        let e = find_car("accord 2004").unwrap_err().to_string();
        assert!(e.contains("no make"), "{e}");
        assert!(e.contains("Honda Accord"), "{e}");
        let e = find_car("honda accord 2010").unwrap_err().to_string();
        assert!(e.contains("Honda Accord is in the table for"), "{e}");
        assert!(e.contains("not for 2010"), "{e}");
        assert!(find_car("").is_err());
        assert!(find_car("trabant 601").is_err());
        let e = find_car("toyta camry 2007").unwrap_err().to_string();
        assert!(e.contains("Toyota Camry"), "{e}");
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

    #[test]
    fn filter_lists_rows() {
        assert_eq!(filter("").len(), table().len());
        let minis = filter("mini");
        assert!(minis.len() >= 5);
        assert!(minis.iter().all(|v| v.make == "MINI"));
        let t = filter("toyota 2004");
        assert!(t.len() > 10);
        assert!(t.iter().all(|v| v.make == "Toyota" && v.years.0 <= 2004));
        assert!(filter("tesla model 3").is_empty());
        assert!(
            filter("HYQ12BBX")
                .iter()
                .all(|v| v.fcc_id.as_deref() == Some("HYQ12BBX"))
        );
        assert!(!filter("hyq12bbx").is_empty());
    }

    #[test]
    fn typed_names_normalise() {
        assert_eq!(norm("CR-V"), "crv");
        assert_eq!(norm("Town & Country"), "townandcountry");
        assert_eq!(distance("toyta", "toyota"), 1);
        assert!(close("toyta", "toyota") && !close("ford", "fiat"));
    }
}
