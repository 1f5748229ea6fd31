//! Fixed codes (PT2262, EV1527): the words decoded and how well their repeats agree, judged
//! against [`MIN_REPEAT_AGREEMENT`].

use std::collections::BTreeMap;

use super::{Evidence, EvidenceItem, Role, Scope, field_str};
use crate::diagnosis::thresholds::*;
use crate::model::Transmission;

/// PT2262/EV1527 words. Returns whether one was decoded.
pub(super) fn fixed_code(keys: &[&Transmission], ev: &mut Evidence) -> bool {
    let mut codes: BTreeMap<(String, String), u32> = BTreeMap::new();
    for t in keys {
        for f in t
            .frames
            .iter()
            .filter(|f| matches!(f.protocol.as_deref(), Some("PT2262") | Some("EV1527")))
        {
            let p = f.protocol.clone().unwrap_or_default();
            let full = match field_str(f, "code") {
                Some(c) => c.to_string(),
                None => format!(
                    "{}/{}",
                    field_str(f, "address").unwrap_or(&f.hex),
                    field_str(f, "data").unwrap_or("")
                ),
            };
            *codes.entry((p, full)).or_default() += f.repeats.max(1);
        }
    }
    if codes.is_empty() {
        return false;
    }
    let total: u32 = codes.values().sum();
    let top = codes.values().copied().max().unwrap_or(0);
    let list: Vec<String> = codes
        .iter()
        .map(|((p, c), n)| format!("{p} {c} ×{n}"))
        .collect();
    ev.items.push(EvidenceItem::at_least(
        "repeat_agreement",
        Some(top as f64 / total as f64),
        MIN_REPEAT_AGREEMENT,
        "share",
        Role::Weakness,
        format!(
            "Decoded {total} fixed-code word(s): {}; a fixed code reads the same on every \
             repeat.",
            list.join(", ")
        ),
    ));
    ev.what = format!("fixed code {}", list.join(", "));
    ev.scope = Scope::Decoded;
    true
}
