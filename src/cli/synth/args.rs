//! The arguments of `fobscope synth`: what the key sends, how the radio receives it, and
//! where the capture goes, with the parsers of the values that are not units.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::cli::units;
use crate::source::FileFormat;

/// What to transmit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// KeeLoq HCS300/301 rolling-code words.
    Keeloq,
    /// Princeton PT2262 fixed-code words (Te is the oscillator period α).
    Pt2262,
    /// EV1527 fixed-code words.
    Ev1527,
    /// The bits of --bits in the line code of --coding, OOK.
    Ook,
    /// The bits of --bits in the line code of --coding, 2-FSK.
    Fsk,
    /// Noise only: a key that sends nothing.
    Noise,
}

/// Line code of --bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CodingArg {
    /// Pulse width: 1 Te or 2 Te marks in 3 Te (short mark = 1 unless --short-is-zero).
    Pwm,
    /// Pulse position: 1 Te marks, gaps of 2 Te (0) or 4 Te (1).
    Ppm,
    /// Manchester, IEEE 802.3 (0 = high→low), half bit = Te.
    Manchester,
    /// Differential Manchester, half bit = Te.
    Dmc,
    /// NRZ / PCM, one Te per bit.
    Nrz,
}

/// Modulation of protocol words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModArg {
    /// On-off keying.
    Ook,
    /// 2-FSK with --deviation.
    Fsk,
}

/// Arguments of `fobscope synth`.
#[derive(Clone, Debug, Args)]
pub struct SynthArgs {
    /// Output file (cu8, cs16, cf32, .sigmf-meta/.sigmf-data, wav; or give --format). A raw
    /// file whose name lacks the rate or frequency gets them added the rtl_433 way
    /// (k.cu8 is written as k_433.92M_250k.cu8), so it reads back without flags.
    pub out: PathBuf,
    /// What the key sends.
    #[arg(long, value_enum, default_value = "keeloq")]
    pub kind: Kind,
    /// Output format when the extension does not tell (cu8, cs16, cf32, sigmf, wav, ...).
    #[arg(long, value_parser = parse_format)]
    pub format: Option<FileFormat>,
    /// Sample rate.
    #[arg(long, default_value = "250k", value_parser = units::parse_rate, allow_hyphen_values = true)]
    pub rate: f64,
    /// Centre frequency the receiver is tuned to.
    #[arg(long, default_value = "433.92M", value_parser = units::parse_freq, allow_hyphen_values = true)]
    pub freq: f64,
    /// Carrier offset from the centre, Hz (e.g. 20k, -35k).
    #[arg(long, default_value = "0", allow_hyphen_values = true, value_parser = units::parse_offset)]
    pub offset: f64,
    /// Crystal error of the key, ppm of the absolute carrier (50 ppm at 433.92 MHz = 21.7 kHz).
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true, value_parser = units::parse_ppm)]
    pub ppm: f64,
    /// Wideband SNR, dB (−40..80): carrier power while on ÷ complex noise power over the whole
    /// sample bandwidth (at 250 kS/s, 0 dB = noise power equal to the carrier power).
    #[arg(long, default_value_t = 20.0, allow_hyphen_values = true)]
    pub snr: f64,
    /// No noise at all (a clean signal; --snr is ignored).
    #[arg(long)]
    pub clean: bool,
    /// Carrier power, dBFS (−100..0); the noise is set from it and --snr.
    #[arg(long, default_value_t = -20.0, allow_hyphen_values = true)]
    pub level: f64,
    /// Code words per press (1..100).
    #[arg(long, default_value_t = 4)]
    pub repeats: usize,
    /// Button presses (1..100).
    #[arg(long, default_value_t = 1)]
    pub presses: usize,
    /// Silence between presses.
    #[arg(long, default_value = "0.5s", value_parser = units::parse_duration_s)]
    pub gap: f64,
    /// Symbol time Te (50us..20ms; α for PT2262). Default: KeeLoq 400us, PT2262 100us,
    /// EV1527 300us, bits 500us.
    #[arg(long, value_parser = units::parse_duration_s)]
    pub te: Option<f64>,
    /// Timing drift: Te multiplied by this factor (0.5..2; a cold or starving oscillator).
    #[arg(long, default_value_t = 1.0)]
    pub te_scale: f64,
    /// Te drift through each press, percent: Te at the end differs from Te at the start by
    /// this much (e.g. 5 for an oscillator slowing as the battery sags).
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    pub te_drift: f64,
    /// KeeLoq serial (28 bits) or EV1527 address (20 bits); default drawn from --seed.
    #[arg(long, value_parser = parse_uint)]
    pub serial: Option<u64>,
    /// KeeLoq hopping code of the first press (32 bits); later presses get new codes.
    #[arg(long, value_parser = parse_uint)]
    pub hop: Option<u64>,
    /// KeeLoq button bits S3..S0 or EV1527 data bits (4 bits; 0b0010, 0x2, 2).
    #[arg(long, default_value = "0b0010", value_parser = parse_uint)]
    pub buttons: u64,
    /// KeeLoq VLOW flag: the key reports a low battery.
    #[arg(long)]
    pub battery_low: bool,
    /// PT2262 address/data as 12 tri-state digits (0, 1, F); default drawn from --seed.
    #[arg(long)]
    pub code: Option<String>,
    /// Bits to send for --kind ook/fsk (e.g. 1011001110001111).
    #[arg(long)]
    pub bits: Option<String>,
    /// Line code of --bits.
    #[arg(long, value_enum, default_value = "pwm")]
    pub coding: CodingArg,
    /// PWM: the short mark stands for 0 instead of 1.
    #[arg(long)]
    pub short_is_zero: bool,
    /// Silence after each word of --bits.
    #[arg(long, default_value = "10ms", value_parser = units::parse_duration_s)]
    pub word_gap: f64,
    /// Modulation of KeeLoq/PT2262/EV1527 words.
    #[arg(long, value_enum, default_value = "ook")]
    pub modulation: ModArg,
    /// FSK deviation (mark = carrier + deviation, space = carrier − deviation).
    #[arg(long, default_value = "30k", value_parser = units::parse_si)]
    pub deviation: f64,
    /// FSK carrier before the first and after the last mark.
    #[arg(long, default_value = "1ms", value_parser = units::parse_duration_s)]
    pub lead_in: f64,
    /// Amplitude sag through each burst, dB (a dying battery).
    #[arg(long, default_value_t = 0.0)]
    pub sag: f64,
    /// Stop each press after this fraction of it (0..1; brown-out).
    #[arg(long)]
    pub truncate: Option<f64>,
    /// Stop each press after this many complete code words.
    #[arg(long)]
    pub truncate_words: Option<usize>,
    /// Linear frequency drift over each burst, Hz (e.g. 2k, -1.5k).
    #[arg(long, default_value = "0", allow_hyphen_values = true, value_parser = units::parse_offset)]
    pub drift: f64,
    /// Raised-cosine keying edge.
    #[arg(long, default_value = "4us", value_parser = units::parse_duration_s)]
    pub edge: f64,
    /// Receiver DC offset on I and Q (full scale 1; e.g. 0.02).
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    pub dc: f64,
    /// Receiver IQ gain imbalance, dB.
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    pub iq_imbalance: f64,
    /// Silence before the first press.
    #[arg(long, default_value = "0.2s", value_parser = units::parse_duration_s)]
    pub pre: f64,
    /// Silence after the last press.
    #[arg(long, default_value = "0.3s", value_parser = units::parse_duration_s)]
    pub post: f64,
    /// Total length (default: pre + presses + gaps + post; 1 s for noise). A shorter value
    /// cuts the last burst.
    #[arg(long, value_parser = units::parse_duration_s)]
    pub duration: Option<f64>,
    /// Seed of the noise, phases and default codes (same seed, same file).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Also write the ground truth (bursts, times, frequencies, bits) as JSON here.
    #[arg(long)]
    pub truth: Option<PathBuf>,
}

