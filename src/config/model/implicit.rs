//! The implicit rules every service gets (reference §1.4), so that the engine, `-t -v` and
//! the status pages all see the same effective rule list; and the TLS options a connection
//! test takes from `set ssl`.

use super::connection::{ConnectionTarget, ConnectionTest, Protocol, SocketType};
use super::event::EventKind;
use super::global::SslOptions;
use super::rule::{Action, Rule, Test};
use super::service::{ServiceConfig, ServiceKind};

/// Default actions for events that no rule of the file names: (event, on failure, on
/// recovery). `invalid` restarts; everything else alerts.
pub const IMPLICIT_EVENTS: &[(EventKind, Action, Option<Action>)] = &[
    (EventKind::Data, Action::Alert, Some(Action::Alert)),
    (EventKind::Exec, Action::Alert, Some(Action::Alert)),
    (EventKind::Invalid, Action::Restart, Some(Action::Alert)),
    (EventKind::Action, Action::Alert, None),
];

/// The rules a service has in effect: the written ones, plus `if does not exist then
/// restart` for types with an existence test and none written, `if changed fsflags then
/// alert` for filesystems and `if link down then alert` for networks.
pub fn effective_rules(service: &ServiceConfig) -> Vec<Rule> {
    let mut rules = service.rules.clone();
    let has = |pred: fn(&Test) -> bool| service.rules.iter().any(|r| pred(&r.test));
    let has_existence = matches!(
        service.check,
        ServiceKind::Process(_)
            | ServiceKind::File { .. }
            | ServiceKind::Fifo { .. }
            | ServiceKind::Directory { .. }
            | ServiceKind::Filesystem { .. }
    );
    if has_existence && !has(|t| matches!(t, Test::NotExist | Test::Exist)) {
        rules.insert(0, Rule::new(Test::NotExist, Action::Restart));
    }
    if matches!(service.check, ServiceKind::Filesystem { .. }) && !has(|t| matches!(t, Test::FsflagsChanged)) {
        rules.push(Rule::new(Test::FsflagsChanged, Action::Alert));
    }
    if matches!(service.check, ServiceKind::Network(_)) && !has(|t| matches!(t, Test::LinkDown | Test::LinkUp)) {
        rules.push(Rule::new(Test::LinkDown, Action::Alert));
    }
    rules
}

/// `set ssl { ... }` applied to a connection test: the options it leaves unset come from
/// there, for a test that asks for TLS (`ssl`, `type tcpssl`) or speaks a protocol that is
/// always secured (`https`, `smtps`, `imaps`, `pops`, an `https://` URL).
pub fn with_global_ssl(test: &mut ConnectionTest, global: Option<&SslOptions>) {
    let Some(global) = global else { return };
    let secured = test.socket_type == Some(SocketType::Tcpssl)
        || test
            .protocol
            .as_ref()
            .is_some_and(|p| matches!(p.name, Protocol::Https | Protocol::Smtps | Protocol::Imaps | Protocol::Pops))
        || matches!(&test.target, ConnectionTarget::Url { url } if url.to_ascii_lowercase().starts_with("https://"));
    match &mut test.ssl {
        Some(own) => *own = own.or_defaults(global),
        None if secured => test.ssl = Some(global.clone()),
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::ProcessTarget;

    #[test]
    fn a_process_without_existence_rule_gets_restart() {
        let svc = ServiceConfig::new("web", ServiceKind::Process(ProcessTarget::Pidfile("/run/web.pid".into())));
        let rules = effective_rules(&svc);
        assert_eq!(rules, vec![Rule::new(Test::NotExist, Action::Restart)]);
    }

    #[test]
    fn a_written_existence_rule_replaces_the_implicit_one() {
        let mut svc = ServiceConfig::new("f", ServiceKind::File { path: "/x".into() });
        svc.rules.push(Rule::new(Test::NotExist, Action::Alert));
        assert_eq!(effective_rules(&svc), vec![Rule::new(Test::NotExist, Action::Alert)]);
        let host = ServiceConfig::new("h", ServiceKind::Host { address: "a".into() });
        assert!(effective_rules(&host).is_empty());
    }
}
