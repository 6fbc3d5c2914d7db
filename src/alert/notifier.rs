//! The notifier: an intake task that turns each notice into one queued alert per
//! recipient (written durably before anything is sent), and the deliverer
//! ([`super::deliver`]) that empties the queue. The daemon starts it once; a reload hands
//! it the new configuration (new recipients, servers and formats; the same queue).
//!
//! While the queue directory refuses writes, the queue holds alerts in memory; the intake
//! tries every second to write them out and logs the queue's changes of state, once each
//! way. A refused alert (the queue is full) is logged once, the ones after it counted and
//! the count logged when the queue takes an alert again. At a stop, what memory still
//! holds is written out if the directory takes it, else reported lost.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, mpsc, oneshot, watch};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use super::deliver::{self, SharedQueue, publish, with_queue};
use super::format::{DigestEntry, render_mail};
use super::mail::MailSettings;
use super::queue::{AlertQueue, Payload, PushError, QueueNews, QueuedAlert, n_alerts};
use super::route::recipients;
use super::{AlertSender, Notice, webhook};
use crate::config::model::{AlertTarget, Config};
use crate::state::AlertStatusBoard;

/// While alerts wait in memory, how often the intake tries to write them out.
const FLUSH_RETRY: Duration = Duration::from_secs(1);

/// How long a stopping notifier gives the last write of what memory holds.
const LAST_FLUSH: Duration = Duration::from_secs(1);

/// What the intake receives: notices, and requests to confirm that everything sent
/// before has been queued.
#[derive(Debug)]
pub enum Intake {
    Notice(Notice),
    Flush(oneshot::Sender<()>),
}

/// The running notifier, as the daemon holds it.
pub struct NotifierHandle {
    sender: mpsc::UnboundedSender<Intake>,
    config: watch::Sender<Arc<Config>>,
    status: AlertStatusBoard,
    queue: SharedQueue,
    dir: PathBuf,
    cancel: CancellationToken,
    tasks: JoinSet<()>,
    /// How M/Monit's event posts are rendered, once the daemon has set it.
    mmonit: MmonitSlot,
}

/// Where the intake finds the renderer of M/Monit's event posts.
type MmonitSlot = Arc<Mutex<Option<super::mmonit::MmonitSource>>>;

/// The queue directory: `set eventqueue basedir`, else `<state file>.alerts`.
pub fn queue_dir(config: &Config, statefile: &Path) -> PathBuf {
    match config.eventqueue.as_ref().and_then(|q| q.basedir.as_ref()) {
        Some(dir) => PathBuf::from(dir),
        None => {
            let mut name = statefile.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "rmonit.state".into());
            name.push(".alerts");
            statefile.with_file_name(name)
        }
    }
}

/// Opens the queue in `dir` and starts the intake and the deliverer.
pub fn spawn(config: Arc<Config>, dir: &Path) -> Result<NotifierHandle, String> {
    let slots = config.eventqueue.as_ref().and_then(|q| q.slots);
    let queue =
        AlertQueue::open(dir, slots).map_err(|e| format!("cannot open the alert queue {}: {e}", dir.display()))?;
    if !queue.is_empty() {
        info!("{} alerts wait in the queue {}", queue.len(), dir.display());
    }
    let monits = super::queue::monits_event_files(dir);
    if let Some(first) = monits.first() {
        warn!(
            "{} events of Monit's own queue are in {} ({first}...): left in place, not delivered: Monit's \
             files hold its memory's raw structures, which only the Monit that wrote them can read",
            monits.len(),
            dir.display()
        );
    }
    let status = AlertStatusBoard::default();
    status.update(|s| s.directory = dir.display().to_string());
    publish(&queue, &status);
    // Webhooks go through reqwest on rustls; `main` installs the provider, this covers
    // a notifier started in-process (tests). A second installation is refused, harmlessly.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let queue: SharedQueue = Arc::new(Mutex::new(queue));
    let (sender, receiver) = mpsc::unbounded_channel();
    let (config_tx, config_rx) = watch::channel(config);
    let wake = Arc::new(Notify::new());
    let cancel = CancellationToken::new();
    let mut tasks = JoinSet::new();
    let dir = dir.to_path_buf();
    let mmonit = MmonitSlot::default();
    let channels = Channels { queue: queue.clone(), dir: dir.clone(), wake: wake.clone(), mmonit: mmonit.clone() };
    tasks.spawn(intake(receiver, channels, config_rx.clone(), status.clone()));
    tasks.spawn(deliver::run(queue.clone(), config_rx, wake, status.clone(), cancel.clone()));
    Ok(NotifierHandle { sender, config: config_tx, status, queue, dir, cancel, tasks, mmonit })
}

