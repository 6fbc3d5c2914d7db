//! Delivery from the queue: a pass reads the queued alerts oldest first (those on disk
//! and those the queue holds in memory while its directory refuses writes, alike) and
//! hands each to its channel. All mails of a pass share one SMTP session. A channel that
//! fails (no mail server answers, a webhook URL is down) is skipped for the rest of the
//! pass, so alerts on a channel always arrive in the order they were queued, and the
//! other channels go on. After a pass with a failure the next one waits, 1 s and doubling
//! up to the cycle length (Monit retries every cycle); otherwise the deliverer sleeps
//! until an alert is queued or the configuration changes. An alert leaves the queue when
//! its server accepted it, or when the server refused it for good (logged as an error).
//! Mails to a recipient with `digest` wait until one cycle has passed since the first of
//! them, then go out as one mail for all the events of that cycle.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use tokio::sync::{Notify, watch};
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use super::format::{RenderedMail, render_digest};
use super::mail::{MailError, MailSettings, Session};
use super::mmonit;
use super::queue::{AlertQueue, Payload, QueuedAlert};
use super::webhook::{self, WebhookError};
use crate::config::model::Config;
use crate::config::model::defaults::DAEMON_INTERVAL;
use crate::state::AlertStatusBoard;

/// The first wait after a failed pass.
const FIRST_RETRY: Duration = Duration::from_secs(1);

/// The queue, shared by the intake and the deliverer. A std Mutex: it is only locked
/// inside `spawn_blocking`, for one file operation.
pub type SharedQueue = Arc<Mutex<AlertQueue>>;

/// Runs a queue operation on the blocking pool.
pub async fn with_queue<T: Send + 'static>(
    queue: &SharedQueue,
    f: impl FnOnce(&mut AlertQueue) -> T + Send + 'static,
) -> Option<T> {
    let queue = queue.clone();
    tokio::task::spawn_blocking(move || f(&mut queue.lock().unwrap_or_else(|p| p.into_inner()))).await.ok()
}

/// How one alert fared.
enum Outcome {
    Delivered,
    /// Refused for good: dropped.
    Rejected(String),
    /// Retry later.
    Deferred(String),
    /// Its channel failed earlier in this pass.
    Skipped,
}

/// The deliverer's loop; ends when `cancel` fires.
pub async fn run(
    queue: SharedQueue,
    mut config: watch::Receiver<Arc<Config>>,
    wake: Arc<Notify>,
    status: AlertStatusBoard,
    cancel: CancellationToken,
) {
    let client = reqwest::Client::builder().build().map_err(|e| e.to_string());
    if let Err(e) = &client {
        error!("webhooks cannot be delivered: {e}");
    }
    let mut retry: Option<Duration> = None;
    loop {
        let current = config.borrow_and_update().clone();
        let done = tokio::select! {
            _ = cancel.cancelled() => return,
            done = pass(&queue, &current, client.as_ref().ok(), &status) => done,
        };
        retry = done.deferred.then(|| retry.map_or(FIRST_RETRY, |r| (r * 2).min(longest_wait(&current))));
        let digest_wait = done
            .digest_due
            .map(|due| due.duration_since(SystemTime::now()).unwrap_or_default() + Duration::from_millis(10));
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = config.changed() => {}
            _ = wake.notified(), if retry.is_none() => {}
            _ = tokio::time::sleep(retry.unwrap_or_default()), if retry.is_some() => {}
            _ = tokio::time::sleep(digest_wait.unwrap_or_default()), if retry.is_none() && digest_wait.is_some() => {}
        }
    }
}

/// The cycle length, at least the first wait.
fn longest_wait(config: &Config) -> Duration {
    config.daemon.as_ref().map_or(DAEMON_INTERVAL.as_std(), |d| d.interval.as_std()).max(FIRST_RETRY)
}

/// What a pass left to do.
#[derive(Debug, Default)]
struct PassResult {
    /// An alert could not be delivered: retry with backoff.
    deferred: bool,
    /// Digest mails still gathering: the earliest moment one of them is complete.
    digest_due: Option<SystemTime>,
}

