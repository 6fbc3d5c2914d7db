//! Who gets a notice (reference §4 `set alert`, §7.4): the service's own `alert`
//! recipients, then the global `set alert` ones that the service neither overrides (same
//! address) nor excludes (`noalert`). A recipient takes a notice when its event filter
//! accepts the event and, for a reminder, when its `reminder N` divides the cycles spent
//! failed. An Alertmanager webhook takes reminders on its own, once a minute or so (see
//! [`super::webhook::ALERTMANAGER_REPOST`]), so its alert never expires while the failure
//! lasts. A notice of a service no longer configured (a reload removed it) goes to the
//! global recipients.

use crate::config::model::{AlertConfig, AlertTarget, Config, MailFormat, WebhookFormat};

use super::Notice;

/// One recipient of a notice, with the mail format that applies to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipient<'a> {
    pub target: &'a AlertTarget,
    /// Per-recipient format first, then `set mail-format`.
    pub formats: [Option<&'a MailFormat>; 2],
    /// `digest`: the alerts of one cycle go out as one mail.
    pub digest: bool,
}

/// The recipients of `notice` under `config`, local ones first, each address once.
pub fn recipients<'a>(config: &'a Config, notice: &Notice) -> Vec<Recipient<'a>> {
    let service = config.services.iter().find(|s| s.name == notice.service);
    let local: &[AlertConfig] = service.map_or(&[], |s| &s.alerts);
    let excluded = |alert: &AlertConfig| match &alert.to {
        AlertTarget::Email(address) => {
            service.is_some_and(|s| s.noalerts.iter().any(|n| n.eq_ignore_ascii_case(address)))
        }
        AlertTarget::Webhook(_) => false,
    };
    let overridden = |alert: &AlertConfig| local.iter().any(|l| same_target(&l.to, &alert.to));
    local
        .iter()
        .chain(config.alerts.iter().filter(|a| !excluded(a) && !overridden(a)))
        .filter(|alert| takes(alert, notice, repost_cycles(config)))
        .map(|alert| Recipient {
            target: &alert.to,
            formats: [alert.mail_format.as_ref(), config.mail_format.as_ref()],
            digest: alert.digest,
        })
        .collect()
}

fn same_target(a: &AlertTarget, b: &AlertTarget) -> bool {
    match (a, b) {
        (AlertTarget::Email(a), AlertTarget::Email(b)) => a.eq_ignore_ascii_case(b),
        (AlertTarget::Webhook(a), AlertTarget::Webhook(b)) => a.url == b.url,
        _ => false,
    }
}

/// How many cycles apart an Alertmanager webhook takes the reminders of a lasting failure.
fn repost_cycles(config: &Config) -> u32 {
    let interval = config
        .daemon
        .as_ref()
        .map_or(crate::config::model::defaults::DAEMON_INTERVAL.as_std(), |d| d.interval.as_std());
    let cycles = super::webhook::ALERTMANAGER_REPOST.as_secs_f64() / interval.as_secs_f64().max(0.001);
    (cycles.floor() as u32).max(1)
}

/// Whether one recipient takes the notice: its filter, and its reminder for a reminder.
fn takes(alert: &AlertConfig, notice: &Notice, repost_cycles: u32) -> bool {
    if !alert.events.accepts(notice.event) {
        return false;
    }
    if !notice.is_reminder() {
        return true;
    }
    if let AlertTarget::Webhook(hook) = &alert.to
        && hook.format == WebhookFormat::Alertmanager
        && notice.cycles_in_state.is_multiple_of(repost_cycles)
    {
        return true;
    }
    // Monit counts the transition's post as the first (count 1) and reminds when the
    // count is a multiple: with `reminder 2`, one cycle after the first mail, then every 2.
    alert.reminder.is_some_and(|every| every > 0 && (notice.cycles_in_state + 1).is_multiple_of(every))
}

/// Whether anyone could take notices at all (no recipients: the notifier stays idle).
pub fn has_recipients(config: &Config) -> bool {
    !config.alerts.is_empty() || config.services.iter().any(|s| !s.alerts.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::NoticeState;
    use crate::config::model::EventKind;

    fn config(text: &str) -> Config {
        crate::config::load_str("/x/monitrc", text, crate::config::LoadOptions::default()).unwrap().config
    }

    fn addresses(config: &Config, notice: &Notice) -> Vec<String> {
        recipients(config, notice)
            .iter()
            .map(|r| match r.target {
                AlertTarget::Email(a) => a.clone(),
                AlertTarget::Webhook(w) => w.url.clone(),
            })
            .collect()
    }

    #[test]
    fn local_recipients_override_global_ones_and_noalert_excludes() {
        let c = config(
            "set alert all@x\nset alert ops@x not { action }\nset alert pager@x { nonexist } reminder 3 cycles\n\
             check process web pidfile /w\n alert ops@x { resource }\n noalert all@x\n",
        );
        let gone = Notice::transition("web", EventKind::Nonexist, NoticeState::Failed, "gone", "restart");
        assert_eq!(addresses(&c, &gone), ["pager@x"]);
        let cpu = Notice::transition("web", EventKind::Resource, NoticeState::Failed, "cpu", "alert");
        assert_eq!(addresses(&c, &cpu), ["ops@x"]);
        let removed = Notice::transition("old", EventKind::Action, NoticeState::Changed, "done", "restart");
        assert_eq!(addresses(&c, &removed), ["all@x"]);
    }

    #[test]
    fn reminders_go_only_to_recipients_whose_period_has_come() {
        let c = config("set alert a@x\nset alert b@x reminder 2 cycles\ncheck process web pidfile /w\n");
        let mut notice = Notice::transition("web", EventKind::Nonexist, NoticeState::Failed, "gone", "restart");
        assert_eq!(addresses(&c, &notice), ["a@x", "b@x"]);
        notice.cycles_in_state = 1;
        assert_eq!(addresses(&c, &notice), ["b@x"], "the next cycle, as Monit's count 2");
        notice.cycles_in_state = 2;
        assert!(addresses(&c, &notice).is_empty());
        notice.cycles_in_state = 3;
        assert_eq!(addresses(&c, &notice), ["b@x"]);
    }

    #[test]
    fn an_alertmanager_webhook_takes_a_lasting_failure_once_a_minute() {
        let c = config(
            "set daemon 10
set alert webhook \"http://am:9093/api/v2/alerts\" format alertmanager
             set alert webhook \"http://hook/x\"
check process web pidfile /w
",
        );
        let mut notice = Notice::transition("web", EventKind::Nonexist, NoticeState::Failed, "gone", "restart");
        assert_eq!(addresses(&c, &notice), ["http://am:9093/api/v2/alerts", "http://hook/x"]);
        let taken: Vec<u32> = (1..=13)
            .filter(|&n| {
                notice.cycles_in_state = n;
                !addresses(&c, &notice).is_empty()
            })
            .collect();
        assert_eq!(taken, [6, 12], "every 60 s of 10 s cycles; the plain webhook has no reminder");
    }
}
