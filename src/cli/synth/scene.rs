//! From the arguments to the scene: each argument checked against its range, the protocol
//! words of every press (KeeLoq, PT2262, EV1527 or bits in a line code, drawn from the seed
//! where not given), and the bursts laid out in time with their impairments.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::args::{CodingArg, Kind, ModArg, SynthArgs};
use super::usage;
use crate::cli::CliError;
use crate::protocol::fixed_code::{PT2262_TRITS, Trit};
use crate::protocol::keeloq::KeeloqWord;
use crate::synth::linecode::parse_bits;
use crate::synth::scene::MAX_DURATION_S;
use crate::synth::{
    Burst, FrontEnd, Keying, LineCode, Press, Scene, coded_press, ev1527_press, keeloq_press,
    noise_dbfs_for_snr, pt2262_press,
};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::synth::args::test_cli::{T, args};
    use clap::{CommandFactory, Parser};

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
