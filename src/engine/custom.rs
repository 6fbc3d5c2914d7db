//! Custom actions run on user request (`rmonit run web configtest`): the service's named
//! program, with its environment, user and working directory, its output streamed to the
//! caller as it comes and its exit passed back. Audited like the other user actions:
//! `'web' configtest on user request by ...`, then `'web' configtest action done` (or
//! failed, with the exit), kept in the service's events and as its last action.
//!
//! Custom actions do not queue behind start/stop/restart: a `configtest` must not wait for
//! a slow restart, and it changes nothing the coordinator orders.

use std::sync::Arc;
use std::time::SystemTime;

use tokio::sync::{mpsc, oneshot};
use tracing::{error, info};

use super::coordinator::{Requester, record_action};
use crate::alert::AlertSender;
use crate::config::model::Config;
use crate::exec::programs::{EventContext, program_spec};
use crate::exec::{self, Exit};
use crate::state::{ActionOutcome, Board};

/// A custom action that has started: its output as it comes, then how it ended.
pub struct CustomRun {
    pub output: mpsc::UnboundedReceiver<Vec<u8>>,
    pub exit: oneshot::Receiver<Exit>,
}

/// Starts the custom action `action` of service `index`. Errors: no such action, or a
/// program that cannot be prepared or started.
pub async fn start(
    config: &Arc<Config>,
    board: &Board,
    alerts: &AlertSender,
    index: usize,
    action: &str,
    by: &Requester,
) -> Result<CustomRun, String> {
    let service = config.services.get(index).ok_or_else(|| format!("no service number {index}"))?;
    let name = service.name.clone();
    let custom = service
        .actions
        .iter()
        .find(|a| a.name.eq_ignore_ascii_case(action))
        .ok_or_else(|| format!("'{name}' has no action '{action}'"))?;
    let action = custom.name.clone();
    info!(service = %name, "{action} on user request by {} from {}", by.who, by.from);
    let data = board.get(&name).map(|s| s.data).unwrap_or_default();
    let context = EventContext { event: "Action done".to_owned(), description: format!("{action} on user request") };
    let spec =
        program_spec(config, service, &custom.program, config.limits.program_timeout().as_std(), &data, &context)
            .inspect_err(|e| error!(service = %name, "{action} action failed -- {e}"))?;
    let (sink, output) = mpsc::unbounded_channel();
    let running = exec::spawn_streaming(&spec, sink).await.map_err(|e| {
        error!(service = %name, "{action} action failed -- {e}");
        e
    })?;
    let (exit_tx, exit) = oneshot::channel();
    let (board, alerts) = (board.clone(), alerts.clone());
    let by = format!(" by {} from {}", by.who, by.from);
    tokio::spawn(async move {
        let finished = running.wait().await;
        let success = finished.exit.success();
        let result = if success { Ok(()) } else { Err(finished.exit.to_string()) };
        let message = record_action(&board, &alerts, &name, &action, &by, &result);
        let now = SystemTime::now();
        board.update(&name, |s| {
            s.last_action = Some(ActionOutcome { action: action.clone(), at: now, success, message })
        });
        let _ = exit_tx.send(finished.exit);
    });
    Ok(CustomRun { output, exit })
}
