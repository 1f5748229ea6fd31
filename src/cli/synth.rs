//! `fobscope synth`: writes a realistic key-fob capture (KeeLoq, PT2262, EV1527, generic OOK
//! or FSK bits, or noise alone) with the impairments of real radios and dying batteries.
//!
//! SNR is the project's wideband definition: carrier power while on ÷ complex noise power over
//! the whole sample bandwidth (see [`crate::synth::impairments`]).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{CliError, units};
use crate::protocol::fixed_code::{PT2262_TRITS, Trit};
use crate::protocol::keeloq::KeeloqWord;
use crate::sink::{self, SinkMeta};
use crate::source::{BLOCK_SAMPLES, FileFormat};
use crate::synth::linecode::parse_bits;
use crate::synth::scene::MAX_DURATION_S;
use crate::synth::{
    Burst, FrontEnd, Keying, LineCode, Press, Scene, coded_press, ev1527_press, keeloq_press,
    noise_dbfs_for_snr, pt2262_press,
};

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
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true, value_parser = super::units::parse_ppm)]
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

fn usage(msg: impl Into<String>) -> CliError {
    CliError::Usage(msg.into())
}

fn check_range(name: &str, v: f64, lo: f64, hi: f64, unit: &str) -> Result<(), CliError> {
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(usage(format!(
            "{name} {v}{unit} is out of range {lo}..{hi}{unit}"
        )))
    }
}

/// Validates the arguments that do not depend on each other.
fn validate(a: &SynthArgs) -> Result<(), CliError> {
    check_range("--snr", a.snr, -40.0, 80.0, " dB")?;
    check_range("--level", a.level, -100.0, 0.0, " dBFS")?;
    check_range("--ppm", a.ppm, -1000.0, 1000.0, " ppm")?;
    check_range("--te-scale", a.te_scale, 0.5, 2.0, "")?;
    check_range("--te-drift", a.te_drift, -50.0, 50.0, " %")?;
    check_range("--sag", a.sag, -20.0, 60.0, " dB")?;
    check_range("--dc", a.dc, -1.0, 1.0, "")?;
    check_range("--iq-imbalance", a.iq_imbalance, -6.0, 6.0, " dB")?;
    check_range("--edge", a.edge * 1e6, 0.0, 1000.0, " µs")?;
    check_range("--repeats", a.repeats as f64, 1.0, 100.0, "")?;
    check_range("--presses", a.presses as f64, 1.0, 100.0, "")?;
    if let Some(te) = a.te {
        check_range("--te", te * 1e6, 50.0, 20_000.0, " µs")?;
    }
    if let Some(f) = a.truncate {
        check_range("--truncate", f, 0.0, 1.0, "")?;
    }
    let half = a.rate / 2.0;
    if a.offset.abs() >= half {
        return Err(usage(format!(
            "--offset {} Hz is outside ±{half} Hz (half the sample rate)",
            a.offset
        )));
    }
    if a.buttons > 0xF {
        return Err(usage(format!(
            "--buttons {:#x} has more than 4 bits",
            a.buttons
        )));
    }
    for (name, v) in [("--gap", a.gap), ("--pre", a.pre), ("--post", a.post)] {
        check_range(name, v, 0.0, 600.0, " s")?;
    }
    check_range("--word-gap", a.word_gap, 0.0, 10.0, " s")?;
    check_range("--lead-in", a.lead_in, 0.0, 1.0, " s")?;
    Ok(())
}

fn parse_trits(text: &str) -> Result<[Trit; PT2262_TRITS], CliError> {
    let trits: Option<Vec<Trit>> = text.trim().chars().map(Trit::from_symbol).collect();
    trits
        .and_then(|t| t.try_into().ok())
        .ok_or_else(|| usage(format!("--code '{text}' must be 12 digits of 0, 1 or F")))
}

