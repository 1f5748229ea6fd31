//! PT2262 fixed-code words (Princeton Technology PT2262 datasheet): 12 tri-state digits.
//!
//! The first 8 digits are usually the address pins A0–A7 and the last 4 the data pins D0–D3
//! (the common 8 + 4 split of PT2262/PT2272-L4 remotes); the split is reported as typical, not
//! certain, because a PT2262 may use up to 6 data pins.

use serde_json::{Map, Value, json};

use super::DecodedFrame;
use super::fixed_code::{Trit, pt2262_from_bits};
use super::fixed_words::FixedWord;

/// Protocol name used in reports.
pub const PROTOCOL: &str = "PT2262";

/// The tri-state string (`0`, `1`, `F`) of a word, when every bit pair is valid.
pub fn code_string(bits: &[bool; 24]) -> Option<String> {
    let trits = pt2262_from_bits(bits)?;
    Some(trits.iter().map(|t| Trit::symbol(*t)).collect())
}

/// The frame for one word, or `None` when a bit pair is `10` (not a PT2262 digit).
pub fn frame(word: &FixedWord, repeats: u32) -> Option<DecodedFrame> {
    let code = code_string(&word.bits)?;
    let mut f = Map::new();
    f.insert("code".into(), json!(code));
    f.insert("address".into(), json!(&code[..8]));
    f.insert("data".into(), json!(&code[8..]));
    f.insert("split".into(), json!("A0-A7 / D0-D3 (typical 8+4)"));
    // Each PWM pulse is 16 α (4 α + 12 α).
    let alpha = word.period_us / 16.0;
    f.insert("alpha_us".into(), json!((alpha * 100.0).round() / 100.0));
    f.insert("short_us".into(), json!((4.0 * alpha).round()));
    f.insert("long_us".into(), json!((12.0 * alpha).round()));
    if let Some(s) = word.sync_units {
        f.insert("sync_units".into(), Value::from((s * 10.0).round() / 10.0));
    }
    let (addr, data) = super::fixed_code::ev1527_from_bits(&word.bits)?;
    f.insert(
        "also_valid_as".into(),
        json!(format!("EV1527 address {addr:05X} data {data:X}")),
    );
    Some(DecodedFrame {
        protocol: PROTOCOL.into(),
        bits: word.bits.to_vec(),
        fields: f,
        repeats,
    })
}
