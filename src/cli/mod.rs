//! The command-line interface (clap derive): one file per subcommand.
//!
//! Each subcommand file exports an `...Args` struct (clap `Args`) and a
//! `run(&Args) -> Result<ExitCode, CliError>` function.

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::sink::SinkError;
use crate::source::{FileFormat, Overrides, SourceError};

pub mod cars;
pub mod check;
pub mod compare;
pub mod units;

/// Exit code for errors (bad input, unreadable file, bad arguments).
pub const EXIT_ERROR: u8 = 2;

/// Command-line arguments.
#[derive(Debug, Parser)]
#[command(
    name = "fobscope",
    version,
    about = "Key fob analyzer: is a remote key dead, weak, working, or on the wrong band?",
    long_about = None
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Judge one recording: working, weak, no signal, or on the wrong band for the car.
    Check(check::CheckArgs),
    /// Compare two recordings side by side (two keys, or one key twice).
    Compare(compare::CompareArgs),
    /// List the vehicle table: band, key, battery, initialisation procedure, source.
    Cars(cars::CarsArgs),
}

/// How the input is to be read: the flags that win over the file's own metadata.
#[derive(Clone, Debug, Default, Args)]
pub struct InputArgs {
    /// Input format when the extension does not tell (cu8, cs8, cs16, cf32, sigmf,
    /// sigmf-archive, wav, ook, sub); required for standard input (`-`).
    #[arg(long, value_parser = parse_format)]
    pub format: Option<FileFormat>,
    /// Sample rate (e.g. 250k, 1.024M, 2.4e6); overrides the file's metadata and name.
    #[arg(long, value_parser = units::parse_rate)]
    pub rate: Option<f64>,
    /// Centre frequency the radio was tuned to (e.g. 433.92M, 315M); overrides the file's.
    #[arg(long, value_parser = units::parse_freq)]
    pub freq: Option<f64>,
}

impl InputArgs {
    /// The overrides for [`crate::source`].
    pub fn overrides(&self) -> Overrides {
        Overrides {
            format: self.format,
            sample_rate_hz: self.rate,
            center_freq_hz: self.freq,
        }
    }
}

fn parse_format(s: &str) -> Result<FileFormat, String> {
    FileFormat::parse(s)
        .ok_or_else(|| format!("unknown format '{s}'; one of: {}", FileFormat::NAMES.join(", ")))
}

/// Errors a subcommand ends with.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// An input could not be read.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// An output could not be written.
    #[error(transparent)]
    Sink(#[from] SinkError),
    /// Arguments that parse but do not fit together.
    #[error("{0}")]
    Usage(String),
    /// Writing to the terminal or a report file failed.
    #[error("{path}: {source}")]
    Io {
        /// What was being written.
        path: String,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result: Result<ExitCode, CliError> = match cli.command {
        Command::Check(a) => check::run(&a),
        Command::Compare(a) => compare::run(&a),
        Command::Cars(a) => cars::run(&a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("fobscope: error: {e}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}
