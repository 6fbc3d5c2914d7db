//! The notifier: an intake task that turns each notice into one queued alert per
//! recipient (written durably before anything is sent), and the deliverer
//! ([`super::deliver`]) that empties the queue. The daemon starts it once; a reload hands
//! it the new configuration (new recipients, servers and formats; the same queue).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, mpsc, oneshot, watch};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{error, info};

use super::deliver::{self, SharedQueue, with_queue};
use super::format::{DigestEntry, render_mail};
use super::mail::MailSettings;
use super::queue::{AlertQueue, Payload, PushError, QueuedAlert};
use super::route::recipients;
use super::{AlertSender, Notice, webhook};
use crate::config::model::{AlertTarget, Config};
use crate::state::AlertStatusBoard;

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
    cancel: CancellationToken,
    tasks: JoinSet<()>,
}

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
    let status = AlertStatusBoard::default();
    status.update(|s| {
        s.directory = dir.display().to_string();
        s.queued = queue.len();
    });
    // Webhooks go through reqwest on rustls; `main` installs the provider, this covers
    // a notifier started in-process (tests). A second installation is refused, harmlessly.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let queue: SharedQueue = Arc::new(Mutex::new(queue));
    let (sender, receiver) = mpsc::unbounded_channel();
    let (config_tx, config_rx) = watch::channel(config);
    let wake = Arc::new(Notify::new());
    let cancel = CancellationToken::new();
    let mut tasks = JoinSet::new();
    tasks.spawn(intake(receiver, queue.clone(), config_rx.clone(), wake.clone(), status.clone()));
    tasks.spawn(deliver::run(queue, config_rx, wake, status.clone(), cancel.clone()));
    Ok(NotifierHandle { sender, config: config_tx, status, cancel, tasks })
}

impl NotifierHandle {
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
    /// after the next start.
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
    }
}

/// Queues one alert per recipient of each notice, in the order the notices came.
async fn intake(
    mut receiver: mpsc::UnboundedReceiver<Intake>,
    queue: SharedQueue,
    config: watch::Receiver<Arc<Config>>,
    wake: Arc<Notify>,
    status: AlertStatusBoard,
) {
    let host = crate::config::parser::local_hostname();
    while let Some(message) = receiver.recv().await {
        let notice = match message {
            Intake::Notice(notice) => notice,
            Intake::Flush(done) => {
                let _ = done.send(());
                continue;
            }
        };
        let current = config.borrow().clone();
        let slots = current.eventqueue.as_ref().and_then(|q| q.slots);
        for alert in alerts_of(&current, &notice, &host) {
            let (summary, recipient) = (alert.summary.clone(), alert.recipient().to_owned());
            let pushed = with_queue(&queue, move |q| {
                q.set_slots(slots);
                q.push(&alert).map(|_| q.len())
            })
            .await;
            match pushed {
                Some(Ok(len)) => status.update(|s| s.queued = len),
                Some(Err(PushError::Full(slots))) => error!(
                    service = %notice.service,
                    "the alert queue is full ({slots} slots): alert '{summary}' to {recipient} dropped"
                ),
                Some(Err(PushError::Io(e))) => error!(
                    service = %notice.service,
                    "cannot write alert '{summary}' to {recipient} into the queue, dropped: {e}"
                ),
                None => {}
            }
        }
        wake.notify_one();
    }
}

/// The alerts a notice makes, rendered for each recipient.
pub fn alerts_of(config: &Config, notice: &Notice, host: &str) -> Vec<QueuedAlert> {
    let mail_host = MailSettings::of(config).hello_name;
    recipients(config, notice)
        .into_iter()
        .map(|recipient| QueuedAlert {
            service: notice.service.clone(),
            summary: format!("{} {}", notice.event_text(), notice.service),
            payload: match recipient.target {
                AlertTarget::Email(to) => {
                    let mut mail = render_mail(notice, to, recipient.formats, host, &mail_host);
                    if recipient.digest {
                        mail.digest = Some(DigestEntry::of(notice, host, &mail_host));
                    }
                    Payload::Mail(mail)
                }
                AlertTarget::Webhook(hook) => Payload::Webhook(webhook::render(notice, hook, host)),
            },
        })
        .collect()
}
