//! Building the programs of a service (start, stop, restart, exec, custom actions) with
//! their environment: the base environment, `set environment`, the service's
//! `environment`, and Monit's `MONIT_*` variables of the event.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use super::{self as exec, ProgramSpec};
use crate::config::model::{Config, ProgramConfig, ServiceConfig, split_command};
use crate::state::{ProcessData, ServiceData};

/// What the `MONIT_*` variables describe.
#[derive(Debug, Clone, Default)]
pub struct EventContext {
    pub event: String,
    pub description: String,
}

/// The spec of one of a service's programs.
pub fn program_spec(
    config: &Config,
    service: &ServiceConfig,
    program: &ProgramConfig,
    default_timeout: Duration,
    data: &ServiceData,
    context: &EventContext,
) -> Result<ProgramSpec, String> {
    command_spec(
        config,
        service,
        &program.command,
        program.uid.as_deref(),
        program.gid.as_deref(),
        program.timeout.map(|t| t.as_std()).unwrap_or(default_timeout),
        data,
        context,
    )
}

/// The spec of a command line with optional credentials.
#[allow(clippy::too_many_arguments)]
pub fn command_spec(
    config: &Config,
    service: &ServiceConfig,
    command: &str,
    uid: Option<&str>,
    gid: Option<&str>,
    timeout: Duration,
    data: &ServiceData,
    context: &EventContext,
) -> Result<ProgramSpec, String> {
    let argv = split_command(command);
    if argv.is_empty() {
        return Err("empty command".to_owned());
    }
    let credentials = exec::resolve_credentials(uid, gid)?;
    let mut env = exec::base_environment(credentials.as_ref());
    for var in config.environment.iter().chain(service.environment.iter()) {
        exec::set_env(&mut env, &var.name, var.value.clone());
    }
    exec::set_env(&mut env, "MONIT_DATE", http_date(SystemTime::now()));
    exec::set_env(&mut env, "MONIT_SERVICE", service.name.clone());
    exec::set_env(&mut env, "MONIT_HOST", crate::config::parser::local_hostname());
    exec::set_env(&mut env, "MONIT_EVENT", context.event.clone());
    exec::set_env(&mut env, "MONIT_DESCRIPTION", context.description.clone());
    match data {
        ServiceData::Process(ProcessData { pid, memory_bytes, children, cpu_percent, .. }) => {
            exec::set_env(&mut env, "MONIT_PROCESS_PID", pid.to_string());
            exec::set_env(&mut env, "MONIT_PROCESS_MEMORY", (memory_bytes / 1024).to_string());
            exec::set_env(&mut env, "MONIT_PROCESS_CHILDREN", children.to_string());
            exec::set_env(&mut env, "MONIT_PROCESS_CPU_PERCENT", format!("{:.1}", cpu_percent.unwrap_or(0.0)));
        }
        ServiceData::Program(p) => {
            if let Some(status) = p.exit_status {
                exec::set_env(&mut env, "MONIT_PROGRAM_STATUS", status.to_string());
            }
        }
        _ => {}
    }
    let output_kept = usize::try_from(config.limits.program_output().bytes).unwrap_or(usize::MAX).max(1);
    Ok(ProgramSpec {
        argv,
        env,
        cwd: service.working_directory.as_ref().map(PathBuf::from),
        credentials,
        timeout,
        output_kept,
    })
}

/// `Mon, 23 Nov 2026 19:36:49` in local time (Monit's date format, used in `MONIT_DATE`
/// and the status pages).
pub fn http_date(time: SystemTime) -> String {
    chrono::DateTime::<chrono::Local>::from(time).format("%a, %d %b %Y %H:%M:%S").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_format_like_monit() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_462_609);
        let expected = chrono::DateTime::<chrono::Local>::from(t).format("%a, %d %b %Y %H:%M:%S").to_string();
        assert_eq!(http_date(t), expected);
        assert_eq!(expected.len(), "Mon, 23 Nov 2026 19:36:49".len());
    }

    #[test]
    fn specs_carry_the_configured_and_monit_environment() {
        let config = crate::config::load_str(
            "/x/monitrc",
            "set environment LANG = \"C.UTF-8\"\ncheck process web pidfile /run/web.pid\n environment RAILS_ENV = production\n working directory /srv\n start program = \"/bin/echo hi\" with timeout 5 seconds\n",
            crate::config::LoadOptions::default(),
        )
        .unwrap()
        .config;
        let service = &config.services[0];
        let data = ServiceData::Process(ProcessData { pid: 42, ..Default::default() });
        let context = EventContext { event: "Does not exist".into(), description: "process is not running".into() };
        let spec =
            program_spec(&config, service, service.start.as_ref().unwrap(), Duration::from_secs(30), &data, &context)
                .unwrap();
        assert_eq!(spec.argv, ["/bin/echo", "hi"]);
        assert_eq!(spec.timeout, Duration::from_secs(5));
        assert_eq!(spec.cwd, Some(PathBuf::from("/srv")));
        let get = |k: &str| spec.env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("LANG"), Some("C.UTF-8"));
        assert_eq!(get("RAILS_ENV"), Some("production"));
        assert_eq!(get("MONIT_SERVICE"), Some("web"));
        assert_eq!(get("MONIT_EVENT"), Some("Does not exist"));
        assert_eq!(get("MONIT_PROCESS_PID"), Some("42"));
        assert_eq!(get("PATH"), Some(exec::DEFAULT_PATH));
    }
}
