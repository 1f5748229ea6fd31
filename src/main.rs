//! The `fobscope` command-line program; all logic lives in the library's `cli` module.

fn main() -> std::process::ExitCode {
    fobscope::cli::main()
}
