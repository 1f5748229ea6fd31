//! A local rtl_tcp server for the end-to-end tests: a recording served to one client from a
//! thread, on a free port of the loopback address.

use std::net::TcpListener;
use std::path::Path;
use std::thread::{self, JoinHandle};

use fobscope::rtl_tcp_server::{ServeOptions, ServeStats, serve_one};
use fobscope::source::{self, Input, Overrides};

/// Serves `file` (opened with `overrides`) to one client with `opts`. Returns the address to
/// connect to and the server thread, which ends with what the server saw.
pub fn serve_file(
    file: &Path,
    overrides: Overrides,
    opts: ServeOptions,
) -> (String, JoinHandle<ServeStats>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let path = file.to_path_buf();
    let server = thread::spawn(move || {
        let Input::Iq(mut src) = source::open(&path, &overrides).unwrap() else {
            panic!("not IQ")
        };
        serve_one(&listener, src.as_mut(), &opts).unwrap()
    });
    (addr, server)
}