/// The press number `index` (0-based) of the key described by the arguments.
fn build_press(a: &SynthArgs, rng: &mut ChaCha8Rng, index: usize) -> Result<Press, CliError> {
    let te_default = match a.kind {
        Kind::Keeloq => 400e-6,
        Kind::Pt2262 => 100e-6,
        Kind::Ev1527 => 300e-6,
        _ => 500e-6,
    };
    let te_us = a.te.unwrap_or(te_default) * 1e6;
    let press = match a.kind {
        Kind::Keeloq => {
            let serial = a
                .serial
                .unwrap_or_else(|| rng.random::<u64>() & 0x0FFF_FFFF);
            if serial > 0x0FFF_FFFF {
                return Err(usage(format!("--serial {serial:#x} has more than 28 bits")));
            }
            let drawn = rng.random::<u32>();
            let hopping = match (index, a.hop) {
                (0, Some(h)) => u32::try_from(h)
                    .map_err(|_| usage(format!("--hop {h:#x} has more than 32 bits")))?,
                _ => drawn,
            };
            let word = KeeloqWord {
                hopping,
                serial: serial as u32,
                buttons: a.buttons as u8,
                battery_low: a.battery_low,
                repeat: false,
            };
            keeloq_press(&word, te_us, a.repeats)
        }
        Kind::Pt2262 => {
            let trits = match &a.code {
                Some(c) => parse_trits(c)?,
                None => {
                    let mut t = [Trit::Zero; PT2262_TRITS];
                    for x in t.iter_mut() {
                        *x = [Trit::Zero, Trit::One, Trit::Float][rng.random_range(0..3usize)];
                    }
                    t
                }
            };
            pt2262_press(&trits, te_us, a.repeats)
        }
        Kind::Ev1527 => {
            let address = a.serial.unwrap_or_else(|| rng.random::<u64>() & 0xF_FFFF);
            if address > 0xF_FFFF {
                return Err(usage(format!(
                    "--serial {address:#x}: an EV1527 address has 20 bits"
                )));
            }
            ev1527_press(address as u32, a.buttons as u8, te_us, a.repeats)
        }
        Kind::Ook | Kind::Fsk => {
            let text = a.bits.as_deref().ok_or_else(|| {
                usage("--kind ook/fsk needs --bits (e.g. --bits 1011001110001111)")
            })?;
            let bits = parse_bits(text)
                .ok_or_else(|| usage(format!("--bits '{text}' must be 0s and 1s")))?;
            if bits.len() > 4096 {
                return Err(usage("--bits is longer than 4096 bits"));
            }
            let code = match a.coding {
                CodingArg::Pwm => LineCode::Pwm {
                    short_is_one: !a.short_is_zero,
                },
                CodingArg::Ppm => LineCode::Ppm,
                CodingArg::Manchester => LineCode::Manchester,
                CodingArg::Dmc => LineCode::DiffManchester,
                CodingArg::Nrz => LineCode::Nrz,
            };
            coded_press(&bits, code, te_us, a.repeats, a.word_gap * 1e6)
        }
        Kind::Noise => Press::default(),
    };
    let mut press = press.scaled(a.te_scale);
    if a.te_drift != 0.0 {
        press = press.warped(1.0, 1.0 + a.te_drift / 100.0);
    }
    if let Some(n) = a.truncate_words {
        press = press.first_words(n);
    }
    if let Some(f) = a.truncate {
        press = press.truncated_fraction(f);
    }
    Ok(press)
}

