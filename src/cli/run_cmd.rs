//! `rmonit run <name> <action>`: runs a service's custom action in the daemon (with the
//! service's environment, user and working directory), prints its output as it comes and
//! exits with its exit code (128 + N for a signal, 124 for a timeout, 127 when it could
//! not start). Errors of the request itself (no such service or action, a read-only
//! caller) exit 1 with the reason on stderr.

use std::io::Write;

use super::daemon_cmd::{READ_TIMEOUT, load_config, runtime};
use super::{Cli, exit};
use crate::config::paths;
use crate::control::client;
use crate::http::run::EXIT_TRAILER;

pub fn run(cli: &Cli, args: &[String]) -> Result<u8, String> {
    let [service, action] = args else {
        return Err("Please specify a service name and one of its actions after run".to_owned());
    };
    let config = load_config(cli)?;
    let socket = paths::control_socket(&config);
    let form = [("service", service.as_str()), ("action", action.as_str())];
    let mut stdout = std::io::stdout().lock();
    let answer = runtime()?
        .block_on(client::post_streaming(&socket, "/_run", &form, crate::http::ACTION_WAIT + READ_TIMEOUT, |data| {
            let _ = stdout.write_all(data);
            let _ = stdout.flush();
        }))
        .map_err(|e| e.to_string())?;
    if answer.status >= 300 {
        eprint!("{}", answer.error_body);
        return Ok(exit::FAILURE);
    }
    let code = answer
        .trailers
        .get(EXIT_TRAILER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i32>().ok())
        .ok_or_else(|| format!("rmonit: the daemon did not say how '{service}' {action} ended"))?;
    Ok(u8::try_from(code).unwrap_or(exit::FAILURE))
}
