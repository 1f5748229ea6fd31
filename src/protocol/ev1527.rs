//! EV1527 fixed-code words (EV1527 datasheet): 20-bit address programmed at the factory and
//! 4 data (button) bits, MSB first.

use serde_json::{Map, json};

use super::DecodedFrame;
use super::fixed_code::ev1527_from_bits;
use super::fixed_words::FixedWord;

/// Protocol name used in reports.
pub const PROTOCOL: &str = "EV1527";

/// The frame for one word.
pub fn frame(word: &FixedWord, repeats: u32) -> Option<DecodedFrame> {
    let (address, data) = ev1527_from_bits(&word.bits)?;
    let mut f = Map::new();
    f.insert("address".into(), json!(format!("{address:05X}")));
    f.insert("data".into(), json!(format!("{data:04b}")));
    let te = word.period_us / 4.0;
    f.insert("te_us".into(), json!((te * 10.0).round() / 10.0));
    if let Some(s) = word.sync_units {
        f.insert("sync_units".into(), json!((s * 10.0).round() / 10.0));
    }
    Some(DecodedFrame {
        protocol: PROTOCOL.into(),
        bits: word.bits.to_vec(),
        fields: f,
        repeats,
    })
}
