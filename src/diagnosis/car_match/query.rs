//! A query taken apart: words in any order and any case, split into model years, markets
//! (`us`, `uk`, `europe`, ...), a button count (`3b`) and the other words, normalised without
//! case, spaces or punctuation (so `cr-v`, `CRV` and `CR V` are the same model), with the
//! aliases people type for makes (`chevy`, `vw`, ...).

/// A name without case, spaces or punctuation (`&` reads `and`).
pub fn norm(s: &str) -> String {
    s.replace('&', " and ")
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Market words people type, and the table's market names they mean.
pub(super) fn market_words(token: &str) -> Option<&'static [&'static str]> {
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
pub(super) fn make_alias(word: &str) -> &str {
    match word {
        "vw" => "volkswagen",
        "chevy" => "chevrolet",
        "mercedesbenz" | "benz" | "merc" => "mercedes",
        "infinity" => "infiniti",
        w => w,
    }
}

pub(super) fn year_token(token: &str) -> Option<u16> {
    if token.len() != 4 {
        return None;
    }
    token
        .parse::<u16>()
        .ok()
        .filter(|y| (1950..=2100).contains(y))
}

pub(super) fn button_token(token: &str) -> Option<u8> {
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
pub(super) struct Query {
    pub(super) years: Vec<u16>,
    pub(super) markets: Vec<&'static str>,
    pub(super) buttons: Option<u8>,
    /// The other words, normalised.
    pub(super) words: Vec<String>,
}

pub(super) fn parse_query(query: &str) -> Query {
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

pub(super) fn model_words(model: &str) -> Vec<String> {
    model
        .split_whitespace()
        .map(norm)
        .filter(|w| !w.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_names_normalise() {
        assert_eq!(norm("CR-V"), "crv");
        assert_eq!(norm("Town & Country"), "townandcountry");
    }
}
