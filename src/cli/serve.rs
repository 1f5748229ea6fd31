//! `fobscope serve`: replay a recording as an rtl_tcp server.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::{CliError, InputArgs, term};
use crate::rtl_tcp_server::{self, AtEnd, ServeOptions};
use crate::source::{self, Input, Problem, SourceError};

/// Arguments of `fobscope serve`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  fobscope serve captures/mini-r53-us-keeloq_315M_250k.cu8
  fobscope listen --rtl-tcp 127.0.0.1:1234 --rate 250k --freq 315M     (in another terminal)
  fobscope serve key.sigmf-meta --address 0.0.0.0:1234 --speed 0 --once

Serves the recording to each client that connects, in real time, as an RTL-SDR behind
rtl_tcp would; the client's tuning commands are accepted and ignored. Useful to try fobscope,
rtl_433 (-d rtl_tcp:HOST:PORT) or gqrx on a known signal without a dongle.

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
    /// After the recording ends keep the connection open with a quiet signal, instead of
    /// closing it.
    #[arg(long)]
    pub idle_at_end: bool,
    /// Serve one client, then exit.
    #[arg(long)]
    pub once: bool,
}

/// Runs `fobscope serve`.
pub fn run(args: &ServeArgs) -> Result<ExitCode, CliError> {
    if !(args.speed >= 0.0 && args.speed.is_finite()) {
        return Err(CliError::Usage("--speed must be 0 or more".into()));
    }
    let listener = TcpListener::bind(&args.address).map_err(|e| CliError::Io {
        path: args.address.clone(),
        source: e,
    })?;
    if !term::quiet() {
        eprintln!(
            "serving {} as rtl_tcp on {}",
            args.file.display(),
            listener
                .local_addr()
                .map(|a| a.to_string())
                .unwrap_or_default()
        );
    }
    let opts = ServeOptions {
        speed: args.speed,
        at_end: if args.idle_at_end {
            AtEnd::Idle
        } else {
            AtEnd::Close
        },
        ..ServeOptions::default()
    };
    loop {
        let mut src = match source::open(&args.file, &args.input.overrides())? {
            Input::Iq(s) => s,
            Input::Pulses(_) => {
                return Err(SourceError::new(
                    &args.file,
                    Problem::Unsupported("a pulse file has no IQ samples to serve".into()),
                )
                .into());
            }
        };
        let stats = rtl_tcp_server::serve_one(&listener, src.as_mut(), &opts).map_err(|e| {
            CliError::Io {
                path: args.address.clone(),
                source: e,
            }
        })?;
        if !term::quiet() {
            eprintln!(
                "client done: {} samples sent{}",
                stats.samples_sent,
                if stats.client_left {
                    " (the client hung up)"
                } else {
                    ""
                }
            );
        }
        if args.once {
            return Ok(ExitCode::SUCCESS);
        }
    }
}