impl NotifierHandle {
    /// How M/Monit's event posts are rendered (`set mmonit`): until this is set, events do
    /// not go to M/Monit.
    pub fn set_mmonit_source(&self, source: super::mmonit::MmonitSource) {
        *self.mmonit.lock().unwrap_or_else(|p| p.into_inner()) = Some(source);
    }

    /// Where the engine posts notices.
    pub fn sender(&self) -> AlertSender {
        AlertSender::new(self.sender.clone())
    }

    pub fn status(&self) -> AlertStatusBoard {
        self.status.clone()
    }

    /// After a reload: recipients, formats, servers and slots from the new configuration.
    pub fn reconfigure(&self, config: Arc<Config>) {
        self.config.send_replace(config);
    }

    /// At shutdown: waits until every notice posted so far is queued, then gives the
    /// deliverer until `deadline` to empty the queue, and stops. What is left is sent
    /// after the next start: what the queue still holds in memory is written out a last
    /// time, or reported lost.
    pub async fn stop(mut self, deadline: Duration) {
        let _ = tokio::time::timeout(deadline, async {
            let (done, queued) = oneshot::channel();
            if self.sender.send(Intake::Flush(done)).is_ok() {
                let _ = queued.await;
            }
            while self.status.get().queued > 0 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await;
        self.cancel.cancel();
        drop(self.sender);
        let _ = tokio::time::timeout(Duration::from_secs(1), async { while self.tasks.join_next().await.is_some() {} })
            .await;
        self.tasks.abort_all();
        let last = with_queue(&self.queue, |q| {
            q.flush_held();
            (q.take_news(), q.held_len(), q.unwritable_error().unwrap_or_default().to_owned())
        });
        if let Ok(Some((news, lost, why))) = tokio::time::timeout(LAST_FLUSH, last).await {
            report(&self.dir, news);
            if lost > 0 {
                error!(
                    "event queue: cannot write to {} ({why}); {} held in memory lost at this stop",
                    self.dir.display(),
                    n_alerts(lost)
                );
            }
        }
    }
}

/// Queues one alert per recipient of each notice, in the order the notices came; while
/// the queue holds alerts in memory, tries to write them out every [`FLUSH_RETRY`].
/// What the intake writes to: the queue in its directory, the deliverer to wake, and the
/// renderer of M/Monit's event posts.
struct Channels {
    queue: SharedQueue,
    dir: PathBuf,
    wake: Arc<Notify>,
    mmonit: MmonitSlot,
}

async fn intake(
    mut receiver: mpsc::UnboundedReceiver<Intake>,
    channels: Channels,
    config: watch::Receiver<Arc<Config>>,
    status: AlertStatusBoard,
) {
    let Channels { queue, dir, wake, mmonit } = channels;
    let host = crate::config::parser::local_hostname();
    let mut drops = Drops::default();
    let mut holding = false;
    loop {
        let message = tokio::select! {
            message = receiver.recv() => message,
            _ = tokio::time::sleep(FLUSH_RETRY), if holding => {
                let figures = status.clone();
                let flushed = with_queue(&queue, move |q| {
                    q.flush_held();
                    publish(q, &figures);
                    (q.take_news(), q.held_len() > 0)
                });
                if let Some((news, still)) = flushed.await {
                    report(&dir, news);
                    holding = still;
                }
                continue;
            }
        };
        let notice = match message {
            None => return,
            Some(Intake::Notice(notice)) => notice,
            Some(Intake::Flush(done)) => {
                let _ = done.send(());
                continue;
            }
        };
        let current = config.borrow().clone();
        let slots = current.eventqueue.as_ref().and_then(|q| q.slots);
        let mut alerts = alerts_of(&current, &notice, &host);
        let source = mmonit.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(source) = source.filter(|_| !current.mmonit.is_empty() && !notice.is_reminder()) {
            alerts.push(QueuedAlert {
                service: notice.service.clone(),
                summary: format!("{} {}", notice.event_text(), notice.service),
                payload: Payload::Mmonit(super::mmonit::RenderedMmonit { body: source(&notice) }),
                event: notice.event_id.clone(),
            });
        }
        for alert in alerts {
            let (summary, recipient) = (alert.summary.clone(), alert.recipient().to_owned());
            let figures = status.clone();
            let pushed = with_queue(&queue, move |q| {
                if q.holds(&alert) {
                    return (None, Vec::new(), q.held_len() > 0);
                }
                q.set_slots(slots);
                let pushed = q.push(&alert);
                publish(q, &figures);
                (Some(pushed), q.take_news(), q.held_len() > 0)
            })
            .await;
            let Some((pushed, news, still)) = pushed else { continue };
            report(&dir, news);
            holding = still;
            match pushed {
                None => {
                    info!(service = %notice.service, "alert '{summary}' to {recipient} is queued or sent already (its event was seen again after a restart)");
                }
                Some(Ok(_)) => {
                    if let Some(line) = drops.accepted() {
                        warn!("{line}");
                    }
                }
                Some(Err(refusal)) => {
                    status.update(|s| s.dropped += 1);
                    if let Some(line) = drops.refused(&refusal, &dir, &summary, &recipient) {
                        error!(service = %notice.service, "{line}");
                    }
                }
            }
        }
        wake.notify_one();
    }
}

/// Logs the queue's changes of state.
fn report(dir: &Path, news: Vec<QueueNews>) {
    for item in news {
        match item {
            QueueNews::Unwritable { .. } => error!("{}", item.describe(dir)),
            QueueNews::Writable { .. } => info!("{}", item.describe(dir)),
        }
    }
}

/// The alerts refused since the queue last took one: the first is logged, the others
/// only counted, and the count is logged when the queue takes an alert again.
#[derive(Debug, Default)]
struct Drops(usize);

impl Drops {
    /// An alert was refused: the line to log, for the first one.
    fn refused(&mut self, refusal: &PushError, dir: &Path, summary: &str, recipient: &str) -> Option<String> {
        self.0 += 1;
        let why = match refusal {
            PushError::Full(_) => refusal.to_string(),
            PushError::MemoryFull(held) => {
                format!("the alert queue cannot write to {} and holds {held} alerts in memory", dir.display())
            }
        };
        (self.0 == 1).then(|| {
            format!("{why}: alert '{summary}' to {recipient} dropped; until it takes alerts again, drops are counted")
        })
    }

    /// An alert was queued: the line to log, when some were refused before it.
    fn accepted(&mut self) -> Option<String> {
        let dropped = std::mem::take(&mut self.0);
        (dropped > 0).then(|| format!("the alert queue takes alerts again; {} dropped meanwhile", n_alerts(dropped)))
    }
}

/// The alerts a notice makes, rendered for each recipient.
pub fn alerts_of(config: &Config, notice: &Notice, host: &str) -> Vec<QueuedAlert> {
    let mail_host = MailSettings::of(config).hello_name;
    recipients(config, notice)
        .into_iter()
        .map(|recipient| QueuedAlert {
            service: notice.service.clone(),
            event: notice.event_id.clone(),
            summary: format!("{} {}", notice.event_text(), notice.service),
            payload: match recipient.target {
                AlertTarget::Email(to) => {
                    let mut mail = render_mail(notice, to, recipient.formats, host, &mail_host);
                    if recipient.digest {
                        mail.digest = Some(DigestEntry::of(notice, host, &mail_host));
                    }
                    Payload::Mail(mail)
                }
                AlertTarget::Webhook(hook) => {
                    let groups = config.services.iter().find(|s| s.name == notice.service).map(|s| s.groups.as_slice());
                    let origin = webhook::Origin { host, groups: groups.unwrap_or_default() };
                    Payload::Webhook(webhook::render(notice, hook, origin))
                }
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_drop_is_logged_and_the_others_summed_up_once_the_queue_takes_alerts_again() {
        let mut drops = Drops::default();
        let dir = Path::new("/q");
        assert_eq!(drops.accepted(), None);
        assert_eq!(
            drops.refused(&PushError::Full(2), dir, "Does not exist web", "ops@x").as_deref(),
            Some(
                "the alert queue is full (2 slots): alert 'Does not exist web' to ops@x dropped; until it takes \
                 alerts again, drops are counted"
            )
        );
        assert_eq!(drops.refused(&PushError::Full(2), dir, "Exists web", "ops@x"), None);
        assert_eq!(drops.refused(&PushError::MemoryFull(1000), dir, "Exists web", "ops@x"), None);
        assert_eq!(drops.accepted().as_deref(), Some("the alert queue takes alerts again; 3 alerts dropped meanwhile"));
        assert_eq!(drops.accepted(), None);
        assert!(drops.refused(&PushError::MemoryFull(1000), dir, "Exists web", "ops@x").is_some_and(|line| {
            line.starts_with("the alert queue cannot write to /q and holds 1000 alerts in memory: alert 'Exists web'")
        }));
    }
}
