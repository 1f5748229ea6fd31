//! The error for a query that names no car, or several: what is missing (the make, the
//! model, or a year or market the table has), and the closest entries, found by make and
//! model words that match or nearly match (a small edit distance).

use std::collections::BTreeMap;

use super::matching::{Hit, hit};
use super::query::{Query, make_alias, model_words, norm, parse_query};
use crate::diagnosis::car_table::table;
use crate::diagnosis::vehicles::Vehicle;

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

pub(super) fn closest_text(c: &[String]) -> String {
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

pub(super) fn row_line(v: &Vehicle) -> String {
    let fcc = v
        .fcc_id
        .as_deref()
        .map(|f| format!(", FCC ID {f}"))
        .unwrap_or_default();
    format!("{} — {}{fcc}", v.label(), v.freq_text())
}

/// Edit distance, for typed names close to a make or model (short strings only).
pub(super) fn distance(a: &str, b: &str) -> usize {
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

pub(super) fn close(w: &str, name: &str) -> bool {
    w == name || (w.len() >= 4 && distance(w, name) <= 1 + w.len() / 6)
}

/// How close a car is to a query: score, first and last year, markets.
pub(super) type Closeness = (usize, u16, u16, Vec<String>);

/// The entries closest to the query: make and model words that match or nearly match.
pub(super) fn closest(q: &Query) -> Vec<String> {
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

pub(super) fn year_ranges(hits: &[&Vehicle]) -> String {
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
pub(super) fn why(q: &Query) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::car_match::find_car;

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
    fn typed_names_close_to_a_name_are_near() {
        assert_eq!(distance("toyta", "toyota"), 1);
        assert!(close("toyta", "toyota") && !close("ford", "fiat"));
    }
}
