//! The observer of `check program`: the program runs once per cycle (with the service's
//! environment and its timeout), and its exit status and output are judged; the content
//! rules' patterns are compiled once, when the observer is built.

use std::time::{Duration, SystemTime};

use tracing::error;

use super::{Observe, Observing, Scope, Seen, content_result};
use crate::checks::file::Matcher;
use crate::checks::judge::Observation;
use crate::config::model::{ProgramConfig, Test};
use crate::exec::programs::{EventContext, command_spec};
use crate::exec::{self, Exit};
use crate::state::{ProgramData, ServiceData};

/// A program service's compiled content rules and its last exit status.
pub struct ProgramObserver {
    program: ProgramConfig,
    /// (rule index, matcher) of every content rule.
    matchers: Vec<(usize, Result<Matcher, String>)>,
    previous_status: Option<i32>,
}

impl ProgramObserver {
    pub fn new(program: &ProgramConfig, tests: &[Test]) -> ProgramObserver {
        let matchers = tests
            .iter()
            .enumerate()
            .filter_map(|(i, test)| match test {
                Test::Content(pattern) => Some((i, Matcher::new(pattern))),
                _ => None,
            })
            .collect();
        ProgramObserver { program: program.clone(), matchers, previous_status: None }
    }

    async fn observe_program(&mut self, scope: Scope<'_>) -> Seen {
        let program = &self.program;
        let spec = command_spec(
            scope.config,
            scope.service,
            &program.command,
            program.uid.as_deref(),
            program.gid.as_deref(),
            program.timeout.map_or_else(|| scope.config.limits.program_timeout().as_std(), |t| t.as_std()),
            scope.data,
            &EventContext::default(),
        );
        let mut data_error = None;
        let mut status = None;
        let mut output = None;
        // Without a run this cycle the figures of the last one stay.
        let mut data = scope.data.clone();
        match spec {
            Ok(spec) => {
                let started = SystemTime::now();
                let (finished, pid) = match exec::spawn(&spec).await {
                    Ok(running) => {
                        let pid = running.pid();
                        (running.wait().await, pid)
                    }
                    Err(reason) => {
                        let exit = Exit::SpawnFailed(reason);
                        (exec::Finished { exit, output: String::new(), duration: Duration::ZERO }, 0)
                    }
                };
                if finished.exit == Exit::TimedOut {
                    // Monit's words (its elapsed time; ours is the timeout itself).
                    error!(
                        service = %scope.service.name,
                        "program timed out after {} s. Killing program with pid {pid}",
                        spec.timeout.as_secs_f64()
                    );
                }
                match finished.exit {
                    Exit::SpawnFailed(reason) => {
                        data_error = Some(format!("failed to execute '{}': {reason}", program.command))
                    }
                    exit => {
                        let code = exit.program_status();
                        status = Some(code);
                        output = Some(finished.output.clone());
                        data = ServiceData::Program(ProgramData {
                            started: Some(started),
                            exit_status: Some(code),
                            output: finished.output,
                        });
                    }
                }
            }
            Err(e) => data_error = Some(e),
        }
        let obs = Observation {
            program_status: status,
            previous_program_status: self.previous_status,
            program_output: output.as_deref(),
            ..Observation::default()
        };
        let mut seen = Seen::judged(scope, &obs, data, data_error);
        // Content rules: the lines of this run's output that fire each.
        if let Some(output) = &output {
            for (index, test) in scope.tests.iter().enumerate() {
                let Test::Content(_) = test else { continue };
                let fired = match self.matchers.iter().find(|(i, _)| *i == index) {
                    Some((_, Ok(m))) => Ok(output.lines().filter(|l| m.fires(l)).map(str::to_owned).collect()),
                    Some((_, Err(e))) => Err(e.as_str()),
                    None => Ok(Vec::new()),
                };
                seen.results[index] = content_result(fired);
            }
        }
        if status.is_some() {
            self.previous_status = status;
        }
        seen
    }
}

impl Observe for ProgramObserver {
    fn observe<'a>(&'a mut self, scope: Scope<'a>) -> Observing<'a> {
        Box::pin(self.observe_program(scope))
    }
}
