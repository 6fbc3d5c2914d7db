//! `POST /_run` (form: `service`, `action`): runs a service's custom action in the daemon
//! and streams its output back as it comes, in a chunked body (stdout and stderr merged).
//! How it ended goes in the `Rmonit-Exit` trailer — the exit code, `128 + N` for a signal,
//! 124 for a timeout, 127 when it could not start — which the client asks for with
//! `TE: trailers`. A read-only caller gets a 403, as for `/_doaction`.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use hyper::body::Frame;
use tokio::sync::mpsc;

use super::action::{refuse_read_only, requester};
use super::{ApiError, AppState, Caller, RequestParams, param};
use crate::engine::custom::CustomRun;
use crate::exec::Exit;

/// The trailer that carries the exit code.
pub const EXIT_TRAILER: &str = "rmonit-exit";

/// The exit code a shell would report for this end.
pub fn exit_code(exit: &Exit) -> i32 {
    match exit {
        Exit::Code(code) => *code,
        Exit::Signal(signal) => 128 + signal,
        Exit::TimedOut => 124,
        Exit::SpawnFailed(_) => 127,
    }
}

pub async fn run(
    State(state): State<AppState>,
    caller: Caller,
    RequestParams(params): RequestParams,
) -> Result<Response, ApiError> {
    let action = param(&params, "action").unwrap_or("").to_owned();
    let name = param(&params, "service").unwrap_or("").to_owned();
    refuse_read_only(&caller, &format!("'{name}' {action}"))?;
    if name.is_empty() || action.is_empty() {
        return Err(ApiError(StatusCode::BAD_REQUEST, "Please specify a service name and an action".to_owned()));
    }
    let engine = state.engine();
    let index = engine
        .index_of(&name)
        .ok_or_else(|| ApiError(StatusCode::BAD_REQUEST, format!("There is no service named \"{name}\"")))?;
    let run = engine
        .run_custom(index, &action, &requester(&caller))
        .await
        .map_err(|e| ApiError(StatusCode::BAD_REQUEST, e))?;
    let (sender, frames) = mpsc::channel(16);
    tokio::spawn(forward(run, sender));
    let mut response = Body::new(FrameBody(frames)).into_response();
    response.headers_mut().insert("trailer", HeaderValue::from_static(EXIT_TRAILER));
    response.headers_mut().insert("content-type", HeaderValue::from_static("text/plain; charset=utf-8"));
    Ok(response)
}

/// Sends the output as it comes, then the exit in the trailer. Output still arriving after
/// the exit (a background child holding the pipe) is not waited for.
async fn forward(mut run: CustomRun, sender: mpsc::Sender<Frame<Bytes>>) {
    let exit = loop {
        tokio::select! {
            chunk = run.output.recv() => match chunk {
                Some(chunk) => {
                    if sender.send(Frame::data(Bytes::from(chunk))).await.is_err() {
                        // The caller went away; the program runs to its end regardless.
                        return;
                    }
                }
                None => break (&mut run.exit).await.ok(),
            },
            exit = &mut run.exit => break exit.ok(),
        }
    };
    while let Ok(chunk) = run.output.try_recv() {
        if sender.send(Frame::data(Bytes::from(chunk))).await.is_err() {
            return;
        }
    }
    let code = exit.as_ref().map_or(-1, exit_code);
    let mut trailers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(&code.to_string()) {
        trailers.insert(EXIT_TRAILER, value);
    }
    let _ = sender.send(Frame::trailers(trailers)).await;
}

/// A response body fed frame by frame from a channel (data, then the trailers).
struct FrameBody(mpsc::Receiver<Frame<Bytes>>);

impl hyper::body::Body for FrameBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        self.0.poll_recv(cx).map(|frame| frame.map(Ok))
    }
}
