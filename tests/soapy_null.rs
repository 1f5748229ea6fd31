//! SoapySDR's built-in `driver=null` device opens and accepts settings but streams nothing:
//! fobscope must say so promptly instead of hanging or reporting a dead key.

#![cfg(feature = "soapy")]

use std::time::{Duration, Instant};

use fobscope::source::IqSource;
use fobscope::source::soapy::{SoapySettings, SoapySource};
use num_complex::Complex;

#[test]
fn null_driver_is_reported_as_streaming_nothing() {
    let mut s = SoapySettings::new("driver=null", 250e3, 433.92e6);
    s.stall_timeout = Duration::from_secs(3);
    let t0 = Instant::now();
    let result = SoapySource::open(&s).and_then(|mut src| {
        let mut buf = vec![Complex::new(0.0f32, 0.0); 4096];
        loop {
            if src.read(&mut buf)? == 0 {
                return Ok(());
            }
        }
    });
    let err = result.expect_err("the null device cannot stream");
    let msg = err.to_string();
    eprintln!("{msg}");
    assert!(msg.contains("driver=null"), "{msg}");
    assert!(
        msg.contains("streams no samples") || msg.contains("no samples for"),
        "{msg}"
    );
    assert!(
        t0.elapsed() < Duration::from_secs(30),
        "took {:?}",
        t0.elapsed()
    );
}