/// One pass over the queue.
async fn pass(
    queue: &SharedQueue,
    config: &Config,
    client: Option<&reqwest::Client>,
    status: &AlertStatusBoard,
) -> PassResult {
    let mut result = PassResult::default();
    let Some(Ok(seqs)) = with_queue(queue, |q| q.entries()).await else { return result };
    let mut alerts: Vec<(u64, QueuedAlert)> = Vec::new();
    for seq in seqs {
        match with_queue(queue, move |q| q.read(seq)).await {
            Some(Ok(alert)) => alerts.push((seq, alert)),
            Some(Err(e)) => {
                error!("{e}");
                record_error(status, e);
            }
            None => {}
        }
    }
    let settings = MailSettings::of(config);
    let webhook_timeout = config.limits.network_timeout().as_std();
    let window = longest_wait(config);
    let mut session: Option<Session> = None;
    let mut mail_down = false;
    let mut open_error = String::new();
    let mut hooks_down: HashSet<String> = HashSet::new();
    let mut mmonit_down = false;
    let mut handled: HashSet<u64> = HashSet::new();
    for index in 0..alerts.len() {
        let (seq, alert) = &alerts[index];
        if !handled.insert(*seq) {
            continue;
        }
        if !config.services.iter().any(|s| s.name == alert.service) {
            info!("delivering a queued alert of '{}', a service no longer configured", alert.service);
        }
        let mut seqs = vec![*seq];
        let outcome = match &alert.payload {
            Payload::Mail(_) if mail_down => Outcome::Skipped,
            Payload::Mail(mail) => {
                let mail = match &mail.digest {
                    None => mail.clone(),
                    Some(first) => {
                        let group = digest_group(&alerts[index..], &handled, &mail.to, first.at_ms, window);
                        seqs = std::iter::once(*seq).chain(group.iter().map(|(seq, _)| *seq)).collect();
                        handled.extend(seqs.iter().copied());
                        let due = SystemTime::UNIX_EPOCH + Duration::from_millis(first.at_ms) + window;
                        if SystemTime::now() < due {
                            result.digest_due = Some(result.digest_due.map_or(due, |d| d.min(due)));
                            continue;
                        }
                        let mails: Vec<&RenderedMail> =
                            std::iter::once(mail).chain(group.iter().map(|(_, m)| *m)).collect();
                        match mails.as_slice() {
                            [one] => (*one).clone(),
                            several => render_digest(several).unwrap_or_else(|| mail.clone()),
                        }
                    }
                };
                if session.is_none() {
                    match Session::open(&settings).await {
                        Ok(opened) => session = Some(opened),
                        Err(e) => open_error = e,
                    }
                }
                match session.as_mut() {
                    None => {
                        mail_down = true;
                        Outcome::Deferred(format!("no mail server took the alert ({open_error})"))
                    }
                    Some(open) => match open.send(&mail).await {
                        Ok(()) => Outcome::Delivered,
                        Err(MailError::Rejected(e)) => Outcome::Rejected(e),
                        Err(MailError::Transient(e)) => {
                            session = None;
                            mail_down = true;
                            Outcome::Deferred(e)
                        }
                    },
                }
            }
            Payload::Mmonit(_) if mmonit_down => Outcome::Skipped,
            Payload::Mmonit(event) => match client {
                None => Outcome::Deferred("M/Monit is unavailable".to_owned()),
                Some(client) => {
                    let collectors: Vec<_> =
                        config.mmonit.iter().map(|m| mmonit::Collector::of(m, config.ssl.as_ref())).collect();
                    if collectors.is_empty() {
                        Outcome::Rejected("no set mmonit any more (a reload removed it)".to_owned())
                    } else {
                        match mmonit::post(client, &collectors, &event.body).await {
                            Ok(()) => Outcome::Delivered,
                            Err(e) => {
                                mmonit_down = true;
                                Outcome::Deferred(e)
                            }
                        }
                    }
                }
            },
            Payload::Webhook(hook) if hooks_down.contains(&hook.url) => Outcome::Skipped,
            Payload::Webhook(hook) => match client {
                None => Outcome::Deferred("webhooks are unavailable".to_owned()),
                Some(client) => match webhook::post(client, hook, webhook_timeout).await {
                    Ok(()) => Outcome::Delivered,
                    Err(WebhookError::Rejected(e)) => Outcome::Rejected(e),
                    Err(WebhookError::Transient(e)) => {
                        hooks_down.insert(hook.url.clone());
                        Outcome::Deferred(e)
                    }
                },
            },
        };
        let summary = match seqs.len() {
            1 => alert.summary.clone(),
            n => format!("digest of {n} alerts"),
        };
        settle(queue, &seqs, &alert.service, &summary, alert.recipient(), outcome, status, &mut result.deferred).await;
    }
    if let Some(open) = session {
        open.close().await;
    }
    let figures = status.clone();
    with_queue(queue, move |q| publish(q, &figures)).await;
    result
}

