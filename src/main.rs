//! The `rmonit` binary: daemon and CLI in one, like `monit`. Parses the command line and
//! hands over to [`rmonit::cli::run`], which returns the process exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    // One TLS crypto provider everywhere (web interface, network checks, mail): ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let code = rmonit::cli::run(std::env::args_os());
    ExitCode::from(code)
}
