//! `fobscope analyze`: every transmission in a recording, measured and sliced to bits.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::progress::Bar;
use super::{CliError, EXIT_ERROR, InputArgs};
use crate::pipeline::{self, AnalyzeOptions};
use crate::report;

/// Arguments of `fobscope analyze`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  fobscope analyze captures/keeloq-key_433.92M_250k.cu8
  fobscope analyze captures/fsk-key_433.92M_250k.cu8 --plot fsk.png
  fobscope analyze g001_433.92M_250k.cu8 --json
  fobscope analyze recording.cu8 --rate 1024k --freq 315M --ppm 42
  fobscope analyze key.sigmf-meta
  fobscope analyze capture.ook
  rtl_sdr -f 433.92M -s 250k - | fobscope analyze - --format cu8 --rate 250k --freq 433.92M

Sample rate and centre frequency come from the flags, else the file's metadata (SigMF, WAV
auxi chunk), else an rtl_433-style name (..._433.92M_250k.cu8).

Exit codes:
  0   every file was analysed
  2   error: bad arguments, or a file could not be read (the others are still analysed)")]
pub struct AnalyzeArgs {
    /// Recordings to analyse (IQ files, SigMF, WAV, rtl_433 .ook, Flipper .sub; `-` = stdin).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    /// Crystal error of the receiving dongle in ppm; reported frequencies are corrected.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true, value_parser = super::units::parse_ppm)]
    pub ppm: f64,
    /// Print the JSON report (one object per file) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also draw a picture to this PNG (several files: FILE-1.png, FILE-2.png, ...): spectrogram
    /// with each transmission boxed, band edges, and the strongest transmission's envelope or
    /// frequency with its bits (files only).
    #[arg(long, value_name = "FILE.png")]
    pub plot: Option<PathBuf>,
    /// Colour scale of the picture: `fixed` dBFS, the same for every picture so a weak key
    /// looks weaker than a strong one, or `auto`, stretched from this recording's noise floor
    /// to its strongest signal.
    #[arg(long, value_enum, default_value_t = crate::plot::ColourScale::Fixed, value_name = "SCALE")]
    pub plot_scale: crate::plot::ColourScale,
}

/// Runs `fobscope analyze`.
pub fn run(args: &AnalyzeArgs) -> Result<ExitCode, CliError> {
    let opts = AnalyzeOptions {
        overrides: args.input.overrides(),
        ppm: args.ppm,
    };
    let stdout = std::io::stdout();
    let mut failed = 0usize;
    for (k, path) in args.files.iter().enumerate() {
        let mut bar = Bar::for_fraction(&path.display().to_string());
        let result = pipeline::analyze_path_with_progress(path, &opts, &mut |f| bar.fraction(f));
        bar.clear();
        match result {
            Ok(rep) => {
                let text = if args.json {
                    report::json::to_json(&rep) + "\n"
                } else {
                    let sep = if k > 0 { "\n" } else { "" };
                    format!("{sep}{}", report::text::render(&rep))
                };
                let mut out = stdout.lock();
                out.write_all(text.as_bytes())
                    .and_then(|_| out.flush())
                    .map_err(|source| CliError::Io {
                        path: "standard output".into(),
                        source,
                    })?;
                if let Some(png) = &args.plot {
                    let png = crate::plot::numbered_path(png, k, args.files.len());
                    let po = crate::plot::PlotOptions {
                        scale: args.plot_scale,
                    };
                    match crate::plot::write_report_plot(&png, &rep, &opts.overrides, &po) {
                        Ok(notes) => super::term::note(&crate::plot::written_note(&png, &notes)),
                        Err(e) => {
                            failed += 1;
                            eprintln!("fobscope: error: {e}");
                        }
                    }
                }
            }
            Err(e) => {
                failed += 1;
                eprintln!("fobscope: error: {e}");
            }
        }
    }
    Ok(if failed > 0 {
        ExitCode::from(EXIT_ERROR)
    } else {
        ExitCode::SUCCESS
    })
}