fn parse_format(s: &str) -> Result<FileFormat, String> {
    FileFormat::parse(s).ok_or_else(|| {
        format!(
            "unknown format '{s}'; one of: {}",
            FileFormat::NAMES.join(", ")
        )
    })
}

/// Parses an unsigned integer written in decimal, `0x` hex or `0b` binary.
pub fn parse_uint(text: &str) -> Result<u64, String> {
    let t = text.trim().replace('_', "");
    let lower = t.to_ascii_lowercase();
    let r = if let Some(h) = lower.strip_prefix("0x") {
        u64::from_str_radix(h, 16)
    } else if let Some(b) = lower.strip_prefix("0b") {
        u64::from_str_radix(b, 2)
    } else {
        lower.parse()
    };
    r.map_err(|_| format!("'{text}' is not a number (examples: 0x1A2B, 0b0010, 42)"))
}

/// The arguments alone on a command line, for the tests of the command's parts.
#[cfg(test)]
pub(super) mod test_cli {
    use super::SynthArgs;
    use clap::Parser;

    #[derive(Parser)]
    pub struct T {
        #[command(flatten)]
        pub a: SynthArgs,
    }

    /// The arguments of `out.cu8` followed by `extra`.
    pub fn args(extra: &[&str]) -> SynthArgs {
        let mut v = vec!["t", "out.cu8"];
        v.extend_from_slice(extra);
        T::try_parse_from(v).unwrap().a
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn subcommand_parses() {
        let cli = crate::cli::Cli::try_parse_from([
            "fobscope", "synth", "k.cu8", "--kind", "pt2262", "--offset", "-35k", "--snr", "-3",
        ])
        .unwrap();
        // Other subcommands exist beside this one.
        #[allow(irrefutable_let_patterns)]
        let crate::cli::Command::Synth(a) = cli.command else {
            panic!("parsed as another subcommand");
        };
        assert_eq!(a.kind, Kind::Pt2262);
        assert_eq!(a.offset, -35e3);
        assert_eq!(a.snr, -3.0);
    }

    #[test]
    fn uints() {
        assert_eq!(parse_uint("0x1A").unwrap(), 26);
        assert_eq!(parse_uint("0b0010").unwrap(), 2);
        assert_eq!(parse_uint("42").unwrap(), 42);
        assert!(parse_uint("0xZZ").is_err());
    }
}
