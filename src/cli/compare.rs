//! `fobscope compare`: two recordings (two keys, or one key twice) side by side.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::check::resolve_car;
use super::{CliError, InputArgs};
use crate::diagnosis::{Comparison, compare};
use crate::pipeline::{AnalyzeOptions, analyze_path};

/// Arguments of `compare`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  fobscope compare spare_key.cu8 main_key.cu8
  fobscope compare old.sigmf-meta new.sigmf-meta --car \"bmw e46 2003 uk\"
  fobscope compare spare.cu8 new.cu8 --car \"2004 honda accord\"
  fobscope compare a.cu8 b.cu8 --json

Both recordings are read with the same input flags. Power differences are only meaningful when
both keys were recorded at the same distance and orientation.

Exit codes:
  0   both recordings were compared (whatever the verdicts)
  2   error: unreadable input or bad arguments")]
pub struct CompareArgs {
    /// First recording.
    pub a: PathBuf,
    /// Second recording.
    pub b: PathBuf,
    /// How to read the inputs (applies to both).
    #[command(flatten)]
    pub input: InputArgs,
    /// The car both keys belong to (e.g. "2004 honda accord", "mini r53 2004 us"): make and
    /// model must both match an entry of `fobscope cars`.
    #[arg(long, conflicts_with = "expect_band")]
    pub car: Option<String>,
    /// The band the car expects: 315, 433, 868 or 915.
    #[arg(long, value_name = "MHZ")]
    pub expect_band: Option<String>,
    /// Print the comparison as JSON.
    #[arg(long)]
    pub json: bool,
    /// Crystal error of the receiving dongle in ppm.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true, value_parser = super::units::parse_ppm)]
    pub ppm: f64,
    /// Also draw both keys, one above the other, to this PNG: spectrogram with each transmission boxed, band edges,
    /// and the strongest transmission's envelope or frequency with its bits (files only).
    #[arg(long, value_name = "FILE.png")]
    pub plot: Option<PathBuf>,
    /// Colour scale of the picture: `fixed` dBFS, the same for every picture so a weak key
    /// looks weaker than a strong one, or `auto`, stretched from this recording's noise floor
    /// to its strongest signal.
    #[arg(long, value_enum, default_value_t = crate::plot::ColourScale::Fixed, value_name = "SCALE")]
    pub plot_scale: crate::plot::ColourScale,
}

/// The text table of a comparison; `color` paints each key's headline by its verdict.
pub fn render_text(c: &Comparison, color: bool) -> String {
    let mut s = format!("{}\n", c.combined);
    s.push_str(&format!("A: {}\nB: {}\n", c.a.path, c.b.path));
    let w = c
        .lines
        .iter()
        .map(|l| l.a.chars().count())
        .max()
        .unwrap_or(0)
        .max(1);
    let wb = c
        .lines
        .iter()
        .map(|l| l.b.chars().count())
        .max()
        .unwrap_or(0)
        .max(1);
    for l in &c.lines {
        s.push_str(&format!(
            "  {:<14} {:<w$}  {:<wb$}{}\n",
            l.what,
            l.a,
            l.b,
            l.note
                .as_deref()
                .map(|n| format!("  {n}"))
                .unwrap_or_default(),
        ));
    }
    for (name, k) in [("A", &c.a), ("B", &c.b)] {
        let headline = crate::diagnosis::headline(&k.verdict);
        let headline = super::term::paint(&headline, k.verdict.status, color);
        s.push_str(&format!("{name}: {headline}\n"));
    }
    s
}

/// Runs `compare`.
pub fn run(args: &CompareArgs) -> Result<ExitCode, CliError> {
    let car = resolve_car(args.car.as_deref(), args.expect_band.as_deref())?;
    let opts = AnalyzeOptions {
        overrides: args.input.overrides(),
        ppm: args.ppm,
    };
    let a = analyze_path(&args.a, &opts)?;
    let b = analyze_path(&args.b, &opts)?;
    let c = compare(&a, &b, car.as_ref().map(|(c, _)| c));
    let text = if args.json {
        serde_json::to_string_pretty(&c).map_err(|e| CliError::Io {
            path: "standard output".into(),
            source: e.into(),
        })? + "\n"
    } else {
        render_text(&c, super::term::color_stdout())
    };
    print!("{text}");
    if let Some(png) = &args.plot {
        // Each key's header shows its own verdict.
        let (mut a, mut b) = (a, b);
        a.verdict = Some(c.a.verdict.clone());
        b.verdict = Some(c.b.verdict.clone());
        let po = crate::plot::PlotOptions {
            scale: args.plot_scale,
        };
        let notes = crate::plot::write_compare_plot(png, &a, &b, &opts.overrides, &po)
            .map_err(|e| CliError::Usage(e.to_string()))?;
        super::term::note(&crate::plot::written_note(png, &notes));
    }
    Ok(ExitCode::SUCCESS)
}
