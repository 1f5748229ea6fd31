//! KeeLoq HCS200/300/301 code words (Microchip DS21143 "HCS301", DS21137 "HCS300").
//!
//! On air: a preamble of 23 Te at 50 % duty (12 marks of 1 Te), a header of 10 Te of silence,
//! then 66 bits of 3 Te each in PWM (a bit starts with 1 Te of carrier, then 1 Te that is
//! carrier for a `0` and silence for a `1`, then 1 Te of silence: short mark = 1, long mark = 0),
//! then a guard time of 39 Te. Te is nominally 400 µs (260–660 µs with supply and temperature).
//!
//! The 66 bits are sent LSB first: 32-bit encrypted hopping code, 28-bit serial number,
//! 4 button-status bits sent in the order S3, S0, S1, S2, VLOW (1 = battery low), RPT
//! (1 = repeated code word while the button is held).

/// Number of data bits in a code word.
pub const CODE_BITS: usize = 66;
/// Marks in the preamble.
pub const PREAMBLE_MARKS: usize = 12;
/// Header silence after the preamble, in Te.
pub const HEADER_TE: f64 = 10.0;
/// Guard time after a code word, in Te.
pub const GUARD_TE: f64 = 39.0;
/// Nominal Te, µs.
pub const NOMINAL_TE_US: f64 = 400.0;
/// Te range of the on-chip oscillator over supply and temperature, µs.
pub const TE_RANGE_US: (f64, f64) = (260.0, 660.0);

/// One KeeLoq code word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeeloqWord {
    /// 32-bit encrypted hopping code.
    pub hopping: u32,
    /// 28-bit serial number.
    pub serial: u32,
    /// Button status, bit k = input Sk (S0..S3).
    pub buttons: u8,
    /// Battery-low flag (VLOW = 1).
    pub battery_low: bool,
    /// Repeat flag (RPT = 1).
    pub repeat: bool,
}

/// Order in which the button bits are sent (indices into [`KeeloqWord::buttons`]).
const BUTTON_ORDER: [u8; 4] = [3, 0, 1, 2];

impl KeeloqWord {
    /// The 66 bits in the order sent.
    pub fn to_bits(&self) -> [bool; CODE_BITS] {
        let mut bits = [false; CODE_BITS];
        for (i, b) in bits.iter_mut().enumerate().take(32) {
            *b = (self.hopping >> i) & 1 == 1;
        }
        for i in 0..28 {
            bits[32 + i] = (self.serial >> i) & 1 == 1;
        }
        for (i, &s) in BUTTON_ORDER.iter().enumerate() {
            bits[60 + i] = (self.buttons >> s) & 1 == 1;
        }
        bits[64] = self.battery_low;
        bits[65] = self.repeat;
        bits
    }

    /// Reads a code word from 66 bits in the order sent; `None` for any other length.
    pub fn from_bits(bits: &[bool]) -> Option<KeeloqWord> {
        if bits.len() != CODE_BITS {
            return None;
        }
        let field = |from: usize, n: usize| -> u32 {
            (0..n).fold(0u32, |acc, i| acc | (u32::from(bits[from + i]) << i))
        };
        let mut buttons = 0u8;
        for (i, &s) in BUTTON_ORDER.iter().enumerate() {
            buttons |= u8::from(bits[60 + i]) << s;
        }
        Some(KeeloqWord {
            hopping: field(0, 32),
            serial: field(32, 28),
            buttons,
            battery_low: bits[64],
            repeat: bits[65],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_round_trip_and_layout() {
        let w = KeeloqWord {
            hopping: 0xDEAD_BEEF,
            serial: 0x0AB_CDEF,
            buttons: 0b0101,
            battery_low: true,
            repeat: false,
        };
        let bits = w.to_bits();
        // LSB of the hopping code goes first: 0xEF = 1110_1111 -> 1,1,1,1,0,1,1,1.
        assert_eq!(&bits[..8], &[true, true, true, true, false, true, true, true]);
        // Serial LSB first at bit 32: 0xF -> 1,1,1,1.
        assert_eq!(&bits[32..36], &[true; 4]);
        // Buttons sent S3, S0, S1, S2: S0 and S2 set -> 0,1,0,1.
        assert_eq!(&bits[60..64], &[false, true, false, true]);
        assert!(bits[64]);
        assert!(!bits[65]);
        assert_eq!(KeeloqWord::from_bits(&bits), Some(w));
        assert_eq!(KeeloqWord::from_bits(&bits[..65]), None);
    }
}
