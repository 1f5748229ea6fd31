//! `fobscope scan`: hop between key-fob bands while the button is pressed, and say on which
//! band(s) the key transmits.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use super::radio::{self, RadioArgs};
use super::{CliError, EXIT_ERROR, term, units};
use crate::band::{self, Band};
use crate::live::{self, ScanOptions};
use crate::report::{self, table::Align, table::Table};

/// Arguments of `fobscope scan`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  fobscope scan                                   315, 433 and 868 MHz, 2 s each, 5 rounds
  fobscope scan --bands 315,433 --dwell 3s --rounds 10
  fobscope scan --rtl-tcp 192.168.1.20:1234

Keep pressing the key's button (about once a second) while it runs: each band is only heard
while the radio is tuned to it.

Exit codes:
  0   the scan ran its rounds (whatever was heard)
  2   error: the radio could not be opened or failed, or bad arguments")]
pub struct ScanArgs {
    #[command(flatten)]
    pub radio: RadioArgs,
    /// Bands to hop between (comma-separated: 315, 433, 868, 915).
    #[arg(long, value_delimiter = ',', default_value = "315,433,868", value_parser = super::listen::parse_band)]
    pub bands: Vec<&'static Band>,
    /// Time on each band per round.
    #[arg(long, default_value = "2s", value_parser = units::parse_duration_s)]
    pub dwell: f64,
    /// Rounds over all bands.
    #[arg(long, default_value_t = 5)]
    pub rounds: u32,
    /// Sample rate.
    #[arg(long, default_value = "2.4M", value_parser = units::parse_rate, allow_hyphen_values = true)]
    pub rate: f64,
}

/// Runs `fobscope scan`.
pub fn run(args: &ScanArgs) -> Result<ExitCode, CliError> {
    if args.bands.is_empty() {
        return Err(CliError::Usage(
            "give at least one band with --bands".into(),
        ));
    }
    let centers: Vec<f64> = args
        .bands
        .iter()
        .map(|b| band::listen_center_hz(b, args.rate))
        .collect();
    let radio = radio::open(&args.radio, args.rate, centers[0])?;
    if !term::quiet() {
        eprintln!(
            "scanning {} for {} rounds of {} s each; keep pressing the key",
            args.bands
                .iter()
                .map(|b| b.id)
                .collect::<Vec<_>>()
                .join(", "),
            args.rounds,
            report::trim_float(args.dwell, 2)
        );
    }
    let stop = radio::interrupt_flag();
    let opts = ScanOptions {
        centers_hz: centers,
        dwell: Duration::from_secs_f64(args.dwell),
        rounds: args.rounds,
        settle: Duration::from_millis(150),
        ppm: radio.software_ppm,
    };
    let outcome = live::scan(radio.source, &opts, &stop, &mut |k, t| {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "[{}] {}",
            args.bands[k].id,
            report::text::transmission_line(t)
        );
    })?;
    let listened: Vec<f64> = outcome
        .bands
        .iter()
        .map(|b| {
            if b.listened_s.is_finite() {
                b.listened_s
            } else {
                0.0
            }
        })
        .collect();
    if listened.iter().all(|&s| s <= 0.0) {
        let why = match &outcome.stop {
            Some(live::StopReason::SourceFailed(msg)) => format!(": {msg}"),
            _ => String::new(),
        };
        return Err(CliError::Usage(format!(
            "the radio delivered no samples on any band{why}; there is nothing to judge (check              the device and its driver)"
        )));
    }
    let mut table = Table::new(&[
        ("band", Align::Left),
        ("tuned to", Align::Left),
        ("listened", Align::Right),
        ("heard", Align::Right),
        ("strongest", Align::Right),
        ("best SNR", Align::Right),
        ("frequencies", Align::Left),
    ]);
    let mut heard_on = Vec::new();
    for (b, s) in args.bands.iter().zip(&outcome.bands) {
        let strongest = s
            .transmissions
            .iter()
            .filter_map(|t| t.rssi_dbfs)
            .fold(f64::NEG_INFINITY, f64::max);
        let snr = s
            .transmissions
            .iter()
            .filter_map(|t| t.snr_db)
            .fold(f64::NEG_INFINITY, f64::max);
        let mut freqs: Vec<String> = s
            .transmissions
            .iter()
            .filter_map(|t| t.freq_hz)
            .map(|f| format!("{:.3}", f / 1e6))
            .collect();
        freqs.sort();
        freqs.dedup();
        if !s.transmissions.is_empty() {
            heard_on.push(b.id);
        }
        table.row(vec![
            b.id.to_string(),
            report::mhz(s.center_freq_hz),
            format!(
                "{:.1} s",
                if s.listened_s.is_finite() {
                    s.listened_s
                } else {
                    0.0
                }
            ),
            s.transmissions.len().to_string(),
            if strongest.is_finite() {
                format!("{strongest:.1} dBFS")
            } else {
                "-".into()
            },
            if snr.is_finite() {
                format!("{snr:.1} dB")
            } else {
                "-".into()
            },
            if freqs.is_empty() {
                "-".into()
            } else {
                format!("{} MHz", freqs.join(", "))
            },
        ]);
    }
    println!();
    print!("{}", table.render(""));
    for w in &outcome.warnings {
        println!("warning: {w}");
    }
    let short: Vec<&str> = args
        .bands
        .iter()
        .zip(&listened)
        .filter(|(_, s)| **s < crate::diagnosis::thresholds::MIN_LISTEN_S)
        .map(|(b, _)| b.id)
        .collect();
    match heard_on.as_slice() {
        [] if !short.is_empty() => println!(
            "\nNothing heard, but the {} MHz band(s) got under {} s of samples: too little to \
             say the key is silent there. Scan again with a longer --dwell.",
            short.join(", "),
            crate::diagnosis::thresholds::MIN_LISTEN_S
        ),
        [] => println!(
            "\nNothing heard on any band. Check the antenna and that the button was pressed while \
             each band was listened to; a key that stays silent on every band is dead (or uses \
             a band not scanned)."
        ),
        [one] => println!("\nThe key transmits on the {one} MHz band."),
        many => println!(
            "\nTransmissions heard on the {} MHz bands (another transmitter nearby, or a key \
             that sends on several).",
            many.join(" and ")
        ),
    }
    Ok(match outcome.stop {
        Some(live::StopReason::SourceFailed(msg)) => {
            eprintln!("fobscope: error: {msg}");
            ExitCode::from(EXIT_ERROR)
        }
        _ => ExitCode::SUCCESS,
    })
}
