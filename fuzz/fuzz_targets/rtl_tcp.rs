//! The rtl_tcp greeting and sample stream: a local server sends the input (split into pieces
//! whose sizes the first byte picks) and closes; the client connects, reads the greeting and
//! the samples to the end.
#![no_main]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use fobscope::source::IqSource;
use fobscope::source::rtl_tcp::{HEADER_LEN, Header, RtlTcpSettings, RtlTcpSource};
use libfuzzer_sys::fuzz_target;
use num_complex::Complex;

fuzz_target!(|data: &[u8]| {
    if let Some(h) = data.get(..HEADER_LEN) {
        let h: [u8; HEADER_LEN] = h.try_into().unwrap();
        if let Ok(parsed) = Header::parse(&h) {
            assert_eq!(parsed.to_bytes(), h);
        }
    }
    let Some((&piece, payload)) = data.split_first() else {
        return;
    };
    let piece = usize::from(piece % 31) + 1;
    let payload = payload.to_vec();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        for p in payload.chunks(piece) {
            if s.write_all(p).is_err() {
                return;
            }
        }
        // Take the client's commands before closing, so the close is a clean end of stream.
        let mut sink = [0u8; 64];
        let _ = s.read(&mut sink);
    });
    let mut settings = RtlTcpSettings::new(addr.to_string(), 250e3, 433.92e6);
    settings.connect_timeout = Duration::from_secs(2);
    settings.read_timeout = Duration::from_secs(2);
    if let Ok(mut src) = RtlTcpSource::connect(&settings) {
        let mut block = vec![Complex::new(0.0f32, 0.0); 7];
        let mut samples = 0u64;
        while let Ok(n) = src.read(&mut block) {
            assert!(n > 0 && n <= block.len());
            samples += n as u64;
        }
        assert!(samples <= data.len() as u64 / 2);
    }
    server.join().unwrap();
});
