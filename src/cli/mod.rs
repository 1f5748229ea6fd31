//! The command-line interface (clap derive): one file per subcommand.
//!
//! Each subcommand file exports an `...Args` struct (clap `Args`) and a
//! `run(&Args) -> Result<ExitCode, CliError>` function.

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::sink::SinkError;
use crate::source::{FileFormat, Overrides, SourceError};

pub mod analyze;
pub mod cars;
pub mod check;
pub mod check_batch;
pub mod compare;
pub mod completions;
pub mod info;
pub mod listen;
pub mod manpage;
pub mod progress;
pub mod radio;
pub mod scan;
pub mod serve;
pub mod synth;
pub mod term;
pub mod test;
pub mod units;

/// Exit code for errors (bad input, unreadable file, bad arguments).
pub const EXIT_ERROR: u8 = 2;

/// Command-line arguments.
#[derive(Debug, Parser)]
#[command(
    name = "fobscope",
    version,
    about = "Key fob analyzer: is a remote key dead, weak, working, or on the wrong band?",
    long_about = None,
    after_help = "\
Examples:
  fobscope check key.cu8 --car \"mini r53 2004 us\"     is this key working, weak, dead, wrong band?
  fobscope analyze g001_433.92M_250k.cu8              every transmission, measured and decoded
  fobscope scan --rtl-tcp 127.0.0.1:1234             which band does my key transmit on?
  fobscope listen --band 315 --record key.sigmf-meta live key presses, recorded
  fobscope compare good.cu8 suspect.cu8              two keys side by side
  fobscope check captures/*.cu8                      one line per file, and a summary

Exit codes:
  0   success (check: the key is working)
  10  check/listen: weak      11  no_signal      12  band_mismatch
  2   error: unreadable input, bad arguments, failed radio or output

Run `fobscope <command> --help` for the options, examples and exit codes of each command."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// No progress bars or status messages on standard error (errors are still printed).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Colour the verdicts: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, global = true, value_enum, default_value_t = term::ColorChoice::Auto, value_name = "WHEN")]
    pub color: term::ColorChoice,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Judge recordings: working, weak, no signal, or on the wrong band for the car (several
    /// files: one line each, checked in parallel).
    Check(check::CheckArgs),
    /// Compare two recordings side by side (two keys, or one key twice).
    Compare(compare::CompareArgs),
    /// List the vehicle table: band, key, battery, initialisation procedure, source.
    Cars(cars::CarsArgs),
    /// Find and measure every transmission in a recording: frequency, band, modulation, level,
    /// SNR, timing, coding and bits.
    Analyze(analyze::AnalyzeArgs),
    /// Listen live (RTL-SDR via SoapySDR, or rtl_tcp) and print each key press as it happens.
    Listen(listen::ListenArgs),
    /// Hop between 315, 433 and 868 MHz while the key is pressed: which band is my key on?
    Scan(scan::ScanArgs),
    /// Replay a recording as an rtl_tcp server (try the live path without a dongle).
    Serve(serve::ServeArgs),
    /// Guided key test: press each button when asked; a verdict per button and the button map.
    Test(test::TestArgs),
    /// Write a realistic synthetic key-fob capture (KeeLoq, PT2262, EV1527, OOK/FSK bits, noise).
    #[command(after_help = "\
SNR is wideband: carrier power while on / complex noise power over the whole sample bandwidth
(at 250 kS/s, 0 dB means the noise power equals the carrier power).

Examples:
  fobscope synth key.cu8 --kind keeloq --rate 250k --freq 433.92M --offset 20k --snr 15
  fobscope synth weak.cu8 --kind keeloq --battery-low --sag 6 --truncate 0.5 --snr 3
  fobscope synth gate.cf32 --kind pt2262 --code 0F0F0F0F0110 --repeats 6 --ppm 40
  fobscope synth fsk.sigmf-meta --kind fsk --bits 10110011 --coding manchester --deviation 30k
  fobscope synth dead_key.cu8 --kind noise --duration 5s --rate 2.4M --level -30 --snr 0

Exit codes:
  0   the capture was written
  2   error: bad arguments, or the file could not be written")]
    Synth(synth::SynthArgs),
    /// Describe recordings: format, sample rate, centre frequency, duration, DC offset,
    /// levels, clipping and noise floor.
    #[command(after_help = "Examples:
  fobscope info g001_433.92M_250k.cu8
  fobscope info capture.cu8 --rate 2.4M --freq 433.92M
  fobscope info key.sigmf-meta key.wav --json
  rtl_sdr -f 315M -s 1024k - | fobscope info - --format cu8 --rate 1024k

Exit codes:
  0   every file was described
  2   error: bad arguments, or a file could not be read (the others are still described)")]
    Info(info::InfoArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(completions::CompletionsArgs),
    /// Print the manual page (roff), of fobscope or of one of its commands.
    Manpage(manpage::ManpageArgs),
}

/// How the input is to be read: the flags that win over the file's own metadata.
#[derive(Clone, Debug, Default, Args)]
pub struct InputArgs {
    /// Input format when the extension does not tell (cu8, cs8, cs16, cf32, sigmf,
    /// sigmf-archive, wav, ook, sub); required for standard input (`-`).
    #[arg(long, value_parser = parse_format)]
    pub format: Option<FileFormat>,
    /// Sample rate (e.g. 250k, 1.024M, 2.4e6); overrides the rate in the file's metadata and
    /// name.
    #[arg(long, value_parser = units::parse_rate, allow_hyphen_values = true)]
    pub rate: Option<f64>,
    /// Centre frequency the radio was tuned to (e.g. 433.92M, 315M); overrides the frequency
    /// in the file's metadata and name.
    #[arg(long, value_parser = units::parse_freq, allow_hyphen_values = true)]
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

/// Writes `bytes` to standard output and flushes; a failure names standard output.
pub(crate) fn write_stdout(bytes: &[u8]) -> Result<(), CliError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|_| out.flush())
        .map_err(|source| CliError::Io {
            path: "standard output".into(),
            source,
        })
}

fn parse_format(s: &str) -> Result<FileFormat, String> {
    FileFormat::parse(s).ok_or_else(|| {
        format!(
            "unknown format '{s}'; one of: {}",
            FileFormat::NAMES.join(", ")
        )
    })
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
    restore_sigpipe();
    return_large_buffers();
    let cli = Cli::parse();
    term::init(cli.color, cli.quiet);
    let result = match &cli.command {
        Command::Analyze(a) => analyze::run(a),
        Command::Listen(a) => listen::run(a),
        Command::Scan(a) => scan::run(a),
        Command::Serve(a) => serve::run(a),
        Command::Test(a) => test::run(a),
        Command::Synth(a) => synth::run(a),
        Command::Info(a) => info::run(a),
        Command::Check(a) => check::run(a),
        Command::Compare(a) => compare::run(a),
        Command::Cars(a) => cars::run(a),
        Command::Completions(a) => completions::run(a),
        Command::Manpage(a) => manpage::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("fobscope: error: {e}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Lets the program end quietly when its output is closed early (`fobscope cars | head`), as
/// command-line tools do, instead of failing on a broken pipe.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to the default before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Large buffers (a burst's samples) come straight from the system and go back when freed.
/// Otherwise glibc's allocator raises its mmap threshold once such a buffer is freed and
/// serves the next ones from its heaps, which keep the pages of freed buffers: the resident
/// memory then stays at the worst moment's heap plus its fragmentation. The heap of small
/// buffers is trimmed only past a few MiB free, so it does not fault its pages in again and
/// again.
fn return_large_buffers() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets parameters of the allocator, before any thread is started.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 10);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 8 << 20);
    }
}
