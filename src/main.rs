//! The `rmonit` binary: daemon and CLI in one, like `monit`. Parses the command line and
//! hands over to [`rmonit::cli::run`], which returns the process exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    let code = rmonit::cli::run(std::env::args_os());
    ExitCode::from(code)
}