/// The other digest mails to `to` that join the first one (`alerts[0]`): those not yet
/// handled, of events within one window of the first.
fn digest_group<'a>(
    alerts: &'a [(u64, QueuedAlert)],
    handled: &HashSet<u64>,
    to: &str,
    first_ms: u64,
    window: Duration,
) -> Vec<(u64, &'a RenderedMail)> {
    let window_ms = window.as_millis() as u64;
    alerts
        .iter()
        .skip(1)
        .filter(|(seq, _)| !handled.contains(seq))
        .filter_map(|(seq, alert)| match &alert.payload {
            Payload::Mail(mail) => match &mail.digest {
                Some(entry) if mail.to == to && entry.at_ms.saturating_sub(first_ms) < window_ms => Some((*seq, mail)),
                _ => None,
            },
            Payload::Webhook(_) | Payload::Mmonit(_) => None,
        })
        .collect()
}

/// Removes delivered or rejected alerts (one, or a digest's), keeps deferred ones; logs
/// and counts.
#[allow(clippy::too_many_arguments)]
async fn settle(
    queue: &SharedQueue,
    seqs: &[u64],
    service: &str,
    summary: &str,
    recipient: &str,
    outcome: Outcome,
    status: &AlertStatusBoard,
    deferred: &mut bool,
) {
    let delivered = matches!(outcome, Outcome::Delivered);
    match outcome {
        Outcome::Skipped => return,
        Outcome::Delivered => {
            info!(service = %service, "alert '{summary}' delivered to {recipient}");
            status.update(|s| s.delivered += seqs.len() as u64);
        }
        Outcome::Rejected(e) => {
            error!(service = %service, "alert '{summary}' to {recipient} refused, dropped: {e}");
            record_error(status, e);
        }
        Outcome::Deferred(e) => {
            warn!(service = %service, "alert '{summary}' to {recipient} not delivered, kept in the queue: {e}");
            record_error(status, e);
            *deferred = true;
            return;
        }
    }
    let seqs = seqs.to_vec();
    match with_queue(queue, move |q| seqs.iter().try_for_each(|seq| q.remove(*seq))).await {
        Some(Err(e)) => error!("cannot remove a handled alert from the queue: {e}"),
        _ => {
            let figures = status.clone();
            with_queue(queue, move |q| {
                publish(q, &figures);
                if delivered && q.is_empty() {
                    // Nothing waits any more: the last error is history (the log keeps it).
                    figures.update(|s| {
                        s.last_error = None;
                        s.last_error_at = None;
                    });
                }
            })
            .await;
        }
    }
}

/// Copies the queue's figures to the status board; called inside a queue operation, so
/// that they are the queue's at one moment.
pub fn publish(queue: &AlertQueue, status: &AlertStatusBoard) {
    let (queued, in_memory) = (queue.len(), queue.held_len());
    status.update(|s| {
        s.queued = queued;
        s.in_memory = in_memory;
    });
}

fn record_error(status: &AlertStatusBoard, error: String) {
    status.update(|s| {
        s.last_error = Some(error);
        s.last_error_at = Some(SystemTime::now());
        s.delivery_errors += 1;
    });
}