/// Builds the scene the arguments describe.
pub fn build_scene(a: &SynthArgs) -> Result<Scene, CliError> {
    validate(a)?;
    let keying = match (a.kind, a.modulation) {
        (Kind::Fsk, _) | (_, ModArg::Fsk) => Keying::Fsk {
            deviation_hz: a.deviation,
            lead_in_us: a.lead_in * 1e6,
        },
        _ => Keying::Ook,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(a.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xF0B);
    let mut scene = Scene::new(a.rate, 1.0);
    scene.center_freq_hz = Some(a.freq);
    scene.seed = a.seed;
    scene.front_end = FrontEnd {
        dc_offset: (a.dc, a.dc),
        iq_gain_imbalance_db: a.iq_imbalance,
    };
    if !a.clean {
        scene.noise_dbfs = Some(noise_dbfs_for_snr(a.level, a.snr));
    }
    let mut t = a.pre;
    if a.kind != Kind::Noise {
        for i in 0..a.presses {
            let press = build_press(a, &mut rng, i)?;
            let mut burst = Burst::new(t, press);
            burst.keying = keying;
            burst.offset_hz = a.offset;
            burst.ppm = a.ppm;
            burst.drift_hz = a.drift;
            burst.level_dbfs = a.level;
            burst.sag_db = a.sag;
            burst.edge_us = a.edge * 1e6;
            t += burst.air_duration_s();
            scene.bursts.push(burst);
            if t > MAX_DURATION_S {
                return Err(usage(format!(
                    "the presses last over {MAX_DURATION_S} s; use fewer presses, repeats or bits"
                )));
            }
            if i + 1 < a.presses {
                t += a.gap;
            }
        }
    }
    scene.duration_s = match (a.duration, a.kind) {
        (Some(d), _) => d,
        (None, Kind::Noise) => 1.0,
        (None, _) => t + a.post,
    };
    scene.validate().map_err(|e| usage(e.to_string()))?;
    Ok(scene)
}

/// Runs `fobscope synth`.
/// A value as an rtl_433 file-name token: `433.92M`, `315M` (MHz), `250k`, `1024k` (kS/s).
fn name_token(v: f64, unit: f64, suffix: &str) -> String {
    let mut s = format!("{:.6}", v / unit);
    while s.ends_with('0') {
        s.pop();
    }
    if s.ends_with('.') {
        s.pop();
    }
    format!("{s}{suffix}")
}

/// Where a capture is written: `a.out`, except that a raw file (which has no header) whose
/// name lacks the sample rate or centre frequency gets them added the rtl_433 way
/// (`k.cu8` → `k_433.92M_250k.cu8`), so the file can be read back without flags.
fn named_out(a: &SynthArgs) -> PathBuf {
    let format = a
        .format
        .or_else(|| crate::source::format_from_extension(&a.out));
    if !matches!(format, Some(FileFormat::Raw(_))) || a.out.as_os_str() == "-" {
        return a.out.clone();
    }
    let have = crate::source::filename::parse_path(&a.out);
    let mut extra = String::new();
    if have.center_freq_hz.is_none() {
        extra.push('_');
        extra.push_str(&name_token(a.freq, 1e6, "M"));
    }
    if have.sample_rate_hz.is_none() {
        extra.push('_');
        extra.push_str(&name_token(a.rate, 1e3, "k"));
    }
    if extra.is_empty() {
        return a.out.clone();
    }
    let stem = a
        .out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match a.out.extension() {
        Some(ext) => format!("{stem}{extra}.{}", ext.to_string_lossy()),
        None => format!("{stem}{extra}"),
    };
    a.out.with_file_name(name)
}

pub fn run(a: &SynthArgs) -> Result<ExitCode, CliError> {
    let scene = build_scene(a)?;
    let mut stream = scene.stream().map_err(|e| usage(e.to_string()))?;
    let meta = SinkMeta {
        sample_rate_hz: scene.sample_rate_hz,
        center_freq_hz: scene.center_freq_hz,
        datetime: None,
        description: Some(format!(
            "fobscope synth: {:?}, SNR {} dB (wideband), seed {}",
            a.kind,
            if a.clean {
                "inf".to_string()
            } else {
                a.snr.to_string()
            },
            a.seed
        )),
        hardware: Some("fobscope synth".into()),
        sigmf_sample_format: None,
    };
    let out = named_out(a);
    if out != a.out {
        super::term::note(&format!(
            "{} names no sample rate or centre frequency, so the capture is written as {}: \
             fobscope and rtl_433 read both from that name without flags",
            a.out.display(),
            out.display()
        ));
    }
    let mut sink = sink::create(&out, a.format, &meta)?;
    let mut buf = vec![num_complex::Complex::new(0.0f32, 0.0); BLOCK_SAMPLES];
    loop {
        let n = stream.next_block(&mut buf);
        if n == 0 {
            break;
        }
        sink.write(&buf[..n])?;
    }
    sink.finish()?;
    let truth = scene.truth();
    println!(
        "{}: {:.3} s at {} S/s, centre {:.6} MHz, {} burst(s)",
        out.display(),
        scene.duration_s,
        scene.sample_rate_hz,
        a.freq / 1e6,
        truth.len()
    );
    for (i, b) in truth.iter().enumerate() {
        println!(
            "  burst {}: {} {} at {:+.1} kHz, {:.4}–{:.4} s, {} word(s){}",
            i + 1,
            b.protocol,
            b.modulation.name(),
            b.freq_offset_hz / 1e3,
            b.start_s,
            b.end_s,
            b.words.len(),
            if b.truncated { ", truncated" } else { "" }
        );
    }
    if let Some(path) = &a.truth {
        let doc = serde_json::json!({
            "sample_rate_hz": scene.sample_rate_hz,
            "center_freq_hz": scene.center_freq_hz,
            "duration_s": scene.duration_s,
            "noise_dbfs": scene.noise_dbfs,
            "seed": scene.seed,
            "bursts": truth,
        });
        let text = serde_json::to_string_pretty(&doc).map_err(|e| usage(e.to_string()))?;
        std::fs::write(path, text + "\n").map_err(|source| CliError::Io {
            path: path.display().to_string(),
            source,
        })?;
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};

    #[derive(Parser)]
    struct T {
        #[command(flatten)]
        a: SynthArgs,
    }

    fn args(extra: &[&str]) -> SynthArgs {
        let mut v = vec!["t", "out.cu8"];
        v.extend_from_slice(extra);
        T::try_parse_from(v).unwrap().a
    }

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
    fn too_long_is_refused_before_building() {
        let long_bits = "1".repeat(4000);
        let e = build_scene(&args(&[
            "--kind",
            "ook",
            "--bits",
            &long_bits,
            "--coding",
            "ppm",
            "--te",
            "20ms",
            "--repeats",
            "100",
            "--presses",
            "100",
        ]))
        .unwrap_err()
        .to_string();
        assert!(e.contains("over 3600"), "{e}");
    }

    #[test]
    fn help_examples_build() {
        let help = crate::cli::Cli::command()
            .find_subcommand_mut("synth")
            .unwrap()
            .render_long_help()
            .to_string();
        let examples: Vec<&str> = help
            .lines()
            .filter_map(|l| l.trim().strip_prefix("fobscope synth "))
            .collect();
        assert_eq!(examples.len(), 5);
        for ex in examples {
            let mut v = vec!["t"];
            v.extend(ex.split_whitespace());
            let a = T::try_parse_from(v).unwrap().a;
            build_scene(&a).unwrap_or_else(|e| panic!("{ex}: {e}"));
        }
    }

    #[test]
    fn uints() {
        assert_eq!(parse_uint("0x1A").unwrap(), 26);
        assert_eq!(parse_uint("0b0010").unwrap(), 2);
        assert_eq!(parse_uint("42").unwrap(), 42);
        assert!(parse_uint("0xZZ").is_err());
    }

    #[test]
    fn keeloq_scene_layout() {
        let a = args(&[
            "--presses",
            "2",
            "--repeats",
            "3",
            "--pre",
            "0.1s",
            "--gap",
            "0.2s",
            "--post",
            "0.1s",
            "--offset",
            "-20k",
            "--serial",
            "0x0ABCDEF",
            "--hop",
            "0x12345678",
        ]);
        let s = build_scene(&a).unwrap();
        assert_eq!(s.bursts.len(), 2);
        let word = 270.0 * 400e-6;
        assert!((s.bursts[1].start_s - (0.1 + 3.0 * word + 0.2)).abs() < 1e-9);
        assert!((s.duration_s - (0.1 + 6.0 * word + 0.2 + 0.1)).abs() < 1e-9);
        let truth = s.truth();
        assert_eq!(truth[0].words.len(), 3);
        let bits: Vec<bool> = truth[0].words[0].chars().map(|c| c == '1').collect();
        let w = KeeloqWord::from_bits(&bits).unwrap();
        assert_eq!(
            (w.serial, w.hopping, w.buttons),
            (0x0AB_CDEF, 0x1234_5678, 2)
        );
        // The second press carries a new hopping code, the same serial.
        let w2 = KeeloqWord::from_bits(
            &truth[1].words[0]
                .chars()
                .map(|c| c == '1')
                .collect::<Vec<_>>(),
        )
        .unwrap();
        assert_eq!(w2.serial, w.serial);
        assert_ne!(w2.hopping, w.hopping);
        assert_eq!(truth[0].freq_offset_hz, -20e3);
        assert_eq!(truth[0].snr_db, Some(20.0));
    }

    #[test]
    fn range_errors_are_clear() {
        let e = |x: &[&str]| build_scene(&args(x)).unwrap_err().to_string();
        assert!(e(&["--snr", "90"]).contains("--snr"));
        assert!(e(&["--offset", "200k"]).contains("--offset"));
        assert!(e(&["--te", "10us"]).contains("--te"));
        assert!(e(&["--kind", "ook"]).contains("--bits"));
        assert!(e(&["--kind", "pt2262", "--code", "01F"]).contains("--code"));
        assert!(e(&["--duration", "4000s"]).contains("duration"));
        // The crystal error pushes the carrier past the band edge.
        assert!(e(&["--offset", "120k", "--ppm", "50"]).contains("half the sample rate"));
    }

    #[test]
    fn noise_scene_and_truncation() {
        let s = build_scene(&args(&["--kind", "noise", "--snr", "10"])).unwrap();
        assert!(s.bursts.is_empty());
        assert_eq!(s.duration_s, 1.0);
        assert_eq!(s.noise_dbfs, Some(-30.0));
        let s = build_scene(&args(&["--truncate-words", "1", "--repeats", "4"])).unwrap();
        let t = &s.truth()[0];
        assert!(t.truncated);
        assert_eq!(t.words.len(), 1);
        let s = build_scene(&args(&[
            "--kind",
            "fsk",
            "--bits",
            "1011",
            "--coding",
            "manchester",
        ]))
        .unwrap();
        assert!(matches!(s.bursts[0].keying, Keying::Fsk { .. }));
    }
}
