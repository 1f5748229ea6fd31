//! `fobscope synth`: writes a realistic key-fob capture (KeeLoq, PT2262, EV1527, generic OOK
//! or FSK bits, or noise alone) with the impairments of real radios and dying batteries.
//!
//! SNR is the project's wideband definition: carrier power while on ÷ complex noise power over
//! the whole sample bandwidth (see [`crate::synth::impairments`]).
//!
//! The parts: `args` (the arguments), `scene` (from the arguments to the scene) and `output`
//! (the name the capture is written under); [`run`] writes the capture, prints its bursts and
//! writes the ground truth.

mod args;
mod output;
mod scene;

pub use args::{CodingArg, Kind, ModArg, SynthArgs, parse_uint};
pub use scene::build_scene;

use std::process::ExitCode;

use super::CliError;
use crate::sink::{self, SinkMeta};
use crate::source::BLOCK_SAMPLES;

fn usage(msg: impl Into<String>) -> CliError {
    CliError::Usage(msg.into())
}

/// Runs `fobscope synth`.
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
    let out = output::named_out(a);
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
