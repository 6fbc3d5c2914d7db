//! Alerts (reference §4 `set mailserver`/`set alert`/`set mail-format`/`set eventqueue`,
//! §7.2, §7.4): the engine posts a [`Notice`] for every event that calls for an alert, on
//! an unbounded channel, so a check never waits for a mail server. The notifier, started by
//! the daemon and kept across reloads, finds each notice's recipients ([`route`]), renders
//! a message per recipient ([`format`](mod@format), [`webhook`]), writes each one to the durable queue
//! ([`queue`]) before any delivery, and delivers from the queue in order ([`deliver`]):
//! mail over SMTP with failover ([`mail`]), JSON to webhooks. A delivered alert leaves the
//! queue; an undelivered one waits on disk, across restarts and `kill -9`, and is retried
//! with backoff. While the queue directory refuses writes (a full disk), alerts wait in
//! memory and go to disk as soon as it takes them.

pub mod deliver;
pub mod format;
pub mod mail;
pub mod mmonit;
pub mod notifier;
pub mod queue;
pub mod route;
pub mod webhook;

use std::time::SystemTime;

use tokio::sync::mpsc;

use crate::config::model::EventKind;

pub use notifier::{NotifierHandle, queue_dir, spawn};

/// The state an event entered (or stays in, for reminders).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeState {
    Failed,
    Succeeded,
    Changed,
}

/// One event that calls for an alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub service: String,
    pub event: EventKind,
    pub state: NoticeState,
    /// The description (`process is not running`).
    pub message: String,
    /// The action the rule called for (`restart`, `alert`, ...).
    pub action: String,
    pub at: SystemTime,
    /// Cycles since the event entered its state: 0 for the transition itself; later
    /// notices of a failed event are reminders, sent to recipients with `reminder N`.
    pub cycles_in_state: u32,
    /// The identity of the transition (service, rule, transition count), for a rule's
    /// transition: a daemon killed before it saved the transition sees it again after the
    /// restart, and the queue takes its alert only once.
    pub event_id: Option<String>,
}

impl Notice {
    /// A notice of a transition, now.
    pub fn transition(service: &str, event: EventKind, state: NoticeState, message: &str, action: &str) -> Notice {
        Notice {
            service: service.to_owned(),
            event,
            state,
            message: message.to_owned(),
            action: action.to_owned(),
            at: SystemTime::now(),
            cycles_in_state: 0,
            event_id: None,
        }
    }

    /// Monit's name of the event in its state (`Does not exist`, `Exists`, `Action done`).
    pub fn event_text(&self) -> &'static str {
        match self.state {
            NoticeState::Failed => self.event.failed_text(),
            NoticeState::Succeeded => self.event.succeeded_text(),
            NoticeState::Changed => self.event.changed_text(),
        }
    }

    pub fn is_reminder(&self) -> bool {
        self.cycles_in_state > 0
    }
}

/// Where the engine posts notices. The default sender goes nowhere (an engine without a
/// notifier, as in unit tests).
#[derive(Debug, Clone, Default)]
pub struct AlertSender(Option<mpsc::UnboundedSender<notifier::Intake>>);

impl AlertSender {
    pub fn new(sender: mpsc::UnboundedSender<notifier::Intake>) -> AlertSender {
        AlertSender(Some(sender))
    }

    /// Posts a notice; never waits. A notifier that has stopped drops it.
    pub fn post(&self, notice: Notice) {
        if let Some(sender) = &self.0 {
            let _ = sender.send(notifier::Intake::Notice(notice));
        }
    }
}
