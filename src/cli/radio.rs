//! Radio selection shared by `listen` and `scan`: an rtl_tcp server or a SoapySDR device.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::Args;

use super::CliError;
use crate::source::IqSource;
use crate::source::rtl_tcp::{self, RtlTcpSettings, RtlTcpSource};

/// Where the samples come from.
#[derive(Clone, Debug, Args)]
pub struct RadioArgs {
    /// Use an rtl_tcp server (`host:port`, e.g. `192.168.1.20:1234`). No reconnection: if the
    /// server goes away the session ends, the recording is finalised and the exit code is 2.
    #[arg(long, value_name = "HOST:PORT", conflicts_with = "device")]
    pub rtl_tcp: Option<String>,
    /// SoapySDR device arguments (e.g. `driver=rtlsdr`, `driver=rtlsdr,serial=0001`); default:
    /// the first device SoapySDR finds. Needs a build with `--features soapy`.
    #[arg(long, value_name = "ARGS")]
    pub device: Option<String>,
    /// SoapySDR stream arguments (e.g. `chan=stereo_iq` for the audio driver).
    #[arg(long, value_name = "ARGS", default_value = "")]
    pub stream_args: String,
    /// Tuner gain in dB, or `auto`.
    #[arg(long, default_value = "auto", value_parser = parse_gain)]
    pub gain: GainArg,
    /// Crystal error of the dongle in ppm (sent to the radio when it can apply it, else used to
    /// correct the reported frequencies).
    #[arg(long, default_value_t = 0, allow_negative_numbers = true, value_parser = super::units::parse_ppm_int)]
    pub ppm: i32,
    /// Antenna port (SoapySDR devices with several).
    #[arg(long)]
    pub antenna: Option<String>,
    /// Power the antenna port (bias tee), for an active antenna or LNA.
    #[arg(long)]
    pub bias_tee: bool,
}

/// `--gain`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum GainArg {
    /// Automatic.
    Auto,
    /// dB.
    Db(f64),
}

fn parse_gain(s: &str) -> Result<GainArg, String> {
    if s.eq_ignore_ascii_case("auto") {
        return Ok(GainArg::Auto);
    }
    let v: f64 = s
        .trim()
        .trim_end_matches("dB")
        .trim()
        .parse()
        .map_err(|_| format!("gain '{s}' is neither a number of dB nor 'auto'"))?;
    if !(-20.0..=100.0).contains(&v) {
        return Err(format!("gain {v} dB is out of range"));
    }
    Ok(GainArg::Db(v))
}

/// An opened radio and the ppm correction the analysis still has to apply.
pub struct Radio {
    /// The sample stream.
    pub source: Box<dyn IqSource>,
    /// ppm to apply to reported frequencies (0 when the radio corrected itself).
    pub software_ppm: f64,
}

/// Opens the radio the arguments name, tuned to `center_hz` at `rate_hz`.
pub fn open(args: &RadioArgs, rate_hz: f64, center_hz: f64) -> Result<Radio, CliError> {
    if let Some(addr) = &args.rtl_tcp {
        let mut s = RtlTcpSettings::new(addr.clone(), rate_hz, center_hz);
        s.gain = match args.gain {
            GainArg::Auto => rtl_tcp::Gain::Auto,
            GainArg::Db(db) => rtl_tcp::Gain::Manual(db),
        };
        s.ppm = args.ppm;
        s.bias_tee = args.bias_tee;
        let src = RtlTcpSource::connect(&s)?;
        return Ok(Radio {
            source: Box::new(src),
            software_ppm: 0.0,
        });
    }
    open_soapy(args, rate_hz, center_hz)
}

#[cfg(feature = "soapy")]
fn open_soapy(args: &RadioArgs, rate_hz: f64, center_hz: f64) -> Result<Radio, CliError> {
    use crate::source::soapy::{Gain, SoapySettings, SoapySource};
    let mut s = SoapySettings::new(args.device.clone().unwrap_or_default(), rate_hz, center_hz);
    s.stream_args = args.stream_args.clone();
    s.gain = match args.gain {
        GainArg::Auto => Gain::Auto,
        GainArg::Db(db) => Gain::Manual(db),
    };
    s.ppm = f64::from(args.ppm);
    s.antenna = args.antenna.clone();
    let src = SoapySource::open(&s)?;
    let software_ppm = if src.ppm_applied_by_device() {
        0.0
    } else {
        f64::from(args.ppm)
    };
    Ok(Radio {
        source: Box::new(src),
        software_ppm,
    })
}

#[cfg(not(feature = "soapy"))]
fn open_soapy(args: &RadioArgs, _rate_hz: f64, _center_hz: f64) -> Result<Radio, CliError> {
    let _ = args;
    Err(CliError::Usage(
        "this fobscope was built without SoapySDR support: use --rtl-tcp HOST:PORT, or rebuild \
         with `cargo install --path . --features soapy` (needs libsoapysdr-dev)"
            .into(),
    ))
}

/// A flag set by Ctrl-C; the first Ctrl-C stops gracefully, a second one exits at once.
pub fn interrupt_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let f = Arc::clone(&flag);
    let _ = ctrlc::set_handler(move || {
        if f.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });
    flag
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gains() {
        assert_eq!(parse_gain("auto"), Ok(GainArg::Auto));
        assert_eq!(parse_gain("AUTO"), Ok(GainArg::Auto));
        assert_eq!(parse_gain("38.6"), Ok(GainArg::Db(38.6)));
        assert_eq!(parse_gain("40dB"), Ok(GainArg::Db(40.0)));
        assert!(parse_gain("loud").is_err());
        assert!(parse_gain("500").is_err());
    }
}
