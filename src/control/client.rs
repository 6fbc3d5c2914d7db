//! The CLI's side of the control socket: one HTTP/1.1 request over the unix socket with
//! plain hyper, under a deadline; `post_streaming` hands the body over as it comes and
//! returns the trailers (a custom action's output and exit code).

use std::path::Path;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use tokio::net::UnixStream;

/// An answer: the status code and the body text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// Why no answer came; its text is the line the CLI prints for it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// Nothing listens: the daemon is not running.
    #[error("rmonit: the rmonit daemon is not running")]
    NotRunning,
    #[error("rmonit: {0}")]
    Failed(String),
}

/// Connects, sends a form POST and returns the response with its body unread.
async fn send(
    socket: &Path,
    path: &str,
    form: &[(&str, &str)],
    trailers: bool,
) -> Result<hyper::Response<hyper::body::Incoming>, ClientError> {
    let stream = UnixStream::connect(socket).await.map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused => ClientError::NotRunning,
        _ => ClientError::Failed(format!("cannot connect to {}: {e}", socket.display())),
    })?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| ClientError::Failed(e.to_string()))?;
    tokio::spawn(connection);
    let body = form_body(form);
    let mut request = hyper::Request::post(path)
        .header("host", "localhost")
        .header("content-type", "application/x-www-form-urlencoded");
    if trailers {
        request = request.header("te", "trailers");
    }
    let request = request.body(Full::new(Bytes::from(body))).map_err(|e| ClientError::Failed(e.to_string()))?;
    sender.send_request(request).await.map_err(|e| ClientError::Failed(e.to_string()))
}

/// A streamed answer once its body has ended: the status, the trailers (empty when none
/// came) and, for an error status, the body text (which then was not streamed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamedAnswer {
    pub status: u16,
    pub trailers: hyper::HeaderMap,
    pub error_body: String,
}

/// POSTs a form and passes each piece of a successful answer's body to `on_data` as it
/// arrives; the whole exchange under `timeout`.
pub async fn post_streaming(
    socket: &Path,
    path: &str,
    form: &[(&str, &str)],
    timeout: Duration,
    mut on_data: impl FnMut(&[u8]),
) -> Result<StreamedAnswer, ClientError> {
    let exchange = async {
        let response = send(socket, path, form, true).await?;
        let status = response.status().as_u16();
        let mut body = response.into_body();
        let mut trailers = hyper::HeaderMap::new();
        let mut error_body = Vec::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| ClientError::Failed(e.to_string()))?;
            match frame.into_data() {
                Ok(data) if status < 300 => on_data(&data),
                Ok(data) => error_body.extend_from_slice(&data),
                Err(frame) => {
                    if let Ok(t) = frame.into_trailers() {
                        trailers = t;
                    }
                }
            }
        }
        Ok(StreamedAnswer { status, trailers, error_body: String::from_utf8_lossy(&error_body).into_owned() })
    };
    tokio::time::timeout(timeout, exchange).await.unwrap_or_else(|_| {
        Err(ClientError::Failed(format!("no end of the answer from the daemon within {} s", timeout.as_secs())))
    })
}

/// POSTs a form to the daemon and returns its answer.
pub async fn post(socket: &Path, path: &str, form: &[(&str, &str)], timeout: Duration) -> Result<Answer, ClientError> {
    let exchange = async {
        let response = send(socket, path, form, false).await?;
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await.map_err(|e| ClientError::Failed(e.to_string()))?.to_bytes();
        Ok(Answer { status, body: String::from_utf8_lossy(&bytes).into_owned() })
    };
    tokio::time::timeout(timeout, exchange).await.unwrap_or_else(|_| {
        Err(ClientError::Failed(format!("no answer from the daemon within {} s", timeout.as_secs())))
    })
}

/// An `application/x-www-form-urlencoded` body.
fn form_body(form: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish()
}

#[cfg(test)]
mod tests {
    #[test]
    fn form_encoding() {
        assert_eq!(super::form_body(&[("service", "web srv/1&x=y"), ("a", "b")]), "service=web+srv%2F1%26x%3Dy&a=b");
    }
}
