//! Fixed-code encoders: Princeton PT2262 and EV1527 words.
//!
//! PT2262 (Princeton Technology PT2262 datasheet): 12 tri-state code bits then a sync bit. With
//! α the oscillator period, a bit is two pulses of 16 α: `0` = short,short (4 α mark, 12 α
//! space, twice), `1` = long,long (12 α mark, 4 α space, twice), `F` (floating) = short,long.
//! Sync = 4 α mark, 124 α space. As PWM bits (short mark = 0) a word is 24 bits: 0 → `00`,
//! 1 → `11`, F → `01`.
//!
//! EV1527 (EV1527 datasheet): a preamble of 1 Te mark and 31 Te space, then 20 address bits and
//! 4 data bits, each 4 Te: `0` = 1 Te mark + 3 Te space, `1` = 3 Te mark + 1 Te space.

/// One PT2262 tri-state digit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Trit {
    /// Pin tied low.
    Zero,
    /// Pin tied high.
    One,
    /// Pin left open.
    Float,
}

impl Trit {
    /// `0`, `1` or `F`.
    pub fn symbol(self) -> char {
        match self {
            Trit::Zero => '0',
            Trit::One => '1',
            Trit::Float => 'F',
        }
    }

    /// Parses `0`, `1`, `F`/`f`.
    pub fn from_symbol(c: char) -> Option<Trit> {
        match c {
            '0' => Some(Trit::Zero),
            '1' => Some(Trit::One),
            'F' | 'f' => Some(Trit::Float),
            _ => None,
        }
    }
}

/// Number of tri-state digits in a PT2262 word.
pub const PT2262_TRITS: usize = 12;

/// PWM bits (short mark = `false`) of a PT2262 word, sync excluded.
pub fn pt2262_bits(trits: &[Trit; PT2262_TRITS]) -> [bool; 2 * PT2262_TRITS] {
    let mut bits = [false; 2 * PT2262_TRITS];
    for (i, t) in trits.iter().enumerate() {
        let (a, b) = match t {
            Trit::Zero => (false, false),
            Trit::One => (true, true),
            Trit::Float => (false, true),
        };
        bits[2 * i] = a;
        bits[2 * i + 1] = b;
    }
    bits
}

/// Reads a PT2262 word from 24 PWM bits; `None` for another length or the invalid pair `10`.
pub fn pt2262_from_bits(bits: &[bool]) -> Option<[Trit; PT2262_TRITS]> {
    if bits.len() != 2 * PT2262_TRITS {
        return None;
    }
    let mut trits = [Trit::Zero; PT2262_TRITS];
    for (i, pair) in bits.chunks(2).enumerate() {
        trits[i] = match (pair[0], pair[1]) {
            (false, false) => Trit::Zero,
            (true, true) => Trit::One,
            (false, true) => Trit::Float,
            (true, false) => return None,
        };
    }
    Some(trits)
}

/// Number of address bits in an EV1527 word.
pub const EV1527_ADDRESS_BITS: usize = 20;
/// Number of data (button) bits in an EV1527 word.
pub const EV1527_DATA_BITS: usize = 4;

/// The 24 bits of an EV1527 word, MSB first: 20-bit address then 4 data bits.
pub fn ev1527_bits(address: u32, data: u8) -> [bool; 24] {
    let word = ((address & 0xF_FFFF) << 4) | u32::from(data & 0xF);
    let mut bits = [false; 24];
    for (i, b) in bits.iter_mut().enumerate() {
        *b = (word >> (23 - i)) & 1 == 1;
    }
    bits
}

/// Splits 24 EV1527 bits into (address, data); `None` for another length.
pub fn ev1527_from_bits(bits: &[bool]) -> Option<(u32, u8)> {
    if bits.len() != 24 {
        return None;
    }
    let word = bits.iter().fold(0u32, |acc, &b| (acc << 1) | u32::from(b));
    Some((word >> 4, (word & 0xF) as u8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pt2262_round_trip() {
        let s = "01F10F011FF0";
        let trits: Vec<Trit> = s.chars().map(|c| Trit::from_symbol(c).unwrap()).collect();
        let trits: [Trit; 12] = trits.try_into().unwrap();
        let bits = pt2262_bits(&trits);
        assert_eq!(&bits[..6], &[false, false, true, true, false, true]);
        assert_eq!(pt2262_from_bits(&bits), Some(trits));
        let mut bad = bits;
        bad[0] = true;
        bad[1] = false;
        assert_eq!(pt2262_from_bits(&bad), None);
    }

    #[test]
    fn ev1527_round_trip() {
        let bits = ev1527_bits(0xA5C3E, 0x9);
        assert_eq!(&bits[..4], &[true, false, true, false]);
        assert_eq!(&bits[20..], &[true, false, false, true]);
        assert_eq!(ev1527_from_bits(&bits), Some((0xA5C3E, 0x9)));
    }
}
