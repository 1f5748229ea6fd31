//! `fobscope serve`: replay a recording as an rtl_tcp server that behaves like a radio.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;

use super::{CliError, InputArgs, term};
use crate::report;
use crate::rtl_tcp_server::{self, AtEnd, ServeOptions};
use crate::source::{self, Input, IqSource, Problem, SourceError};

/// Arguments of `fobscope serve`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  fobscope serve captures/mini-r53-us-keeloq_315M_250k.cu8
  fobscope listen --rtl-tcp 127.0.0.1:1234 --band 315 --rate 2.4M --duration 6s   (another terminal)
  fobscope serve key.sigmf-meta --address 0.0.0.0:1234 --speed 0 --once
  fobscope serve captures/keeloq-key_433.92M_250k.cu8 --loop

Serves the recording to each client that connects, in real time, as an RTL-SDR behind rtl_tcp
would: the client's sample rate is honoured (the recording is resampled), its frequency too
(the recording appears where it was recorded; tuned away from it, the client hears noise at
the recording's noise floor). When the recording ends the radio keeps streaming noise, as a
real one would once the key is released (--hang-up to close the connection instead, --loop to
start again). Each command and what was done with it is logged on standard error.
Useful to try fobscope, rtl_433 (-d rtl_tcp:HOST:PORT) or gqrx on a known signal without a
dongle.

Exit codes:
  0   the recording was served (with --once; otherwise it serves until stopped)
  2   error: unreadable recording, address in use, or bad arguments")]
pub struct ServeArgs {
    /// The recording to serve (any IQ format fobscope reads).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    #[command(flatten)]
    pub input: InputArgs,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:1234")]
    pub address: String,
    /// Playback speed: 1 = real time, 0 = as fast as the client reads.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Close the connection when the recording ends (as if the dongle were unplugged), instead
    /// of streaming noise.
    #[arg(long, conflicts_with = "loop_")]
    pub hang_up: bool,
    /// Start the recording again each time it ends.
    #[arg(long = "loop")]
    pub loop_: bool,
    /// Stream noise once the recording ends (the default; kept for older scripts).
    #[arg(long, hide = true, conflicts_with_all = ["hang_up", "loop_"])]
    pub idle_at_end: bool,
    /// Serve one client, then exit.
    #[arg(long)]
    pub once: bool,
}

/// Opens the recording as IQ; a pulse file has nothing to serve.
fn open_iq(args: &ServeArgs) -> Result<Box<dyn IqSource>, SourceError> {
    match source::open(&args.file, &args.input.overrides())? {
        Input::Iq(s) => Ok(s),
        Input::Pulses(_) => Err(SourceError::new(
            &args.file,
            Problem::Unsupported("a pulse file has no IQ samples to serve".into()),
        )),
    }
}

/// Runs `fobscope serve`.
pub fn run(args: &ServeArgs) -> Result<ExitCode, CliError> {
    if !(args.speed >= 0.0 && args.speed.is_finite()) {
        return Err(CliError::Usage("--speed must be 0 or more".into()));
    }
    // The recording is checked before anything is announced.
    let probe = open_iq(args)?;
    let info = probe.info().clone();
    drop(probe);
    let listener = TcpListener::bind(&args.address).map_err(|e| CliError::Io {
        path: args.address.clone(),
        source: e,
    })?;
    if !term::quiet() {
        eprintln!(
            "serving {} ({} at {}) as rtl_tcp on {}",
            args.file.display(),
            report::rate(info.sample_rate_hz),
            info.center_freq_hz
                .map(report::mhz)
                .unwrap_or_else(|| "an unknown frequency".into()),
            listener
                .local_addr()
                .map(|a| a.to_string())
                .unwrap_or_default()
        );
    }
    let opts = ServeOptions {
        speed: args.speed,
        at_end: if args.hang_up {
            AtEnd::Close
        } else if args.loop_ {
            AtEnd::Loop
        } else {
            AtEnd::Noise
        },
        log: (!term::quiet())
            .then(|| Arc::new(|line: &str| eprintln!("serve: {line}")) as rtl_tcp_server::Log),
        ..ServeOptions::default()
    };
    loop {
        let (stream, _) = listener.accept().map_err(|e| CliError::Io {
            path: args.address.clone(),
            source: e,
        })?;
        let mut open = || open_iq(args);
        let result = rtl_tcp_server::serve_stream_looping(stream, &mut open, &opts);
        match result {
            Ok(stats) if !term::quiet() => eprintln!(
                "serve: client done: {} samples sent{}",
                stats.samples_sent,
                if stats.client_left {
                    " (the client hung up)"
                } else {
                    ""
                }
            ),
            Ok(_) => {}
            // One client's broken connection does not stop the server.
            Err(e) if !args.once => eprintln!("fobscope: error: client: {e}"),
            Err(e) => {
                return Err(CliError::Io {
                    path: args.address.clone(),
                    source: e,
                });
            }
        }
        if args.once {
            return Ok(ExitCode::SUCCESS);
        }
    }
}
