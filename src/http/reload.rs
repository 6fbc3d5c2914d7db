//! `POST /_reload`: the daemon reads its control file again, through the same path as
//! SIGHUP. A broken file is answered with its errors (400) and the running configuration
//! stays; a good one with what changed (`added: x`, `removed: y`, `changed: z` lines).
//! The daemon owns the reload; the handler asks it over a channel (the `Reloader`).

use axum::extract::State;
use axum::http::StatusCode;
use tokio::sync::{mpsc, oneshot};

use super::action::refuse_read_only;
use super::{ApiError, AppState, Caller};

/// The outcome of a reload: the changes as text, or the errors of the new file.
pub type ReloadOutcome = Result<String, String>;

/// A request to reload, with where its outcome goes.
pub type ReloadRequest = oneshot::Sender<ReloadOutcome>;

/// The handle the router uses to ask the daemon for a reload.
#[derive(Clone)]
pub struct Reloader(mpsc::UnboundedSender<ReloadRequest>);

impl Reloader {
    /// A reloader and the receiver the daemon reads its requests from.
    pub fn channel() -> (Reloader, mpsc::UnboundedReceiver<ReloadRequest>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Reloader(tx), rx)
    }
}

pub async fn reload(State(state): State<AppState>, caller: Caller) -> Result<String, ApiError> {
    refuse_read_only(&caller, "reload")?;
    let Some(reloader) = state.reloader() else {
        return Err(ApiError(StatusCode::SERVICE_UNAVAILABLE, "reload is not available here".to_owned()));
    };
    tracing::info!("reload on user request by {} from {}", caller.who, caller.from);
    let (tx, rx) = oneshot::channel();
    reloader.0.send(tx).map_err(|_| ApiError(StatusCode::SERVICE_UNAVAILABLE, "the daemon is stopping".to_owned()))?;
    match rx.await {
        Ok(Ok(changes)) => Ok(changes),
        Ok(Err(errors)) => Err(ApiError(StatusCode::BAD_REQUEST, errors.trim_end().to_owned())),
        Err(_) => Err(ApiError(StatusCode::SERVICE_UNAVAILABLE, "the daemon is stopping".to_owned())),
    }
}
