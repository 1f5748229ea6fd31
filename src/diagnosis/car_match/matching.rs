//! Which rows of the table a query matches: every word must be accounted for by a row (make
//! or alias, model, chassis code or FCC ID; years, markets and button count filter the rows),
//! and when some rows match the model's whole name, rows that only share a word with it
//! (`Grand Cherokee` for `cherokee`) are left out.

use super::query::{Query, make_alias, model_words, norm, parse_query};
use crate::diagnosis::car_table::table;
use crate::diagnosis::vehicles::Vehicle;

/// How fully the query names a row's model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Level {
    /// No model word in the query.
    None,
    /// The query's model words are some of the model's words.
    Partial,
    /// The query names the whole model.
    Full,
}

pub(super) fn model_level(model: &str, rest: &[String]) -> Option<Level> {
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
pub(super) struct Hit {
    pub(super) v: &'static Vehicle,
    pub(super) make: bool,
    pub(super) chassis: Option<String>,
    pub(super) level: Level,
    pub(super) model: Option<String>,
}

impl Hit {
    /// The car it names: make and model (or chassis).
    pub(super) fn car(&self) -> (String, String) {
        let model = self
            .model
            .clone()
            .or_else(|| self.chassis.clone())
            .unwrap_or_default();
        (self.v.make.clone(), model)
    }

    pub(super) fn names_car(&self) -> bool {
        self.make && (self.level == Level::Full || self.chassis.is_some())
    }
}

pub(super) fn hit(v: &'static Vehicle, q: &Query, filters: bool) -> Option<Hit> {
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

pub(super) fn search(q: &Query) -> Vec<Hit> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnosis::car_match::find_car;

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
}
